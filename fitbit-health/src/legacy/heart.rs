//! Heart rate: `get_heartrate_timeseries_by_date` / `…_by_date_range`
//! (zones, resting heart rate) and `get_heartrate_intraday_by_date` /
//! `…_by_date_window` (1 s samples, 1/5/15-minute averages).

use fitbit_api::Number;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, Timelike as _};
use fitbit_api::types::{
    HeartRateDay, HeartRateDayValue, HeartRateDayValueOrAverage, HeartRateDetailLevel, HeartRateIntraday,
    HeartRateTimeSeries, HeartRateZone, IntradayDataset,
};
use fitbit_api::{ClockTime, IntradayPoint, IntradayPoints};
use fitbit_auth::Error;
use futures::TryStreamExt as _;
use google_devicesandservices_health_v4::model::data_point::Data;
use google_devicesandservices_health_v4::model::{daily_rollup_data_point, rollup_data_point};

use super::{Legacy, build, check_range, civil, date_of, days, instant, next_day, no_extra, seconds};
use crate::data_type::DataType;
use crate::filter::Filter;

/// The new API's zones in the legacy order, with the legacy names: the
/// new LIGHT zone lies below fat burn, where Fitbit said "Out of Range".
const ZONES: [(&str, &str); 4] =
    [("LIGHT", "Out of Range"), ("MODERATE", "Fat Burn"), ("VIGOROUS", "Cardio"), ("PEAK", "Peak")];

/// One zone of one day, as gathered.
#[derive(Debug, Default, Clone, Copy)]
struct Zone {
    min: Option<u16>,
    max: Option<u16>,
    minutes: Option<u32>,
    calories: Option<f64>,
}

impl Legacy {
    /// `get_heartrate_timeseries_by_date` / `…_by_date_range`: per day from
    /// `start` to `end` (both included), the heart-rate zones and the
    /// resting heart rate.
    ///
    /// Zones: `min` and `max` from daily-heart-rate-zones, `minutes` from
    /// the time-in-heart-rate-zone daily rollup, named LIGHT → "Out of
    /// Range", MODERATE → "Fat Burn", VIGOROUS → "Cardio", PEAK → "Peak";
    /// `restingHeartRate` from daily-resting-heart-rate.
    ///
    /// **Another definition:** `caloriesOut` is the calories-in-heart-rate-zone
    /// rollup, which counts active energy only; Fitbit counted all energy
    /// burned in the zone, so the values are lower. `customHeartRateZones`
    /// is not in the new API (`None`).
    ///
    /// Needs `health_metrics_and_measurements.readonly` and
    /// `activity_and_fitness.readonly`.
    pub async fn heart_rate_time_series(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<HeartRateTimeSeries, Error> {
        let days = self.heart_days(start, end).await?;
        build(HeartRateTimeSeries::builder().extra(no_extra()).activities_heart(days))
    }

    async fn heart_days(&self, start: NaiveDate, end: NaiveDate) -> Result<Vec<HeartRateDay>, Error> {
        check_range(start, end)?;
        let mut zones: HashMap<(NaiveDate, &str), Zone> = HashMap::new();
        for point in self.daily(DataType::DailyHeartRateZones, start, end).await? {
            let Some(Data::DailyHeartRateZones(day)) = &point.data else { continue };
            let Some(date) = day.date.as_ref().and_then(date_of) else { continue };
            for zone in &day.heart_rate_zones {
                let Some(key) = zone_key(zone.heart_rate_zone_type.name()) else { continue };
                let entry = zones.entry((date, key)).or_default();
                entry.min = zone.min_beats_per_minute.and_then(|b| u16::try_from(b).ok());
                entry.max = zone.max_beats_per_minute.and_then(|b| u16::try_from(b).ok());
            }
        }
        let time_in_zones: Vec<_> = self
            .client
            .daily_roll_up(DataType::TimeInHeartRateZone, start, next_day(end)?)
            .points()
            .try_collect()
            .await?;
        for rollup in &time_in_zones {
            let Some(date) = rollup.civil_start_time.as_ref().and_then(civil).map(|t| t.date()) else {
                continue;
            };
            let Some(daily_rollup_data_point::Value::TimeInHeartRateZone(value)) = &rollup.value else {
                continue;
            };
            for entry in &value.time_in_heart_rate_zones {
                let Some(key) = zone_key(entry.heart_rate_zone.name()) else { continue };
                let minutes = entry.duration.as_ref().map(|d| (seconds(d) / 60.0).round() as u32);
                zones.entry((date, key)).or_default().minutes = minutes;
            }
        }
        let calories: Vec<_> = self
            .client
            .daily_roll_up(DataType::CaloriesInHeartRateZone, start, next_day(end)?)
            .points()
            .try_collect()
            .await?;
        for rollup in &calories {
            let Some(date) = rollup.civil_start_time.as_ref().and_then(civil).map(|t| t.date()) else {
                continue;
            };
            let Some(daily_rollup_data_point::Value::CaloriesInHeartRateZone(value)) = &rollup.value else {
                continue;
            };
            for entry in &value.calories_in_heart_rate_zones {
                let Some(key) = zone_key(entry.heart_rate_zone.name()) else { continue };
                zones.entry((date, key)).or_default().calories = entry.kcal;
            }
        }
        let mut resting: HashMap<NaiveDate, u16> = HashMap::new();
        for point in self.daily(DataType::DailyRestingHeartRate, start, end).await? {
            let Some(Data::DailyRestingHeartRate(day)) = &point.data else { continue };
            if let (Some(date), Some(bpm)) = (day.date.as_ref().and_then(date_of), day.beats_per_minute) {
                resting.insert(date, u16::try_from(bpm).unwrap_or(0));
            }
        }
        days(start, end)
            .map(|date| {
                let heart_rate_zones = ZONES
                    .iter()
                    .filter_map(|(key, name)| {
                        let zone = zones.get(&(date, *key))?;
                        Some(build(
                            HeartRateZone::builder()
                                .extra(no_extra())
                                .name(Some(name.to_string()))
                                .min(zone.min)
                                .max(zone.max)
                                .minutes(Some(zone.minutes.unwrap_or(0)))
                                .calories_out(zone.calories.map(Number::from)),
                        ))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let value = build(
                    HeartRateDayValue::builder()
                        .extra(no_extra())
                        .heart_rate_zones(Some(heart_rate_zones))
                        .resting_heart_rate(resting.get(&date).copied()),
                )?;
                build(
                    HeartRateDay::builder()
                        .extra(no_extra())
                        .date_time(date)
                        .value(HeartRateDayValueOrAverage::HeartRateDayValue(value)),
                )
            })
            .collect()
    }

    /// `get_heartrate_intraday_by_date` / `…_by_date_window`: the day's
    /// summary (as [`heart_rate_time_series`](Self::heart_rate_time_series))
    /// and its heart rate, for the whole day or for `window` (from its start
    /// minute to its end minute included).
    ///
    /// `1sec`: every heart-rate sample, at its own second (the new API may
    /// hold more or fewer than one per second). `1min`, `5min`, `15min`: the
    /// average of each window with samples (`dataPoints:rollUp`,
    /// beatsPerMinuteAvg), in whole beats per minute rounded half up;
    /// windows without samples are left out, as Fitbit did.
    ///
    /// Needs `health_metrics_and_measurements.readonly` (and
    /// `activity_and_fitness.readonly` for the summary's calories).
    pub async fn heart_rate_intraday(
        &self,
        date: NaiveDate,
        detail: HeartRateDetailLevel,
        window: Option<(ClockTime, ClockTime)>,
    ) -> Result<HeartRateIntraday, Error> {
        let offset = self.user_offset().await?;
        let (from, to) = self.window(date, window).await?;
        let mut points = Vec::new();
        let (interval, kind) = match detail {
            HeartRateDetailLevel::X1sec => {
                let filter = Filter::new(DataType::HeartRate).start(from).end(to);
                let mut samples = Vec::new();
                for point in self.list(DataType::HeartRate, &filter).await? {
                    let Some(Data::HeartRate(heart)) = &point.data else { continue };
                    let at =
                        heart.sample_time.as_ref().and_then(|s| s.physical_time.as_ref()).and_then(instant);
                    if let (Some(at), Some(bpm)) = (at, heart.beats_per_minute) {
                        samples.push((at, bpm));
                    }
                }
                samples.sort_by_key(|(at, _)| *at);
                for (at, bpm) in samples {
                    let local = at.with_timezone(&offset).time();
                    if let Some(time) = ClockTime::hms(local.hour(), local.minute(), local.second()) {
                        points.push(IntradayPoint::new(time, bpm as f64));
                    }
                }
                (1, "second")
            }
            detail => {
                let minutes = match detail {
                    HeartRateDetailLevel::X5min => 5,
                    HeartRateDetailLevel::X15min => 15,
                    _ => 1,
                };
                let window = Duration::from_secs(minutes * 60);
                let rollups: Vec<_> =
                    self.client.roll_up(DataType::HeartRate, from, to, window).points().try_collect().await?;
                for rollup in &rollups {
                    let Some(rollup_data_point::Value::HeartRate(heart)) = &rollup.value else { continue };
                    let (Some(at), Some(average)) =
                        (rollup.start_time.as_ref().and_then(instant), heart.beats_per_minute_avg)
                    else {
                        continue;
                    };
                    let local = at.with_timezone(&offset).time();
                    if let Some(time) = ClockTime::hms(local.hour(), local.minute(), local.second()) {
                        points.push(IntradayPoint::new(time, (average + 0.5).floor()));
                    }
                }
                (minutes as u32, "minute")
            }
        };
        let dataset = build(
            IntradayDataset::builder()
                .extra(no_extra())
                .dataset(IntradayPoints::from(points))
                .dataset_interval(Some(interval))
                .dataset_type(Some(kind.to_string())),
        )?;
        let days = self.heart_days(date, date).await?;
        build(
            HeartRateIntraday::builder()
                .extra(no_extra())
                .activities_heart(days)
                .activities_heart_intraday(Some(dataset)),
        )
    }
}

/// The zone key of a zone type's name, for the zones the legacy API had.
fn zone_key(name: Option<&str>) -> Option<&'static str> {
    let name = name?;
    ZONES.iter().map(|(key, _)| *key).find(|key| *key == name)
}

//! Activity time series and intraday: `get_activity_timeseries_by_date`,
//! `…_by_date_range`, `get_activity_intraday_by_date`, `…_by_date_window`.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, Timelike as _};
use fitbit_api::types::{
    ActivityDetailLevel, ActivityIntraday, ActivityIntradayEntry, ActivityResource, ActivityTimeSeries,
    IntradayActivityResource, IntradayDataset, TimeSeriesPoint,
};
use fitbit_api::{ClockTime, IntradayPoint, NumericString, UnitSystem};
use fitbit_auth::Error;
use futures::TryStreamExt as _;
use google_devicesandservices_health_v4::model::data_point::Data;
use google_devicesandservices_health_v4::model::{daily_rollup_data_point, rollup_data_point};

use super::{Legacy, build, check_range, civil, days, instant, next_day, no_extra, seconds, units};
use crate::data_type::DataType;
use crate::filter::Filter;

/// What one legacy activity resource reads, and how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    Steps,
    Distance,
    Calories,
    ActivityCalories,
    Floors,
    Elevation,
    SwimmingStrokes,
    /// Minutes at an activity level (`SEDENTARY`, `LIGHTLY_ACTIVE`…).
    Minutes(&'static str),
}

impl Quantity {
    fn of(resource: ActivityResource) -> Option<Self> {
        Some(match resource {
            ActivityResource::Steps => Quantity::Steps,
            ActivityResource::Distance => Quantity::Distance,
            ActivityResource::Calories => Quantity::Calories,
            ActivityResource::ActivityCalories => Quantity::ActivityCalories,
            ActivityResource::Floors => Quantity::Floors,
            ActivityResource::Elevation => Quantity::Elevation,
            ActivityResource::SwimmingStrokes => Quantity::SwimmingStrokes,
            ActivityResource::MinutesSedentary => Quantity::Minutes("SEDENTARY"),
            ActivityResource::MinutesLightlyActive => Quantity::Minutes("LIGHTLY_ACTIVE"),
            ActivityResource::MinutesFairlyActive => Quantity::Minutes("MODERATELY_ACTIVE"),
            ActivityResource::MinutesVeryActive => Quantity::Minutes("VERY_ACTIVE"),
            ActivityResource::CaloriesBmr => return None,
        })
    }

    fn of_intraday(resource: IntradayActivityResource) -> Self {
        match resource {
            IntradayActivityResource::Steps => Quantity::Steps,
            IntradayActivityResource::Distance => Quantity::Distance,
            IntradayActivityResource::Calories => Quantity::Calories,
            IntradayActivityResource::Floors => Quantity::Floors,
            IntradayActivityResource::Elevation => Quantity::Elevation,
            IntradayActivityResource::SwimmingStrokes => Quantity::SwimmingStrokes,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Quantity::Steps => DataType::Steps,
            Quantity::Distance => DataType::Distance,
            Quantity::Calories => DataType::TotalCalories,
            Quantity::ActivityCalories => DataType::ActiveEnergyBurned,
            Quantity::Floors => DataType::Floors,
            Quantity::Elevation => DataType::Altitude,
            Quantity::SwimmingStrokes => DataType::SwimLengthsData,
            Quantity::Minutes(_) => DataType::ActivityLevel,
        }
    }

    /// The value in the unit system asked for.
    fn convert(self, raw: f64, units: UnitSystem) -> f64 {
        match self {
            Quantity::Distance => units::distance(raw, units),
            Quantity::Elevation => units::elevation(raw, units),
            _ => raw,
        }
    }

    /// The daily value as the legacy series wrote it: whole numbers for
    /// counts, calories and minutes, decimals for distance and elevation.
    fn daily_text(self, raw: f64, units: UnitSystem) -> NumericString {
        match self {
            Quantity::Distance | Quantity::Elevation => NumericString::from(self.convert(raw, units)),
            _ => NumericString::from(raw.round().max(0.0) as u64),
        }
    }
}

macro_rules! measure {
    ($quantity:expr, $value:expr, $module:ident) => {{
        use $module::Value as V;
        match ($quantity, $value) {
            (Quantity::Steps, V::Steps(v)) => v.count_sum.map(|n| n as f64),
            (Quantity::Distance, V::Distance(v)) => v.millimeters_sum.map(|n| n as f64),
            (Quantity::Calories, V::TotalCalories(v)) => v.kcal_sum,
            (Quantity::ActivityCalories, V::ActiveEnergyBurned(v)) => v.kcal_sum,
            (Quantity::Floors, V::Floors(v)) => v.count_sum.map(|n| n as f64),
            (Quantity::Elevation, V::Altitude(v)) => v.gain_millimeters_sum.map(|n| n as f64),
            (Quantity::SwimmingStrokes, V::SwimLengthsData(v)) => v.stroke_count_sum.map(|n| n as f64),
            (Quantity::Minutes(level), V::ActivityLevel(v)) => Some(
                v.activity_level_rollups_by_activity_level_type
                    .iter()
                    .filter(|entry| entry.activity_level_type.name() == Some(level))
                    .filter_map(|entry| entry.total_duration.as_ref().map(seconds))
                    .sum::<f64>()
                    / 60.0,
            ),
            _ => None,
        }
    }};
}

impl Legacy {
    /// `get_activity_timeseries_by_date` / `…_by_date_range`: one value per
    /// day from `start` to `end` (both included), every day present (`0`
    /// when there is no data), as `activities-<resource>`.
    ///
    /// From `dataPoints:dailyRollUp`: `steps` (steps), `distance` (distance,
    /// km or mi), `calories` (total-calories), `floors` (floors),
    /// `elevation` (altitude gain, m or ft), `minutesSedentary`,
    /// `minutesLightlyActive`, `minutesFairlyActive`, `minutesVeryActive`
    /// (activity-level time at SEDENTARY, LIGHTLY_ACTIVE, MODERATELY_ACTIVE,
    /// VERY_ACTIVE), `swimming-strokes` (swim-lengths-data strokes), and
    /// `caloriesBMR` (the day's basal-energy-burned points, summed: that type
    /// has no rollup).
    ///
    /// **Approximation:** `activityCalories` is the new API's
    /// active-energy-burned (energy above the basal rate); Fitbit's counted
    /// the whole energy of active minutes, so it is lower than the legacy
    /// value was.
    ///
    /// Needs `activity_and_fitness.readonly`.
    pub async fn activity_time_series(
        &self,
        resource: ActivityResource,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<ActivityTimeSeries, Error> {
        check_range(start, end)?;
        let values = match Quantity::of(resource) {
            Some(quantity) => self.daily_values(quantity, start, end).await?,
            None => self.basal_calories(start, end).await?,
        };
        let points = values
            .into_iter()
            .map(|(day, value)| {
                build(TimeSeriesPoint::builder().extra(no_extra()).date_time(day).value(value))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ActivityTimeSeries(HashMap::from([(format!("activities-{resource}"), points)])))
    }

    /// `(day, value)` for every day of `start..=end` from a daily rollup.
    async fn daily_values(
        &self,
        quantity: Quantity,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<(NaiveDate, NumericString)>, Error> {
        let rollups: Vec<_> = self
            .client
            .daily_roll_up(quantity.data_type(), start, next_day(end)?)
            .points()
            .try_collect()
            .await?;
        let mut totals: HashMap<NaiveDate, f64> = HashMap::new();
        for rollup in &rollups {
            let Some(day) = rollup.civil_start_time.as_ref().and_then(civil).map(|t| t.date()) else {
                continue;
            };
            let Some(value) =
                rollup.value.as_ref().and_then(|v| measure!(quantity, v, daily_rollup_data_point))
            else {
                continue;
            };
            *totals.entry(day).or_default() += value;
        }
        Ok(days(start, end)
            .map(|day| (day, quantity.daily_text(totals.get(&day).copied().unwrap_or(0.0), self.units)))
            .collect())
    }

    /// `caloriesBMR`: basal-energy-burned has no rollup, so its points are
    /// listed and summed per civil day.
    async fn basal_calories(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<(NaiveDate, NumericString)>, Error> {
        let filter = Filter::new(DataType::BasalEnergyBurned).start(start).end(next_day(end)?);
        let mut totals: HashMap<NaiveDate, f64> = HashMap::new();
        for point in self.list(DataType::BasalEnergyBurned, &filter).await? {
            let Some(Data::BasalEnergyBurned(basal)) = &point.data else { continue };
            let day = basal.interval.as_ref().and_then(|i| i.civil_start_time.as_ref()).and_then(civil);
            if let (Some(day), Some(kcal)) = (day, basal.kcal) {
                *totals.entry(day.date()).or_default() += kcal;
            }
        }
        Ok(days(start, end)
            .map(|day| (day, NumericString::from(totals.get(&day).copied().unwrap_or(0.0).round() as u64)))
            .collect())
    }

    /// `get_activity_intraday_by_date` / `…_by_date_window`: the day's total
    /// (`activities-<resource>`) and its values per 1, 5 or 15 minutes
    /// (`activities-<resource>-intraday`), every window of the day (or of
    /// `window`, from its start minute to its end minute included) present.
    ///
    /// From `dataPoints:rollUp` with a 60 s, 300 s or 900 s window over the
    /// user's local day: steps, distance (km or mi), calories
    /// (total-calories), floors, elevation (altitude gain, m or ft),
    /// swimming strokes. Calories' `level` and `mets` are not in the new API
    /// and stay `None`.
    ///
    /// Needs `activity_and_fitness.readonly`.
    pub async fn activity_intraday(
        &self,
        resource: IntradayActivityResource,
        date: NaiveDate,
        detail: ActivityDetailLevel,
        window: Option<(ClockTime, ClockTime)>,
    ) -> Result<ActivityIntraday, Error> {
        let quantity = Quantity::of_intraday(resource);
        let minutes = match detail {
            ActivityDetailLevel::X1min => 1,
            ActivityDetailLevel::X5min => 5,
            ActivityDetailLevel::X15min => 15,
        };
        let offset = self.user_offset().await?;
        let (from, to) = self.window(date, window).await?;
        let rollups: Vec<_> = self
            .client
            .roll_up(quantity.data_type(), from, to, Duration::from_secs(minutes * 60))
            .points()
            .try_collect()
            .await?;
        let mut dataset = Vec::with_capacity(rollups.len());
        for rollup in &rollups {
            let Some(at) = rollup.start_time.as_ref().and_then(instant) else { continue };
            let local = at.with_timezone(&offset).time();
            let Some(time) = ClockTime::hms(local.hour(), local.minute(), local.second()) else { continue };
            let raw =
                rollup.value.as_ref().and_then(|v| measure!(quantity, v, rollup_data_point)).unwrap_or(0.0);
            dataset.push(IntradayPoint::new(time, quantity.convert(raw, self.units)));
        }
        let daily = self.daily_values(quantity, date, date).await?;
        let daily = daily
            .into_iter()
            .map(|(day, value)| {
                build(TimeSeriesPoint::builder().extra(no_extra()).date_time(day).value(value))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let dataset = build(
            IntradayDataset::builder()
                .extra(no_extra())
                .dataset(fitbit_api::IntradayPoints::from(dataset))
                .dataset_interval(Some(minutes as u32))
                .dataset_type(Some("minute".to_string())),
        )?;
        Ok(ActivityIntraday(HashMap::from([
            (format!("activities-{resource}"), ActivityIntradayEntry::Array(daily)),
            (format!("activities-{resource}-intraday"), ActivityIntradayEntry::IntradayDataset(dataset)),
        ])))
    }
}

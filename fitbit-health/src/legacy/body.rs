//! Body: `get_weight_log` / `get_weight_timeseries_by_date(_range)` and
//! `get_bodyfat_log` / `get_bodyfat_timeseries_by_date(_range)`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike as _, Utc};
use fitbit_api::ClockTime;
use fitbit_api::Number;
use fitbit_api::types::{BodyFatLog, BodyFatLogList, WeightLog, WeightLogList};
use fitbit_auth::Error;
use google_devicesandservices_health_v4::model::data_point::Data;
use google_devicesandservices_health_v4::model::{DataPoint, ObservationSampleTime};

use super::{Legacy, build, check_range, instant, local_time, log_id, next_day, no_extra, units};
use crate::data_type::DataType;
use crate::filter::Filter;

/// A reading: when (physical and local), and its point.
struct Reading<'a> {
    at: Option<DateTime<Utc>>,
    local: Option<NaiveDateTime>,
    point: &'a DataPoint,
}

impl Legacy {
    /// `get_weight_log` (one day: `start` = `end`) and
    /// `get_weight_timeseries_by_date` / `…_by_date_range`: the weight
    /// readings of the days `start..=end`, oldest first.
    ///
    /// `weight` in kilograms, pounds ([`UnitSystem::Us`](fitbit_api::UnitSystem::Us))
    /// or stone ([`UnitSystem::Uk`](fitbit_api::UnitSystem::Uk)); `date`
    /// and `time` local; `fat` from a body-fat reading taken at the same
    /// instant; `bmi` computed from the weight and the user's newest height
    /// reading (`None` without one); `source` `Aria` for a scale, `Web` for
    /// a manual entry, `API` otherwise; `logId` the data point's id.
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn weight_logs(&self, start: NaiveDate, end: NaiveDate) -> Result<WeightLogList, Error> {
        let offset = self.user_offset().await?;
        let weights = self.readings(DataType::Weight, start, end).await?;
        let fats = self.readings(DataType::BodyFat, start, end).await?;
        let height = self.newest_height().await?;
        let mut logs = Vec::new();
        for reading in readings(&weights, offset) {
            let Some(Data::Weight(weight)) = &reading.point.data else { continue };
            let Some(grams) = weight.weight_grams else { continue };
            let fat = readings(&fats, offset)
                .into_iter()
                .filter(|fat| fat.at.is_some() && fat.at == reading.at)
                .find_map(|fat| match &fat.point.data {
                    Some(Data::BodyFat(body_fat)) => body_fat.percentage,
                    _ => None,
                });
            let bmi = height.map(|metres| grams / 1000.0 / (metres * metres));
            logs.push(build(
                WeightLog::builder()
                    .extra(no_extra())
                    .weight(Some(units::body_weight(grams, self.units).into()))
                    .date(reading.local.map(|t| t.date()))
                    .time(reading.local.and_then(clock))
                    .fat(fat.map(fitbit_api::Number::from))
                    .bmi(bmi.map(fitbit_api::Number::from))
                    .log_id(log_id(reading.point))
                    .source(Some(source(reading.point).to_string())),
            )?);
        }
        build(WeightLogList::builder().extra(no_extra()).weight(logs))
    }

    /// `get_bodyfat_log` (one day) and `get_bodyfat_timeseries_by_date` /
    /// `…_by_date_range`: the body-fat readings of the days `start..=end`,
    /// oldest first: `fat` (%), local `date` and `time`, `source` and
    /// `logId` as for [`weight_logs`](Self::weight_logs).
    ///
    /// Needs `health_metrics_and_measurements.readonly`.
    pub async fn body_fat_logs(&self, start: NaiveDate, end: NaiveDate) -> Result<BodyFatLogList, Error> {
        let offset = self.user_offset().await?;
        let fats = self.readings(DataType::BodyFat, start, end).await?;
        let mut logs = Vec::new();
        for reading in readings(&fats, offset) {
            let Some(Data::BodyFat(fat)) = &reading.point.data else { continue };
            logs.push(build(
                BodyFatLog::builder()
                    .extra(no_extra())
                    .fat(fat.percentage.map(Number::from))
                    .date(reading.local.map(|t| t.date()))
                    .time(reading.local.and_then(clock))
                    .log_id(log_id(reading.point))
                    .source(Some(source(reading.point).to_string())),
            )?);
        }
        build(BodyFatLogList::builder().extra(no_extra()).fat(logs))
    }

    /// The samples of `data_type` on the civil days `start..=end`.
    async fn readings(
        &self,
        data_type: DataType,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<DataPoint>, Error> {
        check_range(start, end)?;
        let filter = Filter::new(data_type)
            .start(start.and_hms_opt(0, 0, 0).unwrap_or_default())
            .end(next_day(end)?.and_hms_opt(0, 0, 0).unwrap_or_default());
        self.list(data_type, &filter).await
    }

    /// The newest height reading, in metres.
    async fn newest_height(&self) -> Result<Option<f64>, Error> {
        let page = self.client.points(DataType::Height).page_size(1).page("").await?;
        Ok(page.data_points.first().and_then(|point| match &point.data {
            Some(Data::Height(height)) => height.height_millimeters.map(|mm| mm as f64 / 1000.0),
            _ => None,
        }))
    }
}

/// The points with their times, oldest first.
fn readings(points: &[DataPoint], offset: FixedOffset) -> Vec<Reading<'_>> {
    let mut out: Vec<Reading<'_>> = points
        .iter()
        .map(|point| {
            let sample = sample_time(point);
            Reading {
                at: sample.and_then(|s| s.physical_time.as_ref()).and_then(instant),
                local: sample.and_then(|s| {
                    local_time(s.civil_time.as_ref(), s.physical_time.as_ref(), s.utc_offset.as_ref(), offset)
                }),
                point,
            }
        })
        .collect();
    out.sort_by_key(|reading| reading.at);
    out
}

fn sample_time(point: &DataPoint) -> Option<&ObservationSampleTime> {
    match point.data.as_ref()? {
        Data::Weight(weight) => weight.sample_time.as_ref(),
        Data::BodyFat(fat) => fat.sample_time.as_ref(),
        _ => None,
    }
}

fn clock(time: NaiveDateTime) -> Option<ClockTime> {
    ClockTime::hms(time.hour(), time.minute(), time.second())
}

/// The legacy `source` of a body reading: a scale's, a manual entry's, or another app's.
fn source(point: &DataPoint) -> &'static str {
    let source = point.data_source.as_ref();
    let scale = source
        .and_then(|s| s.device.as_ref())
        .is_some_and(|device| device.form_factor.name() == Some("SCALE"));
    let manual = source.and_then(|s| s.recording_method.name()) == Some("MANUAL");
    if scale {
        "Aria"
    } else if manual {
        "Web"
    } else {
        "API"
    }
}

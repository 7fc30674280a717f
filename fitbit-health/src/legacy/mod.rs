//! The legacy Fitbit Web API's response types, served by the Google Health
//! API: switch the transport first, the types later.
//!
//! [`Legacy`] (from [`Client::legacy`]) takes the legacy calls' arguments
//! and returns the types of [`fitbit_api::types`], filled from the new API's
//! data points, rollups and profile. Each method names the legacy operation
//! it stands for; `MIGRATION.md` (and [`fitbit_auth::migration`]) says for
//! every operation what replaces it.
//!
//! ```no_run
//! # async fn run(client: fitbit_health::Client) -> Result<(), fitbit_auth::Error> {
//! use chrono::NaiveDate;
//! use fitbit_api::{ClockTime, UnitSystem};
//!
//! let legacy = client.legacy().units(UnitSystem::Us);
//! let day = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
//! let profile = legacy.profile().await?;
//! println!("{:?} walks {:?} inches a stride", profile.user.encoded_id, profile.user.stride_length_walking);
//! let logs = legacy.weight_logs(day, day).await?;
//! println!("{:?} lb", logs.weight.first().and_then(|log| log.weight));
//! # Ok(()) }
//! ```
//!
//! # What differs from the legacy API
//!
//! - **Units.** The new API stores fixed units (millimetres, grams, kcal,
//!   °C); the facade converts them into the [`UnitSystem`] asked for
//!   ([`Legacy::units`], metric by default), as the legacy `Accept-Language`
//!   header did: kilometres or miles, metres or feet, kilograms, pounds or
//!   stone, centimetres or inches. Conversions are exact; the new API's
//!   values are rounded differently than Fitbit's were, so compare decimals
//!   with a tolerance.
//! - **Time.** Legacy times were zone-less and meant the profile's time
//!   zone. The facade writes each value's civil (local) time as the new API
//!   recorded it, and cuts days and intraday windows at local midnight with
//!   the user's current UTC offset (`Settings.utcOffset`, or
//!   [`Legacy::utc_offset`]); on a day the clocks change, windows near the
//!   change are an hour off, as they were in the legacy API.
//! - **Fields the new API cannot fill** are left `None` and listed on each
//!   method (for example the user's name and avatar, sleep `efficiency`,
//!   calorie METs). Values it can only approximate are documented where they
//!   are filled (for example `activityCalories`).
//! - **Ids.** A `logId` is the data point's id when that is a number (the
//!   Fitbit-synced data), else `None`.

mod activity;
mod body;
mod devices;
mod exercise;
mod heart;
mod profile;
mod sleep;
mod summaries;
mod units;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use fitbit_api::{ClockTime, UnitSystem};
use fitbit_auth::Error;
use futures::TryStreamExt as _;
use google_devicesandservices_health_v4::model::{CivilDateTime, DataPoint};
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::data_type::DataType;
use crate::error::ResultExt as _;
use crate::filter::Filter;
use crate::names;

pub use exercise::LogQuery;

/// Legacy-shaped answers from the Google Health API; from
/// [`Client::legacy`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Legacy {
    client: Client,
    units: UnitSystem,
    offset: Arc<OnceCell<FixedOffset>>,
}

impl Client {
    /// The legacy Fitbit Web API's calls and types, served by this client
    /// (see [`crate::legacy`]). Metric units unless told otherwise.
    pub fn legacy(&self) -> Legacy {
        Legacy { client: self.clone(), units: UnitSystem::Metric, offset: Arc::new(OnceCell::new()) }
    }
}

impl Legacy {
    /// Answers in this unit system (the legacy `Accept-Language`).
    pub fn units(mut self, units: UnitSystem) -> Self {
        self.units = units;
        self
    }

    /// Cuts days at midnight of this UTC offset instead of the user's
    /// current one (`Settings.utcOffset`, read once).
    pub fn utc_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = Arc::new(OnceCell::new_with(Some(offset)));
        self
    }

    /// The unit system of the answers.
    pub fn unit_system(&self) -> UnitSystem {
        self.units
    }

    /// The client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The user's UTC offset: the one set with [`utc_offset`](Self::utc_offset),
    /// else `Settings.utcOffset` (read once per [`Legacy`]; needs
    /// `settings.readonly`), else UTC when the settings name none.
    pub async fn user_offset(&self) -> Result<FixedOffset, Error> {
        self.offset
            .get_or_try_init(|| async {
                let settings = self
                    .client
                    .health_profile()
                    .get_settings()
                    .set_name(names::user_resource(names::ME, "settings"))
                    .send()
                    .await
                    .classified()?;
                Ok(settings.utc_offset.as_ref().and_then(|d| offset_of(d.seconds())).unwrap_or(utc()))
            })
            .await
            .copied()
    }

    /// Local midnight of `date` as an instant.
    pub(crate) async fn midnight(&self, date: NaiveDate) -> Result<DateTime<Utc>, Error> {
        let offset = self.user_offset().await?;
        Ok(at_offset(date.and_time(NaiveTime::MIN), offset))
    }

    /// The instants of `date`'s local day, or of `window` in it (from its
    /// start minute to its end minute included, as the legacy time windows).
    pub(crate) async fn window(
        &self,
        date: NaiveDate,
        window: Option<(ClockTime, ClockTime)>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
        let midnight = self.midnight(date).await?;
        let minute =
            |time: ClockTime| chrono::Duration::seconds(i64::from(time.seconds_from_midnight() / 60 * 60));
        match window {
            Some((start, end)) if end.seconds_from_midnight() < start.seconds_from_midnight() => {
                Err(Error::InvalidRequest(format!("the window ends ({end}) before it starts ({start})")))
            }
            Some((start, end)) => {
                Ok((midnight + minute(start), midnight + minute(end) + chrono::Duration::minutes(1)))
            }
            None => Ok((midnight, midnight + chrono::Duration::days(1))),
        }
    }

    /// Every point of `data_type` in `filter`, every page, newest first.
    pub(crate) async fn list(&self, data_type: DataType, filter: &Filter) -> Result<Vec<DataPoint>, Error> {
        self.client.points(data_type).filter(filter).map_err(bad_filter)?.points().try_collect().await
    }

    /// The points of a daily type for the civil days `start..=end`.
    pub(crate) async fn daily(
        &self,
        data_type: DataType,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<DataPoint>, Error> {
        check_range(start, end)?;
        let filter = Filter::new(data_type).start(start).end(next_day(end)?);
        self.list(data_type, &filter).await
    }
}

/// A legacy type from its builder; a value that does not fit the legacy
/// type (never expected) is an [`Error::InvalidResponse`].
fn build<T, B>(builder: B) -> Result<T, Error>
where
    B: TryInto<T>,
    B::Error: std::fmt::Display,
{
    builder.try_into().map_err(|err| Error::InvalidResponse {
        status: None,
        message: format!("the answer does not fit the legacy type: {err}"),
    })
}

/// The `extra` (unknown fields) of a legacy type built here: none.
fn no_extra() -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::new()
}

fn bad_filter(err: crate::filter::FilterError) -> Error {
    Error::InvalidRequest(err.to_string())
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("0 is a valid offset")
}

/// An offset of whole seconds east of UTC, if within a day.
fn offset_of(seconds: i64) -> Option<FixedOffset> {
    FixedOffset::east_opt(i32::try_from(seconds).ok()?)
}

/// The instant of a civil time at an offset.
fn at_offset(civil: NaiveDateTime, offset: FixedOffset) -> DateTime<Utc> {
    (civil - offset).and_utc()
}

/// The day after `date`, or a typed error at the end of the calendar.
fn next_day(date: NaiveDate) -> Result<NaiveDate, Error> {
    date.succ_opt().ok_or_else(|| Error::InvalidRequest(format!("{date} is the last day chrono knows")))
}

/// `start..=end` must not run backwards.
fn check_range(start: NaiveDate, end: NaiveDate) -> Result<(), Error> {
    if end < start {
        return Err(Error::InvalidRequest(format!("the end date {end} is before the start date {start}")));
    }
    Ok(())
}

/// Each day of `start..=end`.
fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |day| *day <= end)
}

/// An instant of Google's client as chrono's.
fn instant(timestamp: &google_cloud_wkt::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(timestamp.seconds(), u32::try_from(timestamp.nanos()).ok()?)
}

/// A protobuf duration in seconds.
fn seconds(duration: &google_cloud_wkt::Duration) -> f64 {
    duration.seconds() as f64 + f64::from(duration.nanos()) / 1e9
}

/// A civil date of Google's client as chrono's.
fn date_of(date: &google_cloud_type::model::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year, u32::try_from(date.month).ok()?, u32::try_from(date.day).ok()?)
}

/// A civil date-time of Google's client as chrono's (midnight when the time is absent).
fn civil(value: &CivilDateTime) -> Option<NaiveDateTime> {
    let date = date_of(value.date.as_ref()?)?;
    let time = match &value.time {
        Some(t) => NaiveTime::from_hms_nano_opt(
            u32::try_from(t.hours).ok()?,
            u32::try_from(t.minutes).ok()?,
            u32::try_from(t.seconds).ok()?,
            u32::try_from(t.nanos).ok()?,
        )?,
        None => NaiveTime::MIN,
    };
    Some(date.and_time(time))
}

/// The local time of an instant: its civil time when the API gave one, else
/// the instant at its own UTC offset, else at `fallback`.
fn local_time(
    civil_time: Option<&CivilDateTime>,
    at: Option<&google_cloud_wkt::Timestamp>,
    offset: Option<&google_cloud_wkt::Duration>,
    fallback: FixedOffset,
) -> Option<NaiveDateTime> {
    if let Some(value) = civil_time.and_then(civil) {
        return Some(value);
    }
    let at = instant(at?)?;
    let offset = offset.and_then(|d| offset_of(d.seconds())).unwrap_or(fallback);
    Some(at.with_timezone(&offset).naive_local())
}

/// A data point's id as a legacy `logId`, when it is a number.
fn log_id(point: &DataPoint) -> Option<u64> {
    point.name.rsplit('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_and_physical_times_agree() {
        let at = google_cloud_wkt::Timestamp::clamp(1_772_866_800, 0); // 2026-03-07T07:00:00Z
        let plus_one = google_cloud_wkt::Duration::clamp(3600, 0);
        let local = local_time(None, Some(&at), Some(&plus_one), utc()).unwrap();
        assert_eq!(local.to_string(), "2026-03-07 08:00:00");
        let civil_time = CivilDateTime::new()
            .set_date(google_cloud_type::model::Date::new().set_year(2026).set_month(3).set_day(7))
            .set_time(google_cloud_type::model::TimeOfDay::new().set_hours(8).set_minutes(1));
        let local = local_time(Some(&civil_time), Some(&at), Some(&plus_one), utc()).unwrap();
        assert_eq!(local.to_string(), "2026-03-07 08:01:00", "the civil time wins");
        let midnight = at_offset(
            NaiveDate::from_ymd_opt(2026, 3, 7).unwrap().and_time(NaiveTime::MIN),
            offset_of(3600).unwrap(),
        );
        assert_eq!(midnight.to_rfc3339(), "2026-03-06T23:00:00+00:00");
        assert!(
            check_range(
                NaiveDate::from_ymd_opt(2026, 3, 7).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 6).unwrap()
            )
            .is_err()
        );
        assert_eq!(
            days(NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 7).unwrap())
                .count(),
            2
        );
    }

    #[test]
    fn only_numeric_ids_become_log_ids() {
        let numeric = DataPoint::new().set_name("users/me/dataTypes/weight/dataPoints/7302000000000000101");
        assert_eq!(log_id(&numeric), Some(7_302_000_000_000_000_101));
        let named = DataPoint::new().set_name("users/me/dataTypes/weight/dataPoints/morning-weigh-in");
        assert_eq!(log_id(&named), None);
    }
}

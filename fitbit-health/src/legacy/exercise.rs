//! Activity (exercise) logs: `get_activity_log_list`, page by page or as a
//! stream.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use fitbit_api::ListBound;
use fitbit_api::Number;
use fitbit_api::types::{ActivityLog, ActivityLogAzm, ActivityLogList, Pagination};
use fitbit_auth::Error;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use google_devicesandservices_health_v4::model::data_point::Data;
use google_devicesandservices_health_v4::model::{DataPoint, Exercise};

use super::{Legacy, build, instant, local_time, log_id, no_extra, seconds, units};
use crate::data_type::DataType;
use crate::filter::{Bound, Filter};
use crate::paging::token_pages;

/// Which activity logs [`Legacy::activity_log_list`] reads: those starting
/// before a bound, or from one on, and how many per page (the legacy
/// `beforeDate` / `afterDate` and `limit`).
///
/// ```
/// use chrono::NaiveDate;
/// use fitbit_health::legacy::LogQuery;
///
/// let query = LogQuery::before(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()).limit(10);
/// assert_eq!(query.page_size(), 10);
/// assert_eq!(LogQuery::before(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()).limit(100).page_size(), 25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogQuery {
    bound: LogBound,
    limit: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogBound {
    Before(ListBound),
    After(ListBound),
}

impl LogQuery {
    /// Logs that started before `bound` (a day, or a local date and time).
    pub fn before(bound: impl Into<ListBound>) -> Self {
        Self { bound: LogBound::Before(bound.into()), limit: 25 }
    }

    /// Logs that started at or after `bound` (the legacy `afterDate` was
    /// exclusive; the new API's filter is not).
    pub fn after(bound: impl Into<ListBound>) -> Self {
        Self { bound: LogBound::After(bound.into()), limit: 25 }
    }

    /// Logs per page (the legacy `limit`, up to 100; the new API pages
    /// exercises by at most 25).
    pub fn limit(mut self, limit: u8) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// The page size asked of the new API.
    pub fn page_size(&self) -> u8 {
        self.limit.min(DataType::Exercise.max_list_page() as u8)
    }

    fn filter(&self) -> Filter {
        let bound = |b: ListBound| match b {
            ListBound::Day(day) => Bound::Date(day),
            ListBound::At(at) => Bound::Civil(at),
        };
        match self.bound {
            LogBound::Before(b) => Filter::new(DataType::Exercise).end(bound(b)),
            LogBound::After(b) => Filter::new(DataType::Exercise).start(bound(b)),
        }
    }
}

impl Legacy {
    /// `get_activity_log_list`: one page of exercise logs, newest first,
    /// in the legacy shape. Pass `pagination.next` of a page as
    /// `page_token` for the next one (the empty string when there is none);
    /// or read them all with [`activity_logs`](Self::activity_logs).
    ///
    /// Each log: `logId`, `activityName`, `startTime` and
    /// `originalStartTime` (local, with the UTC offset), `duration` and
    /// `originalDuration`, `activeDuration` (ms), `calories`, `steps`,
    /// `distance` and `distanceUnit` (km or mi), `elevationGain` (m or ft),
    /// `speed` (km/h or mph), `pace` (s per km or mile), `averageHeartRate`,
    /// `activeZoneMinutes.totalMinutes` and `hasActiveZoneMinutes`,
    /// `lastModified`, and `logType` (`tracker` for an exercise started on
    /// the device, `auto_detected`, `manual`).
    ///
    /// Not in the new API, left `None`: `activityTypeId` (the catalogue is
    /// gone), `activityLevel`, `heartRateZones`,
    /// `activeZoneMinutes.minutesInHeartRateZones`, `source`,
    /// `manualValuesSpecified`, and the links (`caloriesLink`,
    /// `heartRateLink`, `tcxLink`: TCX is `Client::exercise_tcx`). The
    /// pagination holds the new API's page token in `next` instead of a URL,
    /// no `offset` or `previous`, and `sort` is always `desc` (pages of an
    /// `after` query come newest first too).
    ///
    /// Needs `activity_and_fitness.readonly`.
    pub async fn activity_log_list(
        &self,
        query: LogQuery,
        page_token: Option<&str>,
    ) -> Result<ActivityLogList, Error> {
        let offset = self.user_offset().await?;
        let page = self
            .client
            .points(DataType::Exercise)
            .filter(&query.filter())
            .map_err(|err| Error::InvalidRequest(err.to_string()))?
            .page_size(i32::from(query.page_size()))
            .page(page_token.unwrap_or_default())
            .await?;
        let activities = page
            .data_points
            .iter()
            .filter_map(|point| match &point.data {
                Some(Data::Exercise(exercise)) => Some(legacy_log(point, exercise, offset, self.units)),
                _ => None,
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (before, after) = match query.bound {
            LogBound::Before(b) => (Some(b.to_string()), None),
            LogBound::After(b) => (None, Some(b.to_string())),
        };
        let pagination: Pagination = build(
            Pagination::builder()
                .extra(no_extra())
                .before_date(before)
                .after_date(after)
                .limit(Some(u32::from(query.page_size())))
                .next(Some(page.next_page_token.clone()))
                .sort(Some("desc".to_string())),
        )?;
        build(ActivityLogList::builder().extra(no_extra()).activities(activities).pagination(pagination))
    }

    /// Every exercise log of `query`, newest first, following the pages.
    pub fn activity_logs(
        &self,
        query: LogQuery,
    ) -> impl Stream<Item = Result<ActivityLog, Error>> + Send + 'static {
        let legacy = self.clone();
        token_pages(move |token| {
            let legacy = legacy.clone();
            async move {
                let page = legacy.activity_log_list(query, Some(&token)).await?;
                let next = page.pagination.next.clone();
                Ok((page, next))
            }
        })
        .map_ok(|page| futures::stream::iter(page.activities.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}

fn millis(duration: &google_cloud_wkt::Duration) -> Option<u64> {
    let ms = (seconds(duration) * 1000.0).round();
    (ms >= 0.0).then_some(ms as u64)
}

fn legacy_log(
    point: &DataPoint,
    exercise: &Exercise,
    offset: FixedOffset,
    units: fitbit_api::UnitSystem,
) -> Result<ActivityLog, Error> {
    let interval = exercise.interval.as_ref();
    let started: Option<DateTime<Utc>> = interval.and_then(|i| instant(i.start_time.as_ref()?));
    let ended: Option<DateTime<Utc>> = interval.and_then(|i| instant(i.end_time.as_ref()?));
    let start_offset = interval
        .and_then(|i| i.start_utc_offset.as_ref())
        .and_then(|d| FixedOffset::east_opt(i32::try_from(d.seconds()).ok()?))
        .unwrap_or(offset);
    let start_text = interval
        .and_then(|i| {
            local_time(
                i.civil_start_time.as_ref(),
                i.start_time.as_ref(),
                i.start_utc_offset.as_ref(),
                offset,
            )
        })
        .and_then(|local| local.and_local_timezone(start_offset).single())
        .map(|at| at.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string());
    let duration = started.zip(ended).and_then(|(a, b)| u64::try_from((b - a).num_milliseconds()).ok());
    let metrics = exercise.metrics_summary.as_ref();
    let azm = metrics.and_then(|m| m.active_zone_minutes);
    let mut azm_extra = no_extra();
    if let Some(total) = azm {
        azm_extra.insert("totalMinutes".into(), total.into());
    }
    let active_zone_minutes = build(ActivityLogAzm::builder().extra(azm_extra))?;
    let mut log_extra = no_extra();
    if let Some(total) = azm {
        log_extra.insert("hasActiveZoneMinutes".into(), (total > 0).into());
    }
    let log_type = match point.data_source.as_ref().and_then(|s| s.recording_method.name()) {
        Some("ACTIVELY_MEASURED") => "tracker",
        Some("MANUAL") => "manual",
        _ => "auto_detected",
    };
    let text = |value: &str| (!value.is_empty()).then(|| value.to_string());
    build(
        ActivityLog::builder()
            .extra(log_extra)
            .log_id(log_id(point))
            .activity_name(text(&exercise.display_name))
            .start_time(start_text.clone())
            .original_start_time(start_text)
            .duration(duration)
            .original_duration(duration)
            .active_duration(exercise.active_duration.as_ref().and_then(millis))
            .calories(metrics.and_then(|m| m.calories_kcal).map(Number::from))
            .steps(metrics.and_then(|m| m.steps).and_then(|s| u64::try_from(s).ok()))
            .distance(
                metrics
                    .and_then(|m| m.distance_millimeters)
                    .map(|mm| units::distance(mm, units))
                    .map(fitbit_api::Number::from),
            )
            .distance_unit(
                metrics.and_then(|m| m.distance_millimeters).map(|_| units::distance_unit(units).to_string()),
            )
            .elevation_gain(
                metrics
                    .and_then(|m| m.elevation_gain_millimeters)
                    .map(|mm| units::elevation(mm, units))
                    .map(fitbit_api::Number::from),
            )
            .speed(
                metrics
                    .and_then(|m| m.average_speed_millimeters_per_second)
                    .map(|v| units::speed(v, units))
                    .map(fitbit_api::Number::from),
            )
            .pace(
                metrics
                    .and_then(|m| m.average_pace_seconds_per_meter)
                    .map(|v| units::pace(v, units))
                    .map(fitbit_api::Number::from),
            )
            .average_heart_rate(
                metrics
                    .and_then(|m| m.average_heart_rate_beats_per_minute)
                    .and_then(|b| u16::try_from(b).ok()),
            )
            .active_zone_minutes(azm.map(|_| active_zone_minutes))
            .last_modified(
                exercise
                    .update_time
                    .as_ref()
                    .and_then(instant)
                    .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
            )
            .log_type(Some(log_type.to_string())),
    )
}

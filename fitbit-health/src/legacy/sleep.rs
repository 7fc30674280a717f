//! Sleep: `get_sleep_log_by_date` and `get_sleep_log_by_date_range`.

use std::collections::HashMap;

use chrono::{FixedOffset, NaiveDate};
use fitbit_api::LocalDateTime;
use fitbit_api::types::{
    SleepLevelSpan, SleepLevelSummary, SleepLevels, SleepLog, SleepLogRange, SleepLogsByDate, SleepSummary,
};
use fitbit_auth::Error;
use google_devicesandservices_health_v4::model::data_point::Data;
use google_devicesandservices_health_v4::model::sleep::SleepStage;
use google_devicesandservices_health_v4::model::{DataPoint, Sleep};

use super::{Legacy, build, check_range, instant, local_time, log_id, next_day, no_extra};
use crate::data_type::DataType;
use crate::filter::Filter;

impl Legacy {
    /// `get_sleep_log_by_date`: the sleeps that ended on `date` (a night
    /// belongs to the morning it ends), newest first, and their summary.
    ///
    /// From the `sleep` data type (`list`, filtered on the civil end time).
    /// Each log: `dateOfSleep`, `startTime`, `endTime` (local), `duration`,
    /// `isMainSleep` (metadata.mainSleep), `type` (`stages` or `classic`),
    /// `logType` (`manual` for manual entries, else `auto_detected`),
    /// `minutesAsleep`, `minutesAwake`, `minutesToFallAsleep`,
    /// `minutesAfterWakeup`, `timeInBed` (the sleep's summary), `levels.data`
    /// (the stages: deep, light, rem, wake; or asleep, restless, awake),
    /// `levels.shortData` (short awakenings, for stages) and
    /// `levels.summary` (count and minutes per level). The day's `summary`
    /// adds up its sleeps (stage minutes from the stages sleeps).
    ///
    /// Not in the new API, left `None`: `efficiency`, `infoCode` and each
    /// level's `thirtyDayAvgMinutes`.
    ///
    /// Needs `sleep.readonly`.
    pub async fn sleep_log_by_date(&self, date: NaiveDate) -> Result<SleepLogsByDate, Error> {
        let logs = self.sleep_logs(date, date).await?;
        let mut stages: HashMap<String, u32> = HashMap::new();
        for log in logs.iter().filter(|log| log.type_.as_deref() == Some("stages")) {
            let summary = log.levels.as_ref().and_then(|levels| levels.summary.as_ref());
            for (level, entry) in summary.into_iter().flatten() {
                *stages.entry(level.clone()).or_default() += entry.minutes.unwrap_or(0);
            }
        }
        let sum = |field: fn(&SleepLog) -> Option<u32>| logs.iter().filter_map(field).sum::<u32>();
        let summary = build(
            SleepSummary::builder()
                .extra(no_extra())
                .stages(Some(stages))
                .total_minutes_asleep(Some(sum(|log| log.minutes_asleep)))
                .total_sleep_records(Some(logs.len() as u32))
                .total_time_in_bed(Some(sum(|log| log.time_in_bed))),
        )?;
        build(SleepLogsByDate::builder().extra(no_extra()).sleep(Some(logs)).summary(Some(summary)))
    }

    /// `get_sleep_log_by_date_range`: the sleeps that ended from `start` to
    /// `end` (both included), newest first, each as in
    /// [`sleep_log_by_date`](Self::sleep_log_by_date).
    ///
    /// Needs `sleep.readonly`.
    pub async fn sleep_log_by_date_range(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<SleepLogRange, Error> {
        let logs = self.sleep_logs(start, end).await?;
        build(SleepLogRange::builder().extra(no_extra()).sleep(logs))
    }

    async fn sleep_logs(&self, start: NaiveDate, end: NaiveDate) -> Result<Vec<SleepLog>, Error> {
        check_range(start, end)?;
        let offset = self.user_offset().await?;
        let filter = Filter::new(DataType::Sleep).start(start).end(next_day(end)?);
        let points = self.list(DataType::Sleep, &filter).await?;
        points
            .iter()
            .filter_map(|point| match &point.data {
                Some(Data::Sleep(sleep)) => Some(legacy_sleep(point, sleep, offset)),
                _ => None,
            })
            .collect()
    }
}

fn legacy_sleep(point: &DataPoint, sleep: &Sleep, offset: FixedOffset) -> Result<SleepLog, Error> {
    let interval = sleep.interval.as_ref();
    let start = interval.and_then(|i| {
        local_time(i.civil_start_time.as_ref(), i.start_time.as_ref(), i.start_utc_offset.as_ref(), offset)
    });
    let end = interval.and_then(|i| {
        local_time(i.civil_end_time.as_ref(), i.end_time.as_ref(), i.end_utc_offset.as_ref(), offset)
    });
    let duration = interval.and_then(|i| {
        let (from, to) = (instant(i.start_time.as_ref()?)?, instant(i.end_time.as_ref()?)?);
        u64::try_from((to - from).num_milliseconds()).ok()
    });
    let stages = sleep.r#type.name() == Some("STAGES");
    let level = |name: Option<&str>| -> Option<String> {
        Some(
            match (name?, stages) {
                ("AWAKE", true) => "wake",
                ("AWAKE", false) => "awake",
                ("LIGHT", _) => "light",
                ("DEEP", _) => "deep",
                ("REM", _) => "rem",
                ("ASLEEP", _) => "asleep",
                ("RESTLESS", _) => "restless",
                _ => return None,
            }
            .to_string(),
        )
    };
    let spans = |segments: &[SleepStage]| -> Result<Vec<SleepLevelSpan>, Error> {
        segments
            .iter()
            .filter_map(|stage| {
                let from = instant(stage.start_time.as_ref()?)?;
                let to = instant(stage.end_time.as_ref()?)?;
                let at =
                    local_time(None, stage.start_time.as_ref(), stage.start_utc_offset.as_ref(), offset)?;
                Some(build(
                    SleepLevelSpan::builder()
                        .extra(no_extra())
                        .date_time(Some(LocalDateTime::from(at)))
                        .level(level(stage.r#type.name()))
                        .seconds(u32::try_from((to - from).num_seconds()).ok()),
                ))
            })
            .collect()
    };
    let summary = sleep.summary.as_ref();
    let minutes = |value: Option<i64>| value.and_then(|m| u32::try_from(m).ok());
    let levels_summary: HashMap<String, SleepLevelSummary> = summary
        .map(|s| s.stages_summary.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let name = level(entry.r#type.name())?;
            let value = build(
                SleepLevelSummary::builder()
                    .extra(no_extra())
                    .count(minutes(entry.count))
                    .minutes(minutes(entry.minutes)),
            );
            Some(value.map(|value| (name, value)))
        })
        .collect::<Result<_, _>>()?;
    let levels = build(
        SleepLevels::builder()
            .extra(no_extra())
            .data(Some(spans(&sleep.stages)?))
            .short_data(if stages { Some(spans(&sleep.short_awakenings)?) } else { None })
            .summary(Some(levels_summary)),
    )?;
    let manual = point.data_source.as_ref().and_then(|s| s.recording_method.name()) == Some("MANUAL");
    build(
        SleepLog::builder()
            .extra(no_extra())
            .log_id(log_id(point))
            .date_of_sleep(end.map(|t| t.date()))
            .start_time(start.map(LocalDateTime::from))
            .end_time(end.map(LocalDateTime::from))
            .duration(duration)
            .is_main_sleep(sleep.metadata.as_ref().map(|m| m.main_sleep))
            .type_(Some(if stages { "stages" } else { "classic" }.to_string()))
            .log_type(Some(if manual { "manual" } else { "auto_detected" }.to_string()))
            .minutes_asleep(minutes(summary.and_then(|s| s.minutes_asleep)))
            .minutes_awake(minutes(summary.and_then(|s| s.minutes_awake)))
            .minutes_to_fall_asleep(minutes(summary.and_then(|s| s.minutes_to_fall_asleep)))
            .minutes_after_wakeup(minutes(summary.and_then(|s| s.minutes_after_wake_up)))
            .time_in_bed(minutes(summary.and_then(|s| s.minutes_in_sleep_period)))
            .levels(Some(levels)),
    )
}

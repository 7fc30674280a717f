//! A typed time-range filter for `dataPoints:list` and `:reconcile`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use crate::data_type::{DataType, RecordKind};

/// One end of a time range: a physical instant, or a civil (wall-clock)
/// date or date-time in the user's own time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// An instant (`2026-03-01T08:00:00Z`).
    Physical(DateTime<Utc>),
    /// A civil date-time (`2026-03-01T08:00:00`).
    Civil(NaiveDateTime),
    /// A civil date (`2026-03-01`).
    Date(NaiveDate),
}

impl From<DateTime<Utc>> for Bound {
    fn from(instant: DateTime<Utc>) -> Self {
        Bound::Physical(instant)
    }
}

impl From<NaiveDateTime> for Bound {
    fn from(civil: NaiveDateTime) -> Self {
        Bound::Civil(civil)
    }
}

impl From<NaiveDate> for Bound {
    fn from(date: NaiveDate) -> Self {
        Bound::Date(date)
    }
}

impl Bound {
    fn is_physical(self) -> bool {
        matches!(self, Bound::Physical(_))
    }

    fn literal(self) -> String {
        match self {
            Bound::Physical(instant) => instant.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Bound::Civil(civil) => civil.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Bound::Date(date) => date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Why a filter cannot be written for a data type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot filter {data_type} that way: {reason}")]
pub struct FilterError {
    /// The type the filter was for.
    pub data_type: DataType,
    /// What the API does not allow.
    pub reason: &'static str,
}

/// A time-range filter in the API's filter syntax (AIP-160), on the field the
/// data type is filtered by: the start of an interval, the time of a sample,
/// the date of a daily value, the end of a sleep.
///
/// The start is inclusive (`>=`), the end exclusive (`<`). Both ends are
/// physical instants or both civil (dates or date-times).
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use fitbit_health::{DataType, Filter};
///
/// let day = Filter::new(DataType::HeartRate)
///     .start(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
///     .end(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap())
///     .build()?;
/// assert_eq!(
///     day,
///     r#"heart_rate.sample_time.physical_time >= "2026-03-01T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-03-02T00:00:00Z""#
/// );
///
/// let nights = Filter::new(DataType::DailyRestingHeartRate)
///     .start(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
///     .build()?;
/// assert_eq!(nights, r#"daily_resting_heart_rate.date >= "2026-03-01""#);
/// # Ok::<(), fitbit_health::FilterError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "call `build`"]
pub struct Filter {
    data_type: DataType,
    start: Option<Bound>,
    end: Option<Bound>,
}

impl Filter {
    /// A filter for `data_type`, open on both ends.
    pub fn new(data_type: DataType) -> Self {
        Self { data_type, start: None, end: None }
    }

    /// Points from `start` on (inclusive).
    pub fn start(mut self, start: impl Into<Bound>) -> Self {
        self.start = Some(start.into());
        self
    }

    /// Points before `end` (exclusive).
    pub fn end(mut self, end: impl Into<Bound>) -> Self {
        self.end = Some(end.into());
        self
    }

    /// The filter text; empty when both ends are open.
    pub fn build(&self) -> Result<String, FilterError> {
        let fail = |reason| Err(FilterError { data_type: self.data_type, reason });
        let bounds: Vec<Bound> = self.start.iter().chain(self.end.iter()).copied().collect();
        let Some(first) = bounds.first() else { return Ok(String::new()) };
        if bounds.iter().any(|b| b.is_physical() != first.is_physical()) {
            return fail("both ends must be physical instants, or both civil dates or date-times");
        }
        let physical = first.is_physical();
        let any_time_of_day = bounds.iter().any(|b| matches!(b, Bound::Civil(_)));
        let field = match (self.data_type.record_kind(), physical) {
            (RecordKind::Interval | RecordKind::RollupOnly, true) => "interval.start_time",
            (RecordKind::Interval | RecordKind::RollupOnly, false) => "interval.civil_start_time",
            (RecordKind::Sample, true) => "sample_time.physical_time",
            (RecordKind::Sample, false) => "sample_time.civil_time",
            (RecordKind::Daily, false) if !any_time_of_day => "date",
            (RecordKind::Daily, _) => return fail("daily values are filtered by civil date only"),
            (RecordKind::Session, false) => "interval.civil_start_time",
            (RecordKind::Session, true) => return fail("sessions are filtered by civil start time only"),
            (RecordKind::Sleep, true) => "interval.end_time",
            (RecordKind::Sleep, false) => "interval.civil_end_time",
            (RecordKind::Electrocardiogram, true) if self.end.is_none() => "interval.start_time",
            (RecordKind::Electrocardiogram, _) => {
                return fail("ECG readings are filtered by a physical start time, lower bound only");
            }
            (RecordKind::Catalogue, _) => return fail("the food catalogue has no time filter"),
            #[allow(unreachable_patterns)]
            _ => return fail("this data type has no known time filter"),
        };
        let field = format!("{}.{field}", self.data_type.filter_name());
        let mut clauses = Vec::new();
        if let Some(start) = self.start {
            clauses.push(format!("{field} >= \"{}\"", start.literal()));
        }
        if let Some(end) = self.end {
            clauses.push(format!("{field} < \"{}\"", end.literal()));
        }
        Ok(clauses.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn each_record_kind_filters_on_its_own_field() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 6, 30, 0).unwrap();
        let cases = [
            (DataType::Steps, Bound::from(at), r#"steps.interval.start_time >= "2026-03-01T06:30:00Z""#),
            (DataType::Steps, Bound::from(day(1)), r#"steps.interval.civil_start_time >= "2026-03-01""#),
            (
                DataType::Weight,
                Bound::from(at),
                r#"weight.sample_time.physical_time >= "2026-03-01T06:30:00Z""#,
            ),
            (
                DataType::Weight,
                Bound::from(day(1).and_hms_opt(6, 30, 0).unwrap()),
                r#"weight.sample_time.civil_time >= "2026-03-01T06:30:00""#,
            ),
            (DataType::Sleep, Bound::from(at), r#"sleep.interval.end_time >= "2026-03-01T06:30:00Z""#),
            (
                DataType::Exercise,
                Bound::from(day(1)),
                r#"exercise.interval.civil_start_time >= "2026-03-01""#,
            ),
            (
                DataType::Electrocardiogram,
                Bound::from(at),
                r#"electrocardiogram.interval.start_time >= "2026-03-01T06:30:00Z""#,
            ),
        ];
        for (data_type, start, expected) in cases {
            assert_eq!(Filter::new(data_type).start(start).build().unwrap(), expected);
        }
        assert_eq!(Filter::new(DataType::Steps).build().unwrap(), "");
    }

    #[test]
    fn filters_the_api_cannot_answer_are_refused() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let refused = [
            Filter::new(DataType::Steps).start(at).end(day(2)),
            Filter::new(DataType::DailyRestingHeartRate).start(at),
            Filter::new(DataType::DailyRestingHeartRate).start(day(1).and_hms_opt(1, 0, 0).unwrap()),
            Filter::new(DataType::Exercise).start(at),
            Filter::new(DataType::Electrocardiogram).start(at).end(at),
            Filter::new(DataType::Food).start(day(1)),
        ];
        for filter in refused {
            assert!(filter.build().is_err(), "{filter:?}");
        }
    }
}

//! Time in the API's encodings: RFC 3339 timestamps, protobuf `Duration`
//! strings (`"3600s"`), `CivilDateTime` and `Date` objects.

use chrono::{
    DateTime, Datelike as _, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Timelike as _, Utc,
};
use serde_json::{Map, Value, json};

/// Parses an RFC 3339 timestamp (offset required).
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// Formats a timestamp as Google does: UTC, `Z`, fractional digits only when needed.
pub(crate) fn format_timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses a protobuf `Duration` string: `-?\d+(\.\d{1,9})?s`.
pub(crate) fn parse_duration(text: &str) -> Option<chrono::Duration> {
    let number = text.strip_suffix('s')?;
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (digits, ""),
    };
    let valid_whole = !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit());
    let valid_fraction =
        fraction.len() <= 9 && fraction.bytes().all(|b| b.is_ascii_digit()) && !(digits.ends_with('.'));
    if !valid_whole || !valid_fraction {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let nanos: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<9}").parse().ok()? };
    let duration = chrono::Duration::seconds(seconds) + chrono::Duration::nanoseconds(nanos);
    Some(if negative { -duration } else { duration })
}

/// Formats a duration as protobuf JSON does (`"60s"`, `"0.248s"`).
pub(crate) fn format_duration(duration: chrono::Duration) -> String {
    let negative = duration < chrono::Duration::zero();
    let duration = if negative { -duration } else { duration };
    let seconds = duration.num_seconds();
    let nanos = (duration - chrono::Duration::seconds(seconds)).num_nanoseconds().unwrap_or(0);
    let sign = if negative { "-" } else { "" };
    if nanos == 0 {
        format!("{sign}{seconds}s")
    } else if nanos % 1_000_000 == 0 {
        format!("{sign}{seconds}.{:03}s", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!("{sign}{seconds}.{:06}s", nanos / 1_000)
    } else {
        format!("{sign}{seconds}.{nanos:09}s")
    }
}

/// A `CivilDateTime` object; zero time fields are left out, as proto3 JSON does.
pub(crate) fn civil_json(civil: NaiveDateTime) -> Value {
    let mut time = Map::new();
    for (name, value) in [
        ("hours", civil.hour()),
        ("minutes", civil.minute()),
        ("seconds", civil.second()),
        ("nanos", civil.nanosecond()),
    ] {
        if value != 0 {
            time.insert(name.into(), json!(value));
        }
    }
    json!({ "date": date_json(civil.date()), "time": time })
}

/// A `google.type.Date` object.
pub(crate) fn date_json(date: NaiveDate) -> Value {
    json!({ "year": date.year(), "month": date.month(), "day": date.day() })
}

/// Reads a `google.type.Date` object (a full date).
pub(crate) fn date_from_json(value: &Value) -> Option<NaiveDate> {
    let part = |name: &str| value.get(name).and_then(Value::as_i64).unwrap_or(0);
    NaiveDate::from_ymd_opt(
        part("year") as i32,
        u32::try_from(part("month")).ok()?,
        u32::try_from(part("day")).ok()?,
    )
}

/// Reads a `CivilDateTime` object (time of day defaults to midnight).
pub(crate) fn civil_from_json(value: &Value) -> Option<NaiveDateTime> {
    let date = date_from_json(value.get("date")?)?;
    let time = value.get("time");
    let part = |name: &str| time.and_then(|t| t.get(name)).and_then(Value::as_i64).unwrap_or(0);
    let time = NaiveTime::from_hms_nano_opt(
        u32::try_from(part("hours")).ok()?,
        u32::try_from(part("minutes")).ok()?,
        u32::try_from(part("seconds")).ok()?,
        u32::try_from(part("nanos")).ok()?,
    )?;
    Some(date.and_time(time))
}

/// Local wall-clock time of a physical instant at a UTC offset.
pub(crate) fn civil_at(instant: DateTime<Utc>, offset: chrono::Duration) -> NaiveDateTime {
    (instant + offset).naive_utc()
}

/// Parses a filter's civil literal: `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm:ss`.
pub(crate) fn parse_civil_literal(text: &str) -> Option<NaiveDateTime> {
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN));
    }
    if text.len() == 19 {
        return NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_and_refuse_junk() {
        for text in ["0s", "60s", "3600s", "-3600s", "0.248s", "1.000001s", "2.000000001s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        for junk in ["60", "s", "1.s", "1.2345678901s", "+5s", "5 s", "1h"] {
            assert!(parse_duration(junk).is_none(), "{junk}");
        }
    }

    #[test]
    fn civil_times_leave_out_zero_fields() {
        let instant = parse_timestamp("2026-11-28T23:00:00Z").unwrap();
        let civil = civil_at(instant, chrono::Duration::seconds(3600));
        assert_eq!(civil_json(civil), json!({"date": {"year": 2026, "month": 11, "day": 29}, "time": {}}));
        assert_eq!(civil_from_json(&civil_json(civil)), Some(civil));
        assert_eq!(parse_civil_literal("2026-11-29"), Some(civil));
        assert!(parse_civil_literal("2026-11-29T25:00:00").is_none());
    }
}

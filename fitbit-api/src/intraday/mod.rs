//! Handwritten replacements for the intraday schemas (`IntradayPoint`,
//! `IntradayPoints`, `ActivityIntradayEntry`), which the generated derive
//! would decode slowly: a day at 1-second detail has 86,400 points.
//!
//! - `IntradayPoints` reads the dataset's text directly when it has the
//!   usual shape (`points.rs`, `scan.rs`).
//! - The generated `IntradayPoint` kept unknown fields in a flattened map on
//!   every point (24 bytes each, and serde's flatten path on every key); here
//!   they go into a boxed map that exists only when there are any.
//! - The generated `ActivityIntradayEntry` was an untagged enum, which makes
//!   serde buffer the whole dataset into an intermediate tree before trying
//!   each variant; here the first token (array or object) picks the variant.
//!
//! Both re-encode exactly what they decoded, unknown fields included. The
//! figures are in `BENCHMARKS.md` (`cargo bench -p fitbit-benches --bench intraday_decode`).

#[cfg(test)]
mod layout_tests;
mod points;
mod scan;

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::generated_client::types::{IntradayDataset, TimeSeriesPoint};
use crate::number::Number;
use crate::values::ClockTime;

pub use points::IntradayPoints;

/// Fields Fitbit sent that the model does not name, in the order received.
pub type ExtraFields = serde_json::Map<String, serde_json::Value>;

/// One point of an intraday dataset: `{"time":"08:00:00","value":64}`, with
/// `level` and `mets` for calories.
///
/// ```
/// use fitbit_api::{ClockTime, IntradayPoint};
///
/// let point: IntradayPoint = serde_json::from_str(r#"{"time":"07:31:00","value":6.9,"level":2,"mets":58}"#).unwrap();
/// assert_eq!(point.time, ClockTime::hms(7, 31, 0).unwrap());
/// assert_eq!((point.value.as_f64(), point.level, point.mets.map(|m| m.as_f64())), (6.9, Some(2), Some(58.0)));
///
/// // Fields the model does not know are kept and written back, and every
/// // number keeps its form (an integer stays an integer).
/// let text = r#"{"time":"00:00:00","value":61,"confidence":3}"#;
/// let point: IntradayPoint = serde_json::from_str(text).unwrap();
/// assert_eq!(point.extra.as_ref().unwrap()["confidence"], 3);
/// assert_eq!(serde_json::to_string(&point).unwrap(), text);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct IntradayPoint {
    /// The time of day, user-local.
    pub time: ClockTime,
    /// The measurement (beats per minute, steps, calories, …), in the form
    /// Fitbit wrote it (`62` or `1.0981`).
    pub value: Number,
    /// Activity level (calories intraday only).
    pub level: Option<u8>,
    /// METs (calories intraday only).
    pub mets: Option<Number>,
    /// Fields not named above; `None` when there were none (the usual case).
    pub extra: Option<Box<ExtraFields>>,
}

impl IntradayPoint {
    /// A point with a time and a value, and nothing else.
    pub fn new(time: ClockTime, value: impl Into<Number>) -> Self {
        Self { time, value: value.into(), level: None, mets: None, extra: None }
    }
}

/// The keys of a point; only an unknown key is allocated.
enum PointKey {
    Time,
    Value,
    Level,
    Mets,
    Other(String),
}

impl PointKey {
    fn known(name: &str) -> Option<Self> {
        Some(match name {
            "time" => Self::Time,
            "value" => Self::Value,
            "level" => Self::Level,
            "mets" => Self::Mets,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for PointKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = PointKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<PointKey, E> {
                Ok(PointKey::known(name).unwrap_or_else(|| PointKey::Other(name.to_owned())))
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<PointKey, E> {
                Ok(PointKey::known(&name).unwrap_or(PointKey::Other(name)))
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for IntradayPoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PointVisitor;

        impl<'de> Visitor<'de> for PointVisitor {
            type Value = IntradayPoint;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an intraday point (an object with `time` and `value`)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IntradayPoint, A::Error> {
                let mut time = None;
                let mut value = None;
                // Outer `Some`: the key was present (its value may be `null`).
                let mut level: Option<Option<u8>> = None;
                let mut mets: Option<Option<Number>> = None;
                let mut extra: Option<Box<ExtraFields>> = None;
                while let Some(key) = map.next_key::<PointKey>()? {
                    match key {
                        PointKey::Time if time.is_none() => time = Some(map.next_value()?),
                        PointKey::Value if value.is_none() => value = Some(map.next_value()?),
                        PointKey::Level if level.is_none() => level = Some(map.next_value()?),
                        PointKey::Mets if mets.is_none() => mets = Some(map.next_value()?),
                        PointKey::Time => return Err(de::Error::duplicate_field("time")),
                        PointKey::Value => return Err(de::Error::duplicate_field("value")),
                        PointKey::Level => return Err(de::Error::duplicate_field("level")),
                        PointKey::Mets => return Err(de::Error::duplicate_field("mets")),
                        PointKey::Other(name) => {
                            // A repeated unknown key keeps its last value, as `Value` does.
                            extra.get_or_insert_with(Box::default).insert(name, map.next_value()?);
                        }
                    }
                }
                Ok(IntradayPoint {
                    time: time.ok_or_else(|| de::Error::missing_field("time"))?,
                    value: value.ok_or_else(|| de::Error::missing_field("value"))?,
                    level: level.flatten(),
                    mets: mets.flatten(),
                    extra,
                })
            }
        }

        deserializer.deserialize_map(PointVisitor)
    }
}

impl Serialize for IntradayPoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = self.extra.as_deref();
        let len = 2
            + usize::from(self.level.is_some())
            + usize::from(self.mets.is_some())
            + extra.map_or(0, ExtraFields::len);
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("time", &self.time)?;
        map.serialize_entry("value", &self.value)?;
        if let Some(level) = &self.level {
            map.serialize_entry("level", level)?;
        }
        if let Some(mets) = &self.mets {
            map.serialize_entry("mets", mets)?;
        }
        for (name, value) in extra.into_iter().flatten() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One entry of an activity intraday answer: the daily points
/// (`activities-<resource>`) or the intraday dataset
/// (`activities-<resource>-intraday`).
#[derive(Clone, Debug, PartialEq)]
pub enum ActivityIntradayEntry {
    /// The daily total(s).
    Array(Vec<TimeSeriesPoint>),
    /// The points of the day.
    IntradayDataset(IntradayDataset),
}

impl From<Vec<TimeSeriesPoint>> for ActivityIntradayEntry {
    fn from(points: Vec<TimeSeriesPoint>) -> Self {
        Self::Array(points)
    }
}

impl From<IntradayDataset> for ActivityIntradayEntry {
    fn from(dataset: IntradayDataset) -> Self {
        Self::IntradayDataset(dataset)
    }
}

impl<'de> Deserialize<'de> for ActivityIntradayEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = ActivityIntradayEntry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the daily points (an array) or the intraday dataset (an object)")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(ActivityIntradayEntry::Array)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IntradayDataset::deserialize(MapAccessDeserializer::new(map))
                    .map(ActivityIntradayEntry::IntradayDataset)
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}

impl Serialize for ActivityIntradayEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Array(points) => points.serialize(serializer),
            Self::IntradayDataset(dataset) => dataset.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_needs_time_and_value_and_refuses_bad_ones() {
        let error = |text: &str| serde_json::from_str::<IntradayPoint>(text).unwrap_err().to_string();
        assert!(error(r#"{"value":1}"#).contains("missing field `time`"));
        assert!(error(r#"{"time":"00:00:00"}"#).contains("missing field `value`"));
        assert!(error(r#"{"time":"24:00:00","value":1}"#).contains("is not a time"));
        assert!(error(r#"{"time":"00:00","time":"00:01","value":1}"#).contains("duplicate field `time`"));
        assert!(error(r#"[1]"#).contains("an intraday point"));
    }

    #[test]
    fn a_point_round_trips_nulls_as_absent_and_unknown_fields_as_sent() {
        let point: IntradayPoint =
            serde_json::from_str(r#"{"time":"07:31","value":2,"level":null,"extra":{"a":[1]}}"#).unwrap();
        assert_eq!(point.level, None);
        assert_eq!(
            serde_json::to_value(&point).unwrap(),
            serde_json::json!({"time":"07:31","value":2,"extra":{"a":[1]}})
        );
        assert_eq!(
            IntradayPoint::new(ClockTime::hm(7, 31).unwrap(), 2),
            IntradayPoint { extra: None, ..point }
        );
    }

    #[test]
    fn an_entry_is_picked_by_its_first_token() {
        let daily: ActivityIntradayEntry =
            serde_json::from_str(r#"[{"dateTime":"2024-03-05","value":"9012"}]"#).unwrap();
        assert!(matches!(&daily, ActivityIntradayEntry::Array(points) if points.len() == 1));
        let dataset: ActivityIntradayEntry = serde_json::from_str(
            r#"{"dataset":[{"time":"00:00:00","value":0}],"datasetInterval":1,"datasetType":"minute"}"#,
        )
        .unwrap();
        assert!(matches!(&dataset, ActivityIntradayEntry::IntradayDataset(d) if d.dataset.len() == 1));
        assert!(serde_json::from_str::<ActivityIntradayEntry>("3").is_err());
    }
}

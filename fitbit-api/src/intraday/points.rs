//! [`IntradayPoints`], the points of a dataset, and how they are decoded.
//!
//! serde's map visiting costs more per point than the point's own parse, and
//! a day at 1-second detail has 86,400 points. So when the deserializer is
//! serde_json, the points are read from the dataset's raw text instead: the
//! type asks for a newtype struct under serde_json's raw-value name
//! (`$serde_json::private::RawValue`, feature `raw_value`), which serde_json
//! answers by skipping the value at full speed and handing over its text
//! (borrowed when decoding from a slice, as the client does). [`scan`]
//! reads the usual shape of that text directly; anything else goes to serde.
//! Other deserializers see a plain newtype struct and decode the points as a
//! sequence. The name is serde_json's, not a public API: if a release changed
//! it, decoding would stay correct but slower, and the test
//! `serde_json_hands_over_the_raw_text` would fail.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::IntradayPoint;
use super::scan::scan_points;

/// The name under which serde_json hands over a value's raw text.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The points of an intraday dataset, in the order Fitbit sent them. It
/// dereferences to `Vec<IntradayPoint>`: index it, iterate it, push to it.
///
/// ```
/// use fitbit_api::types::IntradayDataset;
/// use fitbit_api::{ClockTime, IntradayPoint, IntradayPoints};
///
/// let text = r#"{"dataset":[{"time":"00:00:00","value":61},{"time":"00:00:01","value":62}],"datasetInterval":1}"#;
/// let day: IntradayDataset = serde_json::from_str(text).unwrap();
/// assert_eq!(day.dataset.len(), 2);
/// assert_eq!(day.dataset[1].time, ClockTime::hms(0, 0, 1).unwrap());
/// assert_eq!(day.dataset.iter().map(|point| point.value.as_f64()).sum::<f64>(), 123.0);
///
/// let points: IntradayPoints = vec![IntradayPoint::new(ClockTime::hm(7, 0).unwrap(), 64)].into();
/// assert_eq!(serde_json::to_string(&points).unwrap(), r#"[{"time":"07:00","value":64}]"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntradayPoints(Vec<IntradayPoint>);

impl IntradayPoints {
    /// The points, as a vector.
    pub fn into_vec(self) -> Vec<IntradayPoint> {
        self.0
    }
}

impl Deref for IntradayPoints {
    type Target = Vec<IntradayPoint>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for IntradayPoints {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<Vec<IntradayPoint>> for IntradayPoints {
    fn from(points: Vec<IntradayPoint>) -> Self {
        Self(points)
    }
}

impl From<IntradayPoints> for Vec<IntradayPoint> {
    fn from(points: IntradayPoints) -> Self {
        points.0
    }
}

impl FromIterator<IntradayPoint> for IntradayPoints {
    fn from_iter<I: IntoIterator<Item = IntradayPoint>>(points: I) -> Self {
        Self(points.into_iter().collect())
    }
}

impl IntoIterator for IntradayPoints {
    type Item = IntradayPoint;
    type IntoIter = std::vec::IntoIter<IntradayPoint>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a IntradayPoints {
    type Item = &'a IntradayPoint;
    type IntoIter = std::slice::Iter<'a, IntradayPoint>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut IntradayPoints {
    type Item = &'a mut IntradayPoint;
    type IntoIter = std::slice::IterMut<'a, IntradayPoint>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

impl Serialize for IntradayPoints {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for IntradayPoints {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, PointsVisitor)
    }
}

#[cfg(test)]
thread_local! {
    /// How many datasets this thread read with the scanner.
    pub(super) static SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Decodes the raw text of a dataset: directly when it has the usual shape,
/// else with serde (which keeps unknown fields, or says what is wrong).
pub(super) fn points_from_text(text: &str) -> Result<IntradayPoints, serde_json::Error> {
    if let Some(points) = scan_points(text) {
        #[cfg(test)]
        SCANNED.with(|scanned| scanned.set(scanned.get() + 1));
        return Ok(IntradayPoints(points));
    }
    serde_json::from_str(text).map(IntradayPoints)
}

struct PointsVisitor;

impl<'de> Visitor<'de> for PointsVisitor {
    type Value = IntradayPoints;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of intraday points")
    }

    /// serde_json: a map of one entry, the raw-value name and the text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match map.next_key_seed(RawValueKey)? {
            Some(()) => map.next_value_seed(RawText),
            None => Err(de::Error::invalid_type(Unexpected::Map, &self)),
        }
    }

    /// Any other deserializer: the points themselves.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Vec::deserialize(deserializer).map(IntradayPoints)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq)).map(IntradayPoints)
    }
}

/// The key of serde_json's raw-value map; any other key is a real map, which
/// a dataset is not.
struct RawValueKey;

impl<'de> DeserializeSeed<'de> for RawValueKey {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for RawValueKey {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of intraday points")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        if key == RAW_VALUE_TOKEN { Ok(()) } else { Err(de::Error::invalid_type(Unexpected::Map, &self)) }
    }
}

/// The dataset's text: borrowed from the input, or buffered by a reader, or
/// printed from a `serde_json::Value`.
struct RawText;

impl<'de> DeserializeSeed<'de> for RawText {
    type Value = IntradayPoints;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<IntradayPoints, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for RawText {
    type Value = IntradayPoints;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the text of an array of intraday points")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<IntradayPoints, E> {
        points_from_text(text).map_err(|err| E::custom(format_args!("in the intraday dataset: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn scanned_while<T>(decode: impl FnOnce() -> T) -> (T, usize) {
        let before = SCANNED.with(Cell::get);
        let value = decode();
        (value, SCANNED.with(Cell::get) - before)
    }

    /// What serde alone makes of `text`: the reference for the scanner.
    fn by_serde(text: &str) -> Result<Vec<IntradayPoint>, String> {
        serde_json::from_str(text).map_err(|err| err.to_string())
    }

    #[test]
    fn serde_json_hands_over_the_raw_text() {
        let text = r#"[{"time":"00:00:00","value":61},{"time":"00:00:01","value":62}]"#;
        let (points, scanned) = scanned_while(|| serde_json::from_slice::<IntradayPoints>(text.as_bytes()));
        assert_eq!(points.unwrap().len(), 2);
        assert_eq!(scanned, 1, "from_slice took the slow path: has serde_json's raw-value protocol changed?");
        // What the client does with an answer's body.
        let (points, scanned) = scanned_while(|| crate::decode_json::<IntradayPoints>(text.as_bytes()));
        assert_eq!((points.unwrap().len(), scanned), (2, 1));
        let (points, scanned) =
            scanned_while(|| serde_json::from_reader::<_, IntradayPoints>(text.as_bytes()));
        assert_eq!((points.unwrap().len(), scanned), (2, 1));
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let (points, scanned) = scanned_while(|| serde_json::from_value::<IntradayPoints>(value));
        assert_eq!((points.unwrap().len(), scanned), (2, 1));
    }

    #[test]
    fn the_scanner_agrees_with_serde_on_every_shape_it_takes() {
        let accepted = [
            "[]",
            " [ ] ",
            r#"[{"time":"00:00:00","value":61}]"#,
            r#"[{"value":61,"time":"23:59:59"}]"#,
            r#"[{"time":"23:59:59","value": 61 ,"level":0}, {"time":"23:59:59" ,"value":62}]"#,
            "[\n  {\n    \"time\": \"07:31\",\n    \"value\": 6.9,\n    \"level\": 2,\n    \"mets\": 58\n  }\n]\n",
            r#"[{"time":"07:31:00","value":1.0981,"level":null,"mets":null}]"#,
            r#"[{"time":"07:31:00","value":-0},{"time":"07:31:01","value":-12}]"#,
            r#"[{"time":"07:31:00","value":123456789012345},{"time":"07:31:01","value":1234567890123456789}]"#,
            r#"[{"time":"07:31:00","value":1e3},{"time":"07:31:01","value":2.5E-3},{"time":"07:31:02","value":0.1}]"#,
            r#"[{"time":"07:31:00","value":3.141592653589793238},{"time":"07:31:01","value":0,"level":255}]"#,
        ];
        for text in accepted {
            assert_eq!(scan_points(text), Some(by_serde(text).unwrap()), "{text}");
            let (points, scanned) = scanned_while(|| serde_json::from_str::<IntradayPoints>(text));
            assert_eq!((points.unwrap().into_vec(), scanned), (by_serde(text).unwrap(), 1), "{text}");
        }
    }

    #[test]
    fn what_the_scanner_declines_serde_decodes_or_refuses() {
        let declined = [
            // Kept by serde: unknown fields, escapes.
            r#"[{"time":"00:00:00","value":61,"confidence":3}]"#,
            r#"[{"time":"07\u003a31","value":1}]"#,
            r#"[{"ti\u006de":"07:31","value":1}]"#,
            // Refused by serde, with its message.
            r#"[{"time":"00:00:00"}]"#,
            r#"[{"value":1}]"#,
            r#"[{"time":"24:00:00","value":1}]"#,
            r#"[{"time":"00:00","time":"00:01","value":1}]"#,
            r#"[{"time":"00:00:00","value":1,"time":"00:00:01"}]"#,
            r#"[{"time":"00:00:00","value":1,"value":2}]"#,
            r#"[{"time":"00:00","value":null}]"#,
            r#"[{"time":"00:00","value":"61"}]"#,
            r#"[{"time":"00:00","value":1,"level":256}]"#,
            r#"[{"time":"00:00","value":1,"level":-1}]"#,
            r#"[{"time":"00:00","value":1,"level":2.0}]"#,
            r#"[{"time":"00:00","value":01}]"#,
            r#"[{"time":"00:00","value":1},]"#,
            r#"[{"time":"00:00","value":1}"#,
            r#"[{"time":"00:00","value":1}] x"#,
            "[1]",
            "{}",
            "",
        ];
        for text in declined {
            assert_eq!(scan_points(text), None, "{text}");
            let by_type = points_from_text(text).map(IntradayPoints::into_vec).map_err(|err| err.to_string());
            assert_eq!(by_type, by_serde(text), "{text}");
        }
        let kept = serde_json::from_str::<IntradayPoints>(declined[0]).unwrap();
        assert_eq!(kept[0].extra.as_ref().unwrap()["confidence"], 3);
    }

    #[test]
    fn a_bad_point_is_a_clear_error_in_the_whole_answer() {
        let text = r#"{"dataset":[{"time":"00:00:00","value":61},{"time":"25:00:00","value":62}]}"#;
        let err = serde_json::from_str::<crate::types::IntradayDataset>(text).unwrap_err().to_string();
        assert!(err.starts_with("in the intraday dataset: "), "{err}");
        assert!(err.contains("25:00:00"), "{err}");
        let err = serde_json::from_str::<crate::types::IntradayDataset>(r#"{"dataset":{"time":"00:00"}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("an intraday point") || err.contains("a sequence"), "{err}");
    }

    #[test]
    fn other_formats_decode_the_points_as_a_sequence() {
        // An untagged enum buffers its input in serde's own format, which
        // knows nothing of serde_json's raw values.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Buffered {
            Points(IntradayPoints),
        }
        let text = r#"[{"time":"00:00:00","value":61,"confidence":3},{"time":"00:00:01","value":62}]"#;
        let (Buffered::Points(points), scanned) = scanned_while(|| serde_json::from_str(text).unwrap());
        assert_eq!((points.into_vec(), scanned), (by_serde(text).unwrap(), 0));
    }
}

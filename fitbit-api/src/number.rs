//! [`Number`]: a JSON number that keeps the form it was written in.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A decimal number of the API (`type: number` in the spec), as Fitbit wrote
/// it: a whole number sent as `62` is re-encoded as `62`, and one sent as
/// `62.0` as `62.0`. An `f64` would print `62.0` for both, so a decoded answer
/// written back (an archive, the `fitbit` tool's JSON) would differ from what
/// Fitbit sent. Integers are kept exactly, whatever their size.
///
/// Sixteen bytes, `Copy`, and `Option<Number>` is no larger.
///
/// ```
/// use fitbit_api::Number;
///
/// let whole: Number = serde_json::from_str("62").unwrap();
/// let decimal: Number = serde_json::from_str("1817.23114").unwrap();
/// assert_eq!(serde_json::to_string(&whole).unwrap(), "62");
/// assert_eq!(serde_json::to_string(&decimal).unwrap(), "1817.23114");
/// assert_eq!(whole.as_f64() + decimal.as_f64(), 1879.23114);
/// assert!(whole == 62.0 && whole.is_integer());
///
/// // Values you make keep the form you give them.
/// assert_eq!(Number::from(70).to_string(), "70");
/// assert_eq!(Number::from(70.5).to_string(), "70.5");
/// assert_eq!("1.50".parse::<Number>().unwrap().to_string(), "1.5");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Number(Repr);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Repr {
    /// A non-negative integer.
    PosInt(u64),
    /// A negative integer.
    NegInt(i64),
    /// A number written with a fraction or an exponent.
    Float(f64),
}

impl Number {
    /// The value as an `f64` (an integer beyond 2^53 is rounded).
    pub fn as_f64(self) -> f64 {
        match self.0 {
            Repr::PosInt(n) => n as f64,
            Repr::NegInt(n) => n as f64,
            Repr::Float(f) => f,
        }
    }

    /// The value, when it was written as an integer that fits an `i64`.
    pub fn as_i64(self) -> Option<i64> {
        match self.0 {
            Repr::PosInt(n) => i64::try_from(n).ok(),
            Repr::NegInt(n) => Some(n),
            Repr::Float(_) => None,
        }
    }

    /// The value, when it was written as a non-negative integer.
    pub fn as_u64(self) -> Option<u64> {
        match self.0 {
            Repr::PosInt(n) => Some(n),
            _ => None,
        }
    }

    /// Whether it was written as an integer (no fraction, no exponent).
    pub fn is_integer(self) -> bool {
        !matches!(self.0, Repr::Float(_))
    }

    /// An integer read by the intraday scanner.
    pub(crate) fn pos_int(n: u64) -> Self {
        Self(Repr::PosInt(n))
    }
}

/// Same form and same value: `62` and `62.0` are different texts. Compare
/// with an `f64` (`number == 62.0`) to compare values only.
impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl PartialEq<f64> for Number {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == *other
    }
}

impl From<f64> for Number {
    fn from(value: f64) -> Self {
        Self(Repr::Float(value))
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Self(Repr::PosInt(value))
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        match u64::try_from(value) {
            Ok(n) => Self(Repr::PosInt(n)),
            Err(_) => Self(Repr::NegInt(value)),
        }
    }
}

impl From<u32> for Number {
    fn from(value: u32) -> Self {
        Self::from(u64::from(value))
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Self {
        Self::from(i64::from(value))
    }
}

impl From<Number> for f64 {
    fn from(number: Number) -> Self {
        number.as_f64()
    }
}

impl From<Number> for serde_json::Value {
    fn from(number: Number) -> Self {
        match number.0 {
            Repr::PosInt(n) => n.into(),
            Repr::NegInt(n) => n.into(),
            Repr::Float(f) => f.into(),
        }
    }
}

/// As JSON writes it: `62`, `-1`, `62.0`, `1817.23114`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::PosInt(n) => fmt::Display::fmt(&n, f),
            Repr::NegInt(n) => fmt::Display::fmt(&n, f),
            Repr::Float(x) => match serde_json::Number::from_f64(x) {
                Some(number) => fmt::Display::fmt(&number, f),
                None => fmt::Display::fmt(&x, f),
            },
        }
    }
}

/// A JSON number's text: `62`, `-1`, `62.0`, `6.5e1`.
impl FromStr for Number {
    type Err = serde_json::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(text)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Repr::PosInt(n) => serializer.serialize_u64(n),
            Repr::NegInt(n) => serializer.serialize_i64(n),
            Repr::Float(f) => serializer.serialize_f64(f),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;

        impl Visitor<'_> for NumberVisitor {
            type Value = Number;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Number, E> {
                Ok(Number::from(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Number, E> {
                Ok(Number::from(value))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Number, E> {
                Ok(Number::from(value))
            }
        }

        deserializer.deserialize_any(NumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_number_keeps_its_form() {
        for text in [
            "0",
            "62",
            "-1",
            "18446744073709551615",
            "-9223372036854775808",
            "62.0",
            "1817.23114",
            "-0.5",
            "0.1",
        ] {
            let number: Number = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&number).unwrap(), text, "{text}");
            assert_eq!(number.to_string(), text, "{text}");
            assert_eq!(text.parse::<Number>().unwrap(), number, "{text}");
            assert_eq!(
                serde_json::Value::from(number),
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            );
        }
        // Exponents are decimals, written as serde_json writes them.
        assert_eq!(serde_json::to_string(&"6.5e1".parse::<Number>().unwrap()).unwrap(), "65.0");
        assert_eq!(std::mem::size_of::<Option<Number>>(), 16);
    }

    #[test]
    fn forms_differ_values_compare() {
        let whole: Number = "62".parse().unwrap();
        let decimal: Number = "62.0".parse().unwrap();
        assert_ne!(whole, decimal);
        assert!(whole == 62.0 && decimal == 62.0);
        assert_eq!((whole.as_i64(), whole.as_u64(), decimal.as_i64()), (Some(62), Some(62), None));
        assert_eq!(Number::from(-3).as_i64(), Some(-3));
        assert!(Number::from(u64::MAX).as_i64().is_none());
        assert!("\"62\"".parse::<Number>().is_err() && "abc".parse::<Number>().is_err());
    }
}

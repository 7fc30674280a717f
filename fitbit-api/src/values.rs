//! Handwritten value types that replace named schemas of the spec.
//!
//! Each one exists because the plain OpenAPI type would be wrong for Fitbit:
//! `format: date` rejects `today`, `format: date-time` rejects zone-less
//! timestamps, and time-series numbers arrive as strings. They all serialize
//! back to exactly the text Fitbit sent, so re-encoding a response loses nothing.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that could not be parsed; says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not {expected}")]
pub struct ParseValueError {
    input: String,
    expected: &'static str,
}

impl ParseValueError {
    fn new(input: &str, expected: &'static str) -> Self {
        Self { input: input.chars().take(64).collect(), expected }
    }
}

/// Parses a JSON string with `FromStr` where it lies in the input: a
/// `String` (or `Cow<str>`, which serde always fills owned) would cost an
/// allocation per value, and an intraday day has 86,400 of them.
struct ParsedStr<T>(std::marker::PhantomData<T>);

impl<T> serde::de::Visitor<'_> for ParsedStr<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(bytes), &self))?;
        self.visit_str(text)
    }
}

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(ParsedStr(std::marker::PhantomData))
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = ParseValueError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = ParseValueError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl TryFrom<&String> for $ty {
            type Error = ParseValueError;
            fn try_from(value: &String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

/// A date in a request path or query: `yyyy-MM-dd`, or `today` (the user's
/// today, in their profile time zone, resolved by Fitbit).
///
/// ```
/// use fitbit_api::FitbitDate;
///
/// let day: FitbitDate = "2024-01-31".parse().unwrap();
/// assert_eq!(day.to_string(), "2024-01-31");
/// assert_eq!(FitbitDate::Today.to_string(), "today");
/// assert!("31/01/2024".parse::<FitbitDate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FitbitDate {
    /// The literal `today`.
    Today,
    /// A calendar date.
    On(NaiveDate),
}

impl FitbitDate {
    /// A calendar date, or `None` if it does not exist.
    pub fn ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Self::On)
    }

    /// The calendar date, unless this is `today`.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::Today => None,
            Self::On(date) => Some(*date),
        }
    }
}

impl fmt::Display for FitbitDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Today => f.write_str("today"),
            Self::On(date) => write!(f, "{}", date.format("%Y-%m-%d")),
        }
    }
}

impl FromStr for FitbitDate {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "today" {
            return Ok(Self::Today);
        }
        // Exactly `yyyy-MM-dd`: chrono alone would also accept `2024-1-5`.
        let shaped = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        shaped
            .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .flatten()
            .map(Self::On)
            .ok_or_else(|| ParseValueError::new(s, "a date `yyyy-MM-dd` or `today`"))
    }
}

impl From<NaiveDate> for FitbitDate {
    fn from(date: NaiveDate) -> Self {
        Self::On(date)
    }
}

string_serde!(FitbitDate);

/// A wall-clock time: `HH:mm` (intraday windows, log start times) or
/// `HH:mm:ss` (body logs, intraday points). It prints in the form it was
/// given.
///
/// ```
/// use fitbit_api::ClockTime;
///
/// assert_eq!(ClockTime::hm(7, 5).unwrap().to_string(), "07:05");
/// assert_eq!("23:59:59".parse::<ClockTime>().unwrap().to_string(), "23:59:59");
/// assert_eq!("07:05:30".parse::<ClockTime>().unwrap().seconds_from_midnight(), 25_530);
/// assert!("24:00".parse::<ClockTime>().is_err());
/// assert!("7:05".parse::<ClockTime>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockTime {
    /// Seconds since midnight, shifted left by one; the low bit is set when
    /// the time is written with seconds. Four bytes, because an intraday day
    /// holds 86,400 of them (and the order is that of the time, then the form).
    packed: u32,
}

impl ClockTime {
    const WITH_SECONDS: u32 = 1;

    fn pack(hour: u32, minute: u32, second: u32, with_seconds: bool) -> Option<Self> {
        (hour < 24 && minute < 60 && second < 60)
            .then(|| Self { packed: ((hour * 3600 + minute * 60 + second) << 1) | u32::from(with_seconds) })
    }

    /// `HH:mm`.
    pub fn hm(hour: u32, minute: u32) -> Option<Self> {
        Self::pack(hour, minute, 0, false)
    }

    /// `HH:mm:ss`.
    pub fn hms(hour: u32, minute: u32, second: u32) -> Option<Self> {
        Self::pack(hour, minute, second, true)
    }

    /// Seconds since midnight (0 to 86,399).
    pub fn seconds_from_midnight(&self) -> u32 {
        self.packed >> 1
    }

    /// The time of day.
    pub fn time(&self) -> NaiveTime {
        NaiveTime::from_num_seconds_from_midnight_opt(self.seconds_from_midnight(), 0)
            .unwrap_or(NaiveTime::MIN)
    }

    fn with_seconds(&self) -> bool {
        self.packed & Self::WITH_SECONDS != 0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.seconds_from_midnight();
        let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        if self.with_seconds() {
            write!(f, "{hour:02}:{minute:02}:{second:02}")
        } else {
            write!(f, "{hour:02}:{minute:02}")
        }
    }
}

impl fmt::Debug for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClockTime({self})")
    }
}

impl ClockTime {
    /// Exactly `HH:mm` or `HH:mm:ss`, two digits each; by hand rather than
    /// with chrono's format parser, which is several times slower. Also used
    /// by the intraday scanner, on bytes it has not turned into a `str`.
    #[inline]
    pub(crate) fn from_ascii(bytes: &[u8]) -> Option<Self> {
        let two_digits = |at: usize| match (bytes[at], bytes[at + 1]) {
            (tens @ b'0'..=b'9', ones @ b'0'..=b'9') => {
                Some(u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
            }
            _ => None,
        };
        match bytes.len() {
            5 if bytes[2] == b':' => two_digits(0).zip(two_digits(3)).and_then(|(h, m)| Self::hm(h, m)),
            8 if bytes[2] == b':' && bytes[5] == b':' => {
                two_digits(0).zip(two_digits(3)).zip(two_digits(6)).and_then(|((h, m), s)| Self::hms(h, m, s))
            }
            _ => None,
        }
    }
}

impl FromStr for ClockTime {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_ascii(s.as_bytes()).ok_or_else(|| ParseValueError::new(s, "a time `HH:mm` or `HH:mm:ss`"))
    }
}

impl From<NaiveTime> for ClockTime {
    /// Keeps seconds only when they are not zero; drops fractions.
    fn from(time: NaiveTime) -> Self {
        let seconds = time.num_seconds_from_midnight();
        Self { packed: (seconds << 1) | u32::from(!seconds.is_multiple_of(60)) }
    }
}

string_serde!(ClockTime);

/// A timestamp without a zone, such as `2020-02-21T07:03:30.000`. Fitbit
/// writes these in the user's profile time zone (see the profile's
/// `timezone` and `offsetFromUTCMillis`), not in UTC and not in the host's zone.
///
/// ```
/// use fitbit_api::LocalDateTime;
///
/// let t: LocalDateTime = "2020-02-21T07:03:30.000".parse().unwrap();
/// assert_eq!(t.naive().to_string(), "2020-02-21 07:03:30");
/// // With the profile's offset (UTC-8 here) it becomes an instant.
/// assert_eq!(t.with_offset_millis(-8 * 3_600_000).unwrap().to_rfc3339(), "2020-02-21T07:03:30-08:00");
/// assert_eq!(t.to_string(), "2020-02-21T07:03:30.000");
/// ```
#[derive(Debug, Clone, Eq)]
pub struct LocalDateTime {
    value: NaiveDateTime,
    text: Box<str>,
}

impl LocalDateTime {
    /// The date and time, user-local.
    pub fn naive(&self) -> NaiveDateTime {
        self.value
    }

    /// The instant, given the user's UTC offset in milliseconds (the
    /// profile's `offsetFromUTCMillis`). `None` for an offset beyond ±24 h.
    pub fn with_offset_millis(&self, offset_millis: i64) -> Option<chrono::DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(i32::try_from(offset_millis / 1000).ok()?)?;
        offset.from_local_datetime(&self.value).single()
    }
}

impl PartialEq for LocalDateTime {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl std::hash::Hash for LocalDateTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for LocalDateTime {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
            .map(|value| Self { value, text: s.into() })
            .map_err(|_| ParseValueError::new(s, "a timestamp `yyyy-MM-ddTHH:mm:ss[.SSS]` without zone"))
    }
}

impl From<NaiveDateTime> for LocalDateTime {
    fn from(value: NaiveDateTime) -> Self {
        let text = value.format("%Y-%m-%dT%H:%M:%S%.3f").to_string().into_boxed_str();
        Self { value, text }
    }
}

string_serde!(LocalDateTime);

/// Where a paged list starts (`beforeDate`/`afterDate`): a day, or a
/// user-local date and time, so that an incremental sync can resume after the
/// last item it saw rather than re-reading the whole day.
///
/// ```
/// use chrono::NaiveDate;
/// use fitbit_api::ListBound;
///
/// let day = ListBound::from(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
/// assert_eq!(day.to_string(), "2024-03-01");
/// let moment: ListBound = "2024-03-01T06:30:00".parse().unwrap();
/// assert_eq!(moment.to_string(), "2024-03-01T06:30:00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListBound {
    /// `yyyy-MM-dd`.
    Day(NaiveDate),
    /// `yyyy-MM-ddTHH:mm:ss`, user-local.
    At(NaiveDateTime),
}

impl fmt::Display for ListBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            Self::At(at) => write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

impl FromStr for ListBound {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "a date `yyyy-MM-dd` or a time `yyyy-MM-ddTHH:mm:ss`";
        match s.len() {
            10 => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Self::Day)
                .map_err(|_| ParseValueError::new(s, expected)),
            19 => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .map(Self::At)
                .map_err(|_| ParseValueError::new(s, expected)),
            _ => Err(ParseValueError::new(s, expected)),
        }
    }
}

impl From<NaiveDate> for ListBound {
    fn from(day: NaiveDate) -> Self {
        Self::Day(day)
    }
}

impl From<NaiveDateTime> for ListBound {
    /// Fitbit takes whole seconds.
    fn from(at: NaiveDateTime) -> Self {
        Self::At(at.with_nanosecond(0).unwrap_or(at))
    }
}

string_serde!(ListBound);

/// The days an alarm rings, sent as `MONDAY,WEDNESDAY`.
///
/// ```
/// use chrono::Weekday;
/// use fitbit_api::WeekDays;
///
/// let days: WeekDays = [Weekday::Fri, Weekday::Mon].into_iter().collect();
/// assert_eq!(days.to_string(), "MONDAY,FRIDAY");
/// assert_eq!("monday, friday".parse::<WeekDays>().unwrap(), days);
/// assert!("MONDAY,FUNDAY".parse::<WeekDays>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WeekDays {
    /// Bit `n` set: day `n` from Monday.
    bits: u8,
}

impl WeekDays {
    /// Monday to Friday.
    pub const WORKDAYS: Self = Self { bits: 0b0001_1111 };
    /// Every day.
    pub const EVERY_DAY: Self = Self { bits: 0b0111_1111 };

    /// Whether `day` is included.
    pub fn contains(&self, day: chrono::Weekday) -> bool {
        self.bits & (1 << day.num_days_from_monday()) != 0
    }

    /// Adds `day`.
    pub fn insert(&mut self, day: chrono::Weekday) {
        self.bits |= 1 << day.num_days_from_monday();
    }

    /// The days, Monday first.
    pub fn iter(&self) -> impl Iterator<Item = chrono::Weekday> + '_ {
        let mut day = chrono::Weekday::Mon;
        (0..7).filter_map(move |_| {
            let current = day;
            day = day.succ();
            self.contains(current).then_some(current)
        })
    }
}

impl FromIterator<chrono::Weekday> for WeekDays {
    fn from_iter<I: IntoIterator<Item = chrono::Weekday>>(days: I) -> Self {
        let mut set = Self::default();
        days.into_iter().for_each(|day| set.insert(day));
        set
    }
}

const DAY_NAMES: [&str; 7] = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];

impl fmt::Display for WeekDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> =
            self.iter().map(|day| DAY_NAMES[day.num_days_from_monday() as usize]).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for WeekDays {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "days from MONDAY to SUNDAY, comma-separated";
        let mut set = Self::default();
        for name in s.split(',').map(str::trim) {
            let index = DAY_NAMES
                .iter()
                .position(|day| day.eq_ignore_ascii_case(name))
                .ok_or_else(|| ParseValueError::new(s, expected))?;
            set.bits |= 1 << index;
        }
        Ok(set)
    }
}

string_serde!(WeekDays);

/// An alarm's time of day with the UTC offset it is meant in, sent as
/// `07:00-08:00`.
///
/// ```
/// use fitbit_api::AlarmTime;
///
/// let at: AlarmTime = "07:00-08:00".parse().unwrap();
/// assert_eq!(at.to_string(), "07:00-08:00");
/// assert_eq!(AlarmTime::new(6, 45, 3600).unwrap().to_string(), "06:45+01:00");
/// assert!("7am".parse::<AlarmTime>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlarmTime {
    time: NaiveTime,
    offset: FixedOffset,
}

impl AlarmTime {
    /// `hour:minute` at `offset_seconds` east of UTC.
    pub fn new(hour: u32, minute: u32, offset_seconds: i32) -> Option<Self> {
        Some(Self {
            time: NaiveTime::from_hms_opt(hour, minute, 0)?,
            offset: FixedOffset::east_opt(offset_seconds)?,
        })
    }

    /// The time of day.
    pub fn time(&self) -> NaiveTime {
        self.time
    }

    /// The UTC offset.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }
}

impl fmt::Display for AlarmTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}{}", self.time.hour(), self.time.minute(), self.offset)
    }
}

impl FromStr for AlarmTime {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "a time with offset, `HH:mm+HH:mm` or `HH:mm-HH:mm`";
        let err = || ParseValueError::new(s, expected);
        if s.len() != 11 || !s.is_char_boundary(5) {
            return Err(err());
        }
        let (time, offset) = s.split_at(5);
        let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| err())?;
        let sign = match offset.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(err()),
        };
        let clock = NaiveTime::parse_from_str(&offset[1..], "%H:%M").map_err(|_| err())?;
        let seconds = sign * (clock.hour() * 3600 + clock.minute() * 60) as i32;
        let offset = FixedOffset::east_opt(seconds).ok_or_else(err)?;
        Ok(Self { time, offset })
    }
}

string_serde!(AlarmTime);

/// A number Fitbit sends as a JSON string, such as a time-series value
/// (`"value": "2504"`). It keeps the exact text (and a number stays a number
/// if Fitbit ever sends one), and parses on request.
///
/// ```
/// use fitbit_api::NumericString;
///
/// let steps: NumericString = serde_json::from_str(r#""2504""#).unwrap();
/// assert_eq!(steps.as_u64(), Some(2504));
/// let km: NumericString = serde_json::from_str(r#""1.26""#).unwrap();
/// assert_eq!(km.as_f64(), Some(1.26));
/// assert_eq!(serde_json::to_string(&km).unwrap(), r#""1.26""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NumericString {
    text: String,
    sent_as_number: bool,
}

impl NumericString {
    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value as a float, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.text.trim().parse().ok()
    }

    /// The value as an unsigned integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        self.text.trim().parse().ok()
    }

    /// The value as a signed integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.text.trim().parse().ok()
    }
}

impl fmt::Display for NumericString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for NumericString {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self { text: s.to_string(), sent_as_number: false })
    }
}

impl From<f64> for NumericString {
    fn from(value: f64) -> Self {
        Self { text: value.to_string(), sent_as_number: false }
    }
}

impl From<u64> for NumericString {
    fn from(value: u64) -> Self {
        Self { text: value.to_string(), sent_as_number: false }
    }
}

impl Serialize for NumericString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.sent_as_number
            && let Ok(number) = self.text.parse::<serde_json::Number>()
        {
            return number.serialize(serializer);
        }
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for NumericString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Self { text, sent_as_number: false },
            Raw::Number(number) => Self { text: number.to_string(), sent_as_number: true },
        })
    }
}

/// The unit system of responses and of posted values, sent as
/// `Accept-Language`. Fitbit answers in metric units when the header is absent
/// or holds anything other than `en_US` or `en_GB`.
///
/// ```
/// use fitbit_api::UnitSystem;
///
/// assert_eq!(UnitSystem::Us.to_string(), "en_US");
/// assert_eq!("en_GB".parse::<UnitSystem>().unwrap(), UnitSystem::Uk);
/// assert_eq!("metric".parse::<UnitSystem>().unwrap(), UnitSystem::Metric);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnitSystem {
    /// `en_US`: miles, pounds, fluid ounces.
    Us,
    /// `en_GB`: stones for body weight, metric elsewhere (millilitres for water).
    Uk,
    /// Kilometres, kilograms, millilitres (what Fitbit uses without the header).
    #[default]
    Metric,
}

impl fmt::Display for UnitSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Us => "en_US",
            Self::Uk => "en_GB",
            Self::Metric => "metric",
        })
    }
}

impl FromStr for UnitSystem {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en_US" | "US" | "us" => Ok(Self::Us),
            "en_GB" | "UK" | "uk" => Ok(Self::Uk),
            "metric" | "METRIC" => Ok(Self::Metric),
            _ => Err(ParseValueError::new(s, "a unit system: `en_US`, `en_GB` or `metric`")),
        }
    }
}

string_serde!(UnitSystem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clock_time_of_the_day_round_trips_in_both_forms() {
        for second in 0..86_400 {
            let (h, m, s) = (second / 3600, second / 60 % 60, second % 60);
            let long = format!("{h:02}:{m:02}:{s:02}");
            let parsed: ClockTime = long.parse().unwrap();
            assert_eq!((parsed.to_string(), parsed.seconds_from_midnight()), (long, second));
            assert_eq!(parsed.time(), NaiveTime::from_hms_opt(h, m, s).unwrap());
        }
        assert_eq!("00:00".parse::<ClockTime>().unwrap().to_string(), "00:00");
        assert_eq!(ClockTime::from(NaiveTime::from_hms_opt(7, 5, 0).unwrap()).to_string(), "07:05");
        assert_eq!(ClockTime::from(NaiveTime::from_hms_opt(7, 5, 9).unwrap()).to_string(), "07:05:09");
    }

    #[test]
    fn clock_times_that_are_not_hh_mm_or_hh_mm_ss_are_refused() {
        for bad in [
            "",
            "7:05",
            "07:5",
            "24:00",
            "23:60",
            "23:59:60",
            "07-05",
            "07:05:",
            "0a:05",
            "07:05:0x",
            "٠٧:٠٥",
            "07:05:00.0",
        ] {
            let err = bad.parse::<ClockTime>().unwrap_err();
            assert!(err.to_string().contains("is not a time `HH:mm` or `HH:mm:ss`"), "{bad}: {err}");
        }
        let err = serde_json::from_str::<ClockTime>(r#""25:00""#).unwrap_err().to_string();
        assert!(err.contains("`25:00` is not a time"), "{err}");
        assert!(serde_json::from_str::<ClockTime>("700").is_err());
    }

    #[test]
    fn clock_times_order_by_time_then_form_and_decode_from_any_reader() {
        let hm = ClockTime::hm(7, 5).unwrap();
        let hms = ClockTime::hms(7, 5, 0).unwrap();
        assert!(hm < hms && hms < ClockTime::hms(7, 5, 1).unwrap() && ClockTime::hm(6, 59).unwrap() < hm);
        assert_ne!(hm, hms);
        // A reader cannot lend its text: the visitor gets a transient `&str`.
        let read: ClockTime = serde_json::from_reader(&b"\"07:05:00\""[..]).unwrap();
        assert_eq!(read, hms);
        let escaped: ClockTime = serde_json::from_str(r#""07\u003a05""#).unwrap();
        assert_eq!(escaped, hm);
        assert_eq!(format!("{hm:?}"), "ClockTime(07:05)");
    }
}

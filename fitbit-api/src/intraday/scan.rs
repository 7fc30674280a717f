//! A direct reader for the text of an intraday dataset in the shape Fitbit
//! sends: `[{"time":"00:00:00","value":61},…]`, with `level` and `mets` for
//! calories. It is the fast path of [`super::IntradayPoints`]; a day at
//! 1-second detail has 86,400 points, and serde's map visiting per point
//! costs more than the parse itself.
//!
//! It accepts a strict subset of what serde accepts and gives the same
//! points for it: the numbers it does not read itself (fractions,
//! exponents, more than 15 digits) go through serde_json's own number
//! parser, so both paths agree to the last bit. On anything else (an unknown
//! or repeated key, an escape, a `null` value, a bad time, invalid JSON) it
//! returns `None` and the caller decodes the text with serde, which then
//! keeps the unknown fields or reports the error.

use super::IntradayPoint;
use crate::number::Number;
use crate::values::ClockTime;

/// The fewest bytes a compact point takes (`{"time":"00:00","value":0}` is
/// 26), so that the first allocation holds every point of a compact day
/// without growing; a pretty-printed one only allocates more than it needs.
const MIN_BYTES_PER_POINT: usize = 26;

/// Integers of up to this many digits are read here; longer ones (up to
/// `u64::MAX`) go to serde_json, which reads them exactly too.
const FAST_DIGITS: usize = 19;

/// The points of `text`, or `None` when it strays from the shape handled
/// here.
pub(super) fn scan_points(text: &str) -> Option<Vec<IntradayPoint>> {
    let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
    cursor.skip_whitespace();
    cursor.expect(b'[')?;
    cursor.skip_whitespace();
    let mut points = Vec::new();
    if !cursor.eat(b']') {
        points.reserve(text.len() / MIN_BYTES_PER_POINT + 1);
        loop {
            points.push(cursor.point()?);
            cursor.skip_whitespace();
            match cursor.next()? {
                b',' => cursor.skip_whitespace(),
                b']' => break,
                _ => return None,
            }
        }
    }
    cursor.skip_whitespace();
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    // A pretty-printed day reserves up to four times what it keeps.
    if points.capacity() > points.len() + points.len() / 2 {
        points.shrink_to_fit();
    }
    Some(points)
}

/// The fields of a point read so far. Outer `Some`: the key was seen (the
/// value may be `null`).
#[derive(Default)]
struct Fields {
    time: Option<ClockTime>,
    value: Option<Number>,
    level: Option<Option<u8>>,
    mets: Option<Option<Number>>,
}

impl Fields {
    fn point(self) -> Option<IntradayPoint> {
        Some(IntradayPoint {
            time: self.time?,
            value: self.value?,
            level: self.level.flatten(),
            mets: self.mets.flatten(),
            extra: None,
        })
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// `{"time":…,"value":…}` with `level` and `mets` allowed, in any order,
    /// with any JSON whitespace between tokens.
    fn point(&mut self) -> Option<IntradayPoint> {
        let mut fields = Fields::default();
        if let Some(time) = self.compact_point_start() {
            fields.time = Some(time);
            self.skip_whitespace();
            fields.value = Some(self.number()?);
        } else {
            self.expect(b'{')?;
            self.skip_whitespace();
            if self.eat(b'}') {
                return fields.point();
            }
            self.field(&mut fields)?;
        }
        loop {
            self.skip_whitespace();
            match self.next()? {
                b',' => {
                    self.skip_whitespace();
                    self.field(&mut fields)?;
                }
                b'}' => return fields.point(),
                _ => return None,
            }
        }
    }

    /// The usual start of a compact point, `{"time":"HH:mm:ss","value":`,
    /// read in one step: its time, with the cursor on the value. Moves
    /// nothing when the point starts otherwise.
    #[inline(always)]
    fn compact_point_start(&mut self) -> Option<ClockTime> {
        const TIME_KEY: &[u8; 9] = b"{\"time\":\"";
        const VALUE_KEY: &[u8; 10] = b"\",\"value\":";
        let rest = self.bytes.get(self.at..self.at + 27)?;
        if rest[..9] != *TIME_KEY || rest[17..] != *VALUE_KEY {
            return None;
        }
        let time = ClockTime::from_ascii(&rest[9..17])?;
        self.at += 27;
        Some(time)
    }

    /// One `"key": value` of a point.
    fn field(&mut self, fields: &mut Fields) -> Option<()> {
        let key = self.string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        match key {
            b"time" if fields.time.is_none() => fields.time = Some(ClockTime::from_ascii(self.string()?)?),
            b"value" if fields.value.is_none() => fields.value = Some(self.number()?),
            b"level" if fields.level.is_none() => fields.level = Some(self.nullable(Self::small_unsigned)?),
            b"mets" if fields.mets.is_none() => fields.mets = Some(self.nullable(Self::number)?),
            // Unknown or repeated: serde keeps the field, or reports it.
            _ => return None,
        }
        Some(())
    }

    /// The bytes of a string without escapes (keys and times are short and
    /// plain; an escape sends the dataset to serde).
    #[inline(always)]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return Some(&self.bytes[start..self.at - 1]),
                b'\\' | 0..=0x1f => return None,
                _ => {}
            }
        }
    }

    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.bytes[self.at..].starts_with(b"null") {
            self.at += 4;
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// A JSON number as [`Number`]'s `Deserialize` reads it: the usual one,
    /// a short unsigned integer, inline.
    #[inline(always)]
    fn number(&mut self) -> Option<Number> {
        let mut at = self.at;
        let mut significand = 0_u64;
        while let Some(digit) = self.bytes.get(at).map(|byte| byte.wrapping_sub(b'0')).filter(|d| *d <= 9) {
            // Wraps only past 19 digits, which are handed on below.
            significand = significand.wrapping_mul(10).wrapping_add(u64::from(digit));
            at += 1;
        }
        let digits = at - self.at;
        let plain = (1..FAST_DIGITS).contains(&digits)
            && (digits == 1 || self.bytes[self.at] != b'0')
            && !matches!(self.bytes.get(at), Some(b'.' | b'e' | b'E'));
        if plain {
            self.at = at;
            return Some(Number::pos_int(significand));
        }
        self.other_number()
    }

    /// Negative numbers, fractions, exponents and long integers: read by
    /// serde_json, so that both paths give the same number to the last bit
    /// and in the same form.
    #[cold]
    fn other_number(&mut self) -> Option<Number> {
        let start = self.at;
        self.eat(b'-');
        let digits_start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let digits = self.at - digits_start;
        if digits == 0 || (digits > 1 && self.bytes[digits_start] == b'0') {
            return None;
        }
        while let Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') = self.peek() {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        serde_json::from_str(text).ok()
    }

    /// `level`: 0 to 255, as serde reads a `u8` (no sign, no fraction).
    fn small_unsigned(&mut self) -> Option<u8> {
        let start = self.at;
        let mut value = 0_u16;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            value = value * 10 + u16::from(digit - b'0');
            self.at += 1;
            if self.at - start > 3 {
                return None;
            }
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        if digits == 0 || leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        u8::try_from(value).ok()
    }
}

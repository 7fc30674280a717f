//! A direct reader for the text of an intraday dataset in the shape Fitbit
//! sends: `[{"time":"00:00:00","value":61},…]`, with `level` and `mets` for
//! calories, in any JSON layout. It is the fast path of
//! [`super::IntradayPoints`]; a day at 1-second detail has 86,400 points,
//! and serde's map visiting per point costs more than the parse itself.
//!
//! It accepts a strict subset of what serde accepts and gives the same
//! points for it: the numbers it does not read itself (fractions,
//! exponents, more than 18 digits) go through serde_json's own number
//! parser, so both paths agree to the last bit. On anything else (an unknown
//! or repeated key, an escape, a `null` value, a bad time, invalid JSON) it
//! returns `None` and the caller decodes the text with serde, which then
//! keeps the unknown fields or reports the error.
//!
//! Every point of a dataset is laid out alike (compact from a server,
//! indented alike in a pretty-printed file), so the reader learns the layout
//! from a point it has parsed token by token ([`Layout`]): the exact bytes
//! before each value (`{"time":"` or `{⏎        "time": "`) and after the
//! last one (`},` or `⏎      },⏎      `). Each next point is then checked
//! against those bytes a word at a time, whatever whitespace they hold, and
//! only its values are read. A point laid out otherwise is parsed token by
//! token and teaches the layout again.

use super::IntradayPoint;
use crate::number::Number;
use crate::values::ClockTime;

/// The fewest bytes a compact point takes (`{"time":"00:00","value":0}` is
/// 26): the first allocation, when no layout has been learned, holds every
/// point without growing.
const MIN_BYTES_PER_POINT: usize = 26;

/// Integers of up to this many digits are read here; longer ones (up to
/// `u64::MAX`) go to serde_json, which reads them exactly too.
const FAST_DIGITS: usize = 19;

#[cfg(test)]
thread_local! {
    /// Points this thread's scans parsed token by token (the others were
    /// read by a layout learned from one of them).
    pub(super) static TOKEN_BY_TOKEN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The points of `text`, or `None` when it strays from the shape handled
/// here.
pub(super) fn scan_points(text: &str) -> Option<Vec<IntradayPoint>> {
    let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
    cursor.skip_whitespace();
    cursor.expect(b'[')?;
    cursor.skip_whitespace();
    let mut points = Vec::new();
    if !cursor.eat(b']') {
        let mut layout: Option<Layout<'_>> = None;
        loop {
            // At a point's `{`.
            if let Some(layout) = &layout
                && cursor.run(layout, &mut points) == Stop::AfterPoint
            {
                if cursor.separator()? {
                    continue;
                }
                break;
            }
            let start = cursor.at;
            let (point, marks) = cursor.point()?;
            points.push(point);
            if !cursor.separator()? {
                break;
            }
            match marks {
                Some(marks) => {
                    let learned = Layout::learn(cursor.bytes, start, &marks, cursor.at);
                    if layout.is_none() {
                        let rest = cursor.bytes.len() - cursor.at;
                        points.reserve(rest / learned.min_bytes() + 1);
                    }
                    layout = Some(learned);
                }
                None if layout.is_none() && points.len() == 1 => {
                    points.reserve(text.len() / MIN_BYTES_PER_POINT);
                }
                None => {}
            }
        }
    }
    cursor.skip_whitespace();
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    // The reservation is an upper bound; keep it only when it is close.
    if points.capacity() > points.len() + points.len() / 2 {
        points.shrink_to_fit();
    }
    Some(points)
}

/// How a field's value is read.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `time`: a time of this many bytes, then its closing quote.
    Time(usize),
    /// `value`.
    Value,
    /// `level`.
    Level,
    /// `mets`.
    Mets,
}

/// Where the values of a point parsed token by token lie: per field, how it
/// is read, where its value starts (after the opening quote of a time) and
/// where it ends (after the closing quote).
struct Marks {
    fields: [(Kind, usize, usize); 4],
    count: usize,
}

/// The layout of a point, learned from one parsed token by token: the bytes
/// before each value, from the point's `{` or the end of the value before
/// (so they hold the keys, colons, commas and whitespace), and the bytes
/// from the end of the last value to the next point's `{` (closing brace,
/// comma and whitespace). All are slices of the text itself.
struct Layout<'a> {
    fields: [(&'a [u8], Kind); 4],
    count: usize,
    close: &'a [u8],
    /// The usual points, `time` (with seconds) then `value`, read by a loop
    /// of their own.
    time_first: Option<TimeFirst<'a>>,
}

/// A layout of `time` (`HH:mm:ss`) then `value` and nothing else, as bytes
/// between the values: from one point's time to the next point's time,
/// the bytes are `middle`, the value, then `between`.
struct TimeFirst<'a> {
    /// From the point's `{` through the opening quote of its time.
    open: &'a [u8],
    /// From the closing quote of the time to the value.
    middle: &'a [u8],
    /// From the end of the value through the opening quote of the next
    /// point's time.
    between: &'a [u8],
}

/// Where [`Cursor::run`] stopped.
#[derive(Debug, PartialEq)]
enum Stop {
    /// At the `{` of a point laid out otherwise (it is to be parsed token by token).
    AtPoint,
    /// After the `}` of a point (the separator follows).
    AfterPoint,
}

impl<'a> Layout<'a> {
    /// The layout of the point at `start` in `bytes`, whose next point
    /// starts at `next`.
    fn learn(bytes: &'a [u8], start: usize, marks: &Marks, next: usize) -> Self {
        let mut fields = [(&bytes[..0], Kind::Value); 4];
        let mut end = start;
        for (field, &(kind, value_start, value_end)) in fields.iter_mut().zip(&marks.fields[..marks.count]) {
            *field = (&bytes[end..value_start], kind);
            end = value_end;
        }
        let time_first = match marks.fields[..marks.count] {
            [(Kind::Time(8), _, time_end), (Kind::Value, value_start, value_end)] => {
                let open = fields[0].0;
                // The next point opens alike (it is checked again as it is read).
                let between = bytes.get(value_end..next + open.len()).filter(|b| b.ends_with(open));
                between.map(|between| TimeFirst { open, middle: &bytes[time_end - 1..value_start], between })
            }
            _ => None,
        };
        Self { fields, count: marks.count, close: &bytes[end..next], time_first }
    }

    /// The fewest bytes a point laid out so takes (one digit per number).
    fn min_bytes(&self) -> usize {
        let values: usize = self.fields[..self.count]
            .iter()
            .map(|(before, kind)| {
                before.len()
                    + match kind {
                        Kind::Time(len) => len + 1,
                        _ => 1,
                    }
            })
            .sum();
        values + self.close.len()
    }
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

/// Whether two slices of the same length hold the same bytes: a word or two
/// at a time for the short ones a layout holds (`memcmp` would be a call).
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    debug_assert_eq!(n, b.len());
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default());
    match n {
        0 => true,
        1..4 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=32 => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 16) == word(b, n - 16)
                && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

/// Bytes of `word` that are not ASCII digits once `'0'` has been xored out
/// (`x`): their high bit set, the others clear.
#[inline(always)]
fn non_digits(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TO_HIGH_BIT: u64 = 0x7676_7676_7676_7676;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of 10 or more reaches 0x80 when 0x76 is added; one of 0x80 or
    // more has it already. No byte carries into the next.
    (((x & LOW7) + TO_HIGH_BIT) | x) & HIGH
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

    /// Whether the next bytes are `literal`; moves past them if so.
    #[inline(always)]
    fn eat_literal(&mut self, literal: &[u8]) -> bool {
        match self.bytes.get(self.at..self.at + literal.len()) {
            Some(here) if same_bytes(here, literal) => {
                self.at += literal.len();
                true
            }
            _ => false,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// After a point: a comma and the next point (`true`), or the end of the
    /// array (`false`).
    fn separator(&mut self) -> Option<bool> {
        self.skip_whitespace();
        match self.next()? {
            b',' => {
                self.skip_whitespace();
                Some(true)
            }
            b']' => Some(false),
            _ => None,
        }
    }

    /// Reads points laid out as `layout` from the `{` at the cursor, as long
    /// as they are, into `points`.
    fn run(&mut self, layout: &Layout<'_>, points: &mut Vec<IntradayPoint>) -> Stop {
        if let Some(time_first) = &layout.time_first {
            return self.run_time_first(time_first, points);
        }
        loop {
            let start = self.at;
            match self.laid_out(layout) {
                Some((point, true)) => points.push(point),
                Some((point, false)) => {
                    points.push(point);
                    return Stop::AfterPoint;
                }
                None => {
                    self.at = start;
                    return Stop::AtPoint;
                }
            }
        }
    }

    /// [`Self::run`] for the usual points: from one time to the next, only
    /// the time and the value are read; the bytes between are compared.
    fn run_time_first(&mut self, layout: &TimeFirst<'_>, points: &mut Vec<IntradayPoint>) -> Stop {
        if !self.eat_literal(layout.open) {
            return Stop::AtPoint;
        }
        loop {
            let start = self.at - layout.open.len();
            let Some((time, value)) = self.time_and_value(layout) else {
                self.at = start;
                return Stop::AtPoint;
            };
            if self.eat_literal(layout.between) {
                points.push(IntradayPoint { time, value, level: None, mets: None, extra: None });
                continue;
            }
            // The last point, or one with more fields.
            let fields = Fields { time: Some(time), value: Some(value), ..Fields::default() };
            let Some(point) = self.rest_of_point(fields) else {
                self.at = start;
                return Stop::AtPoint;
            };
            points.push(point);
            return Stop::AfterPoint;
        }
    }

    /// From a time's first digit: the time, the bytes to the value, the value.
    #[inline(always)]
    fn time_and_value(&mut self, layout: &TimeFirst<'_>) -> Option<(ClockTime, Number)> {
        let value_at = self.at + 8 + layout.middle.len();
        let here = self.bytes.get(self.at..value_at)?;
        let (time, middle) = here.split_at(8);
        if !same_bytes(middle, layout.middle) {
            return None;
        }
        let time = hms(time.try_into().ok()?)?;
        self.at = value_at;
        Some((time, self.number()?))
    }

    /// A point laid out as `layout` says, and whether the next point has
    /// been reached, the comma behind (`false`: the cursor is after the
    /// point's `}`). `None` when it is laid out otherwise or does not read:
    /// the caller parses it token by token from where it started.
    #[inline(always)]
    fn laid_out(&mut self, layout: &Layout<'_>) -> Option<(IntradayPoint, bool)> {
        let mut fields = Fields::default();
        for &(before, kind) in &layout.fields[..layout.count] {
            if !self.eat_literal(before) {
                return None;
            }
            match kind {
                Kind::Time(len) => fields.time = Some(self.time(len)?),
                Kind::Value => fields.value = Some(self.number()?),
                Kind::Level => fields.level = Some(Some(self.small_unsigned()?)),
                Kind::Mets => fields.mets = Some(Some(self.number()?)),
            }
        }
        if self.eat_literal(layout.close) {
            // The comma is behind; more whitespace than the layout's may be
            // before the next point.
            self.skip_whitespace();
            return Some((fields.point()?, true));
        }
        // The last point, or one with more fields than the layout.
        Some((self.rest_of_point(fields)?, false))
    }

    /// A time of `len` bytes and its closing quote.
    #[inline(always)]
    fn time(&mut self, len: usize) -> Option<ClockTime> {
        let bytes = self.bytes.get(self.at..self.at + len + 1)?;
        if bytes[len] != b'"' {
            return None;
        }
        let time =
            if len == 8 { hms(bytes[..8].try_into().ok()?)? } else { ClockTime::from_ascii(&bytes[..len])? };
        self.at += len + 1;
        Some(time)
    }

    /// `{"time":…,"value":…}` with `level` and `mets` allowed, in any order,
    /// with any JSON whitespace between tokens; with where its values lie
    /// when a layout can be learned from it (no `null`).
    fn point(&mut self) -> Option<(IntradayPoint, Option<Marks>)> {
        #[cfg(test)]
        TOKEN_BY_TOKEN.with(|count| count.set(count.get() + 1));
        let mut fields = Fields::default();
        let mut marks = Marks { fields: [(Kind::Value, 0, 0); 4], count: 0 };
        let mut learnable = true;
        self.expect(b'{')?;
        self.skip_whitespace();
        if !self.eat(b'}') {
            loop {
                match self.field(&mut fields)? {
                    Some(mark) => {
                        marks.fields[marks.count] = mark;
                        marks.count += 1;
                    }
                    None => learnable = false,
                }
                self.skip_whitespace();
                match self.next()? {
                    b',' => self.skip_whitespace(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        Some((fields.point()?, learnable.then_some(marks)))
    }

    /// The fields after those a layout read, to the point's `}`.
    fn rest_of_point(&mut self, mut fields: Fields) -> Option<IntradayPoint> {
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

    /// One `"key": value` of a point; with how its value was read and where
    /// it lies, unless it was `null`.
    fn field(&mut self, fields: &mut Fields) -> Option<Option<(Kind, usize, usize)>> {
        let key = self.string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        let start = self.at;
        let kind = match key {
            b"time" if fields.time.is_none() => {
                let time = self.string()?;
                fields.time = Some(ClockTime::from_ascii(time)?);
                return Some(Some((Kind::Time(time.len()), start + 1, self.at)));
            }
            b"value" if fields.value.is_none() => {
                fields.value = Some(self.number()?);
                Kind::Value
            }
            b"level" if fields.level.is_none() => {
                let level = self.nullable(Self::small_unsigned)?;
                fields.level = Some(level);
                if level.is_none() {
                    return Some(None);
                }
                Kind::Level
            }
            b"mets" if fields.mets.is_none() => {
                let mets = self.nullable(Self::number)?;
                fields.mets = Some(mets);
                if mets.is_none() {
                    return Some(None);
                }
                Kind::Mets
            }
            // Unknown or repeated: serde keeps the field, or reports it.
            _ => return None,
        };
        Some(Some((kind, start, self.at)))
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
    /// an unsigned integer of up to 7 digits, from one 8-byte word, without
    /// a branch per digit.
    #[inline(always)]
    fn number(&mut self) -> Option<Number> {
        if let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(word.try_into().ok()?);
            let x = word ^ 0x3030_3030_3030_3030;
            let digits = (non_digits(x).trailing_zeros() / 8) as usize;
            // 1 to 7 digits, no leading zero, and no fraction or exponent after.
            let next = (word >> (8 * (digits % 8))) as u8;
            let plain = (1..8).contains(&digits)
                && (digits == 1 || x & 0xff != 0)
                && !matches!(next, b'.' | b'e' | b'E');
            if plain {
                self.at += digits;
                // The digits to the top of a word (leading zeros below),
                // then pairs, fours and eights combined.
                if digits <= 4 {
                    let mut v = (x as u32) << (8 * (4 - digits));
                    v = (v * 10 + (v >> 8)) & 0x00ff_00ff;
                    v = (v * 100 + (v >> 16)) & 0xffff;
                    return Some(Number::pos_int(u64::from(v)));
                }
                let mut v = x << (8 * (8 - digits));
                v = (v * 10 + (v >> 8)) & 0x00ff_00ff_00ff_00ff;
                v = (v * 100 + (v >> 16)) & 0x0000_ffff_0000_ffff;
                v = (v * 10_000 + (v >> 32)) & 0xffff_ffff;
                return Some(Number::pos_int(v));
            }
        }
        self.long_number()
    }

    /// Longer integers, and any number near the end of the text.
    #[cold]
    fn long_number(&mut self) -> Option<Number> {
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

/// `HH:mm:ss` from one 8-byte word: what [`ClockTime::from_ascii`] reads,
/// without a branch per byte.
#[inline(always)]
fn hms(bytes: [u8; 8]) -> Option<ClockTime> {
    // `0` out of the digits and `:` out of the colons: digits become 0 to 9,
    // colons 0.
    let x = u64::from_le_bytes(bytes) ^ 0x3030_3a30_303a_3030;
    const DIGITS: u64 = 0x8080_0080_8000_8080;
    const COLONS: u64 = 0x0000_ff00_00ff_0000;
    if non_digits(x) & DIGITS != 0 || x & COLONS != 0 {
        return None;
    }
    // Each byte times ten plus the next: tens and ones in bytes 0, 3 and 6.
    let pairs = x * 10 + (x >> 8);
    let field = |byte: u32| ((pairs >> (8 * byte)) & 0xff) as u32;
    ClockTime::hms(field(0), field(3), field(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_of_digits_reads_as_the_loop_reads_it() {
        for text in ["0,", "7}", "61 ", "129\n", "1234567,", "12345678,", "99999999999,", "0123,", "12.5,"] {
            let padded = format!("{text}        ");
            let mut fast = Cursor { bytes: padded.as_bytes(), at: 0 };
            let mut slow = Cursor { bytes: padded.as_bytes(), at: 0 };
            assert_eq!((fast.number(), fast.at), (slow.long_number(), slow.at), "{text}");
        }
    }

    #[test]
    fn a_word_of_time_reads_as_from_ascii_reads_it() {
        for text in
            ["00:00:00", "23:59:59", "07:31:05", "24:00:00", "23:60:00", "23:59:60", "2a:00:00", "00-00-00"]
        {
            let bytes: [u8; 8] = text.as_bytes().try_into().unwrap();
            assert_eq!(hms(bytes), ClockTime::from_ascii(text.as_bytes()), "{text}");
        }
        // Every byte value in every position.
        for at in 0..8 {
            for byte in 0..=255_u8 {
                let mut bytes = *b"12:34:56";
                bytes[at] = byte;
                assert_eq!(hms(bytes), ClockTime::from_ascii(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn slices_compare_whole_at_every_length() {
        let a: Vec<u8> = (0..40).collect();
        for n in 0..40 {
            assert!(same_bytes(&a[..n], &a[..n]));
            for at in 0..n {
                let mut b = a[..n].to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a[..n], &b), "length {n}, byte {at}");
            }
        }
    }
}

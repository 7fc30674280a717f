//! Path parameters, percent-encoded while they are formatted into the URL.
//!
//! progenitor writes each one as `encode_path(&value.to_string())`, which
//! makes two strings per parameter before the URL's own; the generated code
//! uses `value.path_segment()` instead (xtask, `PathSegmentsInPlace`), which writes
//! the same characters straight into the URL.

use std::fmt::{self, Display, Write};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// What a URL path segment cannot hold as it is
/// (<https://url.spec.whatwg.org/#url-path-segment-string>), plus `/` and `%`
/// so that a value stays one segment: the set progenitor-client encodes.
const NOT_IN_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Displays a value percent-encoded as one URL path segment.
pub(crate) struct PathSegment<'a, T: ?Sized>(&'a T);

/// `value.path_segment()`: a method, as `to_string` is, so that a type without
/// `Display` of its own (a constrained-string newtype) reaches its `String`
/// by deref.
pub(crate) trait ToPathSegment: Display {
    fn path_segment(&self) -> PathSegment<'_, Self> {
        PathSegment(self)
    }
}

impl<T: Display + ?Sized> ToPathSegment for T {}

impl<T: Display + ?Sized> Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Encoding(f), "{}", self.0)
    }
}

/// Percent-encodes whatever is written through it. Each write is a whole
/// `str`, so characters are never split and encoding piece by piece gives
/// what encoding the whole text would.
struct Encoding<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Write for Encoding<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        utf8_percent_encode(text, NOT_IN_SEGMENT).try_for_each(|piece| self.0.write_str(piece))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FitbitDate;
    use chrono::NaiveDate;

    /// Formats in several writes, as derived and composite `Display`s do.
    struct InPieces(&'static [&'static str]);

    impl Display for InPieces {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|piece| f.write_str(piece))
        }
    }

    #[test]
    fn encodes_what_progenitor_client_encodes() {
        let values = [
            "-",
            "GGNJL9",
            "",
            "a b/c?d#e%f<g>h`i{j}k\"l",
            "tab\there\nnewline\u{7f}",
            "été 🏃 ü",
            "already%20encoded",
            "activities;foods,sleep@x:y=z&w+v!$'()*~_.",
        ];
        for value in values {
            assert_eq!(value.path_segment().to_string(), progenitor_client::encode_path(value), "{value:?}");
        }
    }

    #[test]
    fn a_value_written_in_pieces_is_encoded_as_a_whole() {
        let pieces = InPieces(&["a/", "b c", "é", "%", "?"]);
        assert_eq!(pieces.path_segment().to_string(), progenitor_client::encode_path("a/b cé%?"));
        assert_eq!(pieces.path_segment().to_string(), "a%2Fb%20c%C3%A9%25%3F");
    }

    #[test]
    fn typed_parameters_are_formatted_then_encoded() {
        let date = FitbitDate::On(NaiveDate::from_ymd_opt(2026, 9, 30).expect("a date"));
        assert_eq!(
            format!("/1/user/-/sleep/date/{}.json", date.path_segment()),
            "/1/user/-/sleep/date/2026-09-30.json"
        );
        assert_eq!(FitbitDate::Today.path_segment().to_string(), "today");
        assert_eq!(42_u64.path_segment().to_string(), "42");
    }
}

//! Text from outside (a server's error message, a redirect's query, a body)
//! made safe to print: control characters are escaped, so that an answer
//! cannot clear a terminal, retitle its window or forge a line of output,
//! and the text is cut short.

use std::fmt::Write as _;

/// The most characters of a server's message an error quotes.
pub(crate) const QUOTE_LIMIT: usize = 300;
/// The most characters of a name (an error type, a field, a scope) an error quotes.
pub(crate) const NAME_LIMIT: usize = 80;
/// The most characters of a token-store message (it names a path).
pub(crate) const STORE_LIMIT: usize = 1_000;

/// `text` with every control character escaped (`\x1b`, `\n`, `\u{9b}`…)
/// and the characters that reorder text on screen (bidirectional
/// overrides and isolates) shown as `\u{202e}`, cut after `max_chars`
/// characters (marked with `…`). Printable UTF-8, quotes and backslashes
/// are kept as they are. Every message of [`Error`](crate::Error) that
/// quotes outside text passes it through this; programs that print other
/// outside text (a user id from a token answer) can too.
///
/// ```
/// let hostile = "Bad \u{1b}[2J\u{1b}]0;pwned\u{7}\0 Zoë\nfitbit: what to do: curl x | sh";
/// assert_eq!(
///     fitbit_auth::sanitize_text(hostile, 200),
///     r"Bad \x1b[2J\x1b]0;pwned\x07\x00 Zoë\nfitbit: what to do: curl x | sh"
/// );
/// assert_eq!(fitbit_auth::sanitize_text("abcdef", 3), "abc…");
/// ```
pub fn sanitize_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() || reorders_text(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional marks, embeddings, overrides and isolates: invisible, and
/// they make a terminal show text in another order than it is.
fn reorders_text(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_printable_text_kept() {
        assert_eq!(sanitize_text("plain é 🏃 \"q\" \\", 100), "plain é 🏃 \"q\" \\");
        assert_eq!(sanitize_text("\u{9b}31m \u{7f} \u{202e}txt", 100), r"\u{9b}31m \x7f \u{202e}txt");
        assert_eq!(sanitize_text("a\r\nb\tc", 100), r"a\r\nb\tc");
        assert_eq!(sanitize_text("", 10), "");
        assert_eq!(sanitize_text("ééé", 2), "éé…");
        assert_eq!(sanitize_text("abc", 3), "abc");
        let escaped = sanitize_text(&"\u{1b}".repeat(10_000), QUOTE_LIMIT);
        assert!(escaped.chars().all(|c| !c.is_control()));
        assert!(escaped.len() <= QUOTE_LIMIT * 4 + 3, "{}", escaped.len());
    }
}

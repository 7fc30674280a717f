//! Secrets kept out of what the SDK prints: token-like runs in text from
//! servers (error messages, bodies) are replaced before it reaches an error
//! or a log.

/// Replaces token-like runs (long base64url/JWT strings) in server messages, so
/// an echoed token cannot reach a log through an error message.
pub(crate) fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut run = String::new();
    // Fitbit's tokens are JWTs (base64url and dots) and hex strings; `/` and
    // `:` separate runs, so URLs in messages stay readable.
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
    let flush = |run: &mut String, out: &mut String| {
        let looks_like_token = run.len() >= 24 && run.chars().any(|c| c.is_ascii_digit());
        if looks_like_token && !run.contains("://") && !run.starts_with("http") {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in message.chars() {
        if token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_tokens_but_keeps_urls_readable() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJHR05KTDkiLCJleHAiOjE3MDk2MjIwMDB9.c2lnbmF0dXJl";
        let text = format!(
            "Refresh token invalid: 9f0e2d4c6b8a1f0e2d4c6b8a1f0e2d4c. Visit https://dev.fitbit.com/docs/oauth2 for more; access {jwt}"
        );
        let scrubbed = scrub(&text);
        assert!(scrubbed.contains("https://dev.fitbit.com/docs/oauth2"), "{scrubbed}");
        assert!(!scrubbed.contains("9f0e2d4c6b8a1f0e2d4c6b8a1f0e2d4c"), "{scrubbed}");
        assert!(!scrubbed.contains("eyJhbGciOiJIUzI1NiJ9"), "{scrubbed}");
    }
}

//! Decoding JSON bodies outside the generated operations.

use serde::de::DeserializeOwned;

/// Decodes a JSON body into what the client's decode of an answer gives
/// (`serde_json::from_slice`, in progenitor-client), the same value or the
/// same error: for a body kept aside (a cached or logged answer); the paged
/// lists decode their pages with it.
///
/// The body is checked as UTF-8 once, in one pass, and then parsed as text:
/// serde_json trusts the strings it takes from text, where from bytes it
/// checks each one again (an eighth of the decode of a small answer). A body
/// that is not UTF-8 is parsed as bytes, so that the result, or serde_json's
/// error with its position, is what `serde_json::from_slice` gives.
///
/// ```
/// use fitbit_api::types::ProfileResponse;
///
/// let body = br#"{"user":{"encodedId":"GGNJL9","displayName":"Ada"}}"#;
/// let profile: ProfileResponse = fitbit_api::decode_json(body)?;
/// assert_eq!(profile.user.encoded_id.as_deref(), Some("GGNJL9"));
///
/// assert!(fitbit_api::decode_json::<ProfileResponse>(b"<html>Bad Gateway</html>").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_bytes_decode_alike() {
        use crate::types::ProfileResponse;
        let profile = r#"{"user":{"encodedId":"GGNJL9","fullName":"Zoë Ørsted 🏃","aboutMe":"a\"b\u00e9"}}"#;
        let decoded: ProfileResponse = decode_json(profile.as_bytes()).unwrap();
        assert_eq!(decoded, serde_json::from_slice::<ProfileResponse>(profile.as_bytes()).unwrap());
        assert_eq!(decoded.user.full_name.as_deref(), Some("Zoë Ørsted 🏃"));
        assert_eq!(decoded.user.about_me.as_deref(), Some("a\"bé"));

        for broken in [&b"{\"user\":{\"fullName\":\"Zo\xeb\"}}"[..], b"{\"user\":", b"<html>502</html>", b""]
        {
            let ours = decode_json::<ProfileResponse>(broken).unwrap_err().to_string();
            let theirs = serde_json::from_slice::<ProfileResponse>(broken).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(broken));
        }
    }
}

//! Opaque page tokens (AIP-158): they carry the position after the last item
//! returned and a digest of every other request parameter, and are signed so
//! that a client cannot make them up. A token used with different parameters
//! (other than the page size) is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::errors::ApiError;

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// A token for the page after `position`, bound to `binding` (the other parameters).
pub(crate) fn encode(secret: &str, binding: &str, position: &str) -> String {
    let payload = json!({ "b": digest(&[binding]), "p": position }).to_string();
    let signature = digest(&[secret, &payload]);
    URL_SAFE_NO_PAD.encode(format!("{payload}.{signature}"))
}

/// The position a token carries, if it is ours and was issued for `binding`.
pub(crate) fn decode(secret: &str, token: &str, binding: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::invalid_argument("Invalid page token.");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (payload, signature) = text.rsplit_once('.').ok_or_else(invalid)?;
    if digest(&[secret, payload]) != signature {
        return Err(invalid());
    }
    let payload: Value = serde_json::from_str(payload).map_err(|_| invalid())?;
    if payload["b"].as_str() != Some(digest(&[binding]).as_str()) {
        return Err(ApiError::invalid_argument(
            "The page token does not match the request: every parameter other than page_size and page_token \
             must be the same as in the call that returned the token.",
        ));
    }
    payload["p"].as_str().map(String::from).ok_or_else(invalid)
}

/// The page size to use: `0` or absent means the default; values above the
/// maximum are truncated; negative values are refused.
pub(crate) fn page_size(requested: Option<i64>, default: usize, max: usize) -> Result<usize, ApiError> {
    match requested {
        None | Some(0) => Ok(default.min(max)),
        Some(n) if n < 0 => Err(ApiError::invalid_argument("page_size must not be negative")),
        Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_and_signed() {
        let token = encode("s3cret", "list|steps|", "42");
        assert_eq!(decode("s3cret", &token, "list|steps|").unwrap(), "42");
        assert_eq!(decode("s3cret", &token, "list|steps|other filter").unwrap_err().status, 400);
        assert!(decode("another", &token, "list|steps|").is_err(), "signed with the server's secret");
        let forged = URL_SAFE_NO_PAD.encode(r#"{"b":"x","p":"0"}.00"#);
        assert!(decode("s3cret", &forged, "list|steps|").is_err());
        assert_eq!(page_size(Some(0), 1440, 10000).unwrap(), 1440);
        assert_eq!(page_size(Some(20000), 1440, 10000).unwrap(), 10000);
        assert!(page_size(Some(-1), 1440, 10000).is_err());
    }
}

//! `X-Fitbit-Signature`: base64(HMAC-SHA1(key = client secret + `&`,
//! message = the raw request body)).
//!
//! The signature covers the exact bytes Fitbit sent, so it is checked before
//! any parsing: JSON that was parsed and written again (other spacing, other
//! key order, a trailing newline) would not match.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac};
use sha1::Sha1;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Fitbit-Signature";

/// Why a notification's signature was refused. Answer 404 to every one of
/// them (Fitbit's rule), and do not act on the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The request has no `X-Fitbit-Signature` header.
    #[error("the request has no X-Fitbit-Signature header")]
    Missing,
    /// The header is not base64 of a 20-byte HMAC-SHA1.
    #[error("the X-Fitbit-Signature header is not a base64 HMAC-SHA1")]
    Malformed,
    /// The header is well formed but does not sign this body with this
    /// client secret.
    #[error("the X-Fitbit-Signature header does not sign this body with this client secret")]
    Mismatch,
}

/// The signing key of one Fitbit app: its client secret followed by `&`.
///
/// Holds the keyed HMAC state, never the secret as text; `Debug` shows
/// nothing of it.
///
/// ```
/// use fitbit_webhooks::{SignatureError, SignatureKey};
///
/// let key = SignatureKey::from_client_secret("123ab4567c890d123e4567f8abcdef9a");
/// let body = br#"[{"collectionType":"sleep","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
/// let signature = key.sign(body);
///
/// assert_eq!(key.verify(body, Some(&signature)), Ok(()));
/// assert_eq!(key.verify(b"[]", Some(&signature)), Err(SignatureError::Mismatch));
/// assert_eq!(key.verify(body, None), Err(SignatureError::Missing));
/// ```
#[derive(Clone)]
pub struct SignatureKey {
    mac: Hmac<Sha1>,
}

impl SignatureKey {
    /// The key for the app whose client secret this is (from dev.fitbit.com).
    pub fn from_client_secret(client_secret: &str) -> Self {
        let mut key = Vec::with_capacity(client_secret.len() + 1);
        key.extend_from_slice(client_secret.as_bytes());
        key.push(b'&');
        let mac = Hmac::<Sha1>::new_from_slice(&key).expect("HMAC accepts keys of any length");
        Self { mac }
    }

    /// The `X-Fitbit-Signature` value for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Checks that `signature` (the header's value, if any) signs exactly
    /// these body bytes. The comparison takes the same time wherever the
    /// signatures differ.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        let signature = signature.ok_or(SignatureError::Missing)?.trim();
        let mut decoded = [0u8; 20];
        match base64::engine::general_purpose::STANDARD.decode_slice(signature, &mut decoded) {
            Ok(20) => {}
            _ => return Err(SignatureError::Malformed),
        }
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&decoded).map_err(|_| SignatureError::Mismatch)
    }
}

impl fmt::Debug for SignatureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignatureKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The documented test vector: the body of Fitbit's example notification
    // (pretty-printed, as published), with and without a trailing newline.
    const SECRET: &str = "123ab4567c890d123e4567f8abcdef9a";
    const BODY: &str = "[\n  {\n    \"collectionType\": \"foods\",\n    \"date\": \"2020-06-01\",\n    \
                        \"ownerId\": \"228S74\",\n    \"ownerType\": \"user\",\n    \"subscriptionId\": \"1234\"\n  }\n]";

    #[test]
    fn the_documented_vector_holds_for_the_exact_bytes_only() {
        let key = SignatureKey::from_client_secret(SECRET);
        assert_eq!(key.sign(BODY.as_bytes()), "Oyv+HBziS4dH/fHJ735cToXX6vs=");
        assert_eq!(key.verify(BODY.as_bytes(), Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")), Ok(()));
        let with_newline = format!("{BODY}\n");
        assert_eq!(key.sign(with_newline.as_bytes()), "Ju+yYmMbovX0NIe3VCIZeaeXDPA=");
        assert_eq!(
            key.verify(with_newline.as_bytes(), Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn every_refusal_is_named() {
        let key = SignatureKey::from_client_secret(SECRET);
        let body = BODY.as_bytes();
        assert_eq!(key.verify(body, None), Err(SignatureError::Missing));
        for malformed in ["", "not base64!", "T3l2K0hCemlTNGRI", "Oyv+HBziS4dH/fHJ735cToXX6vs=AAAA"] {
            assert_eq!(key.verify(body, Some(malformed)), Err(SignatureError::Malformed), "{malformed}");
        }
        let other = SignatureKey::from_client_secret("another-secret");
        assert_eq!(other.verify(body, Some(&key.sign(body))), Err(SignatureError::Mismatch));
        // The header may carry surrounding whitespace.
        assert_eq!(key.verify(body, Some(" Oyv+HBziS4dH/fHJ735cToXX6vs= ")), Ok(()));
    }

    #[test]
    fn debug_shows_nothing_of_the_secret() {
        let key = SignatureKey::from_client_secret(SECRET);
        assert_eq!(format!("{key:?}"), "SignatureKey(<redacted>)");
    }
}

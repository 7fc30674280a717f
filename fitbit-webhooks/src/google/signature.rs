//! The signature header of a Google Health notification: base64 of Tink's
//! wire format, an optional 5-byte prefix naming the key (`0x01` + key id for
//! `TINK` keys, `0x00` + key id for `LEGACY`/`CRUNCHY` ones) followed by an
//! ECDSA P-256 / SHA-256 signature of the raw body (DER for Google's keys).
//!
//! The signature covers the exact bytes Google sent, so it is checked before
//! any parsing.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
use p256::ecdsa::Signature;
use p256::ecdsa::signature::Verifier as _;

use super::keyset::{Keyset, OutputPrefix, PublicKey, SignatureEncoding};

/// The header Google's current documentation names for the signature.
pub const SIGNATURE_HEADER: &str = "GOOGLE-HEALTH-API-SIGNATURE";

/// The older name of the signature header (Google's earlier documentation,
/// and what third-party receivers report seeing). Both are accepted.
pub const LEGACY_SIGNATURE_HEADER: &str = "X-HEALTHAPI-SIGNATURE";

/// Both signature header names, in the order they are looked for.
pub const SIGNATURE_HEADERS: [&str; 2] = [SIGNATURE_HEADER, LEGACY_SIGNATURE_HEADER];

/// A header longer than this is not a signature (a DER P-256 signature with
/// its prefix is at most 77 bytes, 104 in base64).
const MAX_HEADER_LEN: usize = 512;

/// Why a notification's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Neither signature header is present.
    #[error("the request has no {SIGNATURE_HEADER} (or {LEGACY_SIGNATURE_HEADER}) header")]
    Missing,
    /// The header is not base64, or too short or long to be a signature.
    #[error("the signature header is not a base64 Tink signature")]
    Malformed,
    /// The prefix names a key the keyset does not hold (and no prefix-less
    /// key verifies the signature).
    #[error("the signature names key {key_id}, which the keyset does not hold")]
    UnknownKey {
        /// The key id in the signature's prefix.
        key_id: u32,
    },
    /// No key of the keyset verifies this signature over this body.
    #[error("the signature does not verify this body with Google's keys")]
    Mismatch,
}

impl SignatureError {
    /// The status to answer: 401 when the signature is missing, 403 when it
    /// is there but proves nothing.
    pub fn status(&self) -> u16 {
        match self {
            Self::Missing => 401,
            _ => 403,
        }
    }
}

/// The decoded signature header.
struct Wire {
    bytes: Vec<u8>,
}

impl Wire {
    fn decode(header: &str) -> Result<Self, SignatureError> {
        let header = header.trim();
        if header.is_empty() || header.len() > MAX_HEADER_LEN {
            return Err(SignatureError::Malformed);
        }
        let bytes = STANDARD_PAD_INDIFFERENT
            .decode(header)
            .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(header))
            .map_err(|_| SignatureError::Malformed)?;
        // The shortest DER signature is 8 bytes; P1363 is 64.
        if bytes.len() < 8 {
            return Err(SignatureError::Malformed);
        }
        Ok(Self { bytes })
    }

    /// The prefix byte and key id, when the first five bytes can be a prefix.
    fn prefix(&self) -> Option<(u8, u32)> {
        match self.bytes.as_slice() {
            [first @ (0x00 | 0x01), a, b, c, d, ..] => Some((*first, u32::from_be_bytes([*a, *b, *c, *d]))),
            _ => None,
        }
    }
}

fn verify_with(key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    let parsed = match key.encoding() {
        SignatureEncoding::Der => Signature::from_der(signature),
        SignatureEncoding::IeeeP1363 => Signature::from_slice(signature),
    };
    parsed.is_ok_and(|signature| key.verifying_key().verify(message, &signature).is_ok())
}

impl Keyset {
    /// Checks that `header` (the signature header's value, if any) signs
    /// exactly these body bytes with one of the keyset's keys; returns the
    /// id of the key that did.
    ///
    /// A prefix naming a key the keyset lacks is
    /// [`SignatureError::UnknownKey`]: Google may have rotated its keys, so
    /// fetch the keyset again ([`Keys`](super::Keys) does, rate-limited).
    ///
    /// ```
    /// use fitbit_webhooks::google::{Keyset, SignatureError};
    /// # fn keyset() -> Keyset { unimplemented!() }
    /// # fn check(keyset: &Keyset, body: &[u8], header: &str) {
    /// match keyset.verify(body, Some(header)) {
    ///     Ok(key_id) => println!("signed by key {key_id}"),
    ///     Err(SignatureError::UnknownKey { key_id }) => println!("fetch the keyset again: {key_id}"),
    ///     Err(refused) => println!("answer {}: {refused}", refused.status()),
    /// }
    /// # }
    /// ```
    pub fn verify(&self, body: &[u8], header: Option<&str>) -> Result<u32, SignatureError> {
        let wire = Wire::decode(header.ok_or(SignatureError::Missing)?)?;
        let mut named_key = None;
        if let Some((first, key_id)) = wire.prefix() {
            named_key = Some(key_id);
            let signature = &wire.bytes[5..];
            for key in self.keys().iter().filter(|key| key.id() == key_id) {
                let verified = match (first, key.prefix()) {
                    (0x01, OutputPrefix::Tink) | (0x00, OutputPrefix::Crunchy) => {
                        verify_with(key, body, signature)
                    }
                    (0x00, OutputPrefix::Legacy) => {
                        let mut message = Vec::with_capacity(body.len() + 1);
                        message.extend_from_slice(body);
                        message.push(0);
                        verify_with(key, &message, signature)
                    }
                    _ => false,
                };
                if verified {
                    return Ok(key_id);
                }
            }
        }
        for key in self.keys().iter().filter(|key| key.prefix() == OutputPrefix::Raw) {
            if verify_with(key, body, &wire.bytes) {
                return Ok(key.id());
            }
        }
        match named_key {
            Some(key_id) if !self.keys().iter().any(|key| key.id() == key_id) => {
                Err(SignatureError::UnknownKey { key_id })
            }
            _ => Err(SignatureError::Mismatch),
        }
    }

    /// Whether the keyset holds a key with this id.
    pub fn contains(&self, key_id: u32) -> bool {
        self.keys().iter().any(|key| key.id() == key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_that_are_not_signatures_are_malformed() {
        for header in ["", "   ", "not base64!", "AAAA", &"A".repeat(600)] {
            assert!(matches!(Wire::decode(header), Err(SignatureError::Malformed)), "{header:?}");
        }
        // Both alphabets, with or without padding.
        assert_eq!(Wire::decode("AQAAAAcwBgIBAQIBAQ").unwrap().prefix(), Some((1, 7)));
        assert_eq!(Wire::decode("AQAAAAcwBgIBAQIBAQ==").unwrap().prefix(), Some((1, 7)));
        assert_eq!(Wire::decode("AP___zAGAgEBAgEB").unwrap().prefix(), Some((0, 0xffff_ff30)));
        assert_eq!(Wire::decode("MAYCAQECAQE=").unwrap().prefix(), None);
        assert_eq!(SignatureError::Missing.status(), 401);
        assert_eq!(SignatureError::Mismatch.status(), 403);
    }
}

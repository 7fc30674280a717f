//! Google's public keyset for webhook signatures, in Tink's JSON keyset
//! format.
//!
//! A keyset is a JSON object with a `key` array; each key has a `keyId`
//! (uint32), a `status` (`ENABLED`, `DISABLED`, `DESTROYED`), an
//! `outputPrefixType` (`TINK`, `RAW`, `LEGACY`, `CRUNCHY`) and `keyData`:
//! a `typeUrl` naming the key type and a base64 `value` holding the key as a
//! serialized protobuf message. For ECDSA that message is `EcdsaPublicKey`:
//!
//! ```text
//! message EcdsaPublicKey { uint32 version = 1; EcdsaParams params = 2; bytes x = 3; bytes y = 4; }
//! message EcdsaParams { HashType hash_type = 1; EllipticCurveType curve = 2; EcdsaSignatureEncoding encoding = 3; }
//! ```
//!
//! Only enabled ECDSA keys on NIST P-256 with SHA-256 are used; other keys
//! are skipped (and counted), so that a keyset that gains another kind of
//! key keeps working. The protobuf is read with a small field reader:
//! varints and length-delimited fields, unknown fields skipped.

use std::fmt;

use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use serde::Deserialize;

/// The `typeUrl` of Tink's ECDSA public keys.
pub const ECDSA_PUBLIC_KEY_TYPE_URL: &str = "type.googleapis.com/google.crypto.tink.EcdsaPublicKey";

/// Tink's `HashType.SHA256`.
const HASH_SHA256: u64 = 3;
/// Tink's `EllipticCurveType.NIST_P256`.
const CURVE_NIST_P256: u64 = 2;
/// Tink's `EcdsaSignatureEncoding.IEEE_P1363`.
const ENCODING_IEEE_P1363: u64 = 1;
/// Tink's `EcdsaSignatureEncoding.DER`.
const ENCODING_DER: u64 = 2;

/// A keyset larger than this is refused (Google's holds a few keys of ~100 bytes).
pub(crate) const MAX_KEYSET_BYTES: usize = 256 * 1024;

/// How a key's signatures begin: Tink writes a 5-byte prefix naming the key
/// before the signature itself, except for `RAW` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputPrefix {
    /// `TINK`: `0x01`, then the key id as 4 bytes big-endian.
    Tink,
    /// `RAW`: no prefix; the signature alone.
    Raw,
    /// `CRUNCHY`: `0x00`, then the key id as 4 bytes big-endian.
    Crunchy,
    /// `LEGACY`: as `CRUNCHY`, and the signed message is the body followed
    /// by one `0x00` byte.
    Legacy,
}

/// How a key's signatures are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }` (Google's keys).
    Der,
    /// `r || s`, 32 bytes each.
    IeeeP1363,
}

/// One usable public key of a [`Keyset`].
#[derive(Clone)]
pub struct PublicKey {
    id: u32,
    prefix: OutputPrefix,
    encoding: SignatureEncoding,
    key: VerifyingKey,
}

impl PublicKey {
    /// The key id (`keyId`).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// How its signatures begin.
    pub fn prefix(&self) -> OutputPrefix {
        self.prefix
    }

    /// How its signatures are encoded.
    pub fn encoding(&self) -> SignatureEncoding {
        self.encoding
    }

    /// The P-256 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}

/// A keyset that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeysetError {
    /// The text is not a Tink JSON keyset.
    #[error("the keyset is not a Tink JSON keyset: {0}")]
    Json(String),
    /// A key's `value` is not base64 or not an `EcdsaPublicKey` message.
    #[error("key {key_id} of the keyset cannot be read: {reason}")]
    Key {
        /// The key's id.
        key_id: u32,
        /// What is wrong.
        reason: String,
    },
    /// No enabled ECDSA P-256 key is in the keyset.
    #[error("the keyset holds no enabled ECDSA P-256 key ({skipped} other key(s) skipped)")]
    NoUsableKey {
        /// Keys that were present but not usable (disabled, other types or curves).
        skipped: usize,
    },
    /// The keyset is larger than 256 KiB.
    #[error("the keyset is larger than {MAX_KEYSET_BYTES} bytes")]
    TooLarge,
}

/// Google's public keys for webhook signatures, parsed from a Tink JSON
/// keyset.
///
/// ```
/// use fitbit_webhooks::google::Keyset;
///
/// // A keyset with no key is refused; so is text that is not a keyset.
/// assert!(Keyset::from_json(br#"{"primaryKeyId":1,"key":[]}"#).is_err());
/// assert!(Keyset::from_json(b"<html>").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Keyset {
    primary_key_id: Option<u32>,
    keys: Vec<PublicKey>,
    skipped: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeysetJson {
    #[serde(default, deserialize_with = "opt_key_id")]
    primary_key_id: Option<u32>,
    #[serde(default)]
    key: Vec<KeyJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    key_data: KeyDataJson,
    #[serde(default)]
    status: String,
    #[serde(deserialize_with = "key_id")]
    key_id: u32,
    #[serde(default)]
    output_prefix_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyDataJson {
    #[serde(default)]
    type_url: String,
    #[serde(default)]
    value: String,
}

/// Tink writes key ids as JSON numbers; a string of digits is taken too.
fn key_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u32),
        Text(String),
    }
    match Id::deserialize(deserializer)? {
        Id::Number(id) => Ok(id),
        Id::Text(text) => text.parse().map_err(|_| serde::de::Error::custom("keyId is not a uint32")),
    }
}

fn opt_key_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    key_id(deserializer).map(Some)
}

impl Keyset {
    /// Parses a Tink JSON keyset and keeps its enabled ECDSA P-256 keys.
    pub fn from_json(json: &[u8]) -> Result<Self, KeysetError> {
        if json.len() > MAX_KEYSET_BYTES {
            return Err(KeysetError::TooLarge);
        }
        let parsed: KeysetJson =
            serde_json::from_slice(json).map_err(|err| KeysetError::Json(err.to_string()))?;
        let mut keys = Vec::new();
        let mut skipped = 0;
        for key in parsed.key {
            let prefix = match key.output_prefix_type.as_str() {
                "TINK" => OutputPrefix::Tink,
                "RAW" => OutputPrefix::Raw,
                "CRUNCHY" => OutputPrefix::Crunchy,
                "LEGACY" => OutputPrefix::Legacy,
                _ => {
                    skipped += 1;
                    continue;
                }
            };
            if key.status != "ENABLED" || key.key_data.type_url != ECDSA_PUBLIC_KEY_TYPE_URL {
                skipped += 1;
                continue;
            }
            let value = base64::engine::general_purpose::STANDARD
                .decode(key.key_data.value.trim())
                .map_err(|_| KeysetError::Key { key_id: key.key_id, reason: "value is not base64".into() })?;
            let message = EcdsaPublicKey::decode(&value)
                .map_err(|reason| KeysetError::Key { key_id: key.key_id, reason })?;
            match message.into_key(key.key_id, prefix)? {
                Some(usable) => keys.push(usable),
                None => skipped += 1,
            }
        }
        if keys.is_empty() {
            return Err(KeysetError::NoUsableKey { skipped });
        }
        Ok(Self { primary_key_id: parsed.primary_key_id, keys, skipped })
    }

    /// The keyset's `primaryKeyId` (the key Google signs with now).
    pub fn primary_key_id(&self) -> Option<u32> {
        self.primary_key_id
    }

    /// The usable keys.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The ids of the usable keys.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.iter().map(|key| key.id).collect()
    }

    /// How many keys of the JSON were not usable here (disabled, or not
    /// ECDSA P-256 with SHA-256).
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

/// The fields of `EcdsaPublicKey` this crate reads.
#[derive(Debug, Default)]
struct EcdsaPublicKey {
    hash_type: u64,
    curve: u64,
    encoding: u64,
    x: Vec<u8>,
    y: Vec<u8>,
}

impl EcdsaPublicKey {
    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut key = Self::default();
        let mut fields = FieldReader::new(bytes);
        while let Some((number, value)) = fields.next_field()? {
            match (number, value) {
                (2, Field::Bytes(params)) => {
                    let mut params = FieldReader::new(params);
                    while let Some((number, value)) = params.next_field()? {
                        match (number, value) {
                            (1, Field::Varint(v)) => key.hash_type = v,
                            (2, Field::Varint(v)) => key.curve = v,
                            (3, Field::Varint(v)) => key.encoding = v,
                            _ => {}
                        }
                    }
                }
                (3, Field::Bytes(x)) => key.x = x.to_vec(),
                (4, Field::Bytes(y)) => key.y = y.to_vec(),
                // version (1) and anything newer are not needed.
                _ => {}
            }
        }
        Ok(key)
    }

    /// The usable key, `None` for another curve or hash.
    fn into_key(self, id: u32, prefix: OutputPrefix) -> Result<Option<PublicKey>, KeysetError> {
        if self.curve != CURVE_NIST_P256 || self.hash_type != HASH_SHA256 {
            return Ok(None);
        }
        let encoding = match self.encoding {
            ENCODING_DER => SignatureEncoding::Der,
            ENCODING_IEEE_P1363 => SignatureEncoding::IeeeP1363,
            _ => return Ok(None),
        };
        let invalid = |reason: &str| KeysetError::Key { key_id: id, reason: reason.into() };
        let mut sec1 = [0u8; 65];
        sec1[0] = 0x04;
        sec1[1..33]
            .copy_from_slice(&coordinate(&self.x).ok_or_else(|| invalid("x is longer than 32 bytes"))?);
        sec1[33..].copy_from_slice(&coordinate(&self.y).ok_or_else(|| invalid("y is longer than 32 bytes"))?);
        let key =
            VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| invalid("(x, y) is not a point of P-256"))?;
        Ok(Some(PublicKey { id, prefix, encoding, key }))
    }
}

/// A big-endian coordinate as 32 bytes: Tink may write a leading zero byte
/// (a signed big integer) or leave out leading zeros.
fn coordinate(bytes: &[u8]) -> Option<[u8; 32]> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let significant = &bytes[start..];
    if significant.len() > 32 {
        return None;
    }
    let mut out = [0u8; 32];
    out[32 - significant.len()..].copy_from_slice(significant);
    Some(out)
}

/// A protobuf field's value.
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// Reads protobuf fields one by one: enough for Tink's small key messages.
struct FieldReader<'a> {
    rest: &'a [u8],
}

impl<'a> FieldReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.rest.split_first().ok_or("a varint runs past the end")?;
            self.rest = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is longer than 10 bytes".into())
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        if len > self.rest.len() {
            return Err("a field runs past the end".into());
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    /// The next field number and value; `None` at the end.
    fn next_field(&mut self) -> Result<Option<(u64, Field<'a>)>, String> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let number = tag >> 3;
        if number == 0 {
            return Err("field number 0".into());
        }
        let value = match tag & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Field::Fixed
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| "a length is too large")?;
                Field::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Field::Fixed
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        Ok(Some((number, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the protobuf by hand, as Tink would.
    fn message(fields: &[(u64, &[u8])], varints: &[(u64, u64)]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(number, value) in varints {
            out.push((number << 3) as u8);
            out.push(value as u8);
        }
        for &(number, bytes) in fields {
            out.push(((number << 3) | 2) as u8);
            out.push(bytes.len() as u8);
            out.extend_from_slice(bytes);
        }
        out
    }

    fn point() -> ([u8; 32], [u8; 32]) {
        // The generator of P-256: a valid point.
        let x = [
            0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
            0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
        ];
        let y = [
            0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
            0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
        ];
        (x, y)
    }

    fn keyset_json(entries: &[(u32, &str, &str, Vec<u8>)]) -> Vec<u8> {
        let keys: Vec<_> = entries
            .iter()
            .map(|(id, status, prefix, value)| {
                serde_json::json!({
                    "keyData": {
                        "typeUrl": ECDSA_PUBLIC_KEY_TYPE_URL,
                        "value": base64::engine::general_purpose::STANDARD.encode(value),
                        "keyMaterialType": "ASYMMETRIC_PUBLIC",
                    },
                    "status": status,
                    "keyId": id,
                    "outputPrefixType": prefix,
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"primaryKeyId": entries[0].0, "key": keys})).unwrap()
    }

    fn key_value(curve: u64, encoding: u64, x: &[u8], y: &[u8]) -> Vec<u8> {
        let params = message(&[], &[(1, HASH_SHA256), (2, curve), (3, encoding)]);
        let mut value = message(&[], &[(1, 0)]);
        value.extend(message(&[(2, &params), (3, x), (4, y)], &[]));
        value
    }

    #[test]
    fn enabled_p256_keys_are_kept_and_others_skipped() {
        let (x, y) = point();
        // A leading zero byte (Tink's signed big integers) is accepted.
        let mut x_signed = vec![0u8];
        x_signed.extend_from_slice(&x);
        let json = keyset_json(&[
            (7, "ENABLED", "TINK", key_value(CURVE_NIST_P256, ENCODING_DER, &x_signed, &y)),
            (8, "DISABLED", "TINK", key_value(CURVE_NIST_P256, ENCODING_DER, &x, &y)),
            (9, "ENABLED", "TINK", key_value(3, ENCODING_DER, &x, &y)),
            (10, "ENABLED", "RAW", key_value(CURVE_NIST_P256, ENCODING_IEEE_P1363, &x, &y)),
        ]);
        let keyset = Keyset::from_json(&json).unwrap();
        assert_eq!(keyset.key_ids(), vec![7, 10]);
        assert_eq!(keyset.primary_key_id(), Some(7));
        assert_eq!(keyset.skipped(), 2);
        assert_eq!(keyset.keys()[0].prefix(), OutputPrefix::Tink);
        assert_eq!(keyset.keys()[1].encoding(), SignatureEncoding::IeeeP1363);
        assert!(!format!("{keyset:?}").is_empty());
    }

    #[test]
    fn broken_keys_and_keysets_are_typed_errors() {
        let (x, y) = point();
        let mut off_curve = y;
        off_curve[31] ^= 1;
        let bad = Keyset::from_json(&keyset_json(&[(
            5,
            "ENABLED",
            "TINK",
            key_value(CURVE_NIST_P256, ENCODING_DER, &x, &off_curve),
        )]));
        assert!(matches!(bad, Err(KeysetError::Key { key_id: 5, .. })), "{bad:?}");
        let truncated = {
            let mut value = key_value(CURVE_NIST_P256, ENCODING_DER, &x, &y);
            value.truncate(value.len() - 3);
            value
        };
        assert!(matches!(
            Keyset::from_json(&keyset_json(&[(6, "ENABLED", "TINK", truncated)])),
            Err(KeysetError::Key { key_id: 6, .. })
        ));
        assert!(matches!(
            Keyset::from_json(&keyset_json(&[(6, "DISABLED", "TINK", key_value(2, 2, &x, &y))])),
            Err(KeysetError::NoUsableKey { skipped: 1 })
        ));
        for not_a_keyset in [&b"\"text\""[..], b"{\"key\":7}", b"<html>"] {
            assert!(matches!(Keyset::from_json(not_a_keyset), Err(KeysetError::Json(_))));
        }
        assert_eq!(Keyset::from_json(&vec![b' '; MAX_KEYSET_BYTES + 1]).unwrap_err(), KeysetError::TooLarge);
    }

    #[test]
    fn the_field_reader_skips_unknown_fields_and_refuses_overruns() {
        // field 1 fixed64, field 2 fixed32, field 15 varint, then field 3 bytes.
        let mut bytes = vec![(1 << 3) | 1];
        bytes.extend([0; 8]);
        bytes.push((2 << 3) | 5);
        bytes.extend([0; 4]);
        bytes.extend([(15 << 3), 0x96, 0x01]);
        bytes.extend([(3 << 3) | 2, 2, 0xaa, 0xbb]);
        let key = EcdsaPublicKey::decode(&bytes).unwrap();
        assert_eq!(key.x, vec![0xaa, 0xbb]);
        for broken in [&[(3 << 3) | 2, 5, 1][..], &[0x80], &[(3 << 3) | 3], &[0]] {
            assert!(EcdsaPublicKey::decode(broken).is_err(), "{broken:?}");
        }
        assert_eq!(coordinate(&[0; 40]), Some([0; 32]));
        assert_eq!(coordinate(&[1; 33]), None);
    }
}

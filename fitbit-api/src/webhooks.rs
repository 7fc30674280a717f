//! The subscriber side of Fitbit's webhooks: verifying and parsing the
//! notifications Fitbit POSTs to your endpoint, and answering its
//! verification requests.
//!
//! Create and delete subscriptions with the Subscriptions operations of the
//! client; Fitbit then calls your subscriber URL:
//!
//! - with `GET ?verify=<code>` when the subscriber is added or its URL
//!   changes: answer 204 when the code is your subscriber verification code,
//!   404 otherwise ([`verification_status`]);
//! - with a `POST` whose body is a JSON array of notifications, signed in
//!   `X-Fitbit-Signature`: check the signature on the raw bytes first
//!   ([`verify_signature`]), answer 204 within five seconds, then fetch the
//!   changed data. Answer 404 to a bad signature.
//!
//! ```
//! use fitbit_api::webhooks::{parse_notifications, verify_signature};
//! use fitbit_auth::ClientSecret;
//!
//! let secret = ClientSecret::new("123ab4567c890d123e4567f8abcdef9a");
//! let body = br#"[{"collectionType":"sleep","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
//! let signature = fitbit_api::webhooks::sign(&secret, body);
//!
//! assert!(verify_signature(&secret, body, &signature));
//! let notifications = parse_notifications(body).unwrap();
//! assert_eq!(notifications[0].collection_type.as_deref(), Some("sleep"));
//! ```

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use fitbit_auth::ClientSecret;

use crate::Error;
use crate::generated_client::types::SubscriptionNotification;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Fitbit-Signature";

/// `base64(HMAC-SHA1(client_secret + "&", body))`: the signature Fitbit puts
/// in `X-Fitbit-Signature`.
pub fn sign(client_secret: &ClientSecret, body: &[u8]) -> String {
    let key = format!("{}&", client_secret.secret());
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` (the `X-Fitbit-Signature` value) signs exactly these
/// body bytes. Compare before parsing: re-encoded JSON would not match.
/// The comparison takes the same time wherever the strings differ.
pub fn verify_signature(client_secret: &ClientSecret, body: &[u8], signature: &str) -> bool {
    let expected = sign(client_secret, body);
    expected.as_bytes().ct_eq(signature.trim().as_bytes()).into()
}

/// The notifications in a POSTed body (a JSON array; several may come at once).
pub fn parse_notifications(body: &[u8]) -> Result<Vec<SubscriptionNotification>, Error> {
    serde_json::from_slice(body).map_err(|err| Error::InvalidResponse {
        status: None,
        message: format!("a subscription notification body must be a JSON array of notifications: {err}"),
    })
}

/// The status to answer Fitbit's `GET ?verify=<code>`: 204 when `code` is your
/// subscriber's verification code, 404 otherwise.
pub fn verification_status(code: &str, expected: &str) -> u16 {
    if code.as_bytes().ct_eq(expected.as_bytes()).into() { 204 } else { 404 }
}

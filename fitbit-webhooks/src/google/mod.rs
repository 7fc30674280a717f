//! The receiving side of **Google Health API** webhooks (feature `google`).
//!
//! Google POSTs to a subscriber's HTTPS endpoint (registered with
//! `projects.subscribers.create`; `fitbit health subscribers create`). This
//! module answers those POSTs correctly:
//!
//! - **endpoint verification**: on subscriber create or patch Google sends
//!   `{"type":"verification"}` twice, once with the subscriber's
//!   `Authorization` value (answer **201**) and once without (answer **401**;
//!   a wrong value gets 403). The value is compared in constant time
//!   ([`EndpointAuthorization`]).
//! - **signatures**: every notification carries the same `Authorization`
//!   and an ECDSA P-256 / SHA-256 signature of the raw body, base64 in the
//!   [`SIGNATURE_HEADER`] (`GOOGLE-HEALTH-API-SIGNATURE`, Google's current
//!   name) or the [`LEGACY_SIGNATURE_HEADER`] (`X-HEALTHAPI-SIGNATURE`, the
//!   older one; both are accepted since sources disagree). The signature is in
//!   Tink's wire format (a 5-byte prefix naming the key, then DER) and is
//!   checked against Google's public keyset, a Tink JSON keyset
//!   ([`Keyset`]), fetched and cached by [`Keys`] (refetched, rate-limited,
//!   when a signature names an unknown key), or read from a file.
//! - **notifications**: typed ([`Notification`]: `healthUserId`, `dataType`,
//!   [`Operation`] `UPSERT`/`DELETE`, the civil time interval, the
//!   subscription's name), tolerant of unknown fields, several per POST.
//! - **a ready receiver** (with feature `receiver` as well): an axum router
//!   ([`receiver::Receiver`]) with the same limits as the Fitbit one.
//!
//! Unconfirmed by Google's pages (as of 2026-12): the keyset's URL
//! ([`GOOGLE_KEYSET_URL`] is where third-party receivers fetch it) and the
//! payload's shape (three third-party receivers agree on it). What Google's
//! pages do say: the two verification requests and their answers, the
//! `Authorization` header, ECDSA P-256 signatures, and the header names.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use fitbit_webhooks::google::{Accepted, Endpoint, EndpointAuthorization, Keys};
//!
//! # let keyset_json = br#"{"key":[]}"#.to_vec();
//! // Keys::google() fetches Google's keyset; here a fixed one (it has no key,
//! // so no notification could verify).
//! let endpoint = Endpoint::new(EndpointAuthorization::new("Bearer 9f2c1d"), Keys::fixed(keyset_json));
//!
//! let verification = br#"{"type":"verification"}"#;
//! let first = endpoint.handle(Some("Bearer 9f2c1d"), None, verification).await.unwrap();
//! assert_eq!(first, Accepted::Verification);
//! assert_eq!(first.status(), 201);
//! let second = endpoint.handle(None, None, verification).await.unwrap_err();
//! assert_eq!(second.status(), 401);
//!
//! // A notification without a signature is refused before it is parsed.
//! let unsigned = endpoint.handle(Some("Bearer 9f2c1d"), None, b"[]").await.unwrap_err();
//! assert_eq!(unsigned.status(), 401);
//! # }
//! ```

mod endpoint;
mod keys;
mod keyset;
mod notification;
mod signature;
mod verification;

#[cfg(feature = "receiver")]
pub mod receiver;

pub use endpoint::{Accepted, Endpoint, Rejection};
pub use keys::{
    DEFAULT_MAX_AGE, DEFAULT_MIN_REFETCH_INTERVAL, FetchError, FetchFuture, GOOGLE_KEYSET_URL, HttpsKeyset,
    Keys, KeysetFile, KeysetSource, VerifyError,
};
pub use keyset::{
    ECDSA_PUBLIC_KEY_TYPE_URL, Keyset, KeysetError, OutputPrefix, PublicKey, SignatureEncoding,
};
pub use notification::{
    CivilTimeInterval, Notification, NotificationError, NotificationKey, Operation, parse_notifications,
};
pub use signature::{LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER, SIGNATURE_HEADERS, SignatureError};
pub use verification::{AuthorizationError, EndpointAuthorization};

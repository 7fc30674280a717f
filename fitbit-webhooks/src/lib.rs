//! The receiving side of Fitbit's subscriptions (webhooks).
//!
//! Fitbit calls your subscriber URL when a user's data changes, so an
//! integration polls nothing. This crate answers those calls correctly:
//!
//! - **verification**: `GET ?verify=<code>` gets 204 for your subscriber's
//!   verification code and 404 for anything else ([`VerificationCode`]);
//! - **signature**: `X-Fitbit-Signature` is base64(HMAC-SHA1(key = client
//!   secret + `&`, message = the raw body)), checked in constant time on the
//!   bytes as received, before any parsing ([`SignatureKey`]);
//! - **notifications**: a JSON array of `{collectionType, date, ownerId,
//!   ownerType, subscriptionId}`, typed ([`Notification`], [`CollectionType`];
//!   an unknown collection still parses), each with a stable
//!   [`key`](Notification::key) that recognises a second delivery;
//! - **a ready receiver** (feature `receiver`): an axum router that does all
//!   of the above and hands verified notifications to your application
//!   ([`receiver::Receiver`]).
//!
//! Create, list and delete the subscriptions themselves with the client in
//! `fitbit-api` (the Subscriptions operations).
//!
//! Google Health API webhooks (the successor's: endpoint verification with
//! an `Authorization` secret, ECDSA P-256 signatures against Google's Tink
//! keyset) are in [`google`] (feature `google`).
//!
//! ```
//! use fitbit_webhooks::{CollectionType, SignatureKey, Subscriber, VerificationCode};
//!
//! let subscriber = Subscriber::new(
//!     SignatureKey::from_client_secret("123ab4567c890d123e4567f8abcdef9a"),
//!     VerificationCode::new("c0ffee"),
//! );
//!
//! // Fitbit's POST: the raw body and its X-Fitbit-Signature header.
//! let body = br#"[{"collectionType":"sleep","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
//! let header = subscriber.key().sign(body);
//!
//! match subscriber.notifications(body, Some(&header)) {
//!     Ok(notifications) => {
//!         // Answer 204 now; fetch the changed data afterwards.
//!         assert_eq!(notifications[0].collection_type, CollectionType::Sleep);
//!     }
//!     Err(rejection) => panic!("answer {}: {rejection}", rejection.status()),
//! }
//! ```

mod notification;
mod signature;
mod subscriber;
mod verification;

#[cfg(feature = "receiver")]
pub mod receiver;

#[cfg(feature = "google")]
pub mod google;

pub use notification::{
    CollectionType, Notification, NotificationError, NotificationKey, parse_notifications,
};
pub use signature::{SIGNATURE_HEADER, SignatureError, SignatureKey};
pub use subscriber::{Rejection, Subscriber};
pub use verification::{VerificationAnswer, VerificationCode};

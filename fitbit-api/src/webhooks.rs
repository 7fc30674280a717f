//! The subscriber side of Fitbit's webhooks, from the `fitbit-webhooks`
//! crate: verification answers, the `X-Fitbit-Signature` check, typed
//! notifications, and (with that crate's `receiver` feature) an axum
//! receiver.
//!
//! Create, list and delete the subscriptions with the Subscriptions
//! operations of this client (`create_subscription`,
//! `get_subscription_list`, `delete_subscription`, and their
//! all-collections forms); Fitbit then calls your subscriber URL.
//!
//! ```
//! use fitbit_api::webhooks::{SignatureKey, parse_notifications};
//!
//! let key = SignatureKey::from_client_secret("123ab4567c890d123e4567f8abcdef9a");
//! let body = br#"[{"collectionType":"sleep","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
//! let signature = key.sign(body);
//!
//! assert!(key.verify(body, Some(&signature)).is_ok());
//! assert_eq!(parse_notifications(body).unwrap()[0].collection_type.as_str(), "sleep");
//! ```

pub use fitbit_webhooks::*;

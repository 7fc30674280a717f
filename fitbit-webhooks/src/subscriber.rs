//! The two requests a subscriber endpoint answers, independent of any web
//! framework: the verification `GET` and the signed notification `POST`.

use crate::notification::{Notification, NotificationError, parse_notifications};
use crate::signature::{SignatureError, SignatureKey};
use crate::verification::{VerificationAnswer, VerificationCode};

/// Your subscriber endpoint's settings: the app's signing key and the
/// subscriber's verification code.
///
/// ```
/// use fitbit_webhooks::{Rejection, SignatureKey, Subscriber, VerificationCode};
///
/// let subscriber = Subscriber::new(
///     SignatureKey::from_client_secret("123ab4567c890d123e4567f8abcdef9a"),
///     VerificationCode::new("c0ffee"),
/// );
/// assert_eq!(subscriber.verify(Some("c0ffee")).status(), 204);
///
/// let body = br#"[{"collectionType":"foods","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
/// let signature = subscriber.key().sign(body);
/// let notifications = subscriber.notifications(body, Some(&signature)).unwrap();
/// assert_eq!(notifications[0].owner_id, "GGNJL9");
///
/// let forged = subscriber.notifications(body, Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")).unwrap_err();
/// assert_eq!(forged.status(), 404);
/// assert!(matches!(forged, Rejection::Signature(_)));
/// ```
#[derive(Debug, Clone)]
pub struct Subscriber {
    key: SignatureKey,
    code: VerificationCode,
}

impl Subscriber {
    /// A subscriber with this signing key and verification code.
    pub fn new(key: SignatureKey, code: VerificationCode) -> Self {
        Self { key, code }
    }

    /// The signing key.
    pub fn key(&self) -> &SignatureKey {
        &self.key
    }

    /// The answer to `GET ?verify=<verify>`.
    pub fn verify(&self, verify: Option<&str>) -> VerificationAnswer {
        self.code.answer(verify)
    }

    /// The notifications of a POST, once its signature (the
    /// `X-Fitbit-Signature` value, if any) checks out on the raw body.
    /// Answer 204 on success and [`Rejection::status`] otherwise.
    pub fn notifications(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<Vec<Notification>, Rejection> {
        self.key.verify(body, signature).map_err(Rejection::Signature)?;
        parse_notifications(body).map_err(Rejection::Body)
    }
}

/// Why a notification POST was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The signature is missing, malformed or wrong: the body is not from
    /// Fitbit (or not for this app) and was not parsed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signature is right but the body is not a notification array.
    #[error(transparent)]
    Body(#[from] NotificationError),
}

impl Rejection {
    /// The status to answer: 404 for a bad signature (Fitbit's rule), 400
    /// for a body that does not parse.
    pub fn status(&self) -> u16 {
        match self {
            Self::Signature(_) => 404,
            Self::Body(_) => 400,
        }
    }
}

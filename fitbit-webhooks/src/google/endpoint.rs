//! The POSTs a Google Health subscriber endpoint answers, independent of
//! any web framework.

use super::keys::{Keys, VerifyError};
use super::notification::{Notification, NotificationError, is_verification, parse_notifications};
use super::verification::{AuthorizationError, EndpointAuthorization};

/// A request that was accepted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Accepted {
    /// Google's endpoint verification (`{"type": "verification"}` with the
    /// right `Authorization`): answer 201 Created.
    Verification,
    /// Verified notifications: answer 204 No Content, then fetch the data.
    Notifications {
        /// The notifications, in the order sent.
        notifications: Vec<Notification>,
        /// The id of Google's key that signed them.
        key_id: u32,
    },
}

impl Accepted {
    /// The status to answer: 201 for a verification, 204 for notifications.
    pub fn status(&self) -> u16 {
        match self {
            Self::Verification => 201,
            Self::Notifications { .. } => 204,
        }
    }
}

/// Why a POST was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The `Authorization` header is missing (401; the answer Google's
    /// second verification request expects) or wrong (403).
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// The signature is missing (401) or does not verify (403), or no
    /// keyset could be had (503). The body was not parsed.
    #[error(transparent)]
    Signature(#[from] VerifyError),
    /// The signature is right but the body is not notifications (400).
    #[error(transparent)]
    Body(#[from] NotificationError),
}

impl Rejection {
    /// The status to answer.
    pub fn status(&self) -> u16 {
        match self {
            Self::Authorization(err) => err.status(),
            Self::Signature(err) => err.status(),
            Self::Body(_) => 400,
        }
    }
}

/// A subscriber endpoint's settings: the subscriber's
/// `endpointAuthorization.secret` and Google's keys.
///
/// ```no_run
/// # async fn run(authorization: Option<&str>, signature: Option<&str>, body: &[u8]) {
/// use fitbit_webhooks::google::{Accepted, Endpoint, EndpointAuthorization, Keys};
///
/// let endpoint = Endpoint::new(EndpointAuthorization::new("Bearer 9f2c1d"), Keys::google());
/// // From the POST: the Authorization header, the signature header
/// // (GOOGLE-HEALTH-API-SIGNATURE or X-HEALTHAPI-SIGNATURE), the raw body.
/// match endpoint.handle(authorization, signature, body).await {
///     Ok(Accepted::Verification) => { /* answer 201 */ }
///     Ok(Accepted::Notifications { notifications, .. }) => { /* answer 204, then fetch */ }
///     Ok(_) => {}
///     Err(rejection) => { /* answer rejection.status() */ }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Endpoint {
    authorization: EndpointAuthorization,
    keys: Keys,
}

impl Endpoint {
    /// An endpoint that checks `Authorization` against `authorization` and
    /// signatures against `keys`.
    pub fn new(authorization: EndpointAuthorization, keys: Keys) -> Self {
        Self { authorization, keys }
    }

    /// The keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Checks only the `Authorization` header (before reading a body).
    pub fn check_authorization(&self, authorization: Option<&str>) -> Result<(), Rejection> {
        self.authorization.check(authorization).map_err(Rejection::from)
    }

    /// Answers one POST: `authorization` and `signature` are the headers'
    /// values, if present; `body` the raw bytes.
    ///
    /// The `Authorization` header is checked first. A verification request
    /// (`{"type":"verification"}`) then needs nothing else: whether Google
    /// signs those is not documented. Anything else needs a signature from
    /// Google's keys over the exact body, and is parsed only after that.
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Accepted, Rejection> {
        self.check_authorization(authorization)?;
        if is_verification(body) {
            return Ok(Accepted::Verification);
        }
        let key_id = self.keys.verify(body, signature).await?;
        let notifications = parse_notifications(body)?;
        Ok(Accepted::Notifications { notifications, key_id })
    }
}

//! The `Authorization` header Google sends to a subscriber's endpoint: the
//! subscriber's `endpointAuthorization.secret`, the whole header value
//! (e.g. `Bearer 9f2c…`). It comes with every notification and with the
//! first of the two verification requests; the second comes without it.

use std::fmt;

use subtle::ConstantTimeEq as _;

/// Why the `Authorization` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// No `Authorization` header: answer 401 (Google's second verification
    /// request expects exactly this).
    #[error("the request has no Authorization header")]
    Missing,
    /// Another value: answer 403.
    #[error("the Authorization header is not the subscriber's secret")]
    Mismatch,
}

impl AuthorizationError {
    /// The status to answer: 401 when missing, 403 when wrong.
    pub fn status(&self) -> u16 {
        match self {
            Self::Missing => 401,
            Self::Mismatch => 403,
        }
    }
}

/// The subscriber's `endpointAuthorization.secret`: the value Google puts in
/// the `Authorization` header. `Debug` does not show it.
///
/// ```
/// use fitbit_webhooks::google::{AuthorizationError, EndpointAuthorization};
///
/// let secret = EndpointAuthorization::new("Bearer 9f2c1d");
/// assert_eq!(secret.check(Some("Bearer 9f2c1d")), Ok(()));
/// assert_eq!(secret.check(Some("Bearer 0000")), Err(AuthorizationError::Mismatch));
/// assert_eq!(secret.check(None).unwrap_err().status(), 401);
/// assert_eq!(format!("{secret:?}"), "EndpointAuthorization(<redacted>)");
/// ```
#[derive(Clone)]
pub struct EndpointAuthorization(String);

impl EndpointAuthorization {
    /// The whole header value, as configured on the subscriber (with its
    /// scheme, e.g. `Bearer …`). Surrounding whitespace is ignored.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().trim().to_owned())
    }

    /// Checks the `Authorization` header's value, if any. The comparison
    /// takes the same time wherever the values differ (only a length
    /// difference shows). An empty configured secret matches nothing.
    pub fn check(&self, header: Option<&str>) -> Result<(), AuthorizationError> {
        let header = header.ok_or(AuthorizationError::Missing)?.trim();
        let matches = bool::from(header.as_bytes().ct_eq(self.0.as_bytes()));
        if matches && !self.0.is_empty() { Ok(()) } else { Err(AuthorizationError::Mismatch) }
    }

    /// Whether no secret was configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for EndpointAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EndpointAuthorization(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_value_passes() {
        let secret = EndpointAuthorization::new(" Bearer abc123 ");
        assert_eq!(secret.check(Some("Bearer abc123")), Ok(()));
        assert_eq!(secret.check(Some(" Bearer abc123\t")), Ok(()));
        for wrong in ["Bearer abc12", "Bearer abc1234", "bearer abc123", "abc123", ""] {
            assert_eq!(secret.check(Some(wrong)), Err(AuthorizationError::Mismatch), "{wrong:?}");
        }
        assert_eq!(secret.check(None), Err(AuthorizationError::Missing));
        let empty = EndpointAuthorization::new("");
        assert!(empty.is_empty());
        assert_eq!(empty.check(Some("")), Err(AuthorizationError::Mismatch));
        assert_eq!(AuthorizationError::Mismatch.status(), 403);
    }
}

//! The seam between the API client and whatever supplies access tokens.

use std::fmt;

use futures::future::BoxFuture;
use reqwest::header::HeaderValue;

use crate::error::Error;
use crate::secret::AccessToken;

/// Supplies the bearer token for each request, and a fresh one when Fitbit
/// rejects a token as expired.
///
/// `fitbit-api` calls [`access_token`](Authorizer::access_token) before every
/// request and, after a 401 `expired_token`,
/// [`refresh_after_rejection`](Authorizer::refresh_after_rejection) once before
/// retrying. [`StaticToken`] never refreshes; the refreshing session in this
/// crate serialises refreshes so that concurrent callers spend a refresh token
/// only once.
pub trait Authorizer: Send + Sync + fmt::Debug {
    /// The token to send now. Implementations may refresh first when the
    /// token is about to expire.
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;

    /// Fitbit answered `expired_token` to `rejected`: return a token to retry
    /// with. Callers that saw the same rejected token share one refresh.
    fn refresh_after_rejection<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>>;

    /// The `Authorization` header for the token to send now, when it is at
    /// hand without waiting (no refresh or store read due). `fitbit-api`
    /// asks for it before every request and awaits
    /// [`access_token`](Authorizer::access_token) only when it gets `None`,
    /// which the default always returns. Implementations that keep the
    /// header value built (see [`AccessToken::bearer_header`]) save building
    /// it on every request.
    fn ready_bearer(&self) -> Option<HeaderValue> {
        None
    }
}

/// A fixed access token, for scripts and tests. It cannot be refreshed: once
/// it expires, calls fail with [`Error::SignInRequired`].
#[derive(Clone, Debug)]
pub struct StaticToken {
    token: AccessToken,
    bearer: HeaderValue,
}

impl StaticToken {
    /// Wraps an access token obtained elsewhere.
    pub fn new(token: impl Into<AccessToken>) -> Self {
        let token = token.into();
        Self { bearer: token.bearer_header(), token }
    }
}

impl Authorizer for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }

    fn ready_bearer(&self) -> Option<HeaderValue> {
        Some(self.bearer.clone())
    }

    fn refresh_after_rejection<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(async {
            Err(Error::SignInRequired {
                reason: "the static access token expired and cannot be refreshed".into(),
                api: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_token_has_its_header_ready_and_redacted() {
        let token = StaticToken::new("a-static-access-token");
        let bearer = token.ready_bearer().unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer a-static-access-token");
        assert!(bearer.is_sensitive());
        assert!(!format!("{token:?}").contains("a-static-access-token"));
    }
}

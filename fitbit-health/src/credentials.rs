//! Google's client asks its credentials for an `Authorization` header before
//! every attempt; these answer from a fitbit-auth [`Session`], refreshing it
//! once after the API rejected its token.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use fitbit_auth::{AccessToken, Session};
use google_cloud_auth::credentials::{CacheableResource, CredentialsProvider, EntityTag};
use google_cloud_auth::errors::CredentialsError;
use http::{Extensions, HeaderMap, header::AUTHORIZATION};

/// Which token went out last and which one the API rejected: shared by the
/// credentials and the retry policy, so that a 401 leads to one refresh.
#[derive(Debug, Default)]
pub(crate) struct TokenTracker {
    /// The token handed out most recently, and when it was first handed out.
    current: Mutex<Option<(AccessToken, Instant)>>,
    /// A token the API answered 401 to; refreshed past on the next attempt.
    rejected: Mutex<Option<AccessToken>>,
}

impl TokenTracker {
    /// A request whose retry loop started at `request_start` got a 401. Its
    /// token was the current one if that was already in use when the request
    /// started; only then is it marked (a later token is not blamed for a
    /// rejection of an earlier one). Returns whether a token is marked.
    pub(crate) fn mark_rejected(&self, request_start: Instant) -> bool {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        match current.as_ref() {
            Some((token, first_used)) if *first_used <= request_start => {
                *rejected = Some(token.clone());
                true
            }
            // A newer token is already in use: the retry will carry it.
            Some(_) => true,
            None => false,
        }
    }

    /// Whether a rejected token waits to be refreshed past.
    pub(crate) fn has_rejection(&self) -> bool {
        self.rejected.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    fn rejected(&self) -> Option<AccessToken> {
        self.rejected.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn handed_out(&self, token: &AccessToken) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_none_or(|(known, _)| known != token) {
            *current = Some((token.clone(), Instant::now()));
            let mut rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
            if rejected.as_ref().is_some_and(|r| r != token) {
                *rejected = None;
            }
        }
    }
}

/// A [`CredentialsProvider`] backed by a signed-in [`Session`] (Google
/// provider): the access token, refreshed ahead of expiry by the session, and
/// once more after a 401 `UNAUTHENTICATED`.
///
/// Failures keep their class: a refused refresh token reaches the caller as
/// [`fitbit_auth::Error::SignInRequired`] (see [`crate::classify`]).
#[derive(Debug, Clone)]
pub struct SessionCredentials {
    session: Session,
    tracker: Arc<TokenTracker>,
}

impl SessionCredentials {
    /// Credentials that read (and refresh) `session`'s tokens.
    pub fn new(session: Session) -> Self {
        Self { session, tracker: Arc::default() }
    }

    pub(crate) fn tracker(&self) -> Arc<TokenTracker> {
        self.tracker.clone()
    }

    /// The session behind these credentials.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The token to send now: a refreshed one when the last was rejected.
    pub(crate) async fn token(&self) -> Result<AccessToken, fitbit_auth::Error> {
        let token = match self.tracker.rejected() {
            Some(rejected) => self.session.refresh_after_rejection(&rejected).await?,
            None => self.session.access_token().await?,
        };
        self.tracker.handed_out(&token);
        Ok(token)
    }
}

impl CredentialsProvider for SessionCredentials {
    async fn headers(
        &self,
        _extensions: Extensions,
    ) -> Result<CacheableResource<HeaderMap>, CredentialsError> {
        let token = self
            .token()
            .await
            .map_err(|err| CredentialsError::new(err.is_transient(), "no access token", err))?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, token.bearer_header());
        Ok(CacheableResource::New { entity_tag: EntityTag::new(), data: headers })
    }

    async fn universe_domain(&self) -> Option<String> {
        Some("googleapis.com".to_string())
    }
}

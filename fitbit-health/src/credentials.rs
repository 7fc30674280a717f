//! Google's client asks its credentials for an `Authorization` header before
//! every attempt; these answer from a fitbit-auth [`Session`], refreshing it
//! once after the API rejected its token.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use fitbit_auth::{AccessToken, Session};
use google_cloud_auth::credentials::{CacheableResource, CredentialsProvider, EntityTag};
use google_cloud_auth::errors::CredentialsError;
use http::{Extensions, HeaderMap, header::AUTHORIZATION};

/// How many recent tokens are remembered to tell which one a request used.
const HISTORY: usize = 8;

/// Which tokens went out when, and which one the API rejected: shared by the
/// credentials and the retry policy, so that a 401 leads to one refresh,
/// however many calls saw it.
#[derive(Debug, Default)]
pub(crate) struct TokenTracker {
    /// The tokens handed out, oldest first, each with when it was first
    /// handed out; the last is the current one.
    history: Mutex<Vec<(AccessToken, Instant)>>,
    /// A token the API answered 401 to; refreshed past on the next attempt.
    rejected: Mutex<Option<AccessToken>>,
}

impl TokenTracker {
    /// A request whose retry loop started at `request_start` got a 401 on its
    /// first attempt. The token it sent is the one in use when it started
    /// (or, if none was yet, the first one handed out after). Only when that
    /// is still the current token is it marked for refresh: a rejection of
    /// an older token needs no refresh, the retry carries the newer one.
    /// Returns whether the retry can carry another token.
    pub(crate) fn mark_rejected(&self, request_start: Instant) -> bool {
        let history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let used = history
            .iter()
            .rev()
            .find(|(_, first_used)| *first_used <= request_start)
            .or_else(|| history.first())
            .map(|(token, _)| token);
        let (Some(used), Some((current, _))) = (used, history.last()) else { return false };
        if used == current {
            *self.rejected.lock().unwrap_or_else(PoisonError::into_inner) = Some(current.clone());
        }
        true
    }

    /// Whether a rejected token waits to be refreshed past.
    pub(crate) fn has_rejection(&self) -> bool {
        self.rejected.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    fn rejected(&self) -> Option<AccessToken> {
        self.rejected.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn handed_out(&self, token: &AccessToken) {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        if history.last().is_some_and(|(current, _)| current == token) {
            return;
        }
        history.push((token.clone(), Instant::now()));
        if history.len() > HISTORY {
            history.remove(0);
        }
        let mut rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        if rejected.as_ref().is_some_and(|r| r != token) {
            *rejected = None;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_blames_the_token_the_request_sent() {
        let tracker = TokenTracker::default();
        let first_request = Instant::now();
        assert!(!tracker.mark_rejected(first_request), "no token went out yet");

        // The first token goes out during the first request: it is the one blamed.
        tracker.handed_out(&AccessToken::new("t1"));
        assert!(tracker.mark_rejected(first_request));
        assert_eq!(tracker.rejected(), Some(AccessToken::new("t1")));

        // Refreshed past: the mark goes, and a late 401 of a request that
        // started before the refresh does not blame the new token.
        let before_refresh = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        tracker.handed_out(&AccessToken::new("t2"));
        assert!(!tracker.has_rejection());
        assert!(tracker.mark_rejected(before_refresh));
        assert!(!tracker.has_rejection(), "t1 was the one rejected, and t2 is already in use");

        // A request that started with t2 in use blames t2.
        assert!(tracker.mark_rejected(Instant::now()));
        assert_eq!(tracker.rejected(), Some(AccessToken::new("t2")));
    }
}

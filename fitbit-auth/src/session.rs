//! A token source that refreshes by itself: once per expiry, for every caller
//! in this process and in the other processes sharing the store.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use reqwest::header::HeaderValue;
use tokio::sync::watch;

use crate::authorize::PendingAuthorization;
use crate::authorizer::Authorizer;
use crate::error::Error;
use crate::oauth_client::{OAuthClient, OAuthClientBuilder};
use crate::provider::Provider;
use crate::secret::{AccessToken, RefreshToken};
use crate::store::{LockedStore, StoredCredentials, TokenStore};
use crate::token::TokenSet;

/// How long before expiry a token is refreshed, unless configured.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(5 * 60);

/// A signed-in user's tokens, kept fresh: the [`Authorizer`] to hand to
/// `fitbit_api::Client::builder().authorizer(…)`.
///
/// - **Proactive refresh**: a token within the refresh skew (default 5
///   minutes, capped at half its lifetime) of expiry is refreshed before use.
/// - **Either provider**: the [`OAuthClient`]'s [`Provider`] decides the
///   rules (Fitbit's single-use refresh tokens, Google's kept ones); a store
///   holding the other provider's tokens is refused, never sent to the wrong
///   server or overwritten.
/// - **Reactive refresh**: after the API rejects a token as expired,
///   [`refresh_after_rejection`](Self::refresh_after_rejection) refreshes,
///   unless a newer token than the rejected one is already at hand.
/// - **Single flight**: concurrent callers share one refresh (an async mutex
///   in-process); across processes the store's lock is taken and the store
///   re-read inside it, so a pair another process already rotated is used
///   instead of spending its spent refresh token.
/// - **Saved before used**: a new pair is written to the store before any
///   caller gets it, and a refresh token is spent only when the store can
///   be written ([`LockedStore::ensure_writable`](crate::LockedStore::ensure_writable)). When Fitbit refuses the refresh token (`invalid_grant`)
///   the store is re-read once (someone may have rotated the pair) before
///   [`Error::SignInRequired`] is returned.
/// - **Lost answers**: when the connection drops before the refresh answer
///   arrives, the identical request is repeated once; Fitbit answers repeats
///   within two minutes with the same pair.
/// - **Observers**: [`token_updates`](Self::token_updates) yields each new token.
///
/// Clones share everything.
///
/// ```no_run
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_auth::{FileStore, Session};
///
/// // The file holds the client id (and secret, if any) and the tokens.
/// let session = Session::from_store(FileStore::new("/home/me/.config/fitbit/credentials.json")).await?;
/// let token = session.access_token().await?; // refreshed first when due
/// // let client = fitbit_api::Client::builder().authorizer(session.clone()).build()?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    refresh_skew: Duration,
    /// The tokens last read or obtained; the fast path reads only this.
    current: Mutex<Option<Current>>,
    /// Held while refreshing, so that one refresh serves every waiting caller.
    single_flight: tokio::sync::Mutex<()>,
    updates: watch::Sender<Option<TokenSet>>,
}

/// The tokens in use, with their `Authorization` header built once rather
/// than for every request.
struct Current {
    tokens: TokenSet,
    bearer: HeaderValue,
    /// `tokens.refresh_due_at(refresh_skew)`, worked out once: every
    /// request compares the time with it.
    refresh_due: DateTime<Utc>,
}

impl Current {
    fn new(tokens: TokenSet, refresh_skew: Duration) -> Self {
        Self {
            bearer: tokens.access_token.bearer_header(),
            refresh_due: tokens.refresh_due_at(refresh_skew),
            tokens,
        }
    }

    fn is_fresh(&self) -> bool {
        Utc::now() < self.refresh_due
    }
}

/// Builds a [`Session`]; from [`Session::builder`].
#[must_use = "call `build`"]
pub struct SessionBuilder {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    refresh_skew: Duration,
}

impl SessionBuilder {
    /// Refresh this long before expiry (default [`DEFAULT_REFRESH_SKEW`]).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// Builds the session. Nothing is read until the first call.
    pub fn build(self) -> Session {
        let (updates, _) = watch::channel(None);
        Session {
            inner: Arc::new(Inner {
                oauth: self.oauth,
                store: self.store,
                refresh_skew: self.refresh_skew,
                current: Mutex::new(None),
                single_flight: tokio::sync::Mutex::new(()),
                updates,
            }),
        }
    }
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("oauth", &self.oauth)
            .field("store", &self.store)
            .field("refresh_skew", &self.refresh_skew)
            .finish()
    }
}

impl Session {
    /// A session for the tokens in `store`, refreshed through `oauth`.
    pub fn new(oauth: OAuthClient, store: impl TokenStore + 'static) -> Self {
        Self::builder(oauth, store).build()
    }

    /// Starts a session with options.
    pub fn builder(oauth: OAuthClient, store: impl TokenStore + 'static) -> SessionBuilder {
        Self::builder_shared(oauth, Arc::new(store))
    }

    /// Like [`builder`](Self::builder), for a store already shared.
    pub fn builder_shared(oauth: OAuthClient, store: Arc<dyn TokenStore>) -> SessionBuilder {
        SessionBuilder { oauth, store, refresh_skew: DEFAULT_REFRESH_SKEW }
    }

    /// A session using the client settings kept in `store` (see
    /// [`ClientConfig`](crate::ClientConfig)) and the endpoints of the
    /// store's provider (Fitbit when the store names none).
    pub async fn from_store(store: impl TokenStore + 'static) -> Result<Self, Error> {
        Self::from_store_with(store, |builder| builder).await
    }

    /// Like [`from_store`](Self::from_store), letting `configure` adjust the
    /// OAuth client (endpoints, HTTP client) before it is built.
    pub async fn from_store_with(
        store: impl TokenStore + 'static,
        configure: impl FnOnce(OAuthClientBuilder) -> OAuthClientBuilder,
    ) -> Result<Self, Error> {
        let record = store.load().await?;
        let provider = record.provider();
        let client = record.client.ok_or_else(|| {
            Error::Config(
                "the token store holds no client id; sign in with your app's client id first".into(),
            )
        })?;
        let oauth = configure(client.oauth_client_builder_for(provider)).build()?;
        Ok(Self::new(oauth, store))
    }

    /// The OAuth client used for refreshes.
    pub fn oauth_client(&self) -> &OAuthClient {
        &self.inner.oauth
    }

    /// The token store.
    pub fn store(&self) -> &dyn TokenStore {
        self.inner.store.as_ref()
    }

    /// The refresh skew in use.
    pub fn refresh_skew(&self) -> Duration {
        self.inner.refresh_skew
    }

    /// A receiver that sees every token this session starts using after a
    /// refresh (its own, or one another process saved) or a sign-in, and
    /// `None` after [`sign_out`](Self::sign_out).
    ///
    /// ```
    /// # async fn run(session: fitbit_auth::Session) {
    /// let mut updates = session.token_updates();
    /// tokio::spawn(async move {
    ///     while updates.changed().await.is_ok() {
    ///         if let Some(tokens) = updates.borrow_and_update().as_ref() {
    ///             println!("new token, valid until {}", tokens.expires_at);
    ///         }
    ///     }
    /// });
    /// # }
    /// ```
    pub fn token_updates(&self) -> watch::Receiver<Option<TokenSet>> {
        self.inner.updates.subscribe()
    }

    /// The current tokens (from memory, else from the store), without refreshing.
    pub async fn tokens(&self) -> Result<Option<TokenSet>, Error> {
        if let Some(tokens) = self.cached() {
            return Ok(Some(tokens));
        }
        self.load_into_cache().await
    }

    /// The access token to send now, refreshed first when it is expired or
    /// about to be.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.usable_cached_token() {
            return Ok(token);
        }
        let current = match self.cached() {
            Some(tokens) => Some(tokens),
            None => self.load_into_cache().await?,
        };
        if let Some(tokens) = current
            && self.is_usable(&tokens, None)
        {
            return Ok(tokens.access_token);
        }
        Ok(self.refresh(None).await?.access_token)
    }

    /// Fitbit refused `rejected` as expired: returns a token to retry with,
    /// refreshing only if no newer token is already known (here or in the store).
    pub async fn refresh_after_rejection(&self, rejected: &AccessToken) -> Result<AccessToken, Error> {
        Ok(self.refresh(Some(rejected)).await?.access_token)
    }

    /// Gets a newer token than the current one, even if that one is still
    /// good: a refresh, unless another process has already stored a newer pair.
    pub async fn refresh_now(&self) -> Result<TokenSet, Error> {
        let current = self.tokens().await?.ok_or_else(not_signed_in)?;
        self.refresh(Some(&current.access_token)).await
    }

    /// Finishes a sign-in: checks the redirect, exchanges the code and saves
    /// the tokens (keeping the store's client settings).
    pub async fn sign_in(&self, pending: &PendingAuthorization, redirect: &str) -> Result<TokenSet, Error> {
        let tokens = self.inner.oauth.complete_authorization(pending, redirect).await?;
        self.save_tokens(tokens.clone()).await?;
        Ok(tokens)
    }

    /// Saves tokens obtained elsewhere and starts using them.
    pub async fn save_tokens(&self, tokens: TokenSet) -> Result<(), Error> {
        let _flight = self.inner.single_flight.lock().await;
        let mut locked = self.inner.store.lock().await?;
        let mut record = locked.load().await?;
        if record.token.is_some() {
            self.check_provider(&record)?;
        }
        record.provider = Some(self.provider());
        record.token = Some(tokens.clone());
        locked.save(&record).await?;
        drop(locked);
        self.adopt(&tokens);
        Ok(())
    }

    /// Revokes the grant at Fitbit and removes the tokens from the store
    /// (client settings stay). A grant Fitbit no longer knows counts as revoked.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let _flight = self.inner.single_flight.lock().await;
        let mut locked = self.inner.store.lock().await?;
        let mut record = locked.load().await?;
        if let Some(tokens) = &record.token {
            let revoked = match &tokens.refresh_token {
                Some(refresh_token) => self.inner.oauth.revoke(refresh_token).await,
                None => self.inner.oauth.revoke(&tokens.access_token).await,
            };
            match revoked {
                Ok(()) | Err(Error::SignInRequired { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        record.token = None;
        locked.save(&record).await?;
        drop(locked);
        *self.inner.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.inner.updates.send_replace(None);
        Ok(())
    }

    /// The single-flight refresh. `rejected` is the token Fitbit refused
    /// (reactive) or `None` (proactive).
    async fn refresh(&self, rejected: Option<&AccessToken>) -> Result<TokenSet, Error> {
        let _flight = self.inner.single_flight.lock().await;
        // Whoever held the mutex before us may have refreshed already.
        if let Some(tokens) = self.cached().filter(|t| self.is_usable(t, rejected)) {
            return Ok(tokens);
        }

        let mut locked = self.inner.store.lock().await?;
        // Another process may have refreshed while we waited for the lock.
        let mut record = locked.load().await?;
        self.check_provider(&record)?;
        let mut basis = record.token.clone().ok_or_else(not_signed_in)?;
        if self.is_usable(&basis, rejected) {
            tracing::debug!(user_id = user(&basis), "the store already holds a fresh token; using it");
            drop(locked);
            self.adopt(&basis);
            return Ok(basis);
        }

        // Fitbit's refresh tokens are single-use: a new pair that cannot be
        // saved is a lost sign-in. Make sure it could be, before spending.
        locked.ensure_writable().await.inspect_err(|err| {
            tracing::warn!(user_id = user(&basis), error = %err, "not refreshing: the token store cannot be written");
        })?;
        let mut reread = false;
        loop {
            let spending = basis.refresh_token.clone().ok_or_else(|| Error::SignInRequired {
                reason: "the stored token has no refresh token; sign in again".into(),
                api: None,
            })?;
            match self.refresh_with_replay(&spending).await {
                Ok(fresh) => return self.save_then_adopt(locked, record, &basis, fresh).await,
                Err(err) if !reread && is_refusal(&err) => {
                    // The refresh token may have been rotated by a process that
                    // does not share our lock: re-read before giving up.
                    reread = true;
                    record = locked.load().await?;
                    match record.token.clone() {
                        Some(newer) if newer.refresh_token.as_ref() != Some(&spending) => {
                            tracing::info!(
                                user_id = user(&newer),
                                "refresh token refused, but the store holds a newer pair"
                            );
                            if self.is_usable(&newer, rejected) {
                                drop(locked);
                                self.adopt(&newer);
                                return Ok(newer);
                            }
                            basis = newer;
                        }
                        _ => {
                            tracing::warn!(user_id = user(&basis), error = %err, "Fitbit refused the refresh token");
                            return Err(err);
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(user_id = user(&basis), error = %err, "refreshing the access token failed");
                    return Err(err);
                }
            }
        }
    }

    /// One refresh, repeated once with the same refresh token when the answer
    /// was lost on the way (a transport error, no HTTP status).
    async fn refresh_with_replay(&self, refresh_token: &RefreshToken) -> Result<TokenSet, Error> {
        match self.inner.oauth.refresh(refresh_token).await {
            Err(Error::Transient { status: None, message }) => {
                tracing::warn!(
                    %message,
                    "the refresh answer was lost; repeating the identical request once \
                     (Fitbit answers repeats within two minutes with the same pair)"
                );
                self.inner.oauth.refresh(refresh_token).await
            }
            other => other,
        }
    }

    /// Persists the new pair, and only then hands it out.
    async fn save_then_adopt(
        &self,
        mut locked: Box<dyn LockedStore + '_>,
        mut record: StoredCredentials,
        basis: &TokenSet,
        mut fresh: TokenSet,
    ) -> Result<TokenSet, Error> {
        // RFC 6749 §6: without a new refresh token the old one stays valid
        // (Google's normal answer; Fitbit always sends a new one).
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = basis.refresh_token.clone();
            fresh.refresh_token_expires_at = basis.refresh_token_expires_at;
        }
        // Fitbit's answers may omit `scope`; the grant did not change.
        if fresh.scopes.is_empty() {
            fresh.scopes = basis.scopes.clone();
        }
        let lost = fresh.scopes.missing_names(&basis.scopes);
        if self.provider() == Provider::Google && !lost.is_empty() {
            // The user withdrew part of the grant in their Google account. The
            // token still works for the rest: keep it, record the truth, say so.
            tracing::warn!(
                missing = %lost.join(" "),
                "the refreshed token no longer carries every scope granted at sign-in; \
                 calls that need the missing ones will fail until the user signs in again"
            );
        }
        if fresh.user_id.is_none() {
            fresh.user_id = basis.user_id.clone();
        }
        record.token = Some(fresh.clone());
        if let Err(err) = locked.save(&record).await {
            tracing::error!(
                user_id = user(&fresh),
                error = %err,
                "could not save the refreshed tokens; not using them (a retry within two minutes recovers the same pair)"
            );
            return Err(err);
        }
        drop(locked);
        tracing::info!(
            user_id = user(&fresh),
            provider = %self.provider(),
            expires_at = %fresh.expires_at,
            "refreshed the access token"
        );
        self.adopt(&fresh);
        Ok(fresh)
    }

    fn is_usable(&self, tokens: &TokenSet, rejected: Option<&AccessToken>) -> bool {
        rejected.is_none_or(|rejected| tokens.access_token != *rejected)
            && !tokens.needs_refresh_at(Utc::now(), self.inner.refresh_skew)
    }

    /// The cached access token when it needs no refresh. This runs before
    /// every request, so it checks under the lock and clones only the token.
    fn usable_cached_token(&self) -> Option<AccessToken> {
        let current = self.inner.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|current| current.is_fresh())
            .map(|current| current.tokens.access_token.clone())
    }

    /// The header for the cached access token when it needs no refresh.
    fn usable_cached_bearer(&self) -> Option<HeaderValue> {
        let current = self.inner.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|current| current.is_fresh()).map(|current| current.bearer.clone())
    }

    fn cached(&self) -> Option<TokenSet> {
        let current = self.inner.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().map(|current| current.tokens.clone())
    }

    /// First use: read the store without notifying observers (nothing changed).
    async fn load_into_cache(&self) -> Result<Option<TokenSet>, Error> {
        let record = self.inner.store.load().await?;
        if record.token.is_some() {
            self.check_provider(&record)?;
        }
        let Some(tokens) = record.token else {
            return Ok(None);
        };
        let mut current = self.inner.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.is_none() {
            *current = Some(Current::new(tokens.clone(), self.inner.refresh_skew));
            self.inner.updates.send_if_modified(|value| {
                *value = Some(tokens.clone());
                false
            });
        }
        Ok(current.as_ref().map(|current| current.tokens.clone()))
    }

    /// Starts using `tokens`; tells observers when the access token changed.
    fn adopt(&self, tokens: &TokenSet) {
        let changed = {
            let mut current = self.inner.current.lock().unwrap_or_else(PoisonError::into_inner);
            let changed = current.as_ref().is_none_or(|c| c.tokens.access_token != tokens.access_token);
            *current = Some(Current::new(tokens.clone(), self.inner.refresh_skew));
            changed
        };
        if changed {
            self.inner.updates.send_replace(Some(tokens.clone()));
        }
    }
}

impl Session {
    /// The provider this session signs in with.
    pub fn provider(&self) -> Provider {
        self.inner.oauth.provider()
    }

    /// Refuses a record that belongs to the other provider: its tokens must
    /// never be sent to the wrong server or overwritten.
    fn check_provider(&self, record: &StoredCredentials) -> Result<(), Error> {
        let (stored, ours) = (record.provider(), self.provider());
        if stored == ours {
            return Ok(());
        }
        Err(Error::Config(format!(
            "the token store holds {} tokens, but this session signs in with {}; use a separate token file \
             for each provider",
            stored.display_name(),
            ours.display_name()
        )))
    }
}

fn is_refusal(err: &Error) -> bool {
    matches!(err, Error::SignInRequired { .. } | Error::Conflict(_))
}

fn not_signed_in() -> Error {
    Error::SignInRequired { reason: "no token is stored; sign in first".into(), api: None }
}

fn user(tokens: &TokenSet) -> &str {
    tokens.user_id.as_deref().unwrap_or("-")
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user_id = self.cached().and_then(|t| t.user_id);
        f.debug_struct("Session")
            .field("provider", &self.provider())
            .field("client_id", &self.inner.oauth.client_id())
            .field("user_id", &user_id)
            .field("store", &self.inner.store)
            .field("refresh_skew", &self.inner.refresh_skew)
            .finish()
    }
}

impl Authorizer for Session {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        // Usually the cached token will do: box a small ready future rather
        // than the refreshing one (over two kilobytes) before every request.
        match self.usable_cached_token() {
            Some(token) => Box::pin(std::future::ready(Ok(token))),
            None => Box::pin(Session::access_token(self)),
        }
    }

    fn refresh_after_rejection<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(Session::refresh_after_rejection(self, rejected))
    }

    fn ready_bearer(&self) -> Option<HeaderValue> {
        self.usable_cached_bearer()
    }
}

//! OAuth 2.0 for the Fitbit Web API and the Google Health API, and the error
//! type every fitbit-rs crate shares.
//!
//! - [`Error`]: one classified error for API calls and auth flows, with
//!   [`Error::action`] saying what to do next; it parses both error envelopes
//!   Fitbit sends ([`ErrorEnvelope`]). A retired call (410) names its
//!   replacement from the [`migration`] map ([`Error::replacement`]).
//! - [`Authorizer`]: the seam `fitbit-api` uses to put a bearer token on each
//!   request and to refresh it after a 401 `expired_token`; [`StaticToken`] is
//!   the simplest implementation.
//! - Secrets ([`AccessToken`], [`RefreshToken`], [`ClientSecret`],
//!   [`PkceVerifier`], [`AuthorizationCode`]) print as `[redacted]`.
//!
//! Signing in and staying signed in:
//!
//! - [`OAuthClient`]: the authorize URL (typed [`Scope`]s, [`Prompt`], PKCE
//!   S256, random [`CsrfState`]), the callback check ([`parse_callback`]) and
//!   the token, revoke and introspect endpoints, for either [`Provider`]:
//!   Fitbit, or Google ([`OAuthClient::google`], typed [`GoogleScope`]s,
//!   offline access, partial-consent check, non-rotating refresh tokens).
//! - [`TokenSet`]: tokens with an absolute expiry and the scopes granted.
//! - [`TokenStore`]: where tokens live between runs; [`FileStore`] (atomic,
//!   0600, locked across processes) and [`MemoryStore`].
//! - [`Session`]: an [`Authorizer`] that refreshes once per expiry for every
//!   caller and process, saving each new pair before using it.
//!
//! ```no_run
//! # async fn run() -> Result<(), fitbit_auth::Error> {
//! use fitbit_auth::{ClientConfig, FileStore, OAuthClient, Scope, Session, TokenStoreExt};
//!
//! // Once: keep the app's settings in the file, then sign in.
//! let store = FileStore::new("/home/me/.config/fitbit/credentials.json");
//! let mut app = ClientConfig::new("23ABCD");
//! app.redirect_uri = Some("http://127.0.0.1:8080/callback".into());
//! store.update(|record| record.client = Some(app.clone())).await?;
//!
//! let session = Session::from_store(store).await?;
//! let pending = session.oauth_client().authorization_request().scopes([Scope::Activity, Scope::Sleep]).build()?;
//! println!("Open {} and paste the address you land on:", pending.url());
//! # let pasted = String::new();
//! session.sign_in(&pending, &pasted).await?;
//!
//! // Then, in every run: the session refreshes as needed.
//! let token = session.access_token().await?;
//! # let _ = token; Ok(()) }
//! ```

mod authorize;
mod authorizer;
mod callback;
mod envelope;
mod error;
mod google_scope;
pub mod migration;
mod oauth_client;
mod pkce;
mod provider;
mod redact;
mod scope;
mod secret;
mod session;
mod state;
mod store;
mod text;
mod token;

pub use authorizer::{Authorizer, StaticToken};
pub use envelope::{ErrorEnvelope, ErrorField, ErrorItem, GoogleError};
pub use error::{
    Action, ApiError, AuthorizationError, Error, HOOK_ERROR_HEADER, MAX_RATE_LIMIT_RESET, OPERATION_HEADER,
    RATE_LIMIT_RESET_HEADER, rate_limit_reset,
};
pub use secret::{AccessToken, AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken};

pub use authorize::{AuthorizationRequest, PendingAuthorization, Prompt};
pub use callback::parse_callback;
pub use google_scope::{GOOGLE_HEALTH_SCOPE_PREFIX, GoogleScope};
pub use oauth_client::{
    Endpoints, FITBIT_API, FITBIT_WWW, GOOGLE_AUTHORIZE_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL,
    OAuthClient, OAuthClientBuilder,
};
pub use pkce::{MAX_VERIFIER_LEN, MIN_VERIFIER_LEN, PkceChallenge, s256_challenge};
pub use provider::Provider;
pub use scope::{Scope, ScopeItem, Scopes, UnknownScope};
pub use session::{DEFAULT_REFRESH_SKEW, Session, SessionBuilder};
pub use state::CsrfState;
pub use store::{
    ClientConfig, FileStore, LockedStore, MemoryStore, StoredCredentials, TokenStore, TokenStoreExt,
};
pub use text::sanitize_text;
pub use token::{IntrospectedScope, Introspection, OAuthToken, TokenSet};

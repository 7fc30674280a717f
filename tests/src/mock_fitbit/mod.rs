//! A strict stand-in for Fitbit's OAuth server and a sliver of the Web API,
//! served on `127.0.0.1:<random port>`.
//!
//! It enforces what the real service documents, so that a client that passes
//! against it gets the details right:
//!
//! - `GET /oauth2/authorize` checks the client, the registered redirect URI,
//!   `response_type=code`, scopes, `prompt`, and PKCE (`S256` only), then
//!   answers `302` to `redirect_uri?code=…&state=…#_=_` (or `error=…`).
//! - `POST /oauth2/token` requires `Content-Length` and a form body;
//!   confidential apps must use HTTP Basic, public apps must send `client_id`
//!   in the body and no `Authorization`. Codes are single-use, expire after
//!   10 minutes, check the PKCE verifier against the challenge and the exact
//!   `redirect_uri`. Refresh tokens are single-use; an identical refresh
//!   within the replay window (2 minutes) gets the same answer again; later
//!   ones get `invalid_grant`.
//! - `POST /oauth2/revoke` ends the user's whole grant for the app.
//! - `POST /1.1/oauth2/introspect` needs a valid bearer token.
//! - `GET /1/user/-/profile.json` (or the encoded user id) needs a valid
//!   bearer with the `profile` scope: `401 expired_token` after expiry,
//!   `401 invalid_token` for unknown or revoked tokens. API answers carry
//!   `Fitbit-Rate-Limit-*` headers and turn into `429` past the hourly quota.
//! - Any other `GET` a test registers with [`MockFitbit::serve_json`] (a
//!   recorded day of data, for example), with the same checks and its own
//!   scope.
//!
//! Tests control time ([`MockFitbit::advance_clock`]), inject faults
//! ([`MockFitbit::drop_connection_after_next_refreshes`],
//! [`MockFitbit::script_token_answer`], [`MockFitbit::pause_refreshes`]) and
//! read [`Counters`] and the [`RecordedRequest`]s.
//!
//! ```no_run
//! # async fn run() {
//! use fitbit_tests::mock_fitbit::{MockConfig, MockFitbit, CONFIDENTIAL_CLIENT_ID};
//!
//! let mock = MockFitbit::start(MockConfig::default()).await;
//! let grant = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile", "activity"]);
//! let profile = reqwest::Client::new()
//!     .get(mock.url("/1/user/-/profile.json"))
//!     .bearer_auth(&grant.access_token)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(profile.status(), 200);
//! assert_eq!(mock.counters().api_requests, 1);
//! # }
//! ```

mod api;
mod http;
mod oauth;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use oauth::SCOPES;
use state::State;

/// Client id of the default confidential ("server") app.
pub const CONFIDENTIAL_CLIENT_ID: &str = "23CONF";
/// Client secret of the default confidential app.
pub const CONFIDENTIAL_CLIENT_SECRET: &str = "mock-client-secret-7f3a9c2e5b1d40869e2a";
/// Client id of the default public ("client") app, which has no secret.
pub const PUBLIC_CLIENT_ID: &str = "23PUBL";
/// The redirect URI both default apps have registered.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";
/// The encoded id of the default user.
pub const USER_ID: &str = "GGNJL9";

/// An app registered with the mock.
#[derive(Clone, Debug)]
pub struct MockApp {
    /// The OAuth client id.
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<String>,
    /// Registered redirect URIs, compared byte for byte.
    pub redirect_uris: Vec<String>,
}

impl MockApp {
    /// A server-type app that authenticates with HTTP Basic.
    pub fn confidential(client_id: &str, client_secret: &str, redirect_uri: &str) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            redirect_uris: vec![redirect_uri.into()],
        }
    }

    /// A client-type app that sends `client_id` in the form body.
    pub fn public(client_id: &str, redirect_uri: &str) -> Self {
        Self { client_id: client_id.into(), client_secret: None, redirect_uris: vec![redirect_uri.into()] }
    }
}

/// How the mock behaves. Fields are public: adjust the default with
/// `MockConfig { access_token_lifetime: …, ..MockConfig::default() }`.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Registered apps (default: one confidential, one public).
    pub apps: Vec<MockApp>,
    /// The user who signs in.
    pub user_id: String,
    /// `expires_in` of issued access tokens (default 8 hours).
    pub access_token_lifetime: Duration,
    /// How long a spent refresh token still gets its first answer again (default 2 minutes).
    pub replay_window: Duration,
    /// How long an authorization code stays valid (default 10 minutes).
    pub code_lifetime: Duration,
    /// Scopes the user agrees to on the consent page; `None` grants everything asked.
    pub user_grants: Option<Vec<String>>,
    /// Leave `scope` out of token answers, as Fitbit's current example does.
    pub omit_scope_in_token_answers: bool,
    /// Refuse authorize requests without a PKCE challenge.
    pub require_pkce: bool,
    /// The user clicks "Deny" on the consent page.
    pub deny_consent: bool,
    /// API requests per user per (mock) clock hour.
    pub rate_limit_per_hour: u32,
    /// The `user` object of the profile answer (`encodedId` is set to the user id).
    pub profile: serde_json::Value,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            apps: vec![
                MockApp::confidential(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, REDIRECT_URI),
                MockApp::public(PUBLIC_CLIENT_ID, REDIRECT_URI),
            ],
            user_id: USER_ID.into(),
            access_token_lifetime: Duration::from_secs(8 * 3600),
            replay_window: Duration::from_secs(120),
            code_lifetime: Duration::from_secs(600),
            user_grants: None,
            omit_scope_in_token_answers: false,
            require_pkce: true,
            deny_consent: false,
            rate_limit_per_hour: 150,
            profile: json!({
                "displayName": "Mock User",
                "fullName": "Mock User",
                "timezone": "UTC",
                "offsetFromUTCMillis": 0,
                "memberSince": "2020-01-01",
                "locale": "en_US",
                "avatar": "https://static0.fitbit.com/images/profile/defaultProfile_100.png",
            }),
        }
    }
}

/// What the mock has seen and done, for assertions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// `GET /oauth2/authorize` requests.
    pub authorize_requests: usize,
    /// Every `POST /oauth2/token`.
    pub token_requests: usize,
    /// Codes exchanged successfully.
    pub code_exchanges: usize,
    /// `grant_type=refresh_token` requests received (counted on arrival).
    pub refresh_requests: usize,
    /// Refreshes that rotated a pair.
    pub refresh_rotations: usize,
    /// Refreshes answered from the replay window.
    pub refresh_replays: usize,
    /// Refreshes refused with `invalid_grant`.
    pub refresh_refusals: usize,
    /// Client-credentials tokens issued.
    pub client_credentials: usize,
    /// `POST /oauth2/revoke` requests that succeeded.
    pub revocations: usize,
    /// `POST /1.1/oauth2/introspect` requests answered.
    pub introspections: usize,
    /// Web API requests (profile), whatever the answer.
    pub api_requests: usize,
    /// Connections dropped on purpose.
    pub dropped_connections: usize,
}

/// A request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without query.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The decoded form fields of the body.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The first value of a form field.
    pub fn form_field(&self, name: &str) -> Option<String> {
        self.form().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Tokens issued directly by [`MockFitbit::issue_tokens`], as if the user had
/// signed in.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// The user.
    pub user_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

impl IssuedTokens {
    /// The answer the token endpoint would have given.
    pub fn token_answer(&self) -> serde_json::Value {
        json!({
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "token_type": "Bearer",
            "user_id": self.user_id,
        })
    }
}

/// A running mock; it stops when dropped.
pub struct MockFitbit {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

/// State shared with the connection tasks.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Woken after every request, for [`MockFitbit::wait_until`].
    changed: Notify,
    /// `true` while refreshes may proceed.
    refresh_gate: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl MockFitbit {
    /// Binds `127.0.0.1:0` and serves until dropped.
    pub async fn start(config: MockConfig) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(config)),
            changed: Notify::new(),
            refresh_gate: watch::channel(true).0,
        });
        let (addr, server) = http::serve(shared.clone()).await.expect("bind a loopback port for the mock");
        Self { shared, addr, server }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Issues a token pair for the configured user, as if they had signed in
    /// to `client_id` granting `scopes`.
    pub fn issue_tokens(&self, client_id: &str, scopes: &[&str]) -> IssuedTokens {
        let mut state = self.shared.state();
        let user = state.config.user_id.clone();
        let scopes = scopes.iter().map(|s| s.to_string()).collect();
        state.issue_pair(client_id, &user, scopes).issued()
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.shared.state().counters.clone()
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// Forgets the requests recorded so far (counters stay), so that a long
    /// load (a benchmark) does not pile them up.
    pub fn clear_requests(&self) {
        self.shared.state().requests = Vec::new();
    }

    /// The requests to one path.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// Moves the mock's clock forward (token and code expiry, replay window,
    /// rate-limit hour).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.state().clock_offset += by;
    }

    /// Makes every access token issued so far expire now.
    pub fn expire_access_tokens(&self) {
        let mut state = self.shared.state();
        let now = state.now();
        for token in state.access.values_mut() {
            token.expires_at = token.expires_at.min(now);
        }
    }

    /// Whether `token` is an access token the API would accept now.
    pub fn is_access_token_valid(&self, token: &str) -> bool {
        let state = self.shared.state();
        state.check_bearer(token).is_ok()
    }

    /// Whether `token` is a refresh token that has not been spent or revoked.
    pub fn is_refresh_token_live(&self, token: &str) -> bool {
        let state = self.shared.state();
        state.refresh.get(token).is_some_and(|r| r.spent.is_none() && !r.revoked)
    }

    /// The next `n` refreshes are carried out (the pair rotates) but the
    /// connection is closed before the answer is sent.
    pub fn drop_connection_after_next_refreshes(&self, n: usize) {
        self.shared.state().faults.drop_after_refresh += n;
    }

    /// The next `POST /oauth2/token` gets this answer instead of being
    /// processed (after being counted).
    pub fn script_token_answer(&self, status: u16, content_type: &str, body: impl Into<Bytes>) {
        self.script_token_answer_with_headers(status, content_type, body, &[]);
    }

    /// As [`script_token_answer`](Self::script_token_answer), with extra
    /// headers (a `Location`, a rate-limit header…).
    pub fn script_token_answer_with_headers(
        &self,
        status: u16,
        content_type: &str,
        body: impl Into<Bytes>,
        headers: &[(&str, &str)],
    ) {
        self.shared.state().faults.scripted_token_answers.push_back(state::ScriptedAnswer {
            status,
            content_type: content_type.into(),
            body: body.into(),
            headers: headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
        });
    }

    /// Holds refresh requests (after counting them) until [`resume_refreshes`](Self::resume_refreshes).
    pub fn pause_refreshes(&self) {
        self.shared.refresh_gate.send_replace(false);
    }

    /// Lets held and future refresh requests proceed.
    pub fn resume_refreshes(&self) {
        self.shared.refresh_gate.send_replace(true);
    }

    /// Answers `GET path_and_query` (query parameters in any order) with
    /// `body` for a token that holds `scope`, as the Web API would: the
    /// bearer is checked (`401 expired_token` / `invalid_token`), a token
    /// without the scope gets `403 insufficient_scope`, and the request
    /// counts in the hourly quota. A later registration of the same request
    /// wins.
    pub fn serve_json(&self, path_and_query: &str, scope: &str, body: serde_json::Value) {
        self.serve_json_for_units(path_and_query, scope, None, body);
    }

    /// As [`serve_json`](Self::serve_json), for requests whose
    /// `Accept-Language` is `units` (`en_US`, `en_GB`) when given: the
    /// legacy API answered in the unit system that header named.
    pub fn serve_json_for_units(
        &self,
        path_and_query: &str,
        scope: &str,
        units: Option<&str>,
        body: serde_json::Value,
    ) {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let mut query: Vec<(String, String)> =
            url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        query.sort();
        let units = units.map(str::to_string);
        let mut state = self.shared.state();
        state.answers.retain(|a| !(a.path == path && a.query == query && a.units == units));
        state.answers.push(api::RecordedAnswer {
            path: path.into(),
            query,
            scope: scope.into(),
            units,
            body,
        });
    }

    /// Makes the user deny (or grant) consent on later authorize requests.
    pub fn set_deny_consent(&self, deny: bool) {
        self.shared.state().config.deny_consent = deny;
    }

    /// Waits until `condition` holds for the counters (checked after every request).
    pub async fn wait_until(&self, condition: impl Fn(&Counters) -> bool) {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a request finishing in between is not missed.
            notified.as_mut().enable();
            if condition(&self.counters()) {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for MockFitbit {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::fmt::Debug for MockFitbit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockFitbit").field("addr", &self.addr).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

//! A strict stand-in for Google OAuth 2.0 and the Google Health API v4,
//! served on `127.0.0.1:<random port>` over HTTP/1.1.
//!
//! It enforces what Google documents, so that a client that passes against
//! it gets the details right:
//!
//! - `GET /o/oauth2/v2/auth` checks the client, the redirect URI (exact for
//!   Web clients, any loopback `http://127.0.0.1:<port>` or `http://[::1]:<port>`
//!   for Desktop clients), `response_type=code`, the scopes, PKCE (`S256`
//!   only), `access_type`, `include_granted_scopes` and `prompt`, then answers
//!   `302` to `redirect_uri?state=…&code=…&scope=…` (or `error=…`). A bad
//!   client or redirect URI gets an HTML page, never a redirect.
//! - `POST /token` wants a form body with `client_id` + `client_secret`
//!   (HTTP Basic is accepted and counted). Codes are single-use, live 10
//!   minutes and check the PKCE verifier and the exact `redirect_uri`.
//!   Refresh tokens do not rotate; revoked, expired (7 days for clients in
//!   "Testing") or idle ones get `400 invalid_grant`.
//! - `POST /revoke` ends the whole grant; `GET /revoke` is a 404.
//! - `/v4/...` serves the Health API paths exactly as Google's Rust client
//!   sends them, with Google's error envelope, per-data-type scope checks,
//!   AIP-160 filters, opaque page tokens bound to the other parameters,
//!   points newest first, rollups, daily rollups (at most 90 or 14 per page),
//!   TCX export (`alt=media`), writes answered with done `Operation`s, and
//!   webhook subscribers. With `$alt=json;enum-encoding=int` every enum in
//!   an answer is a number; request bodies may use either form.
//!
//! Schemas come from Google's Discovery document
//! (`spec/google-health/discovery-v4-20261030.json`): every request body and
//! every seeded point is checked against it. The default user is seeded with
//! a weekend of data for every type of the `DataPoint` union
//! (`tests/fixtures/google-health/points/<data-type>.json`).
//!
//! ```no_run
//! # async fn run() {
//! use fitbit_tests::mock_google::{scopes, MockGoogle, MockGoogleConfig, DESKTOP_CLIENT_ID};
//!
//! let mock = MockGoogle::start(MockGoogleConfig::default()).await;
//! let grant = mock.issue_tokens(DESKTOP_CLIENT_ID, &[scopes::ACTIVITY_AND_FITNESS_READONLY]);
//! let steps = reqwest::Client::new()
//!     .get(mock.url("/v4/users/me/dataTypes/steps/dataPoints"))
//!     .bearer_auth(&grant.access_token)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(steps.status(), 200);
//! assert_eq!(mock.counters().api_requests, 1);
//! # }
//! ```

mod api;
mod discovery;
mod errors;
mod filter;
mod http;
mod oauth;
mod paging;
mod points;
mod profile;
mod project;
mod rollup;
pub mod scopes;
mod seed;
mod state;
mod subscribers;
mod synthetic;
pub use synthetic::{MakePoint, Series};
mod time;
pub mod webhooks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use state::State;

/// Client id of the default Desktop ("installed app") client.
pub const DESKTOP_CLIENT_ID: &str = "1234-desktop.apps.googleusercontent.com";
/// Client secret of the Desktop client (Google gives Desktop clients one too).
pub const DESKTOP_CLIENT_SECRET: &str = "GOCSPX-mock-desktop-5b2f0c9e71a4";
/// Client id of the default Web-server client.
pub const WEB_CLIENT_ID: &str = "1234-web.apps.googleusercontent.com";
/// Client secret of the Web client.
pub const WEB_CLIENT_SECRET: &str = "GOCSPX-mock-web-8d13e6a0c2f7";
/// The one redirect URI the Web client has registered.
pub const WEB_REDIRECT_URI: &str = "https://app.example.com/oauth/callback";
/// Client id of a Desktop-type client registered without a secret: it must send none.
pub const PUBLIC_CLIENT_ID: &str = "1234-public.apps.googleusercontent.com";
/// Client id of a Desktop client whose consent screen is in "Testing": its
/// refresh tokens expire after 7 days (`refresh_token_expires_in`).
pub const TESTING_CLIENT_ID: &str = "1234-testing.apps.googleusercontent.com";
/// Client secret of the testing client.
pub const TESTING_CLIENT_SECRET: &str = "GOCSPX-mock-testing-3e9a4d7b10c6";
/// The default user's `healthUserId` (`users/{healthUserId}` in resource names).
pub const HEALTH_USER_ID: &str = "4815162342";
/// The default user's legacy Fitbit user id (`Identity.legacyUserId`).
pub const LEGACY_USER_ID: &str = "GGNJL9";
/// A Google Cloud project number for webhook subscribers.
pub const PROJECT_NUMBER: &str = "271828182845";
/// An access token with the `cloud-platform` scope that project calls take
/// (as `gcloud auth print-access-token` would give).
pub const CLOUD_ACCESS_TOKEN: &str = "ya29.mock-cloud-platform-7c1e9a";
/// The service account of `tests/fixtures/google-health/service-account-key.json`.
pub const SERVICE_ACCOUNT_EMAIL: &str = "webhooks@fitbit-rs-stand-in.iam.gserviceaccount.com";
/// Its key id.
pub const SERVICE_ACCOUNT_KEY_ID: &str = "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0";

/// A service account whose self-signed JWTs project calls take.
#[derive(Clone, Debug)]
pub struct MockServiceAccount {
    /// `client_email` of its key.
    pub client_email: String,
    /// `private_key_id` of its key.
    pub private_key_id: String,
}

/// The path of the service-account key file that goes with
/// [`SERVICE_ACCOUNT_EMAIL`] (a throwaway key, registered nowhere else).
pub fn service_account_key_path() -> std::path::PathBuf {
    crate::fixtures::dir("google-health").join("service-account-key.json")
}

/// What kind of OAuth client an app registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    /// An installed app: any loopback redirect URI (`http://127.0.0.1:<port>[/path]`
    /// or `http://[::1]:<port>[/path]`) is accepted.
    Desktop,
    /// A web server: only the registered redirect URIs, byte for byte.
    Web,
}

/// An OAuth client registered with the mock.
#[derive(Clone, Debug)]
pub struct MockGoogleApp {
    /// The client id (`….apps.googleusercontent.com`).
    pub client_id: String,
    /// The client secret; `None` for a client registered without one.
    pub client_secret: Option<String>,
    /// Desktop or Web.
    pub client_type: ClientType,
    /// Registered redirect URIs (Web clients).
    pub redirect_uris: Vec<String>,
    /// The consent screen's publishing status is "Testing": refresh tokens
    /// expire after [`MockGoogleConfig::testing_refresh_token_lifetime`].
    pub testing: bool,
}

impl MockGoogleApp {
    /// A Desktop client with a secret.
    pub fn desktop(client_id: &str, client_secret: &str) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            client_type: ClientType::Desktop,
            redirect_uris: Vec::new(),
            testing: false,
        }
    }

    /// A Desktop client registered without a secret.
    pub fn public_desktop(client_id: &str) -> Self {
        Self { client_secret: None, ..Self::desktop(client_id, "") }
    }

    /// A Web-server client with one registered redirect URI.
    pub fn web(client_id: &str, client_secret: &str, redirect_uri: &str) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            client_type: ClientType::Web,
            redirect_uris: vec![redirect_uri.into()],
            testing: false,
        }
    }

    /// The same client with its consent screen in "Testing".
    pub fn in_testing(mut self) -> Self {
        self.testing = true;
        self
    }
}

/// Page-size defaults and caps, as Google documents them.
#[derive(Clone, Debug)]
pub struct PageSizes {
    /// `dataPoints.list`/`reconcile` default (1440).
    pub points_default: usize,
    /// `dataPoints.list`/`reconcile` maximum (10000; larger values are truncated).
    pub points_max: usize,
    /// Default and maximum for `exercise` and `sleep` (25).
    pub sessions_max: usize,
    /// `rollUp` default (1440).
    pub rollup_default: usize,
    /// `rollUp` maximum (10000).
    pub rollup_max: usize,
    /// `dailyRollUp` default and maximum (90).
    pub daily_rollup_max: usize,
    /// `dailyRollUp` default and maximum for `calories-in-heart-rate-zone`,
    /// `heart-rate`, `active-minutes` and `total-calories` (14).
    pub daily_rollup_small_max: usize,
    /// `pairedDevices.list` default (5).
    pub devices_default: usize,
    /// `pairedDevices.list` maximum (100).
    pub devices_max: usize,
    /// `subscribers.list`/`subscriptions.list` default (50).
    pub subscribers_default: usize,
    /// `subscribers.list`/`subscriptions.list` maximum (1000).
    pub subscribers_max: usize,
}

impl Default for PageSizes {
    fn default() -> Self {
        Self {
            points_default: 1440,
            points_max: 10000,
            sessions_max: 25,
            rollup_default: 1440,
            rollup_max: 10000,
            daily_rollup_max: 90,
            daily_rollup_small_max: 14,
            devices_default: 5,
            devices_max: 100,
            subscribers_default: 50,
            subscribers_max: 1000,
        }
    }
}

/// How the mock behaves. Fields are public: adjust the default with
/// `MockGoogleConfig { access_token_lifetime: …, ..MockGoogleConfig::default() }`.
#[derive(Clone, Debug)]
pub struct MockGoogleConfig {
    /// Registered clients (default: Desktop, Web, public Desktop, testing Desktop).
    pub apps: Vec<MockGoogleApp>,
    /// The signed-in user's `healthUserId`.
    pub health_user_id: String,
    /// The signed-in user's legacy Fitbit id.
    pub legacy_user_id: String,
    /// How long access tokens work (default 3600 s; answers say `expires_in` one second less).
    pub access_token_lifetime: Duration,
    /// How long an authorization code can be exchanged (default 10 minutes).
    pub code_lifetime: Duration,
    /// Refresh-token lifetime for clients in "Testing" (default 7 days).
    pub testing_refresh_token_lifetime: Duration,
    /// A refresh token unused for this long stops working (default 183 days).
    pub refresh_token_idle_limit: Duration,
    /// Live refresh tokens per client and user; issuing one more invalidates the oldest (default 100).
    pub refresh_tokens_per_grant: usize,
    /// Refuse authorize requests without a PKCE challenge (default true).
    pub require_pkce: bool,
    /// API requests per user per (mock) minute (default 300); `None` for no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// Page-size defaults and caps.
    pub page_sizes: PageSizes,
    /// Seed the user with the fixture data points (default true).
    pub seed_points: bool,
    /// Access tokens project calls take (default: [`CLOUD_ACCESS_TOKEN`]).
    pub cloud_access_tokens: Vec<String>,
    /// Service accounts whose self-signed JWTs project calls take (default:
    /// the one of [`service_account_key_path`]).
    pub service_accounts: Vec<MockServiceAccount>,
}

impl Default for MockGoogleConfig {
    fn default() -> Self {
        Self {
            apps: vec![
                MockGoogleApp::desktop(DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET),
                MockGoogleApp::web(WEB_CLIENT_ID, WEB_CLIENT_SECRET, WEB_REDIRECT_URI),
                MockGoogleApp::public_desktop(PUBLIC_CLIENT_ID),
                MockGoogleApp::desktop(TESTING_CLIENT_ID, TESTING_CLIENT_SECRET).in_testing(),
            ],
            health_user_id: HEALTH_USER_ID.into(),
            legacy_user_id: LEGACY_USER_ID.into(),
            access_token_lifetime: Duration::from_secs(3600),
            code_lifetime: Duration::from_secs(600),
            testing_refresh_token_lifetime: Duration::from_secs(7 * 24 * 3600),
            refresh_token_idle_limit: Duration::from_secs(183 * 24 * 3600),
            refresh_tokens_per_grant: 100,
            require_pkce: true,
            rate_limit_per_minute: Some(300),
            page_sizes: PageSizes::default(),
            seed_points: true,
            cloud_access_tokens: vec![CLOUD_ACCESS_TOKEN.into()],
            service_accounts: vec![MockServiceAccount {
                client_email: SERVICE_ACCOUNT_EMAIL.into(),
                private_key_id: SERVICE_ACCOUNT_KEY_ID.into(),
            }],
        }
    }
}

/// What the mock has seen and done, for assertions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// `GET /o/oauth2/v2/auth` requests.
    pub authorize_requests: usize,
    /// Authorization codes handed out.
    pub codes_issued: usize,
    /// Every `POST /token`.
    pub token_requests: usize,
    /// `/token` requests that authenticated the client with HTTP Basic (accepted, but not Google's documented way).
    pub basic_auth_token_requests: usize,
    /// Codes exchanged successfully.
    pub code_exchanges: usize,
    /// `grant_type=refresh_token` requests received.
    pub refresh_requests: usize,
    /// Refreshes answered with a new access token.
    pub refreshes: usize,
    /// Refreshes refused with `invalid_grant`.
    pub refresh_refusals: usize,
    /// Refresh tokens issued (code exchanges with offline access, and [`MockGoogle::issue_tokens`]).
    pub refresh_tokens_issued: usize,
    /// `POST /revoke` requests that revoked a grant.
    pub revocations: usize,
    /// Requests to `/v4/...`, whatever the answer.
    pub api_requests: usize,
    /// `/v4/...` answers by HTTP status.
    pub api_statuses: BTreeMap<u16, usize>,
    /// API answers replaced by [`MockGoogle::fail_next_api_requests`].
    pub injected_failures: usize,
    /// Requests to `/v4/projects/...` (webhook subscribers).
    pub subscriber_requests: usize,
    /// Project calls authorized with a registered Cloud access token.
    pub cloud_token_calls: usize,
    /// Project calls authorized with a service account's self-signed JWT.
    pub service_account_calls: usize,
    /// Connections closed without an answer on purpose.
    pub dropped_connections: usize,
}

impl Counters {
    /// How many API answers had this status.
    pub fn api_status(&self, status: u16) -> usize {
        self.api_statuses.get(&status).copied().unwrap_or(0)
    }
}

/// A request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without query (not decoded).
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

    /// The decoded query parameters, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The decoded form fields of the body.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The first value of a form field.
    pub fn form_field(&self, name: &str) -> Option<String> {
        self.form().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Tokens issued directly by [`MockGoogle::issue_tokens`], as if the user had
/// consented with `access_type=offline`.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    /// The access token (`ya29.…`).
    pub access_token: String,
    /// The refresh token (`1//…`).
    pub refresh_token: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// `expires_in` of the access token, in seconds.
    pub expires_in: u64,
    /// `refresh_token_expires_in`, for clients in "Testing".
    pub refresh_token_expires_in: Option<u64>,
}

impl IssuedTokens {
    /// The answer the token endpoint would have given for a code exchange.
    pub fn token_answer(&self) -> Value {
        let mut answer = json!({
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "token_type": "Bearer",
        });
        if let Some(seconds) = self.refresh_token_expires_in {
            answer["refresh_token_expires_in"] = json!(seconds);
        }
        answer
    }
}

/// The kebab-case names of the data types in the Discovery document's
/// `DataPoint` union (the ones `dataPoints.list` serves), sorted.
pub fn data_types() -> Vec<&'static str> {
    discovery::get().data_types().iter().map(|t| t.kebab.as_str()).collect()
}

/// A running mock; it stops when dropped.
pub struct MockGoogle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

/// State shared with the connection tasks.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Woken after every request, for [`MockGoogle::wait_until`].
    changed: Notify,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl MockGoogle {
    /// Binds `127.0.0.1:0` and serves until dropped.
    pub async fn start(config: MockGoogleConfig) -> Self {
        let shared = Arc::new(Shared { state: Mutex::new(State::new(config)), changed: Notify::new() });
        let (addr, server) = http::serve(shared.clone()).await.expect("bind a loopback port for the mock");
        Self { shared, addr, server }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash (the Health API paths are `/v4/...`).
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

    /// The authorization endpoint, `{base}/o/oauth2/v2/auth`.
    pub fn authorize_url(&self) -> String {
        self.url("/o/oauth2/v2/auth")
    }

    /// The token endpoint, `{base}/token`.
    pub fn token_url(&self) -> String {
        self.url("/token")
    }

    /// The revocation endpoint, `{base}/revoke`.
    pub fn revoke_url(&self) -> String {
        self.url("/revoke")
    }

    /// Grants `scopes` (full scope URLs) to `client_id` for the user, as a
    /// consent with `access_type=offline` would, and returns fresh tokens.
    ///
    /// Panics on an unregistered client or an unknown scope.
    pub fn issue_tokens(&self, client_id: &str, scopes: &[&str]) -> IssuedTokens {
        let mut state = self.shared.state();
        assert!(state.app(client_id).is_some(), "{client_id} is not a registered client");
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        if let Some(unknown) = scopes.iter().find(|s| !scopes::is_known(s)) {
            panic!("{unknown} is not a Google Health scope");
        }
        state.record_grant(client_id, &scopes);
        let issued = state.issue_tokens(client_id, scopes, true);
        IssuedTokens {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token.unwrap_or_default(),
            scope: issued.scopes.join(" "),
            expires_in: issued.expires_in,
            refresh_token_expires_in: issued.refresh_token_expires_in,
        }
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.shared.state().counters.clone()
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// The requests to one path.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// Forgets the requests recorded so far (counters stay).
    pub fn clear_requests(&self) {
        self.shared.state().requests = Vec::new();
    }

    /// The mock's clock (wall clock plus [`advance_clock`](Self::advance_clock)).
    pub fn now(&self) -> SystemTime {
        self.shared.state().now()
    }

    /// Moves the mock's clock forward (token, code and refresh-token expiry, rate-limit minute).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.state().clock_offset += by;
    }

    /// Makes every access token issued so far expire now (refresh tokens keep working).
    pub fn expire_access_tokens(&self) {
        let mut state = self.shared.state();
        let now = state.now();
        for token in state.access.values_mut() {
            token.expires_at = token.expires_at.min(now);
        }
    }

    /// Revokes every grant (as if the user removed the app's access): access
    /// tokens get `401`, refresh tokens `invalid_grant`, and the next consent
    /// starts from nothing.
    pub fn revoke_all_grants(&self) {
        let mut state = self.shared.state();
        let clients: Vec<String> = state.config.apps.iter().map(|a| a.client_id.clone()).collect();
        for client in clients {
            state.revoke_grant(&client);
        }
    }

    /// On the next consent screen the user unticks every requested scope
    /// except these (granular consent). An empty list denies everything.
    pub fn grant_only(&self, scopes: &[&str]) {
        self.shared.state().faults.grant_only = Some(scopes.iter().map(|s| s.to_string()).collect());
    }

    /// Makes the user deny (or grant) consent on later authorize requests.
    pub fn set_deny_consent(&self, deny: bool) {
        self.shared.state().faults.deny_consent = deny;
    }

    /// While on, user-data API calls answer `400 FAILED_PRECONDITION` with
    /// reason `ACCOUNT_NOT_LINKED` (the Google account has no Fitbit/Health profile).
    pub fn set_account_not_linked(&self, on: bool) {
        self.shared.state().faults.account_not_linked = on;
    }

    /// While on, API calls answer `403 PERMISSION_DENIED` with reason
    /// `SERVICE_DISABLED` (the API is not enabled in the client's project).
    pub fn set_service_disabled(&self, on: bool) {
        self.shared.state().faults.service_disabled = on;
    }

    /// The next `n` API requests (after routing) get `status` with Google's
    /// envelope: 429 `RESOURCE_EXHAUSTED`/`RATE_LIMIT_EXCEEDED`, 500 `INTERNAL`,
    /// 503 `UNAVAILABLE`, 504 `DEADLINE_EXCEEDED`, 403, 401, 400….
    pub fn fail_next_api_requests(&self, status: u16, n: usize) {
        let mut state = self.shared.state();
        state.faults.api_failures.extend(std::iter::repeat_n(status, n));
    }

    /// The next `POST /token` gets this answer instead of being processed
    /// (it is still counted and recorded).
    pub fn script_token_answer(&self, status: u16, content_type: &str, body: impl Into<Bytes>) {
        self.shared.state().faults.scripted_token_answers.push_back(state::ScriptedAnswer {
            status,
            content_type: content_type.into(),
            body: body.into(),
        });
    }

    /// The next `n` token requests are processed (a code is spent, tokens
    /// are issued) but the connection is closed before the answer is sent.
    pub fn drop_next_token_connections(&self, n: usize) {
        self.shared.state().faults.drop_token_connections += n;
    }

    /// Whether `token` is an access token the API would accept now.
    pub fn is_access_token_valid(&self, token: &str) -> bool {
        self.shared.state().check_access(token).is_ok()
    }

    /// Whether `token` is a refresh token the token endpoint would accept now.
    pub fn is_refresh_token_live(&self, token: &str) -> bool {
        let state = self.shared.state();
        state.refresh_problem(token).is_none()
    }

    /// The scopes the user has granted `client_id` so far (empty after revocation).
    pub fn granted_scopes(&self, client_id: &str) -> Vec<String> {
        let state = self.shared.state();
        state.grants.get(client_id).map(|g| g.scopes.iter().cloned().collect()).unwrap_or_default()
    }

    /// Adds points of `data_type` (kebab-case) for the user, in the documented
    /// camelCase `DataPoint` shape. Each is checked against the Discovery
    /// schema (panics if invalid); a missing `name` gets a server id, civil
    /// times are derived from the physical times and offsets. Returns the names.
    pub fn insert_points(&self, data_type: &str, points: Vec<Value>) -> Vec<String> {
        let mut state = self.shared.state();
        points
            .into_iter()
            .map(|point| {
                state.insert_point(data_type, point, None).unwrap_or_else(|e| panic!("insert_points: {e}"))
            })
            .collect()
    }

    /// The user's points of `data_type`, newest first, as stored (string enums).
    pub fn points(&self, data_type: &str) -> Vec<Value> {
        let state = self.shared.state();
        state.data.sorted(data_type).into_iter().map(|p| p.data.clone()).collect()
    }

    /// Serves `data_type` (kebab-case) from a synthetic series instead of
    /// stored points: `list` and `reconcile` make each page's points when
    /// asked, so a year of samples every few seconds costs no memory. The
    /// first point is checked against the Discovery schema (panics if
    /// invalid); the series' other points are made the same way.
    pub fn add_series(&self, data_type: &str, series: Series) {
        let mut state = self.shared.state();
        let first = series.point(0);
        let user = state.config.health_user_id.clone();
        points::prepare_inserted(data_type, first, &user, "synthetic-check")
            .unwrap_or_else(|err| panic!("add_series: the first point does not fit {data_type}: {err}"));
        state.data.series.insert(data_type.to_string(), series);
    }

    /// The webhook subscribers registered so far (secrets left out).
    pub fn subscribers(&self) -> Vec<Value> {
        self.shared.state().data.subscribers.values().map(|s| s.resource.clone()).collect()
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

impl Drop for MockGoogle {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::fmt::Debug for MockGoogle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockGoogle").field("addr", &self.addr).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

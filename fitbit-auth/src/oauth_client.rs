//! The client for Fitbit's OAuth endpoints: token, revoke, introspect.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use url::Url;

use crate::authorize::{AuthorizationRequest, PendingAuthorization};
use crate::error::Error;
use crate::secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
use crate::token::{Introspection, OAuthToken, TokenSet};

/// Fitbit's host for the browser-facing authorize page.
pub const FITBIT_WWW: &str = "https://www.fitbit.com";
/// Fitbit's API host, which also serves token, revoke and introspect.
pub const FITBIT_API: &str = "https://api.fitbit.com";

/// Time limit for one call to an OAuth endpoint, unless configured.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the OAuth endpoints live.
///
/// ```
/// use fitbit_auth::Endpoints;
///
/// let fitbit = Endpoints::fitbit();
/// assert_eq!(fitbit.authorize.as_str(), "https://www.fitbit.com/oauth2/authorize");
/// assert_eq!(fitbit.token.as_str(), "https://api.fitbit.com/oauth2/token");
///
/// // Everything on one host, e.g. a loopback stand-in for tests.
/// let local = Endpoints::with_base("http://127.0.0.1:9000")?;
/// assert_eq!(local.introspect.as_str(), "http://127.0.0.1:9000/1.1/oauth2/introspect");
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// `GET /oauth2/authorize` (opened in a browser).
    pub authorize: Url,
    /// `POST /oauth2/token`.
    pub token: Url,
    /// `POST /oauth2/revoke`.
    pub revoke: Url,
    /// `POST /1.1/oauth2/introspect`.
    pub introspect: Url,
}

impl Endpoints {
    /// Fitbit's production endpoints.
    pub fn fitbit() -> Self {
        let www = Url::parse(FITBIT_WWW).expect("constant URL");
        let api = Url::parse(FITBIT_API).expect("constant URL");
        Self::on_hosts(&www, &api)
    }

    /// All endpoints under one base URL (a path prefix is kept).
    pub fn with_base(base: &str) -> Result<Self, Error> {
        let mut base = Url::parse(base).map_err(|err| Error::Config(format!("bad OAuth base URL: {err}")))?;
        if base.cannot_be_a_base() {
            return Err(Error::Config("the OAuth base URL cannot have paths under it".into()));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self::on_hosts(&base, &base))
    }

    fn on_hosts(www: &Url, api: &Url) -> Self {
        let join = |base: &Url, path: &str| base.join(path).expect("relative path joins onto a base URL");
        Self {
            authorize: join(www, "oauth2/authorize"),
            token: join(api, "oauth2/token"),
            revoke: join(api, "oauth2/revoke"),
            introspect: join(api, "1.1/oauth2/introspect"),
        }
    }
}

impl Default for Endpoints {
    fn default() -> Self {
        Self::fitbit()
    }
}

/// A Fitbit app's OAuth client: builds authorize URLs and calls the token,
/// revoke and introspect endpoints.
///
/// An app with a client secret (a "server" or "personal" app) authenticates
/// with HTTP Basic; one without (a "client" app, e.g. a CLI using PKCE) sends
/// `client_id` in the form body instead. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_auth::{OAuthClient, Scope};
///
/// let client = OAuthClient::builder("23ABCD")
///     .redirect_uri("http://127.0.0.1:8080/callback")
///     .build()?;
/// let pending = client.authorization_request().scopes([Scope::Activity, Scope::Sleep]).build()?;
/// println!("Open {}", pending.url());
/// let redirect = "…the URL the browser landed on…";
/// let tokens = client.complete_authorization(&pending, redirect).await?;
/// println!("signed in as {:?}, granted {}", tokens.user_id, tokens.scopes);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OAuthClient {
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    endpoints: Endpoints,
    http: reqwest::Client,
}

/// Builds an [`OAuthClient`]; from [`OAuthClient::builder`].
#[derive(Debug)]
#[must_use = "call `build`"]
pub struct OAuthClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    endpoints: Result<Endpoints, Error>,
    http: Option<reqwest::Client>,
    timeout: Duration,
}

impl OAuthClientBuilder {
    /// The client secret of a server or personal app. Without one the client
    /// acts as a public client.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Like [`client_secret`](Self::client_secret), from an optional value.
    pub fn maybe_client_secret(mut self, secret: Option<ClientSecret>) -> Self {
        self.client_secret = secret;
        self
    }

    /// The redirect URI registered for the app. It is sent byte for byte as
    /// given, to authorize and to the token endpoint (Fitbit wants an exact
    /// match).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Puts every endpoint under one base URL (see [`Endpoints::with_base`]).
    pub fn base_url(mut self, base: &str) -> Self {
        self.endpoints = Endpoints::with_base(base);
        self
    }

    /// Uses these endpoints.
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = Ok(endpoints);
        self
    }

    /// Uses this HTTP client (its own time-out applies then).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Time limit per call (default 30 s); ignored with [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<OAuthClient, Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config("the client id is empty".into()));
        }
        if let Some(uri) = &self.redirect_uri {
            Url::parse(uri).map_err(|err| Error::Config(format!("the redirect URI is not a URL: {err}")))?;
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .build()
                .map_err(|err| Error::Config(format!("could not set up HTTP: {err}")))?,
        };
        Ok(OAuthClient {
            client_id: self.client_id,
            client_secret: self.client_secret,
            redirect_uri: self.redirect_uri,
            endpoints: self.endpoints?,
            http,
        })
    }
}

/// How a request to a token-like endpoint authenticates.
enum Credentials<'a> {
    /// The app itself: Basic for confidential apps, `client_id` in the body otherwise.
    App,
    /// A bearer token (introspect).
    Bearer(&'a AccessToken),
}

impl OAuthClient {
    /// Starts building a client for the app with this client id, on Fitbit's
    /// production endpoints.
    pub fn builder(client_id: impl Into<String>) -> OAuthClientBuilder {
        OAuthClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: None,
            endpoints: Ok(Endpoints::fitbit()),
            http: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether the app authenticates with a client secret.
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }

    /// The configured redirect URI.
    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Starts an authorize URL (code flow, PKCE S256, random state).
    pub fn authorization_request(&self) -> AuthorizationRequest<'_> {
        AuthorizationRequest::new(self)
    }

    /// Checks the redirect against `pending`, then exchanges its code.
    pub async fn complete_authorization(
        &self,
        pending: &PendingAuthorization,
        redirect: &str,
    ) -> Result<TokenSet, Error> {
        let code = pending.parse_callback(redirect)?;
        self.exchange_code(pending, &code).await
    }

    /// Exchanges an authorization code for tokens, sending the PKCE verifier
    /// and the redirect URI exactly as they were used for `pending`.
    pub async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        code: &AuthorizationCode,
    ) -> Result<TokenSet, Error> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("code_verifier", pending.code_verifier().secret()),
        ];
        if let Some(uri) = pending.redirect_uri() {
            form.push(("redirect_uri", uri));
        }
        self.request_tokens("authorization_code", form).await
    }

    /// Spends a refresh token for a new pair. Fitbit's refresh tokens are
    /// single-use: persist the answer before using it (the
    /// [`Session`](crate::Session) does).
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet, Error> {
        let form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.secret())];
        self.request_tokens("refresh_token", form).await
    }

    /// Gets an app token with the client-credentials grant (confidential apps
    /// only; such tokens cannot read user data). `lifetime` is sent as
    /// `expires_in` (Fitbit accepts 3600, 28800, 86400, 604800, 2592000 or
    /// 31536000 seconds).
    pub async fn client_credentials(&self, lifetime: Option<Duration>) -> Result<TokenSet, Error> {
        if !self.is_confidential() {
            return Err(Error::Config("the client-credentials grant needs a client secret".into()));
        }
        let expires_in = lifetime.map(|d| d.as_secs().to_string());
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(seconds) = &expires_in {
            form.push(("expires_in", seconds));
        }
        self.request_tokens("client_credentials", form).await
    }

    /// Revokes a token, which ends the user's whole grant for this app.
    pub async fn revoke(&self, token: &impl OAuthToken) -> Result<(), Error> {
        let url = self.endpoints.revoke.clone();
        self.post_form(&url, vec![("token", token.token_value())], Credentials::App).await?;
        tracing::info!(client_id = %self.client_id, "revoked the Fitbit grant");
        Ok(())
    }

    /// Asks Fitbit about `token`, authenticating with the valid access token
    /// `bearer` (which may be the same token).
    pub async fn introspect(
        &self,
        bearer: &AccessToken,
        token: &impl OAuthToken,
    ) -> Result<Introspection, Error> {
        let url = self.endpoints.introspect.clone();
        let (_, body) =
            self.post_form(&url, vec![("token", token.token_value())], Credentials::Bearer(bearer)).await?;
        Introspection::parse(&body).map_err(|err| with_status(err, 200))
    }

    async fn request_tokens(
        &self,
        grant_type: &'static str,
        form: Vec<(&str, &str)>,
    ) -> Result<TokenSet, Error> {
        let url = self.endpoints.token.clone();
        let (headers, body) = self.post_form(&url, form, Credentials::App).await?;
        let received_at = Utc::now();
        let tokens = TokenSet::from_token_response(&body, received_at).map_err(|err| {
            let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("none");
            tracing::warn!(grant_type, content_type, error = %err, "the token endpoint's success answer did not parse");
            with_status(err, 200)
        })?;
        tracing::debug!(
            grant_type,
            user_id = tokens.user_id.as_deref().unwrap_or("-"),
            scopes = %tokens.scopes,
            expires_at = %tokens.expires_at,
            has_refresh_token = tokens.refresh_token.is_some(),
            "received Fitbit tokens"
        );
        Ok(tokens)
    }

    /// POSTs a form (reqwest sets Content-Length, which Fitbit requires) and
    /// returns the body of a 2xx answer; classifies anything else.
    async fn post_form(
        &self,
        url: &Url,
        mut form: Vec<(&str, &str)>,
        credentials: Credentials<'_>,
    ) -> Result<(HeaderMap, Vec<u8>), Error> {
        let mut request = self.http.post(url.clone());
        match credentials {
            Credentials::App => match &self.client_secret {
                Some(secret) => request = request.basic_auth(&self.client_id, Some(secret.secret())),
                None => form.push(("client_id", &self.client_id)),
            },
            Credentials::Bearer(token) => request = request.bearer_auth(token.secret()),
        }
        let response = request.form(&form).send().await.map_err(|err| {
            tracing::debug!(endpoint = url.path(), error = %Error::from_transport(&err), "OAuth request failed");
            Error::from_transport(&err)
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|err| Error::from_transport(&err))?;
        tracing::debug!(endpoint = url.path(), status = status.as_u16(), "OAuth endpoint answered");
        if status.is_success() {
            Ok((headers, body.to_vec()))
        } else {
            let err = Error::from_response(status.as_u16(), &headers, &body);
            tracing::debug!(endpoint = url.path(), error = %err, "OAuth endpoint refused");
            Err(err)
        }
    }
}

/// Records the HTTP status on a parse error of a success answer.
fn with_status(err: Error, status: u16) -> Error {
    match err {
        Error::InvalidResponse { message, .. } => Error::InvalidResponse { status: Some(status), message },
        other => other,
    }
}

//! The client for an OAuth server's endpoints (Fitbit's or Google's): token,
//! revoke, introspect.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use url::Url;

use crate::authorize::{AuthorizationRequest, PendingAuthorization};
use crate::error::Error;
use crate::provider::Provider;
use crate::scope::Scopes;
use crate::secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
use crate::token::{Introspection, OAuthToken, TokenSet};

/// Fitbit's host for the browser-facing authorize page.
pub const FITBIT_WWW: &str = "https://www.fitbit.com";
/// Fitbit's API host, which also serves token, revoke and introspect.
pub const FITBIT_API: &str = "https://api.fitbit.com";
/// Google's authorization endpoint (the consent page).
pub const GOOGLE_AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint (`POST`, form `token=`).
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";

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
/// let google = Endpoints::google();
/// assert_eq!(google.token.as_str(), "https://oauth2.googleapis.com/token");
///
/// // Everything on one host, e.g. a loopback stand-in for tests.
/// let local = Endpoints::with_base("http://127.0.0.1:9000")?;
/// assert_eq!(local.introspect.as_str(), "http://127.0.0.1:9000/1.1/oauth2/introspect");
/// let local = Endpoints::with_base_for(Provider::Google, "http://127.0.0.1:9000")?;
/// assert_eq!(local.authorize.as_str(), "http://127.0.0.1:9000/o/oauth2/v2/auth");
/// # use fitbit_auth::Provider;
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The consent page, opened in a browser (Fitbit: `/oauth2/authorize`;
    /// Google: `/o/oauth2/v2/auth`).
    pub authorize: Url,
    /// `POST`: code exchange and refresh.
    pub token: Url,
    /// `POST`: ends a grant.
    pub revoke: Url,
    /// `POST /1.1/oauth2/introspect` (Fitbit only; Google has no such endpoint).
    pub introspect: Url,
}

impl Endpoints {
    /// The production endpoints of `provider`.
    pub fn for_provider(provider: Provider) -> Self {
        match provider {
            Provider::Fitbit => Self::fitbit(),
            Provider::Google => Self::google(),
        }
    }

    /// Google's production endpoints.
    pub fn google() -> Self {
        let url = |text: &str| Url::parse(text).expect("constant URL");
        Self {
            authorize: url(GOOGLE_AUTHORIZE_URL),
            token: url(GOOGLE_TOKEN_URL),
            revoke: url(GOOGLE_REVOKE_URL),
            introspect: url("https://oauth2.googleapis.com/tokeninfo"),
        }
    }

    /// All of `provider`'s endpoints under one base URL, with the provider's
    /// own paths (a path prefix of `base` is kept).
    pub fn with_base_for(provider: Provider, base: &str) -> Result<Self, Error> {
        match provider {
            Provider::Fitbit => Self::with_base(base),
            Provider::Google => {
                let base = base_url(base)?;
                let join = |path: &str| base.join(path).expect("relative path joins onto a base URL");
                Ok(Self {
                    authorize: join("o/oauth2/v2/auth"),
                    token: join("token"),
                    revoke: join("revoke"),
                    introspect: join("tokeninfo"),
                })
            }
        }
    }

    /// Fitbit's production endpoints.
    pub fn fitbit() -> Self {
        let www = Url::parse(FITBIT_WWW).expect("constant URL");
        let api = Url::parse(FITBIT_API).expect("constant URL");
        Self::on_hosts(&www, &api)
    }

    /// All of Fitbit's endpoints under one base URL (a path prefix is kept).
    pub fn with_base(base: &str) -> Result<Self, Error> {
        let base = base_url(base)?;
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

/// `base` as a URL that paths can be joined onto.
fn base_url(base: &str) -> Result<Url, Error> {
    let mut base = Url::parse(base).map_err(|err| Error::Config(format!("bad OAuth base URL: {err}")))?;
    if base.cannot_be_a_base() {
        return Err(Error::Config("the OAuth base URL cannot have paths under it".into()));
    }
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    Ok(base)
}

impl Default for Endpoints {
    fn default() -> Self {
        Self::fitbit()
    }
}

/// An app's OAuth client: builds authorize URLs and calls the token, revoke
/// and introspect endpoints of its [`Provider`].
///
/// For Fitbit, an app with a client secret (a "server" or "personal" app)
/// authenticates with HTTP Basic; one without (a "client" app, e.g. a CLI
/// using PKCE) sends `client_id` in the form body instead. For Google
/// ([`OAuthClient::google`]), `client_id` and the secret (Desktop clients have
/// one too; a client without one works) go in the form body, and every token
/// answer's granted scopes are checked against the request. The client never
/// follows an HTTP redirect: a token endpoint that answers 3xx gets an error,
/// not the code or refresh token. Cheap to clone.
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
    provider: Provider,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    endpoints: Endpoints,
    allow_partial_consent: bool,
    http: reqwest::Client,
}

/// Builds an [`OAuthClient`]; from [`OAuthClient::builder`] or [`OAuthClient::google`].
#[derive(Debug)]
#[must_use = "call `build`"]
pub struct OAuthClientBuilder {
    provider: Provider,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    endpoints: EndpointChoice,
    allow_partial_consent: bool,
    http: Option<reqwest::Client>,
    timeout: Duration,
}

/// Where the builder's endpoints come from; resolved in `build`, once the
/// provider is known.
#[derive(Debug)]
enum EndpointChoice {
    ProviderDefault,
    UnderBase(String),
    Given(Box<Endpoints>),
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
    /// given, to authorize and to the token endpoint (both providers want an
    /// exact match).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Signs in with this provider's rules and (unless endpoints are set)
    /// its production endpoints.
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = provider;
        self
    }

    /// Puts every endpoint under one base URL, with the provider's paths
    /// (see [`Endpoints::with_base_for`]).
    pub fn base_url(mut self, base: &str) -> Self {
        self.endpoints = EndpointChoice::UnderBase(base.to_string());
        self
    }

    /// Uses these endpoints.
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = EndpointChoice::Given(Box::new(endpoints));
        self
    }

    /// Google: accept a sign-in in which the user granted fewer scopes than
    /// asked for, with a warning in the log, instead of failing with
    /// [`Error::PartialConsent`]. The missing scopes stay visible in
    /// [`TokenSet::scopes`].
    pub fn allow_partial_consent(mut self, allow: bool) -> Self {
        self.allow_partial_consent = allow;
        self
    }

    /// Uses this HTTP client (its own time-out applies then). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: reqwest follows
    /// redirects by default, and a redirect of a token or revoke request
    /// re-sends the code, verifier, refresh token or token to wherever
    /// `Location` points. The client this builder makes by itself never
    /// follows one.
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
        let endpoints = match self.endpoints {
            EndpointChoice::ProviderDefault => Endpoints::for_provider(self.provider),
            EndpointChoice::UnderBase(base) => Endpoints::with_base_for(self.provider, &base)?,
            EndpointChoice::Given(endpoints) => *endpoints,
        };
        let http = match self.http {
            Some(http) => http,
            // A redirect would carry the code, verifier or refresh token to
            // wherever `Location` points: never follow one.
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|err| Error::Config(format!("could not set up HTTP: {err}")))?,
        };
        Ok(OAuthClient {
            provider: self.provider,
            client_id: self.client_id,
            client_secret: self.client_secret,
            redirect_uri: self.redirect_uri,
            endpoints,
            allow_partial_consent: self.allow_partial_consent,
            http,
        })
    }
}

/// How a request to a token-like endpoint authenticates.
enum Credentials<'a> {
    /// The app itself, the provider's way.
    App,
    /// A bearer token (introspect).
    Bearer(&'a AccessToken),
    /// Nothing but the form (Google's revoke).
    None,
}

impl OAuthClient {
    /// Starts building a client for the app with this client id, on Fitbit's
    /// production endpoints.
    pub fn builder(client_id: impl Into<String>) -> OAuthClientBuilder {
        OAuthClientBuilder {
            provider: Provider::Fitbit,
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: None,
            endpoints: EndpointChoice::ProviderDefault,
            allow_partial_consent: false,
            http: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Starts building a client for a Google Cloud OAuth client (Desktop or
    /// Web-server type), on Google's production endpoints.
    ///
    /// ```
    /// use fitbit_auth::{GoogleScope, OAuthClient};
    ///
    /// let google = OAuthClient::google("1234-abc.apps.googleusercontent.com")
    ///     .client_secret("GOCSPX-…")
    ///     .redirect_uri("http://127.0.0.1:8080")
    ///     .build()?;
    /// let pending = google.authorization_request().scope(GoogleScope::SleepReadonly).build()?;
    /// let url = pending.url().as_str();
    /// assert!(url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?client_id=1234-abc.apps.googleusercontent.com"));
    /// assert!(url.contains("&access_type=offline&include_granted_scopes=true&prompt=consent&"));
    /// # Ok::<(), fitbit_auth::Error>(())
    /// ```
    pub fn google(client_id: impl Into<String>) -> OAuthClientBuilder {
        Self::builder(client_id).provider(Provider::Google)
    }

    /// The authorization server this client talks to.
    pub fn provider(&self) -> Provider {
        self.provider
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

    /// Whether a partial grant is accepted with a warning (see
    /// [`OAuthClientBuilder::allow_partial_consent`]).
    pub fn allows_partial_consent(&self) -> bool {
        self.allow_partial_consent
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
    ///
    /// With Google, the granted scopes are compared with the requested ones:
    /// a user who unticked some gets [`Error::PartialConsent`] naming them
    /// (or, with [`allow_partial_consent`](OAuthClientBuilder::allow_partial_consent),
    /// the tokens and a warning).
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
        let tokens = self.request_tokens("authorization_code", form).await?;
        self.check_granted_scopes(&tokens, pending.requested_scopes())?;
        Ok(tokens)
    }

    /// Spends a refresh token for new tokens. Fitbit's refresh tokens are
    /// single-use: persist the answer before using it (the
    /// [`Session`](crate::Session) does). Google's are kept: its answer
    /// normally carries no refresh token, and the old one stays valid.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet, Error> {
        let form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.secret())];
        self.request_tokens("refresh_token", form).await
    }

    /// Google: the scopes of `wanted` that `tokens` lacks, as an error or a
    /// warning. Fitbit's answers may omit `scope`, so nothing is checked there.
    fn check_granted_scopes(&self, tokens: &TokenSet, wanted: &Scopes) -> Result<(), Error> {
        if self.provider != Provider::Google {
            return Ok(());
        }
        let missing = tokens.scopes.missing_names(wanted);
        if missing.is_empty() {
            return Ok(());
        }
        if self.allow_partial_consent {
            tracing::warn!(missing = %missing.join(" "), "the user granted only some of the scopes asked for");
            return Ok(());
        }
        Err(Error::PartialConsent { missing })
    }

    /// Gets an app token with the client-credentials grant (Fitbit's
    /// confidential apps only; such tokens cannot read user data). `lifetime` is sent as
    /// `expires_in` (Fitbit accepts 3600, 28800, 86400, 604800, 2592000 or
    /// 31536000 seconds).
    pub async fn client_credentials(&self, lifetime: Option<Duration>) -> Result<TokenSet, Error> {
        if self.provider != Provider::Fitbit {
            return Err(Error::Config("Google offers no client-credentials grant for user data".into()));
        }
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
        let credentials = match self.provider {
            Provider::Fitbit => Credentials::App,
            Provider::Google => Credentials::None,
        };
        self.post_form(&url, vec![("token", token.token_value())], credentials).await?;
        tracing::info!(client_id = %self.client_id, provider = %self.provider, "revoked the grant");
        Ok(())
    }

    /// Asks Fitbit about `token`, authenticating with the valid access token
    /// `bearer` (which may be the same token). Google has no such endpoint.
    pub async fn introspect(
        &self,
        bearer: &AccessToken,
        token: &impl OAuthToken,
    ) -> Result<Introspection, Error> {
        if self.provider != Provider::Fitbit {
            return Err(Error::Config("token introspection is a Fitbit endpoint; Google has none".into()));
        }
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
        let (headers, body) = self
            .post_form(&url, form, Credentials::App)
            .await
            .map_err(|err| self.explain_refusal(grant_type, err))?;
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
            provider = %self.provider,
            "received tokens"
        );
        Ok(tokens)
    }

    /// Says which grant was refused and why, in the provider's terms:
    /// `invalid_grant` means something else for a code than for a refresh
    /// token.
    fn explain_refusal(&self, grant_type: &str, err: Error) -> Error {
        let api = match err {
            Error::SignInRequired { api: Some(api), .. } if api.envelope.has_error_type("invalid_grant") => {
                api
            }
            // Google answers a token request without the client secret with
            // `invalid_request` ("client_secret is missing."): the request's
            // shape is ours, so the fix is the app's configuration, not the
            // command's arguments.
            Error::Validation { api, .. } if Self::names_missing_client_secret(&api) => {
                return Error::InvalidClient(api);
            }
            other => return other,
        };
        let reason = match (grant_type, self.provider) {
            ("authorization_code", _) => {
                "the sign-in code was refused (already used, expired, or issued for another redirect URI \
                 or PKCE verifier); sign in again"
            }
            (_, Provider::Google) => {
                "Google refused the refresh token: the grant was revoked or has expired (after 7 days while \
                 the app's consent screen is in Testing, or after 6 months unused); sign in again"
            }
            (_, Provider::Fitbit) => "the refresh token was refused (used, revoked or expired)",
        };
        Error::SignInRequired { reason: reason.into(), api: Some(api) }
    }

    /// An `invalid_request` whose description says the client secret is
    /// missing.
    fn names_missing_client_secret(api: &crate::ApiError) -> bool {
        api.envelope.has_error_type("invalid_request")
            && api
                .envelope
                .message()
                .is_some_and(|message| message.to_ascii_lowercase().contains("client_secret"))
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
        match (credentials, self.provider) {
            (Credentials::App, Provider::Fitbit) => match &self.client_secret {
                Some(secret) => request = request.basic_auth(&self.client_id, Some(secret.secret())),
                None => form.push(("client_id", &self.client_id)),
            },
            (Credentials::App, Provider::Google) => {
                form.push(("client_id", &self.client_id));
                if let Some(secret) = &self.client_secret {
                    form.push(("client_secret", secret.secret()));
                }
            }
            (Credentials::Bearer(token), _) => request = request.bearer_auth(token.secret()),
            (Credentials::None, _) => {}
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

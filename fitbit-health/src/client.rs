//! One builder for Google's three clients, authorized by a fitbit-auth session.

use std::fmt;
use std::time::Duration;

use fitbit_auth::{Error, Provider, Session};
use google_devicesandservices_health_v4::client::{
    DataPointsService, DataSubscriptionService, HealthProfileService,
};
use url::Url;

use crate::credentials::SessionCredentials;
use crate::retry::RetryConfig;

/// Where the Google Health API lives.
pub const GOOGLE_HEALTH_API: &str = "https://health.googleapis.com";

/// Time limit for one attempt of a call, unless configured.
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Google's official Health API clients, authorized by a signed-in
/// [`Session`] and configured with this crate's [`RetryConfig`].
///
/// The clients are Google's own (`google-devicesandservices-health-v4`):
/// [`data_points`](Self::data_points), [`health_profile`](Self::health_profile)
/// and [`data_subscriptions`](Self::data_subscriptions). Turn their errors
/// into [`fitbit_auth::Error`] with [`crate::classify`] or
/// [`ResultExt::classified`](crate::ResultExt::classified). This type adds
/// what they lack: [`daily_roll_up`](Self::daily_roll_up) across pages and
/// [`exercise_tcx`](Self::exercise_tcx) as raw bytes. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_auth::{FileStore, Session};
/// use fitbit_health::{Client, DataType, DataTypeName, ResultExt as _};
///
/// // The token file written by `fitbit health login`.
/// let store = FileStore::new(fitbit_health::default_token_path().expect("a home directory"));
/// let session = Session::from_store(store).await?;
/// let client = Client::builder().session(session).build().await?;
///
/// let page = client
///     .data_points()
///     .list_data_points()
///     .set_parent(DataTypeName::me(DataType::Steps).to_string())
///     .set_page_size(1440)
///     .send()
///     .await
///     .classified()?;
/// println!("{} step intervals", page.data_points.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    data_points: DataPointsService,
    health_profile: HealthProfileService,
    data_subscriptions: DataSubscriptionService,
    credentials: SessionCredentials,
    endpoint: Url,
    http: reqwest::Client,
    retry: RetryConfig,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("session", self.credentials.session())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; from [`Client::builder`].
#[derive(Debug, Default)]
#[must_use = "call `build`"]
pub struct ClientBuilder {
    session: Option<Session>,
    endpoint: Option<String>,
    retry: Option<RetryConfig>,
    attempt_timeout: Option<Duration>,
}

impl ClientBuilder {
    /// The signed-in user (a session whose provider is Google). Required.
    pub fn session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// Talks to this base URL instead of `https://health.googleapis.com`
    /// (plain `http://127.0.0.1:…` works, for stand-ins in tests).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Retries (default: [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Time limit for one attempt of a call (default 60 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Builds the three clients. Nothing is sent yet.
    pub async fn build(self) -> Result<Client, Error> {
        let session = self.session.ok_or_else(|| {
            Error::Config("the Google Health client needs a signed-in session (`.session(…)`)".into())
        })?;
        if session.provider() != Provider::Google {
            return Err(Error::Config(format!(
                "the Google Health API needs a Google sign-in, but the session is {}'s; sign in with \
                 `fitbit health login`",
                session.provider().display_name()
            )));
        }
        let endpoint_text = self.endpoint.unwrap_or_else(|| GOOGLE_HEALTH_API.to_string());
        let endpoint = base_url(&endpoint_text)?;
        let retry = self.retry.unwrap_or_default();
        let timeout = self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
        let credentials = SessionCredentials::new(session);

        macro_rules! official {
            ($service:ty) => {
                <$service>::builder()
                    .with_endpoint(endpoint_text.trim_end_matches('/'))
                    .with_credentials(credentials.clone())
                    .with_retry_policy(retry.policy(credentials.tracker()))
                    .with_backoff_policy(retry.backoff_policy(credentials.tracker()))
                    .with_attempt_timeout(timeout)
                    .build()
                    .await
                    .map_err(|err| {
                        Error::Config(format!("could not set up the Google Health client: {err}"))
                    })?
            };
        }
        let data_points = official!(DataPointsService);
        let health_profile = official!(HealthProfileService);
        let data_subscriptions = official!(DataSubscriptionService);
        // Our own calls (TCX as raw bytes) never follow a redirect: it would
        // carry the bearer token elsewhere.
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| Error::Config(format!("could not set up HTTP: {err}")))?;
        Ok(Client { data_points, health_profile, data_subscriptions, credentials, endpoint, http, retry })
    }
}

/// The API's base URL as given to a builder: an http(s) URL that can take
/// paths (`http://127.0.0.1:…` for stand-ins).
pub(crate) fn base_url(text: &str) -> Result<Url, Error> {
    Url::parse(text)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base())
        .ok_or_else(|| Error::Config(format!("`{text}` is not an http(s) base URL")))
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Google's client for data points: list, get, create, patch,
    /// batchDelete, reconcile, rollUp, dailyRollUp, exportExerciseTcx.
    pub fn data_points(&self) -> &DataPointsService {
        &self.data_points
    }

    /// Google's client for the user's identity, profile, settings, IRN
    /// profile and paired devices.
    pub fn health_profile(&self) -> &HealthProfileService {
        &self.health_profile
    }

    /// Google's client for webhook subscribers and subscriptions. Google
    /// authorizes these with the app's project credentials (the
    /// `cloud-platform` scope), not a user's sign-in.
    pub fn data_subscriptions(&self) -> &DataSubscriptionService {
        &self.data_subscriptions
    }

    /// The session behind the client.
    pub fn session(&self) -> &Session {
        self.credentials.session()
    }

    /// The base URL in use.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub(crate) fn credentials(&self) -> &SessionCredentials {
        &self.credentials
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn retry_config(&self) -> RetryConfig {
        self.retry
    }
}

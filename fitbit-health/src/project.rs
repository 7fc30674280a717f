//! Webhook subscribers and subscriptions are managed with the app's Google
//! Cloud **project** credentials (the `cloud-platform` scope), not a user's
//! sign-in: application-default credentials, a service-account key file, or
//! an access token you already have.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use fitbit_auth::Error;
use google_cloud_auth::credentials::service_account::{self, AccessSpecifier};
use google_cloud_auth::credentials::{CacheableResource, Credentials, CredentialsProvider, EntityTag};
use google_cloud_auth::errors::CredentialsError;
use google_devicesandservices_health_v4::client::DataSubscriptionService;
use http::{Extensions, HeaderMap, HeaderValue, header::AUTHORIZATION};

use crate::client::GOOGLE_HEALTH_API;
use crate::retry::RetryConfig;

/// The scope project calls need.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Time limit for one attempt of a call, unless configured.
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// A Google Cloud project **number** (`271828182845`): subscribers are
/// named `projects/{project_number}/subscribers/{id}`, and Google refuses a
/// project id there ("Invalid project number in resource name").
///
/// ```
/// use fitbit_health::ProjectNumber;
///
/// let number: ProjectNumber = "271828182845".parse().unwrap();
/// assert_eq!(number.subscribers_parent(), "projects/271828182845");
/// assert_eq!(number.subscriber("hooks"), "projects/271828182845/subscribers/hooks");
///
/// let id = "my-fitbit-app".parse::<ProjectNumber>().unwrap_err();
/// assert!(id.to_string().contains("project number"), "{id}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectNumber(String);

/// A project id (or anything else) where a project number belongs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a project number: Google names webhook subscribers with the project NUMBER (digits, e.g. \
     271828182845; Cloud console → project settings → Project number), not the project id"
)]
pub struct NotAProjectNumber(String);

impl FromStr for ProjectNumber {
    type Err = NotAProjectNumber;

    /// Takes `271828182845` or `projects/271828182845`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.trim().trim_start_matches("projects/");
        if !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits.to_owned()))
        } else {
            Err(NotAProjectNumber(text.to_owned()))
        }
    }
}

impl fmt::Display for ProjectNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ProjectNumber {
    /// `projects/{number}`: the parent of its subscribers.
    pub fn subscribers_parent(&self) -> String {
        format!("projects/{}", self.0)
    }

    /// `projects/{number}/subscribers/{id}`; a full name is kept as given.
    pub fn subscriber(&self, id: &str) -> String {
        if id.starts_with("projects/") {
            id.to_owned()
        } else {
            format!("projects/{}/subscribers/{id}", self.0)
        }
    }
}

/// The project credentials to call the subscriber methods with.
#[derive(Clone)]
#[non_exhaustive]
pub enum ProjectCredentials {
    /// Application-default credentials: `GOOGLE_APPLICATION_CREDENTIALS`, else
    /// `gcloud auth application-default login`'s file, else the metadata
    /// server of a Google Cloud machine.
    ApplicationDefault,
    /// A service-account key file (JSON, from the Cloud console).
    ServiceAccountFile(PathBuf),
    /// A service-account key, already read.
    ServiceAccountKey(serde_json::Value),
    /// An OAuth access token with the `cloud-platform` scope (e.g. from
    /// `gcloud auth print-access-token`), sent as it is; also for tests.
    AccessToken(String),
}

impl fmt::Debug for ProjectCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApplicationDefault => f.write_str("ApplicationDefault"),
            Self::ServiceAccountFile(path) => f.debug_tuple("ServiceAccountFile").field(path).finish(),
            Self::ServiceAccountKey(_) => f.write_str("ServiceAccountKey(<redacted>)"),
            Self::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
        }
    }
}

impl ProjectCredentials {
    /// What they are, for messages (never a secret).
    pub fn describe(&self) -> String {
        match self {
            Self::ApplicationDefault => "application-default credentials".into(),
            Self::ServiceAccountFile(path) => format!("the service-account key {}", path.display()),
            Self::ServiceAccountKey(_) => "a service-account key".into(),
            Self::AccessToken(_) => "an access token".into(),
        }
    }

    async fn build(self) -> Result<Credentials, Error> {
        let config = |what: &str, err: &dyn fmt::Display| Error::Config(format!("{what}: {err}"));
        match self {
            Self::ApplicationDefault => google_cloud_auth::credentials::Builder::default()
                .with_scopes([CLOUD_PLATFORM_SCOPE])
                .build()
                .map_err(|err| config("no usable application-default credentials", &err)),
            Self::ServiceAccountFile(path) => {
                let text = tokio::fs::read(&path)
                    .await
                    .map_err(|err| config(&format!("could not read {}", path.display()), &err))?;
                let key: serde_json::Value = serde_json::from_slice(&text).map_err(|_| {
                    Error::Config(format!("{} is not a service-account key (JSON)", path.display()))
                })?;
                Self::ServiceAccountKey(key).service_account(&path.display().to_string())
            }
            Self::ServiceAccountKey(_) => self.service_account("the service-account key"),
            Self::AccessToken(token) => {
                let value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                    .map_err(|_| Error::Config("the access token is not header text".into()))?;
                Ok(Credentials::from(StaticToken(Arc::new(value))))
            }
        }
    }

    fn service_account(self, what: &str) -> Result<Credentials, Error> {
        let Self::ServiceAccountKey(key) = self else { unreachable!("only called for keys") };
        if key.get("type").and_then(|t| t.as_str()) != Some("service_account") {
            return Err(Error::Config(format!(
                "{what} is not a service-account key (\"type\": \"service_account\")"
            )));
        }
        service_account::Builder::new(key)
            .with_access_specifier(AccessSpecifier::from_scopes([CLOUD_PLATFORM_SCOPE]))
            .build()
            // The builder's errors name fields, never the private key.
            .map_err(|err| Error::Config(format!("{what} cannot be used: {err}")))
    }
}

/// A fixed `Authorization: Bearer …` header.
#[derive(Clone)]
struct StaticToken(Arc<HeaderValue>);

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl CredentialsProvider for StaticToken {
    async fn headers(
        &self,
        _extensions: Extensions,
    ) -> Result<CacheableResource<HeaderMap>, CredentialsError> {
        let mut headers = HeaderMap::new();
        let mut value = (*self.0).clone();
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
        Ok(CacheableResource::New { entity_tag: EntityTag::new(), data: headers })
    }

    async fn universe_domain(&self) -> Option<String> {
        Some("googleapis.com".to_string())
    }
}

/// Google's data-subscription client (webhook subscribers and
/// subscriptions), authorized with project credentials and configured with
/// this crate's [`RetryConfig`]. Turn its errors into
/// [`fitbit_auth::Error`] with [`crate::classify`].
///
/// ```no_run
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_health::{ProjectClient, ProjectCredentials, ProjectNumber, ResultExt as _};
/// use google_cloud_gax::paginator::Paginator as _;
///
/// let project: ProjectNumber = "271828182845".parse().map_err(|e| fitbit_auth::Error::Config(format!("{e}")))?;
/// let client = ProjectClient::builder()
///     .credentials(ProjectCredentials::ServiceAccountFile("sa-key.json".into()))
///     .build()
///     .await?;
/// let mut pages = client.data_subscriptions().list_subscribers().set_parent(project.subscribers_parent()).by_page();
/// while let Some(page) = pages.next().await {
///     for subscriber in page.classified()?.subscribers {
///         println!("{} → {}", subscriber.name, subscriber.endpoint_uri);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ProjectClient {
    data_subscriptions: DataSubscriptionService,
    credentials: String,
}

/// Builds a [`ProjectClient`]; from [`ProjectClient::builder`].
#[derive(Debug, Default)]
#[must_use = "call `build`"]
pub struct ProjectClientBuilder {
    credentials: Option<ProjectCredentials>,
    endpoint: Option<String>,
    retry: Option<RetryConfig>,
    attempt_timeout: Option<Duration>,
}

impl ProjectClientBuilder {
    /// The project credentials (default: application-default credentials).
    pub fn credentials(mut self, credentials: ProjectCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Talks to this base URL instead of `https://health.googleapis.com`.
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

    /// Builds the client; reads a key file now, fetches no token yet.
    pub async fn build(self) -> Result<ProjectClient, Error> {
        let credentials = self.credentials.unwrap_or(ProjectCredentials::ApplicationDefault);
        let described = credentials.describe();
        let endpoint = self.endpoint.unwrap_or_else(|| GOOGLE_HEALTH_API.to_string());
        let endpoint = endpoint.trim_end_matches('/');
        crate::client::base_url(endpoint)?;
        let retry = self.retry.unwrap_or_default();
        // Project tokens are not refreshed after a 401 here: a fresh tracker
        // that never hands out a token makes a 401 final.
        let tracker = Arc::default();
        let data_subscriptions = DataSubscriptionService::builder()
            .with_endpoint(endpoint)
            .with_credentials(credentials.build().await?)
            .with_retry_policy(retry.policy(Arc::clone(&tracker)))
            .with_backoff_policy(retry.backoff_policy(tracker))
            .with_attempt_timeout(self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
            .build()
            .await
            .map_err(|err| Error::Config(format!("could not set up the Google Health client: {err}")))?;
        Ok(ProjectClient { data_subscriptions, credentials: described })
    }
}

impl ProjectClient {
    /// Starts building a client.
    pub fn builder() -> ProjectClientBuilder {
        ProjectClientBuilder::default()
    }

    /// Google's client for subscribers and subscriptions.
    pub fn data_subscriptions(&self) -> &DataSubscriptionService {
        &self.data_subscriptions
    }

    /// Which credentials it uses, for messages.
    pub fn credentials(&self) -> &str {
        &self.credentials
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_numbers_are_digits_and_ids_are_refused() {
        assert_eq!("projects/42".parse::<ProjectNumber>().unwrap().to_string(), "42");
        for bad in ["my-project", "", "projects/", "12a", "123456789012345678901"] {
            assert!(bad.parse::<ProjectNumber>().is_err(), "{bad}");
        }
        let number: ProjectNumber = "42".parse().unwrap();
        assert_eq!(number.subscriber("projects/42/subscribers/x"), "projects/42/subscribers/x");
    }

    #[tokio::test]
    async fn secrets_stay_out_of_debug_and_bad_keys_are_config_errors() {
        let token = ProjectCredentials::AccessToken("ya29.secret".into());
        assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
        let key = ProjectCredentials::ServiceAccountKey(serde_json::json!({"type": "authorized_user"}));
        assert!(!format!("{key:?}").contains("authorized_user"));
        assert!(
            matches!(key.build().await, Err(Error::Config(message)) if message.contains("service_account"))
        );
        let missing = ProjectCredentials::ServiceAccountFile("/nonexistent/key.json".into());
        assert!(
            matches!(missing.build().await, Err(Error::Config(message)) if message.contains("could not read"))
        );
    }
}

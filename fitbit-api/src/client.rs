//! Building a [`Client`]: base URL, token source, defaults.

use std::sync::Arc;
use std::time::Duration;

use fitbit_auth::{AccessToken, Authorizer, Error, StaticToken};

use crate::clock::{Clock, SystemClock};
use crate::generated_client::Client;
use crate::generated_client::types::Locale;
use crate::governor::{Governor, RateLimitPolicy};
use crate::middleware::{ClientState, Shared};
use crate::retry::RetryPolicy;
use crate::values::UnitSystem;

/// Where the Fitbit Web API lives: the host that also serves Fitbit's OAuth
/// endpoints ([`fitbit_auth::FITBIT_API`]).
pub const DEFAULT_BASE_URL: &str = fitbit_auth::FITBIT_API;

/// The default time limit for one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// The redirects the client's own HTTP client follows: only to the same
/// origin (scheme, host and port) as the request, at most five in a row.
/// A redirect to another host, or from `https` to `http`, is not followed:
/// the answer comes back as an [`Error::InvalidResponse`] naming the
/// redirect, and nothing is sent to the other server.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin =
            attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// Configures a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use fitbit_api::{Client, UnitSystem};
///
/// let client = Client::builder()
///     .bearer_token("an-access-token")
///     .accept_language(UnitSystem::Metric)
///     .build()
///     .unwrap();
/// assert_eq!(client.baseurl(), "https://api.fitbit.com");
/// ```
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    authorizer: Option<Arc<dyn Authorizer>>,
    accept_language: Option<UnitSystem>,
    accept_locale: Option<Locale>,
    timeout: Duration,
    http: Option<reqwest::Client>,
    governor: Option<Arc<Governor>>,
    rate_limit_policy: RateLimitPolicy,
    retry_policy: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl Client {
    /// Starts configuring a client. A token source is required
    /// ([`ClientBuilder::authorizer`] or [`ClientBuilder::bearer_token`]).
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_string(),
            authorizer: None,
            accept_language: None,
            accept_locale: None,
            timeout: DEFAULT_TIMEOUT,
            http: None,
            governor: None,
            rate_limit_policy: RateLimitPolicy::default(),
            retry_policy: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The base URL requests go to.
    pub fn baseurl(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(self)
    }

    /// This client's state: token source, defaults, rate-limit budget and
    /// policies. A clone of it makes another client of the same user with
    /// `Client::new(base_url, state)`.
    pub fn state(&self) -> &ClientState {
        progenitor_client::ClientInfo::inner(self)
    }
}

impl ClientBuilder {
    /// The API's base URL (default `https://api.fitbit.com`): `http` or
    /// `https`, optionally with a path prefix, without query or fragment; a
    /// trailing slash is dropped. Tests point it at a loopback server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_string();
        self
    }

    /// Where access tokens come from: a [`StaticToken`], or a refreshing
    /// session from `fitbit-auth`.
    pub fn authorizer(mut self, authorizer: impl Authorizer + 'static) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// Like [`authorizer`](Self::authorizer), for a token source already shared.
    pub fn shared_authorizer(mut self, authorizer: Arc<dyn Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }

    /// A fixed access token (no refresh): for scripts and tests.
    pub fn bearer_token(self, token: impl Into<AccessToken>) -> Self {
        self.authorizer(StaticToken::new(token))
    }

    /// The unit system for every request (`Accept-Language`); each call can
    /// override it with `.accept_language(…)`.
    pub fn accept_language(mut self, units: UnitSystem) -> Self {
        self.accept_language = Some(units);
        self
    }

    /// The language of text fields for every request (`Accept-Locale`); each
    /// call can override it with `.accept_locale(…)`.
    pub fn accept_locale(mut self, locale: Locale) -> Self {
        self.accept_locale = Some(locale);
        self
    }

    /// Time limit for one request, connection included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Use this `reqwest::Client` (its own time-outs apply). Give it
    /// [`redirect_policy`] (`.redirect(fitbit_api::redirect_policy())`):
    /// reqwest's default follows redirects to any host, taking the request
    /// (and its body) along.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Share a rate-limit budget with other clients of the same user (each
    /// client otherwise tracks its own).
    pub fn governor(mut self, governor: Arc<Governor>) -> Self {
        self.governor = Some(governor);
        self
    }

    /// What to do when the user's hourly budget is spent (default: wait for
    /// the reset, up to just over an hour).
    pub fn rate_limit_policy(mut self, policy: RateLimitPolicy) -> Self {
        self.rate_limit_policy = policy;
        self
    }

    /// How failed attempts are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The clock for waits and backoff; tests pass a [`crate::ManualClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let authorizer = self.authorizer.ok_or_else(|| {
            Error::Config("no token source: call `.authorizer(…)` or `.bearer_token(…)`".into())
        })?;
        check_base_url(&self.base_url)
            .map_err(|err| Error::Config(format!("base URL `{}`: {err}", self.base_url)))?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.timeout)
                .timeout(self.timeout)
                .redirect(redirect_policy())
                .build()
                .map_err(|err| Error::Config(format!("HTTP client: {err}")))?,
        };
        let state = ClientState::new(Shared {
            authorizer,
            accept_language: self.accept_language,
            accept_locale: self.accept_locale,
            governor: self.governor.unwrap_or_default(),
            rate_limit_policy: self.rate_limit_policy,
            retry_policy: self.retry_policy,
            clock: self.clock,
        });
        Ok(Client::new_with_client(&self.base_url, http, state))
    }
}

/// Accepts an absolute `http` or `https` URL without query or fragment:
/// operation paths go after it, so neither would survive, and a URL that
/// does not parse would fail every request rather than the build.
fn check_base_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|err| err.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme must be http or https, not `{}`", url.scheme()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a base URL cannot have a query or a fragment".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_a_path_can_follow() {
        for base in [
            DEFAULT_BASE_URL,
            "http://127.0.0.1:43123",
            "http://[::1]:8080",
            "http://localhost:9000/fitbit",
            "https://proxy.example.org/a%20b/api",
            "HTTPS://API.Fitbit.COM",
            "https://bücher.example",
        ] {
            check_base_url(base).unwrap_or_else(|err| panic!("{base}: {err}"));
        }
    }

    #[test]
    fn refuses_what_a_path_cannot_follow() {
        for (base, expected) in [
            ("api.fitbit.com", "relative URL without a base"),
            ("ftp://api.fitbit.com", "http or https, not `ftp`"),
            ("mailto:someone@example.org", "http or https"),
            ("https://api.fitbit.com/?key=1", "query or a fragment"),
            ("https://api.fitbit.com/#top", "query or a fragment"),
            ("http://[::1", "invalid IPv6"),
        ] {
            let err = check_base_url(base).expect_err(base);
            assert!(err.contains(expected), "{base}: {err}");
        }
    }
}

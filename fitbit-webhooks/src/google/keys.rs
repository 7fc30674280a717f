//! Where Google's keyset comes from, and the cache in front of it.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::keyset::{Keyset, KeysetError, MAX_KEYSET_BYTES};
use super::signature::SignatureError;

/// Where third-party receivers fetch Google Health's webhook keyset. Google's
/// own pages do not name a location yet (unconfirmed); pass another URL to
/// [`HttpsKeyset::new`] when Google documents one.
pub const GOOGLE_KEYSET_URL: &str =
    "https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json";

/// How long a fetched keyset is used before it is fetched again.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The least time between two fetches caused by an unknown key id (or
/// after a failed fetch).
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Time limit for one HTTPS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The future a [`KeysetSource`] returns: the keyset's JSON text.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + Send + 'a>>;

/// Where a keyset comes from: Google's URL ([`HttpsKeyset`]), a file
/// ([`KeysetFile`]), or your own (a loopback server in tests, a secret
/// store…).
///
/// ```
/// use fitbit_webhooks::google::{FetchError, FetchFuture, KeysetSource};
///
/// struct Embedded(&'static str);
///
/// impl KeysetSource for Embedded {
///     fn fetch(&self) -> FetchFuture<'_> {
///         Box::pin(async move { Ok(self.0.as_bytes().to_vec()) })
///     }
///     fn describe(&self) -> String {
///         "the embedded keyset".into()
///     }
/// }
/// # let _ = Embedded("{}");
/// ```
pub trait KeysetSource: Send + Sync + 'static {
    /// The keyset's JSON text, fetched now.
    fn fetch(&self) -> FetchFuture<'_>;

    /// Where it comes from, for messages.
    fn describe(&self) -> String;
}

/// A keyset could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not `https` (plain `http` is taken only for loopback hosts).
    #[error("the keyset URL {0} is not https")]
    NotHttps(String),
    /// The server answered with another status than 200.
    #[error("{origin} answered {status}")]
    Status {
        /// Where.
        origin: String,
        /// The HTTP status.
        status: u16,
    },
    /// The request or the read failed (network, time-out, file).
    #[error("could not read {origin}: {reason}")]
    Io {
        /// Where.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The text is not a usable keyset.
    #[error("{origin} is not a usable keyset: {error}")]
    Keyset {
        /// Where.
        origin: String,
        /// Why.
        error: KeysetError,
    },
}

/// Google's keyset over HTTPS (no redirects followed, 10-second time
/// limit, at most 256 KiB).
///
/// ```no_run
/// use fitbit_webhooks::google::{HttpsKeyset, Keys};
///
/// let keys = Keys::new(HttpsKeyset::google());
/// # let _ = keys;
/// ```
#[derive(Debug, Clone)]
pub struct HttpsKeyset {
    url: String,
    http: reqwest::Client,
}

impl HttpsKeyset {
    /// The keyset at [`GOOGLE_KEYSET_URL`].
    pub fn google() -> Self {
        Self::new(GOOGLE_KEYSET_URL).expect("the built-in URL is https")
    }

    /// The keyset at `url`: `https://…`, or `http://` on a loopback host
    /// (`127.0.0.1`, `[::1]`, `localhost`) for tests.
    pub fn new(url: &str) -> Result<Self, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| FetchError::NotHttps(url.to_owned()))?;
        let host = parsed.host_str().unwrap_or_default();
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let allowed = match parsed.scheme() {
            "https" => !host.is_empty(),
            "http" => loopback,
            _ => false,
        };
        if !allowed {
            return Err(FetchError::NotHttps(url.to_owned()));
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| FetchError::Io { origin: url.to_owned(), reason: err.to_string() })?;
        Ok(Self { url: url.to_owned(), http })
    }

    async fn get(&self) -> Result<Vec<u8>, FetchError> {
        let io = |err: reqwest::Error| FetchError::Io {
            origin: self.url.clone(),
            reason: err.without_url().to_string(),
        };
        let mut response = self.http.get(&self.url).send().await.map_err(io)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(FetchError::Status { origin: self.url.clone(), status });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(io)? {
            if body.len() + chunk.len() > MAX_KEYSET_BYTES {
                return Err(FetchError::Keyset { origin: self.url.clone(), error: KeysetError::TooLarge });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl KeysetSource for HttpsKeyset {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(self.get())
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}

/// A keyset in a file, read again on every fetch (so a replaced file is
/// picked up when an unknown key id asks for a refetch).
#[derive(Debug, Clone)]
pub struct KeysetFile {
    path: PathBuf,
}

impl KeysetFile {
    /// The keyset in the file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl KeysetSource for KeysetFile {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(async move {
            tokio::fs::read(&self.path)
                .await
                .map_err(|err| FetchError::Io { origin: self.describe(), reason: err.to_string() })
        })
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// A keyset held in memory (never fetched again).
struct Fixed(Vec<u8>);

impl KeysetSource for Fixed {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(async move { Ok(self.0.clone()) })
    }

    fn describe(&self) -> String {
        "a fixed keyset".into()
    }
}

/// Why [`Keys::verify`] refused a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature is missing, malformed, wrong, or names a key that is
    /// not in the keyset (even after fetching it again).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// No keyset could be had: answer 503, so that Google retries later.
    #[error("Google's keyset is unavailable: {0}")]
    Unavailable(FetchError),
}

impl VerifyError {
    /// The status to answer: 401/403 for a signature, 503 without a keyset.
    pub fn status(&self) -> u16 {
        match self {
            Self::Signature(signature) => signature.status(),
            Self::Unavailable(_) => 503,
        }
    }
}

struct Loaded {
    keyset: Arc<Keyset>,
    fetched_at: Instant,
    generation: u64,
}

struct FetchState {
    /// When the last fetch asked for by an unknown key id, or the last
    /// failed fetch, started.
    last_limited: Option<Instant>,
}

struct Inner {
    source: Arc<dyn KeysetSource>,
    current: RwLock<Option<Loaded>>,
    fetch: tokio::sync::Mutex<FetchState>,
    max_age: Duration,
    min_refetch_interval: Duration,
    fetches: AtomicU64,
}

/// Google's keyset, cached: fetched on first use, again when older than
/// [`max_age`](Self::max_age) (the old one stays in use if that fails), and
/// again when a signature names an unknown key id (Google rotated its keys)
/// — at most once per [`min_refetch_interval`](Self::min_refetch_interval).
/// Concurrent requests share one fetch. Cheap to clone.
///
/// ```no_run
/// # async fn run(body: &[u8], header: Option<&str>) {
/// use fitbit_webhooks::google::{Keys, KeysetFile};
///
/// let keys = Keys::google(); // or Keys::new(KeysetFile::new("keyset.json"))
/// match keys.verify(body, header).await {
///     Ok(key_id) => println!("signed by Google's key {key_id}"),
///     Err(refused) => println!("answer {}: {refused}", refused.status()),
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Keys {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("source", &self.inner.source.describe())
            .field("max_age", &self.inner.max_age)
            .field("min_refetch_interval", &self.inner.min_refetch_interval)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Keys from `source`, fetched on first use.
    pub fn new(source: impl KeysetSource) -> Self {
        Self::with_settings(Arc::new(source), DEFAULT_MAX_AGE, DEFAULT_MIN_REFETCH_INTERVAL)
    }

    fn with_settings(
        source: Arc<dyn KeysetSource>,
        max_age: Duration,
        min_refetch_interval: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                current: RwLock::new(None),
                fetch: tokio::sync::Mutex::new(FetchState { last_limited: None }),
                max_age,
                min_refetch_interval,
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// Keys from Google's URL ([`GOOGLE_KEYSET_URL`]).
    pub fn google() -> Self {
        Self::new(HttpsKeyset::google())
    }

    /// These keys, and no others: never fetched.
    pub fn fixed(keyset_json: impl Into<Vec<u8>>) -> Self {
        Self::new(Fixed(keyset_json.into())).max_age(Duration::MAX)
    }

    /// Use a fetched keyset this long (default 1 hour). Configure before
    /// use: the result starts with an empty cache.
    pub fn max_age(self, max_age: Duration) -> Self {
        let inner = &self.inner;
        Self::with_settings(inner.source.clone(), max_age, inner.min_refetch_interval)
    }

    /// The least time between fetches caused by unknown key ids or after a
    /// failed fetch (default 60 s). Configure before use: the result starts
    /// with an empty cache.
    pub fn min_refetch_interval(self, interval: Duration) -> Self {
        let inner = &self.inner;
        Self::with_settings(inner.source.clone(), inner.max_age, interval)
    }

    /// Where the keyset comes from.
    pub fn source(&self) -> String {
        self.inner.source.describe()
    }

    /// How many fetches were started so far.
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    fn current(&self) -> Option<(Arc<Keyset>, Instant, u64)> {
        let current = self.inner.current.read().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().map(|loaded| (loaded.keyset.clone(), loaded.fetched_at, loaded.generation))
    }

    async fn fetch_now(&self) -> Result<Arc<Keyset>, FetchError> {
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let source = &self.inner.source;
        let json = source.fetch().await?;
        let keyset = Keyset::from_json(&json)
            .map_err(|error| FetchError::Keyset { origin: source.describe(), error })?;
        let keyset = Arc::new(keyset);
        let mut current = self.inner.current.write().unwrap_or_else(PoisonError::into_inner);
        let generation = current.as_ref().map_or(1, |loaded| loaded.generation + 1);
        *current = Some(Loaded { keyset: keyset.clone(), fetched_at: Instant::now(), generation });
        Ok(keyset)
    }

    /// The keyset to verify with now: fetched when there is none yet or it
    /// is older than the maximum age (then the old one is kept if the fetch
    /// fails).
    pub async fn keyset(&self) -> Result<Arc<Keyset>, FetchError> {
        if let Some((keyset, fetched_at, _)) = self.current()
            && fetched_at.elapsed() < self.inner.max_age
        {
            return Ok(keyset);
        }
        let mut state = self.inner.fetch.lock().await;
        // Another request may have fetched while this one waited.
        let stale = self.current();
        if let Some((keyset, fetched_at, _)) = &stale
            && fetched_at.elapsed() < self.inner.max_age
        {
            return Ok(keyset.clone());
        }
        if stale.is_none()
            && let Some(last) = state.last_limited
            && last.elapsed() < self.inner.min_refetch_interval
        {
            return Err(FetchError::Io {
                origin: self.source(),
                reason: "the last fetch failed moments ago; not trying again yet".into(),
            });
        }
        match self.fetch_now().await {
            Ok(keyset) => Ok(keyset),
            Err(err) => {
                state.last_limited = Some(Instant::now());
                match stale {
                    Some((keyset, _, _)) => {
                        tracing::warn!("keeping the previous Google keyset: {err}");
                        Ok(keyset)
                    }
                    None => Err(err),
                }
            }
        }
    }

    /// Fetches again for an unknown key id, unless another request already
    /// did since `seen` or the last such fetch is too recent.
    async fn refetch_for_unknown_key(&self, seen: u64) -> Option<Result<Arc<Keyset>, FetchError>> {
        let mut state = self.inner.fetch.lock().await;
        if let Some((keyset, _, generation)) = self.current()
            && generation != seen
        {
            return Some(Ok(keyset));
        }
        if let Some(last) = state.last_limited
            && last.elapsed() < self.inner.min_refetch_interval
        {
            return None;
        }
        state.last_limited = Some(Instant::now());
        Some(self.fetch_now().await)
    }

    /// Checks the signature header's value (if any) over the raw body with
    /// Google's keys; returns the id of the key that signed it. A signature
    /// naming an unknown key leads to one fetch (rate-limited) before it is
    /// refused.
    pub async fn verify(&self, body: &[u8], header: Option<&str>) -> Result<u32, VerifyError> {
        if header.is_none() {
            return Err(SignatureError::Missing.into());
        }
        let keyset = self.keyset().await.map_err(VerifyError::Unavailable)?;
        let seen = self.current().map_or(0, |(_, _, generation)| generation);
        match keyset.verify(body, header) {
            Err(SignatureError::UnknownKey { key_id }) => match self.refetch_for_unknown_key(seen).await {
                Some(Ok(newer)) => newer.verify(body, header).map_err(VerifyError::from),
                Some(Err(err)) => {
                    tracing::warn!(
                        "a signature names key {key_id}, and the keyset could not be fetched again: {err}"
                    );
                    Err(VerifyError::Unavailable(err))
                }
                None => Err(SignatureError::UnknownKey { key_id }.into()),
            },
            other => other.map_err(VerifyError::from),
        }
    }
}

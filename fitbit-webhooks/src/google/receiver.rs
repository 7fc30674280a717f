//! A ready Google Health subscriber endpoint (features `google` and
//! `receiver`): an axum router that answers Google's verification requests,
//! checks `Authorization` and the signature of every notification on the raw
//! bytes, answers at once, and hands the verified notifications to your
//! application through a [`NotificationSink`] (a tokio channel, or a
//! function).
//!
//! What it answers:
//!
//! | request | answer |
//! |---|---|
//! | `POST {"type":"verification"}` with the right `Authorization` | 201 |
//! | any `POST` without `Authorization` | 401 (the body is not read) |
//! | any `POST` with another `Authorization` | 403 (the body is not read) |
//! | `POST`, no signature header | 401; the body is not parsed |
//! | `POST`, signature malformed, wrong, or by a key not in Google's keyset | 403; the body is not parsed |
//! | `POST`, Google's keyset cannot be fetched | 503 (Google retries) |
//! | `POST`, signature right, body not notifications | 400 |
//! | `POST`, signature right, body notifications, sink took them | 204 |
//! | `POST` larger than the limit (64 KiB by default) | 413 |
//! | `POST` whose body is not all there within 10 s (by default) | 408 |
//! | `POST`, sink full or closed | 503, so that the delivery is not lost |
//! | other methods | 405 |
//!
//! Serve the router with [`crate::receiver::serve`] for header and idle
//! time limits and a cap on connections.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};

use super::endpoint::{Accepted, Endpoint, Rejection};
use super::notification::Notification;
use super::signature::SIGNATURE_HEADERS;
use crate::receiver::{BodyError, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, SinkUnavailable, read_body};

/// Where verified Google Health notifications go. Delivery must not block:
/// the receiver answers Google right after it.
pub trait NotificationSink: Send + Sync + 'static {
    /// Takes the verified notifications of one POST, all or none.
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable>;

    /// Told about every endpoint verification answered 201. The default
    /// logs a `tracing` info line.
    fn verified(&self) {
        tracing::info!("answered Google's endpoint verification (201)");
    }

    /// Told about every request that was refused. The default logs a
    /// `tracing` warning (it never holds the secret or the signature).
    fn refused(&self, refusal: &Refusal) {
        tracing::warn!(status = refusal.status(), "{refusal}");
    }
}

/// A bounded channel: the notifications of a POST are sent all or none.
impl NotificationSink for tokio::sync::mpsc::Sender<Notification> {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        if notifications.is_empty() {
            return Ok(());
        }
        let permits = self.try_reserve_many(notifications.len()).map_err(|_| SinkUnavailable)?;
        for (permit, notification) in permits.zip(notifications) {
            permit.send(notification);
        }
        Ok(())
    }
}

/// An unbounded channel.
impl NotificationSink for tokio::sync::mpsc::UnboundedSender<Notification> {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        for notification in notifications {
            self.send(notification).map_err(|_| SinkUnavailable)?;
        }
        Ok(())
    }
}

/// A sink that calls `deliver` for every verified POST.
///
/// ```
/// use fitbit_webhooks::google::receiver::{NotificationSink, sink_fn};
///
/// let sink = sink_fn(|notifications| println!("{} changes", notifications.len()));
/// assert!(sink.deliver(Vec::new()).is_ok());
/// ```
pub fn sink_fn<F>(deliver: F) -> FnSink<F>
where
    F: Fn(Vec<Notification>) + Send + Sync + 'static,
{
    FnSink(deliver)
}

/// See [`sink_fn`].
pub struct FnSink<F>(F);

impl<F> NotificationSink for FnSink<F>
where
    F: Fn(Vec<Notification>) + Send + Sync + 'static,
{
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        (self.0)(notifications);
        Ok(())
    }
}

/// A request the receiver refused, and why. `Display` names the method, the
/// path, the status and the reason; never a header's value.
#[derive(Debug)]
pub struct Refusal {
    /// The request's method.
    pub method: Method,
    /// The request's path.
    pub path: String,
    /// Why it was refused.
    pub reason: RefusalReason,
}

/// Why a request was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum RefusalReason {
    /// `Authorization`, signature, keyset or body refused (see [`Rejection`]).
    Rejected(Rejection),
    /// A body larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A body not all there within the time limit.
    BodyTimeout {
        /// The limit.
        after: Duration,
    },
    /// The body could not be read to its end.
    UnreadableBody(String),
    /// The sink could not take the notifications.
    Unavailable,
    /// Not a POST.
    MethodNotAllowed,
}

impl Refusal {
    /// The status the request was answered with.
    pub fn status(&self) -> u16 {
        match &self.reason {
            RefusalReason::Rejected(rejection) => rejection.status(),
            RefusalReason::TooLarge { .. } => 413,
            RefusalReason::BodyTimeout { .. } => 408,
            RefusalReason::UnreadableBody(_) => 400,
            RefusalReason::Unavailable => 503,
            RefusalReason::MethodNotAllowed => 405,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused {} {} ({}): ", self.method, self.path, self.status())?;
        match &self.reason {
            RefusalReason::Rejected(rejection) => write!(f, "{rejection}"),
            RefusalReason::TooLarge { limit } => write!(f, "the body is larger than {limit} bytes"),
            RefusalReason::BodyTimeout { after } => write!(f, "the body was not all there within {after:?}"),
            RefusalReason::UnreadableBody(reason) => write!(f, "the body could not be read: {reason}"),
            RefusalReason::Unavailable => f.write_str("the application cannot take notifications now"),
            RefusalReason::MethodNotAllowed => f.write_str("only POST is answered"),
        }
    }
}

/// The Google Health subscriber endpoint as an axum router.
///
/// ```no_run
/// use fitbit_webhooks::google::receiver::Receiver;
/// use fitbit_webhooks::google::{Endpoint, EndpointAuthorization, Keys};
/// use fitbit_webhooks::receiver::{ServeLimits, serve};
///
/// # async fn run() -> std::io::Result<()> {
/// let secret = std::env::var("HEALTH_WEBHOOK_AUTHORIZATION").unwrap_or_default(); // "Bearer …"
/// let endpoint = Endpoint::new(EndpointAuthorization::new(secret), Keys::google());
/// let (notifications, mut incoming) = tokio::sync::mpsc::channel(1024);
/// let app = axum::Router::new().nest_service("/google/webhook", Receiver::new(endpoint, notifications).router());
///
/// tokio::spawn(async move {
///     while let Some(notification) = incoming.recv().await {
///         println!("{} {} for {}", notification.operation, notification.data_type, notification.health_user_id);
///     }
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// serve(listener, app, ServeLimits::default(), std::future::pending()).await
/// # }
/// ```
pub struct Receiver {
    endpoint: Endpoint,
    sink: Box<dyn NotificationSink>,
    max_body_bytes: usize,
    body_timeout: Duration,
}

impl Receiver {
    /// A receiver that checks requests with `endpoint` and delivers to `sink`.
    pub fn new(endpoint: Endpoint, sink: impl NotificationSink) -> Self {
        Self {
            endpoint,
            sink: Box::new(sink),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }

    /// The largest body accepted; larger ones get 413 unread.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How long a POST's body may take to arrive in whole (default 10 s);
    /// slower ones get 408.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The router; it answers on every path.
    pub fn router(self) -> Router {
        Router::new().fallback(answer).with_state(Arc::new(self))
    }

    async fn handle(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<StatusCode, RefusalReason> {
        if method != Method::POST {
            return Err(RefusalReason::MethodNotAllowed);
        }
        let text = |name: &str| headers.get(name).map(|value| value.to_str().unwrap_or(""));
        let authorization = text(header::AUTHORIZATION.as_str());
        self.endpoint.check_authorization(authorization).map_err(RefusalReason::Rejected)?;
        let limit = self.max_body_bytes;
        let body = read_body(headers, body, limit, self.body_timeout).await.map_err(|err| match err {
            BodyError::TooLarge => RefusalReason::TooLarge { limit },
            BodyError::TimedOut => RefusalReason::BodyTimeout { after: self.body_timeout },
            BodyError::Unreadable(reason) => RefusalReason::UnreadableBody(reason),
        })?;
        let signature = SIGNATURE_HEADERS.iter().find_map(|name| text(name));
        match self.endpoint.handle(authorization, signature, &body).await.map_err(RefusalReason::Rejected)? {
            Accepted::Notifications { notifications, .. } => {
                self.sink.deliver(notifications).map_err(|SinkUnavailable| RefusalReason::Unavailable)?;
                Ok(StatusCode::NO_CONTENT)
            }
            Accepted::Verification => {
                self.sink.verified();
                Ok(StatusCode::CREATED)
            }
        }
    }
}

async fn answer(
    State(receiver): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    match receiver.handle(&method, &headers, body).await {
        Ok(status) => status,
        Err(reason) => {
            let refusal = Refusal { method, path: uri.path().to_owned(), reason };
            receiver.sink.refused(&refusal);
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    }
}

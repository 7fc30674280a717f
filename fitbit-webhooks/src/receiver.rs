//! A ready subscriber endpoint: an axum router that answers Fitbit's
//! verification `GET`s, checks the signature of every `POST` on the raw
//! bytes, answers at once, and hands the verified notifications to your
//! application through a [`NotificationSink`] (a tokio channel, or a
//! function).
//!
//! What it answers:
//!
//! | request | answer |
//! |---|---|
//! | `GET ?verify=<your code>` | 204 |
//! | any other `GET` | 404 |
//! | `POST`, signature right, body a notification array, sink took it | 204 |
//! | `POST`, signature missing, malformed or wrong | 404; the body is not parsed |
//! | `POST`, signature right, body not a notification array | 400 |
//! | `POST` larger than the limit (64 KiB by default) | 413; the body is not read |
//! | `POST` whose body is not all there within 10 s (by default) | 408 |
//! | `POST`, sink full or closed | 503, so that the delivery is not lost silently |
//! | other methods | 405 |
//!
//! The router answers on every path; mount it where your subscriber URL
//! points with `Router::nest_service`. Serve it with [`serve`], which adds
//! header and idle time limits and caps the open connections
//! ([`ServeLimits`]); `axum::serve` has no time limits.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};

use crate::notification::Notification;
use crate::signature::SIGNATURE_HEADER;
use crate::subscriber::{Rejection, Subscriber};
use crate::verification::VerificationAnswer;

mod body;
mod serve;

pub(crate) use body::{BodyError, read_body};
pub use serve::{ServeLimits, serve};

/// The default largest notification body: a POST carries a few hundred
/// bytes per notification, so 64 KiB leaves room for large batches.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// The default time a POST's body has to arrive in whole.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where verified notifications go. Delivery must not block: the receiver
/// answers Fitbit right after it (Fitbit wants an answer within 5 seconds),
/// and the application fetches the changed data afterwards.
pub trait NotificationSink: Send + Sync + 'static {
    /// Takes the verified notifications of one POST, all or none.
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable>;

    /// Told about every request that was refused. The default logs a
    /// `tracing` warning.
    fn refused(&self, refusal: &Refusal) {
        tracing::warn!(status = refusal.status(), "{refusal}");
    }
}

/// The sink cannot take notifications now (a full or closed channel): the
/// POST is answered 503 so that the delivery is not lost silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the application cannot take notifications now")]
pub struct SinkUnavailable;

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
/// use fitbit_webhooks::receiver::{NotificationSink, sink_fn};
///
/// let sink = sink_fn(|notifications| println!("{} changed", notifications.len()));
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

/// A request the receiver refused, and why.
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
    /// A verification GET without the right code.
    VerificationCode,
    /// A POST whose signature or body was refused.
    Notification(Rejection),
    /// A POST whose body is larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read to its end.
    UnreadableBody(String),
    /// The body was not all there within the time limit.
    BodyTimeout {
        /// The limit.
        after: Duration,
    },
    /// The sink could not take the notifications.
    Unavailable,
    /// Neither GET nor POST.
    MethodNotAllowed,
}

impl Refusal {
    /// The status the request was answered with.
    pub fn status(&self) -> u16 {
        match &self.reason {
            RefusalReason::VerificationCode => 404,
            RefusalReason::Notification(rejection) => rejection.status(),
            RefusalReason::TooLarge { .. } => 413,
            RefusalReason::UnreadableBody(_) => 400,
            RefusalReason::BodyTimeout { .. } => 408,
            RefusalReason::Unavailable => 503,
            RefusalReason::MethodNotAllowed => 405,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused {} {} ({}): ", self.method, self.path, self.status())?;
        match &self.reason {
            RefusalReason::VerificationCode => f.write_str("the verify code is missing or wrong"),
            RefusalReason::Notification(rejection) => write!(f, "{rejection}"),
            RefusalReason::TooLarge { limit } => write!(f, "the body is larger than {limit} bytes"),
            RefusalReason::UnreadableBody(reason) => write!(f, "the body could not be read: {reason}"),
            RefusalReason::BodyTimeout { after } => write!(f, "the body was not all there within {after:?}"),
            RefusalReason::Unavailable => f.write_str("the application cannot take notifications now"),
            RefusalReason::MethodNotAllowed => f.write_str("only GET (verification) and POST are answered"),
        }
    }
}

/// The subscriber endpoint as an axum router.
///
/// ```no_run
/// use fitbit_webhooks::receiver::Receiver;
/// use fitbit_webhooks::{SignatureKey, Subscriber, VerificationCode};
///
/// # async fn serve() -> std::io::Result<()> {
/// let subscriber = Subscriber::new(
///     SignatureKey::from_client_secret(&std::env::var("FITBIT_CLIENT_SECRET").unwrap_or_default()),
///     VerificationCode::new(std::env::var("FITBIT_VERIFICATION_CODE").unwrap_or_default()),
/// );
/// let (notifications, mut incoming) = tokio::sync::mpsc::channel(1024);
/// let app = axum::Router::new().nest_service("/fitbit/webhook", Receiver::new(subscriber, notifications).router());
///
/// tokio::spawn(async move {
///     while let Some(notification) = incoming.recv().await {
///         println!("{} changed for {} ({})", notification.collection_type, notification.owner_id, notification.key());
///     }
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub struct Receiver {
    subscriber: Subscriber,
    sink: Box<dyn NotificationSink>,
    max_body_bytes: usize,
    body_timeout: Duration,
}

impl Receiver {
    /// A receiver that checks requests with `subscriber` and delivers to `sink`.
    pub fn new(subscriber: Subscriber, sink: impl NotificationSink) -> Self {
        Self {
            subscriber,
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
        uri: &Uri,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<(), RefusalReason> {
        match *method {
            Method::GET => match self.subscriber.verify(verify_param(uri).as_deref()) {
                VerificationAnswer::Verified => Ok(()),
                VerificationAnswer::Refused => Err(RefusalReason::VerificationCode),
            },
            Method::POST => {
                let body = self.read_body(headers, body).await?;
                let signature = headers.get(SIGNATURE_HEADER).map(|value| value.to_str().unwrap_or(""));
                let notifications =
                    self.subscriber.notifications(&body, signature).map_err(RefusalReason::Notification)?;
                self.sink.deliver(notifications).map_err(|SinkUnavailable| RefusalReason::Unavailable)
            }
            _ => Err(RefusalReason::MethodNotAllowed),
        }
    }

    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<bytes::Bytes, RefusalReason> {
        let limit = self.max_body_bytes;
        read_body(headers, body, limit, self.body_timeout).await.map_err(|err| match err {
            BodyError::TooLarge => RefusalReason::TooLarge { limit },
            BodyError::TimedOut => RefusalReason::BodyTimeout { after: self.body_timeout },
            BodyError::Unreadable(reason) => RefusalReason::UnreadableBody(reason),
        })
    }
}

async fn answer(
    State(receiver): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    match receiver.handle(&method, &uri, &headers, body).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(reason) => {
            let refusal = Refusal { method, path: uri.path().to_owned(), reason };
            receiver.sink.refused(&refusal);
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    }
}

/// The `verify` query parameter, percent-decoded.
fn verify_param(uri: &Uri) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query()?).ok()?;
    pairs.into_iter().find(|(name, _)| name == "verify").map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verify_parameter_is_found_among_others_and_decoded() {
        let uri: Uri = "/hook?a=1&verify=c0%2Bffee&b=2".parse().unwrap();
        assert_eq!(verify_param(&uri).as_deref(), Some("c0+ffee"));
        assert_eq!(verify_param(&"/hook?a=1".parse().unwrap()), None);
        assert_eq!(verify_param(&"/hook".parse().unwrap()), None);
    }
}

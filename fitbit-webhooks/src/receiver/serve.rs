//! Serving a receiver's router with limits: a slow or silent client is cut
//! off, and the number of open connections is capped, so that nobody can
//! hold the endpoint while Google's or Fitbit's deliveries wait.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// Time limits and the connection cap of [`serve`].
///
/// ```
/// use std::time::Duration;
/// use fitbit_webhooks::receiver::ServeLimits;
///
/// let limits = ServeLimits::default().header_read_timeout(Duration::from_secs(5)).max_connections(64);
/// assert_eq!(limits.get_max_connections(), 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

impl Default for ServeLimits {
    /// Headers within 10 s (also the most a kept-alive connection waits for
    /// its next request), 30 s without a byte either way closes a
    /// connection, at most 256 connections at once.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

impl ServeLimits {
    /// A request's headers must arrive within this time, counted from when
    /// the connection waits for a request (so it is also the most a
    /// kept-alive connection may sit idle between requests).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// A connection on which no byte moved either way for this long is
    /// closed (a client that stalls mid-body, or stops reading).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// At most this many connections are served at once (at least 1); more
    /// wait in the listener's backlog until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// The header time limit.
    pub fn get_header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The idle time limit.
    pub fn get_idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The connection cap.
    pub fn get_max_connections(&self) -> usize {
        self.max_connections
    }
}

/// Serves `router` on `listener` (HTTP/1.1) with `limits` until `shutdown`
/// completes; then stops accepting, lets requests in progress finish and
/// returns. Use it rather than `axum::serve`, which has no time limits.
///
/// The receivers' own limits apply on top: the body size cap (413) and the
/// body time limit (408).
///
/// ```no_run
/// use fitbit_webhooks::receiver::{Receiver, ServeLimits, serve};
/// use fitbit_webhooks::{SignatureKey, Subscriber, VerificationCode};
///
/// # async fn run() -> std::io::Result<()> {
/// let subscriber = Subscriber::new(SignatureKey::from_client_secret("secret"), VerificationCode::new("code"));
/// let (notifications, _incoming) = tokio::sync::mpsc::channel(1024);
/// let router = Receiver::new(subscriber, notifications).router();
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// // The future stops it: e.g. `tokio::signal::ctrl_c()`; here never.
/// serve(listener, router, ServeLimits::default(), std::future::pending()).await
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors or a connection aborted before
                    // it was accepted: wait a little and go on.
                    tracing::warn!("accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(router.clone());
        let stopping = stopping.clone();
        connections.spawn(async move {
            let _permit = permit;
            serve_connection(stream, service, limits, stopping).await;
        });
        while connections.try_join_next().is_some() {}
    }
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    service: TowerToHyperService<Router>,
    limits: ServeLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Activity::new();
    let io = TokioIo::new(Tracked { inner: stream, activity: activity.clone() });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        let idle = activity.idle_for();
        if idle >= limits.idle_timeout {
            // Dropping the connection closes the socket.
            return;
        }
        tokio::select! {
            _ = connection.as_mut() => return,
            () = tokio::time::sleep(limits.idle_timeout - idle) => {}
            changed = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// When bytes last moved on a connection.
#[derive(Clone)]
struct Activity {
    start: Instant,
    last_millis: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self { start: Instant::now(), last_millis: Arc::new(AtomicU64::new(0)) }
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        self.start.elapsed().saturating_sub(Duration::from_millis(self.last_millis.load(Ordering::Relaxed)))
    }
}

/// A TCP stream that notes when bytes move.
struct Tracked {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

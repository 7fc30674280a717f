//! A loopback HTTP/1.1 server that answers every request with the same small
//! body: the far end of the per-request overhead bench, doing as little as
//! possible so that the client side dominates.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A valid `GET /1/user/-/profile.json` answer, small.
pub const PROFILE_BODY: &str =
    r#"{"user":{"encodedId":"GGNJL9","displayName":"Bench User","timezone":"UTC","offsetFromUTCMillis":0}}"#;

/// The rate-limit budget the server reports: large, so that the governor
/// reads real headers on every answer but never holds a request back.
pub const RATE_LIMIT: u32 = 1_000_000_000;

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct FixedBodyServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FixedBodyServer {
    /// Binds `127.0.0.1:0` on the current tokio runtime and answers every
    /// request with `200`, [`PROFILE_BODY`] and `Fitbit-Rate-Limit-*` headers.
    pub async fn start() -> std::io::Result<Self> {
        Self::answering_after(Duration::ZERO).await
    }

    /// Like [`start`](Self::start), but each answer waits `delay` first, as a
    /// server that does some work (or a network hop) would, without using
    /// the CPU meanwhile.
    pub async fn answering_after(delay: Duration) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = service_fn(|_request| async move {
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        Ok::<_, Infallible>(answer())
                    });
                    // An error here is a client closing its connection.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FixedBodyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn answer() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(PROFILE_BODY.as_bytes())));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json;charset=UTF-8"));
    headers.insert("fitbit-rate-limit-limit", RATE_LIMIT.into());
    headers.insert("fitbit-rate-limit-remaining", RATE_LIMIT.into());
    headers.insert("fitbit-rate-limit-reset", 3_600u32.into());
    response
}

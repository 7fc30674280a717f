//! HTTP/1.1 plumbing (hyper): read a request whole, record it, route it, answer.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::{RecordedRequest, Shared, api, errors::ApiError, oauth};

/// A request, read whole.
pub(crate) struct MockRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl MockRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The bearer token of the `Authorization` header, if that is what it holds.
    pub fn bearer(&self) -> Option<&str> {
        let header = self.header("authorization")?;
        let (scheme, token) = header.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
    }
}

/// What a handler decided.
pub(crate) enum Outcome {
    Reply(Reply),
    /// Close the connection without answering (fault injection).
    DropConnection,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Outcome::Reply(reply)
    }
}

/// An answer.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Reply {
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: &Value) -> Self {
        Self::raw(status, "application/json; charset=UTF-8", body.to_string())
    }

    /// Google's OAuth error shape: `{"error": …, "error_description": …}`.
    pub fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        Self::json(status, &json!({ "error": error, "error_description": description }))
    }

    pub fn redirect(location: &str) -> Self {
        Self {
            status: StatusCode::FOUND,
            headers: vec![("location".into(), location.into())],
            body: Bytes::new(),
        }
    }

    /// The page Google's sign-in shows when it cannot send the user back to the app.
    pub fn page(status: u16, error: &str, message: &str) -> Self {
        Self::raw(
            status,
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><html><head><title>Access blocked: authorization error</title></head>\
                 <body><h1>Access blocked: authorization error</h1><p>{message}</p>\
                 <p>Error {status}: {error}</p></body></html>"
            ),
        )
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The error `service_fn` returns to make hyper close the connection unanswered.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

pub(crate) async fn serve(shared: Arc<Shared>) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| handle(shared.clone(), request));
                // Errors here are dropped connections (ours or the client's).
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((addr, server))
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let request = MockRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    };
    shared.state().requests.push(RecordedRequest {
        method: request.method.to_string(),
        path: request.path.clone(),
        query: request.query.clone(),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: request.body.clone(),
    });

    let outcome = route(&shared, &request);
    if matches!(outcome, Outcome::DropConnection) {
        shared.state().counters.dropped_connections += 1;
    }
    shared.changed.notify_waiters();
    match outcome {
        Outcome::Reply(reply) => Ok(into_response(reply)),
        Outcome::DropConnection => Err(Dropped),
    }
}

fn route(shared: &Shared, request: &MockRequest) -> Outcome {
    let method = &request.method;
    match request.path.as_str() {
        "/o/oauth2/v2/auth" if method == Method::GET => oauth::authorize(shared, request).into(),
        "/o/oauth2/v2/auth" => {
            Reply::page(405, "invalid_request", "The sign-in page is opened with GET.").into()
        }
        "/token" if method == Method::POST => oauth::token(shared, request),
        "/token" => {
            Reply::oauth_error(405, "invalid_request", "The token endpoint only accepts POST.").into()
        }
        "/revoke" if method == Method::POST => oauth::revoke(shared, request).into(),
        // Google answers a GET to the revocation endpoint with a plain 404.
        "/revoke" => {
            Reply::raw(404, "text/html; charset=UTF-8", "<html><body>Not Found</body></html>").into()
        }
        path if path.starts_with("/v4/") => api::handle(shared, request).into(),
        _ => ApiError::not_found("The requested URL was not found on this server.").into_reply().into(),
    }
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name), http::HeaderValue::try_from(value))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

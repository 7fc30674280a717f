//! HTTP/1.1 plumbing (hyper) and the shapes of the mock's answers.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::{RecordedRequest, Shared, api, oauth};

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
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: vec![("content-type".into(), "application/json;charset=UTF-8".into())],
            body: Bytes::from(body.to_string()),
        }
    }

    /// Fitbit's error envelope.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({ "errors": [{ "errorType": error_type, "message": message }], "success": false }),
        )
    }

    pub fn raw(status: u16, content_type: &str, body: Bytes) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    pub fn empty(status: u16) -> Self {
        Self::raw(status, "text/plain", Bytes::new())
    }

    pub fn redirect(location: &str) -> Self {
        Self {
            status: StatusCode::FOUND,
            headers: vec![("location".into(), location.into())],
            body: Bytes::new(),
        }
    }

    /// The HTML-ish page the authorize endpoint shows when it cannot redirect.
    pub fn page(status: u16, message: &str) -> Self {
        Self::raw(status, "text/html", Bytes::from(format!("<html><body><p>{message}</p></body></html>")))
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

    let outcome = route(&shared, &request).await;
    if matches!(outcome, Outcome::DropConnection) {
        shared.state().counters.dropped_connections += 1;
    }
    shared.changed.notify_waiters();
    match outcome {
        Outcome::Reply(reply) => Ok(into_response(reply)),
        Outcome::DropConnection => Err(Dropped),
    }
}

async fn route(shared: &Shared, request: &MockRequest) -> Outcome {
    let path = request.path.as_str();
    let method = &request.method;
    match path {
        "/oauth2/authorize" if method == Method::GET => oauth::authorize(shared, request).into(),
        "/oauth2/token" if method == Method::POST => oauth::token(shared, request).await,
        "/oauth2/revoke" if method == Method::POST => oauth::revoke(shared, request).into(),
        "/1.1/oauth2/introspect" if method == Method::POST => oauth::introspect(shared, request).into(),
        "/oauth2/authorize" | "/oauth2/token" | "/oauth2/revoke" | "/1.1/oauth2/introspect" => {
            Reply::error(405, "request", "Method not allowed").into()
        }
        _ if method == Method::GET && api::recorded(shared, request).is_some() => {
            let answer = api::recorded(shared, request).expect("checked above");
            api::answer(shared, request, answer).into()
        }
        _ => match api::profile_user(path) {
            Some(user) if method == Method::GET => api::profile(shared, request, &user).into(),
            Some(_) => Reply::error(405, "request", "Method not allowed").into(),
            None => Reply::error(404, "not_found", "The API you are requesting could not be found.").into(),
        },
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

/// Checks shared by every OAuth POST: `Content-Length` and a form body.
pub(crate) fn require_form_post(request: &MockRequest) -> Result<(), Reply> {
    if request.header("content-length").is_none() {
        return Err(Reply::error(
            411,
            "request",
            "Length Required: POST requests need a Content-Length header",
        ));
    }
    let content_type = request.header("content-type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(Reply::error(
            400,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    Ok(())
}

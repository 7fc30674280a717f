//! What happens around every request: the generated client calls these hooks.
//!
//! - `pre`: removes progenitor's `api-version` header, applies the client-wide
//!   `Accept-Language`/`Accept-Locale` defaults, puts `Content-Length: 0` on
//!   bodiless POSTs (Fitbit answers 411 without it) and attaches the bearer
//!   token (refreshing it first when it is about to expire).
//! - `exec`: sends the request inside a tracing span; after a 401
//!   `expired_token` it refreshes once and retries once; it rewrites error
//!   bodies that are not JSON (an HTML page from a proxy) into an
//!   [`ErrorEnvelope`] so that the status and headers reach the caller.

use std::fmt;
use std::sync::Arc;

use fitbit_auth::{AccessToken, Authorizer, Error, ErrorEnvelope, HOOK_ERROR_HEADER};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response};
use tracing::Instrument;

use crate::generated_client::Client;
use crate::generated_client::types::Locale;
use crate::values::UnitSystem;

const ACCEPT_LOCALE: HeaderName = HeaderName::from_static("accept-locale");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const RATE_LIMIT_REMAINING: &str = "fitbit-rate-limit-remaining";

/// The state the hooks need, shared by all clones of a [`Client`].
#[derive(Clone)]
pub struct Middleware {
    shared: Arc<Shared>,
}

struct Shared {
    authorizer: Arc<dyn Authorizer>,
    accept_language: Option<UnitSystem>,
    accept_locale: Option<Locale>,
}

impl Middleware {
    pub(crate) fn new(
        authorizer: Arc<dyn Authorizer>,
        accept_language: Option<UnitSystem>,
        accept_locale: Option<Locale>,
    ) -> Self {
        Self { shared: Arc::new(Shared { authorizer, accept_language, accept_locale }) }
    }

    /// The token source this client uses.
    pub fn authorizer(&self) -> &Arc<dyn Authorizer> {
        &self.shared.authorizer
    }

    /// The client-wide unit system, when one is set.
    pub fn accept_language(&self) -> Option<UnitSystem> {
        self.shared.accept_language
    }

    /// The client-wide text locale, when one is set.
    pub fn accept_locale(&self) -> Option<Locale> {
        self.shared.accept_locale
    }
}

impl fmt::Debug for Middleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Middleware")
            .field("authorizer", &self.shared.authorizer)
            .field("accept_language", &self.shared.accept_language)
            .field("accept_locale", &self.shared.accept_locale)
            .finish()
    }
}

impl ClientHooks<Middleware> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let middleware = self.inner();
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        if let Some(units) = middleware.accept_language()
            && !headers.contains_key(header::ACCEPT_LANGUAGE)
        {
            headers.insert(header::ACCEPT_LANGUAGE, header_value(&units.to_string()));
        }
        if let Some(locale) = middleware.accept_locale()
            && !headers.contains_key(&ACCEPT_LOCALE)
        {
            headers.insert(ACCEPT_LOCALE, header_value(&locale.to_string()));
        }
        if request.method() == reqwest::Method::POST && request.body().is_none() {
            request.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        let token = middleware
            .authorizer()
            .access_token()
            .await
            .map_err(|err| progenitor_client::Error::Custom(err.to_hook_message()))?;
        set_bearer(request.headers_mut(), &token);
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let span = tracing::info_span!(
            "fitbit.request",
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            rate_limit_remaining = tracing::field::Empty,
        );
        self.send_refreshing_once(request).instrument(span).await
    }
}

impl Client {
    /// Sends `request`; on 401 `expired_token` refreshes and retries once.
    async fn send_refreshing_once(&self, request: Request) -> reqwest::Result<Response> {
        let retry = request.try_clone();
        let response = self.send_attempt(request, 1).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return normalize_error_body(response).await;
        }
        let (response, envelope) = buffer_error(response).await?;
        let (Some(mut retry), true) = (retry, envelope.has_error_type("expired_token")) else {
            return Ok(response);
        };
        let rejected = bearer_of(retry.headers());
        match self.inner().authorizer().refresh_after_rejection(&rejected).await {
            Ok(token) => {
                set_bearer(retry.headers_mut(), &token);
                let response = self.send_attempt(retry, 2).await?;
                normalize_error_body(response).await
            }
            Err(err) => {
                tracing::warn!(error = %err, "refresh after expired_token failed");
                Ok(with_header(response, HOOK_ERROR_HEADER, err.to_hook_header()))
            }
        }
    }

    /// One trip to the server, recorded on the current span.
    async fn send_attempt(&self, request: Request, attempt: u32) -> reqwest::Result<Response> {
        let span = tracing::Span::current();
        span.record("attempt", attempt);
        let result = self.client().execute(request).await;
        match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(remaining) =
                    response.headers().get(RATE_LIMIT_REMAINING).and_then(|v| v.to_str().ok())
                {
                    span.record("rate_limit_remaining", remaining);
                }
                tracing::debug!(status = response.status().as_u16(), "fitbit answered");
            }
            Err(err) => tracing::debug!(error = %Error::from_transport(err), "request failed"),
        }
        result
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn set_bearer(headers: &mut HeaderMap, token: &AccessToken) {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
    value.set_sensitive(true);
    headers.insert(header::AUTHORIZATION, value);
}

fn bearer_of(headers: &HeaderMap) -> AccessToken {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    AccessToken::new(value.strip_prefix("Bearer ").unwrap_or(value))
}

/// Reads an error answer's body and rebuilds the response around it.
async fn buffer_error(response: Response) -> reqwest::Result<(Response, ErrorEnvelope)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    // The body is replaced by the parsed envelope: a body that is not an error
    // envelope (HTML, truncated JSON) keeps its start in `raw_body`, unknown
    // fields are kept, and token-like strings in messages are redacted.
    let envelope = ErrorEnvelope::parse(&body);
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    rebuilt.headers_mut().remove(header::CONTENT_LENGTH);
    rebuilt.headers_mut().remove(header::CONTENT_ENCODING);
    Ok((Response::from(rebuilt), envelope))
}

/// Leaves success answers untouched; makes sure error answers carry JSON.
async fn normalize_error_body(response: Response) -> reqwest::Result<Response> {
    if response.status().is_client_error() || response.status().is_server_error() {
        Ok(buffer_error(response).await?.0)
    } else {
        Ok(response)
    }
}

fn with_header(mut response: Response, name: &'static str, value: HeaderValue) -> Response {
    response.headers_mut().insert(HeaderName::from_static(name), value);
    response
}

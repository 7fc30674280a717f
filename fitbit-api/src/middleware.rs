//! What happens around every request: the generated client calls these hooks.
//!
//! - `pre`: applies the client-wide `Accept-Language`/`Accept-Locale` defaults,
//!   puts `Content-Length: 0` on bodiless POSTs (Fitbit answers 411 without
//!   it), takes a request from the rate-limit budget (waiting for the reset, or
//!   failing fast, when it is spent) and attaches the bearer token (refreshed
//!   first when it is about to expire).
//! - `exec`: sends the request inside a tracing span and retries: after a 401
//!   `expired_token` it refreshes once and retries; after a 429 it waits for
//!   Fitbit's reset; idempotent requests are retried on 502/503/504 and on
//!   transport failures with backoff. Error bodies that are not JSON (an HTML
//!   page from a proxy) are rewritten into an [`ErrorEnvelope`] so that the
//!   status and headers reach the caller. A 410 Gone answer is marked with
//!   the operation's id ([`OPERATION_HEADER`]), so that [`Error::Retired`]
//!   names what replaces it. A POST that left but got no answer becomes
//!   [`Error::OutcomeUnknown`] (it may have been carried out). Both marks,
//!   and [`HOOK_ERROR_HEADER`], are removed from every answer as it
//!   arrives, so that only the middleware can set them.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use fitbit_auth::{AccessToken, Authorizer, Error, ErrorEnvelope, HOOK_ERROR_HEADER, OPERATION_HEADER};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::clock::Clock;
use crate::generated_client::Client;
use crate::generated_client::types::Locale;
use crate::governor::{self, Admission, Governor, RateLimitPolicy, RateLimitStatus, jitter};
use crate::retry::{RetryPolicy, is_idempotent, is_retryable_status, is_retryable_transport};
use crate::values::UnitSystem;

const ACCEPT_LOCALE: HeaderName = HeaderName::from_static("accept-locale");
// The internal marks as `HeaderName`s: removing by `&str` would parse the
// name on every answer.
const HOOK_ERROR: HeaderName = HeaderName::from_static(HOOK_ERROR_HEADER);
const OPERATION: HeaderName = HeaderName::from_static(OPERATION_HEADER);

/// A client's state: its token source, defaults, rate-limit budget and
/// policies, which the hooks read on every request; shared by all clones of
/// a [`Client`] (`Client::inner`, [`Client::state`]).
#[derive(Clone)]
pub struct ClientState {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) authorizer: Arc<dyn Authorizer>,
    pub(crate) accept_language: Option<UnitSystem>,
    pub(crate) accept_locale: Option<Locale>,
    pub(crate) governor: Arc<Governor>,
    pub(crate) rate_limit_policy: RateLimitPolicy,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
}

impl ClientState {
    pub(crate) fn new(shared: Shared) -> Self {
        Self { shared: Arc::new(shared) }
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

    /// This user's rate-limit budget.
    pub fn governor(&self) -> &Arc<Governor> {
        &self.shared.governor
    }

    /// The budget now: limit, requests left, time of the reset.
    pub fn rate_limit(&self) -> RateLimitStatus {
        self.shared.governor.status_at(self.shared.clock.now())
    }

    /// How failed attempts are retried.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.shared.retry_policy
    }

    /// Takes one request from the budget, waiting for the reset when the
    /// policy allows; otherwise the typed rate-limited error.
    async fn admit(&self) -> Result<(), Error> {
        let shared = &self.shared;
        loop {
            let now = shared.clock.now();
            let Admission::SpentUntil(resets_at) = shared.governor.try_acquire(now) else {
                return Ok(());
            };
            let reset_in = resets_at.saturating_duration_since(now);
            let wait = reset_in + jitter(reset_in);
            match shared.rate_limit_policy {
                RateLimitPolicy::Wait { max_wait } if wait <= max_wait => {
                    tracing::info!(
                        wait_secs = wait.as_secs(),
                        "rate-limit budget spent; waiting for the reset"
                    );
                    shared.clock.sleep(wait).await;
                }
                _ => return Err(Error::RateLimited { reset_in: Some(reset_in), sent: false, api: None }),
            }
        }
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("authorizer", &self.shared.authorizer)
            .field("accept_language", &self.shared.accept_language)
            .field("accept_locale", &self.shared.accept_locale)
            .field("rate_limit", &self.rate_limit())
            .field("rate_limit_policy", &self.shared.rate_limit_policy)
            .field("retry_policy", &self.shared.retry_policy)
            .finish()
    }
}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.prepare(request).await.map_err(|err| progenitor_client::Error::Custom(err.to_hook_message()))
    }

    // Not an `async fn`: the request goes straight into reqwest's own
    // future, so that the future awaited for every call does not also hold
    // the request (see `send_with_retries`).
    fn exec(
        &self,
        request: Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<Response>> {
        self.send_in_span(info.operation_id, request)
    }
}

/// The span every request runs in; `attempt`, `status` and
/// `rate_limit_remaining` are recorded as answers arrive.
pub(crate) fn request_span(operation: &str, request: &Request) -> tracing::Span {
    tracing::info_span!(
        "fitbit.request",
        operation,
        method = %request.method(),
        path = request.url().path(),
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        rate_limit_remaining = tracing::field::Empty,
    )
}

impl Client {
    /// Everything `pre` does: defaults, budget, token.
    pub(crate) async fn prepare(&self, request: &mut Request) -> Result<(), Error> {
        let state = self.inner();
        let headers = request.headers_mut();
        if let Some(units) = state.accept_language()
            && !headers.contains_key(header::ACCEPT_LANGUAGE)
        {
            headers.insert(header::ACCEPT_LANGUAGE, header_value(&units.to_string()));
        }
        if let Some(locale) = state.accept_locale()
            && !headers.contains_key(&ACCEPT_LOCALE)
        {
            headers.insert(ACCEPT_LOCALE, header_value(&locale.to_string()));
        }
        if request.method() == reqwest::Method::POST && request.body().is_none() {
            request.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        state.admit().await?;
        let authorizer = state.authorizer();
        let bearer = match authorizer.ready_bearer() {
            Some(bearer) => bearer,
            None => authorizer.access_token().await?.bearer_header(),
        };
        request.headers_mut().insert(header::AUTHORIZATION, bearer);
        Ok(())
    }

    /// [`send_with_retries`](Self::send_with_retries) in the request's span.
    pub(crate) fn send_in_span(
        &self,
        operation: &'static str,
        request: Request,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + '_ {
        let span = request_span(operation, &request);
        self.send_with_retries(request, span.clone(), operation).instrument(span)
    }

    /// Sends `request`, refreshing once after `expired_token`, waiting out
    /// 429s and retrying transient failures as the policy allows.
    ///
    /// Every call awaits this future, and futures are moved whole, so its
    /// size is paid on every request: the first attempt starts before the
    /// future is built (which then holds reqwest's boxed future rather than
    /// the request), and everything after a failed attempt lives in its own
    /// boxed future.
    fn send_with_retries(
        &self,
        request: Request,
        span: tracing::Span,
        operation: &'static str,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + '_ {
        let started = self.inner().shared.clock.now();
        let spare = retry_copy(&request);
        let idempotent = is_idempotent(request.method());
        let first_attempt = self.client().execute(request);
        async move {
            let outcome = without_internal_headers(first_attempt.await);
            self.record_attempt(&outcome, 1, &span);
            if let Ok(response) = &outcome
                && is_final(response.status())
            {
                return outcome;
            }
            let outcome = Box::pin(self.recover(outcome, spare, idempotent, started, &span)).await;
            outcome.map(|response| name_retired(response, operation))
        }
    }

    /// The retry loop, from the outcome of the first attempt on.
    async fn recover(
        &self,
        mut outcome: reqwest::Result<Response>,
        mut spare: Option<Request>,
        idempotent: bool,
        started: Instant,
        span: &tracing::Span,
    ) -> reqwest::Result<Response> {
        let state = self.inner();
        let policy = state.retry_policy();
        let clock = &state.shared.clock;
        let within_time = || clock.now().saturating_duration_since(started) < policy.max_elapsed;
        let mut attempt = 1;
        let mut transient_failures = 0;
        let mut rate_limit_retries = 0;
        let mut refreshed = false;
        loop {
            let retry = match outcome {
                Err(err) => {
                    transient_failures += 1;
                    let retry = spare.filter(|_| {
                        is_retryable_transport(&err, idempotent)
                            && transient_failures < policy.max_attempts
                            && within_time()
                    });
                    let Some(retry) = retry else {
                        // A write that left but got no answer may have been
                        // carried out: say so, rather than "retry later".
                        if !idempotent && may_have_arrived(&err) {
                            return Ok(outcome_unknown(&err));
                        }
                        return Err(err);
                    };
                    clock.sleep(policy.backoff(transient_failures)).await;
                    retry
                }
                Ok(response) if is_final(response.status()) => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let (response, envelope) = buffer_error(response).await?;
                    let Some(mut retry) = spare else { return Ok(response) };
                    match status {
                        // `invalid_token` too: another process may have refreshed, and
                        // the session then hands out the newer token it stored.
                        StatusCode::UNAUTHORIZED
                            if (envelope.has_error_type("expired_token")
                                || envelope.has_error_type("invalid_token"))
                                && !refreshed =>
                        {
                            refreshed = true;
                            let rejected = bearer_of(retry.headers());
                            match state.authorizer().refresh_after_rejection(&rejected).await {
                                Ok(token) => {
                                    set_bearer(retry.headers_mut(), &token);
                                    if state.admit().await.is_err() {
                                        return Ok(response);
                                    }
                                }
                                Err(err) => {
                                    tracing::warn!(error = %err, "refresh after expired_token failed");
                                    return Ok(with_header(
                                        response,
                                        HOOK_ERROR_HEADER,
                                        err.to_hook_header(),
                                    ));
                                }
                            }
                        }
                        StatusCode::TOO_MANY_REQUESTS
                            if rate_limit_retries < policy.max_rate_limit_retries
                                && matches!(state.shared.rate_limit_policy, RateLimitPolicy::Wait { .. }) =>
                        {
                            rate_limit_retries += 1;
                            // `admit` waits for the reset the 429 recorded, or gives up
                            // when it is further away than the policy accepts.
                            if state.admit().await.is_err() {
                                return Ok(response);
                            }
                        }
                        _ if is_retryable_status(status)
                            && idempotent
                            && transient_failures + 1 < policy.max_attempts
                            && within_time() =>
                        {
                            transient_failures += 1;
                            clock.sleep(policy.backoff(transient_failures)).await;
                            if state.admit().await.is_err() {
                                return Ok(response);
                            }
                        }
                        _ => return Ok(response),
                    }
                    retry
                }
            };
            attempt += 1;
            spare = retry_copy(&retry);
            outcome = without_internal_headers(self.client().execute(retry).await);
            self.record_attempt(&outcome, attempt, span);
        }
    }

    /// What one trip to the server tells: the governor reads the budget
    /// headers, and the span and the log record the answer.
    fn record_attempt(&self, outcome: &reqwest::Result<Response>, attempt: u32, span: &tracing::Span) {
        match outcome {
            Ok(response) => {
                let shared = &self.inner().shared;
                shared.governor.observe(response.status(), response.headers(), shared.clock.now());
                if !span.is_disabled() {
                    span.record("attempt", attempt);
                    span.record("status", response.status().as_u16());
                    if let Some(remaining) =
                        response.headers().get(&governor::REMAINING).and_then(|v| v.to_str().ok())
                    {
                        span.record("rate_limit_remaining", remaining);
                    }
                }
                tracing::debug!(status = response.status().as_u16(), attempt, "fitbit answered");
            }
            Err(err) => {
                span.record("attempt", attempt);
                tracing::debug!(error = %Error::from_transport(err), attempt, "request failed");
            }
        }
    }

    /// The rate-limit budget of this client's user, as last reported by Fitbit.
    pub fn rate_limit(&self) -> RateLimitStatus {
        self.inner().rate_limit()
    }
}

/// A copy of `request` to send again after a failed attempt; `None` when its
/// body is a stream (bodies here are bytes, so never in practice).
///
/// `Request::try_clone` also gives every copy reqwest's per-request settings
/// map, which costs three allocations even when it is empty; a bodiless
/// request (most of Fitbit's) is copied field by field instead. Its only
/// setting a caller can reach is the time-out, which is carried over.
fn retry_copy(request: &Request) -> Option<Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// An answer the retry loop hands back as it is.
fn is_final(status: StatusCode) -> bool {
    status.is_success() || status.is_redirection() || status.is_informational()
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn set_bearer(headers: &mut HeaderMap, token: &AccessToken) {
    headers.insert(header::AUTHORIZATION, token.bearer_header());
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

/// Removes, from an answer as it arrives, the headers by which the
/// middleware marks answers for the conversion into [`Error`]: a server that
/// sent one would otherwise choose the error class (or the replacement of a
/// "retired" call) the caller sees.
fn without_internal_headers(outcome: reqwest::Result<Response>) -> reqwest::Result<Response> {
    outcome.map(|mut response| {
        let headers = response.headers_mut();
        headers.remove(HOOK_ERROR);
        headers.remove(OPERATION);
        response
    })
}

/// Whether a failed request may have reached the server: anything but a
/// connection that never opened or a request that could not be built.
fn may_have_arrived(err: &reqwest::Error) -> bool {
    !err.is_connect() && !err.is_builder()
}

/// The answer standing for a write whose fate is unknown: it converts into
/// [`Error::OutcomeUnknown`].
fn outcome_unknown(err: &reqwest::Error) -> Response {
    let message = match Error::from_transport(err) {
        Error::Transient { message, .. } => message,
        other => other.to_string(),
    };
    let mut answer = http::Response::new(b"{}".to_vec());
    *answer.status_mut() = StatusCode::BAD_GATEWAY;
    answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    answer.headers_mut().insert(HOOK_ERROR, Error::OutcomeUnknown { message }.to_hook_header());
    Response::from(answer)
}

/// Marks a 410 answer with the operation that was called, for the
/// conversion into [`Error::Retired`] (which then finds its replacement).
fn name_retired(response: Response, operation: &'static str) -> Response {
    if response.status() == StatusCode::GONE {
        with_header(response, OPERATION_HEADER, HeaderValue::from_static(operation))
    } else {
        response
    }
}

fn with_header(mut response: Response, name: &'static str, value: HeaderValue) -> Response {
    response.headers_mut().insert(HeaderName::from_static(name), value);
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(method: reqwest::Method, body: Option<&'static str>) -> Request {
        let mut request =
            Request::new(method, "https://api.fitbit.com/1/user/-/profile.json?x=1".parse().unwrap());
        request.headers_mut().insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        request.headers_mut().append(ACCEPT_LOCALE, HeaderValue::from_static("en_GB"));
        request.headers_mut().append(ACCEPT_LOCALE, HeaderValue::from_static("de_DE"));
        *request.version_mut() = reqwest::Version::HTTP_11;
        *request.body_mut() = body.map(reqwest::Body::from);
        request
    }

    fn assert_same(copy: &Request, original: &Request) {
        assert_eq!(copy.method(), original.method());
        assert_eq!(copy.url(), original.url());
        assert_eq!(copy.headers(), original.headers());
        assert_eq!(copy.version(), original.version());
        assert_eq!(copy.timeout(), original.timeout());
        assert_eq!(copy.body().and_then(|b| b.as_bytes()), original.body().and_then(|b| b.as_bytes()));
    }

    #[test]
    fn a_retry_copy_of_a_bodiless_request_is_the_same_request() {
        let original = request(reqwest::Method::GET, None);
        let copy = retry_copy(&original).expect("a copy");
        assert_same(&copy, &original);
        assert_eq!(copy.timeout(), None);
    }

    #[test]
    fn a_retry_copy_keeps_the_time_out_and_the_body() {
        let mut original = request(reqwest::Method::POST, None);
        *original.timeout_mut() = Some(Duration::from_secs(7));
        let copy = retry_copy(&original).expect("a copy");
        assert_same(&copy, &original);
        assert_eq!(copy.timeout(), Some(&Duration::from_secs(7)));

        let with_body = request(reqwest::Method::POST, Some("name=Morning%20run"));
        let copy = retry_copy(&with_body).expect("a copy");
        assert_same(&copy, &with_body);
        assert_eq!(copy.body().and_then(|b| b.as_bytes()), Some(&b"name=Morning%20run"[..]));
    }

    #[test]
    fn a_streamed_body_cannot_be_copied() {
        let mut original = request(reqwest::Method::POST, None);
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x"))]);
        *original.body_mut() = Some(reqwest::Body::wrap_stream(chunks));
        assert!(retry_copy(&original).is_none());
    }
}

//! One error type for every failure of the SDK, classified by what the caller must do.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::envelope::ErrorEnvelope;
use crate::migration::{self, Replacement};
use crate::redact::scrub;
use crate::text::{NAME_LIMIT, QUOTE_LIMIT, STORE_LIMIT, sanitize_text};

/// The header holding the seconds until the hourly quota resets. Header names
/// are case-insensitive in `HeaderMap`, so `fitbit-rate-limit-reset` matches too.
pub const RATE_LIMIT_RESET_HEADER: &str = "fitbit-rate-limit-reset";

/// What went wrong with a call to Fitbit, classified by what the caller must do
/// next ([`Error::action`]).
///
/// Built from HTTP answers with [`Error::from_response`], from the generated
/// client's errors with `From<progenitor_client::Error<ErrorEnvelope>>`, and by
/// the auth flows. Messages never include tokens or secrets.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401 `expired_token`: the access token expired. The client refreshes and
    /// retries by itself; this surfaces only when no refresh is possible.
    #[error("the access token expired; refresh it and retry{}", detail(.0))]
    TokenExpired(ApiError),

    /// The user must sign in again: the refresh token was refused
    /// (`invalid_grant`), the access token is invalid or revoked
    /// (`invalid_token`), or no token is stored.
    #[error("sign-in required: {reason}{}", opt_detail(.api))]
    SignInRequired {
        /// Why, in words.
        reason: String,
        /// The server's answer, when there was one.
        api: Option<ApiError>,
    },

    /// 403 because the token lacks a scope (`insufficient_scope`,
    /// `insufficient_permissions`). Sign in again asking for the scope.
    #[error(
        "the token lacks the OAuth scope {}{}",
        scope.as_deref().map_or_else(|| "this call needs".into(), |s| sanitize_text(s, NAME_LIMIT)),
        detail(.api)
    )]
    MissingScope {
        /// The scope Fitbit named, when it named one.
        scope: Option<String>,
        /// The server's answer.
        api: ApiError,
    },

    /// `invalid_client`: Fitbit refused the app's client id or secret (or the
    /// way they were sent). Signing in again will not help; fix the app's
    /// configuration.
    #[error("Fitbit refused the client credentials; check the client id and secret{}", detail(.0))]
    InvalidClient(ApiError),

    /// 403 for another reason: for example intraday data without Fitbit's
    /// approval, or another user's private data.
    #[error("forbidden{}", detail(.0))]
    Forbidden(ApiError),

    /// The hourly quota (150 requests per user) is spent. `sent` is false
    /// when the client held the request back because the budget was known to
    /// be spent.
    #[error(
        "rate limited; the quota resets in {}{}",
        reset_in.map(|d| format!("{}s", d.as_secs())).unwrap_or_else(|| "an unknown time".into()),
        opt_detail(.api)
    )]
    RateLimited {
        /// Time until the quota resets (`Fitbit-Rate-Limit-Reset`).
        reset_in: Option<Duration>,
        /// Whether the request reached Fitbit.
        sent: bool,
        /// The server's answer, when there was one.
        api: Option<ApiError>,
    },

    /// 400 (or 422) because a parameter is wrong: fix the request.
    #[error(
        "invalid request{}{}",
        field.as_deref().map(|f| format!(" (field `{}`)", sanitize_text(f, NAME_LIMIT))).unwrap_or_default(),
        detail(.api)
    )]
    Validation {
        /// The field Fitbit named, when it named one.
        field: Option<String>,
        /// The server's answer.
        api: ApiError,
    },

    /// 404: the resource (log, food, subscription…) does not exist.
    #[error("not found{}", detail(.0))]
    NotFound(ApiError),

    /// 409: for example a subscription under another id, or two refreshes racing.
    #[error("conflict{}", detail(.0))]
    Conflict(ApiError),

    /// A passing failure: 5xx, a dropped connection, a time-out. Retry later.
    #[error("temporary failure; retry later: {}", sanitize_text(.message, QUOTE_LIMIT))]
    Transient {
        /// What failed.
        message: String,
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
    },

    /// A write (a POST) was sent, but the connection failed before an answer
    /// came back: the server may have carried it out. Retrying it blindly can
    /// create the same log twice; check first (list what it would have
    /// created), then send it again only if it is missing.
    #[error(
        "the request was sent but no answer came back ({}); the change may have been made: \
         check before sending it again, or it may be made twice",
        sanitize_text(.message, QUOTE_LIMIT)
    )]
    OutcomeUnknown {
        /// What failed.
        message: String,
    },

    /// HTTP 410 Gone: the legacy Fitbit Web API has been shut down. When the
    /// retired operation is known, `replacement` is its row of the migration
    /// map ([`Error::replacement`]).
    #[error(
        "this Fitbit Web API endpoint has been retired (HTTP 410 Gone); Google shut the legacy \
         API down in 2026: migrate to the Google Health API (https://developers.google.com/health){}{}",
        opt_detail(.api),
        replacement_detail(.replacement)
    )]
    Retired {
        /// The server's answer, when there was one.
        api: Option<ApiError>,
        /// What replaces the retired operation, from the migration map.
        replacement: Option<&'static Replacement>,
    },

    /// The server's answer could not be used: not the documented shape
    /// (malformed JSON, a truncated body, a missing field), or a redirect,
    /// which is never followed to another origin. A fault on the server's
    /// side (or between): retry later, and report it if it repeats.
    #[error(
        "bad answer from the server{}: {}",
        status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
        sanitize_text(.message, QUOTE_LIMIT)
    )]
    InvalidResponse {
        /// The HTTP status, when known.
        status: Option<u16>,
        /// What did not fit.
        message: String,
    },

    /// The request could not be built (a missing or malformed parameter).
    #[error("the request could not be built: {0}")]
    InvalidRequest(String),

    /// Google: the user granted fewer scopes than asked for (the consent page
    /// lets them untick each one). Sign in again and ask the user to grant
    /// the missing scopes, or accept the partial grant
    /// (`OAuthClientBuilder::allow_partial_consent`).
    #[error(
        "the user granted only some of the scopes asked for; missing: {}",
        sanitize_text(&missing.join(" "), QUOTE_LIMIT)
    )]
    PartialConsent {
        /// The scopes asked for but not granted, as sent on the wire.
        missing: Vec<String>,
    },

    /// Google Health API, 400 `FAILED_PRECONDITION` with reason
    /// `ACCOUNT_NOT_LINKED`: the user consented, but their Google account has
    /// no Google Health (Fitbit) profile, for example because they have not
    /// moved their Fitbit account to Google yet.
    #[error(
        "the Google account has no Fitbit / Google Health profile: the user must move their Fitbit \
         account to this Google account (Fitbit app → Move to Google), or sign in with the Google account \
         that holds it{}",
        detail(.0)
    )]
    AccountNotLinked(ApiError),

    /// Google Health API, 403 with reason `SERVICE_DISABLED`: the Google
    /// Health API is not enabled in the app's Google Cloud project.
    #[error(
        "the Google Health API is not enabled in the app's Google Cloud project: enable it in the Cloud \
         console (APIs & Services → Library → Google Health API){}",
        detail(.0)
    )]
    ServiceDisabled(ApiError),

    /// The browser redirect carried an OAuth error or failed the `state` check.
    #[error("authorization failed: {0}")]
    Authorization(#[from] AuthorizationError),

    /// Reading or writing the token store failed.
    #[error("token store: {}", sanitize_text(.0, STORE_LIMIT))]
    Store(String),

    /// The client was configured wrongly (a bad base URL, a TLS setup failure).
    #[error("configuration: {0}")]
    Config(String),

    /// Any other error answer from Fitbit.
    #[error("Fitbit error{}", detail(.0))]
    Api(ApiError),
}

/// Why a browser redirect did not yield an authorization code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The user declined (`error=access_denied`).
    #[error("the user denied access")]
    AccessDenied,
    /// Another OAuth error from the authorization server.
    #[error(
        "the authorization server answered `{}`{}",
        sanitize_text(code, NAME_LIMIT),
        description.as_deref().map(|d| format!(": {}", sanitize_text(d, QUOTE_LIMIT))).unwrap_or_default()
    )]
    OAuth {
        /// The `error` parameter, e.g. `invalid_request`, `invalid_scope`.
        code: String,
        /// The `error_description` parameter.
        description: Option<String>,
    },
    /// The redirect had no `state`.
    #[error("the redirect carries no `state`; refusing it")]
    MissingState,
    /// The redirect's `state` is not the one we sent: a forged or stale callback.
    #[error("the redirect's `state` does not match the one sent; refusing it (forged or stale callback)")]
    StateMismatch,
    /// The redirect had neither a code nor an error.
    #[error("the redirect carries no authorization code")]
    MissingCode,
    /// The redirect URL could not be parsed.
    #[error("the redirect is not a valid URL or query: {}", sanitize_text(.0, QUOTE_LIMIT))]
    MalformedRedirect(String),
}

/// What the caller should do about an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Refresh the access token, then retry once.
    RefreshAndRetry,
    /// Send the user through sign-in again.
    SignInAgain,
    /// Sign in again asking for this scope (when Fitbit named it).
    RequestScope(Option<String>),
    /// Wait, then retry; the duration is the time to the quota reset when known.
    WaitAndRetry(Option<Duration>),
    /// Retry later, with backoff.
    RetryLater,
    /// A write may have been carried out although no answer came: check
    /// whether it was (list what it would have created) before sending it again.
    CheckBeforeRetry,
    /// Fix the request (a parameter, a missing resource, a conflict).
    FixRequest,
    /// Fix the app's client id or secret.
    CheckClientCredentials,
    /// The legacy API is gone: move to the Google Health API.
    MigrateToGoogleHealthApi,
    /// The user must link a Fitbit / Google Health profile to their Google
    /// account (or sign in with the account that has one).
    LinkHealthAccount,
    /// Enable the Google Health API in the app's Google Cloud project.
    EnableApi,
    /// Nothing sensible to do automatically; report it.
    Report,
}

/// A classified error answer from Fitbit: status, parsed body and rate-limit reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The body, in whichever envelope it came (boxed to keep `Error` small).
    pub envelope: Box<ErrorEnvelope>,
    /// Seconds until the quota resets, from `Fitbit-Rate-Limit-Reset`.
    pub rate_limit_reset: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(kind) = self.envelope.error_type() {
            write!(f, " {}", sanitize_text(kind, NAME_LIMIT))?;
        }
        if let Some(message) = self.envelope.message() {
            write!(f, ": {}", sanitize_text(&scrub(message), QUOTE_LIMIT))?;
        }
        Ok(())
    }
}

fn detail(api: &ApiError) -> String {
    format!(" ({api})")
}

fn opt_detail(api: &Option<ApiError>) -> String {
    api.as_ref().map(detail).unwrap_or_default()
}

fn replacement_detail(replacement: &Option<&'static Replacement>) -> String {
    replacement.map(|r| format!("; for `{}`, {}", r.operation, r.advice())).unwrap_or_default()
}

/// The longest time to a rate-limit reset that is believed: Fitbit's quota
/// is hourly, so a server naming a later reset (by mistake, or to lock a
/// client up) is taken to mean an hour.
pub const MAX_RATE_LIMIT_RESET: Duration = Duration::from_secs(3600);

/// Reads `Fitbit-Rate-Limit-Reset` (seconds), case-insensitively, capped at
/// [`MAX_RATE_LIMIT_RESET`].
///
/// ```
/// use fitbit_auth::{MAX_RATE_LIMIT_RESET, rate_limit_reset};
/// use reqwest::header::{HeaderMap, HeaderValue};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("Fitbit-Rate-Limit-Reset", HeaderValue::from_static("18446744073709551615"));
/// assert_eq!(rate_limit_reset(&headers), Some(MAX_RATE_LIMIT_RESET));
/// headers.insert("fitbit-rate-limit-reset", HeaderValue::from_static("90"));
/// assert_eq!(rate_limit_reset(&headers), Some(std::time::Duration::from_secs(90)));
/// ```
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    reset_seconds(headers.get(RATE_LIMIT_RESET_HEADER)?.as_bytes())
}

/// A number of seconds (digits only, any size), capped at
/// [`MAX_RATE_LIMIT_RESET`]: a value past `u64` is as far away as any.
fn reset_seconds(text: &[u8]) -> Option<Duration> {
    let digits = text.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds = std::str::from_utf8(digits).ok()?.parse::<u64>().unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(MAX_RATE_LIMIT_RESET))
}

impl Error {
    /// Classifies an error answer from its status, headers and (any) body.
    ///
    /// ```
    /// use fitbit_auth::{Action, Error};
    /// use reqwest::header::HeaderMap;
    ///
    /// let body = br#"{"errors":[{"errorType":"expired_token","message":"Access token expired"}]}"#;
    /// let err = Error::from_response(401, &HeaderMap::new(), body);
    /// assert_eq!(err.action(), Action::RefreshAndRetry);
    ///
    /// let err = Error::from_response(410, &HeaderMap::new(), b"<html>Gone</html>");
    /// assert_eq!(err.action(), Action::MigrateToGoogleHealthApi);
    /// ```
    pub fn from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        Self::from_api(ApiError {
            status,
            envelope: Box::new(ErrorEnvelope::parse(body)),
            rate_limit_reset: rate_limit_reset(headers),
        })
    }

    /// Classifies an already parsed error answer.
    pub fn from_api(api: ApiError) -> Self {
        let kind = api.envelope.error_type().map(str::to_ascii_lowercase);
        let has = |t: &str| api.envelope.has_error_type(t) || kind.as_deref() == Some(t);
        // Google's `details[]` say why, where the status alone is too coarse.
        let reason = api.envelope.reason().map(str::to_owned);
        match api.status {
            410 => Error::Retired { api: Some(api), replacement: None },
            429 => Error::RateLimited { reset_in: api.rate_limit_reset, sent: true, api: Some(api) },
            _ if reason.as_deref() == Some("ACCOUNT_NOT_LINKED") => Error::AccountNotLinked(api),
            _ if reason.as_deref() == Some("SERVICE_DISABLED") => Error::ServiceDisabled(api),
            _ if reason.as_deref() == Some("RATE_LIMIT_EXCEEDED") => {
                Error::RateLimited { reset_in: api.rate_limit_reset, sent: true, api: Some(api) }
            }
            _ if reason.as_deref() == Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT") => {
                Error::MissingScope { scope: None, api }
            }
            _ if has("expired_token") => Error::TokenExpired(api),
            _ if has("invalid_client") => Error::InvalidClient(api),
            _ if has("invalid_grant") => Error::SignInRequired {
                reason: "the refresh token was refused (used, revoked or expired)".into(),
                api: Some(api),
            },
            _ if has("invalid_token") => Error::SignInRequired {
                reason: "the access token is invalid or revoked".into(),
                api: Some(api),
            },
            _ if has("insufficient_scope") || has("insufficient_permissions") => {
                Error::MissingScope { scope: api.envelope.field_name().map(String::from), api }
            }
            401 => {
                Error::SignInRequired { reason: "the server refused the credentials".into(), api: Some(api) }
            }
            403 => Error::Forbidden(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            400 | 422 => Error::Validation { field: api.envelope.field_name().map(String::from), api },
            300..=399 => Error::InvalidResponse {
                status: Some(api.status),
                message: "a redirect, which is not followed (it could carry the request's secrets to \
                          another server)"
                    .into(),
            },
            500..=599 => Error::Transient { message: api.to_string(), status: Some(api.status) },
            _ => Error::Api(api),
        }
    }

    /// What the caller should do next.
    pub fn action(&self) -> Action {
        match self {
            Error::TokenExpired(_) => Action::RefreshAndRetry,
            Error::SignInRequired { .. } => Action::SignInAgain,
            Error::MissingScope { scope, .. } => Action::RequestScope(scope.clone()),
            Error::RateLimited { reset_in, .. } => Action::WaitAndRetry(*reset_in),
            Error::Transient { .. } | Error::InvalidResponse { .. } => Action::RetryLater,
            Error::OutcomeUnknown { .. } => Action::CheckBeforeRetry,
            Error::Retired { .. } => Action::MigrateToGoogleHealthApi,
            Error::Validation { .. } | Error::NotFound(_) | Error::Conflict(_) | Error::InvalidRequest(_) => {
                Action::FixRequest
            }
            Error::Authorization(AuthorizationError::AccessDenied) => Action::SignInAgain,
            Error::InvalidClient(_) => Action::CheckClientCredentials,
            Error::PartialConsent { missing } => Action::RequestScope(Some(missing.join(" "))),
            Error::AccountNotLinked(_) => Action::LinkHealthAccount,
            Error::ServiceDisabled(_) => Action::EnableApi,
            Error::Forbidden(_)
            | Error::Authorization(_)
            | Error::Store(_)
            | Error::Config(_)
            | Error::Api(_) => Action::Report,
        }
    }

    /// The HTTP status, when the error came from an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::TokenExpired(api)
            | Error::Forbidden(api)
            | Error::InvalidClient(api)
            | Error::NotFound(api)
            | Error::Conflict(api)
            | Error::Api(api)
            | Error::AccountNotLinked(api)
            | Error::ServiceDisabled(api)
            | Error::MissingScope { api, .. }
            | Error::Validation { api, .. } => Some(api.status),
            Error::SignInRequired { api, .. }
            | Error::RateLimited { api, .. }
            | Error::Retired { api, .. } => api.as_ref().map(|a| a.status),
            Error::Transient { status, .. } | Error::InvalidResponse { status, .. } => *status,
            Error::InvalidRequest(_)
            | Error::OutcomeUnknown { .. }
            | Error::PartialConsent { .. }
            | Error::Authorization(_)
            | Error::Store(_)
            | Error::Config(_) => None,
        }
    }

    /// What replaces a retired call ([`Error::Retired`] of a known
    /// operation): the Google Health API methods, data types, scopes and the
    /// `fitbit health` command, or why nothing does.
    ///
    /// ```
    /// use fitbit_auth::Error;
    /// use reqwest::header::HeaderMap;
    ///
    /// let err = Error::from_response(410, &HeaderMap::new(), b"").for_operation("get_sleep_log_by_date");
    /// let replacement = err.replacement().expect("a row of the migration map");
    /// assert_eq!(replacement.data_types, ["sleep"]);
    /// assert!(err.to_string().contains("fitbit health points list --type sleep"));
    /// ```
    pub fn replacement(&self) -> Option<&'static Replacement> {
        match self {
            Error::Retired { replacement, .. } => *replacement,
            _ => None,
        }
    }

    /// Names the operation that failed: a [`Error::Retired`] without a
    /// replacement gets the operation's row of the migration map (an
    /// `operationId` or a `fitbit` command name). Other errors, and unknown
    /// operations, are returned unchanged.
    pub fn for_operation(self, operation: &str) -> Self {
        match self {
            Error::Retired { api, replacement: None } => {
                Error::Retired { api, replacement: migration::find(operation) }
            }
            other => other,
        }
    }

    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Transient { .. } | Error::RateLimited { .. })
    }

    /// Classifies a transport failure (connection refused or dropped, time-out).
    pub fn from_transport(err: &reqwest::Error) -> Self {
        Error::Transient { message: transport_message(err), status: err.status().map(|s| s.as_u16()) }
    }
}

/// A transport error in words, without the URL (which could carry a query secret).
fn transport_message(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "the request timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the response body was cut off"
    } else if err.is_builder() {
        "the request could not be built"
    } else if err.is_request() {
        "the request failed"
    } else {
        "network error"
    };
    let mut source = std::error::Error::source(err);
    let mut chain = String::new();
    while let Some(cause) = source {
        chain = format!("{chain}: {cause}");
        source = cause.source();
    }
    format!("{what}{}", scrub(&chain))
}

/// Errors raised inside the client's hooks travel through progenitor as
/// `Error::Custom(String)` (or, after a failed refresh, as a header on the
/// answer): they are written as JSON, every variant with every field, so
/// that the conversion back into [`Error`] gives the same error.
///
/// `serde(remote)` mirrors [`Error`]: a variant added there and not here
/// does not compile.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Error")]
enum ErrorDef {
    TokenExpired(ApiError),
    SignInRequired {
        reason: String,
        api: Option<ApiError>,
    },
    MissingScope {
        scope: Option<String>,
        api: ApiError,
    },
    InvalidClient(ApiError),
    Forbidden(ApiError),
    RateLimited {
        reset_in: Option<Duration>,
        sent: bool,
        api: Option<ApiError>,
    },
    Validation {
        field: Option<String>,
        api: ApiError,
    },
    NotFound(ApiError),
    Conflict(ApiError),
    Transient {
        message: String,
        status: Option<u16>,
    },
    OutcomeUnknown {
        message: String,
    },
    Retired {
        api: Option<ApiError>,
        #[serde(with = "replacement_by_operation")]
        replacement: Option<&'static Replacement>,
    },
    InvalidResponse {
        status: Option<u16>,
        message: String,
    },
    InvalidRequest(String),
    PartialConsent {
        missing: Vec<String>,
    },
    AccountNotLinked(ApiError),
    ServiceDisabled(ApiError),
    Authorization(AuthorizationError),
    Store(String),
    Config(String),
    Api(ApiError),
}

/// A row of the migration map travels as its operation id.
mod replacement_by_operation {
    use serde::{Deserialize as _, Deserializer, Serialize as _, Serializer};

    use crate::migration::{self, Replacement};

    pub(super) fn serialize<S: Serializer>(
        replacement: &Option<&'static Replacement>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        replacement.map(|r| r.operation).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<&'static Replacement>, D::Error> {
        let operation = Option::<String>::deserialize(deserializer)?;
        Ok(operation.as_deref().and_then(migration::find))
    }
}

#[derive(Serialize)]
struct HookOut<'a> {
    #[serde(rename = "fitbit-rs-hook-error", serialize_with = "serialize_error")]
    error: &'a Error,
}

fn serialize_error<S: serde::Serializer>(error: &&Error, serializer: S) -> Result<S::Ok, S::Error> {
    ErrorDef::serialize(error, serializer)
}

#[derive(Deserialize)]
struct HookIn {
    #[serde(rename = "fitbit-rs-hook-error", with = "ErrorDef")]
    error: Error,
}

impl Error {
    /// Encodes this error for `progenitor_client::Error::Custom`, so that a
    /// hook's failure reaches the caller as the same error: every variant,
    /// with its fields and its server answer.
    pub fn to_hook_message(&self) -> String {
        // Every field serializes; were one not to, the text still decodes
        // (as `InvalidRequest`).
        serde_json::to_string(&HookOut { error: self }).unwrap_or_else(|_| self.to_string())
    }

    /// Decodes a message made by [`Error::to_hook_message`]; any other text
    /// becomes [`Error::InvalidRequest`].
    pub fn from_hook_message(message: &str) -> Self {
        match serde_json::from_str::<HookIn>(message) {
            Ok(hook) => hook.error,
            Err(_) => Error::InvalidRequest(message.to_string()),
        }
    }
}

/// Names, on a 410 answer, the operation that was called, so that the
/// conversion into [`Error::Retired`] finds its replacement. Set by
/// `fitbit-api`'s middleware.
pub const OPERATION_HEADER: &str = "x-fitbit-rs-operation";

/// The operation named by [`OPERATION_HEADER`], if any.
fn operation_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(OPERATION_HEADER)?.to_str().ok()
}

/// Marks an error answer that the client's middleware annotated: the response
/// is real, but what the caller must do is decided by the middleware (for
/// example: the token expired and refreshing it failed).
pub const HOOK_ERROR_HEADER: &str = "x-fitbit-rs-hook-error";

impl Error {
    /// The [`HOOK_ERROR_HEADER`] value carrying this error.
    pub fn to_hook_header(&self) -> reqwest::header::HeaderValue {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.to_hook_message());
        reqwest::header::HeaderValue::from_str(&encoded).expect("base64 is a valid header value")
    }

    fn from_hook_header(value: &reqwest::header::HeaderValue) -> Option<Self> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value.as_bytes()).ok()?;
        Some(Self::from_hook_message(std::str::from_utf8(&bytes).ok()?))
    }
}

impl From<progenitor_client::Error<ErrorEnvelope>> for Error {
    fn from(err: progenitor_client::Error<ErrorEnvelope>) -> Self {
        use progenitor_client::Error as P;
        match err {
            // Only the client's middleware sets the header: it removes a
            // header of that name from every answer it receives.
            P::ErrorResponse(response) if response.headers().contains_key(HOOK_ERROR_HEADER) => {
                let header = &response.headers()[HOOK_ERROR_HEADER];
                Self::from_hook_header(header).unwrap_or_else(|| {
                    Error::from_api(ApiError {
                        status: response.status().as_u16(),
                        envelope: Box::new(response.into_inner()),
                        rate_limit_reset: None,
                    })
                })
            }
            P::UnexpectedResponse(response) if response.headers().contains_key(HOOK_ERROR_HEADER) => {
                Self::from_hook_header(&response.headers()[HOOK_ERROR_HEADER])
                    .unwrap_or_else(|| Error::from(response.status()))
            }
            P::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let reset = rate_limit_reset(response.headers());
                let operation = operation_of(response.headers()).map(str::to_owned);
                let err = Error::from_api(ApiError {
                    status,
                    envelope: Box::new(response.into_inner()),
                    rate_limit_reset: reset,
                });
                match operation {
                    Some(operation) => err.for_operation(&operation),
                    None => err,
                }
            }
            P::UnexpectedResponse(response) if !response.status().is_success() => {
                let err = Error::from_api(ApiError {
                    status: response.status().as_u16(),
                    envelope: Box::default(),
                    rate_limit_reset: rate_limit_reset(response.headers()),
                });
                match operation_of(response.headers()) {
                    Some(operation) => err.for_operation(operation),
                    None => err,
                }
            }
            P::UnexpectedResponse(response) => Error::InvalidResponse {
                status: Some(response.status().as_u16()),
                message: "a success status this operation does not document".into(),
            },
            P::InvalidResponsePayload(body, err) => Error::InvalidResponse {
                status: None,
                message: format!("{err} (body starts with: {})", body_excerpt(&body)),
            },
            // A request reqwest could not build (a client made with a base
            // URL that does not parse) never left: not worth a retry.
            P::CommunicationError(err) if err.is_builder() => Error::InvalidRequest(transport_message(&err)),
            P::CommunicationError(err) | P::ResponseBodyError(err) => Error::from_transport(&err),
            P::InvalidUpgrade(err) => {
                Error::InvalidResponse { status: None, message: transport_message(&err) }
            }
            P::InvalidRequest(message) => Error::InvalidRequest(message),
            P::Custom(message) => Error::from_hook_message(&message),
        }
    }
}

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
    scrub(text.trim())
}

impl From<StatusCode> for Error {
    /// An error answer with no readable body.
    fn from(status: StatusCode) -> Self {
        Error::from_response(status.as_u16(), &HeaderMap::new(), b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position of `err`'s variant; the match fails to compile when a
    /// variant is added, so that [`one_of_each`] gets one too.
    fn variant_index(err: &Error) -> usize {
        match err {
            Error::TokenExpired(_) => 0,
            Error::SignInRequired { .. } => 1,
            Error::MissingScope { .. } => 2,
            Error::InvalidClient(_) => 3,
            Error::Forbidden(_) => 4,
            Error::RateLimited { .. } => 5,
            Error::Validation { .. } => 6,
            Error::NotFound(_) => 7,
            Error::Conflict(_) => 8,
            Error::Transient { .. } => 9,
            Error::OutcomeUnknown { .. } => 10,
            Error::Retired { .. } => 11,
            Error::InvalidResponse { .. } => 12,
            Error::InvalidRequest(_) => 13,
            Error::PartialConsent { .. } => 14,
            Error::AccountNotLinked(_) => 15,
            Error::ServiceDisabled(_) => 16,
            Error::Authorization(_) => 17,
            Error::Store(_) => 18,
            Error::Config(_) => 19,
            Error::Api(_) => 20,
        }
    }
    const VARIANTS: usize = 21;

    fn api(status: u16, body: &str) -> ApiError {
        let mut headers = HeaderMap::new();
        headers.insert(RATE_LIMIT_RESET_HEADER, "120".parse().unwrap());
        ApiError {
            status,
            envelope: Box::new(ErrorEnvelope::parse(body.as_bytes())),
            rate_limit_reset: rate_limit_reset(&headers),
        }
    }

    /// One error of every variant, each with every field set.
    fn one_of_each() -> Vec<Error> {
        let classic = |kind: &str| {
            format!(
                r#"{{"errors":[{{"errorType":"{kind}","fieldName":"f","message":"m"}}],"success":false,"x":1}}"#
            )
        };
        vec![
            Error::TokenExpired(api(401, &classic("expired_token"))),
            Error::SignInRequired {
                reason: "refused".into(),
                api: Some(api(400, &classic("invalid_grant"))),
            },
            Error::MissingScope {
                scope: Some("heartrate".into()),
                api: api(403, &classic("insufficient_scope")),
            },
            Error::InvalidClient(api(401, &classic("invalid_client"))),
            Error::Forbidden(api(403, "<html>no</html>")),
            Error::RateLimited {
                reset_in: Some(Duration::from_millis(1_500)),
                sent: false,
                api: Some(api(429, "")),
            },
            Error::Validation { field: Some("date".into()), api: api(400, &classic("validation")) },
            Error::NotFound(api(404, &classic("not_found"))),
            Error::Conflict(api(
                409,
                r#"{"error":{"code":409,"status":"ABORTED","details":[{"@type":"x"}]}}"#,
            )),
            Error::Transient { message: "could not connect".into(), status: Some(503) },
            Error::OutcomeUnknown { message: "the connection was reset".into() },
            Error::from_response(410, &HeaderMap::new(), b"Gone").for_operation("get_sleep_log_by_date"),
            Error::InvalidResponse { status: Some(200), message: "not JSON".into() },
            Error::InvalidRequest("a date is missing".into()),
            Error::PartialConsent { missing: vec!["a".into(), "b".into()] },
            Error::AccountNotLinked(api(400, "{}")),
            Error::ServiceDisabled(api(403, "{}")),
            Error::Authorization(AuthorizationError::OAuth {
                code: "invalid_scope".into(),
                description: Some("d".into()),
            }),
            Error::Store("locked".into()),
            Error::Config("bad URL".into()),
            Error::Api(api(418, &classic("teapot"))),
        ]
    }

    #[test]
    fn every_variant_goes_through_the_hooks_unchanged() {
        let all = one_of_each();
        let mut seen: Vec<usize> = all.iter().map(variant_index).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..VARIANTS).collect::<Vec<_>>(), "one error of each variant");
        for original in all {
            for travelled in [
                Error::from_hook_message(&original.to_hook_message()),
                Error::from_hook_header(&original.to_hook_header()).expect("decodes"),
            ] {
                assert_eq!(format!("{travelled:?}"), format!("{original:?}"));
                assert_eq!(travelled.to_string(), original.to_string());
                assert_eq!(travelled.action(), original.action());
                assert_eq!(travelled.status(), original.status());
                assert_eq!(
                    travelled.replacement().map(|r| r.operation),
                    original.replacement().map(|r| r.operation)
                );
            }
        }
        // Text that is not a hook message (from progenitor itself) stays readable.
        assert!(
            matches!(Error::from_hook_message("a plain message"), Error::InvalidRequest(m) if m == "a plain message")
        );
    }

    #[test]
    fn huge_reset_headers_are_capped_at_an_hour() {
        for (value, expected) in [
            ("18446744073709551615", Some(MAX_RATE_LIMIT_RESET)),
            ("99999999999999999999999", Some(MAX_RATE_LIMIT_RESET)),
            ("1000000000000", Some(MAX_RATE_LIMIT_RESET)),
            (" 42 ", Some(Duration::from_secs(42))),
            ("0", Some(Duration::ZERO)),
            ("-5", None),
            ("1.5", None),
            ("", None),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(RATE_LIMIT_RESET_HEADER, value.parse().unwrap());
            assert_eq!(rate_limit_reset(&headers), expected, "{value:?}");
        }
    }

    #[test]
    fn quoted_server_text_cannot_drive_a_terminal() {
        let body = r#"{"errors":[{"errorType":"validation\u001b[31m","fieldName":"d\u0007","message":"\u001b[2J\u001b]0;pwned\u0007\u0000 \u009b1m ok"}]}"#;
        let err = Error::from_response(400, &HeaderMap::new(), body.as_bytes());
        let text = err.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains(r"\x1b[2J\x1b]0;pwned\x07\x00 \u{9b}1m ok"), "{text}");
        let long = Error::from_response(400, &HeaderMap::new(), "x".repeat(5_000).as_bytes());
        assert!(long.to_string().len() < 600, "{}", long.to_string().len());
        let oauth = Error::Authorization(AuthorizationError::OAuth {
            code: "e\u{1b}[2J".into(),
            description: Some("line\nfitbit: what to do: run this".into()),
        });
        assert!(!oauth.to_string().chars().any(char::is_control), "{oauth}");
    }

    #[test]
    fn hook_messages_round_trip_without_repeating_the_prefix() {
        let original = Error::SignInRequired { reason: "no token is stored".into(), api: None };
        let decoded = Error::from_hook_message(&original.to_hook_message());
        assert_eq!(decoded.to_string(), original.to_string());
        let limited = Error::RateLimited { reset_in: Some(Duration::from_secs(90)), sent: false, api: None };
        let decoded = Error::from_hook_message(&limited.to_hook_message());
        assert!(
            matches!(decoded, Error::RateLimited { reset_in: Some(d), sent: false, .. } if d.as_secs() == 90)
        );
        let store = Error::Store("the token file is locked".into());
        assert_eq!(Error::from_hook_message(&store.to_hook_message()).to_string(), store.to_string());
    }

    #[test]
    fn a_retired_call_carries_its_replacement_through_the_hooks() {
        let retired = Error::from_response(410, &HeaderMap::new(), b"Gone")
            .for_operation("heart-rate-intraday get-heartrate-intraday-by-date");
        let replacement = retired.replacement().expect("found by the CLI command name");
        assert_eq!(replacement.operation, "get_heartrate_intraday_by_date");
        assert_eq!(retired.action(), Action::MigrateToGoogleHealthApi);
        let text = retired.to_string();
        assert!(text.contains("use `fitbit health points list --type heart-rate"), "{text}");
        let travelled = Error::from_hook_message(&retired.to_hook_message());
        assert_eq!(travelled.replacement().map(|r| r.operation), Some("get_heartrate_intraday_by_date"));
        // Nothing to name: unknown operations and other errors stay as they are.
        let unknown = Error::from_response(410, &HeaderMap::new(), b"").for_operation("get_nothing");
        assert!(unknown.replacement().is_none());
        assert!(
            Error::from_response(404, &HeaderMap::new(), b"")
                .for_operation("get_profile")
                .replacement()
                .is_none()
        );
    }
}

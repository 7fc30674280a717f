//! Google's client errors, turned into fitbit-rs's one classified [`Error`].

use std::time::Duration;

use fitbit_auth::Error;
use google_cloud_gax::error::Error as GaxError;
use http::HeaderMap;

use crate::data_type::DataType;

/// The longest wait a `Retry-After` header may ask for; a server asking for
/// more is not believed.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Classifies an error of Google's client (or of this crate's calls) into
/// [`Error`], whose [`action`](Error::action) says what to do next.
///
/// | answer | error | action |
/// |---|---|---|
/// | 400 `FAILED_PRECONDITION`, reason `ACCOUNT_NOT_LINKED` | [`Error::AccountNotLinked`] | link a Fitbit / Google Health profile |
/// | 403, reason `ACCESS_TOKEN_SCOPE_INSUFFICIENT` | [`Error::MissingScope`] | sign in again asking for the scope |
/// | 403, reason `SERVICE_DISABLED` | [`Error::ServiceDisabled`] | enable the API in the Cloud project |
/// | 429 / `RATE_LIMIT_EXCEEDED` | [`Error::RateLimited`] | wait (`Retry-After` when sent, capped at an hour) |
/// | refresh refused (`invalid_grant`) | [`Error::SignInRequired`] | sign in again |
/// | 401 after the refresh retry | [`Error::SignInRequired`] | sign in again |
/// | 400 / 404 / 409 | `Validation` / `NotFound` / `Conflict` | fix the request |
/// | 5xx, lost connection, time-out | [`Error::Transient`] | retry later |
/// | an answer that does not decode | [`Error::InvalidResponse`] | retry later; report it if it repeats |
pub fn classify(error: &GaxError) -> Error {
    // Our own errors (a refused refresh, a broken token store) travel inside
    // Google's as a source: hand them back unchanged.
    if let Some(ours) = find_source::<Error>(error) {
        return ours.clone();
    }
    if let Some(status) = error.status() {
        let http_status = error.http_status_code().unwrap_or_else(|| http_from_code(status.code));
        let body = serde_json::json!({
            "error": {
                "code": http_status,
                "message": status.message,
                "status": status.code.name(),
                "details": serde_json::to_value(&status.details).unwrap_or_default(),
            }
        });
        let headers = error.http_headers().cloned().unwrap_or_default();
        return with_retry_after(
            Error::from_response(http_status, &headers, body.to_string().as_bytes()),
            &headers,
        );
    }
    if let Some(http_status) = error.http_status_code() {
        let headers = error.http_headers().cloned().unwrap_or_default();
        let body = error.http_payload().map(|b| b.to_vec()).unwrap_or_default();
        return with_retry_after(Error::from_response(http_status, &headers, &body), &headers);
    }
    if let Some(inner) = find_source::<GaxError>(error) {
        return classify(inner);
    }
    if error.is_deserialization() {
        return Error::InvalidResponse {
            status: None,
            message: format!("the answer did not decode: {error}"),
        };
    }
    if error.is_binding() || error.is_serialization() {
        return Error::InvalidRequest(error.to_string());
    }
    if error.is_authentication() {
        return Error::Config(format!("could not get Google credentials: {error}"));
    }
    Error::Transient { message: error.to_string(), status: None }
}

/// Like [`classify`], naming the scope to ask for when the token lacks one:
/// the read (or, for a write, the write) scope of `data_type`.
pub fn classify_for(error: &GaxError, data_type: DataType, write: bool) -> Error {
    match classify(error) {
        Error::MissingScope { scope: None, api } => {
            let scope = if write { data_type.write_scope() } else { Some(data_type.read_scope()) };
            Error::MissingScope { scope: scope.map(|s| s.url()), api }
        }
        other => other,
    }
}

/// `.classified()` on the results of Google's client.
///
/// ```no_run
/// # async fn run(client: fitbit_health::Client) -> Result<(), fitbit_auth::Error> {
/// use fitbit_health::ResultExt as _;
///
/// let identity = client.health_profile().get_identity().set_name("users/me/identity").send().await.classified()?;
/// println!("{}", identity.health_user_id);
/// # Ok(()) }
/// ```
pub trait ResultExt<T> {
    /// The result with its error classified (see [`classify`]).
    fn classified(self) -> Result<T, Error>;
}

impl<T> ResultExt<T> for Result<T, GaxError> {
    fn classified(self) -> Result<T, Error> {
        self.map_err(|err| classify(&err))
    }
}

fn find_source<E: std::error::Error + 'static>(error: &GaxError) -> Option<&E> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(found) = cause.downcast_ref::<E>() {
            return Some(found);
        }
        source = cause.source();
    }
    None
}

fn http_from_code(code: google_cloud_gax::error::rpc::Code) -> u16 {
    use google_cloud_gax::error::rpc::Code;
    match code {
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::ResourceExhausted => 429,
        Code::Cancelled => 499,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        Code::DeadlineExceeded => 504,
        _ => 500,
    }
}

/// Google may say how long to wait in `Retry-After` (seconds); believe it up
/// to an hour.
fn with_retry_after(error: Error, headers: &HeaderMap) -> Error {
    match error {
        Error::RateLimited { reset_in: None, sent, api } => {
            let reset_in = headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER));
            Error::RateLimited { reset_in, sent, api }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use fitbit_auth::Action;
    use google_cloud_gax::error::rpc::{Code, Status};

    use super::*;

    fn google_error(http_status: u16, body: &str) -> GaxError {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "18446744073709551615".parse().unwrap());
        match serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| serde_json::from_value::<Status>(v["error"].clone()).ok())
        {
            Some(status) => GaxError::service_with_http_metadata(status, Some(http_status), Some(headers)),
            None => GaxError::http(http_status, headers, bytes::Bytes::from(body.to_string())),
        }
    }

    #[test]
    fn google_reasons_become_actions() {
        let not_linked = google_error(
            400,
            r#"{"error":{"code":400,"message":"The account is not linked.","status":"FAILED_PRECONDITION",
                "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCOUNT_NOT_LINKED","domain":"health.googleapis.com"}]}}"#,
        );
        assert_eq!(classify(&not_linked).action(), Action::LinkHealthAccount);

        let scope = google_error(
            403,
            r#"{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED",
                "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com"}]}}"#,
        );
        let classified = classify_for(&scope, DataType::Sleep, false);
        assert_eq!(
            classified.action(),
            Action::RequestScope(Some("https://www.googleapis.com/auth/googlehealth.sleep.readonly".into()))
        );

        let disabled = google_error(
            403,
            r#"{"error":{"code":403,"message":"Google Health API has not been used in project 12345.","status":"PERMISSION_DENIED",
                "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com"}]}}"#,
        );
        assert_eq!(classify(&disabled).action(), Action::EnableApi);

        // A 429 with an absurd Retry-After waits at most an hour.
        let limited = google_error(
            429,
            r#"{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED"}}"#,
        );
        assert_eq!(classify(&limited).action(), Action::WaitAndRetry(Some(MAX_RETRY_AFTER)));

        let html = google_error(502, "<html><body>Bad gateway</body></html>");
        assert_eq!(classify(&html).action(), Action::RetryLater);

        let code_only =
            GaxError::service(Status::default().set_code(Code::NotFound).set_message("no such point"));
        assert!(matches!(classify(&code_only), Error::NotFound(api) if api.status == 404));
    }

    #[test]
    fn our_own_errors_come_back_unchanged() {
        let ours = Error::SignInRequired { reason: "the refresh token was refused".into(), api: None };
        let wrapped = GaxError::authentication(google_cloud_gax::error::CredentialsError::new(
            false,
            "no access token",
            ours,
        ));
        let classified = classify(&wrapped);
        assert!(matches!(&classified, Error::SignInRequired { reason, .. } if reason.contains("refused")));
        assert_eq!(classified.action(), Action::SignInAgain);
    }
}

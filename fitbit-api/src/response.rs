//! Typed answers: the body decoded, with the answer's status and headers.

use futures::FutureExt;
use progenitor_client::{Error, ResponseValue};
use reqwest::Response;
use serde::de::DeserializeOwned;

/// What progenitor-client's `ResponseValue::from_response` does, without
/// copying the headers: they are taken from the answer, which is dropped
/// once its body is read. The generated code calls this instead (xtask,
/// `AnswersKeepTheirHeaders`); the errors are the same.
///
/// A combinator rather than an `async fn`: the future then holds the body's
/// future and not also the answer it came from (672 bytes rather than 944),
/// and every operation's `send()` future, which holds it, is moved on each
/// call.
// The error type is progenitor-client's, as the generated code expects.
#[allow(clippy::result_large_err)]
pub(crate) fn from_response<T: DeserializeOwned, E>(
    mut response: Response,
) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    response.bytes().map(move |body| {
        let body = body.map_err(Error::ResponseBodyError)?;
        let inner = serde_json::from_slice(&body).map_err(|err| Error::InvalidResponsePayload(body, err))?;
        Ok(ResponseValue::new(inner, status, headers))
    })
}

//! Typed answers: the body decoded, with the answer's status and headers.

use progenitor_client::{Error, ResponseValue};
use reqwest::Response;
use serde::de::DeserializeOwned;

/// What progenitor-client's `ResponseValue::from_response` does, without
/// copying the headers: they are taken from the answer, which is dropped
/// once its body is read. The generated code calls this instead (xtask,
/// `AnswersKeepTheirHeaders`); the errors are the same.
pub(crate) async fn from_response<T: DeserializeOwned, E>(
    mut response: Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner = serde_json::from_slice(&body).map_err(|err| Error::InvalidResponsePayload(body, err))?;
    Ok(ResponseValue::new(inner, status, headers))
}

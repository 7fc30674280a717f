//! Reading a request body whole, within a size limit and a time limit.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

/// Why a body was not read.
pub(crate) enum BodyError {
    /// Larger than the limit (by `Content-Length`, or as it arrived).
    TooLarge,
    /// Not all there within the time limit.
    TimedOut,
    /// The connection failed while reading.
    Unreadable(String),
}

/// The body, if it has at most `limit` bytes and arrives within `timeout`.
/// A declared `Content-Length` above the limit is refused unread.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<bytes::Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(err)) => Err(BodyError::Unreadable(err.to_string())),
    }
}

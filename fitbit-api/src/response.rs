//! Typed answers: the body decoded, with the answer's status and headers.

use bytes::{Bytes, BytesMut};
use progenitor_client::{Error, ResponseValue};
use reqwest::Response;
use serde::de::DeserializeOwned;

/// What progenitor-client's `ResponseValue::from_response` does, without
/// copying the headers: they are taken from the answer, which is dropped
/// once its body is read. The generated code calls this instead (xtask,
/// `AnswersKeepTheirHeaders`); the errors are the same.
// The error type is progenitor-client's, as the generated code expects.
#[allow(clippy::result_large_err)]
pub(crate) async fn from_response<T: DeserializeOwned, E>(
    mut response: Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = body(&mut response).await.map_err(Error::ResponseBodyError)?;
    let inner = decode_json(&body).map_err(|err| Error::InvalidResponsePayload(body, err))?;
    Ok(ResponseValue::new(inner, status, headers))
}

/// Decodes a JSON body as the client decodes every answer: for a body kept
/// aside (a cached or logged answer) or measured on its own, as the
/// benchmarks do.
///
/// The body is checked as UTF-8 once, in one pass, and then parsed as text:
/// serde_json trusts the strings it takes from text, where from bytes it
/// checks each one again (an eighth of the decode of a small answer). A body
/// that is not UTF-8 is parsed as bytes, so that the result, or serde_json's
/// error with its position, is what `serde_json::from_slice` gives.
///
/// ```
/// use fitbit_api::types::ProfileResponse;
///
/// let body = br#"{"user":{"encodedId":"GGNJL9","displayName":"Ada"}}"#;
/// let profile: ProfileResponse = fitbit_api::decode_json(body)?;
/// assert_eq!(profile.user.encoded_id.as_deref(), Some("GGNJL9"));
///
/// assert!(fitbit_api::decode_json::<ProfileResponse>(b"<html>Bad Gateway</html>").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// The whole body, read chunk by chunk: one chunk (every small answer) is
/// handed over as it is, more are joined. What `Response::bytes` does, but
/// that future also holds the collected frames and their trailers; this one
/// is awaited inside every operation's `send()` future, which is moved on
/// each call (`from_response`'s future: 528 bytes rather than 672, and
/// `get_profile`'s `send()`: 1,328 rather than 1,456).
async fn body(response: &mut Response) -> reqwest::Result<Bytes> {
    let Some(first) = response.chunk().await? else { return Ok(Bytes::new()) };
    let Some(second) = response.chunk().await? else { return Ok(first) };
    let mut joined = BytesMut::with_capacity(first.len() + second.len());
    joined.extend_from_slice(&first);
    joined.extend_from_slice(&second);
    while let Some(chunk) = response.chunk().await? {
        joined.extend_from_slice(&chunk);
    }
    Ok(joined.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_in_chunks(chunks: &[&'static str]) -> Response {
        let frames: Vec<Result<Bytes, std::io::Error>> =
            chunks.iter().map(|chunk| Ok(Bytes::from_static(chunk.as_bytes()))).collect();
        let body = reqwest::Body::wrap_stream(futures::stream::iter(frames));
        http::Response::builder().header("x-request-id", "req-7").body(body).unwrap().into()
    }

    #[tokio::test]
    async fn a_body_in_several_chunks_is_joined_in_order() {
        for chunks in
            [&[][..], &["{}"], &[r#"{"user":"#, r#"{"encodedId":"#, r#""GGNJL9"}}"#], &["", "{}", ""]]
        {
            let mut response = answer_in_chunks(chunks);
            assert_eq!(body(&mut response).await.unwrap(), chunks.concat().as_bytes(), "{chunks:?}");
        }
    }

    #[tokio::test]
    async fn a_body_in_one_chunk_is_handed_over_without_a_copy() {
        let text: &'static str = r#"{"user":{"encodedId":"GGNJL9"}}"#;
        let mut response = answer_in_chunks(&[text]);
        assert_eq!(body(&mut response).await.unwrap().as_ptr(), text.as_ptr());
    }

    #[tokio::test]
    async fn a_typed_answer_from_chunks_keeps_its_headers() {
        let response = answer_in_chunks(&[r#"{"user":"#, r#"{"encodedId":"GGNJL9"}}"#]);
        let answer = from_response::<crate::types::ProfileResponse, ()>(response).await.unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::OK);
        assert_eq!(answer.headers()["x-request-id"], "req-7");
        assert_eq!(answer.user.encoded_id.as_deref(), Some("GGNJL9"));
    }

    #[test]
    fn text_and_bytes_decode_alike() {
        use crate::types::ProfileResponse;
        let profile = r#"{"user":{"encodedId":"GGNJL9","fullName":"Zoë Ørsted 🏃","aboutMe":"a\"b\u00e9"}}"#;
        let decoded: ProfileResponse = decode_json(profile.as_bytes()).unwrap();
        assert_eq!(decoded, serde_json::from_slice::<ProfileResponse>(profile.as_bytes()).unwrap());
        assert_eq!(decoded.user.full_name.as_deref(), Some("Zoë Ørsted 🏃"));
        assert_eq!(decoded.user.about_me.as_deref(), Some("a\"bé"));

        for broken in [&b"{\"user\":{\"fullName\":\"Zo\xeb\"}}"[..], b"{\"user\":", b"<html>502</html>", b""]
        {
            let ours = decode_json::<ProfileResponse>(broken).unwrap_err().to_string();
            let theirs = serde_json::from_slice::<ProfileResponse>(broken).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(broken));
        }
    }

    #[tokio::test]
    async fn a_body_that_fails_midway_is_a_body_error() {
        let frames: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"{\"user\":")), Err(std::io::Error::other("connection reset"))];
        let body = reqwest::Body::wrap_stream(futures::stream::iter(frames));
        let response: Response = http::Response::new(body).into();
        let err = from_response::<crate::types::ProfileResponse, ()>(response).await.unwrap_err();
        assert!(matches!(err, Error::ResponseBodyError(_)), "{err:?}");
    }
}

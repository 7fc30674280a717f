//! The runner behind the generated contract tests (`tests/tests/contract/generated.rs`).

use std::future::Future;
use std::sync::{Arc, Mutex};

use fitbit_api::{RawError, ResponseValue};
use httpmock::{HttpMockRequest, MockServer};
use serde::Serialize;

use super::{TEST_TOKEN, client_for, fixtures};

/// What the generated test expects the client to send.
pub struct Expect {
    pub operation: &'static str,
    pub method: &'static str,
    /// The exact path, parameters filled with sample values.
    pub path: &'static str,
    /// Required query parameters and their sample values.
    pub query: &'static [(&'static str, &'static str)],
    /// Every query parameter the spec declares: nothing else may be sent.
    pub declared_query: &'static [&'static str],
    /// The request body the spec says the operation takes.
    pub body: Body,
    /// The documented success status the mock answers with.
    pub status: u16,
}

/// What the request carries, as the spec says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// GET and DELETE: no body, no `Content-Type`.
    None,
    /// A POST whose fields are query parameters: empty, `Content-Length: 0`, no `Content-Type`.
    Empty,
    /// `application/x-www-form-urlencoded`: the request fixture's fields.
    Form,
    /// `application/json`: the request fixture.
    Json,
}

/// The requests a mock received, for checks that say what differs (a
/// matcher that fails only makes the mock answer 404).
type Seen = Arc<Mutex<Vec<HttpMockRequest>>>;

/// The request fixture an operation sends, as JSON (`{}` when there is none).
fn request_json(operation: &str) -> serde_json::Value {
    let path = fixtures::dir("requests").join(format!("{operation}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "{}".to_string());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks one received request against the spec's description of it.
pub fn check_request(expect: &Expect, request: &HttpMockRequest) {
    let op = expect.operation;
    let header = |name: &str| {
        request.headers_vec().iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    };
    for (name, _) in request.query_params() {
        assert!(
            expect.declared_query.contains(&name.as_str()),
            "{op}: sent the query parameter `{name}`, which the spec does not declare ({:?})",
            expect.declared_query
        );
    }
    let body = request.body_ref();
    let content_type = header("content-type");
    match expect.body {
        Body::None => {
            assert!(body.is_empty(), "{op}: a {} with a body: {:?}", expect.method, request.body_string());
            assert_eq!(content_type, None, "{op}: a Content-Type without a body");
        }
        Body::Empty => {
            assert!(body.is_empty(), "{op}: the fields go in the query, the body stays empty");
            assert_eq!(
                header("content-length"),
                Some("0"),
                "{op}: Fitbit answers 411 without Content-Length"
            );
            assert_eq!(content_type, None, "{op}: a Content-Type for an empty body");
        }
        Body::Form => {
            assert_eq!(content_type, Some("application/x-www-form-urlencoded"), "{op}: Content-Type");
            let mut sent: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_else(|e| panic!("{op}: not a form: {e}"));
            sent.sort();
            let mut expected: Vec<(String, String)> = request_json(op)
                .as_object()
                .expect("a form fixture is an object")
                .iter()
                .map(|(name, value)| {
                    let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                    (name.clone(), text)
                })
                .collect();
            expected.sort();
            assert!(!expected.is_empty(), "{op}: give it a request fixture with fields");
            assert_eq!(sent, expected, "{op}: the form body");
        }
        Body::Json => {
            assert_eq!(content_type, Some("application/json"), "{op}: Content-Type");
            let sent: serde_json::Value =
                serde_json::from_slice(body).unwrap_or_else(|e| panic!("{op}: not JSON: {e}"));
            fixtures::assert_same_json(&format!("{op}: the JSON body"), &request_json(op), &sent);
        }
    }
}

fn check_seen(expect: &Expect, seen: &Seen) {
    let requests = std::mem::take(&mut *seen.lock().expect("not poisoned"));
    assert_eq!(requests.len(), 1, "{}: one request per call", expect.operation);
    check_request(expect, &requests[0]);
}

/// A request body for an operation, from `tests/fixtures/requests/<operation>.json`,
/// or an empty object when there is no such file.
pub fn request_body<T: serde::de::DeserializeOwned>(operation: &str) -> T {
    let path = fixtures::dir("requests").join(format!("{operation}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "{}".to_string());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn mock_for<'a>(
    server: &'a MockServer,
    expect: &Expect,
    content_type: &str,
    body: &str,
    seen: &Seen,
) -> httpmock::Mock<'a> {
    let seen = Arc::clone(seen);
    server
        .mock_async(|when, then| {
            let mut when = when
                .method(expect.method)
                .path(expect.path)
                .header("authorization", format!("Bearer {TEST_TOKEN}"))
                .is_true(move |request| {
                    seen.lock().expect("not poisoned").push(request.clone());
                    true
                });
            for (name, value) in expect.query {
                when = when.query_param(*name, *value);
            }
            let then = then.status(expect.status);
            if !body.is_empty() {
                then.header("content-type", content_type).body(body);
            }
        })
        .await
}

fn describe(operation: &str, fixture: &str, err: RawError) -> String {
    format!("{operation} with {fixture}: {}", fitbit_api::Error::from(err))
}

/// Serves every fixture of the operation; each must decode and re-encode unchanged.
pub async fn run_json<F, Fut, T>(expect: Expect, call: F)
where
    F: Fn(fitbit_api::Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, RawError>>,
    T: Serialize,
{
    let fixtures = fixtures::responses(expect.operation);
    assert!(
        !fixtures.is_empty(),
        "{}: no fixture in tests/fixtures/responses (add {}.json)",
        expect.operation,
        expect.operation
    );
    let server = MockServer::start_async().await;
    let seen = Seen::default();
    for fixture in fixtures {
        let mock = mock_for(&server, &expect, "application/json", &fixture.text, &seen).await;
        let response = call(client_for(&server))
            .await
            .unwrap_or_else(|err| panic!("{}", describe(expect.operation, &fixture.name, err)));
        check_seen(&expect, &seen);
        assert_eq!(response.status().as_u16(), expect.status);
        let reencoded = serde_json::to_value(response.into_inner()).expect("typed responses serialize");
        fixtures::assert_same_json(&fixture.name, &fixture.json, &reencoded);
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

/// A bodiless operation: the request must match and the empty answer decode.
pub async fn run_bodiless<F, Fut>(expect: Expect, call: F)
where
    F: Fn(fitbit_api::Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<()>, RawError>>,
{
    let server = MockServer::start_async().await;
    let seen = Seen::default();
    let mock = mock_for(&server, &expect, "", "", &seen).await;
    let response = call(client_for(&server))
        .await
        .unwrap_or_else(|err| panic!("{}", describe(expect.operation, "an empty body", err)));
    check_seen(&expect, &seen);
    assert_eq!(response.status().as_u16(), expect.status);
    mock.assert_async().await;
}

/// A non-JSON body (TCX): served from `tests/fixtures/responses/<operation>.<ext>`
/// and read back byte for byte.
pub async fn run_raw<F, Fut>(expect: Expect, call: F)
where
    F: Fn(fitbit_api::Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<fitbit_api::ByteStream>, RawError>>,
{
    use futures::TryStreamExt as _;
    let path = std::fs::read_dir(fixtures::dir("responses"))
        .expect("fixtures exist")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| {
            p.file_stem().and_then(|s| s.to_str()) == Some(expect.operation)
                && p.extension().and_then(|e| e.to_str()) != Some("json")
        })
        .unwrap_or_else(|| panic!("{}: no non-JSON fixture", expect.operation));
    let body = std::fs::read_to_string(&path).expect("fixture is text");
    let server = MockServer::start_async().await;
    let seen = Seen::default();
    let mock = mock_for(&server, &expect, "application/vnd.garmin.tcx+xml", &body, &seen).await;
    let response = call(client_for(&server))
        .await
        .unwrap_or_else(|err| panic!("{}", describe(expect.operation, "the raw fixture", err)));
    check_seen(&expect, &seen);
    let bytes: Vec<u8> = response
        .into_inner()
        .into_inner()
        .map_ok(|chunk| chunk.to_vec())
        .try_concat()
        .await
        .expect("the body streams");
    assert_eq!(String::from_utf8_lossy(&bytes), body);
    mock.assert_async().await;
}

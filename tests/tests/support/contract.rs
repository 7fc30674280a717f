//! The runner behind the generated contract tests (`tests/tests/contract/generated.rs`).

use std::future::Future;

use fitbit_api::{RawError, ResponseValue};
use httpmock::MockServer;
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
    /// The documented success status the mock answers with.
    pub status: u16,
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
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            let mut when = when
                .method(expect.method)
                .path(expect.path)
                .header("authorization", format!("Bearer {TEST_TOKEN}"));
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
    for fixture in fixtures {
        let mock = mock_for(&server, &expect, "application/json", &fixture.text).await;
        let response = call(client_for(&server))
            .await
            .unwrap_or_else(|err| panic!("{}", describe(expect.operation, &fixture.name, err)));
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
    let mock = mock_for(&server, &expect, "", "").await;
    let response = call(client_for(&server))
        .await
        .unwrap_or_else(|err| panic!("{}", describe(expect.operation, "an empty body", err)));
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
    let mock = mock_for(&server, &expect, "application/vnd.garmin.tcx+xml", &body).await;
    let response = call(client_for(&server))
        .await
        .unwrap_or_else(|err| panic!("{}", describe(expect.operation, "the raw fixture", err)));
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

//! Bad answers become typed errors that say what to do, never panics; a 401
//! `expired_token` is refreshed once and retried; secrets stay out of output.

mod support;

use std::sync::Arc;
use std::time::Duration;

use fitbit_api::prelude::*;
use fitbit_api::{Action, Client, Error, RetryPolicy};
use httpmock::MockServer;
use support::rotating::RotatingToken;
use support::{TEST_TOKEN, client_for};

/// One attempt, no waiting: these tests are about classifying the answer.
async fn profile_error(server: &MockServer) -> Error {
    let client = Client::builder()
        .base_url(server.base_url())
        .bearer_token(TEST_TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.get_profile().send().await.map(|_| ()).map_err(Error::from).expect_err("an error")
}

async fn serve(status: u16, headers: &[(&str, &str)], body: &str) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json");
            let mut then = then.status(status);
            for (name, value) in headers {
                then = then.header(*name, *value);
            }
            then.body(body);
        })
        .await;
    server
}

#[tokio::test]
async fn gone_with_an_html_page_is_the_retired_error() {
    let server =
        serve(410, &[("content-type", "text/html")], "<html><body><h1>410 Gone</h1></body></html>").await;

    let err = profile_error(&server).await;

    assert!(matches!(err, Error::Retired { .. }), "{err:?}");
    assert_eq!(err.action(), Action::MigrateToGoogleHealthApi);
    assert_eq!(err.status(), Some(410));
    let message = err.to_string();
    assert!(message.contains("Google Health API"), "{message}");
    assert!(message.contains("410 Gone"), "{message}");
    // The client named the operation, so the error carries its replacement.
    let replacement = err.replacement().expect("the migration map's row for get_profile");
    assert_eq!(replacement.operation, "get_profile");
    assert!(replacement.methods.contains(&"users.getProfile"));
    assert!(message.contains("use `fitbit health profile`"), "{message}");
}

#[tokio::test]
async fn rate_limited_with_lower_case_headers_and_the_newer_envelope() {
    let body = r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}"#;
    let server =
        serve(429, &[("fitbit-rate-limit-remaining", "0"), ("fitbit-rate-limit-reset", "1800")], body).await;

    let err = profile_error(&server).await;

    let Error::RateLimited { reset_in, sent, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*reset_in, Some(Duration::from_secs(1800)));
    assert!(*sent);
    assert_eq!(err.action(), Action::WaitAndRetry(Some(Duration::from_secs(1800))));
    assert!(err.to_string().contains("RESOURCE_EXHAUSTED"), "{err}");
}

#[tokio::test]
async fn missing_scope_names_the_scope() {
    let body = r#"{"errors":[{"errorType":"insufficient_scope","fieldName":"heartrate","message":"This application does not have permission to access heartrate data."}],"success":false}"#;
    let server = serve(403, &[], body).await;

    let err = profile_error(&server).await;

    assert!(matches!(&err, Error::MissingScope { scope: Some(s), .. } if s == "heartrate"), "{err:?}");
    assert_eq!(err.action(), Action::RequestScope(Some("heartrate".into())));
}

#[tokio::test]
async fn validation_names_the_field() {
    let body = r#"{"errors":[{"errorType":"validation","fieldName":"date","message":"Invalid date:2024-13-01"}],"success":false}"#;
    let server = serve(400, &[], body).await;

    let err = profile_error(&server).await;

    assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "date"), "{err:?}");
    assert_eq!(err.action(), Action::FixRequest);
}

#[tokio::test]
async fn a_server_error_page_is_transient() {
    let server = serve(503, &[("content-type", "text/html")], "<html>Service Unavailable</html>").await;

    let err = profile_error(&server).await;

    assert!(matches!(err, Error::Transient { status: Some(503), .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(err.action(), Action::RetryLater);
}

#[tokio::test]
async fn truncated_and_malformed_bodies_are_invalid_responses() {
    for body in [r#"{"user": {"encodedId": "GGNJL9", "timez"#, "<html>not json</html>", r#"{"user": 42}"#] {
        let server = serve(200, &[("content-type", "application/json")], body).await;

        let err = profile_error(&server).await;

        assert!(matches!(err, Error::InvalidResponse { .. }), "{body}: {err:?}");
        assert_eq!(err.action(), Action::Report);
    }
}

#[tokio::test]
async fn an_expired_static_token_means_signing_in_again() {
    let body = r#"{"errors":[{"errorType":"expired_token","message":"Access token expired: eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIyM0JDMjMiLCJzdWIiOiJHR05KTDkifQ"}],"success":false}"#;
    let server = serve(401, &[], body).await;

    let err = profile_error(&server).await;

    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
    assert_eq!(err.action(), Action::SignInAgain);
}

#[tokio::test]
async fn expired_token_is_refreshed_once_and_the_request_retried() {
    let server = MockServer::start_async().await;
    let expired = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json").header("authorization", "Bearer old-token");
            then.status(401)
                .body(r#"{"errors":[{"errorType":"expired_token","message":"Access token expired"}],"success":false}"#);
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json").header("authorization", "Bearer new-token");
            then.status(200).body(r#"{"user":{"encodedId":"GGNJL9"}}"#);
        })
        .await;
    let authorizer = Arc::new(RotatingToken::default());
    let client =
        Client::builder().base_url(server.base_url()).shared_authorizer(authorizer.clone()).build().unwrap();

    let profile = client.get_profile().send().await.expect("the retry succeeds");

    assert_eq!(profile.user.encoded_id.as_deref(), Some("GGNJL9"));
    assert_eq!(authorizer.refreshes(), 1);
    expired.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_invalid_token_gets_one_refresh_in_case_another_process_rotated_it() {
    let server = MockServer::start_async().await;
    let invalid = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json").header("authorization", "Bearer old-token");
            then.status(401)
                .body(r#"{"errors":[{"errorType":"invalid_token","message":"Access token invalid"}]}"#);
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json").header("authorization", "Bearer new-token");
            then.status(200).body(r#"{"user":{"encodedId":"GGNJL9"}}"#);
        })
        .await;
    let authorizer = Arc::new(RotatingToken::default());
    let client =
        Client::builder().base_url(server.base_url()).shared_authorizer(authorizer.clone()).build().unwrap();

    client.get_profile().send().await.expect("the retry succeeds");

    assert_eq!(authorizer.refreshes(), 1);
    invalid.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn other_401s_are_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json");
            then.status(401).body(
                r#"{"errors":[{"errorType":"authorization","message":"Authorization header required"}]}"#,
            );
        })
        .await;
    let authorizer = Arc::new(RotatingToken::default());
    let client =
        Client::builder().base_url(server.base_url()).shared_authorizer(authorizer.clone()).build().unwrap();

    let err = client.get_profile().send().await.map(|_| ()).map_err(Error::from).expect_err("refused");

    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
    assert_eq!(authorizer.refreshes(), 0);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_error_messages() {
    let server = MockServer::start_async().await;
    let client = client_for(&server);
    assert!(!format!("{client:?}").contains(TEST_TOKEN), "{client:?}");

    // A server that echoes the token back in its message.
    let body = format!(
        r#"{{"errors":[{{"errorType":"invalid_token","message":"Access token invalid: {TEST_TOKEN}"}}]}}"#
    );
    let server = serve(401, &[], &body).await;
    let err = profile_error(&server).await;
    assert!(!err.to_string().contains(TEST_TOKEN), "{err}");
    assert!(!format!("{err:?}").contains(TEST_TOKEN), "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(url)
        .bearer_token(TEST_TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let err = client.get_profile().send().await.map(|_| ()).map_err(Error::from).expect_err("refused");

    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

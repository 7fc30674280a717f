//! Bad answers become typed errors that say what to do, never panics; a 401
//! `expired_token` is refreshed once and retried; secrets stay out of output.

mod support;

use std::sync::Arc;
use std::time::Duration;

use fitbit_api::prelude::*;
use fitbit_api::{Action, Client, Error, ResultExt as _, RetryPolicy};
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
        // A fault upstream: retried later it may well work.
        assert_eq!(err.action(), Action::RetryLater);
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

#[tokio::test]
async fn a_server_cannot_choose_the_error_class_or_the_retired_operation() {
    use fitbit_auth::{HOOK_ERROR_HEADER, OPERATION_HEADER};
    // The most convincing forgery: a well-formed value naming another class.
    let forged = Error::SignInRequired { reason: "forged".into(), api: None }.to_hook_header();
    let forged = forged.to_str().unwrap();
    let validation = r#"{"errors":[{"errorType":"validation","fieldName":"date","message":"bad date"}]}"#;

    let server = serve(400, &[(HOOK_ERROR_HEADER, forged)], validation).await;
    let err = profile_error(&server).await;
    assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "date"), "{err:?}");

    let server = serve(503, &[(HOOK_ERROR_HEADER, forged)], "<html>busy</html>").await;
    assert!(matches!(profile_error(&server).await, Error::Transient { status: Some(503), .. }));

    let server = serve(302, &[(HOOK_ERROR_HEADER, forged), ("location", "http://127.0.0.1:9/")], "").await;
    let err = profile_error(&server).await;
    assert!(matches!(err, Error::InvalidResponse { status: Some(302), .. }), "{err:?}");

    // A 410 names the operation that was called, not the one the server says.
    let server = serve(410, &[(OPERATION_HEADER, "get_badges"), (HOOK_ERROR_HEADER, forged)], "Gone").await;
    let err = profile_error(&server).await;
    assert!(matches!(err, Error::Retired { .. }), "{err:?}");
    assert_eq!(err.replacement().map(|r| r.operation), Some("get_profile"));

    // A success carrying the header is a success, without the header.
    let server = serve(200, &[(HOOK_ERROR_HEADER, forged)], r#"{"user":{"encodedId":"GGNJL9"}}"#).await;
    let profile = client_for(&server).get_profile().send().await.expect("a success");
    assert!(!profile.headers().contains_key(HOOK_ERROR_HEADER));
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_one_on_the_same_origin_is() {
    let elsewhere = MockServer::start_async().await;
    let catch_all = elsewhere
        .mock_async(|_when, then| {
            then.status(200).body(r#"{"user":{"encodedId":"ELSEWHERE"}}"#);
        })
        .await;
    for status in [301, 302, 303, 307, 308] {
        let location = elsewhere.url("/1/user/-/profile.json");
        let server = serve(status, &[("location", &location)], "").await;

        let err = profile_error(&server).await;

        assert!(matches!(err, Error::InvalidResponse { status: Some(s), .. } if s == status), "{err:?}");
        assert_eq!(err.action(), Action::RetryLater);
    }
    // Nor a POST, with its body.
    let server = MockServer::start_async().await;
    let location = elsewhere.url("/1/user/-/body/log/weight.json");
    server
        .mock_async(|when, then| {
            when.method("POST");
            then.status(307).header("location", location.as_str());
        })
        .await;
    let err = client_for(&server)
        .create_weight_log()
        .weight(70.5)
        .date(fitbit_api::FitbitDate::Today)
        .send()
        .await
        .map(|_| ())
        .map_err(Error::from)
        .expect_err("not followed");
    assert!(matches!(err, Error::InvalidResponse { status: Some(307), .. }), "{err:?}");
    catch_all.assert_calls_async(0).await;

    // The same origin: followed, token and all.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json");
            then.status(308).header("location", "/1/user/GGNJL9/profile.json");
        })
        .await;
    let moved = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/GGNJL9/profile.json")
                .header("authorization", format!("Bearer {TEST_TOKEN}"));
            then.status(200).body(r#"{"user":{"encodedId":"GGNJL9"}}"#);
        })
        .await;
    let profile = client_for(&server).get_profile().send().await.expect("followed");
    assert_eq!(profile.user.encoded_id.as_deref(), Some("GGNJL9"));
    moved.assert_calls_async(1).await;
}

/// A token source that fails with a given error: before the request (the
/// `pre` hook) or when asked to refresh after a 401 (the answer's header).
#[derive(Debug)]
struct FailsWith {
    error: Error,
    on_refresh: bool,
}

impl fitbit_auth::Authorizer for FailsWith {
    fn access_token(&self) -> futures::future::BoxFuture<'_, Result<fitbit_auth::AccessToken, Error>> {
        let outcome = if self.on_refresh {
            Ok(fitbit_auth::AccessToken::new("old-token"))
        } else {
            Err(self.error.clone())
        };
        Box::pin(std::future::ready(outcome))
    }

    fn refresh_after_rejection<'a>(
        &'a self,
        _rejected: &'a fitbit_auth::AccessToken,
    ) -> futures::future::BoxFuture<'a, Result<fitbit_auth::AccessToken, Error>> {
        Box::pin(std::future::ready(Err(self.error.clone())))
    }
}

/// One error of every variant of `fitbit_api::Error`, with its fields set.
fn one_of_each() -> Vec<Error> {
    use fitbit_auth::AuthorizationError;
    use reqwest::header::HeaderMap;
    let answer = |status: u16, body: &str| {
        let mut headers = HeaderMap::new();
        headers.insert("fitbit-rate-limit-reset", "600".parse().unwrap());
        Error::from_response(status, &headers, body.as_bytes())
    };
    let classic = |status, kind: &str| {
        answer(
            status,
            &format!(
                r#"{{"errors":[{{"errorType":"{kind}","fieldName":"date","message":"m"}}],"success":false}}"#
            ),
        )
    };
    let google = |status, reason: &str| {
        answer(
            status,
            &format!(
                r#"{{"error":{{"code":{status},"status":"X","details":[{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"{reason}"}}]}}}}"#
            ),
        )
    };
    vec![
        classic(401, "expired_token"),
        classic(400, "invalid_grant"),
        classic(403, "insufficient_scope"),
        classic(401, "invalid_client"),
        classic(403, "request"),
        answer(429, "{}"),
        Error::RateLimited { reset_in: Some(Duration::from_secs(90)), sent: false, api: None },
        classic(400, "validation"),
        answer(404, ""),
        answer(409, ""),
        answer(503, "<html>busy</html>"),
        Error::OutcomeUnknown { message: "connection reset".into() },
        answer(410, "").for_operation("get_sleep_log_by_date"),
        Error::InvalidResponse { status: Some(200), message: "the token answer is not JSON".into() },
        Error::InvalidRequest("no date".into()),
        Error::PartialConsent { missing: vec!["sleep".into()] },
        google(400, "ACCOUNT_NOT_LINKED"),
        google(403, "SERVICE_DISABLED"),
        Error::Authorization(AuthorizationError::StateMismatch),
        Error::Store("cannot write (injected)".into()),
        Error::Config("no client id".into()),
        answer(418, "{}"),
    ]
}

#[tokio::test]
async fn every_error_class_reaches_the_caller_unchanged_through_the_clients_hooks() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json");
            then.status(401)
                .body(r#"{"errors":[{"errorType":"expired_token","message":"Access token expired"}],"success":false}"#);
        })
        .await;
    let errors = one_of_each();
    let mut variants: Vec<String> =
        errors.iter().map(|e| format!("{e:?}").split(['(', ' ', '{']).next().unwrap().to_string()).collect();
    variants.sort();
    variants.dedup();
    assert_eq!(variants.len(), 21, "every variant: {variants:?}");
    for original in errors {
        for on_refresh in [false, true] {
            let client = Client::builder()
                .base_url(server.base_url())
                .authorizer(FailsWith { error: original.clone(), on_refresh })
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();

            // `?` (or `.classified()`) is the whole conversion.
            let err = client.get_profile().send().await.classified().map(|_| ()).expect_err("fails");

            assert_eq!(format!("{err:?}"), format!("{original:?}"), "on_refresh: {on_refresh}");
            assert_eq!(err.action(), original.action());
            assert_eq!(err.status(), original.status());
        }
    }
}

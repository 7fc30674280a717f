//! One tracing span per request, with the operation id, status, attempt and
//! rate-limit remaining, and no token in anything logged.

mod support;

use std::sync::Arc;

use fitbit_api::prelude::*;
use fitbit_api::{Client, ManualClock};
use fitbit_tests::tracing_capture::CapturedTracing;
use support::TEST_TOKEN;
use support::scripted::{Reply, ScriptedServer};

#[tokio::test(flavor = "current_thread")]
async fn each_request_has_a_span_with_its_outcome_and_no_secret() {
    let capture = CapturedTracing::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = ScriptedServer::start(vec![
        Reply::json(503, "{}"),
        Reply::json(200, r#"{"user":{"encodedId":"GGNJL9"}}"#)
            .header("fitbit-rate-limit-remaining", "137")
            .header("fitbit-rate-limit-reset", "1200"),
    ])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .bearer_token(TEST_TOKEN)
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap();

    client.get_profile().send().await.expect("the retry succeeds");

    let text = capture.text();
    let span = text.lines().find(|line| line.starts_with("span fitbit.request")).expect("a request span");
    assert!(span.contains("operation=\"get_profile\""), "{span}");
    assert!(span.contains("method=GET"), "{span}");
    assert!(text.contains("attempt=2"), "the retry is recorded:\n{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("rate_limit_remaining=\"137\""), "{text}");
    assert!(!text.contains(TEST_TOKEN), "a token was logged:\n{text}");
}

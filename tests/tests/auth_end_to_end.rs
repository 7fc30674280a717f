//! fitbit-api and fitbit-auth together against the strict loopback stand-in
//! for Fitbit: every request carries the session's token, and many concurrent
//! calls that meet an expired token cause exactly one refresh.

use std::sync::Arc;

use chrono::{Duration, Utc};
use fitbit_api::Client;
use fitbit_api::prelude::*;
use fitbit_auth::{FileStore, OAuthClient, Session, TokenSet};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit, REDIRECT_URI,
};

/// A session over a token file holding the mock's tokens, expiring locally at `expires_in`.
async fn session(mock: &MockFitbit, dir: &tempfile::TempDir, expires_in: Duration) -> Session {
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile", "activity"]);
    let body = serde_json::to_vec(&issued.token_answer()).unwrap();
    let mut tokens = TokenSet::from_token_response(&body, Utc::now()).expect("the mock's answer parses");
    tokens.expires_at = Utc::now() + expires_in;
    let oauth = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID)
        .client_secret(CONFIDENTIAL_CLIENT_SECRET)
        .redirect_uri(REDIRECT_URI)
        .base_url(&mock.base_url())
        .build()
        .unwrap();
    let session = Session::new(oauth, FileStore::new(dir.path().join("credentials.json")));
    session.save_tokens(tokens).await.expect("tokens saved");
    session
}

fn client(mock: &MockFitbit, session: &Session) -> Client {
    Client::builder().base_url(mock.base_url()).authorizer(session.clone()).build().unwrap()
}

async fn fifty_concurrent_profiles(client: &Client) {
    let client = Arc::new(client.clone());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_profile().send().await.map(|p| p.into_inner()) })
        })
        .collect();
    for call in calls {
        let profile = call.await.expect("no panic").expect("every call succeeds");
        assert!(profile.user.encoded_id.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_calls_that_meet_an_expired_token_at_fitbit_cause_one_refresh() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    // Locally the token still looks good for hours; Fitbit says it expired.
    let session = session(&mock, &dir, Duration::hours(6)).await;
    mock.expire_access_tokens();

    fifty_concurrent_profiles(&client(&mock, &session)).await;

    let counters = mock.counters();
    assert_eq!(counters.refresh_requests, 1, "{counters:?}");
    assert_eq!(counters.refresh_refusals, 0, "{counters:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_calls_with_a_locally_expired_token_cause_one_proactive_refresh() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = session(&mock, &dir, Duration::minutes(-1)).await;

    fifty_concurrent_profiles(&client(&mock, &session)).await;

    let counters = mock.counters();
    assert_eq!(counters.refresh_requests, 1, "{counters:?}");
    assert_eq!(counters.api_requests, 50, "no request was sent with the expired token: {counters:?}");
    // The rotated pair reached the token file before it was used.
    let saved = std::fs::read_to_string(dir.path().join("credentials.json")).unwrap();
    let current = session.tokens().await.unwrap().expect("tokens");
    assert!(saved.contains(current.access_token.secret()));
}

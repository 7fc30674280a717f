//! The mock's own strictness, checked with a plain HTTP client and raw TCP.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn profile(mock: &MockFitbit, user: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(mock.url(&format!("/1/user/{user}/profile.json")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn error_type(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.unwrap();
    body["errors"][0]["errorType"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn profile_needs_a_valid_bearer_with_the_profile_scope() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let good = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);

    for user in ["-", USER_ID] {
        let response = profile(&mock, user, &good.access_token).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["user"]["encodedId"], USER_ID);
    }
    assert_eq!(profile(&mock, "OTHER1", &good.access_token).await.status(), 403);

    let no_scope = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["sleep"]);
    let response = profile(&mock, "-", &no_scope.access_token).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_type(response).await, "insufficient_scope");

    let response = profile(&mock, "-", "mock-at-unknown").await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_type(response).await, "invalid_token");

    mock.advance_clock(Duration::from_secs(8 * 3600));
    let response = profile(&mock, "-", &good.access_token).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_type(response).await, "expired_token");
    assert_eq!(mock.counters().api_requests, 6);
}

#[tokio::test]
async fn api_answers_carry_rate_limit_headers_and_429_past_the_quota() {
    let mock = MockFitbit::start(MockConfig { rate_limit_per_hour: 2, ..MockConfig::default() }).await;
    let token = mock.issue_tokens(PUBLIC_CLIENT_ID, &["profile"]).access_token;
    let header = |r: &reqwest::Response, name: &str| r.headers()[name].to_str().unwrap().to_string();

    let first = profile(&mock, "-", &token).await;
    assert_eq!(header(&first, "fitbit-rate-limit-limit"), "2");
    assert_eq!(header(&first, "fitbit-rate-limit-remaining"), "1");
    let reset: u64 = header(&first, "fitbit-rate-limit-reset").parse().unwrap();
    assert!((1..=3600).contains(&reset));
    assert_eq!(header(&profile(&mock, "-", &token).await, "fitbit-rate-limit-remaining"), "0");

    let limited = profile(&mock, "-", &token).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_type(limited).await, "system");

    // A new hour, a new quota.
    mock.advance_clock(Duration::from_secs(3600));
    assert_eq!(profile(&mock, "-", &token).await.status(), 200);
}

#[tokio::test]
async fn a_post_without_content_length_gets_411() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let mut stream = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let body = "grant_type=client_credentials";
    let request = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert_eq!(mock.counters().client_credentials, 0);
}

#[tokio::test]
async fn authorize_validates_before_redirecting() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let http = no_redirects();
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let authorize = |query: &str| http.get(mock.url(&format!("/oauth2/authorize?{query}"))).send();
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_string();
    let base = format!("client_id={PUBLIC_CLIENT_ID}&response_type=code&scope=activity&state=s1");

    // Unknown client or unregistered redirect URI: a page, never a redirect.
    assert_eq!(authorize("client_id=NOPE&response_type=code&scope=activity").await.unwrap().status(), 400);
    let elsewhere = format!("{base}&redirect_uri=https%3A%2F%2Fevil.example%2F&code_challenge={challenge}");
    assert_eq!(authorize(&elsewhere).await.unwrap().status(), 400);

    // Without PKCE, with `plain`, or with an unknown scope: an error redirect.
    for (query, error) in [
        (base.clone(), "invalid_request"),
        (format!("{base}&code_challenge={challenge}&code_challenge_method=plain"), "invalid_request"),
        (
            format!("{base}&code_challenge={challenge}&code_challenge_method=S256")
                .replace("activity", "irn"),
            "invalid_scope",
        ),
    ] {
        let response = authorize(&query).await.unwrap();
        assert_eq!(response.status(), 302, "{query}");
        let location = location(&response);
        assert!(
            location.starts_with(REDIRECT_URI) && location.contains(&format!("error={error}")),
            "{location}"
        );
        assert!(location.contains("state=s1") && location.ends_with("#_=_"), "{location}");
    }

    let ok =
        authorize(&format!("{base}&code_challenge={challenge}&code_challenge_method=S256")).await.unwrap();
    let location = location(&ok);
    assert!(location.starts_with(&format!("{REDIRECT_URI}?code=mock-code-")), "{location}");
    assert_eq!(mock.counters().authorize_requests, 6);
}

#[tokio::test]
async fn scripted_answers_and_dropped_connections() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(PUBLIC_CLIENT_ID, &["activity"]);
    let refresh = || {
        reqwest::Client::new()
            .post(mock.url("/oauth2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &issued.refresh_token),
                ("client_id", PUBLIC_CLIENT_ID),
            ])
            .send()
    };

    mock.script_token_answer(503, "text/html", "<html>busy</html>");
    assert_eq!(refresh().await.unwrap().status(), 503);
    assert!(mock.is_refresh_token_live(&issued.refresh_token), "scripted answers process nothing");

    mock.drop_connection_after_next_refreshes(1);
    assert!(refresh().await.is_err(), "no answer");
    assert!(!mock.is_refresh_token_live(&issued.refresh_token), "but the pair rotated");
    let replayed: serde_json::Value = refresh().await.unwrap().json().await.unwrap();
    assert!(mock.is_refresh_token_live(replayed["refresh_token"].as_str().unwrap()));
    let counters = mock.counters();
    assert_eq!((counters.refresh_requests, counters.refresh_rotations, counters.refresh_replays), (3, 1, 1));
    assert_eq!(counters.dropped_connections, 1);
}

#[tokio::test]
async fn a_registered_answer_is_served_for_its_path_and_query_with_the_usual_checks() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let body = serde_json::json!({ "sleep": [], "summary": { "totalSleepRecords": 0 } });
    mock.serve_json(
        "/1.2/user/-/sleep/list.json?sort=desc&beforeDate=2026-03-08&limit=1",
        "sleep",
        body.clone(),
    );
    let sleepy = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["sleep"]);
    let get = |query: &'static str, token: String| {
        let url = mock.url(&format!("/1.2/user/-/sleep/list.json{query}"));
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap() }
    };

    // The query's order does not matter; its content does.
    let answer = get("?limit=1&beforeDate=2026-03-08&sort=desc", sleepy.access_token.clone()).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["fitbit-rate-limit-remaining"], "149");
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap(), body);
    assert_eq!(
        get("?limit=2&beforeDate=2026-03-08&sort=desc", sleepy.access_token.clone()).await.status(),
        404
    );

    let no_scope = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);
    let refused = get("?sort=desc&beforeDate=2026-03-08&limit=1", no_scope.access_token).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_type(refused).await, "insufficient_scope");
    let unknown = get("?sort=desc&beforeDate=2026-03-08&limit=1", "not-a-token".into()).await;
    assert_eq!(unknown.status(), 401);
}

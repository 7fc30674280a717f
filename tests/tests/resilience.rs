//! The rate-limit governor, safe retries and their interplay with token
//! refresh, against a scripted loopback server. Waits run on a manual clock:
//! nothing here sleeps in real time.

mod support;

use std::sync::Arc;
use std::time::Duration;

use fitbit_api::prelude::*;
use fitbit_api::{Client, Error, FitbitDate, ManualClock, RateLimitPolicy, RetryPolicy};
use support::TEST_TOKEN;
use support::rotating::RotatingToken;
use support::scripted::{Reply, ScriptedServer};

const PROFILE: &str = r#"{"user":{"encodedId":"GGNJL9"}}"#;
const WEIGHT_LOG: &str = r#"{"weightLog":{"logId":1,"weight":70.1}}"#;

fn client(server: &ScriptedServer, clock: &Arc<ManualClock>, policy: RateLimitPolicy) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .bearer_token(TEST_TOKEN)
        .clock(clock.clone())
        .rate_limit_policy(policy)
        .build()
        .unwrap()
}

async fn get_profile(client: &Client) -> Result<String, Error> {
    let profile = client.get_profile().send().await?;
    Ok(profile.user.encoded_id.clone().unwrap_or_default())
}

async fn create_weight(client: &Client) -> Result<(), Error> {
    client.create_weight_log().weight(70.1).date(FitbitDate::Today).send().await?;
    Ok(())
}

fn total(sleeps: &[Duration]) -> Duration {
    sleeps.iter().sum()
}

#[tokio::test]
async fn a_spent_budget_holds_the_next_request_until_the_reset() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, PROFILE)
            .header("Fitbit-Rate-Limit-Limit", "150")
            .header("Fitbit-Rate-Limit-Remaining", "0")
            .header("Fitbit-Rate-Limit-Reset", "600"),
        Reply::json(200, PROFILE)
            .header("fitbit-rate-limit-remaining", "149")
            .header("fitbit-rate-limit-reset", "3599"),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock, RateLimitPolicy::default());

    get_profile(&client).await.expect("first");
    assert_eq!(client.rate_limit().remaining, Some(0));
    assert_eq!(client.rate_limit().limit, Some(150));
    get_profile(&client).await.expect("second, after the reset");

    let waited = total(&clock.sleeps());
    assert!(waited >= Duration::from_secs(600) && waited <= Duration::from_secs(602), "waited {waited:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(client.rate_limit().remaining, Some(149));
}

#[tokio::test]
async fn fail_fast_never_sends_while_the_budget_is_spent() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, PROFILE)
            .header("fitbit-rate-limit-remaining", "0")
            .header("fitbit-rate-limit-reset", "1800"),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock, RateLimitPolicy::FailFast);

    get_profile(&client).await.expect("first");
    let err = get_profile(&client).await.expect_err("held back");

    let Error::RateLimited { reset_in: Some(reset_in), sent: false, .. } = err else { panic!("{err:?}") };
    assert_eq!(reset_in, Duration::from_secs(1800));
    assert_eq!(server.requests().len(), 1, "the second request was never sent");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_wait_longer_than_the_policy_allows_fails_fast() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, PROFILE)
            .header("fitbit-rate-limit-remaining", "0")
            .header("fitbit-rate-limit-reset", "3000"),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock, RateLimitPolicy::Wait { max_wait: Duration::from_secs(60) });

    get_profile(&client).await.expect("first");
    let err = get_profile(&client).await.expect_err("too long to wait");

    assert!(matches!(err, Error::RateLimited { sent: false, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_429_waits_for_fitbits_reset_not_retry_after_then_retries() {
    let too_many =
        r#"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#;
    let server = ScriptedServer::start(vec![
        Reply::json(429, too_many).header("fitbit-rate-limit-reset", "30").header("retry-after", "3600"),
        Reply::json(200, PROFILE),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock, RateLimitPolicy::default());

    assert_eq!(get_profile(&client).await.expect("retried"), "GGNJL9");

    let waited = total(&clock.sleeps());
    assert!(waited >= Duration::from_secs(30) && waited < Duration::from_secs(32), "waited {waited:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn too_many_requests_are_retried_a_bounded_number_of_times() {
    let too_many = r#"{"errors":[{"errorType":"system","fieldName":"n/a","message":"Too Many Requests"}]}"#;
    let reply = Reply::json(429, too_many).header("Fitbit-Rate-Limit-Reset", "5");
    let server = ScriptedServer::start(vec![reply.clone(), reply.clone(), reply.clone(), reply]).await;
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(&server.base_url)
        .bearer_token(TEST_TOKEN)
        .clock(clock.clone())
        .retry_policy(RetryPolicy { max_rate_limit_retries: 2, ..RetryPolicy::default() })
        .build()
        .unwrap();

    let err = get_profile(&client).await.expect_err("still limited");

    let Error::RateLimited { sent: true, reset_in, .. } = err else { panic!("{err:?}") };
    assert_eq!(reset_in, Some(Duration::from_secs(5)));
    assert_eq!(server.requests().len(), 3, "one try and two retries");
}

#[tokio::test]
async fn an_idempotent_request_survives_a_dropped_connection_and_5xx() {
    let server = ScriptedServer::start(vec![
        Reply::Drop,
        Reply::json(503, "<html>Service Unavailable</html>"),
        Reply::json(200, PROFILE),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(&server.base_url)
        .bearer_token(TEST_TOKEN)
        .clock(clock.clone())
        .retry_policy(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
        .build()
        .unwrap();

    assert_eq!(get_profile(&client).await.expect("third attempt"), "GGNJL9");

    assert_eq!(server.requests().len(), 3);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "one backoff before each retry: {sleeps:?}");
    assert!(sleeps[0] >= Duration::from_millis(250) && sleeps[0] <= Duration::from_millis(500), "{sleeps:?}");
    assert!(sleeps[1] >= Duration::from_millis(500) && sleeps[1] <= Duration::from_secs(1), "{sleeps:?}");
}

#[tokio::test]
async fn retries_stop_at_the_attempt_bound() {
    let reply = Reply::json(502, r#"{"errors":[{"errorType":"system","message":"Bad Gateway"}]}"#);
    let server = ScriptedServer::start(vec![reply.clone(), reply.clone(), reply.clone(), reply]).await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock, RateLimitPolicy::default());

    let err = get_profile(&client).await.expect_err("gives up");

    assert!(matches!(err, Error::Transient { status: Some(502), .. }), "{err:?}");
    assert_eq!(server.requests().len(), RetryPolicy::default().max_attempts as usize);
}

#[tokio::test]
async fn a_post_is_never_sent_twice() {
    for first in [Reply::json(503, "<html>unavailable</html>"), Reply::Drop] {
        let server = ScriptedServer::start(vec![first.clone(), Reply::json(201, WEIGHT_LOG)]).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server, &clock, RateLimitPolicy::default());

        let err = create_weight(&client).await.expect_err("not retried");

        match first {
            // Fitbit answered: nothing was written, retry later.
            Reply::Respond { .. } => assert!(err.is_transient(), "{err:?}"),
            // No answer: the log may exist now. Not "retry later".
            Reply::Drop => {
                assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
                assert!(!err.is_transient());
                assert_eq!(err.action(), fitbit_api::Action::CheckBeforeRetry);
                assert!(err.to_string().contains("check before sending it again"), "{err}");
            }
        }
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{first:?}: the POST went out once");
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].header("content-length"), Some("0"));
    }
}

#[tokio::test]
async fn a_post_is_retried_only_when_the_connection_never_opened() {
    // Nothing listens here, so the request never left the client.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let clock = Arc::new(ManualClock::new());
    let client =
        Client::builder().base_url(url).bearer_token(TEST_TOKEN).clock(clock.clone()).build().unwrap();

    let err = create_weight(&client).await.expect_err("nobody listens");

    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert_eq!(clock.sleeps().len(), 2, "retried with backoff up to the attempt bound");
}

#[tokio::test]
async fn an_expired_token_during_retries_leads_to_exactly_one_refresh() {
    let expired = r#"{"errors":[{"errorType":"expired_token","message":"Access token expired"}]}"#;
    let server = ScriptedServer::start(vec![
        Reply::json(503, "{}"),
        Reply::json(401, expired),
        Reply::json(503, "{}"),
        Reply::json(200, PROFILE),
    ])
    .await;
    let authorizer = Arc::new(RotatingToken::default());
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .base_url(&server.base_url)
        .shared_authorizer(authorizer.clone())
        .clock(clock.clone())
        .retry_policy(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
        .build()
        .unwrap();

    assert_eq!(get_profile(&client).await.expect("succeeds"), "GGNJL9");

    assert_eq!(authorizer.refreshes(), 1);
    let tokens: Vec<_> =
        server.requests().iter().map(|r| r.header("authorization").unwrap().to_string()).collect();
    assert_eq!(tokens, ["Bearer old-token", "Bearer old-token", "Bearer new-token", "Bearer new-token"]);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let server = ScriptedServer::start(vec![Reply::json(503, "{}"), Reply::json(200, PROFILE)]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .bearer_token(TEST_TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    assert!(get_profile(&client).await.expect_err("no retry").is_transient());
    assert_eq!(server.requests().len(), 1);
}

/// A server that names a reset far beyond the hourly window, as a number of
/// seconds that overflows the clock (`u64::MAX`) or as 31,000 years.
const HUGE_RESETS: [&str; 3] = ["18446744073709551615", "1000000000000", "99999999999999999999999999"];

#[tokio::test]
async fn a_huge_reset_on_a_429_waits_an_hour_at_most_and_never_panics() {
    let too_many = r#"{"errors":[{"errorType":"system","message":"Too Many Requests"}]}"#;
    for huge in HUGE_RESETS {
        for header in ["fitbit-rate-limit-reset", "retry-after"] {
            let server = ScriptedServer::start(vec![
                Reply::json(429, too_many).header(header, huge),
                Reply::json(200, PROFILE),
            ])
            .await;
            let clock = Arc::new(ManualClock::new());
            let client = client(&server, &clock, RateLimitPolicy::default());

            assert_eq!(get_profile(&client).await.expect("retried after the capped wait"), "GGNJL9");

            let waited = total(&clock.sleeps());
            assert!(
                waited >= Duration::from_secs(3600) && waited <= Duration::from_secs(3602),
                "{header}: {huge}: waited {waited:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_huge_reset_locks_a_shared_governor_for_an_hour_at_most() {
    for huge in HUGE_RESETS {
        let server = ScriptedServer::start(vec![
            Reply::json(200, PROFILE)
                .header("fitbit-rate-limit-remaining", "0")
                .header("fitbit-rate-limit-reset", huge),
            Reply::json(429, "{}").header("Fitbit-Rate-Limit-Reset", huge),
        ])
        .await;
        let clock = Arc::new(ManualClock::new());
        let governor = Arc::new(fitbit_api::Governor::new());
        let build = |policy| {
            Client::builder()
                .base_url(&server.base_url)
                .bearer_token(TEST_TOKEN)
                .clock(clock.clone())
                .governor(governor.clone())
                .rate_limit_policy(policy)
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap()
        };
        let first = build(RateLimitPolicy::FailFast);
        let second = build(RateLimitPolicy::FailFast);
        get_profile(&first).await.expect("first");

        // The other client sharing the budget is told: at most an hour.
        let err = get_profile(&second).await.expect_err("held back");
        let Error::RateLimited { reset_in: Some(reset_in), sent: false, .. } = err else { panic!("{err:?}") };
        assert_eq!(reset_in, Duration::from_secs(3600), "{huge}");
        let now = fitbit_api::Clock::now(clock.as_ref());
        assert_eq!(second.rate_limit().resets_at, Some(now + Duration::from_secs(3600)), "{huge}");

        // An hour later the budget is open again, and a 429's huge reset is an hour too.
        clock.advance(Duration::from_secs(3600));
        let err = get_profile(&second).await.expect_err("429");
        let Error::RateLimited { reset_in: Some(reset_in), sent: true, .. } = err else { panic!("{err:?}") };
        assert_eq!(reset_in, Duration::from_secs(3600), "{huge}");
        assert_eq!(server.requests().len(), 2);
    }
}

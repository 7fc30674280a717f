//! Google sign-in (`fitbit-auth`) and the Google Health API client
//! (`fitbit-health`) end to end against the strict loopback stand-in.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone as _, Utc};
use fitbit_auth::{
    Action, Endpoints, Error, GoogleScope, MemoryStore, OAuthClient, Provider, Session, TokenSet,
};
use fitbit_health::{Client, DataType, Filter, RetryConfig};
use fitbit_tests::mock_google::{
    DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET, HEALTH_USER_ID, IssuedTokens, LEGACY_USER_ID, MockGoogle,
    MockGoogleConfig, PUBLIC_CLIENT_ID, WEB_CLIENT_ID, WEB_CLIENT_SECRET, WEB_REDIRECT_URI, scopes,
};
use futures::TryStreamExt as _;
use serde_json::{Value, json};

const READ_SCOPES: [GoogleScope; 4] = [
    GoogleScope::ActivityAndFitnessReadonly,
    GoogleScope::HealthMetricsAndMeasurementsReadonly,
    GoogleScope::SleepReadonly,
    GoogleScope::LocationReadonly,
];

async fn mock() -> MockGoogle {
    MockGoogle::start(MockGoogleConfig::default()).await
}

fn endpoints(mock: &MockGoogle) -> Endpoints {
    Endpoints::with_base_for(Provider::Google, &mock.base_url()).unwrap()
}

fn desktop(mock: &MockGoogle, redirect: &str) -> OAuthClient {
    OAuthClient::google(DESKTOP_CLIENT_ID)
        .client_secret(DESKTOP_CLIENT_SECRET)
        .redirect_uri(redirect)
        .endpoints(endpoints(mock))
        .build()
        .unwrap()
}

/// Opens `url` like a browser whose user consents, and returns where Google
/// sends it (the 302's `Location`).
async fn consent(url: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 302, "{:?}", response.text().await);
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The stand-in's grant as a stored token set, expiring at `expires_at`.
fn token_set(issued: &IssuedTokens, expires_in: chrono::Duration) -> TokenSet {
    let body = serde_json::to_vec(&issued.token_answer()).unwrap();
    let mut tokens = TokenSet::from_token_response(&body, Utc::now()).unwrap();
    tokens.expires_at = Utc::now() + expires_in;
    tokens.obtained_at = Some(tokens.expires_at - chrono::Duration::hours(1));
    tokens
}

async fn signed_in(
    mock: &MockGoogle,
    expires_in: chrono::Duration,
) -> (Session, Arc<MemoryStore>, IssuedTokens) {
    let scope_urls: Vec<String> = READ_SCOPES.iter().map(|s| s.url()).collect();
    let scope_refs: Vec<&str> = scope_urls.iter().map(String::as_str).collect();
    let issued = mock.issue_tokens(DESKTOP_CLIENT_ID, &scope_refs);
    let store = Arc::new(MemoryStore::new());
    let session = Session::builder_shared(desktop(mock, "http://127.0.0.1:1"), store.clone()).build();
    session.save_tokens(token_set(&issued, expires_in)).await.unwrap();
    (session, store, issued)
}

async fn health(mock: &MockGoogle, session: Session) -> Client {
    Client::builder()
        .session(session)
        .endpoint(mock.base_url())
        .retry(RetryConfig::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_desktop_client_signs_in_with_pkce_and_its_secret_in_the_form_body() {
    let mock = mock().await;
    let oauth = desktop(&mock, "http://127.0.0.1:8123");
    let pending = oauth.authorization_request().scopes(READ_SCOPES).build().unwrap();
    let location = consent(pending.url().as_str()).await;
    assert!(
        location.starts_with("http://127.0.0.1:8123/?") || location.starts_with("http://127.0.0.1:8123?"),
        "{location}"
    );
    let tokens = oauth.complete_authorization(&pending, &location).await.unwrap();

    assert!(tokens.refresh_token.is_some(), "offline access gives a refresh token");
    for scope in READ_SCOPES {
        assert!(tokens.scopes.contains_google(scope), "{scope} granted");
    }
    let exchange = mock.requests_to("/token").pop().unwrap();
    assert_eq!(exchange.form_field("client_id").as_deref(), Some(DESKTOP_CLIENT_ID));
    assert_eq!(exchange.form_field("client_secret").as_deref(), Some(DESKTOP_CLIENT_SECRET));
    assert_eq!(exchange.form_field("redirect_uri").as_deref(), Some("http://127.0.0.1:8123"));
    assert!(exchange.form_field("code_verifier").is_some());
    assert!(exchange.header("authorization").is_none(), "no HTTP Basic at Google");
    assert_eq!(mock.counters().basic_auth_token_requests, 0);
    assert!(mock.is_access_token_valid(tokens.access_token.secret()));

    // The code is single-use: the same redirect again is refused, and says why.
    let again = oauth.complete_authorization(&pending, &location).await.unwrap_err();
    assert!(
        matches!(&again, Error::SignInRequired { reason, .. } if reason.contains("sign-in code was refused")),
        "{again}"
    );
}

#[tokio::test]
async fn a_web_server_client_and_a_client_without_a_secret_sign_in_too() {
    let mock = mock().await;
    let web = OAuthClient::google(WEB_CLIENT_ID)
        .client_secret(WEB_CLIENT_SECRET)
        .redirect_uri(WEB_REDIRECT_URI)
        .endpoints(endpoints(&mock))
        .build()
        .unwrap();
    let pending = web.authorization_request().scope(GoogleScope::SleepReadonly).build().unwrap();
    let location = consent(pending.url().as_str()).await;
    assert!(location.starts_with(WEB_REDIRECT_URI), "{location}");
    let tokens = web.complete_authorization(&pending, &location).await.unwrap();
    assert!(tokens.scopes.contains_google(GoogleScope::SleepReadonly));

    let public = OAuthClient::google(PUBLIC_CLIENT_ID)
        .redirect_uri("http://127.0.0.1:9321")
        .endpoints(endpoints(&mock))
        .build()
        .unwrap();
    let pending = public.authorization_request().scope(GoogleScope::SleepReadonly).build().unwrap();
    let location = consent(pending.url().as_str()).await;
    public.complete_authorization(&pending, &location).await.unwrap();
    let exchange = mock.requests_to("/token").pop().unwrap();
    assert_eq!(exchange.form_field("client_secret"), None);
}

#[tokio::test]
async fn a_desktop_client_without_its_secret_is_told_to_fix_the_app_credentials() {
    let mock = mock().await;
    let no_secret = OAuthClient::google(DESKTOP_CLIENT_ID)
        .redirect_uri("http://127.0.0.1:9321")
        .endpoints(endpoints(&mock))
        .build()
        .unwrap();
    let pending = no_secret.authorization_request().scope(GoogleScope::SleepReadonly).build().unwrap();
    let location = consent(pending.url().as_str()).await;

    let err = no_secret.complete_authorization(&pending, &location).await.unwrap_err();

    // Google's `invalid_request` ("client_secret is missing.") is the app's
    // configuration, not the command's arguments.
    assert!(matches!(err, Error::InvalidClient(_)), "{err:?}");
    assert_eq!(err.action(), Action::CheckClientCredentials);
    assert!(err.to_string().contains("client_secret is missing"), "{err}");
}

#[tokio::test]
async fn a_partial_grant_is_refused_naming_the_missing_scopes_or_kept_when_allowed() {
    let mock = mock().await;
    let oauth = desktop(&mock, "http://127.0.0.1:8124");
    mock.grant_only(&[scopes::SLEEP_READONLY]);
    let pending = oauth
        .authorization_request()
        .scopes([GoogleScope::SleepReadonly, GoogleScope::HealthMetricsAndMeasurementsReadonly])
        .build()
        .unwrap();
    let location = consent(pending.url().as_str()).await;
    let err = oauth.complete_authorization(&pending, &location).await.unwrap_err();
    let Error::PartialConsent { missing } = &err else { panic!("{err:?}") };
    assert_eq!(missing, &[scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY]);
    assert_eq!(
        err.action(),
        Action::RequestScope(Some(scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY.into()))
    );

    let lenient = OAuthClient::google(DESKTOP_CLIENT_ID)
        .client_secret(DESKTOP_CLIENT_SECRET)
        .redirect_uri("http://127.0.0.1:8124")
        .endpoints(endpoints(&mock))
        .allow_partial_consent(true)
        .build()
        .unwrap();
    mock.grant_only(&[scopes::SLEEP_READONLY]);
    let pending = lenient
        .authorization_request()
        .scopes([GoogleScope::SleepReadonly, GoogleScope::HealthMetricsAndMeasurementsReadonly])
        .build()
        .unwrap();
    let location = consent(pending.url().as_str()).await;
    let tokens = lenient.complete_authorization(&pending, &location).await.unwrap();
    assert!(tokens.scopes.contains_google(GoogleScope::SleepReadonly));
    assert!(!tokens.scopes.contains_google(GoogleScope::HealthMetricsAndMeasurementsReadonly));
}

#[tokio::test]
async fn sixty_four_calls_on_an_expired_token_refresh_once_and_keep_the_refresh_token() {
    let mock = mock().await;
    let (session, store, issued) = signed_in(&mock, chrono::Duration::minutes(-1)).await;
    let client = health(&mock, session).await;
    let calls = (0..64).map(|_| {
        let client = client.clone();
        async move {
            client
                .health_profile()
                .get_identity()
                .set_name("users/me/identity")
                .send()
                .await
                .map_err(|e| fitbit_health::classify(&e))
        }
    });
    let identities = futures::future::try_join_all(calls).await.unwrap();
    assert!(
        identities.iter().all(|i| i.health_user_id == HEALTH_USER_ID && i.legacy_user_id == LEGACY_USER_ID)
    );
    assert_eq!(mock.counters().refreshes, 1, "one refresh for 64 callers");
    // Google's refresh answer carries no refresh token: the stored one is kept.
    let stored = store.snapshot().token.unwrap();
    assert_eq!(stored.refresh_token.unwrap().secret(), issued.refresh_token);
    assert_ne!(stored.access_token.secret(), issued.access_token);
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
}

#[tokio::test]
async fn a_401_on_a_token_that_looks_fresh_refreshes_once_and_retries() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;
    mock.expire_access_tokens();
    let identity = client.health_profile().get_identity().set_name("users/me/identity").send().await.unwrap();
    assert_eq!(identity.health_user_id, HEALTH_USER_ID);
    assert_eq!(mock.counters().refreshes, 1);
    assert_eq!(mock.counters().api_status(401), 1);
}

#[tokio::test]
async fn sixty_four_calls_rejected_with_401_share_one_refresh() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;
    // Warm up: the current token has gone out before the calls start.
    client.health_profile().get_identity().set_name("users/me/identity").send().await.unwrap();
    mock.expire_access_tokens();
    let calls = (0..64).map(|_| {
        let client = client.clone();
        async move { client.health_profile().get_identity().set_name("users/me/identity").send().await }
    });
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(Result::is_ok), "{:?}", answers.iter().find(|a| a.is_err()));
    assert_eq!(mock.counters().refreshes, 1, "one refresh for every caller the API turned away");
    assert_eq!(mock.counters().api_status(401), 64);
}

#[tokio::test]
async fn a_revoked_grant_asks_for_sign_in_and_is_not_retried() {
    let mock = mock().await;
    let (session, store, _issued) = signed_in(&mock, chrono::Duration::minutes(-1)).await;
    let client = health(&mock, session).await;
    mock.revoke_all_grants();
    let err = client.health_profile().get_identity().set_name("users/me/identity").send().await.unwrap_err();
    let err = fitbit_health::classify(&err);
    assert!(
        matches!(&err, Error::SignInRequired { reason, .. } if reason.contains("Google refused the refresh token")),
        "{err}"
    );
    assert_eq!(err.action(), Action::SignInAgain);
    assert_eq!(mock.counters().refresh_requests, 1, "invalid_grant is never retried");
    assert!(store.snapshot().token.is_some(), "the stored grant is kept for the user to see");
}

#[tokio::test]
async fn google_reasons_reach_the_caller_as_actions() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;

    mock.set_account_not_linked(true);
    let err = client.points(DataType::Steps).page("").await.unwrap_err();
    assert!(matches!(err, Error::AccountNotLinked(_)), "{err:?}");
    assert_eq!(err.action(), Action::LinkHealthAccount);
    mock.set_account_not_linked(false);

    // Nutrition needs a scope this grant lacks: the error names it.
    let err = client.points(DataType::NutritionLog).page("").await.unwrap_err();
    assert_eq!(err.action(), Action::RequestScope(Some(scopes::NUTRITION_READONLY.into())), "{err}");

    mock.set_service_disabled(true);
    let err = client.points(DataType::Steps).page("").await.unwrap_err();
    assert_eq!(err.action(), Action::EnableApi, "{err}");
}

#[tokio::test]
async fn a_429_is_retried_with_backoff_and_then_succeeds() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;
    mock.fail_next_api_requests(429, 2);
    let page = client.points(DataType::Steps).page("").await.unwrap();
    assert!(!page.data_points.is_empty());
    assert_eq!(mock.counters().api_status(429), 2);

    // Out of attempts: the rate limit reaches the caller, classified.
    let impatient = Client::builder()
        .session(client.session().clone())
        .endpoint(mock.base_url())
        .retry(RetryConfig::none())
        .build()
        .await
        .unwrap();
    mock.fail_next_api_requests(429, 1);
    let err = impatient.points(DataType::Steps).page("").await.unwrap_err();
    assert!(matches!(err.action(), Action::WaitAndRetry(_)), "{err}");
}

fn heart_rate_point(at: chrono::DateTime<Utc>, bpm: u32) -> Value {
    json!({
        "heartRate": {
            "sampleTime": { "physicalTime": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "utcOffset": "3600s" },
            "beatsPerMinute": bpm.to_string()
        },
        "dataSource": { "platform": "FITBIT", "recordingMethod": "PASSIVELY_MEASURED" }
    })
}

#[tokio::test]
async fn three_pages_of_points_come_in_order_without_repeats() {
    let mock = mock().await;
    let start = Utc.with_ymd_and_hms(2026, 2, 2, 10, 0, 0).unwrap();
    let points: Vec<Value> = (0..250)
        .map(|i| heart_rate_point(start + chrono::Duration::seconds(5 * i), 60 + (i % 40) as u32))
        .collect();
    let names = mock.insert_points("heart-rate", points);
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;

    let day = Filter::new(DataType::HeartRate).start(start).end(start + chrono::Duration::hours(1));
    let pages: Vec<_> = client
        .points(DataType::HeartRate)
        .filter(&day)
        .unwrap()
        .page_size(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.data_points.len()).collect::<Vec<_>>(), [100, 100, 50]);
    let got: Vec<String> = pages.iter().flat_map(|p| p.data_points.iter().map(|d| d.name.clone())).collect();
    let mut expected = names.clone();
    expected.reverse(); // newest first
    assert_eq!(got, expected);
    let list_requests =
        mock.requests().into_iter().filter(|r| r.path.ends_with("/heart-rate/dataPoints")).count();
    assert_eq!(list_requests, 3);
}

#[tokio::test]
async fn a_daily_rollup_is_split_into_ranges_the_api_takes_and_follows_its_pages() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    // Heart rate: at most 14 days a call. 30 days in pages of 10 values:
    // 14 (10 + 4), 14 (10 + 4), 2.
    let days: Vec<_> = client
        .daily_roll_up(DataType::HeartRate, start, start + chrono::Duration::days(30))
        .page_size(10)
        .points()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(days.len(), 30);
    let firsts: Vec<_> = days
        .iter()
        .map(|d| d.civil_start_time.as_ref().and_then(|t| t.date.as_ref()).map(|d| (d.month, d.day)).unwrap())
        .collect();
    let expected: Vec<_> = (0..30)
        .map(|i| {
            use chrono::Datelike as _;
            let day = start + chrono::Duration::days(i);
            (day.month() as i32, day.day() as i32)
        })
        .collect();
    assert_eq!(firsts, expected, "every day once, in order");
    let requests: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/heart-rate/dataPoints:dailyRollUp"))
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(requests.len(), 5);
    assert!(requests.iter().all(|r| r["pageSize"] == 10));
    let with_token =
        requests.iter().filter(|r| r["pageToken"].as_str().is_some_and(|t| !t.is_empty())).count();
    assert_eq!(with_token, 2, "the second page of each 14-day part");
}

#[tokio::test]
async fn an_exercise_exports_as_raw_tcx() {
    let mock = mock().await;
    let (session, _store, _issued) = signed_in(&mock, chrono::Duration::minutes(50)).await;
    let client = health(&mock, session).await;
    let exercise = client.points(DataType::Exercise).points().try_collect::<Vec<_>>().await.unwrap();
    let name = exercise
        .iter()
        .map(|p| p.name.parse::<fitbit_health::DataPointName>().unwrap())
        .next()
        .expect("a seeded run");
    let tcx = client.exercise_tcx(&name, false).await.unwrap();
    let text = std::str::from_utf8(&tcx).unwrap();
    assert!(
        text.starts_with("<?xml") && text.contains("<TrainingCenterDatabase"),
        "{}",
        &text[..80.min(text.len())]
    );
    let request = mock.requests().into_iter().rev().find(|r| r.path.ends_with(":exportExerciseTcx")).unwrap();
    assert_eq!(request.query_param("alt").as_deref(), Some("media"));

    let not_exercise = "users/me/dataTypes/steps/dataPoints/x".parse().unwrap();
    assert!(matches!(client.exercise_tcx(&not_exercise, false).await, Err(Error::InvalidRequest(_))));
}

#[tokio::test]
async fn the_data_type_table_agrees_with_the_stand_in() {
    for &data_type in DataType::ALL {
        assert_eq!(
            scopes::read_scope(data_type.id()),
            Some(data_type.read_scope().url()),
            "read scope of {data_type}"
        );
        assert_eq!(
            scopes::write_scope(data_type.id()),
            data_type.write_scope().map(|s| s.url()),
            "write scope of {data_type}"
        );
    }
    let listable: Vec<_> = DataType::ALL.iter().filter(|t| t.is_listable()).map(|t| t.id()).collect();
    assert_eq!(listable, fitbit_tests::mock_google::data_types());
}

#[tokio::test]
async fn a_testing_mode_grant_says_when_its_refresh_token_dies_and_a_new_refresh_token_is_kept() {
    use fitbit_tests::mock_google::{TESTING_CLIENT_ID, TESTING_CLIENT_SECRET};
    let mock = mock().await;
    let testing = OAuthClient::google(TESTING_CLIENT_ID)
        .client_secret(TESTING_CLIENT_SECRET)
        .redirect_uri("http://127.0.0.1:8125")
        .endpoints(endpoints(&mock))
        .build()
        .unwrap();
    let pending = testing.authorization_request().scope(GoogleScope::SleepReadonly).build().unwrap();
    let location = consent(pending.url().as_str()).await;
    let tokens = testing.complete_authorization(&pending, &location).await.unwrap();
    let until = tokens.refresh_token_expires_at.expect("Google says when a Testing grant ends");
    let days = (until - Utc::now()).num_hours() as f64 / 24.0;
    assert!((6.9..=7.0).contains(&days), "{days} days");

    // Should Google ever send a new refresh token, it replaces the old one.
    let (session, store, issued) = signed_in(&mock, chrono::Duration::minutes(-1)).await;
    mock.script_token_answer(
        200,
        "application/json",
        serde_json::to_vec(&json!({
            "access_token": "ya29.scripted-access-token-0123456789",
            "expires_in": 3599,
            "refresh_token": "1//scripted-new-refresh-token-0123456789",
            "scope": READ_SCOPES.iter().map(|s| s.url()).collect::<Vec<_>>().join(" "),
            "token_type": "Bearer"
        }))
        .unwrap(),
    );
    session.access_token().await.unwrap();
    let stored = store.snapshot().token.unwrap();
    assert_eq!(stored.refresh_token.unwrap().secret(), "1//scripted-new-refresh-token-0123456789");
    assert_ne!(issued.refresh_token, "1//scripted-new-refresh-token-0123456789");
}

//! The stand-in's own strictness, checked with a plain HTTP client.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::discovery::{self, Walk};
use super::scopes::*;
use super::*;

const VERIFIER: &str = "mock-google-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The query of a redirect's `Location`, decoded.
fn location_query(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// Opens the consent page with `extra` parameters; returns the redirect's query.
async fn authorize(
    mock: &MockGoogle,
    client_id: &str,
    redirect: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let challenge = challenge(VERIFIER);
    let mut params = vec![
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "st-42"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let response = no_redirects().get(mock.authorize_url()).query(&params).send().await.unwrap();
    assert_eq!(response.status(), 302, "authorize with {params:?}");
    location_query(&response)
}

async fn token(mock: &MockGoogle, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new().post(mock.token_url()).form(form).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn exchange(mock: &MockGoogle, code: &str, redirect: &str) -> (u16, Value) {
    token(
        mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", DESKTOP_CLIENT_ID),
            ("client_secret", DESKTOP_CLIENT_SECRET),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(mock: &MockGoogle, refresh_token: &str) -> (u16, Value) {
    token(
        mock,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", DESKTOP_CLIENT_ID),
            ("client_secret", DESKTOP_CLIENT_SECRET),
        ],
    )
    .await
}

async fn get(mock: &MockGoogle, token: &str, path_and_query: &str) -> (u16, Value) {
    let response =
        reqwest::Client::new().get(mock.url(path_and_query)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(mock: &MockGoogle, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let response =
        reqwest::Client::new().post(mock.url(path)).bearer_auth(token).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn reason(body: &Value) -> &str {
    body["error"]["details"][0]["reason"].as_str().unwrap_or_default()
}

// ---- Data and Discovery ---------------------------------------------------------------------------

#[test]
fn seeded_points_cover_the_union_and_match_their_schemas() {
    let discovery = discovery::get();
    let union: BTreeSet<String> = discovery.data_types().iter().map(|t| t.kebab.clone()).collect();
    // The union, derived from the schema: 44 properties minus `name` and `dataSource`.
    assert_eq!(discovery.properties("DataPoint").len() - 2, union.len());
    let files: BTreeSet<String> = std::fs::read_dir(seed::fixture_dir().join("points"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap().trim_end_matches(".json").to_string())
        .collect();
    assert_eq!(files, union, "one fixture file per DataPoint union member");

    let mut names = BTreeSet::new();
    for data_type in discovery.data_types() {
        let points = seed::fixture_points(&data_type.kebab, HEALTH_USER_ID);
        assert!(!points.is_empty(), "{}", data_type.kebab);
        for point in points {
            let mut checked = point.clone();
            discovery
                .walk(&mut checked, "DataPoint", Walk::Stored)
                .unwrap_or_else(|e| panic!("{}: {e}", data_type.kebab));
            assert_eq!(checked, point, "a valid point is left as it is");
            let keys: Vec<&String> =
                point.as_object().unwrap().keys().filter(|k| *k != "name" && *k != "dataSource").collect();
            assert_eq!(keys, [&data_type.member], "exactly the path's union member");
            let member = &point[&data_type.member];
            assert_eq!(
                discovery.missing_required(member, &data_type.schema, ""),
                None,
                "{}",
                data_type.kebab
            );
            assert_eq!(discovery.out_of_range(member, &data_type.schema, ""), None, "{}", data_type.kebab);
            // Civil times are what the physical times and offsets give.
            let mut derived = point.clone();
            discovery.fill_civil_times(&mut derived, "DataPoint");
            assert_eq!(derived, point, "{}: civil times disagree with the physical times", data_type.kebab);
            let name = point["name"].as_str().unwrap();
            assert!(
                name.starts_with(&format!(
                    "users/{HEALTH_USER_ID}/dataTypes/{}/dataPoints/",
                    data_type.kebab
                ))
            );
            assert!(names.insert(name.to_string()), "duplicate {name}");
        }
    }
    // The seeded run agrees with its minute-level points.
    let run = seed::fixture_points("exercise", HEALTH_USER_ID)
        .into_iter()
        .find(|p| p["exercise"]["exerciseType"] == "RUNNING")
        .unwrap();
    let steps: i64 = seed::fixture_points("steps", HEALTH_USER_ID)
        .iter()
        .filter(|p| p["steps"]["interval"]["startTime"].as_str().unwrap().starts_with("2026-11-29T07:"))
        .map(|p| p["steps"]["count"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(run["exercise"]["metricsSummary"]["steps"], json!(steps.to_string()));
}

#[test]
fn tables_agree_with_the_discovery_document() {
    let discovery = discovery::get();
    let mut all: BTreeSet<String> = discovery.data_types().iter().map(|t| t.kebab.clone()).collect();
    all.extend(discovery.rollup_types("RollupDataPoint"));
    all.extend(discovery.rollup_types("DailyRollupDataPoint"));
    let table: BTreeSet<String> = DATA_TYPE_SCOPE_GROUPS.iter().map(|(t, _)| t.to_string()).collect();
    assert_eq!(table, all, "one scope group per data type");
    for (_, group) in DATA_TYPE_SCOPE_GROUPS {
        assert!(is_known(&format!("{PREFIX}{group}.readonly")), "{group}");
    }
    assert_eq!(write_scope("electrocardiogram"), None);
    assert_eq!(write_scope("weight").as_deref(), Some(HEALTH_METRICS_AND_MEASUREMENTS_WRITEONLY));
    // The wire-number table names exactly the Discovery enum's values, each number once.
    let values = discovery.property("Exercise", "exerciseType").unwrap()["enum"].as_array().unwrap().clone();
    let numbers: Value =
        serde_json::from_str(include_str!("../../fixtures/google-health/enum-numbers.json")).unwrap();
    let table = numbers["overrides"]["Exercise.exerciseType"].as_object().unwrap();
    assert_eq!(
        table.keys().collect::<BTreeSet<_>>(),
        values
            .iter()
            .map(|v| v.as_str().unwrap())
            .map(String::from)
            .collect::<BTreeSet<_>>()
            .iter()
            .collect()
    );
    assert_eq!(table.values().map(|n| n.as_i64().unwrap()).collect::<BTreeSet<_>>().len(), table.len());
    // Record kinds come from the union's descriptions.
    assert_eq!(discovery.data_type("steps").unwrap().kind, discovery::RecordKind::Interval);
    assert_eq!(discovery.data_type("weight").unwrap().kind, discovery::RecordKind::Sample);
    assert_eq!(discovery.data_type("daily-vo2-max").unwrap().kind, discovery::RecordKind::Daily);
    assert_eq!(discovery.data_type("sleep").unwrap().kind, discovery::RecordKind::Session);
    assert_eq!(discovery.data_type("food").unwrap().kind, discovery::RecordKind::Untimed);
}

// ---- OAuth -----------------------------------------------------------------------------------

#[tokio::test]
async fn pkce_is_checked_at_both_ends() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let redirect = "http://127.0.0.1:8123/callback";
    let base = [
        ("client_id", DESKTOP_CLIENT_ID),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", SLEEP_READONLY),
        ("state", "s"),
    ];
    // No challenge, or a plain one: an error redirect, no code.
    for extra in [
        vec![],
        vec![("code_challenge", VERIFIER), ("code_challenge_method", "plain")],
        vec![("code_challenge", VERIFIER)],
    ] {
        let mut params = base.to_vec();
        params.extend(extra);
        let response = no_redirects().get(mock.authorize_url()).query(&params).send().await.unwrap();
        let query = location_query(&response);
        assert_eq!(field(&query, "error").as_deref(), Some("invalid_request"), "{params:?}");
        assert_eq!(field(&query, "code"), None);
    }
    let query =
        authorize(&mock, DESKTOP_CLIENT_ID, redirect, SLEEP_READONLY, &[("access_type", "offline")]).await;
    assert_eq!(field(&query, "state").as_deref(), Some("st-42"));
    assert_eq!(field(&query, "scope").as_deref(), Some(SLEEP_READONLY));
    let code = field(&query, "code").unwrap();
    assert!(code.starts_with("4/"), "Google's codes carry a slash: clients must form-encode them");

    let wrong = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("client_id", DESKTOP_CLIENT_ID),
        ("client_secret", DESKTOP_CLIENT_SECRET),
        ("code_verifier", "another-verifier-that-is-long-enough-0123456789abcdef"),
    ];
    let (status, body) = token(&mock, &wrong).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, body) = token(&mock, &wrong[..5]).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Missing code verifier.")));
    let (status, body) = exchange(&mock, &code, redirect).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("1//"));
    // Single use: a replay fails and revokes what the code gave.
    let (status, _) = exchange(&mock, &code, redirect).await;
    assert_eq!(status, 400);
    assert!(!mock.is_access_token_valid(body["access_token"].as_str().unwrap()));
    assert_eq!(mock.counters().code_exchanges, 1);
}

#[tokio::test]
async fn redirect_uris_must_match_exactly() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let page = |client: &str, redirect: &str| {
        let params = [
            ("client_id", client.to_string()),
            ("redirect_uri", redirect.to_string()),
            ("response_type", "code".into()),
            ("scope", SLEEP_READONLY.into()),
            ("code_challenge", challenge(VERIFIER)),
            ("code_challenge_method", "S256".into()),
        ];
        no_redirects().get(mock.authorize_url()).query(&params).send()
    };
    for (client, redirect) in [
        (WEB_CLIENT_ID, "https://app.example.com/oauth/callback/"),
        (WEB_CLIENT_ID, "https://app.example.com/oauth/Callback"),
        (WEB_CLIENT_ID, "http://127.0.0.1:8123/callback"),
        (DESKTOP_CLIENT_ID, "http://localhost:8123/callback"),
        (DESKTOP_CLIENT_ID, "http://127.0.0.1/callback"),
        (DESKTOP_CLIENT_ID, "https://127.0.0.1:8123/callback"),
        (DESKTOP_CLIENT_ID, "http://127.0.0.1:8123/callback?x=1"),
    ] {
        let response = page(client, redirect).await.unwrap();
        assert_eq!(response.status(), 400, "{client} {redirect}");
        assert!(response.headers().get("location").is_none(), "never a redirect");
        assert!(response.text().await.unwrap().contains("redirect_uri_mismatch"));
    }
    assert_eq!(page("nobody.apps.googleusercontent.com", WEB_REDIRECT_URI).await.unwrap().status(), 401);
    for (client, redirect) in [
        (WEB_CLIENT_ID, WEB_REDIRECT_URI),
        (DESKTOP_CLIENT_ID, "http://127.0.0.1:8123/callback"),
        (DESKTOP_CLIENT_ID, "http://[::1]:61234"),
    ] {
        assert_eq!(page(client, redirect).await.unwrap().status(), 302, "{redirect}");
    }

    // At the token endpoint the redirect URI must be the authorize one, byte for byte.
    let query =
        authorize(&mock, DESKTOP_CLIENT_ID, "http://127.0.0.1:8123/callback", SLEEP_READONLY, &[]).await;
    let code = field(&query, "code").unwrap();
    let (status, body) = exchange(&mock, &code, "http://127.0.0.1:8123/callback/").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("redirect_uri_mismatch")));
    let (status, body) = exchange(&mock, &code, "http://127.0.0.1:8123/callback").await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none(), "no access_type=offline, no refresh token");
}

#[tokio::test]
async fn refresh_tokens_do_not_rotate_and_client_secrets_go_in_the_body() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let grant = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY, ACTIVITY_AND_FITNESS_READONLY]);
    for _ in 0..2 {
        let (status, body) = refresh(&mock, &grant.refresh_token).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none(), "Google does not rotate refresh tokens");
        assert_eq!(body["expires_in"], 3599);
        let scopes: BTreeSet<&str> = body["scope"].as_str().unwrap().split(' ').collect();
        assert_eq!(scopes, BTreeSet::from([SLEEP_READONLY, ACTIVITY_AND_FITNESS_READONLY]));
        assert_ne!(body["access_token"], json!(grant.access_token));
    }
    assert!(mock.is_refresh_token_live(&grant.refresh_token));
    assert_eq!(mock.counters().refreshes, 2);

    // A wrong secret, a missing secret, a secret for a client without one.
    let form = |id: &'static str, secret: Option<&'static str>| {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", grant.refresh_token.as_str()),
            ("client_id", id),
        ];
        form.extend(secret.map(|s| ("client_secret", s)));
        form
    };
    let (status, body) = token(&mock, &form(DESKTOP_CLIENT_ID, Some("wrong"))).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let (status, body) = token(&mock, &form(DESKTOP_CLIENT_ID, None)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let (status, _) = token(&mock, &form(PUBLIC_CLIENT_ID, Some("anything"))).await;
    assert_eq!(status, 401);
    // HTTP Basic works but is counted, so tests can insist on the body form.
    let response = reqwest::Client::new()
        .post(mock.token_url())
        .basic_auth(DESKTOP_CLIENT_ID, Some(DESKTOP_CLIENT_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", grant.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(mock.counters().basic_auth_token_requests, 1);
    let recorded = mock.requests_to("/token");
    assert_eq!(recorded[0].form_field("client_secret").as_deref(), Some(DESKTOP_CLIENT_SECRET));
    // A JSON body is refused.
    let response = reqwest::Client::new()
        .post(mock.token_url())
        .json(&json!({"grant_type": "refresh_token", "refresh_token": grant.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, body) = token(
        &mock,
        &[
            ("grant_type", "password"),
            ("client_id", DESKTOP_CLIENT_ID),
            ("client_secret", DESKTOP_CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
}

#[tokio::test]
async fn revocation_ends_the_grant_and_refreshes_get_invalid_grant() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let grant = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY]);
    let revoke =
        |token: &str| reqwest::Client::new().post(mock.revoke_url()).form(&[("token", token)]).send();
    assert_eq!(reqwest::get(mock.revoke_url()).await.unwrap().status(), 404, "GET /revoke is a 404");
    let response = revoke(&grant.access_token).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let (status, body) = refresh(&mock, &grant.refresh_token).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );
    let (status, body) = get(&mock, &grant.access_token, "/v4/users/me/identity").await;
    assert_eq!((status, body["error"]["status"].as_str()), (401, Some("UNAUTHENTICATED")));
    let response = revoke(&grant.refresh_token).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_token");
    assert!(mock.granted_scopes(DESKTOP_CLIENT_ID).is_empty());

    // revoke_all_grants does the same for every client.
    let other = mock.issue_tokens(WEB_CLIENT_ID, &[SLEEP_READONLY]);
    mock.revoke_all_grants();
    assert_eq!(
        refresh(&mock, &other.refresh_token).await.0,
        401,
        "the web client's token, the desktop client's credentials"
    );
    let (status, body) = token(
        &mock,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &other.refresh_token),
            ("client_id", WEB_CLIENT_ID),
            ("client_secret", WEB_CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(mock.counters().refresh_refusals, 2);
}

#[tokio::test]
async fn consent_follows_googles_rules() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let redirect = "http://127.0.0.1:9000";
    let both = format!("{SLEEP_READONLY} {ACTIVITY_AND_FITNESS_READONLY}");
    // Granular consent: the user unticks activity.
    mock.grant_only(&[SLEEP_READONLY]);
    let query = authorize(&mock, DESKTOP_CLIENT_ID, redirect, &both, &[("access_type", "offline")]).await;
    assert_eq!(field(&query, "scope").as_deref(), Some(SLEEP_READONLY));
    let (_, first) = exchange(&mock, &field(&query, "code").unwrap(), redirect).await;
    assert_eq!(first["scope"], SLEEP_READONLY);
    assert!(first["refresh_token"].is_string());
    // Already granted, offline again, no prompt: no new refresh token.
    let query =
        authorize(&mock, DESKTOP_CLIENT_ID, redirect, SLEEP_READONLY, &[("access_type", "offline")]).await;
    let (_, again) = exchange(&mock, &field(&query, "code").unwrap(), redirect).await;
    assert!(again.get("refresh_token").is_none(), "{again}");
    // prompt=consent issues one; include_granted_scopes adds the earlier grant.
    let query = authorize(
        &mock,
        DESKTOP_CLIENT_ID,
        redirect,
        ACTIVITY_AND_FITNESS_READONLY,
        &[("access_type", "offline"), ("prompt", "consent"), ("include_granted_scopes", "true")],
    )
    .await;
    let (_, fresh) = exchange(&mock, &field(&query, "code").unwrap(), redirect).await;
    assert!(fresh["refresh_token"].is_string());
    assert_eq!(fresh["scope"], format!("{ACTIVITY_AND_FITNESS_READONLY} {SLEEP_READONLY}"));
    // Unknown scopes, denial.
    let query = authorize(
        &mock,
        DESKTOP_CLIENT_ID,
        redirect,
        "https://www.googleapis.com/auth/googlehealth.steps.readonly",
        &[],
    )
    .await;
    assert_eq!(field(&query, "error").as_deref(), Some("invalid_scope"));
    mock.set_deny_consent(true);
    let query = authorize(&mock, DESKTOP_CLIENT_ID, redirect, SLEEP_READONLY, &[]).await;
    assert_eq!(field(&query, "error").as_deref(), Some("access_denied"));
    assert_eq!(field(&query, "state").as_deref(), Some("st-42"));
}

#[tokio::test]
async fn testing_clients_get_seven_day_refresh_tokens() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let grant = mock.issue_tokens(TESTING_CLIENT_ID, &[SLEEP_READONLY]);
    assert_eq!(grant.token_answer()["refresh_token_expires_in"], 604799);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", grant.refresh_token.as_str()),
        ("client_id", TESTING_CLIENT_ID),
        ("client_secret", TESTING_CLIENT_SECRET),
    ];
    assert_eq!(token(&mock, &form).await.0, 200);
    mock.advance_clock(Duration::from_secs(7 * 24 * 3600));
    let (status, body) = token(&mock, &form).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn token_faults_script_and_drop() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let grant = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY]);
    mock.script_token_answer(200, "text/html", "<html>captive portal</html>");
    let response = reqwest::Client::new()
        .post(mock.token_url())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", grant.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/html");
    mock.drop_next_token_connections(1);
    let dropped = reqwest::Client::new()
        .post(mock.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", grant.refresh_token.as_str()),
            ("client_id", DESKTOP_CLIENT_ID),
            ("client_secret", DESKTOP_CLIENT_SECRET),
        ])
        .send()
        .await;
    assert!(dropped.is_err());
    assert_eq!(refresh(&mock, &grant.refresh_token).await.0, 200, "the refresh token survives");
    let counters = mock.counters();
    assert_eq!((counters.token_requests, counters.dropped_connections, counters.refreshes), (3, 1, 2));
}

// ---- The Health API ----------------------------------------------------------------------------

#[tokio::test]
async fn scopes_are_checked_per_data_type_with_error_info() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let sleep_only = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY]).access_token;
    let (status, body) = get(&mock, &sleep_only, "/v4/users/me/dataTypes/sleep/dataPoints").await;
    assert_eq!(status, 200);
    assert_eq!(body["dataPoints"].as_array().unwrap().len(), 2);
    let (status, body) = get(&mock, &sleep_only, "/v4/users/me/dataTypes/steps/dataPoints").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["message"], "Request had insufficient authentication scopes.");
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(reason(&body), "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    assert_eq!(body["error"]["details"][0]["@type"], "type.googleapis.com/google.rpc.ErrorInfo");
    assert_eq!(body["error"]["details"][0]["metadata"]["service"], "health.googleapis.com");
    assert_eq!(
        body["error"]["details"][0]["metadata"]["method"],
        "google.devicesandservices.health.v4.DataPointsService.ListDataPoints"
    );
    for (path, expected) in [
        ("/v4/users/me/identity", 200),
        ("/v4/users/me/profile", 403),
        ("/v4/users/me/dataTypes/nutrition-log/dataPoints", 403),
        ("/v4/users/me/dataTypes/electrocardiogram/dataPoints", 403),
    ] {
        assert_eq!(get(&mock, &sleep_only, path).await.0, expected, "{path}");
    }
    let (_, identity) = get(&mock, &sleep_only, "/v4/users/me/identity").await;
    assert_eq!(
        identity,
        json!({"name": "users/me/identity", "healthUserId": HEALTH_USER_ID, "legacyUserId": LEGACY_USER_ID})
    );
    // Another user's data, an unknown or expired token.
    assert_eq!(get(&mock, &sleep_only, "/v4/users/999/dataTypes/sleep/dataPoints").await.0, 403);
    let (status, body) = get(&mock, "ya29.unknown", "/v4/users/me/identity").await;
    assert_eq!((status, body["error"]["code"].as_i64()), (401, Some(401)));
    mock.expire_access_tokens();
    let (status, body) = get(&mock, &sleep_only, "/v4/users/me/identity").await;
    assert_eq!((status, reason(&body)), (401, "ACCESS_TOKEN_EXPIRED"));
    let response = reqwest::get(mock.url("/v4/users/me/identity")).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(reason(&response.json().await.unwrap()), "CREDENTIALS_MISSING");
    assert_eq!(mock.counters().api_status(403), 5);
}

#[tokio::test]
async fn enums_are_numbers_under_enum_encoding_int() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token = mock
        .issue_tokens(
            DESKTOP_CLIENT_ID,
            &[ACTIVITY_AND_FITNESS_READONLY, ACTIVITY_AND_FITNESS_WRITEONLY, SLEEP_READONLY],
        )
        .access_token;
    // Exactly what Google's Rust client sends for a list.
    let path = "/v4/users/me/dataTypes/exercise/dataPoints?pageSize=0&pageToken=&filter=&%24alt=json%3Benum-encoding%3Dint";
    let (status, body) = get(&mock, &token, path).await;
    assert_eq!(status, 200, "{body}");
    let run = body["dataPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["exercise"]["displayName"] == "Running")
        .unwrap();
    // RUNNING is 1 on the wire, although it is not first in the Discovery list.
    assert_eq!(run["exercise"]["exerciseType"], 1);
    assert_eq!(run["dataSource"]["platform"], 1, "FITBIT");
    assert_eq!(run["dataSource"]["device"]["formFactor"], 2, "WATCH");
    assert_eq!(run["exercise"]["exerciseEvents"][0]["exerciseEventType"], 1, "START");
    assert_eq!(run["exercise"]["splits"][0]["splitType"], 3, "DISTANCE");
    assert_eq!(run["exercise"]["metricsSummary"]["steps"], "5347", "int64 stay strings");
    let (_, sleep) =
        get(&mock, &token, "/v4/users/me/dataTypes/sleep/dataPoints?%24alt=json%3Benum-encoding%3Dint").await;
    assert!(sleep["dataPoints"][0]["sleep"]["stages"].as_array().unwrap().iter().all(|s| s["type"].is_i64()));
    // Without it, names.
    let (_, plain) = get(&mock, &token, "/v4/users/me/dataTypes/exercise/dataPoints").await;
    assert!(
        plain["dataPoints"].as_array().unwrap().iter().any(|p| p["exercise"]["exerciseType"] == "RUNNING")
    );

    // Request bodies may use numbers; the Operation's DataPoint comes back numbered too.
    let body = json!({"exercise": {
        "interval": {"startTime": "2026-12-01T17:00:00Z", "startUtcOffset": "3600s", "endTime": "2026-12-01T17:45:00Z", "endUtcOffset": "3600s"},
        "exerciseType": 11, "displayName": "ignored", "metricsSummary": {"caloriesKcal": 210.0}
    }});
    let (status, operation) = post(
        &mock,
        &token,
        "/v4/users/me/dataTypes/exercise/dataPoints?%24alt=json%3Benum-encoding%3Dint",
        &body,
    )
    .await;
    assert_eq!(status, 200, "{operation}");
    assert_eq!(operation["done"], true);
    assert_eq!(
        operation["response"]["@type"],
        "type.googleapis.com/google.devicesandservices.health.v4.DataPoint"
    );
    assert_eq!(operation["response"]["exercise"]["exerciseType"], 11);
    assert_eq!(operation["response"]["dataSource"]["platform"], 7, "GOOGLE_WEB_API");
    let name = operation["response"]["name"].as_str().unwrap();
    let (_, stored) = get(&mock, &token, &format!("/v4/{name}")).await;
    assert_eq!(stored["exercise"]["exerciseType"], "STRENGTH_TRAINING");
    assert_eq!(
        stored["exercise"]["displayName"], "Strength training",
        "the server names non-OTHER exercises"
    );
    assert_eq!(
        stored["exercise"]["interval"]["civilStartTime"],
        json!({"date": {"year": 2026, "month": 12, "day": 1}, "time": {"hours": 18}})
    );
    assert_eq!(stored["dataSource"]["application"]["googleWebClientId"], DESKTOP_CLIENT_ID);
}

#[tokio::test]
async fn lists_page_newest_first_without_duplicates() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token =
        mock.issue_tokens(DESKTOP_CLIENT_ID, &[HEALTH_METRICS_AND_MEASUREMENTS_READONLY]).access_token;
    let filter = r#"heart_rate.sample_time.physical_time >= "2026-11-28T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-11-30T00:00:00Z""#;
    let all = mock.points("heart-rate");
    assert!(all.len() > 24 && all.len() <= 36, "{}", all.len());
    let page_size = all.len().div_ceil(3);
    let mut seen = Vec::new();
    let mut page_token = String::new();
    for page in 0..3 {
        let response = reqwest::Client::new()
            .get(mock.url("/v4/users/me/dataTypes/heart-rate/dataPoints"))
            .query(&[
                ("pageSize", page_size.to_string().as_str()),
                ("pageToken", page_token.as_str()),
                ("filter", filter),
            ])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let points = body["dataPoints"].as_array().unwrap();
        assert!(!points.is_empty() && points.len() <= page_size);
        seen.extend(points.iter().map(|p| {
            (
                p["heartRate"]["sampleTime"]["physicalTime"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        }));
        match body.get("nextPageToken") {
            Some(next) if page < 2 => page_token = next.as_str().unwrap().to_string(),
            None if page == 2 => {}
            other => panic!("page {page}: nextPageToken {other:?}"),
        }
    }
    assert_eq!(seen.len(), all.len(), "every point once");
    assert_eq!(seen.iter().map(|(_, n)| n).collect::<BTreeSet<_>>().len(), all.len(), "no duplicates");
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    // A token belongs to its filter; an unknown parameter or a bad field is refused.
    let (status, body) = get(&mock, &token, "/v4/users/me/dataTypes/heart-rate/dataPoints?pageSize=5").await;
    let next = body["nextPageToken"].as_str().unwrap().to_string();
    assert_eq!(status, 200);
    let other = format!(
        "/v4/users/me/dataTypes/heart-rate/dataPoints?pageSize=5&pageToken={next}&filter=heart_rate.sample_time.civil_time%20%3E%3D%20%222026-11-29%22"
    );
    assert_eq!(get(&mock, &token, &other).await.0, 400);
    assert_eq!(
        get(
            &mock,
            &token,
            &format!("/v4/users/me/dataTypes/heart-rate/dataPoints?pageSize=7&pageToken={next}")
        )
        .await
        .0,
        200,
        "the page size may change"
    );
    assert_eq!(
        get(&mock, &token, "/v4/users/me/dataTypes/heart-rate/dataPoints?page_size=5&limit=3").await.0,
        400
    );
    let wrong_field = "/v4/users/me/dataTypes/heart-rate/dataPoints?filter=heart_rate.interval.start_time%20%3E%3D%20%222026-11-29T00%3A00%3A00Z%22";
    let (status, body) = get(&mock, &token, wrong_field).await;
    assert_eq!((status, body["error"]["status"].as_str()), (400, Some("INVALID_ARGUMENT")));
    // Sessions cap at 25 whatever the page size.
    let sleep = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY]).access_token;
    let naps: Vec<Value> = (0..30).map(|day| json!({"sleep": {
        "interval": {"startTime": format!("2026-10-{:02}T12:00:00Z", day + 1), "startUtcOffset": "7200s", "endTime": format!("2026-10-{:02}T12:30:00Z", day + 1), "endUtcOffset": "7200s"},
        "type": "CLASSIC"}})).collect();
    assert_eq!(mock.insert_points("sleep", naps).len(), 30);
    let (_, body) = get(&mock, &sleep, "/v4/users/me/dataTypes/sleep/dataPoints?pageSize=100").await;
    assert_eq!(body["dataPoints"].as_array().unwrap().len(), 25);
    assert!(body["nextPageToken"].is_string());
}

#[tokio::test]
async fn daily_rollups_page_at_90_and_14() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token = mock
        .issue_tokens(
            DESKTOP_CLIENT_ID,
            &[ACTIVITY_AND_FITNESS_READONLY, HEALTH_METRICS_AND_MEASUREMENTS_READONLY],
        )
        .access_token;
    let day = |y: i32, m: u32, d: u32| json!({"date": {"year": y, "month": m, "day": d}});
    let daily = |data_type: &str, start: Value, end: Value, page_size: i64, page_token: &str| {
        let body = json!({"range": {"start": start, "end": end}, "windowSizeDays": 1, "pageSize": page_size, "pageToken": page_token});
        reqwest::Client::new()
            .post(mock.url(&format!("/v4/users/me/dataTypes/{data_type}/dataPoints:dailyRollUp")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    // 90 days of steps: a page size above 90 is truncated to 90, all in one page.
    let response = daily("steps", day(2026, 9, 1), day(2026, 11, 30), 500, "").await.unwrap();
    let body: Value = response.json().await.unwrap();
    let windows = body["rollupDataPoints"].as_array().unwrap();
    assert_eq!(windows.len(), 90);
    assert!(body.get("nextPageToken").is_none());
    assert_eq!(
        windows[0]["civilStartTime"],
        json!({"date": {"year": 2026, "month": 9, "day": 1}, "time": {}})
    );
    assert_eq!(
        windows[89]["civilEndTime"],
        json!({"date": {"year": 2026, "month": 11, "day": 30}, "time": {}})
    );
    let sunday = windows
        .iter()
        .find(|w| w["civilStartTime"]["date"] == json!({"year": 2026, "month": 11, "day": 29}))
        .unwrap();
    assert_eq!(sunday["steps"]["countSum"], "5347", "the run's steps, counted on the local day");
    // Smaller pages: 40 + 40 + 10, a token on all but the last.
    let mut counts = Vec::new();
    let mut page_token = String::new();
    loop {
        let body: Value = daily("steps", day(2026, 9, 1), day(2026, 11, 30), 40, &page_token)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        counts.push(body["rollupDataPoints"].as_array().unwrap().len());
        match body["nextPageToken"].as_str() {
            Some(next) => page_token = next.to_string(),
            None => break,
        }
    }
    assert_eq!(counts, [40, 40, 10]);
    // Heart rate: at most 14 per page and 14 days per range.
    let body: Value = daily("heart-rate", day(2026, 11, 17), day(2026, 12, 1), 100, "")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["rollupDataPoints"].as_array().unwrap().len(), 14);
    assert!(body.get("nextPageToken").is_none());
    let body: Value =
        daily("heart-rate", day(2026, 11, 17), day(2026, 12, 1), 5, "").await.unwrap().json().await.unwrap();
    assert_eq!(body["rollupDataPoints"].as_array().unwrap().len(), 5);
    assert!(body["nextPageToken"].is_string());
    let response = daily("heart-rate", day(2026, 11, 16), day(2026, 12, 1), 0, "").await.unwrap();
    assert_eq!(response.status(), 400, "15 days of heart rate");
    let response = daily("sleep", day(2026, 11, 16), day(2026, 12, 1), 0, "").await.unwrap();
    assert_eq!(response.status(), 400, "sleep has no daily rollup");
}

#[tokio::test]
async fn physical_rollups_aggregate_per_window() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token = mock
        .issue_tokens(
            DESKTOP_CLIENT_ID,
            &[ACTIVITY_AND_FITNESS_READONLY, HEALTH_METRICS_AND_MEASUREMENTS_READONLY],
        )
        .access_token;
    let roll = async |data_type: &str, window: &str| {
        let body = json!({"range": {"startTime": "2026-11-29T06:00:00Z", "endTime": "2026-11-29T09:00:00Z"}, "windowSize": window});
        post(&mock, &token, &format!("/v4/users/me/dataTypes/{data_type}/dataPoints:rollUp"), &body).await
    };
    let (status, body) = roll("steps", "3600s").await;
    assert_eq!(status, 200, "{body}");
    let windows = body["rollupDataPoints"].as_array().unwrap();
    assert_eq!(windows.len(), 3);
    assert_eq!(windows[1]["startTime"], "2026-11-29T07:00:00Z");
    assert_eq!(windows[1]["steps"]["countSum"], "5347");
    assert_eq!(windows[0]["steps"]["countSum"], "0");
    let (_, body) = roll("distance", "3600s").await;
    assert_eq!(body["rollupDataPoints"][1]["distance"]["millimetersSum"], "5166000");
    let (_, body) = roll("heart-rate", "3600s").await;
    let hour = &body["rollupDataPoints"][1]["heartRate"];
    assert_eq!(
        (hour["beatsPerMinuteMin"].as_f64(), hour["beatsPerMinuteMax"].as_f64()),
        (Some(118.0), Some(174.0))
    );
    let (_, body) = roll("total-calories", "3600s").await;
    assert_eq!(body["rollupDataPoints"][1]["totalCalories"]["kcalSum"], 336.5 + 66.25);
    let (_, body) = roll("weight", "10800s").await;
    assert_eq!(body["rollupDataPoints"][0]["weight"]["weightGramsAvg"], 72180.0);
    // Google's client sends the whole request message: `parent` comes in the body too.
    let path = "/v4/users/me/dataTypes/floors/dataPoints:rollUp";
    let mut body = json!({"parent": "users/me/dataTypes/floors", "range": {"startTime": "2026-11-29T00:00:00Z", "endTime": "2026-11-30T00:00:00Z"}, "windowSize": "86400s"});
    let (status, answer) = post(&mock, &token, path, &body).await;
    assert_eq!((status, &answer["rollupDataPoints"][0]["floors"]["countSum"]), (200, &json!("3")));
    body["parent"] = json!("users/me/dataTypes/steps");
    assert_eq!(post(&mock, &token, path, &body).await.0, 400, "a parent that is not the URL's");
    assert_eq!(roll("steps", "0.5s").await.0, 400, "windows of at least a second");
    assert_eq!(roll("sleep", "3600s").await.0, 400, "sleep has no rollup");
}

#[tokio::test]
async fn tcx_export_needs_location_and_honours_alt_media() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let both = mock
        .issue_tokens(DESKTOP_CLIENT_ID, &[ACTIVITY_AND_FITNESS_READONLY, LOCATION_READONLY])
        .access_token;
    let path = "/v4/users/me/dataTypes/exercise/dataPoints/8804417265093321001:exportExerciseTcx";
    let response = reqwest::Client::new()
        .get(mock.url(&format!("{path}?alt=media")))
        .bearer_auth(&both)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.garmin.tcx+xml");
    let xml = response.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<DistanceMeters>5166.0</DistanceMeters>"));
    let (status, body) = get(&mock, &both, path).await;
    assert_eq!(status, 200);
    assert_eq!(body["tcxData"].as_str(), Some(xml.as_str()), "JSON mode wraps the same document");
    let activity_only = mock.issue_tokens(DESKTOP_CLIENT_ID, &[ACTIVITY_AND_FITNESS_READONLY]).access_token;
    let (status, body) = get(&mock, &activity_only, path).await;
    assert_eq!((status, reason(&body)), (403, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"));
    assert_eq!(
        get(&mock, &both, "/v4/users/me/dataTypes/exercise/dataPoints/404404:exportExerciseTcx").await.0,
        404
    );
    assert_eq!(get(&mock, &both, "/v4/users/me/dataTypes/exercise/dataPoints?alt=media").await.0, 400);
    // The swim has no GPS: a generated document with a lap and no track.
    let swim = "/v4/users/me/dataTypes/exercise/dataPoints/8804417265093320877:exportExerciseTcx?alt=media";
    let xml = reqwest::Client::new()
        .get(mock.url(swim))
        .bearer_auth(&both)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<DistanceMeters>100.0</DistanceMeters>") && !xml.contains("<Track>"), "{xml}");
}

#[tokio::test]
async fn writes_check_the_union_and_touch_only_their_own_points() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let writer =
        mock.issue_tokens(DESKTOP_CLIENT_ID, &[HEALTH_METRICS_AND_MEASUREMENTS_WRITEONLY]).access_token;
    let weight = |grams: f64| json!({"weight": {"sampleTime": {"physicalTime": "2026-12-02T07:00:00Z", "utcOffset": "3600s"}, "weightGrams": grams}});
    let create = "/v4/users/me/dataTypes/weight/dataPoints";
    for (body, why) in [
        (
            json!({"bodyFat": {"sampleTime": {"physicalTime": "2026-12-02T07:00:00Z", "utcOffset": "3600s"}, "percentage": 18.0}}),
            "wrong member",
        ),
        (json!({"weight": {"weightGrams": 70000.0}}), "missing sampleTime"),
        (weight(2_000_000.0), "out of range"),
        (
            json!({"weight": {"sampleTime": {"physicalTime": "2026-12-02T07:00:00Z", "utcOffset": "3600s"}, "weightGrams": 1.0, "color": "blue"}}),
            "unknown field",
        ),
    ] {
        let (status, body) = post(&mock, &writer, create, &body).await;
        assert_eq!(
            (status, body["error"]["status"].as_str()),
            (400, Some("INVALID_ARGUMENT")),
            "{why}: {body}"
        );
    }
    let (status, operation) = post(&mock, &writer, create, &weight(71500.0)).await;
    assert_eq!(status, 200, "{operation}");
    let name = operation["response"]["name"].as_str().unwrap().to_string();
    // Write-only: the list shows only this client's points.
    let (_, own) = get(&mock, &writer, create).await;
    assert_eq!(own["dataPoints"].as_array().unwrap().len(), 1);
    let seeded = mock.points("weight")[1]["name"].as_str().unwrap().to_string();
    let response = reqwest::Client::new()
        .patch(mock.url(&format!("/v4/{seeded}")))
        .bearer_auth(&writer)
        .json(&weight(1.0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a client may change only what it wrote");
    let response = reqwest::Client::new()
        .patch(mock.url(&format!("/v4/{name}")))
        .bearer_auth(&writer)
        .json(&weight(71400.0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        mock.points("weight").iter().find(|p| p["name"] == json!(name)).unwrap()["weight"]["weightGrams"],
        71400.0
    );
    // Batch delete is all or nothing, across types with `-`.
    let (status, _) = post(
        &mock,
        &writer,
        "/v4/users/me/dataTypes/-/dataPoints:batchDelete",
        &json!({"names": [name, seeded]}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(mock.points("weight").len(), 5);
    let (status, operation) =
        post(&mock, &writer, "/v4/users/me/dataTypes/-/dataPoints:batchDelete", &json!({"names": [name]}))
            .await;
    assert_eq!(status, 200);
    assert_eq!(
        operation["response"]["@type"],
        "type.googleapis.com/google.devicesandservices.health.v4.BatchDeleteDataPointsResponse"
    );
    assert_eq!(mock.points("weight").len(), 4);
    // ECG cannot be written at all.
    let ecg = mock.issue_tokens(DESKTOP_CLIENT_ID, &[ECG_READONLY]).access_token;
    assert_eq!(
        post(&mock, &ecg, "/v4/users/me/dataTypes/electrocardiogram/dataPoints", &json!({})).await.0,
        400
    );
}

#[tokio::test]
async fn faults_answer_with_googles_envelope() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token = mock.issue_tokens(DESKTOP_CLIENT_ID, &[PROFILE_READONLY]).access_token;
    mock.fail_next_api_requests(429, 1);
    mock.fail_next_api_requests(503, 1);
    let (status, body) = get(&mock, &token, "/v4/users/me/profile").await;
    assert_eq!(
        (status, body["error"]["status"].as_str(), reason(&body)),
        (429, Some("RESOURCE_EXHAUSTED"), "RATE_LIMIT_EXCEEDED")
    );
    let (status, body) = get(&mock, &token, "/v4/users/me/profile").await;
    assert_eq!((status, body["error"]["status"].as_str()), (503, Some("UNAVAILABLE")));
    let (status, profile) = get(&mock, &token, "/v4/users/me/profile").await;
    assert_eq!(status, 200);
    assert_eq!(profile["name"], "users/me/profile");
    assert!(profile.get("autoRunningStrideLengthMm").is_none(), "stride fields need the activity scope");
    mock.set_account_not_linked(true);
    let (status, body) = get(&mock, &token, "/v4/users/me/profile").await;
    assert_eq!(
        (status, body["error"]["status"].as_str(), reason(&body)),
        (400, Some("FAILED_PRECONDITION"), "ACCOUNT_NOT_LINKED")
    );
    mock.set_account_not_linked(false);
    mock.set_service_disabled(true);
    let (status, body) = get(&mock, &token, "/v4/users/me/profile").await;
    assert_eq!((status, reason(&body)), (403, "SERVICE_DISABLED"));
    assert_eq!(body["error"]["details"][0]["metadata"]["consumer"], "projects/1234");
    mock.set_service_disabled(false);
    let (status, body) = get(&mock, &token, "/v4/users/me/nothing-here").await;
    assert_eq!((status, body["error"]["status"].as_str()), (404, Some("NOT_FOUND")));
    let counters = mock.counters();
    assert_eq!((counters.api_requests, counters.injected_failures), (6, 2));
    assert_eq!(counters.api_status(200), 1);
}

#[tokio::test]
async fn settings_update_checks_the_mask() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let token = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SETTINGS_READONLY, SETTINGS_WRITEONLY]).access_token;
    let patch = |mask: &str, body: Value| {
        reqwest::Client::new()
            .patch(mock.url(&format!("/v4/users/me/settings?updateMask={mask}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let response = patch("weight_unit", json!({"weightUnit": 3})).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["weightUnit"], "WEIGHT_UNIT_KILOGRAMS");
    let response = patch("weightUnit", json!({"weightUnit": "WEIGHT_UNIT_POUNDS"})).await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["weightUnit"], "WEIGHT_UNIT_POUNDS");
    assert_eq!(patch("timeZone", json!({"timeZone": "UTC"})).await.unwrap().status(), 400, "not updatable");
    assert_eq!(patch("shoeSize", json!({})).await.unwrap().status(), 400, "no such field");
    let (_, devices) = get(&mock, &token, "/v4/users/me/pairedDevices?pageSize=2").await;
    assert_eq!(devices["pairedDevices"].as_array().unwrap().len(), 2);
    let next = devices["nextPageToken"].as_str().unwrap();
    let (_, rest) =
        get(&mock, &token, &format!("/v4/users/me/pairedDevices?pageSize=2&pageToken={next}")).await;
    assert_eq!(rest["pairedDevices"].as_array().unwrap().len(), 1);
    assert!(rest.get("nextPageToken").is_none());
}

#[tokio::test]
async fn subscribers_need_a_project_number() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let cloud = CLOUD_ACCESS_TOKEN;
    let payload = json!({
        "endpointUri": "https://hooks.example.com/google-health",
        "endpointAuthorization": {"secret": "Bearer hook-secret"},
        "subscriberConfigs": [{"dataTypes": ["steps", "sleep"], "subscriptionCreatePolicy": "MANUAL"}],
    });
    let (status, body) =
        post(&mock, cloud, "/v4/projects/my-project/subscribers?subscriberId=hooks", &payload).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Invalid project number in resource name"))
    );
    let parent = format!("/v4/projects/{PROJECT_NUMBER}/subscribers");
    let (status, operation) = post(&mock, cloud, &format!("{parent}?subscriberId=hooks"), &payload).await;
    assert_eq!(status, 200, "{operation}");
    assert_eq!(operation["response"]["state"], "ACTIVE");
    assert_eq!(
        operation["response"]["endpointAuthorization"],
        json!({"secretSet": true}),
        "the secret is never echoed"
    );
    assert_eq!(post(&mock, cloud, &format!("{parent}?subscriberId=hooks"), &payload).await.0, 409);
    let mut http = payload.clone();
    http["endpointUri"] = json!("http://hooks.example.com/");
    assert_eq!(post(&mock, cloud, &format!("{parent}?subscriberId=other"), &http).await.0, 400);

    let subscription = json!({"user": format!("users/{HEALTH_USER_ID}"), "dataTypes": [format!("users/{HEALTH_USER_ID}/dataTypes/sleep")]});
    let (status, created) =
        post(&mock, cloud, &format!("{parent}/hooks/subscriptions?subscriptionId=alice"), &subscription)
            .await;
    assert_eq!(status, 200, "{created}");
    let weight = json!({"user": format!("users/{HEALTH_USER_ID}"), "dataTypes": [format!("users/{HEALTH_USER_ID}/dataTypes/weight")]});
    assert_eq!(
        post(&mock, cloud, &format!("{parent}/hooks/subscriptions"), &weight).await.0,
        400,
        "weight is not configured"
    );
    let (_, list) =
        get(&mock, cloud, &format!("{parent}/hooks/subscriptions?filter=data_type%20%3D%20%22sleep%22"))
            .await;
    assert_eq!(list["subscriptions"].as_array().unwrap().len(), 1);
    let delete = |force: bool| {
        reqwest::Client::new()
            .delete(mock.url(&format!("{parent}/hooks?force={force}")))
            .bearer_auth(cloud)
            .send()
    };
    assert_eq!(delete(false).await.unwrap().status(), 400, "it still has a subscription");
    assert_eq!(delete(true).await.unwrap().status(), 200);
    assert!(mock.subscribers().is_empty());
    let unauthenticated = reqwest::Client::new().get(mock.url(&parent)).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let recorded = mock.requests_to(&format!("{parent}/hooks/subscriptions"));
    assert_eq!(recorded[0].header("authorization"), Some(format!("Bearer {CLOUD_ACCESS_TOKEN}").as_str()));
}

#[tokio::test]
async fn project_calls_need_cloud_platform_credentials() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let parent = format!("/v4/projects/{PROJECT_NUMBER}/subscribers");
    let list = |token: String| {
        let request = reqwest::Client::new().get(mock.url(&parent)).bearer_auth(token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(list(CLOUD_ACCESS_TOKEN.into()).await.0, 200);
    assert_eq!(list("ya29.someone-elses".into()).await.0, 401);
    // A user's Google Health sign-in lacks the cloud-platform scope.
    let user = mock.issue_tokens(DESKTOP_CLIENT_ID, &[SLEEP_READONLY]);
    let (status, body) = list(user.access_token).await;
    assert_eq!(
        (status, body["error"]["details"][0]["reason"].as_str()),
        (403, Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT"))
    );
    // A self-signed JWT of an unknown key, or an expired one, is refused.
    let jwt = |kid: &str, exp: u64| {
        let encode = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        format!(
            "{}.{}.c2ln",
            encode(json!({"alg": "RS256", "typ": "JWT", "kid": kid})),
            encode(
                json!({"iss": SERVICE_ACCOUNT_EMAIL, "sub": SERVICE_ACCOUNT_EMAIL, "scope": "https://www.googleapis.com/auth/cloud-platform", "iat": now - 10, "exp": now + exp})
            ),
        )
    };
    assert_eq!(list(jwt(SERVICE_ACCOUNT_KEY_ID, 3600)).await.0, 200);
    assert_eq!(list(jwt("another-key", 3600)).await.0, 401);
    mock.advance_clock(std::time::Duration::from_secs(7200));
    assert_eq!(list(jwt(SERVICE_ACCOUNT_KEY_ID, 3600)).await.0, 401, "expired by the mock's clock");
    let counters = mock.counters();
    assert_eq!((counters.cloud_token_calls, counters.service_account_calls), (1, 1));
}

//! `fitbit token status | refresh | revoke` and `fitbit profile` on a token
//! file, against the loopback stand-in for Fitbit: refresh after expiry, one
//! refresh for many processes, and errors with their exit codes.

mod common;

use common::{HANG_GUARD, Scratch};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit, PUBLIC_CLIENT_ID, USER_ID,
};

const SCOPES: &[&str] = &["activity", "heartrate", "profile", "sleep"];

#[tokio::test]
async fn status_shows_user_scopes_and_expiry_but_no_token_or_secret() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    let run = scratch.run(&mock, &["token", "status"]).await;
    run.assert_code(0).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert!(run.stdout.contains(&format!("User id:       {USER_ID}")), "{}", run.stdout);
    assert!(run.stdout.contains("Scopes:        activity heartrate profile sleep"), "{}", run.stdout);
    assert!(run.stdout.contains("Client id:     23CONF (client secret stored)"), "{}", run.stdout);
    // Local time with its offset, and how long is left (8 hours, less the test's own time).
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(scratch.token_json()["token"]["expires_at"].clone()).unwrap();
    let local = expires_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S %:z").to_string();
    let expires = run.stdout.lines().find(|l| l.starts_with("Expires:")).unwrap();
    assert!(expires.contains(&local), "{expires} (expected {local})");
    assert!(expires.contains("(in 7h ") || expires.contains("(in 8h "), "{expires}");
    assert_eq!(mock.counters().token_requests + mock.counters().api_requests, 0, "status stays offline");
}

#[tokio::test]
async fn status_without_tokens_says_to_sign_in() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let run = scratch.run(&mock, &["token", "status"]).await;
    run.assert_code(3);
    assert!(run.stderr.contains("not signed in"), "{}", run.stderr);
    assert!(run.stderr.contains("fitbit login"), "{}", run.stderr);

    let run = scratch.run(&mock, &["profile"]).await;
    run.assert_code(3);
    assert!(run.stderr.contains("fitbit login"), "{}", run.stderr);
    assert!(!scratch.token_file_exists(), "reading creates nothing");
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_saves_it() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(PUBLIC_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, false).await;

    let run = scratch.run(&mock, &["token", "refresh"]).await;
    run.assert_code(0).assert_hides(&[&issued.access_token, &issued.refresh_token]);
    assert!(run.stdout.contains("Refreshed"), "{}", run.stdout);

    let file = scratch.token_json();
    let access = file["token"]["access_token"].as_str().unwrap();
    let refresh = file["token"]["refresh_token"].as_str().unwrap();
    assert_ne!(access, issued.access_token);
    assert!(mock.is_access_token_valid(access));
    assert!(mock.is_refresh_token_live(refresh));
    assert!(!mock.is_refresh_token_live(&issued.refresh_token), "the old refresh token is spent");
    assert_eq!(file["token"]["scope"], "activity heartrate profile sleep");
    assert_eq!(file["client"]["client_id"], PUBLIC_CLIENT_ID);
    assert_eq!(mock.counters().refresh_rotations, 1);
    run.assert_hides(&[access, refresh]);
    #[cfg(unix)]
    assert_eq!(common::mode(&scratch.token_file()), 0o600);
}

#[tokio::test]
async fn revoke_ends_the_grant_and_keeps_the_client_settings() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    let run = scratch.run(&mock, &["token", "revoke"]).await;
    run.assert_code(0).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert_eq!(mock.counters().revocations, 1);
    assert!(!mock.is_access_token_valid(&issued.access_token));
    assert!(!mock.is_refresh_token_live(&issued.refresh_token));

    let file = scratch.token_json();
    assert!(file.get("token").is_none(), "{file}");
    assert_eq!(file["client"]["client_id"], CONFIDENTIAL_CLIENT_ID);
    assert_eq!(file["client"]["client_secret"], CONFIDENTIAL_CLIENT_SECRET);

    let run = scratch.run(&mock, &["profile"]).await;
    run.assert_code(3);
    assert!(run.stderr.contains("fitbit login"), "{}", run.stderr);
}

#[tokio::test]
async fn profile_works_before_and_after_the_access_token_expires() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    let before = scratch.run(&mock, &["profile", "--units", "en_US"]).await;
    before.assert_code(0).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    let json: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    assert_eq!(json["user"]["encodedId"], USER_ID);
    assert_eq!(json["user"]["displayName"], "Mock User");
    assert_eq!(mock.counters().refresh_requests, 0);
    let api = mock.requests_to("/1/user/-/profile.json").pop().unwrap();
    assert_eq!(api.header("accept-language"), Some("en_US"));

    // Fitbit now says the token expired; the file still believes it is good.
    mock.expire_access_tokens();
    let after = scratch.run(&mock, &["profile"]).await;
    after.assert_code(0).assert_hides(&[&issued.access_token, &issued.refresh_token]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&after.stdout).unwrap(), json);
    assert_eq!(mock.counters().refresh_rotations, 1);
    let access = scratch.token_json()["token"]["access_token"].as_str().unwrap().to_string();
    assert_ne!(access, issued.access_token, "the new pair is saved");
    assert!(mock.is_access_token_valid(&access));
}

#[tokio::test]
async fn eight_processes_after_expiry_share_one_refresh() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;
    mock.expire_access_tokens();

    let children: Vec<_> = (0..8).map(|_| scratch.fitbit(&mock, &["profile"]).spawn().unwrap()).collect();
    let mut outputs = Vec::new();
    for child in children {
        let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output()).await.unwrap().unwrap();
        outputs.push(common::Run::from(output));
    }
    for run in &outputs {
        run.assert_code(0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(json["user"]["encodedId"], USER_ID);
    }
    let counters = mock.counters();
    assert_eq!(counters.refresh_requests, 1, "{counters:?}");
    assert_eq!(counters.refresh_refusals, 0, "{counters:?}");
    assert_eq!(counters.refresh_replays, 0, "{counters:?}");
    let refresh = scratch.token_json()["token"]["refresh_token"].as_str().unwrap().to_string();
    assert!(mock.is_refresh_token_live(&refresh), "the stored pair is the live one");
}

#[tokio::test]
async fn eight_processes_with_a_locally_expired_token_share_one_refresh() {
    // The proactive path: the file itself says the token has expired.
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(PUBLIC_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, false).await;
    let mut file = scratch.token_json();
    file["token"]["expires_at"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(scratch.token_file(), serde_json::to_vec_pretty(&file).unwrap()).unwrap();

    let children: Vec<_> = (0..8).map(|_| scratch.fitbit(&mock, &["profile"]).spawn().unwrap()).collect();
    for child in children {
        let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output()).await.unwrap().unwrap();
        common::Run::from(output).assert_code(0);
    }
    let counters = mock.counters();
    assert_eq!((counters.refresh_requests, counters.refresh_refusals), (1, 0), "{counters:?}");
}

#[tokio::test]
async fn a_refused_refresh_token_exits_3_with_what_to_do_and_without_the_token() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;
    // The grant ends elsewhere (say, the user removed the app on fitbit.com).
    let ended = scratch.run(&mock, &["token", "revoke"]).await;
    ended.assert_code(0);
    scratch.sign_in_directly(&issued, true).await;

    let run = scratch.run(&mock, &["profile"]).await;
    run.assert_code(3).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert!(
        run.stderr.contains("fitbit: error: sign-in required: the refresh token was refused"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("run `fitbit login` again"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn a_spent_hourly_quota_with_fail_fast_exits_4() {
    let mock = MockFitbit::start(MockConfig { rate_limit_per_hour: 1, ..MockConfig::default() }).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    scratch.run(&mock, &["profile"]).await.assert_code(0);
    let run = scratch.run(&mock, &["--fail-fast", "profile"]).await;
    run.assert_code(4);
    assert!(run.stderr.contains("rate limited"), "{}", run.stderr);
    assert!(run.stderr.contains("wait"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn the_environment_stands_in_for_the_global_options() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    let output = common::fitbit_bare()
        .arg("profile")
        .env("FITBIT_TOKEN_FILE", scratch.token_file())
        .env("FITBIT_API_URL", mock.base_url())
        .env("FITBIT_UNITS", "en_GB")
        .env("HOME", scratch.dir.path())
        .output();
    let run = common::Run::from(tokio::time::timeout(HANG_GUARD, output).await.unwrap().unwrap());
    run.assert_code(0);
    let api = mock.requests_to("/1/user/-/profile.json").pop().unwrap();
    assert_eq!(api.header("accept-language"), Some("en_GB"));
}

#[tokio::test]
async fn api_operations_use_the_token_file_and_refresh_after_expiry() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;
    mock.expire_access_tokens();

    let run = scratch.run(&mock, &["user", "get-profile", "--units", "en_GB"]).await;
    run.assert_code(0).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["user"]["encodedId"], USER_ID);
    assert_eq!(mock.counters().refresh_rotations, 1);
    let api = mock.requests_to("/1/user/-/profile.json").pop().unwrap();
    assert_eq!(api.header("accept-language"), Some("en_GB"));

    // Wrong arguments are clap's usage errors.
    let run = scratch.run(&mock, &["user", "get-profile", "--no-such-option"]).await;
    run.assert_code(2);
}

#[tokio::test]
async fn server_trouble_exits_5_and_a_retired_endpoint_exits_6() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;

    mock.script_token_answer(503, "text/html", "<html>Service Unavailable</html>");
    let run = scratch.run(&mock, &["token", "refresh"]).await;
    run.assert_code(5).assert_hides(&[&issued.refresh_token]);
    assert!(run.stderr.contains("retry later"), "{}", run.stderr);

    mock.script_token_answer(410, "text/html", "<html>Gone</html>");
    let run = scratch.run(&mock, &["token", "refresh"]).await;
    run.assert_code(6);
    assert!(run.stderr.contains("410 Gone") && run.stderr.contains("Google Health API"), "{}", run.stderr);

    // Neither answer spent the refresh token or touched the file.
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
    assert_eq!(scratch.token_json()["token"]["refresh_token"], issued.refresh_token.as_str());
}

/// Without `--token-file` or `FITBIT_TOKEN_FILE`, the CLI reads
/// `fitbit_auth::FileStore::default_path()`, which programs sharing its
/// sign-in open too: on Linux, under `$XDG_CONFIG_HOME`.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn without_a_token_file_option_the_default_path_is_used() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;
    let config_home = scratch.dir.path().join("config");
    let default_file = config_home.join("fitbit").join("credentials.json");
    std::fs::create_dir_all(default_file.parent().unwrap()).unwrap();
    std::fs::copy(scratch.token_file(), &default_file).unwrap();

    // `fitbit token status` with only the home and the configuration home set.
    let status_under = async |config_home: &std::path::Path| {
        let output = common::fitbit_bare()
            .args(["token", "status"])
            .env("HOME", scratch.dir.path())
            .env("XDG_CONFIG_HOME", config_home)
            .output();
        common::Run::from(tokio::time::timeout(HANG_GUARD, output).await.unwrap().unwrap())
    };

    let run = status_under(&config_home).await;
    run.assert_code(0);
    assert!(run.stdout.contains(&format!("Token file:    {}", default_file.display())), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("User id:       {USER_ID}")), "{}", run.stdout);

    // Another configuration directory holds no tokens, and the error says where it looked.
    let elsewhere = scratch.dir.path().join("elsewhere");
    let run = status_under(&elsewhere).await;
    run.assert_code(3);
    let expected = elsewhere.join("fitbit").join("credentials.json");
    assert!(run.stderr.contains(&expected.display().to_string()), "{}", run.stderr);
}

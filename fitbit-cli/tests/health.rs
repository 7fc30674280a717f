//! `fitbit health …` end to end: the binary against the loopback stand-in
//! for Google OAuth and the Google Health API.

mod common;

use std::process::Stdio;

use common::google::{google_file, health, json, run, sign_in};
use common::{HANG_GUARD, LoginRun, Run, Scratch, consent, get};
use fitbit_auth::{ClientConfig, ClientSecret, FileStore, Provider, TokenSet, TokenStoreExt as _};
use fitbit_tests::mock_google::{
    DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET, HEALTH_USER_ID, MockGoogle, MockGoogleConfig, WEB_CLIENT_ID,
    WEB_CLIENT_SECRET, WEB_REDIRECT_URI, scopes,
};
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

const READ: [&str; 5] = [
    scopes::ACTIVITY_AND_FITNESS_READONLY,
    scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY,
    scopes::SLEEP_READONLY,
    scopes::LOCATION_READONLY,
    scopes::PROFILE_READONLY,
];

#[tokio::test]
async fn a_desktop_client_signs_in_on_a_free_loopback_port() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let mut command = health(
        &scratch,
        &mock,
        &[
            "login",
            "--no-browser",
            "--client-id",
            DESKTOP_CLIENT_ID,
            "--scope",
            "sleep.readonly activity_and_fitness.readonly",
        ],
    );
    command.env("FITBIT_GOOGLE_CLIENT_SECRET", DESKTOP_CLIENT_SECRET);
    let login = LoginRun::spawn(command).await;
    assert!(login.url.starts_with(&format!("{}?client_id=", mock.authorize_url())), "{}", login.url);
    assert!(
        login.url.contains("&access_type=offline&include_granted_scopes=true&prompt=consent&"),
        "{}",
        login.url
    );
    let location = consent(&login.url).await;
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let (status, page) = get(&location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in"), "{page}");

    let login = login.finish().await;
    login.assert_code(0);
    assert_eq!(login.stdout, "", "nothing but the URL on stdout");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(google_file(&scratch)).unwrap()).unwrap();
    assert_eq!(file["provider"], "google");
    assert_eq!(file["client"]["client_id"], DESKTOP_CLIENT_ID);
    assert!(file["client"].get("redirect_uri").is_none(), "the free port is not kept");
    let access = file["token"]["access_token"].as_str().unwrap();
    let refresh = file["token"]["refresh_token"].as_str().unwrap();
    assert!(mock.is_access_token_valid(access));
    #[cfg(unix)]
    assert_eq!(common::mode(&google_file(&scratch)), 0o600);
    login.assert_hides(&[DESKTOP_CLIENT_SECRET, access, refresh]);
    let exchange = mock.requests_to("/token").pop().unwrap();
    assert_eq!(exchange.form_field("client_secret").as_deref(), Some(DESKTOP_CLIENT_SECRET));
    assert!(!scratch.token_file_exists(), "the Fitbit token file is not touched");

    // The sign-in works for the API, and the status shows no secret.
    let identity = run(&mut health(&scratch, &mock, &["identity"])).await;
    identity.assert_code(0);
    assert_eq!(json(&identity)["healthUserId"], HEALTH_USER_ID);
    let status = run(&mut health(&scratch, &mock, &["token", "status"])).await;
    status.assert_code(0).assert_hides(&[DESKTOP_CLIENT_SECRET, access, refresh]);
    assert!(status.stdout.contains("Provider:      Google"), "{}", status.stdout);
    assert!(status.stdout.contains("googlehealth.sleep.readonly"), "{}", status.stdout);
}

#[tokio::test]
async fn a_web_server_client_signs_in_with_the_pasted_address() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let mut command = health(
        &scratch,
        &mock,
        &[
            "login",
            "--no-browser",
            "--client-id",
            WEB_CLIENT_ID,
            "--redirect-uri",
            WEB_REDIRECT_URI,
            "--scope",
            "sleep.readonly",
        ],
    );
    command.env("FITBIT_GOOGLE_CLIENT_SECRET", WEB_CLIENT_SECRET).stdin(Stdio::piped());
    let mut login = LoginRun::spawn(command).await;
    let location = consent(&login.url).await;
    assert!(location.starts_with(WEB_REDIRECT_URI), "{location}");
    let mut stdin = login.child.stdin.take().unwrap();
    stdin.write_all(format!("{location}\n").as_bytes()).await.unwrap();
    drop(stdin);
    let run = login.finish().await;
    run.assert_code(0);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(google_file(&scratch)).unwrap()).unwrap();
    assert_eq!(file["client"]["redirect_uri"], WEB_REDIRECT_URI);
    assert_eq!(mock.counters().code_exchanges, 1);
}

#[tokio::test]
async fn a_partial_grant_saves_nothing_and_names_what_is_missing() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    mock.grant_only(&[scopes::SLEEP_READONLY]);
    let mut command = health(
        &scratch,
        &mock,
        &[
            "login",
            "--no-browser",
            "--client-id",
            DESKTOP_CLIENT_ID,
            "--scope",
            "sleep.readonly,profile.readonly",
        ],
    );
    command.env("FITBIT_GOOGLE_CLIENT_SECRET", DESKTOP_CLIENT_SECRET);
    let login = LoginRun::spawn(command).await;
    let location = consent(&login.url).await;
    let (_, page) = get(&location).await;
    assert!(page.contains("only some of the scopes"), "{page}");
    let run = login.finish().await;
    run.assert_code(3);
    assert!(run.stderr.contains("googlehealth.profile.readonly"), "{}", run.stderr);
    assert!(run.stderr.contains("fitbit health login"), "{}", run.stderr);
    assert!(!google_file(&scratch).exists(), "nothing saved");
}

#[tokio::test]
async fn points_rollups_and_tcx_come_out_as_json_and_bytes() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let issued = sign_in(&scratch, &mock, &READ, chrono::Duration::minutes(50)).await;

    let steps = run(&mut health(&scratch, &mock, &["points", "list", "--type", "steps", "--all"])).await;
    steps.assert_code(0).assert_hides(&[&issued.access_token, &issued.refresh_token]);
    let points = json(&steps)["dataPoints"].as_array().unwrap().clone();
    assert_eq!(points.len(), mock.points("steps").len());

    let one_page =
        run(&mut health(&scratch, &mock, &["points", "list", "--type", "heart_rate", "--page-size", "2"]))
            .await;
    one_page.assert_code(0);
    let page = json(&one_page);
    assert_eq!(page["dataPoints"].as_array().unwrap().len(), 2);
    assert!(page["nextPageToken"].as_str().is_some_and(|t| !t.is_empty()), "{page}");

    let daily = run(&mut health(
        &scratch,
        &mock,
        &["points", "daily-rollup", "--type", "steps", "--from", "2026-01-01", "--to", "2026-01-08"],
    ))
    .await;
    daily.assert_code(0);
    assert_eq!(json(&daily)["rollupDataPoints"].as_array().unwrap().len(), 7);

    let exercise = mock.points("exercise");
    let name = exercise[0]["name"].as_str().unwrap();
    let tcx = run(&mut health(&scratch, &mock, &["points", "tcx", name])).await;
    tcx.assert_code(0);
    assert!(tcx.stdout.starts_with("<?xml") && tcx.stdout.contains("TrainingCenterDatabase"));

    let bad = run(&mut health(&scratch, &mock, &["points", "list", "--type", "heartrate"])).await;
    bad.assert_code(2);
    assert!(bad.stderr.contains("heart-rate"), "{}", bad.stderr);
}

#[tokio::test]
async fn google_errors_exit_with_their_class_and_a_google_hint() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    sign_in(&scratch, &mock, &READ, chrono::Duration::minutes(50)).await;

    mock.set_account_not_linked(true);
    let not_linked = run(&mut health(&scratch, &mock, &["points", "list", "--type", "steps"])).await;
    not_linked.assert_code(3);
    assert!(
        not_linked.stderr.contains("Fitbit") && not_linked.stderr.contains("fitbit health login"),
        "{}",
        not_linked.stderr
    );
    mock.set_account_not_linked(false);

    let scope = run(&mut health(&scratch, &mock, &["points", "list", "--type", "nutrition-log"])).await;
    scope.assert_code(3);
    assert!(scope.stderr.contains(scopes::NUTRITION_READONLY), "{}", scope.stderr);

    mock.revoke_all_grants();
    mock.expire_access_tokens();
    let revoked = run(&mut health(&scratch, &mock, &["identity"])).await;
    revoked.assert_code(3);
    assert!(revoked.stderr.contains("run `fitbit health login` again"), "{}", revoked.stderr);

    // A Fitbit token file is not a Google one.
    let fitbit_file = scratch.dir.path().join("fitbit.json");
    FileStore::new(&fitbit_file)
        .update(|record| {
            record.client = Some(ClientConfig::new("23ABCD"));
            record.token = Some(
                TokenSet::from_token_response(br#"{"access_token":"a","expires_in":60}"#, chrono::Utc::now())
                    .unwrap(),
            );
        })
        .await
        .unwrap();
    let mut command = health(&scratch, &mock, &["identity"]);
    command.arg("--token-file").arg(&fitbit_file);
    let mixed = run(&mut command).await;
    mixed.assert_code(2);
    assert!(mixed.stderr.contains("Fitbit tokens"), "{}", mixed.stderr);
}

#[tokio::test]
async fn two_processes_sharing_the_token_file_refresh_once() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let issued = sign_in(&scratch, &mock, &READ, chrono::Duration::minutes(-1)).await;
    let (mut first, mut second) =
        (health(&scratch, &mock, &["identity"]), health(&scratch, &mock, &["identity"]));
    let (a, b) = tokio::join!(run(&mut first), run(&mut second));
    a.assert_code(0);
    b.assert_code(0);
    assert_eq!(mock.counters().refreshes, 1, "the second process used the first one's token");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(google_file(&scratch)).unwrap()).unwrap();
    assert_eq!(
        file["token"]["refresh_token"],
        issued.refresh_token.as_str(),
        "Google's refresh token is kept"
    );
}

#[tokio::test]
async fn writes_devices_settings_and_token_care_work_from_the_command_line() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(
        DESKTOP_CLIENT_ID,
        &[
            scopes::ACTIVITY_AND_FITNESS_READONLY,
            scopes::ACTIVITY_AND_FITNESS_WRITEONLY,
            scopes::PROFILE_READONLY,
            scopes::SETTINGS_READONLY,
        ],
    );
    let body = serde_json::to_vec(&issued.token_answer()).unwrap();
    let tokens = TokenSet::from_token_response(&body, chrono::Utc::now()).unwrap();
    FileStore::new(google_file(&scratch))
        .update(move |record| {
            record.provider = Some(Provider::Google);
            record.client = Some(ClientConfig {
                client_id: DESKTOP_CLIENT_ID.into(),
                client_secret: Some(ClientSecret::new(DESKTOP_CLIENT_SECRET)),
                redirect_uri: None,
            });
            record.token = Some(tokens);
        })
        .await
        .unwrap();

    // Create a step interval from stdin, then patch and delete it.
    let point = serde_json::json!({
        "steps": {
            "interval": {
                "startTime": "2026-12-01T09:00:00Z", "startUtcOffset": "3600s",
                "endTime": "2026-12-01T09:01:00Z", "endUtcOffset": "3600s"
            },
            "count": "42"
        }
    });
    let mut create = health(&scratch, &mock, &["points", "create", "--type", "steps", "--json", "-"]);
    create.stdin(Stdio::piped());
    let mut child = create.spawn().unwrap();
    child.stdin.take().unwrap().write_all(point.to_string().as_bytes()).await.unwrap();
    let created =
        Run::from(tokio::time::timeout(HANG_GUARD, child.wait_with_output()).await.unwrap().unwrap());
    created.assert_code(0);
    let operation = json(&created);
    assert_eq!(operation["done"], true, "{operation}");
    let name = operation["response"]["name"].as_str().expect("the created point's name").to_string();
    assert!(mock.points("steps").iter().any(|p| p["name"] == name.as_str()));

    let patch_file = scratch.dir.path().join("patch.json");
    let mut patched = point.clone();
    patched["steps"]["count"] = "43".into();
    std::fs::write(&patch_file, patched.to_string()).unwrap();
    let patch = run(&mut health(
        &scratch,
        &mock,
        &["points", "patch", &name, "--json", patch_file.to_str().unwrap()],
    ))
    .await;
    patch.assert_code(0);
    let stored = mock.points("steps").into_iter().find(|p| p["name"] == name.as_str()).unwrap();
    assert_eq!(stored["steps"]["count"], "43");

    // The JSON must hold the type's member.
    std::fs::write(&patch_file, r#"{"weight":{}}"#).unwrap();
    let wrong = run(&mut health(
        &scratch,
        &mock,
        &["points", "patch", &name, "--json", patch_file.to_str().unwrap()],
    ))
    .await;
    wrong.assert_code(2);
    assert!(wrong.stderr.contains("`steps` member"), "{}", wrong.stderr);

    let delete = run(&mut health(&scratch, &mock, &["points", "delete", &name])).await;
    delete.assert_code(0);
    assert!(!mock.points("steps").iter().any(|p| p["name"] == name.as_str()));

    // Devices, profile, settings.
    let devices = run(&mut health(&scratch, &mock, &["devices"])).await;
    devices.assert_code(0);
    let devices = json(&devices)["pairedDevices"].as_array().unwrap().clone();
    assert!(!devices.is_empty());
    let id = devices[0]["name"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let one = run(&mut health(&scratch, &mock, &["devices", "get", &id])).await;
    one.assert_code(0);
    assert_eq!(json(&one)["name"], devices[0]["name"]);
    run(&mut health(&scratch, &mock, &["profile"])).await.assert_code(0);
    let settings = run(&mut health(&scratch, &mock, &["settings"])).await;
    settings.assert_code(0);
    assert!(json(&settings)["timeZone"].is_string(), "{}", settings.stdout);

    // Token care: refresh keeps Google's refresh token; revoke ends the grant.
    let refreshed = run(&mut health(&scratch, &mock, &["token", "refresh"])).await;
    refreshed.assert_code(0).assert_hides(&[&issued.access_token, &issued.refresh_token]);
    assert_eq!(mock.counters().refreshes, 1);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(google_file(&scratch)).unwrap()).unwrap();
    assert_eq!(file["token"]["refresh_token"], issued.refresh_token.as_str());
    let revoked = run(&mut health(&scratch, &mock, &["token", "revoke"])).await;
    revoked.assert_code(0);
    assert!(revoked.stdout.contains("Revoked the grant at Google"), "{}", revoked.stdout);
    assert!(!mock.is_refresh_token_live(&issued.refresh_token));
    let revoke = mock.requests_to("/revoke").pop().unwrap();
    assert_eq!(revoke.form().len(), 1, "Google's revoke takes the token alone");
    let status = run(&mut health(&scratch, &mock, &["token", "status"])).await;
    status.assert_code(3);
    assert!(status.stderr.contains("fitbit health login"), "{}", status.stderr);
}

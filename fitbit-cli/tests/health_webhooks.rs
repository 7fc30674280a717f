//! `fitbit health subscribers|subscriptions` against the Google stand-in
//! (project credentials: an access token, a service-account key, ADC), and
//! `fitbit health webhook serve` as a running process receiving signed
//! notifications made with a P-256 key generated in the test.

mod common;

use std::process::Stdio;

use common::google::{health, json, run};
use common::{HANG_GUARD, Run, Scratch, fitbit_bare};
use fitbit_tests::mock_google::webhooks::{
    KeysetServer, LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER, WebhookKey, keyset_json, notification_body,
};
use fitbit_tests::mock_google::{
    CLOUD_ACCESS_TOKEN, DESKTOP_CLIENT_ID, HEALTH_USER_ID, MockGoogle, MockGoogleConfig, PROJECT_NUMBER,
    SERVICE_ACCOUNT_EMAIL, scopes, service_account_key_path,
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "Bearer whsec-cli-5e8d1a";

#[tokio::test]
async fn subscribers_and_subscriptions_are_managed_with_project_credentials() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let token = ["--project", PROJECT_NUMBER, "--access-token", CLOUD_ACCESS_TOKEN];
    let with = |args: &[&str], extra: &[&str]| -> Command {
        let mut command = health(&scratch, &mock, args);
        command.args(extra);
        command
    };

    let mut create = with(
        &[
            "subscribers",
            "create",
            "--id",
            "hooks",
            "--endpoint",
            "https://hooks.example.com/google",
            "--type",
            "steps,sleep",
            "--policy",
            "manual",
        ],
        &token,
    );
    create.env("FITBIT_HEALTH_WEBHOOK_AUTHORIZATION", SECRET);
    let created = run(&mut create).await;
    created.assert_code(0).assert_hides(&[SECRET, CLOUD_ACCESS_TOKEN]);
    assert_eq!(json(&created)["done"], true);
    let stored = mock.subscribers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["name"], format!("projects/{PROJECT_NUMBER}/subscribers/hooks"));
    let sent = mock.requests_to(&format!("/v4/projects/{PROJECT_NUMBER}/subscribers")).pop().unwrap();
    assert_eq!(sent.json().unwrap()["endpointAuthorization"]["secret"], SECRET, "the secret reaches Google");
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {CLOUD_ACCESS_TOKEN}").as_str()));

    let listed = run(&mut with(&["subscribers", "list"], &token)).await;
    listed.assert_code(0);
    assert_eq!(json(&listed)["subscribers"][0]["endpointUri"], "https://hooks.example.com/google");

    let patched = run(&mut with(
        &["subscribers", "patch", "hooks", "--endpoint", "https://hooks.example.com/v2"],
        &token,
    ))
    .await;
    patched.assert_code(0);
    assert_eq!(mock.subscribers()[0]["endpointUri"], "https://hooks.example.com/v2");
    let patch = mock.requests_to(&format!("/v4/projects/{PROJECT_NUMBER}/subscribers/hooks")).pop().unwrap();
    assert_eq!(patch.query_param("updateMask").as_deref(), Some("endpointUri"), "only what was given");

    let subscribed = run(&mut with(
        &[
            "subscriptions",
            "create",
            "--subscriber",
            "hooks",
            "--user",
            HEALTH_USER_ID,
            "--type",
            "sleep",
            "--id",
            "alice",
        ],
        &token,
    ))
    .await;
    subscribed.assert_code(0);
    assert_eq!(json(&subscribed)["dataTypes"][0], format!("users/{HEALTH_USER_ID}/dataTypes/sleep"));
    let listed = run(&mut with(&["subscriptions", "list", "--subscriber", "hooks"], &token)).await;
    assert_eq!(json(&listed)["subscriptions"].as_array().unwrap().len(), 1);
    // Deleting the subscriber while it has a subscription needs --force.
    let refused = run(&mut with(&["subscribers", "delete", "hooks"], &token)).await;
    assert_ne!(refused.code, Some(0));
    assert!(refused.stderr.contains("subscription"), "{}", refused.stderr);
    run(&mut with(&["subscriptions", "delete", "alice", "--subscriber", "hooks"], &token))
        .await
        .assert_code(0);
    run(&mut with(&["subscribers", "delete", "hooks"], &token)).await.assert_code(0);
    assert!(mock.subscribers().is_empty());
    assert_eq!(mock.counters().cloud_token_calls, 8, "eight calls, each with the Cloud token");
}

#[tokio::test]
async fn a_project_id_is_refused_before_anything_is_sent() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let refused = run(&mut health(
        &scratch,
        &mock,
        &["subscribers", "list", "--project", "my-fitbit-app", "--access-token", CLOUD_ACCESS_TOKEN],
    ))
    .await;
    refused.assert_code(2).assert_hides(&[CLOUD_ACCESS_TOKEN]);
    assert!(refused.stderr.contains("not a project number"), "{}", refused.stderr);
    assert_eq!(mock.counters().subscriber_requests, 0);
}

#[tokio::test]
async fn a_service_account_key_works_as_a_file_and_as_application_default_credentials() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let key = service_account_key_path();
    let key = key.to_str().unwrap();
    let listed = run(&mut health(
        &scratch,
        &mock,
        &["subscribers", "list", "--project", PROJECT_NUMBER, "--service-account", key],
    ))
    .await;
    listed.assert_code(0);
    assert_eq!(json(&listed)["subscribers"], serde_json::json!([]));
    let mut adc = health(&scratch, &mock, &["subscribers", "list", "--project", PROJECT_NUMBER]);
    adc.env("GOOGLE_APPLICATION_CREDENTIALS", key);
    run(&mut adc).await.assert_code(0);
    assert_eq!(mock.counters().service_account_calls, 2);
    // The bearer was the account's self-signed JWT, and no private key reached any output.
    let sent = mock.requests_to(&format!("/v4/projects/{PROJECT_NUMBER}/subscribers")).pop().unwrap();
    assert!(sent.header("authorization").unwrap().starts_with("Bearer ey"));
    assert!(!listed.stderr.contains("PRIVATE KEY") && !listed.stdout.contains(SERVICE_ACCOUNT_EMAIL));
}

#[tokio::test]
async fn a_users_sign_in_token_is_not_a_project_credential() {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let scratch = Scratch::new();
    let user = mock.issue_tokens(DESKTOP_CLIENT_ID, &[scopes::SLEEP_READONLY]);
    let refused = run(&mut health(
        &scratch,
        &mock,
        &["subscribers", "list", "--project", PROJECT_NUMBER, "--access-token", &user.access_token],
    ))
    .await;
    assert_ne!(refused.code, Some(0));
    refused.assert_hides(&[&user.access_token]);
    assert!(refused.stderr.contains("scope"), "{}", refused.stderr);
}

/// A `fitbit health webhook serve` in progress, and the address it printed.
struct Serving {
    child: Child,
    base: String,
    stderr_head: String,
    stderr: BufReader<tokio::process::ChildStderr>,
    http: reqwest::Client,
}

impl Serving {
    async fn start(scratch: &Scratch, extra: &[&str], keyset_url: Option<&str>) -> Self {
        let mut command = fitbit_bare();
        command
            .env("HOME", scratch.dir.path())
            .env("FITBIT_HEALTH_WEBHOOK_AUTHORIZATION", SECRET)
            .args(["health", "webhook", "serve", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = keyset_url {
            command.env("FITBIT_HEALTH_WEBHOOK_KEYSET_URL", url);
        }
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut head = String::new();
        tokio::time::timeout(HANG_GUARD, stderr.read_line(&mut head)).await.expect("a line").unwrap();
        let base = head
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {head:?}"))
            .trim_end_matches('/')
            .to_string();
        Self { child, base, stderr_head: head, stderr, http: reqwest::Client::new() }
    }

    async fn post(&self, authorization: Option<&str>, signature: Option<(&str, &str)>, body: &str) -> u16 {
        let mut request = self.http.post(format!("{}/google/webhook", self.base)).body(body.to_owned());
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        if let Some((name, value)) = signature {
            request = request.header(name, value);
        }
        request.send().await.unwrap().status().as_u16()
    }

    async fn stop(mut self) -> Run {
        let pid = self.child.id().expect("running").to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
        let mut stdout = String::new();
        self.child.stdout.take().unwrap().read_to_string(&mut stdout).await.unwrap();
        let mut stderr = self.stderr_head.clone();
        self.stderr.read_to_string(&mut stderr).await.unwrap();
        let status = tokio::time::timeout(HANG_GUARD, self.child.wait()).await.expect("stopped").unwrap();
        Run { code: status.code(), stdout, stderr }
    }
}

#[tokio::test]
async fn webhook_serve_prints_only_verified_notifications() {
    let google = WebhookKey::generate(0x5151_0001);
    let scratch = Scratch::new();
    let keyset = scratch.dir.path().join("keyset.json");
    std::fs::write(&keyset, keyset_json(&[&google])).unwrap();
    let serving = Serving::start(&scratch, &["--keyset", keyset.to_str().unwrap()], None).await;
    assert!(serving.stderr_head.contains("keyset.json"), "{}", serving.stderr_head);

    let verification = r#"{"type":"verification"}"#;
    assert_eq!(serving.post(Some(SECRET), None, verification).await, 201);
    assert_eq!(serving.post(None, None, verification).await, 401);

    let steps = notification_body(HEALTH_USER_ID, "steps", "UPSERT", "alice");
    let sleep = notification_body(HEALTH_USER_ID, "sleep", "DELETE", "alice");
    assert_eq!(
        serving.post(Some(SECRET), Some((SIGNATURE_HEADER, &google.sign(steps.as_bytes()))), &steps).await,
        204
    );
    assert_eq!(
        serving
            .post(Some(SECRET), Some((LEGACY_SIGNATURE_HEADER, &google.sign(sleep.as_bytes()))), &sleep)
            .await,
        204
    );
    let forged = WebhookKey::generate(0x5151_0001).sign(steps.as_bytes());
    assert_eq!(serving.post(Some(SECRET), Some((SIGNATURE_HEADER, &forged)), &steps).await, 403);
    assert_eq!(serving.post(Some(SECRET), None, &steps).await, 401);
    assert_eq!(
        serving
            .post(Some("Bearer guess"), Some((SIGNATURE_HEADER, &google.sign(steps.as_bytes()))), &steps)
            .await,
        403
    );

    let run = serving.stop().await;
    run.assert_hides(&["whsec-cli-5e8d1a"]);
    let lines: Vec<Value> = run.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        (lines[0]["dataType"].as_str(), lines[0]["operation"].as_str()),
        (Some("steps"), Some("UPSERT"))
    );
    assert_eq!(
        (lines[1]["dataType"].as_str(), lines[1]["operation"].as_str()),
        (Some("sleep"), Some("DELETE"))
    );
    assert_eq!(lines[0]["civilIso8601TimeInterval"]["startTime"], "2026-03-01T08:00:00");
    assert!(run.stderr.contains("endpoint verification (201)"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("fitbit: refused POST").count(), 4, "{}", run.stderr);
}

#[tokio::test]
async fn webhook_serve_fetches_the_keyset_again_for_an_unknown_key_once() {
    let old = WebhookKey::generate(1);
    let server = KeysetServer::start(keyset_json(&[&old])).await;
    let scratch = Scratch::new();
    let serving = Serving::start(&scratch, &[], Some(&server.url())).await;
    let body = notification_body(HEALTH_USER_ID, "weight", "UPSERT", "bob");
    assert_eq!(
        serving.post(Some(SECRET), Some((SIGNATURE_HEADER, &old.sign(body.as_bytes()))), &body).await,
        204
    );
    let rotated = WebhookKey::generate(2);
    server.publish(keyset_json(&[&rotated, &old]));
    assert_eq!(
        serving.post(Some(SECRET), Some((SIGNATURE_HEADER, &rotated.sign(body.as_bytes()))), &body).await,
        204
    );
    assert_eq!(server.fetches(), 2);
    let unknown = WebhookKey::generate(3);
    assert_eq!(
        serving.post(Some(SECRET), Some((SIGNATURE_HEADER, &unknown.sign(body.as_bytes()))), &body).await,
        403
    );
    assert_eq!(server.fetches(), 2, "the refetch just happened: rate-limited");
    let run = serving.stop().await;
    assert_eq!(run.stdout.lines().count(), 2);
}

#[tokio::test]
async fn webhook_serve_refuses_a_broken_keyset_file_and_an_empty_secret() {
    let scratch = Scratch::new();
    let keyset = scratch.dir.path().join("keyset.json");
    std::fs::write(&keyset, "<html>").unwrap();
    let mut command = fitbit_bare();
    command
        .args(["health", "webhook", "serve", "--port", "0", "--authorization", SECRET, "--keyset"])
        .arg(&keyset)
        .stdin(Stdio::null());
    let broken = run(&mut command).await;
    broken.assert_code(2).assert_hides(&["whsec-cli-5e8d1a"]);
    assert!(broken.stderr.contains("not a usable keyset"), "{}", broken.stderr);
    let mut command = fitbit_bare();
    command.args(["health", "webhook", "serve", "--port", "0", "--authorization", " "]).stdin(Stdio::null());
    let empty = run(&mut command).await;
    empty.assert_code(2);
    assert!(empty.stderr.contains("empty"), "{}", empty.stderr);
}

//! `fitbit webhook serve` as a running process: Fitbit's verification GETs,
//! and notifications signed correctly, with the wrong key, with one byte of
//! the body changed, and with no signature. Only the correctly signed ones
//! may reach stdout.

mod common;

use common::{HANG_GUARD, Run, Scratch};
use fitbit_tests::fixtures;
use fitbit_tests::mock_fitbit::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit};
use fitbit_webhooks::{SIGNATURE_HEADER, SignatureKey};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The secret of Fitbit's documented signature test vector.
const VECTOR_SECRET: &str = "123ab4567c890d123e4567f8abcdef9a";
const VECTOR_SIGNATURE: &str = "Oyv+HBziS4dH/fHJ735cToXX6vs=";
const CODE: &str = "e3b0c44298fc1c14";

/// A `fitbit webhook serve` in progress, and the address it printed.
struct Serving {
    child: Child,
    base: String,
    stderr_head: String,
    stderr: BufReader<tokio::process::ChildStderr>,
    http: reqwest::Client,
}

impl Serving {
    async fn start(scratch: &Scratch, secret_env: Option<&str>, extra: &[&str]) -> Self {
        let mut command = serve_command(scratch, secret_env, "0", extra);
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

    async fn get(&self, path_and_query: &str) -> u16 {
        self.http.get(format!("{}{path_and_query}", self.base)).send().await.unwrap().status().as_u16()
    }

    async fn post(&self, body: &[u8], signature: Option<&str>) -> u16 {
        let mut request = self
            .http
            .post(format!("{}/webhook", self.base))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        request.send().await.unwrap().status().as_u16()
    }

    /// Stops it the way Ctrl-C would (SIGTERM) and collects its output.
    async fn stop(mut self) -> Run {
        let pid = self.child.id().expect("running").to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
        assert!(killed.success());
        let mut stdout = String::new();
        self.child.stdout.take().unwrap().read_to_string(&mut stdout).await.unwrap();
        let mut stderr = self.stderr_head.clone();
        self.stderr.read_to_string(&mut stderr).await.unwrap();
        let status = tokio::time::timeout(HANG_GUARD, self.child.wait()).await.expect("stopped").unwrap();
        Run { code: status.code(), stdout, stderr }
    }
}

fn serve_command(scratch: &Scratch, secret_env: Option<&str>, port: &str, extra: &[&str]) -> Command {
    let mut command = scratch.fitbit_offline();
    if let Some(secret) = secret_env {
        command.env("FITBIT_CLIENT_SECRET", secret);
    }
    command.args(["webhook", "serve", "--port", port, "--verification-code", CODE]).args(extra);
    command
}

fn vector_body() -> Vec<u8> {
    std::fs::read(fixtures::dir("webhooks").join("notification.json")).unwrap()
}

#[tokio::test]
async fn only_correctly_signed_notifications_are_printed() {
    let scratch = Scratch::new();
    let serving = Serving::start(&scratch, Some(VECTOR_SECRET), &[]).await;
    assert!(
        serving.stderr_head.contains("client secret from FITBIT_CLIENT_SECRET"),
        "{}",
        serving.stderr_head
    );

    // Verification: 204 for the code, 404 for a wrong one or none.
    assert_eq!(serving.get(&format!("/webhook?verify={CODE}")).await, 204);
    assert_eq!(serving.get("/webhook?verify=0000000000000000").await, 404);
    assert_eq!(serving.get("/webhook").await, 404);

    let body = vector_body();
    let second = br#"[{"collectionType":"sleep","date":"2026-09-29","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"s-1"}]"#;
    let mut one_byte_changed = body.clone();
    let position = one_byte_changed.iter().position(|&b| b == b'6').unwrap(); // in "2020-06-01"
    one_byte_changed[position] = b'7';
    let wrong_key = SignatureKey::from_client_secret("not-the-app-secret");

    assert_eq!(serving.post(&body, Some(VECTOR_SIGNATURE)).await, 204, "the documented test vector");
    assert_eq!(serving.post(&body, Some(&wrong_key.sign(&body))).await, 404);
    assert_eq!(serving.post(&one_byte_changed, Some(VECTOR_SIGNATURE)).await, 404);
    assert_eq!(serving.post(&body, None).await, 404);
    assert_eq!(
        serving
            .post(
                b"[{\"collectionType\":",
                Some(&SignatureKey::from_client_secret(VECTOR_SECRET).sign(b"[{\"collectionType\":"))
            )
            .await,
        400
    );
    let right = SignatureKey::from_client_secret(VECTOR_SECRET);
    assert_eq!(serving.post(second, Some(&right.sign(second))).await, 204);

    let run = serving.stop().await;
    run.assert_code(0).assert_hides(&[VECTOR_SECRET, CODE]);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "stdout:\n{}", run.stdout);
    assert_eq!(lines[0], serde_json::from_slice::<serde_json::Value>(&body).unwrap()[0]);
    assert_eq!(lines[1], serde_json::from_slice::<serde_json::Value>(second).unwrap()[0]);

    let refused: Vec<&str> = run.stderr.lines().filter(|line| line.contains("refused")).collect();
    assert_eq!(refused.len(), 6, "stderr:\n{}", run.stderr);
    assert!(refused[0].contains("GET /webhook (404)"), "{refused:?}");
    assert!(refused[2].contains("does not sign this body"), "{refused:?}");
    assert!(refused[4].contains("no X-Fitbit-Signature header"), "{refused:?}");
    assert!(refused[5].contains("(400)"), "{refused:?}");
}

#[tokio::test]
async fn the_secret_comes_from_the_token_file_first() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    scratch.sign_in_directly(&mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]), true).await;
    let serving = Serving::start(&scratch, Some(VECTOR_SECRET), &[]).await;

    let body = vector_body();
    let app_key = SignatureKey::from_client_secret(CONFIDENTIAL_CLIENT_SECRET);
    assert_eq!(
        serving.post(&body, Some(VECTOR_SIGNATURE)).await,
        404,
        "the environment's secret is not used"
    );
    assert_eq!(serving.post(&body, Some(&app_key.sign(&body))).await, 204);
    assert!(serving.stderr_head.contains("credentials.json"), "{}", serving.stderr_head);

    let run = serving.stop().await;
    run.assert_code(0).assert_hides(&[CONFIDENTIAL_CLIENT_SECRET]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_not_printed() {
    let scratch = Scratch::new();
    let serving = Serving::start(&scratch, Some(VECTOR_SECRET), &["--max-body-bytes", "64"]).await;

    let body = vector_body();
    assert_eq!(serving.post(&body, Some(VECTOR_SIGNATURE)).await, 413);

    let run = serving.stop().await;
    run.assert_code(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("larger than 64 bytes"), "{}", run.stderr);
}

#[tokio::test]
async fn without_a_client_secret_it_says_where_to_put_one() {
    let scratch = Scratch::new();
    let output = tokio::time::timeout(HANG_GUARD, serve_command(&scratch, None, "0", &[]).output())
        .await
        .expect("finished")
        .unwrap();
    let run = Run::from(output);
    run.assert_code(2);
    assert!(run.stderr.contains("no client secret"), "{}", run.stderr);
    assert!(run.stderr.contains("FITBIT_CLIENT_SECRET"), "{}", run.stderr);
}

#[tokio::test]
async fn a_busy_port_is_a_clear_failure() {
    let scratch = Scratch::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output =
        tokio::time::timeout(HANG_GUARD, serve_command(&scratch, Some(VECTOR_SECRET), &port, &[]).output())
            .await
            .expect("finished")
            .unwrap();
    let run = Run::from(output);
    run.assert_code(1);
    assert!(run.stderr.contains(&format!("could not listen on 127.0.0.1:{port}")), "{}", run.stderr);
}

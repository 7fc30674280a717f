//! Running the `fitbit` binary against the loopback stand-in for Fitbit.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use fitbit_auth::{ClientConfig, ClientSecret, FileStore, TokenSet, TokenStoreExt as _};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, IssuedTokens, MockApp, MockConfig, MockFitbit,
    PUBLIC_CLIENT_ID,
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

/// `fitbit` with no FITBIT_* variable inherited from the test's environment
/// and nothing else set: the caller chooses the token file and the home.
pub fn fitbit_bare() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fitbit"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FITBIT_") {
            command.env_remove(name);
        }
    }
    command.kill_on_drop(true);
    command
}

/// A guard against a hung CLI; never an assertion about speed.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The mock with the confidential and the public app both registered for `redirect_uri`.
pub async fn mock_for(redirect_uri: &str, tweak: impl FnOnce(&mut MockConfig)) -> MockFitbit {
    let mut config = MockConfig {
        apps: vec![
            MockApp::confidential(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, redirect_uri),
            MockApp::public(PUBLIC_CLIENT_ID, redirect_uri),
        ],
        ..MockConfig::default()
    };
    tweak(&mut config);
    MockFitbit::start(config).await
}

/// A scratch directory with a token file path in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    pub fn token_file(&self) -> PathBuf {
        self.dir.path().join("fitbit").join("credentials.json")
    }

    /// The token file as JSON (panics when missing).
    pub fn token_json(&self) -> Value {
        let text = std::fs::read_to_string(self.token_file()).expect("the token file exists");
        serde_json::from_str(&text).unwrap()
    }

    pub fn token_file_exists(&self) -> bool {
        self.token_file().exists()
    }

    /// `fitbit <args>` pointed at `mock` and this directory's token file,
    /// with no FITBIT_* variable inherited from the test's environment.
    pub fn fitbit(&self, mock: &MockFitbit, args: &[&str]) -> Command {
        let mut command = self.fitbit_offline();
        command
            .arg("--api-url")
            .arg(mock.base_url())
            .arg("--authorize-url")
            .arg(mock.url("/oauth2/authorize"))
            .args(args);
        command
    }

    /// `fitbit --token-file <this directory's>` with piped output, no stdin
    /// and no FITBIT_* variable inherited, for commands that call no API.
    pub fn fitbit_offline(&self) -> Command {
        let mut command = fitbit_bare();
        command
            .env_remove("BROWSER")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .arg("--token-file")
            .arg(self.token_file())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `fitbit <args>` to the end.
    pub async fn run(&self, mock: &MockFitbit, args: &[&str]) -> Run {
        let output = tokio::time::timeout(HANG_GUARD, self.fitbit(mock, args).output())
            .await
            .expect("fitbit finished")
            .expect("fitbit started");
        Run::from(output)
    }

    /// Stores client settings and the tokens `issued` (as if `fitbit login`
    /// had run), expiring as the mock says.
    pub async fn sign_in_directly(&self, issued: &IssuedTokens, confidential: bool) -> TokenSet {
        let body = serde_json::to_vec(&issued.token_answer()).unwrap();
        let tokens = TokenSet::from_token_response(&body, chrono::Utc::now()).unwrap();
        let client = if confidential {
            ClientConfig {
                client_id: CONFIDENTIAL_CLIENT_ID.into(),
                client_secret: Some(ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET)),
                redirect_uri: None,
            }
        } else {
            ClientConfig::new(PUBLIC_CLIENT_ID)
        };
        let store = FileStore::new(self.token_file());
        let stored = tokens.clone();
        store
            .update(move |record| {
                record.client = Some(client);
                record.token = Some(stored);
            })
            .await
            .unwrap();
        tokens
    }
}

/// A finished run: exit code and the two streams as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code; stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Neither stream contains any of `secrets`.
    #[track_caller]
    pub fn assert_hides(&self, secrets: &[&str]) -> &Self {
        for secret in secrets {
            assert!(!secret.is_empty());
            assert!(!self.stdout.contains(secret), "stdout shows a secret:\n{}", self.stdout);
            assert!(!self.stderr.contains(secret), "stderr shows a secret:\n{}", self.stderr);
        }
        self
    }
}

/// A `fitbit login` in progress, with the URL it printed.
pub struct LoginRun {
    pub child: Child,
    pub url: String,
    stdout: BufReader<ChildStdout>,
    stderr: tokio::task::JoinHandle<String>,
}

impl LoginRun {
    /// Starts `fitbit login <args>` and reads the first line of its stdout.
    pub async fn start(scratch: &Scratch, mock: &MockFitbit, args: &[&str]) -> Self {
        Self::spawn(scratch.fitbit(mock, &[&["login", "--no-browser"], args].concat())).await
    }

    /// Starts a prepared `fitbit login --no-browser …` command.
    pub async fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let stderr = child.stderr.take().unwrap();
        let stderr = tokio::spawn(read_all(stderr));
        let mut url = String::new();
        tokio::time::timeout(HANG_GUARD, stdout.read_line(&mut url)).await.expect("a line").unwrap();
        Self { child, url: url.trim_end_matches('\n').to_string(), stdout, stderr }
    }

    /// Waits for the exit; returns the code, the rest of stdout and all of stderr.
    pub async fn finish(mut self) -> Run {
        let status = tokio::time::timeout(HANG_GUARD, self.child.wait()).await.expect("login ended").unwrap();
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).await.unwrap();
        let stderr = self.stderr.await.unwrap();
        Run { code: status.code(), stdout: rest, stderr }
    }
}

async fn read_all(mut stderr: ChildStderr) -> String {
    let mut text = String::new();
    let _ = stderr.read_to_string(&mut text).await;
    text
}

/// An HTTP client that does not follow redirects (the test plays the browser).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Opens the consent page like a browser whose user answers at once;
/// returns the `Location` Fitbit sends the browser to.
pub async fn consent(url: &str) -> String {
    let response = browser().get(url).send().await.expect("authorize answers");
    assert_eq!(response.status(), 302, "authorize redirects");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// GETs `url` (a fragment is not sent); returns the status and the body.
pub async fn get(url: &str) -> (u16, String) {
    let response = browser().get(url).send().await.expect("the listener answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The file mode bits (Unix).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
pub mod google;

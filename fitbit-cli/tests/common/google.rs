//! Running `fitbit health …` against the loopback stand-in for Google.

use std::path::PathBuf;
use std::process::Stdio;

use fitbit_auth::{ClientConfig, ClientSecret, FileStore, Provider, TokenSet, TokenStoreExt as _};
use fitbit_tests::mock_google::{DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET, IssuedTokens, MockGoogle};
use serde_json::Value;
use tokio::process::Command;

use super::{HANG_GUARD, Run, Scratch, fitbit_bare};

/// The Google token file in `scratch`.
pub fn google_file(scratch: &Scratch) -> PathBuf {
    scratch.dir.path().join("google.json")
}

/// `fitbit health <args>` against `mock`, with the Google token file of
/// `scratch` (given through FITBIT_HEALTH_TOKEN_FILE, as a user would), run
/// in `scratch`, with piped output and no stdin.
pub fn health(scratch: &Scratch, mock: &MockGoogle, args: &[&str]) -> Command {
    let mut command = fitbit_bare();
    command
        .env_remove("BROWSER")
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env("HOME", scratch.dir.path())
        .env("XDG_CONFIG_HOME", scratch.dir.path().join("config"))
        .env("FITBIT_HEALTH_TOKEN_FILE", google_file(scratch))
        .env("FITBIT_HEALTH_API_URL", mock.base_url())
        .env("FITBIT_GOOGLE_AUTHORIZE_URL", mock.authorize_url())
        .env("FITBIT_GOOGLE_TOKEN_URL", mock.token_url())
        .env("FITBIT_GOOGLE_REVOKE_URL", mock.revoke_url())
        .current_dir(scratch.dir.path())
        .arg("health")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs a prepared command to the end.
pub async fn run(command: &mut Command) -> Run {
    Run::from(tokio::time::timeout(HANG_GUARD * 5, command.output()).await.expect("fitbit finished").unwrap())
}

/// Stdout as JSON.
pub fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}\nstderr:\n{}", run.stdout, run.stderr))
}

/// A Google sign-in of the Desktop client (with its secret) for `grant`,
/// saved as `fitbit health login` would, its access token expiring in
/// `expires_in`.
pub async fn sign_in(
    scratch: &Scratch,
    mock: &MockGoogle,
    grant: &[&str],
    expires_in: chrono::Duration,
) -> IssuedTokens {
    let issued = mock.issue_tokens(DESKTOP_CLIENT_ID, grant);
    let body = serde_json::to_vec(&issued.token_answer()).unwrap();
    let mut tokens = TokenSet::from_token_response(&body, chrono::Utc::now()).unwrap();
    tokens.expires_at = chrono::Utc::now() + expires_in;
    tokens.obtained_at = Some(tokens.expires_at - chrono::Duration::hours(1));
    FileStore::new(google_file(scratch))
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
    issued
}

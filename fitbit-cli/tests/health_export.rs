//! `fitbit health export` end to end against the Google stand-in holding a
//! synthetic year: counts, resuming after kills, incremental runs, refusals.

mod common;

use std::path::{Path, PathBuf};

use common::google::{health, run, sign_in};
use common::{HANG_GUARD, Run, Scratch};
use fitbit_tests::mock_google::{MockGoogle, MockGoogleConfig, scopes};
use fitbit_tests::synthetic_year::{self, Density, YearCounts};
use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;

/// The test's year: heart rate every 60 s (the benchmark reads the issue's
/// 5-second year), steps every minute, nightly sleep, daily weight.
const DENSITY: Density = Density { heart_rate_every_secs: 60, days: 365 };
const TYPES: &str = "heart-rate,steps,sleep,weight";
const SINCE: &str = "2025-01-01";
const UNTIL: &str = "2026-01-01";

fn db_file(scratch: &Scratch) -> PathBuf {
    scratch.dir.path().join("export.sqlite")
}

fn export_args(scratch: &Scratch) -> Vec<String> {
    [
        "export",
        "--db",
        db_file(scratch).to_str().unwrap(),
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--types",
        TYPES,
        "--json-progress",
    ]
    .map(String::from)
    .to_vec()
}

async fn year(scratch: &Scratch) -> (MockGoogle, YearCounts) {
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    let counts = synthetic_year::install(&mock, DENSITY);
    sign_in(
        scratch,
        &mock,
        &[
            scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY,
            scopes::ACTIVITY_AND_FITNESS_READONLY,
            scopes::SLEEP_READONLY,
        ],
        chrono::Duration::hours(1),
    )
    .await;
    (mock, counts)
}

fn counts_in(db: &Path) -> YearCounts {
    let conn = rusqlite_count(db);
    YearCounts {
        heart_rate: conn("heart_rate"),
        steps: conn("steps"),
        sleep: conn("sleep"),
        weight: conn("weight"),
    }
}

fn rusqlite_count(db: &Path) -> impl Fn(&str) -> u64 + '_ {
    move |table| {
        let output = std::process::Command::new("python3")
            .args(["-c", &format!("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*), count(distinct name) from {table}').fetchone())"), db.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let (count, distinct) = text.trim().trim_matches(|c| c == '(' || c == ')').split_once(", ").unwrap();
        assert_eq!(count, distinct, "{table}: no duplicates");
        count.parse().unwrap()
    }
}

fn summary(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("the summary is JSON ({err}):\n{}\n{}", run.stdout, run.stderr))
}

#[tokio::test]
async fn a_synthetic_year_ends_up_whole_and_a_second_run_adds_nothing() {
    let scratch = Scratch::new();
    let (mock, counts) = year(&scratch).await;
    let args = export_args(&scratch);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = run(&mut health(&scratch, &mock, &args)).await;
    first.assert_code(0);
    assert_eq!(counts_in(&db_file(&scratch)), counts);
    let report = summary(&first);
    let calls = report["calls"].as_u64().unwrap();
    assert!(calls <= counts.minimum_calls() + 2, "{calls} calls for a minimum of {}", counts.minimum_calls());
    eprintln!("first run: {calls} calls, minimum {}", counts.minimum_calls());
    let points: u64 = report["types"].as_array().unwrap().iter().map(|t| t["points"].as_u64().unwrap()).sum();
    assert_eq!(points, counts.heart_rate + counts.steps + counts.sleep + counts.weight);

    let second = run(&mut health(&scratch, &mock, &args)).await;
    second.assert_code(0);
    let report = summary(&second);
    let rows: u64 =
        report["types"].as_array().unwrap().iter().map(|t| t["rows_written"].as_u64().unwrap()).sum();
    assert_eq!(rows, 0, "nothing new");
    assert!(report["calls"].as_u64().unwrap() <= 6, "{report}");
    assert_eq!(counts_in(&db_file(&scratch)), counts);
}

/// Runs the export until its `after_pages`-th page is reported on stderr,
/// then sends `signal` (KILL or INT) and waits for the process to end.
async fn export_killed_after(
    scratch: &Scratch,
    mock: &MockGoogle,
    after_pages: usize,
    signal: &str,
) -> usize {
    let args = export_args(scratch);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = health(scratch, mock, &args).spawn().unwrap();
    let pid = child.id().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut pages = 0;
    while let Some(line) = tokio::time::timeout(HANG_GUARD, lines.next_line()).await.unwrap().unwrap() {
        if line.contains(r#""event":"page""#) {
            pages += 1;
            if pages == after_pages {
                let status = std::process::Command::new("kill")
                    .args([&format!("-{signal}"), &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(status.success());
                break;
            }
        }
    }
    let status = tokio::time::timeout(HANG_GUARD, child.wait()).await.unwrap().unwrap();
    assert!(!status.success(), "the export was stopped by {signal}");
    pages
}

#[tokio::test]
async fn an_export_killed_at_any_page_resumes_without_duplicates_or_gaps() {
    let scratch = Scratch::new();
    let (mock, counts) = year(&scratch).await;
    // Three interruptions at scattered pages, two of them kill -9, then a run to the end.
    for (after, signal) in [(7, "KILL"), (23, "INT"), (41, "KILL")] {
        assert_eq!(export_killed_after(&scratch, &mock, after, signal).await, after);
    }
    let args = export_args(&scratch);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let last = run(&mut health(&scratch, &mock, &args)).await;
    last.assert_code(0);
    assert_eq!(counts_in(&db_file(&scratch)), counts);
    // The resumed runs went on from their checkpoints: far fewer pages than
    // four whole exports.
    let list_calls = mock.requests().iter().filter(|r| r.path.ends_with("/dataPoints")).count() as u64;
    assert!(list_calls < counts.minimum_calls() + 3 * 2 + 8, "{list_calls} list calls");
}

#[tokio::test]
async fn types_the_scopes_do_not_allow_are_skipped_and_foreign_files_refused() {
    let scratch = Scratch::new();
    let mock = MockGoogle::start(MockGoogleConfig::default()).await;
    sign_in(&scratch, &mock, &[scopes::SLEEP_READONLY, scopes::PROFILE_READONLY], chrono::Duration::hours(1))
        .await;
    // Every type by default: only sleep is readable with this grant.
    let db = db_file(&scratch);
    let all =
        run(&mut health(&scratch, &mock, &["export", "--db", db.to_str().unwrap(), "--json-progress"])).await;
    all.assert_code(0);
    let report = summary(&all);
    let exported: Vec<&str> =
        report["types"].as_array().unwrap().iter().map(|t| t["data_type"].as_str().unwrap()).collect();
    assert_eq!(exported, ["sleep"]);
    let skipped = report["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["data_type"] == "heart-rate"
            && s["reason"].as_str().unwrap().contains("health_metrics_and_measurements.readonly")),
        "{report}"
    );
    assert!(all.stderr.contains("Skipped heart-rate"), "{}", all.stderr);
    assert_eq!(rusqlite_count(&db)("sleep"), mock.points("sleep").len() as u64);

    // A file that is not ours is refused and left as it was.
    let notes = scratch.dir.path().join("notes.sqlite");
    std::fs::write(&notes, "not a database").unwrap();
    let refused = run(&mut health(&scratch, &mock, &["export", "--db", notes.to_str().unwrap()])).await;
    refused.assert_code(1);
    assert!(refused.stderr.contains("not an SQLite database"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "not a database");

    // A revoked grant stops the export with the sign-in message; what was written stays.
    mock.revoke_all_grants();
    mock.expire_access_tokens();
    let stopped =
        run(&mut health(&scratch, &mock, &["export", "--db", db.to_str().unwrap(), "--json-progress"])).await;
    stopped.assert_code(3);
    assert!(stopped.stderr.contains("fitbit health login"), "{}", stopped.stderr);
    assert_eq!(rusqlite_count(&db)("sleep"), mock.points("sleep").len() as u64);
}

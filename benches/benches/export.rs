//! `fitbit health export`, two figures:
//!
//! - **ingest**: 1,000,000 heart-rate points (as the client hands them over,
//!   JSON) written through `fitbit_export::Database::write_points` in pages of
//!   10,000, each page a transaction with its checkpoint; the floor is a bare
//!   rusqlite loop inserting the same rows (values already extracted) with
//!   one prepared statement in one transaction. Interleaved rounds, each in
//!   a fresh file; the ratio is taken within each round. Goal ≤ 1.5×.
//! - **calls**: the whole export of the synthetic year (heart rate every 5 s,
//!   minute steps, nightly sleep, daily weight) against the Google stand-in,
//!   as a ratio to the minimum (points ÷ the largest page per type). Goal ≤ 1.1×.
//!
//! `cargo bench -p fitbit-benches --bench export`

use std::time::Instant;

use fitbit_auth::{
    ClientConfig, ClientSecret, FileStore, OAuthClient, Provider, Session, TokenSet, TokenStoreExt as _,
};
use fitbit_benches::report::{Spread, Summary, interleaved_rounds, measuring, verdict};
use fitbit_export::{Checkpoint, Database, ExportOptions, Mode, Progress, Query, schema};
use fitbit_health::DataType;
use fitbit_tests::mock_google::{
    DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET, MockGoogle, MockGoogleConfig, scopes,
};
use fitbit_tests::synthetic_year::{self, Density};
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

const POINTS: usize = 1_000_000;
const PAGE: usize = 10_000;
const ROUNDS: usize = 5;

fn heart_rate_points() -> Vec<Value> {
    let first = synthetic_year::first_day();
    (0..POINTS)
        .map(|i| {
            let at = first + chrono::Duration::seconds(5 * i as i64);
            json!({
                "name": format!("users/4815162342/dataTypes/heart-rate/dataPoints/hr-{i:09}"),
                "heartRate": {
                    "sampleTime": { "physicalTime": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "utcOffset": "3600s" },
                    "beatsPerMinute": (60 + i % 40).to_string()
                },
                "dataSource": { "platform": "FITBIT", "recordingMethod": "PASSIVELY_MEASURED",
                    "device": { "displayName": "Charge 6", "formFactor": "FITNESS_BAND", "manufacturer": "Fitbit" } }
            })
        })
        .collect()
}

/// The ingest path: pages with checkpoints. Returns rows written.
fn ingest(points: &[Value]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Database::open(&dir.path().join("ingest.sqlite")).unwrap();
    db.ensure_tables(DataType::HeartRate, Mode::Points).unwrap();
    let pages = points.chunks(PAGE).count();
    let mut written = 0;
    for (i, page) in points.chunks(PAGE).enumerate() {
        let checkpoint = if i + 1 == pages {
            Checkpoint::Done { done_until: "2025-03-01T00:00:00Z".into() }
        } else {
            Checkpoint::Continue(Query { start: "a".into(), end: "b".into(), page_token: format!("p{i}") })
        };
        written += db.write_points(DataType::HeartRate, page, &checkpoint).unwrap();
    }
    written
}

/// The floor: the same rows, values in hand, one statement, one transaction.
fn bare(rows: &[Vec<Sql>], names: &[String]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("bare.sqlite")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(&schema::create_table(DataType::HeartRate)).unwrap();
    let sql = format!(
        "INSERT INTO heart_rate ({}) VALUES ({})",
        names.join(", "),
        (1..=names.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
    );
    let tx = conn.transaction().unwrap();
    let mut written = 0;
    {
        let mut insert = tx.prepare(&sql).unwrap();
        for row in rows {
            written += insert.execute(rusqlite::params_from_iter(row.iter())).unwrap();
        }
    }
    tx.commit().unwrap();
    written
}

/// The rows the floor inserts: what `write_points` extracts, extracted once.
fn floor_rows(points: &[Value]) -> (Vec<String>, Vec<Vec<Sql>>) {
    let columns = schema::columns(DataType::HeartRate, false);
    let mut names: Vec<String> =
        ["name", "time_utc", "utc_offset_seconds", "source_platform", "source_device", "raw_json"]
            .map(String::from)
            .to_vec();
    names.extend(columns.iter().map(|c| c.name.clone()));
    let rows = points
        .iter()
        .map(|point| {
            let member = &point["heartRate"];
            let (time, offset) = schema::point_time(DataType::HeartRate, member);
            let mut row = vec![
                Sql::Text(point["name"].as_str().unwrap().to_string()),
                time,
                offset,
                Sql::Text("FITBIT".into()),
                Sql::Text("Charge 6".into()),
                Sql::Text(point.to_string()),
            ];
            row.extend(columns.iter().map(|c| schema::column_value(member, c)));
            row
        })
        .collect();
    (names, rows)
}

struct Quiet;
impl Progress for Quiet {}

async fn calls_for_the_year() -> (u64, u64, u64, f64) {
    let mock =
        MockGoogle::start(MockGoogleConfig { rate_limit_per_minute: None, ..MockGoogleConfig::default() })
            .await;
    let counts = synthetic_year::install(&mock, Density::default());
    let dir = tempfile::tempdir().unwrap();
    let issued = mock.issue_tokens(
        DESKTOP_CLIENT_ID,
        &[
            scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY,
            scopes::ACTIVITY_AND_FITNESS_READONLY,
            scopes::SLEEP_READONLY,
        ],
    );
    let tokens = TokenSet::from_token_response(
        &serde_json::to_vec(&issued.token_answer()).unwrap(),
        chrono::Utc::now(),
    )
    .unwrap();
    let store = FileStore::new(dir.path().join("google.json"));
    store
        .update(|record| {
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
    let oauth = OAuthClient::google(DESKTOP_CLIENT_ID)
        .client_secret(DESKTOP_CLIENT_SECRET)
        .base_url(&mock.base_url())
        .build()
        .unwrap();
    let client = fitbit_health::Client::builder()
        .session(Session::new(oauth, store))
        .endpoint(mock.base_url())
        .build()
        .await
        .unwrap();
    let mut db = Database::open(&dir.path().join("year.sqlite")).unwrap();
    let options = ExportOptions {
        since: Some(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
        until: Some(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        types: Some(vec![DataType::HeartRate, DataType::Steps, DataType::Sleep, DataType::Weight]),
        // The stand-in has no per-minute limit here; pacing would only add waiting.
        requests_per_minute: 300,
        ..ExportOptions::default()
    };
    let started = Instant::now();
    let summary = fitbit_export::export(&client, &mut db, &options, &mut Quiet).await.unwrap();
    let points = counts.heart_rate + counts.steps + counts.sleep + counts.weight;
    assert_eq!(summary.points(), points, "the export read every point");
    (summary.calls, counts.minimum_calls(), points, started.elapsed().as_secs_f64())
}

fn main() {
    if !measuring() {
        return;
    }
    let mut summary = Summary::default();

    let points = heart_rate_points();
    let (names, rows) = floor_rows(&points);
    let results = interleaved_rounds(ROUNDS, 2, |case| {
        let started = Instant::now();
        let written = if case == 0 { bare(&rows, &names) } else { ingest(&points) };
        assert_eq!(written, POINTS);
        started.elapsed().as_secs_f64()
    });
    let spread = Spread::of(results.iter().map(|round| round[1] / round[0])).unwrap();
    let floor = Spread::of(results.iter().map(|round| round[0])).unwrap();
    let ours = Spread::of(results.iter().map(|round| round[1])).unwrap();
    summary.line(format!(
        "ingest 1,000,000 heart-rate points: write_points / bare prepared-insert loop = {spread}   \
         [{:.2} s vs {:.2} s]; goal ≤ 1.5×: {}",
        ours.median,
        floor.median,
        verdict(spread.median <= 1.5)
    ));

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (calls, minimum, points, seconds) = runtime.block_on(calls_for_the_year());
    let ratio = calls as f64 / minimum as f64;
    summary.line(format!(
        "calls for the synthetic year ({points} points): {calls} calls / minimum {minimum} = {ratio:.3}×   \
         [{seconds:.1} s]; goal ≤ 1.1×: {}",
        verdict(ratio <= 1.1)
    ));
    summary.print("export");
}

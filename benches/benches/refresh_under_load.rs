//! Refresh under load: 1,000 concurrent `get_profile` calls through one
//! client with a refreshing session (token file on disk), against the strict
//! loopback stand-in for Fitbit (`fitbit_tests::mock_fitbit`). The floor is
//! the same 1,000 calls with a valid token; then
//!
//! - `expired_at_fitbit`: the token still looks valid locally but Fitbit
//!   answers `401 expired_token`, so every call is sent, refused, and retried
//!   after one shared refresh;
//! - `expired_locally`: the token has expired by the local clock, so the
//!   calls wait for one proactive refresh before anything is sent.
//!
//! Every round is checked to have caused exactly one refresh (none for the
//! floor) before its time counts.
//!
//! `cargo bench -p fitbit-benches --bench refresh_under_load`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode};
use fitbit_api::Client;
use fitbit_api::prelude::*;
use fitbit_auth::{FileStore, OAuthClient, Session, TokenSet};
use fitbit_benches::report::{Run, Spread, Summary, human_ns, interleaved_rounds, measuring};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit, REDIRECT_URI,
};

const GROUP: &str = "refresh_1000_concurrent";
const CALLS: usize = 1_000;
const VALID: &str = "valid_token";
const EXPIRED_AT_FITBIT: &str = "expired_at_fitbit";
const EXPIRED_LOCALLY: &str = "expired_locally";
const ROUNDS: usize = 20;

/// A mock, a session over a token file holding its tokens, and a client.
struct Setup {
    mock: MockFitbit,
    session: Session,
    client: Arc<Client>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    // The quota must not be what the calls meet.
    let mock =
        MockFitbit::start(MockConfig { rate_limit_per_hour: 1_000_000_000, ..MockConfig::default() }).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);
    let answer = serde_json::to_vec(&issued.token_answer()).expect("JSON");
    let tokens =
        TokenSet::from_token_response(&answer, chrono::Utc::now()).expect("the mock's answer parses");
    let oauth = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID)
        .client_secret(CONFIDENTIAL_CLIENT_SECRET)
        .redirect_uri(REDIRECT_URI)
        .base_url(&mock.base_url())
        .build()
        .expect("an OAuth client");
    let session = Session::new(oauth, FileStore::new(dir.path().join("credentials.json")));
    session.save_tokens(tokens).await.expect("tokens saved");
    let client =
        Client::builder().base_url(mock.base_url()).authorizer(session.clone()).build().expect("a client");
    Setup { mock, session, client: Arc::new(client), _dir: dir }
}

/// Makes the next round meet the token state `id` names (untimed).
async fn prepare(setup: &Setup, id: &str) {
    setup.mock.clear_requests();
    match id {
        EXPIRED_AT_FITBIT => setup.mock.expire_access_tokens(),
        EXPIRED_LOCALLY => {
            let mut tokens = setup.session.tokens().await.expect("the store").expect("tokens");
            tokens.expires_at = chrono::Utc::now() - chrono::Duration::minutes(1);
            setup.session.save_tokens(tokens).await.expect("tokens saved");
        }
        _ => {}
    }
}

/// One round: `CALLS` concurrent calls; returns their wall time.
async fn round(setup: &Setup, id: &str) -> Duration {
    prepare(setup, id).await;
    let before = setup.mock.counters();
    let started = Instant::now();
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = setup.client.clone();
            tokio::spawn(async move { client.get_profile().send().await.map(|p| p.into_inner()) })
        })
        .collect();
    for call in calls {
        let profile = call.await.expect("no panic").expect("every call succeeds");
        assert!(profile.user.encoded_id.is_some());
    }
    let elapsed = started.elapsed();
    let after = setup.mock.counters();
    let refreshes = after.refresh_requests - before.refresh_requests;
    let expected = if id == VALID { 0 } else { 1 };
    assert_eq!(refreshes, expected, "{id}: refreshes in one round of {CALLS} calls ({after:?})");
    assert_eq!(after.refresh_refusals, 0, "{after:?}");
    elapsed
}

fn bench_round(group: &mut BenchmarkGroup<'_, WallTime>, runtime: &tokio::runtime::Runtime, case: &Case) {
    group.bench_function(case.id, |b| {
        b.iter_custom(|rounds| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..rounds {
                    total += round(&case.setup, case.id).await;
                }
                total
            })
        })
    });
}

/// One token state, with its own mock so that the cases do not share state.
struct Case {
    id: &'static str,
    setup: Setup,
}

fn main() {
    let run = Run::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let cases: Vec<Case> = [VALID, EXPIRED_AT_FITBIT, EXPIRED_LOCALLY]
        .into_iter()
        .map(|id| {
            let setup = runtime.block_on(setup());
            // Open the connections once, untimed, and check the round before measuring it.
            runtime.block_on(round(&setup, VALID));
            runtime.block_on(round(&setup, id));
            Case { id, setup }
        })
        .collect();

    let mut c = run.criterion(|c| {
        c.sample_size(20).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(12))
    });
    let mut group = c.benchmark_group(GROUP);
    // Each iteration is a round of a thousand calls: equal-sized samples.
    group.sampling_mode(SamplingMode::Flat);
    for case in &cases {
        bench_round(&mut group, &runtime, case);
    }
    group.finish();
    c.final_summary();

    let mut summary = Summary::default();
    summary.line(format!("{CALLS} concurrent calls, exactly one refresh per round (checked every round):"));
    summary.ratio(&run, GROUP, EXPIRED_AT_FITBIT, VALID);
    summary.ratio(&run, GROUP, EXPIRED_LOCALLY, VALID);
    if measuring() {
        let rounds = interleaved_rounds(ROUNDS, cases.len(), |case| {
            runtime.block_on(round(&cases[case].setup, cases[case].id)).as_secs_f64()
        });
        summary.line(format!("interleaved rounds, ratios to {VALID}:"));
        let time = |case: usize| Spread::of(rounds.iter().map(|r| r[case])).map_or(0.0, |s| s.median);
        for (index, case) in cases.iter().enumerate().skip(1) {
            if let Some(ratio) = Spread::of(rounds.iter().map(|r| r[index] / r[0])) {
                summary.line(format!(
                    "  {}: {ratio}   [{} vs {}]",
                    case.id,
                    human_ns(time(index) * 1e9),
                    human_ns(time(0) * 1e9)
                ));
            }
        }
    }
    summary.print("refresh under load");
}

//! Per-request overhead: `client.get_profile().send()` through the generated
//! client (auth middleware with a refreshing session, rate-limit governor,
//! retry loop, tracing span, typed decode) against a plain `reqwest` GET of
//! the same URL with the same bearer header (the floor), on a loopback server
//! that answers every request with the same small body. At 1 and 64
//! concurrent tasks: median latency ratio and throughput ratio.
//!
//! Two references split the overhead: a plain GET whose body is then decoded
//! into the same `ProfileResponse` (the cost of the typed answer alone), and
//! the client with a static token instead of the session.
//!
//! `cargo bench -p fitbit-benches --bench request_overhead`

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use fitbit_api::prelude::*;
use fitbit_api::types::ProfileResponse;
use fitbit_auth::{MemoryStore, OAuthClient, Session, TokenSet};
use fitbit_benches::loopback::FixedBodyServer;
use fitbit_benches::report::{Ratio, Run, Summary, verdict};

const TOKEN: &str = "bench-access-token";
/// The floor: a plain reqwest GET, body read.
const PLAIN: &str = "plain_reqwest";
/// The floor plus decoding the body into `ProfileResponse`.
const PLAIN_TYPED: &str = "plain_reqwest_typed";
/// The generated client with a fixed token.
const API_STATIC_TOKEN: &str = "fitbit_api_static_token";
/// The generated client with a refreshing session: what is measured.
const API: &str = "fitbit_api_session";
const CONCURRENCY: [usize; 2] = [1, 64];
/// Per-request latencies recorded while criterion ran, by (group, id).
type Latencies = Mutex<Vec<((String, &'static str), Vec<Duration>)>>;

fn group_name(concurrency: usize) -> String {
    format!("get_profile_c{concurrency}")
}

/// A session holding a valid token (eight hours), so that every request
/// takes the session's fast path, as it does between refreshes.
fn session(base_url: &str) -> Session {
    let answer = format!(
        r#"{{"access_token":"{TOKEN}","expires_in":28800,"refresh_token":"bench-refresh-token","scope":"profile","token_type":"Bearer","user_id":"GGNJL9"}}"#
    );
    let tokens = TokenSet::from_token_response(answer.as_bytes(), Utc::now()).expect("a valid token answer");
    let oauth = OAuthClient::builder("23BNCH").client_secret("bench-secret").base_url(base_url).build();
    Session::new(oauth.expect("an OAuth client"), MemoryStore::with_tokens(tokens))
}

/// Runs `total` requests spread over `concurrency` tasks; returns the wall
/// time and each request's latency.
async fn run_requests<F, Fut>(concurrency: usize, total: u64, request: F) -> (Duration, Vec<Duration>)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (issued, request) = (issued.clone(), request.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while issued.fetch_add(1, Ordering::Relaxed) < total {
                    let sent = Instant::now();
                    request().await;
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total as usize);
    for worker in workers {
        latencies.extend(worker.await.expect("a request task panicked"));
    }
    (started.elapsed(), latencies)
}

fn median(mut samples: Vec<Duration>) -> Option<Duration> {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied()
}

/// Measures `request` as `group/id`: criterion's time per iteration is the
/// wall time over the requests made, and each latency is kept for the medians.
fn bench_requests<F, Fut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &'static str,
    runtime: &tokio::runtime::Runtime,
    concurrency: usize,
    latencies: &Latencies,
    request: F,
) where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    // Answers correctly before it is measured.
    runtime.block_on(request.clone()());
    let name = group_name(concurrency);
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let (wall, samples) = runtime.block_on(run_requests(concurrency, iters, request.clone()));
            latencies.lock().unwrap_or_else(PoisonError::into_inner).push(((name.clone(), id), samples));
            wall
        })
    });
}

fn main() {
    let run = Run::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let server = runtime.block_on(FixedBodyServer::start()).expect("a loopback port");
    let base_url = server.base_url();
    let url = format!("{base_url}/1/user/-/profile.json");

    // Every caller gets a reqwest client configured as the SDK configures its
    // own (connect and request time-outs), each with its own connection pool.
    let http = || {
        reqwest::Client::builder()
            .connect_timeout(fitbit_api::DEFAULT_TIMEOUT)
            .timeout(fitbit_api::DEFAULT_TIMEOUT)
            .build()
            .expect("a reqwest client")
    };
    // The server reports a budget of a billion requests, so the governor
    // reads and counts on every request but never holds one back.
    let api = |builder: fitbit_api::ClientBuilder| {
        builder.base_url(&base_url).http_client(http()).build().expect("a client")
    };
    let with_session = api(fitbit_api::Client::builder().authorizer(session(&base_url)));
    let with_static_token = api(fitbit_api::Client::builder().bearer_token(TOKEN));

    let plain_get = |http: reqwest::Client, url: String| {
        move || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let answer = http.get(url).bearer_auth(TOKEN).send().await.expect("a loopback answer");
                answer.error_for_status().expect("200").bytes().await.expect("a body")
            }
        }
    };
    let plain = {
        let get = plain_get(http(), url.clone());
        move || {
            let get = get.clone();
            async move {
                assert!(!get().await.is_empty());
            }
        }
    };
    let plain_typed = {
        let get = plain_get(http(), url.clone());
        move || {
            let get = get.clone();
            async move {
                let body = get().await;
                let profile: ProfileResponse = serde_json::from_slice(&body).expect("a profile");
                assert!(profile.user.encoded_id.is_some());
            }
        }
    };
    let api_get = |client: fitbit_api::Client| {
        move || {
            let client = client.clone();
            async move {
                let profile = client.get_profile().send().await.expect("a typed profile");
                assert!(profile.user.encoded_id.is_some());
            }
        }
    };

    let latencies: Latencies = Mutex::default();
    let mut c = run.criterion(|c| {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5))
    });
    for concurrency in CONCURRENCY {
        let mut group = c.benchmark_group(group_name(concurrency));
        let (runtime, latencies) = (&runtime, &latencies);
        let this_group = &mut group;
        bench_requests(this_group, PLAIN, runtime, concurrency, latencies, plain.clone());
        bench_requests(this_group, PLAIN_TYPED, runtime, concurrency, latencies, plain_typed.clone());
        let static_token = api_get(with_static_token.clone());
        bench_requests(this_group, API_STATIC_TOKEN, runtime, concurrency, latencies, static_token);
        bench_requests(this_group, API, runtime, concurrency, latencies, api_get(with_session.clone()));
        group.finish();
    }
    c.final_summary();

    let latencies = latencies.into_inner().unwrap_or_else(PoisonError::into_inner);
    let median_latency = |group: &str, id: &str| {
        let samples: Vec<Duration> = latencies
            .iter()
            .filter(|((g, i), _)| g == group && *i == id)
            .flat_map(|(_, samples)| samples.iter().copied())
            .collect();
        median(samples)
    };
    let mut summary = Summary::default();
    for concurrency in CONCURRENCY {
        let name = group_name(concurrency);
        summary.line(format!("{concurrency} concurrent task(s), median latency / plain_reqwest's:"));
        let Some(floor) = median_latency(&name, PLAIN) else { continue };
        for id in [PLAIN_TYPED, API_STATIC_TOKEN, API] {
            let Some(latency) = median_latency(&name, id) else { continue };
            summary.line(format!(
                "  {id} = {:.3}×   [{:.1} µs vs {:.1} µs]",
                latency.as_secs_f64() / floor.as_secs_f64(),
                latency.as_secs_f64() * 1e6,
                floor.as_secs_f64() * 1e6
            ));
        }
        if let Some(latency) = median_latency(&name, API) {
            let ratio = latency.as_secs_f64() / floor.as_secs_f64();
            summary.line(format!("  target {API} ≤ 1.10×: {}", verdict(ratio <= 1.10)));
        }
        summary.line(format!("{concurrency} concurrent task(s), throughput / plain_reqwest's:"));
        for id in [PLAIN_TYPED, API_STATIC_TOKEN, API] {
            // Criterion's time per iteration is wall time per request: the inverse of throughput.
            let (Some(measured), Some(floor)) = (run.median(&name, id), run.median(&name, PLAIN)) else {
                continue;
            };
            let time = Ratio::of(measured, floor);
            summary.line(format!(
                "  {id} = {:.3}× ({:.3}–{:.3})   [{:.0} vs {:.0} requests/s]",
                1.0 / time.point,
                1.0 / time.upper,
                1.0 / time.lower,
                1e9 / measured.point,
                1e9 / floor.point
            ));
        }
    }
    summary.print("per-request overhead");
    drop(server);
}

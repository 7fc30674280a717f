//! Per-request overhead: `client.get_profile().send()` through the generated
//! client (auth middleware with a refreshing session, rate-limit governor,
//! retry loop, tracing span, typed decode) against a plain `reqwest` GET of
//! the same URL with the same bearer header (the floor), on a loopback server
//! that answers every request with the same small body. At 1 and 64
//! concurrent tasks: median latency ratio and throughput ratio.
//!
//! Two references split the overhead: a plain GET whose body is then decoded
//! into the same `ProfileResponse` (the cost of the typed answer alone), and
//! the client with a static token instead of the session. A control measures
//! the noise: the floor again, with a reqwest client of its own. Throughput
//! is "equal within noise" when its ratio is no further from 1 than the
//! control's middle half reaches.
//!
//! Criterion measures time per request (the inverse of throughput); then
//! interleaved rounds of a fixed number of requests per case give the
//! latency and throughput ratios within each round. Last, the floor and the
//! session client meet a second server that takes 5 ms to answer, so that
//! the server rather than the CPU sets the pace (interleaved rounds only).
//!
//! `cargo bench -p fitbit-benches --bench request_overhead`

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use fitbit_api::prelude::*;
use fitbit_api::types::ProfileResponse;
use fitbit_benches::clients::{TOKEN, decode_as_the_client, http_client, session};
use fitbit_benches::loopback::FixedBodyServer;
use fitbit_benches::report::{Run, Spread, Summary, interleaved_rounds, measuring, verdict};

/// The floor: a plain reqwest GET, body read.
const PLAIN: &str = "plain_reqwest";
/// The floor again, with a reqwest client of its own: nothing differs, so
/// its ratio to the floor is the noise a ratio has on this machine.
const PLAIN_AGAIN: &str = "plain_reqwest_again";
/// The floor plus decoding the body into `ProfileResponse`.
const PLAIN_TYPED: &str = "plain_reqwest_typed";
/// The generated client with a fixed token.
const API_STATIC_TOKEN: &str = "fitbit_api_static_token";
/// The generated client with a refreshing session: what is measured.
const API: &str = "fitbit_api_session";
/// The cases of the interleaved rounds (criterion measures all but the
/// second floor).
const CASES: [&str; 5] = [PLAIN, PLAIN_AGAIN, PLAIN_TYPED, API_STATIC_TOKEN, API];
const CONCURRENCY: [usize; 2] = [1, 64];
const ROUNDS: usize = 15;
/// Requests per case and round, by concurrency: about 50 to 100 ms.
fn requests_per_round(concurrency: usize) -> u64 {
    if concurrency == 1 { 2_000 } else { 6_000 }
}

fn group_name(concurrency: usize) -> String {
    format!("get_profile_c{concurrency}")
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

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// One case's round: median latency and requests per second.
#[derive(Debug, Clone, Copy)]
struct RoundResult {
    median_latency: Duration,
    throughput: f64,
}

/// Runs `total` requests of `request` at `concurrency` and summarizes them.
fn round<F, Fut>(runtime: &tokio::runtime::Runtime, concurrency: usize, total: u64, request: F) -> RoundResult
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (wall, latencies) = runtime.block_on(run_requests(concurrency, total, request));
    RoundResult { median_latency: median(latencies), throughput: total as f64 / wall.as_secs_f64() }
}

/// The floor's request: a plain reqwest GET with the bearer header, body read.
async fn plain_get(http: reqwest::Client, url: String) -> bytes::Bytes {
    let answer = http.get(url).bearer_auth(TOKEN).send().await.expect("a loopback answer");
    answer.error_for_status().expect("200").bytes().await.expect("a body")
}

/// The measured request: `get_profile` through the generated client.
async fn typed_profile(client: fitbit_api::Client) {
    let profile = client.get_profile().send().await.expect("a typed profile");
    assert!(profile.user.encoded_id.is_some());
}

/// Case `case`'s median latency over the floor's (case 0), round by round.
fn latency_ratio(rounds: &[Vec<RoundResult>], case: usize) -> Option<Spread> {
    Spread::of(
        rounds.iter().map(|r| r[case].median_latency.as_secs_f64() / r[0].median_latency.as_secs_f64()),
    )
}

/// Case `case`'s throughput over the floor's (case 0), round by round.
fn throughput_ratio(rounds: &[Vec<RoundResult>], case: usize) -> Option<Spread> {
    Spread::of(rounds.iter().map(|r| r[case].throughput / r[0].throughput))
}

/// Measures `request` as `group/id`: criterion's time per iteration is the
/// wall time over the requests made.
fn bench_requests<F, Fut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &'static str,
    runtime: &tokio::runtime::Runtime,
    concurrency: usize,
    request: F,
) where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    // Answers correctly before it is measured.
    runtime.block_on(request.clone()());
    group.bench_function(id, |b| {
        b.iter_custom(|iters| runtime.block_on(run_requests(concurrency, iters, request.clone())).0)
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
    // The server reports a budget of a billion requests, so the governor
    // reads and counts on every request but never holds one back.
    let api = |builder: fitbit_api::ClientBuilder| {
        builder.base_url(&base_url).http_client(http_client()).build().expect("a client")
    };
    let with_session = api(fitbit_api::Client::builder().authorizer(session(&base_url)));
    let with_static_token = api(fitbit_api::Client::builder().bearer_token(TOKEN));

    // The floor as a case, for a server's URL and a reqwest client.
    let plain_body_read = |url: String, http: reqwest::Client| {
        move || {
            let (url, http) = (url.clone(), http.clone());
            async move {
                assert!(!plain_get(http, url).await.is_empty());
            }
        }
    };
    let plain = plain_body_read(url.clone(), http_client());
    let plain_again = plain_body_read(url.clone(), http_client());
    let plain_typed = {
        let (url, http) = (url.clone(), http_client());
        move || {
            let (url, http) = (url.clone(), http.clone());
            async move {
                let profile: ProfileResponse = decode_as_the_client(&plain_get(http, url).await);
                assert!(profile.user.encoded_id.is_some());
            }
        }
    };
    let api_get = |client: fitbit_api::Client| move || typed_profile(client.clone());
    let static_token = api_get(with_static_token);
    let session = api_get(with_session);

    let mut c = run.criterion(|c| {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5))
    });
    for concurrency in CONCURRENCY {
        let mut group = c.benchmark_group(group_name(concurrency));
        let this_group = &mut group;
        bench_requests(this_group, PLAIN, &runtime, concurrency, plain.clone());
        bench_requests(this_group, PLAIN_TYPED, &runtime, concurrency, plain_typed.clone());
        bench_requests(this_group, API_STATIC_TOKEN, &runtime, concurrency, static_token.clone());
        bench_requests(this_group, API, &runtime, concurrency, session.clone());
        group.finish();
    }
    c.final_summary();

    let mut summary = Summary::default();
    for concurrency in CONCURRENCY {
        let name = group_name(concurrency);
        summary.line(format!("{concurrency} concurrent task(s), time per request (criterion):"));
        for id in [PLAIN_TYPED, API_STATIC_TOKEN, API] {
            summary.ratio(&run, &name, id, PLAIN);
        }
        if !measuring() {
            continue;
        }
        let total = requests_per_round(concurrency);
        let rounds = interleaved_rounds(ROUNDS, CASES.len(), |case| match CASES[case] {
            PLAIN => round(&runtime, concurrency, total, plain.clone()),
            PLAIN_AGAIN => round(&runtime, concurrency, total, plain_again.clone()),
            PLAIN_TYPED => round(&runtime, concurrency, total, plain_typed.clone()),
            API_STATIC_TOKEN => round(&runtime, concurrency, total, static_token.clone()),
            _ => round(&runtime, concurrency, total, session.clone()),
        });
        summary.line(format!(
            "{concurrency} concurrent task(s), interleaved rounds of {total} requests per case, ratios to {PLAIN}:"
        ));
        let floor_latency = Spread::of(rounds.iter().map(|r| r[0].median_latency.as_secs_f64()));
        let floor_throughput = Spread::of(rounds.iter().map(|r| r[0].throughput));
        let noise = throughput_ratio(&rounds, 1);
        for (case, id) in CASES.iter().enumerate().skip(1) {
            let (Some(latency), Some(throughput), Some(noise)) =
                (latency_ratio(&rounds, case), throughput_ratio(&rounds, case), noise)
            else {
                continue;
            };
            let absolute = Spread::of(rounds.iter().map(|r| r[case].median_latency.as_secs_f64()));
            let requests = Spread::of(rounds.iter().map(|r| r[case].throughput));
            summary.line(format!(
                "  {id}: median latency {latency}; throughput {throughput}   [{:.1} µs vs {:.1} µs; {:.0} vs {:.0} requests/s]",
                absolute.map_or(0.0, |s| s.median * 1e6),
                floor_latency.map_or(0.0, |s| s.median * 1e6),
                requests.map_or(0.0, |s| s.median),
                floor_throughput.map_or(0.0, |s| s.median),
            ));
            if *id == API {
                summary.line(format!(
                    "  target {API} latency ≤ 1.10×: {}; throughput equal within noise (as far from 1 as {PLAIN_AGAIN}'s middle half at most): {}",
                    verdict(latency.median <= 1.10),
                    verdict(throughput.equal_within_noise(&noise)),
                ));
            }
        }
    }
    if measuring() {
        server_bound(&runtime, &mut summary, plain_body_read);
    }
    summary.print("per-request overhead");
    drop(server);
}

/// How long the second server takes to answer: a twentieth of a real Fitbit
/// round trip, long enough that 64 tasks wait on the server rather than on
/// the 2 cores.
const SERVER_DELAY: Duration = Duration::from_millis(5);
const SERVER_BOUND_CONCURRENCY: usize = 64;
const SERVER_BOUND_REQUESTS: u64 = 3_000;

/// The same two cases, plain reqwest and the session client, at 64 tasks
/// against a server that answers after [`SERVER_DELAY`]: when the server
/// rather than the CPU sets the pace, does the client keep up with plain
/// reqwest? A lock or a queue in the client would show here as lower
/// throughput; CPU overhead alone would not.
fn server_bound<P, F, Fut>(runtime: &tokio::runtime::Runtime, summary: &mut Summary, plain_body_read: P)
where
    P: Fn(String, reqwest::Client) -> F,
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let server = runtime.block_on(FixedBodyServer::answering_after(SERVER_DELAY)).expect("a loopback port");
    let base_url = server.base_url();
    let url = format!("{base_url}/1/user/-/profile.json");
    let client = fitbit_api::Client::builder()
        .authorizer(session(&base_url))
        .base_url(&base_url)
        .http_client(http_client())
        .build()
        .expect("a client");
    let plain = plain_body_read(url.clone(), http_client());
    let plain_again = plain_body_read(url, http_client());
    let api = move || typed_profile(client.clone());
    let (concurrency, total) = (SERVER_BOUND_CONCURRENCY, SERVER_BOUND_REQUESTS);
    // Cases: the floor, the floor again (the noise), the session client.
    let rounds = interleaved_rounds(ROUNDS, 3, |case| match case {
        0 => round(runtime, concurrency, total, plain.clone()),
        1 => round(runtime, concurrency, total, plain_again.clone()),
        _ => round(runtime, concurrency, total, api.clone()),
    });
    let requests =
        |case: usize| Spread::of(rounds.iter().map(|r| r[case].throughput)).map_or(0.0, |s| s.median);
    if let (Some(latency), Some(throughput), Some(noise)) =
        (latency_ratio(&rounds, 2), throughput_ratio(&rounds, 2), throughput_ratio(&rounds, 1))
    {
        summary.line(format!(
            "{concurrency} concurrent tasks, server answering after {} ms, interleaved rounds of {total} requests per case, ratios to {PLAIN}:",
            SERVER_DELAY.as_millis()
        ));
        summary.line(format!("  {PLAIN_AGAIN}: throughput {noise}   [{:.0} requests/s]", requests(1)));
        summary.line(format!(
            "  {API}: median latency {latency}; throughput {throughput}   [{:.0} vs {:.0} requests/s]",
            requests(2),
            requests(0),
        ));
        summary.line(format!(
            "  server-bound: {API} throughput equal within noise (as far from 1 as {PLAIN_AGAIN}'s middle half at most): {}",
            verdict(throughput.equal_within_noise(&noise)),
        ));
    }
    drop(server);
}

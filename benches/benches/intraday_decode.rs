//! Intraday decode: a full day of 1-second heart rate (86,400 points) and of
//! 1-minute steps, decoded into the generated types, against the floor
//! `serde_json::from_slice::<serde::de::IgnoredAny>` (parsing without building anything)
//! and against `serde_json::Value`; then the memory the typed day needs,
//! against the payload size.
//!
//! `cargo bench -p fitbit-benches --bench intraday_decode`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fitbit_api::types::{ActivityIntraday, ActivityIntradayEntry, HeartRateIntraday};
use fitbit_benches::alloc::{self, CountingAlloc};
use fitbit_benches::clients::decode_as_the_client;
use fitbit_benches::intraday::{self, MINUTES_PER_DAY, SECONDS_PER_DAY};
use fitbit_benches::report::{Run, Spread, Summary, human_ns, interleaved_rounds, measuring, verdict};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const HEART: &str = "decode_heart_1s_day";
const STEPS: &str = "decode_steps_1min_day";
const ROUNDS: usize = 15;

fn decode<T: DeserializeOwned>(payload: &[u8]) -> T {
    match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(err) => panic!("the generated day does not decode as {}: {err}", std::any::type_name::<T>()),
    }
}

fn heart_points(day: &HeartRateIntraday) -> usize {
    day.activities_heart_intraday.as_ref().map_or(0, |d| d.dataset.len())
}

fn steps_points(day: &ActivityIntraday) -> usize {
    match day.get("activities-steps-intraday") {
        Some(ActivityIntradayEntry::IntradayDataset(d)) => d.dataset.len(),
        _ => 0,
    }
}

/// A reference, not a target: the least a serde-derived decode of the
/// heart-rate day can do, borrowing each time as text and keeping nothing
/// else (no time parsing, no unknown fields, 24-byte points). The typed
/// decode reads the points from the dataset's raw text instead
/// (`fitbit-api/src/intraday/`), which is why it can beat this.
#[derive(Deserialize)]
struct MinimalHeartDay<'a> {
    #[serde(rename = "activities-heart-intraday", borrow)]
    intraday: MinimalDataset<'a>,
}

#[derive(Deserialize)]
struct MinimalDataset<'a> {
    #[serde(borrow)]
    dataset: Vec<MinimalPoint<'a>>,
}

#[derive(Deserialize)]
// Built to be measured, never read.
#[allow(dead_code)]
struct MinimalPoint<'a> {
    time: &'a str,
    value: f64,
}

/// A second reference: serde's derive visiting every point as a struct of
/// two fields and ignoring both values (nothing parsed, nothing kept). What
/// this costs over the floor is the price of visiting points through serde
/// at all, the reason the typed decode does not.
#[derive(Deserialize)]
struct IgnoredFieldsHeartDay {
    #[serde(rename = "activities-heart-intraday")]
    intraday: IgnoredFieldsDataset,
}

#[derive(Deserialize)]
struct IgnoredFieldsDataset {
    dataset: Vec<IgnoredFieldsPoint>,
}

#[derive(Deserialize)]
// Built to be measured, never read.
#[allow(dead_code)]
struct IgnoredFieldsPoint {
    time: IgnoredAny,
    value: IgnoredAny,
}

/// A decode of a whole day, returning something that depends on the result
/// (the decoded value is dropped inside: freeing is part of the cost).
type Decoder = fn(&[u8]) -> usize;

const FLOOR: &str = "ignored_any";
const TYPED: &str = "typed";
const VALUE: &str = "value";
const MINIMAL: &str = "borrowed_minimal";
const IGNORED_FIELDS: &str = "struct_of_ignored_fields";

fn heart_cases() -> Vec<(&'static str, Decoder)> {
    vec![
        (FLOOR, |p| usize::from(decode::<IgnoredAny>(p) == IgnoredAny)),
        (TYPED, |p| heart_points(&decode_as_the_client(p))),
        (VALUE, |p| usize::from(decode::<serde_json::Value>(p).is_object())),
        (MINIMAL, |p| match serde_json::from_slice::<MinimalHeartDay>(p) {
            Ok(day) => day.intraday.dataset.len(),
            Err(err) => panic!("the generated day does not decode minimally: {err}"),
        }),
        (IGNORED_FIELDS, |p| decode::<IgnoredFieldsHeartDay>(p).intraday.dataset.len()),
    ]
}

fn steps_cases() -> Vec<(&'static str, Decoder)> {
    vec![
        (FLOOR, |p| usize::from(decode::<IgnoredAny>(p) == IgnoredAny)),
        (TYPED, |p| steps_points(&decode_as_the_client(p))),
        (VALUE, |p| usize::from(decode::<serde_json::Value>(p).is_object())),
    ]
}

fn bench_group(c: &mut Criterion, name: &str, payload: &[u8], cases: &[(&'static str, Decoder)]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(payload.len() as u64));
    for (id, decoder) in cases {
        group.bench_function(*id, |b| b.iter(|| decoder(black_box(payload))));
    }
    group.finish();
}

/// Criterion's medians, then interleaved rounds of `per_round` decodes per case.
fn summarize_speed(
    summary: &mut Summary,
    run: &Run,
    group: &str,
    payload: &[u8],
    cases: &[(&'static str, Decoder)],
    per_round: u32,
) {
    for (id, _) in &cases[1..] {
        summary.ratio(run, group, id, FLOOR);
    }
    if !measuring() {
        return;
    }
    let rounds = interleaved_rounds(ROUNDS, cases.len(), |case| {
        let decoder = cases[case].1;
        // One untimed decode first: the case before may have left the heap
        // in another shape (`Value` frees millions of small blocks).
        black_box(decoder(black_box(payload)));
        let started = Instant::now();
        for _ in 0..per_round {
            black_box(decoder(black_box(payload)));
        }
        started.elapsed().as_secs_f64() / f64::from(per_round)
    });
    summary.line(format!("{group}: interleaved rounds of {per_round} decodes per case, ratios to {FLOOR}:"));
    let time = |case: usize| Spread::of(rounds.iter().map(|r| r[case])).map_or(0.0, |s| s.median);
    let ratio = |case: usize| Spread::of(rounds.iter().map(|r| r[case] / r[0]));
    for (case, (id, _)) in cases.iter().enumerate().skip(1) {
        if let Some(ratio) = ratio(case) {
            summary.line(format!(
                "  {id}: {ratio}   [{} vs {}]",
                human_ns(time(case) * 1e9),
                human_ns(time(0) * 1e9)
            ));
        }
    }
    let typed_vs_value = Spread::of(rounds.iter().map(|r| r[1] / r[2]));
    if let (Some(typed), Some(typed_vs_value)) = (ratio(1), typed_vs_value) {
        summary.line(format!("  target typed ≤ 2× floor: {}", verdict(typed.median <= 2.0)));
        summary.line(format!(
            "  target typed faster than Value: {} (typed / Value = {typed_vs_value})",
            verdict(typed_vs_value.median < 1.0)
        ));
    }
}

fn summarize_memory<T: DeserializeOwned>(summary: &mut Summary, label: &str, payload: &[u8]) {
    let size = payload.len() as f64;
    let typed = alloc::measure(|| decode_as_the_client::<T>(payload));
    let value = alloc::measure(|| decode::<serde_json::Value>(payload));
    summary.line(format!(
        "{label} memory (payload {:.2} MB): typed peak {:.2}×, retained {:.2}× the payload; Value peak {:.2}×, retained {:.2}×",
        size / 1e6,
        typed.peak as f64 / size,
        typed.retained as f64 / size,
        value.peak as f64 / size,
        value.retained as f64 / size,
    ));
    summary.line(format!("  target typed peak ≤ 3× payload: {}", verdict(typed.peak as f64 <= 3.0 * size)));
}

fn main() {
    let run = Run::start();
    let heart = intraday::heart_rate_1s_day();
    let steps = intraday::steps_1min_day();
    // The counting allocator sees a known allocation, and the days decode
    // completely, before anything is measured.
    let mebibyte = alloc::measure(|| vec![1u8; 1 << 20]);
    assert!(mebibyte.peak >= 1 << 20 && mebibyte.retained >= 1 << 20, "{mebibyte:?}");
    assert_eq!(heart_points(&decode_as_the_client(&heart)), SECONDS_PER_DAY as usize);
    assert_eq!(steps_points(&decode_as_the_client(&steps)), MINUTES_PER_DAY as usize);
    let (heart_cases, steps_cases) = (heart_cases(), steps_cases());

    let mut c = run.criterion(|c| {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(6))
    });
    bench_group(&mut c, HEART, &heart, &heart_cases);
    bench_group(&mut c, STEPS, &steps, &steps_cases);
    c.final_summary();

    let mut summary = Summary::default();
    summarize_speed(&mut summary, &run, HEART, &heart, &heart_cases, 8);
    summarize_speed(&mut summary, &run, STEPS, &steps, &steps_cases, 100);
    summarize_memory::<HeartRateIntraday>(&mut summary, "heart 1s day", &heart);
    summarize_memory::<ActivityIntraday>(&mut summary, "steps 1min day", &steps);
    summary.print("intraday decode");
}

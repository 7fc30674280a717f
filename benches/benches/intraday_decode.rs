//! Intraday decode: a full day of 1-second heart rate (86,400 points) and of
//! 1-minute steps, decoded into the generated types, against the floor
//! `serde_json::from_slice::<serde::de::IgnoredAny>` (parsing without building anything)
//! and against `serde_json::Value`; then the memory the typed day needs,
//! against the payload size.
//!
//! `cargo bench -p fitbit-benches --bench intraday_decode`

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use fitbit_api::types::{ActivityIntraday, ActivityIntradayEntry, HeartRateIntraday};
use fitbit_benches::alloc::{self, CountingAlloc};
use fitbit_benches::intraday::{self, MINUTES_PER_DAY, SECONDS_PER_DAY};
use fitbit_benches::report::{Run, Summary, verdict};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const HEART: &str = "decode_heart_1s_day";
const STEPS: &str = "decode_steps_1min_day";

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

/// A reference, not a target: the least a typed decode of the heart-rate day
/// can do with serde_json, borrowing each time as text and keeping nothing
/// else (no time parsing, no unknown fields, 24-byte points).
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

fn bench_group<T: DeserializeOwned>(
    c: &mut Criterion,
    name: &str,
    payload: &[u8],
    more: impl FnOnce(&mut BenchmarkGroup<'_, WallTime>),
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(payload.len() as u64));
    group.bench_function("ignored_any", |b| b.iter(|| decode::<IgnoredAny>(black_box(payload))));
    group.bench_function("typed", |b| b.iter(|| decode::<T>(black_box(payload))));
    group.bench_function("value", |b| b.iter(|| decode::<serde_json::Value>(black_box(payload))));
    more(&mut group);
    group.finish();
}

fn summarize_speed(summary: &mut Summary, run: &Run, group: &str) {
    let typed = summary.ratio(run, group, "typed", "ignored_any");
    let value = summary.ratio(run, group, "value", "ignored_any");
    if group == HEART {
        summary.ratio(run, group, "borrowed_minimal", "ignored_any");
    }
    if let Some(typed) = typed {
        summary.line(format!("  target typed ≤ 2× floor: {}", verdict(typed.point <= 2.0)));
    }
    if let (Some(typed), Some(value)) = (typed, value) {
        summary.line(format!(
            "  target typed faster than Value: {} (typed / Value = {:.2}×)",
            verdict(typed.point < value.point),
            typed.point / value.point
        ));
    }
}

fn summarize_memory<T: DeserializeOwned>(summary: &mut Summary, label: &str, payload: &[u8]) {
    let size = payload.len() as f64;
    let typed = alloc::measure(|| decode::<T>(payload));
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
    assert_eq!(heart_points(&decode(&heart)), SECONDS_PER_DAY as usize);
    assert_eq!(steps_points(&decode(&steps)), MINUTES_PER_DAY as usize);

    let mut c = run.criterion(|c| {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(6))
    });
    bench_group::<HeartRateIntraday>(&mut c, HEART, &heart, |group| {
        group.bench_function("borrowed_minimal", |b| {
            b.iter(|| match serde_json::from_slice::<MinimalHeartDay>(black_box(&heart)) {
                Ok(day) => day.intraday.dataset.len(),
                Err(err) => panic!("{err}"),
            })
        });
    });
    bench_group::<ActivityIntraday>(&mut c, STEPS, &steps, |_| {});
    c.final_summary();

    let mut summary = Summary::default();
    summarize_speed(&mut summary, &run, HEART);
    summarize_speed(&mut summary, &run, STEPS);
    summarize_memory::<HeartRateIntraday>(&mut summary, "heart 1s day", &heart);
    summarize_memory::<ActivityIntraday>(&mut summary, "steps 1min day", &steps);
    summary.print("intraday decode");
}

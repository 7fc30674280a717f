//! Intraday decode: a full day of 1-second heart rate (86,400 points) and of
//! 1-minute steps, decoded into the generated types, against the floor
//! `serde_json::from_slice::<serde::de::IgnoredAny>` (parsing without building anything)
//! and against `serde_json::Value`; a real-shaped heart-rate day in the
//! compact layout servers send and pretty-printed (`indent=2`), also against
//! Python's `json.loads` of the same bytes when `python3` is present; a page
//! of 10,000 Google Health heart-rate points decoded through Google's client
//! types; then the memory the typed days need, against the payload size.
//!
//! `cargo bench -p fitbit-benches --bench intraday_decode`

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fitbit_api::types::{ActivityIntraday, ActivityIntradayEntry, HeartRateIntraday};
use fitbit_benches::alloc::{self, CountingAlloc};
use fitbit_benches::clients::decode_as_the_client;
use fitbit_benches::intraday::{self, MINUTES_PER_DAY, SECONDS_PER_DAY};
use fitbit_benches::report::{
    Run, Spread, Summary, human_ns, interleaved_rounds, measuring, target_dir, verdict,
};
use google_devicesandservices_health_v4::model::ListDataPointsResponse;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const HEART: &str = "decode_heart_1s_day";
const STEPS: &str = "decode_steps_1min_day";
const REAL_COMPACT: &str = "decode_heart_real_day_compact";
const REAL_PRETTY: &str = "decode_heart_real_day_pretty";
const GOOGLE: &str = "decode_google_heart_rate_page";
const ROUNDS: usize = 15;
/// Points in the Google Health page: the largest page `list` returns.
const GOOGLE_PAGE_POINTS: u32 = 10_000;
/// Rounds of the comparison with Python, each side's best counting.
const PYTHON_ROUNDS: u32 = 20;

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

/// A decode of a whole payload, returning something that depends on the
/// result (the decoded value is dropped inside: freeing is part of the cost).
type Decoder = fn(&[u8]) -> usize;

const FLOOR: &str = "ignored_any";
const TYPED: &str = "typed";
const VALUE: &str = "value";
const MINIMAL: &str = "borrowed_minimal";
const IGNORED_FIELDS: &str = "struct_of_ignored_fields";
const GOOGLE_TYPED: &str = "google_model";

fn floor(payload: &[u8]) -> usize {
    usize::from(decode::<IgnoredAny>(payload) == IgnoredAny)
}

fn typed_heart(payload: &[u8]) -> usize {
    heart_points(&decode_as_the_client(payload))
}

fn value(payload: &[u8]) -> usize {
    usize::from(decode::<serde_json::Value>(payload).is_object())
}

fn heart_cases() -> Vec<(&'static str, Decoder)> {
    vec![
        (FLOOR, floor),
        (TYPED, typed_heart),
        (VALUE, value),
        (MINIMAL, |p| match serde_json::from_slice::<MinimalHeartDay>(p) {
            Ok(day) => day.intraday.dataset.len(),
            Err(err) => panic!("the generated day does not decode minimally: {err}"),
        }),
        (IGNORED_FIELDS, |p| decode::<IgnoredFieldsHeartDay>(p).intraday.dataset.len()),
    ]
}

fn steps_cases() -> Vec<(&'static str, Decoder)> {
    vec![(FLOOR, floor), (TYPED, |p| steps_points(&decode_as_the_client(p))), (VALUE, value)]
}

/// The real-shaped days: the typed decode against the floor only (their
/// `Value` decode says nothing the generated day does not, and is slow).
fn real_day_cases() -> Vec<(&'static str, Decoder)> {
    vec![(FLOOR, floor), (TYPED, typed_heart)]
}

/// The Google Health page through Google's own model types, as its client
/// decodes a `list` answer.
fn google_cases() -> Vec<(&'static str, Decoder)> {
    vec![
        (FLOOR, floor),
        (GOOGLE_TYPED, |p| decode::<ListDataPointsResponse>(p).data_points.len()),
        (VALUE, value),
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

/// Criterion's medians, then interleaved rounds of `per_round` decodes per
/// case. Returns, per case after the floor, its ratio to the floor and its
/// median time (`None` when not measuring).
fn summarize_speed(
    summary: &mut Summary,
    run: &Run,
    group: &str,
    payload: &[u8],
    cases: &[(&'static str, Decoder)],
    per_round: u32,
) -> Option<Vec<Spread>> {
    for (id, _) in &cases[1..] {
        summary.ratio(run, group, id, FLOOR);
    }
    if !measuring() {
        return None;
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
    summary.line(format!(
        "{group} ({:.2} MB): interleaved rounds of {per_round} decodes per case, ratios to {FLOOR}:",
        payload.len() as f64 / 1e6
    ));
    let time = |case: usize| Spread::of(rounds.iter().map(|r| r[case])).map_or(0.0, |s| s.median);
    let mut ratios = Vec::new();
    for (case, (id, _)) in cases.iter().enumerate().skip(1) {
        let ratio = Spread::of(rounds.iter().map(|r| r[case] / r[0]))?;
        summary.line(format!(
            "  {id}: {ratio}   [{} vs {}]",
            human_ns(time(case) * 1e9),
            human_ns(time(0) * 1e9)
        ));
        ratios.push(ratio);
    }
    Some(ratios)
}

/// The typed decode against `serde_json::Value` on the generated days (the
/// cases' order: floor, typed, value).
fn typed_vs_value(summary: &mut Summary, ratios: &[Spread]) {
    let (typed, value) = (ratios[0].median, ratios[1].median);
    summary.line(format!("  target typed ≤ 2× floor: {}", verdict(typed <= 2.0)));
    summary.line(format!(
        "  target typed faster than Value: {} (typed / Value = {:.2}×)",
        verdict(typed < value),
        typed / value
    ));
}

fn summarize_memory<T: DeserializeOwned>(summary: &mut Summary, label: &str, payload: &[u8], limit: f64) {
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
    summary.line(format!(
        "  target typed peak ≤ {limit}× payload: {}",
        verdict(typed.peak as f64 <= limit * size)
    ));
}

/// The fastest of `rounds` runs of `f`, in seconds (what Python's side
/// reports too).
fn best_of(rounds: u32, mut f: impl FnMut() -> usize) -> f64 {
    (0..rounds)
        .map(|_| {
            let started = Instant::now();
            black_box(f());
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Python 3's `json.loads` of the bytes at `path`, best of `rounds`
/// (`benches/python_json_loads.py`), or why it was not measured.
fn python_json_loads(path: &Path, rounds: u32) -> Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python_json_loads.py");
    let output = match Command::new("python3").arg(&script).arg(path).arg(rounds.to_string()).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err("python3 not found".into()),
        Err(err) => return Err(format!("python3 did not start: {err}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("python3 failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    stdout.trim().parse().map_err(|_| format!("python3 printed {:?}, not seconds", stdout.trim()))
}

/// The real-shaped day in both layouts, through Python and through the typed
/// decode: [`PYTHON_ROUNDS`] rounds each, in alternating turns (so that a
/// quiet or a busy moment of the machine does not favour one side), and the
/// best of each side.
fn summarize_python(summary: &mut Summary, layouts: &[(&str, &[u8])]) {
    if !measuring() {
        return;
    }
    const TURNS: u32 = 4;
    summary.line(format!(
        "Python json.loads vs the typed decode, same bytes, best of {PYTHON_ROUNDS} each ({TURNS} alternating turns):"
    ));
    for (layout, payload) in layouts {
        let path = target_dir().join(format!("intraday-real-day-{layout}.json"));
        if let Err(err) = std::fs::write(&path, payload) {
            summary.line(format!("  {layout}: not measured ({}: {err})", path.display()));
            continue;
        }
        let (mut python, mut typed, mut ignored): (Result<f64, String>, f64, f64) =
            (Ok(f64::INFINITY), f64::INFINITY, f64::INFINITY);
        for _ in 0..TURNS {
            python = python.and_then(|best| Ok(python_json_loads(&path, PYTHON_ROUNDS / TURNS)?.min(best)));
            typed = typed.min(best_of(PYTHON_ROUNDS / TURNS, || typed_heart(payload)));
            // The floor too: how fast the machine was for each side.
            ignored = ignored.min(best_of(PYTHON_ROUNDS / TURNS, || floor(payload)));
        }
        match python {
            Ok(python) => {
                let speedup = python / typed;
                let target = if *layout == "compact" {
                    format!("   target ≥ 10× (compact): {}", verdict(speedup >= 10.0))
                } else {
                    String::new()
                };
                summary.line(format!(
                    "  {layout}: typed {speedup:.1}× faster than json.loads   [{} vs {}; {FLOOR} {}]{target}",
                    human_ns(typed * 1e9),
                    human_ns(python * 1e9),
                    human_ns(ignored * 1e9)
                ));
            }
            Err(err) => {
                summary.line(format!("  {layout}: skipped ({err}); typed best {}", human_ns(typed * 1e9)))
            }
        }
    }
}

fn main() {
    let run = Run::start();
    let heart = intraday::heart_rate_1s_day();
    let steps = intraday::steps_1min_day();
    let real_compact = intraday::real_shaped_heart_day();
    let real_pretty = intraday::pretty(&real_compact);
    let google = intraday::health_heart_rate_page(GOOGLE_PAGE_POINTS);
    // The counting allocator sees a known allocation, and the payloads
    // decode completely, before anything is measured.
    let mebibyte = alloc::measure(|| vec![1u8; 1 << 20]);
    assert!(mebibyte.peak >= 1 << 20 && mebibyte.retained >= 1 << 20, "{mebibyte:?}");
    for day in [&heart, &real_compact, &real_pretty] {
        assert_eq!(heart_points(&decode_as_the_client(day)), SECONDS_PER_DAY as usize);
    }
    assert_eq!(
        decode_as_the_client::<HeartRateIntraday>(&real_compact),
        decode_as_the_client::<HeartRateIntraday>(&real_pretty),
        "the two layouts decode alike"
    );
    assert_eq!(steps_points(&decode_as_the_client(&steps)), MINUTES_PER_DAY as usize);
    assert_eq!(decode::<ListDataPointsResponse>(&google).data_points.len(), GOOGLE_PAGE_POINTS as usize);
    let (heart_cases, steps_cases, real_cases, google_cases) =
        (heart_cases(), steps_cases(), real_day_cases(), google_cases());

    let mut c = run.criterion(|c| {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(6))
    });
    bench_group(&mut c, HEART, &heart, &heart_cases);
    bench_group(&mut c, STEPS, &steps, &steps_cases);
    bench_group(&mut c, REAL_COMPACT, &real_compact, &real_cases);
    bench_group(&mut c, REAL_PRETTY, &real_pretty, &real_cases);
    bench_group(&mut c, GOOGLE, &google, &google_cases);
    c.final_summary();

    let mut summary = Summary::default();
    if let Some(ratios) = summarize_speed(&mut summary, &run, HEART, &heart, &heart_cases, 8) {
        typed_vs_value(&mut summary, &ratios);
    }
    // 400 decodes of the small steps day make a round of tens of
    // milliseconds, longer than this machine's swings in speed.
    if let Some(ratios) = summarize_speed(&mut summary, &run, STEPS, &steps, &steps_cases, 400) {
        typed_vs_value(&mut summary, &ratios);
    }
    for (group, payload) in [(REAL_COMPACT, &real_compact), (REAL_PRETTY, &real_pretty)] {
        if let Some(ratios) = summarize_speed(&mut summary, &run, group, payload, &real_cases, 8) {
            summary.line(format!("  target typed ≤ 1.5× floor: {}", verdict(ratios[0].median <= 1.5)));
        }
    }
    summarize_python(&mut summary, &[("compact", &real_compact), ("pretty", &real_pretty)]);
    if let Some(ratios) = summarize_speed(&mut summary, &run, GOOGLE, &google, &google_cases, 8) {
        summary.line(format!(
            "  Google's model {:.2}× the floor ({:.2}× Value): {}",
            ratios[0].median,
            ratios[0].median / ratios[1].median,
            if ratios[0].median > 3.0 { "above 3×" } else { "within 3×" }
        ));
    }
    summarize_memory::<HeartRateIntraday>(&mut summary, "heart 1s day", &heart, 3.0);
    summarize_memory::<ActivityIntraday>(&mut summary, "steps 1min day", &steps, 3.0);
    summarize_memory::<HeartRateIntraday>(&mut summary, "real-shaped day, compact", &real_compact, 2.0);
    summarize_memory::<HeartRateIntraday>(&mut summary, "real-shaped day, pretty", &real_pretty, 2.0);
    let page = alloc::measure(|| decode::<ListDataPointsResponse>(&google));
    summary.line(format!(
        "Google page memory (payload {:.2} MB): Google's model peak {:.2}×, retained {:.2}×",
        google.len() as f64 / 1e6,
        page.peak as f64 / google.len() as f64,
        page.retained as f64 / google.len() as f64
    ));
    summary.print("intraday decode");
}

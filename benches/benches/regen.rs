//! Regeneration, in process: everything `cargo xtask regen` does before
//! writing (read and validate the spec, generate the client, typed mocks, CLI
//! commands and contract tests, format them), against the floor of reading
//! and parsing the spec alone. Optimized code; the debug binary that
//! `cargo xtask regen` runs is timed by `benches/build_times.sh`.
//!
//! `cargo bench -p fitbit-benches --bench regen`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::SamplingMode;
use fitbit_benches::report::{Run, Spread, Summary, human_ns, interleaved_rounds, measuring, verdict};

const GROUP: &str = "regen_full_spec";
const PARSE: &str = "parse_spec";
const GENERATE: &str = "generate_all";
const ROUNDS: usize = 10;

fn main() {
    let run = Run::start();
    let root = xtask::project_root().expect("a fitbit-rs checkout");
    let spec_path = root.join(xtask::spec::SPEC_PATH);
    let generated = match xtask::generate_all(&root) {
        Ok(files) => files,
        Err(err) => panic!("the spec does not generate: {err}"),
    };
    let lines: usize = generated.iter().map(|file| file.contents.lines().count()).sum();

    let mut c = run.criterion(|c| {
        c.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(10))
    });
    let mut group = c.benchmark_group(GROUP);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(PARSE, |b| {
        b.iter(|| xtask::spec::Spec::load(black_box(&spec_path)).map(|spec| spec.operations().len()).ok())
    });
    group.bench_function(GENERATE, |b| {
        b.iter(|| xtask::generate_all(black_box(&root)).map(|files| files.len()).ok())
    });
    group.finish();
    c.final_summary();

    let mut summary = Summary::default();
    summary.line(format!("{} generated files, {lines} lines", generated.len()));
    if let Some(ratio) = summary.ratio(&run, GROUP, GENERATE, PARSE)
        && let Some(generate) = run.median(GROUP, GENERATE)
    {
        summary.line(format!(
            "  target under 3 s (here optimized; see build_times.sh for the debug command): {} ({:.2} s, {:.1}× parsing)",
            verdict(generate.point < 3e9),
            generate.point / 1e9,
            ratio.point
        ));
    }
    if measuring() {
        let rounds = interleaved_rounds(ROUNDS, 2, |case| {
            let started = Instant::now();
            let produced = match case {
                0 => xtask::spec::Spec::load(&spec_path).map(|spec| spec.operations().len()).ok(),
                _ => xtask::generate_all(&root).map(|files| files.len()).ok(),
            };
            black_box(produced);
            started.elapsed().as_secs_f64()
        });
        if let Some(ratio) = Spread::of(rounds.iter().map(|r| r[1] / r[0])) {
            let time = |case: usize| Spread::of(rounds.iter().map(|r| r[case])).map_or(0.0, |s| s.median);
            summary.line(format!(
                "interleaved rounds: {GENERATE} / {PARSE} = {ratio}   [{} vs {}]",
                human_ns(time(1) * 1e9),
                human_ns(time(0) * 1e9)
            ));
        }
    }
    summary.print("regeneration");
}

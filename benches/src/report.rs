//! Ratios from one run, two ways:
//!
//! - criterion writes each benchmark's estimates to
//!   `target/criterion/<group>/<id>/new/estimates.json`; after the groups
//!   have run, a bench reads the medians it just produced ([`Run::median`]);
//! - then it measures the same cases again in interleaved rounds
//!   ([`interleaved_rounds`]): every round measures each case once, so a
//!   change in background load moves the floor and the case together, and
//!   the ratio is taken within each round ([`Spread`]). These are the figures
//!   `BENCHMARKS.md` quotes; criterion's are the absolute context.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use serde::Deserialize;

/// The workspace's target directory (`CARGO_TARGET_DIR` when set), where
/// benches leave their reports and the payloads other tools read.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// One bench binary's run: where criterion writes, and when the run began
/// (estimates older than that are from another run and are not used).
#[derive(Debug)]
pub struct Run {
    started: SystemTime,
    output: PathBuf,
}

/// A median with its 95 % confidence interval, in nanoseconds per iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Median {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

impl Run {
    /// Starts a run whose criterion output goes to `<target dir>/criterion`.
    pub fn start() -> Self {
        // A second of slack: file times can be coarser than the clock.
        let started = SystemTime::now() - Duration::from_secs(1);
        Self { started, output: target_dir().join("criterion") }
    }

    /// Criterion with this run's output directory and the command-line
    /// options (`cargo bench -- <filter>`, `--test`, …), with `configure`
    /// applied before the command line so that flags still win.
    pub fn criterion(&self, configure: impl FnOnce(Criterion) -> Criterion) -> Criterion {
        configure(Criterion::default().output_directory(&self.output)).configure_from_args()
    }

    /// The median time per iteration of `group/id` measured in this run;
    /// `None` when it was not (filtered out, `--test` mode, a failed run).
    pub fn median(&self, group: &str, id: &str) -> Option<Median> {
        let path = self.output.join(group).join(id).join("new").join("estimates.json");
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        if modified < self.started {
            return None;
        }
        let estimates: Estimates = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        let median = estimates.median;
        Some(Median {
            point: median.point_estimate,
            lower: median.confidence_interval.lower_bound,
            upper: median.confidence_interval.upper_bound,
        })
    }
}

/// `a / b`, with the range the two confidence intervals allow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Ratio {
    /// How many times `floor` the `measured` median is.
    pub fn of(measured: Median, floor: Median) -> Self {
        Self {
            point: measured.point / floor.point,
            lower: measured.lower / floor.upper,
            upper: measured.upper / floor.lower,
        }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}× ({:.2}–{:.2})", self.point, self.lower, self.upper)
    }
}

/// Runs `rounds` rounds; each measures every one of `cases` cases once,
/// starting one case later than the round before. Returns, per round, the
/// result of each case in case order.
pub fn interleaved_rounds<T>(
    rounds: usize,
    cases: usize,
    mut measure: impl FnMut(usize) -> T,
) -> Vec<Vec<T>> {
    (0..rounds)
        .map(|round| {
            let mut results: Vec<(usize, T)> =
                (0..cases).map(|k| (round + k) % cases).map(|case| (case, measure(case))).collect();
            results.sort_by_key(|(case, _)| *case);
            results.into_iter().map(|(_, result)| result).collect()
        })
        .collect()
}

/// The median of per-round values, with the middle half of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    /// The first quartile.
    pub low: f64,
    /// The third quartile.
    pub high: f64,
    pub rounds: usize,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut values: Vec<f64> = values.into_iter().collect();
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        (!values.is_empty()).then(|| Self {
            median: at(0.5),
            low: at(0.25),
            high: at(0.75),
            rounds: values.len(),
        })
    }

    /// Whether this ratio to the floor is equal to 1 within noise: its median
    /// is no further from 1 than the rounds of `control` reach, the ratio of
    /// a second, identical floor to the floor (so nothing but the machine
    /// moves it). The control's middle half is the noise; its median, away
    /// from 1 by chance, widens the band rather than shifting it.
    pub fn equal_within_noise(&self, control: &Spread) -> bool {
        let noise = (control.low - 1.0).abs().max((control.high - 1.0).abs());
        (self.median - 1.0).abs() <= noise
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2}× (middle half {:.2}–{:.2} of {} rounds)",
            self.median, self.low, self.high, self.rounds
        )
    }
}

/// Whether this process measures (not `--test`, `--list` or `--profile-time`
/// mode), so that a bench can skip its interleaved rounds when criterion does.
pub fn measuring() -> bool {
    !std::env::args().any(|arg| matches!(arg.as_str(), "--test" | "--list" | "--profile-time"))
}

/// A duration in nanoseconds, in the unit that reads best.
pub fn human_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Whether a target holds, for the printed summary.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// The lines a bench prints after its groups: a heading, then one line per figure.
#[derive(Debug, Default)]
pub struct Summary {
    lines: Vec<String>,
}

impl Summary {
    /// Adds a line.
    pub fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    /// Adds the ratio of `group/measured` to `group/floor`, or says why it is
    /// missing; returns the ratio.
    pub fn ratio(&mut self, run: &Run, group: &str, measured: &str, floor: &str) -> Option<Ratio> {
        match (run.median(group, measured), run.median(group, floor)) {
            (Some(m), Some(f)) => {
                let ratio = Ratio::of(m, f);
                self.line(format!(
                    "{group}: {measured} / {floor} = {ratio} (criterion medians, 95 % interval)   [{} vs {}]",
                    human_ns(m.point),
                    human_ns(f.point)
                ));
                Some(ratio)
            }
            _ => {
                self.line(format!("{group}: {measured} / {floor}: not measured in this run"));
                None
            }
        }
    }

    /// Prints the summary under `title`.
    pub fn print(&self, title: &str) {
        println!("\n=== {title} ===");
        println!("(ratios to the floor measured in this run; absolute medians in brackets)");
        for line in &self.lines {
            println!("{line}");
        }
        println!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(values: &[f64]) -> Spread {
        Spread::of(values.iter().copied()).expect("values")
    }

    #[test]
    fn spread_takes_the_median_and_quartiles_of_the_rounds() {
        let s = spread(&[1.4, 1.0, 1.2, 1.1, 1.3]);
        assert_eq!((s.median, s.low, s.high, s.rounds), (1.2, 1.1, 1.3, 5));
        assert_eq!(Spread::of([]), None);
    }

    #[test]
    fn equal_within_noise_compares_with_the_control_rounds() {
        // Nothing differs between the floors: their ratios stray 3 % from 1.
        let control = spread(&[0.96, 0.97, 1.0, 1.03, 1.04]);
        assert!(spread(&[0.96, 0.98, 0.99, 1.0, 1.05]).equal_within_noise(&control));
        assert!(spread(&[0.97, 0.97, 0.97]).equal_within_noise(&control));
        assert!(!spread(&[0.90, 0.92, 0.93]).equal_within_noise(&control));
        assert!(!spread(&[1.05, 1.06, 1.07]).equal_within_noise(&control));
        // A noisier machine gives a wider band.
        let noisy = spread(&[0.80, 0.85, 1.0, 1.06, 1.10]);
        assert!(spread(&[0.90, 0.92, 0.93]).equal_within_noise(&noisy));
    }
}

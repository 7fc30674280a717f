//! The compared day (`tests/fixtures/legacy-day/`): Saturday 2026-03-07 of
//! the runner in Berlin, in the Google Health API's shape (inserted into the
//! Google stand-in) and as the legacy Fitbit Web API answered it (served by
//! the legacy stand-in), and a field-by-field comparison of the two with
//! documented rules.
//!
//! ```no_run
//! # async fn run() {
//! use fitbit_tests::legacy_day::{self, Rule};
//! use fitbit_tests::mock_fitbit::{MockConfig, MockFitbit};
//! use fitbit_tests::mock_google::{MockGoogle, MockGoogleConfig};
//!
//! let google = MockGoogle::start(MockGoogleConfig { seed_points: false, ..Default::default() }).await;
//! legacy_day::seed_google(&google);
//! let fitbit = MockFitbit::start(MockConfig::default()).await;
//! legacy_day::serve_legacy(&fitbit);
//! let legacy = legacy_day::legacy_body("br.json");
//! let compared = legacy_day::assert_same(&legacy, &legacy, &[("$.br[].dateTime", Rule::Exact)]);
//! assert!(compared > 0);
//! # }
//! ```

use std::path::PathBuf;

use serde_json::Value;

use crate::mock_fitbit::MockFitbit;
use crate::mock_google::MockGoogle;

/// The compared day.
pub const DAY: &str = "2026-03-07";

/// `tests/fixtures/legacy-day`.
pub fn dir() -> PathBuf {
    crate::fixtures::dir("legacy-day")
}

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Inserts the day's points (every `google/<data-type>.json`) for the
/// stand-in's user; returns how many.
pub fn seed_google(mock: &MockGoogle) -> usize {
    let mut inserted = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("google"))
        .expect("tests/fixtures/legacy-day/google exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let data_type = file.file_stem().and_then(|s| s.to_str()).expect("a file name").to_string();
        let Value::Array(points) = read(file) else { panic!("{data_type}: not an array") };
        inserted += mock.insert_points(&data_type, points).len();
    }
    inserted
}

/// Registers every legacy answer of `fitbit/requests.json` with the legacy
/// stand-in; returns how many.
pub fn serve_legacy(mock: &MockFitbit) -> usize {
    let Value::Array(requests) = read(dir().join("fitbit").join("requests.json")) else {
        panic!("requests.json: not an array")
    };
    for request in &requests {
        let field = |name: &str| request[name].as_str().unwrap_or_else(|| panic!("requests.json: {name}"));
        let body = legacy_body(field("file"));
        mock.serve_json_for_units(field("path"), field("scope"), request["units"].as_str(), body);
    }
    requests.len()
}

/// One legacy answer, as written in `fitbit/<file>`.
pub fn legacy_body(file: &str) -> Value {
    read(dir().join("fitbit").join(file))
}

/// How one field (a JSON path such as `$.sleep[].levels.data[].seconds`,
/// and everything below it) is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Equal: strings byte for byte, numbers (or numeric strings) as numbers.
    Exact,
    /// Numbers within this absolute tolerance (unit conversions, rounding).
    Within(f64),
    /// The new API cannot fill it: the facade must leave it out.
    Missing(&'static str),
    /// Filled from a value that means something else (the reason says
    /// what): both must be there, the values are not compared.
    Differs(&'static str),
}

/// `$.a[3].b` → `$.a[].b`.
fn pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => {
                skipping = true;
                out.push('[');
            }
            ']' => {
                skipping = false;
                out.push(']');
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

fn rule_for(path: &str, rules: &[(&str, Rule)]) -> Rule {
    let pattern = pattern(path);
    rules
        .iter()
        .filter(|(prefix, _)| {
            pattern == *prefix
                || pattern
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, rule)| *rule)
        .unwrap_or(Rule::Exact)
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Compares `facade` with `legacy` field by field under `rules` (the most
/// specific prefix wins; `Exact` where none applies). Returns the
/// differences, and how many values were compared.
pub fn compare(legacy: &Value, facade: &Value, rules: &[(&str, Rule)]) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut compared = 0;
    walk("$", legacy, Some(facade), rules, &mut problems, &mut compared);
    (problems, compared)
}

/// [`compare`], failing with every difference; returns how many values were compared.
pub fn assert_same(legacy: &Value, facade: &Value, rules: &[(&str, Rule)]) -> usize {
    let (problems, compared) = compare(legacy, facade, rules);
    assert!(problems.is_empty(), "the facade differs from the legacy answer:\n  {}", problems.join("\n  "));
    compared
}

fn walk(
    path: &str,
    legacy: &Value,
    facade: Option<&Value>,
    rules: &[(&str, Rule)],
    problems: &mut Vec<String>,
    compared: &mut usize,
) {
    let facade = facade.filter(|v| !v.is_null());
    match rule_for(path, rules) {
        Rule::Missing(why) => {
            if let Some(value) = facade {
                problems.push(format!("{path}: expected no value ({why}), got {value}"));
            } else {
                *compared += 1;
            }
            return;
        }
        Rule::Differs(why) => {
            if facade.is_none() && !legacy.is_null() {
                problems.push(format!("{path}: missing (filled by another definition: {why})"));
            } else {
                *compared += 1;
            }
            return;
        }
        Rule::Exact | Rule::Within(_) => {}
    }
    let Some(facade) = facade else {
        if !legacy.is_null() {
            problems.push(format!("{path}: missing (legacy: {legacy})"));
        }
        return;
    };
    match (legacy, facade) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                walk(&format!("{path}.{key}"), value, b.get(key), rules, problems, compared);
            }
            for (key, value) in b {
                if !a.contains_key(key) && !value.is_null() {
                    problems.push(format!("{path}.{key}: not in the legacy answer ({value})"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                problems.push(format!("{path}: {} items, the facade has {}", a.len(), b.len()));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), x, Some(y), rules, problems, compared);
            }
        }
        (a, b) => {
            *compared += 1;
            let tolerance = match rule_for(path, rules) {
                Rule::Within(t) => t,
                _ => 0.0,
            };
            let same = match (number(a), number(b)) {
                (Some(x), Some(y)) if a.is_number() || b.is_number() || tolerance > 0.0 || x != y => {
                    (x - y).abs() <= tolerance.max(1e-9 * x.abs().max(1.0))
                }
                _ => a == b,
            };
            if !same {
                problems.push(format!("{path}: legacy {a}, facade {b}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_comparison_applies_the_most_specific_rule() {
        let legacy = json!({ "a": [{ "x": 1.0, "y": "2", "gone": true, "other": 5 }], "s": "t" });
        let close = json!({ "a": [{ "x": 1.04, "y": 2, "other": 9 }], "s": "t" });
        let rules = [
            ("$.a[].x", Rule::Within(0.05)),
            ("$.a[].gone", Rule::Missing("not in the new API")),
            ("$.a[].other", Rule::Differs("another definition")),
        ];
        let (problems, compared) = compare(&legacy, &close, &rules);
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(compared, 5);

        let far = json!({ "a": [{ "x": 1.2, "y": "3", "gone": false }], "s": "u", "extra": 1 });
        let (problems, _) = compare(&legacy, &far, &rules);
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("$.a[0].gone: expected no value")));
        assert!(problems.iter().any(|p| p.starts_with("$.a[0].other: missing")));
        assert!(problems.iter().any(|p| p.starts_with("$.extra: not in the legacy answer")));
        let (problems, _) = compare(&json!([1, 2]), &json!([1]), &[]);
        assert_eq!(problems, ["$: 2 items, the facade has 1"]);
    }
}

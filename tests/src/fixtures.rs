//! In-tree fixtures: documented example bodies, repaired where the published
//! example was not valid JSON (see `tests/fixtures/responses/NOTES-*.md`),
//! and the lossless-re-encoding comparison the contract tests use.

use std::path::{Path, PathBuf};

/// One response fixture.
pub struct Fixture {
    /// File name, for messages.
    pub name: String,
    /// The exact bytes served.
    pub text: String,
    /// The parsed body.
    pub json: serde_json::Value,
}

/// `tests/fixtures/<kind>` (`responses`, `requests`, `progenitor`).
pub fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(kind)
}

/// Every fixture of an operation: `<operation>.json` and `<operation>.<case>.json`.
pub fn responses(operation: &str) -> Vec<Fixture> {
    let mut names: Vec<String> = std::fs::read_dir(dir("responses"))
        .expect("tests/fixtures/responses exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| {
            name.strip_prefix(operation).is_some_and(|rest| {
                rest == ".json"
                    || (rest.starts_with('.') && rest.ends_with(".json") && !rest[1..].contains('_'))
            })
        })
        .collect();
    names.sort();
    names.into_iter().map(|name| load(&dir("responses").join(&name), name)).collect()
}

/// One named response fixture.
pub fn response(file: &str) -> Fixture {
    load(&dir("responses").join(file), file.to_string())
}

fn load(path: &Path, name: String) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
    Fixture { name, text, json }
}

/// Fails with the JSON path of the first difference. Everything is compared
/// exactly, numbers by value and by form: `1950` must not come back as
/// `1950.0` (nor the other way round), and an integer beyond 2^53 must come
/// back as exactly that integer.
pub fn assert_same_json(context: &str, expected: &serde_json::Value, actual: &serde_json::Value) {
    if let Err(difference) = compare("$", expected, actual) {
        panic!("{context}: re-encoding changed the body at {difference}");
    }
}

fn compare(at: &str, expected: &serde_json::Value, actual: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            // Above 2^53 a double cannot hold every integer: such a number
            // must come back as the same integer, never as a float near it.
            let beyond_doubles = |n: &serde_json::Number| {
                n.as_u64().is_some_and(|v| v > 1 << 53) || n.as_i64().is_some_and(|v| v < -(1 << 53))
            };
            if beyond_doubles(a) && (b.as_u64() != a.as_u64() || b.as_i64() != a.as_i64()) {
                return Err(format!("{at}: {a} became {b} (an integer above 2^53 must stay exact)"));
            }
            if a.is_f64() != b.is_f64() {
                return Err(format!("{at}: {a} became {b} (a number must keep its form)"));
            }
            let same = match (a.as_u64(), b.as_u64(), a.as_i64(), b.as_i64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            };
            same.then_some(()).ok_or_else(|| format!("{at}: {a} became {b}"))
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let child = format!("{at}.{key}");
                match b.get(key) {
                    Some(other) => compare(&child, value, other)?,
                    None => return Err(format!("{child}: dropped")),
                }
            }
            match b.keys().find(|key| !a.contains_key(*key)) {
                Some(extra) => Err(format!("{at}.{extra}: added ({})", b[extra])),
                None => Ok(()),
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().try_for_each(|(i, (x, y))| compare(&format!("{at}[{i}]"), x, y))
        }
        (Value::Array(a), Value::Array(b)) => Err(format!("{at}: {} items became {}", a.len(), b.len())),
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{at}: {a} became {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_stay_exact_and_numbers_keep_their_form() {
        let max = serde_json::json!({"logId": u64::MAX});
        assert!(compare("$", &max, &serde_json::json!({"logId": u64::MAX})).is_ok());
        let as_float: serde_json::Value = serde_json::from_str(r#"{"logId":1.8446744073709552e19}"#).unwrap();
        let err = compare("$", &max, &as_float).unwrap_err();
        assert!(err.contains("$.logId") && err.contains("must stay exact"), "{err}");
        let neighbour = serde_json::json!({"logId": u64::MAX - 1});
        assert!(compare("$", &max, &neighbour).is_err());
        let small = serde_json::json!({"n": 1950});
        let err = compare("$", &small, &serde_json::json!({"n": 1950.0})).unwrap_err();
        assert!(err.contains("must keep its form"), "{err}");
        assert!(compare("$", &serde_json::json!({"n": 62.0}), &serde_json::json!({"n": 62})).is_err());
        assert!(compare("$", &serde_json::json!({"n": 1.5}), &serde_json::json!({"n": 1.5})).is_ok());
    }
}

//! Where each contract-test fixture comes from:
//! `tests/fixtures/responses/provenance.yaml`, one entry per fixture file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::Error;

/// The provenance file, relative to the workspace root.
pub const PROVENANCE_PATH: &str = "tests/fixtures/responses/provenance.yaml";

/// How much of a fixture is Fitbit's and how much is ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A documented example response, as published or repaired.
    Example,
    /// Written by us from the reference page's own text (element table, request example).
    ReferencePage,
    /// Written by us; the shape is our assumption.
    Written,
}

impl Kind {
    /// The words `cargo xtask coverage` uses.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Example => "documented example",
            Kind::ReferencePage => "reference-page text",
            Kind::Written => "written by us",
        }
    }
}

/// One fixture's entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub kind: Kind,
    /// The documented example's file name (required for [`Kind::Example`]).
    #[serde(default)]
    pub from: Option<String>,
    pub note: String,
}

/// Every fixture's entry, by file name.
pub type Provenance = BTreeMap<String, Entry>;

/// Reads the provenance file under `root`.
pub fn load(root: &Path) -> Result<Provenance, Error> {
    let path = root.join(PROVENANCE_PATH);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e))?;
    parse(&text).map_err(|e| Error::Spec(format!("{}: {e}", path.display())))
}

/// Parses the provenance YAML.
pub fn parse(text: &str) -> Result<Provenance, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

/// What is wrong with `provenance` given the fixture files present: a file
/// without an entry, an entry without a file, an example without `from`, a
/// note left empty.
pub fn problems(provenance: &Provenance, fixture_files: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for file in fixture_files {
        if !provenance.contains_key(file) {
            out.push(format!("{file}: no entry in {PROVENANCE_PATH}"));
        }
    }
    for (file, entry) in provenance {
        if !fixture_files.contains(file) {
            out.push(format!("{file}: in {PROVENANCE_PATH} but no such fixture"));
        }
        if entry.kind == Kind::Example && entry.from.as_deref().is_none_or(str::is_empty) {
            out.push(format!("{file}: an example without `from`"));
        }
        if entry.kind != Kind::Example && entry.from.is_some() {
            out.push(format!("{file}: `from` names an example, but the kind is {:?}", entry.kind));
        }
        if entry.note.trim().is_empty() {
            out.push(format!("{file}: empty note"));
        }
    }
    out
}

/// The fixture files of `dir`: every file but the notes and this list.
pub fn fixture_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|entry| entry.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.retain(|name| !name.ends_with(".md") && !name.ends_with(".yaml"));
    names.sort();
    names
}

/// How many fixtures of each kind.
pub fn counts(provenance: &Provenance) -> BTreeMap<Kind, usize> {
    let mut counts = BTreeMap::new();
    for entry in provenance.values() {
        *counts.entry(entry.kind).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_checked_against_the_files() {
        let provenance = parse(
            "a.json: {kind: example, from: a.json, note: as is}\n\
             b.json: {kind: written, note: assumed}\n\
             c.json: {kind: example, note: ''}\n",
        )
        .unwrap();
        let files = vec!["a.json".to_string(), "b.json".to_string(), "d.json".to_string()];
        assert_eq!(
            problems(&provenance, &files),
            [
                format!("d.json: no entry in {PROVENANCE_PATH}"),
                format!("c.json: in {PROVENANCE_PATH} but no such fixture"),
                "c.json: an example without `from`".to_string(),
                "c.json: empty note".to_string(),
            ]
        );
        assert_eq!(counts(&provenance)[&Kind::Example], 2);
        assert!(parse("a.json: {kind: guessed, note: x}").is_err());
        assert!(parse("a.json: {kind: written, note: x, source: y}").is_err());
    }
}

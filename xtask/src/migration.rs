//! The migration map (`spec/migration.yaml`): one row per operation of the
//! legacy spec saying what replaces it in the Google Health API.
//!
//! [`validate`] checks it against the legacy spec (a row for every
//! `operationId`, none for an unknown one) and against Google's Discovery
//! document saved in the repository (every method, data type and scope it
//! names exists). [`render_markdown`] writes `MIGRATION.md` for people;
//! [`render_table`] writes the Rust table `fitbit-auth` compiles in, so that
//! `Error::replacement()` and `fitbit migrate` need no file at run time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;

use crate::Error;
use crate::naming::{area_name, kebab};
use crate::spec::Spec;

/// The map, relative to the workspace root.
pub const MIGRATION_PATH: &str = "spec/migration.yaml";
/// Google's Discovery document the map is checked against.
pub const DISCOVERY_PATH: &str = "spec/google-health/discovery-v4-20261030.json";
/// The rendered map for people.
pub const MARKDOWN_PATH: &str = "MIGRATION.md";
/// The rendered map for `fitbit-auth`.
pub const TABLE_PATH: &str = "fitbit-auth/src/migration/table.rs";

/// Scopes Google documents that the Discovery document lacks (its scope
/// lists are known to be incomplete): `nutrition.readonly`.
const DOCUMENTED_SCOPES: &[&str] = &["nutrition.readonly"];

/// How much of a legacy operation the new API can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// Everything the legacy call returned or did.
    Full,
    /// Some of it (fields or behaviour missing or changed).
    Partial,
    /// Nothing replaces it.
    None,
}

impl Coverage {
    fn word(self) -> &'static str {
        match self {
            Coverage::Full => "full",
            Coverage::Partial => "partial",
            Coverage::None => "none",
        }
    }

    fn rust(self) -> &'static str {
        match self {
            Coverage::Full => "Coverage::Full",
            Coverage::Partial => "Coverage::Partial",
            Coverage::None => "Coverage::None",
        }
    }
}

/// One row of the map, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub coverage: Coverage,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub data_types: Vec<String>,
    #[serde(default)]
    pub query: String,
    /// Legacy field → where the value comes from now, in document order.
    #[serde(default, deserialize_with = "ordered_pairs")]
    pub fields: Vec<(String, String)>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub cli: String,
    #[serde(default)]
    pub facade: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub reason: String,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationMap {
    /// Differences that apply to every row.
    pub notes: Vec<String>,
    /// Legacy OAuth scope → Google scopes (short names), in document order.
    #[serde(deserialize_with = "ordered_lists")]
    pub scopes: Vec<(String, Vec<String>)>,
    /// Rows by legacy `operationId`, in document order.
    #[serde(deserialize_with = "ordered_rows")]
    pub operations: Vec<(String, Row)>,
}

fn ordered_pairs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    ordered::<D, String>(d)
}

fn ordered_lists<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, Vec<String>)>, D::Error> {
    ordered::<D, Vec<String>>(d)
}

fn ordered_rows<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, Row)>, D::Error> {
    ordered::<D, Row>(d)
}

/// A YAML mapping as (key, value) pairs in document order; a repeated key
/// is an error (serde_yaml's own maps would keep one of them silently).
fn ordered<'de, D, V>(deserializer: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: serde::de::DeserializeOwned,
{
    use serde::de::Error as _;
    let mapping = serde_yaml::Mapping::deserialize(deserializer)?;
    let mut out: Vec<(String, V)> = Vec::new();
    for (key, value) in mapping {
        let key = match key {
            serde_yaml::Value::String(key) => key,
            other => return Err(D::Error::custom(format!("a key must be a string, not {other:?}"))),
        };
        if out.iter().any(|(seen, _)| *seen == key) {
            return Err(D::Error::custom(format!("`{key}` appears twice")));
        }
        let value = serde_yaml::from_value(value).map_err(|e| D::Error::custom(format!("{key}: {e}")))?;
        out.push((key, value));
    }
    Ok(out)
}

impl MigrationMap {
    /// Reads the map.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io(path.to_path_buf(), e))?;
        Self::parse(&text).map_err(|e| Error::Spec(format!("{}: {e}", path.display())))
    }

    /// Parses the map's YAML.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_yaml::from_str(text).map_err(|e| e.to_string())
    }

    /// The row of `operation`.
    pub fn row(&self, operation: &str) -> Option<&Row> {
        self.operations.iter().find(|(id, _)| id == operation).map(|(_, row)| row)
    }
}

/// What the Discovery document offers: method ids (without the `health.`
/// prefix), data types (kebab-case) and scope URLs.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub methods: BTreeSet<String>,
    pub data_types: BTreeSet<String>,
    pub scopes: BTreeSet<String>,
}

impl Catalogue {
    /// Reads a Discovery document.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io(path.to_path_buf(), e))?;
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Error::Spec(format!("{}: {e}", path.display())))?;
        Ok(Self::from_discovery(&document))
    }

    /// The catalogue of a parsed Discovery document.
    pub fn from_discovery(document: &serde_json::Value) -> Self {
        let mut catalogue = Catalogue::default();
        collect_methods(&document["resources"], &mut catalogue.methods);
        // The data types are the members of the DataPoint union (what `list`
        // serves) and of the rollup union (which adds the aggregates-only
        // types), minus the fields every member of those shares.
        for (schema, shared) in
            [("DataPoint", &["name", "dataSource"][..]), ("RollupDataPoint", &["startTime", "endTime"][..])]
        {
            if let Some(properties) = document["schemas"][schema]["properties"].as_object() {
                catalogue
                    .data_types
                    .extend(properties.keys().filter(|k| !shared.contains(&k.as_str())).map(|k| kebab(k)));
            }
        }
        if let Some(scopes) = document["auth"]["oauth2"]["scopes"].as_object() {
            catalogue.scopes.extend(scopes.keys().cloned());
        }
        catalogue
    }
}

fn collect_methods(resources: &serde_json::Value, out: &mut BTreeSet<String>) {
    let Some(resources) = resources.as_object() else { return };
    for resource in resources.values() {
        if let Some(methods) = resource["methods"].as_object() {
            for method in methods.values() {
                if let Some(id) = method["id"].as_str() {
                    out.insert(id.strip_prefix("health.").unwrap_or(id).to_string());
                }
            }
        }
        collect_methods(&resource["resources"], out);
    }
}

/// The full URL of a scope written by its short name.
pub fn scope_url(short: &str) -> String {
    match short {
        "cloud-platform" => "https://www.googleapis.com/auth/cloud-platform".to_string(),
        other => format!("https://www.googleapis.com/auth/googlehealth.{other}"),
    }
}

/// Every problem of the map, one line each; empty when it is sound.
pub fn validate(map: &MigrationMap, spec: &Spec, catalogue: &Catalogue) -> Vec<String> {
    let mut problems = Vec::new();
    let operations: BTreeSet<String> = spec.operations().iter().map(|op| op.name()).collect();
    for id in &operations {
        if map.row(id).is_none() {
            problems.push(format!("{id}: no row in {MIGRATION_PATH} (every legacy operation needs one)"));
        }
    }
    let scope_ok =
        |scope: &str| DOCUMENTED_SCOPES.contains(&scope) || catalogue.scopes.contains(&scope_url(scope));
    for (id, row) in &map.operations {
        if !operations.contains(id) {
            problems.push(format!("{id}: not an operation of the legacy spec"));
            continue;
        }
        match row.coverage {
            Coverage::None => {
                if row.reason.trim().is_empty() {
                    problems.push(format!("{id}: coverage none needs a reason"));
                }
                if !row.methods.is_empty() || !row.data_types.is_empty() || row.facade.is_some() {
                    problems.push(format!("{id}: coverage none names no method, data type or facade"));
                }
            }
            Coverage::Full | Coverage::Partial => {
                if row.methods.is_empty() {
                    problems.push(format!("{id}: a replacement names at least one Google method"));
                }
                if !row.reason.is_empty() {
                    problems.push(format!("{id}: `reason` is for coverage none; use `notes`"));
                }
                if row.scopes.is_empty() {
                    problems.push(format!("{id}: a replacement names the scopes to request"));
                }
            }
        }
        for method in &row.methods {
            if !catalogue.methods.contains(method) {
                problems.push(format!("{id}: `{method}` is not a method of the Discovery document"));
            }
        }
        for data_type in &row.data_types {
            if !catalogue.data_types.contains(data_type) {
                problems.push(format!("{id}: `{data_type}` is not a data type of the Discovery document"));
            }
        }
        for scope in &row.scopes {
            if !scope_ok(scope) {
                problems.push(format!("{id}: `{scope}` is not a scope of the Discovery document"));
            }
        }
        if let Some(facade) = &row.facade
            && (!facade.starts_with(|c: char| c.is_ascii_lowercase())
                || !facade.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            problems.push(format!("{id}: facade `{facade}` is not a method name"));
        }
    }
    let legacy_scopes: BTreeSet<String> =
        spec.operations().iter().filter_map(|op| op.scopes()).flatten().filter(|s| s != "none").collect();
    for scope in &legacy_scopes {
        if !map.scopes.iter().any(|(legacy, _)| legacy == scope) {
            problems.push(format!("scopes: the legacy scope `{scope}` has no entry"));
        }
    }
    for (legacy, google) in &map.scopes {
        if !legacy_scopes.contains(legacy) {
            problems.push(format!("scopes: `{legacy}` is not a legacy scope of the spec"));
        }
        for scope in google {
            if !scope_ok(scope) {
                problems.push(format!("scopes: `{scope}` is not a scope of the Discovery document"));
            }
        }
    }
    problems
}

/// Loads the map and the Discovery document and validates the map.
pub fn load_checked(root: &Path, spec: &Spec) -> Result<MigrationMap, Error> {
    let map = MigrationMap::load(&root.join(MIGRATION_PATH))?;
    let catalogue = Catalogue::load(&root.join(DISCOVERY_PATH))?;
    let problems = validate(&map, spec, &catalogue);
    if problems.is_empty() { Ok(map) } else { Err(Error::Invalid(problems)) }
}

/// An operation's place in the legacy spec: its tag and its CLI command.
struct Placed<'a> {
    id: &'a str,
    tag: String,
    command: String,
    row: &'a Row,
}

fn placed<'a>(map: &'a MigrationMap, spec: &Spec) -> Vec<Placed<'a>> {
    let tag_order: Vec<String> = spec.openapi.tags.iter().map(|t| t.name.clone()).collect();
    let ops = spec.operations();
    let mut out: Vec<Placed<'a>> = map
        .operations
        .iter()
        .filter_map(|(id, row)| {
            let op = ops.iter().find(|op| op.name() == *id)?;
            let tag = op.operation.tags.first().cloned().unwrap_or_default();
            let command = format!("{} {}", area_name(&tag), kebab(id));
            Some(Placed { id, tag, command, row })
        })
        .collect();
    out.sort_by_key(|p| (tag_order.iter().position(|t| *t == p.tag).unwrap_or(usize::MAX), p.id.to_string()));
    out
}

/// `users.dataTypes.dataPoints.rollUp` → `dataPoints.rollUp`.
fn short_method(method: &str) -> &str {
    method.strip_prefix("users.dataTypes.").unwrap_or(method)
}

/// A table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// `MIGRATION.md`.
pub fn render_markdown(map: &MigrationMap, spec: &Spec) -> String {
    let rows = placed(map, spec);
    let count = |c: Coverage| rows.iter().filter(|p| p.row.coverage == c).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- @generated by `cargo xtask regen` from {MIGRATION_PATH}: do not edit; change the map and \
         run `cargo xtask regen`. -->\n"
    );
    out.push_str("# From the Fitbit Web API to the Google Health API\n\n");
    let _ = writeln!(
        out,
        "Google ended support for the legacy Fitbit Web API on 2026-09-30 and announced that it goes off on \
         2026-11-02; a retired endpoint answers `410 Gone`. This page \
         says, for each of its {} operations, what replaces it in the Google Health API \
         (`health.googleapis.com/v4`): **{} full**, **{} partial**, **{} none**. The same map is in \
         [`{MIGRATION_PATH}`]({MIGRATION_PATH}) (machine-readable), behind `Error::replacement()` when a \
         call answers 410, and behind `fitbit migrate [OPERATION] [--json]`.\n",
        rows.len(),
        count(Coverage::Full),
        count(Coverage::Partial),
        count(Coverage::None),
    );
    if rows.iter().any(|p| p.row.facade.is_some()) {
        out.push_str(
            "To move code over one step at a time, `fitbit_health::legacy` returns the legacy response \
             types from the new API for the operations marked *facade* below (`fitbit health legacy <area> \
             <operation> …` on the command line).\n\n",
        );
    }
    out.push_str("## What changes everywhere\n\n");
    for note in &map.notes {
        let _ = writeln!(out, "- {}", cell(note));
    }
    out.push_str("\n## Scopes to request\n\n");
    out.push_str(
        "Short names stand for `https://www.googleapis.com/auth/googlehealth.<name>`; ask for the \
         `.readonly` scopes to read and the `.writeonly` ones only to write.\n\n",
    );
    out.push_str("| legacy scope | Google Health API scopes |\n|---|---|\n");
    for (legacy, google) in &map.scopes {
        let google = if google.is_empty() {
            "none (no replacement)".to_string()
        } else {
            google.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(out, "| `{legacy}` | {google} |");
    }
    out.push_str("\n## Operation by operation\n\n");
    out.push_str(
        "*Replacement* names Discovery methods (`dataPoints.list` is \
         `users.dataTypes.dataPoints.list`); *how* is the filter, rollup or window that gives the same \
         data, or why nothing does.\n",
    );
    let mut current = None;
    for placed in &rows {
        if current.as_deref() != Some(placed.tag.as_str()) {
            let in_tag = rows.iter().filter(|p| p.tag == placed.tag).count();
            let _ = writeln!(out, "\n### {} ({in_tag})\n", placed.tag);
            out.push_str("| legacy operation | coverage | replacement | data types | how | instead, run |\n");
            out.push_str("|---|---|---|---|---|---|\n");
            current = Some(placed.tag.clone());
        }
        let row = placed.row;
        let methods =
            row.methods.iter().map(|m| format!("`{}`", short_method(m))).collect::<Vec<_>>().join(", ");
        let types = row.data_types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
        let (coverage, how) = match row.coverage {
            Coverage::None => ("**none**".to_string(), cell(&row.reason)),
            other => {
                let mut how = cell(&row.query);
                if !row.notes.is_empty() {
                    how = format!("{how}. {}", cell(&row.notes)).trim_start_matches(". ").to_string();
                }
                (other.word().to_string(), how)
            }
        };
        let coverage = match &row.facade {
            Some(facade) => format!("{coverage}, facade `{facade}`"),
            None => coverage,
        };
        let run = if row.cli.is_empty() { String::new() } else { format!("`{}`", cell(&row.cli)) };
        let _ = writeln!(
            out,
            "| `{}`<br>`fitbit {}` | {coverage} | {methods} | {types} | {how} | {run} |",
            placed.id, placed.command
        );
    }
    out.push_str("\n## Field by field\n\n");
    out.push_str("Where each legacy field's value comes from now (unit conversions included).\n");
    let mut current = None;
    for placed in rows.iter().filter(|p| !p.row.fields.is_empty()) {
        if current.as_deref() != Some(placed.tag.as_str()) {
            if current.is_some() {
                out.push_str("\n</details>\n");
            }
            let _ = write!(out, "\n<details><summary>{}</summary>\n", placed.tag);
            current = Some(placed.tag.clone());
        }
        let _ = writeln!(out, "\n`{}`\n", placed.id);
        for (legacy, new) in &placed.row.fields {
            let _ = writeln!(out, "- `{}` ← {}", cell(legacy), cell(new));
        }
    }
    if current.is_some() {
        out.push_str("\n</details>\n");
    }
    out
}

/// A Rust string literal.
fn lit(text: &str) -> String {
    format!("{:?}", text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn lits(items: &[String]) -> String {
    format!("&[{}]", items.iter().map(|i| lit(i)).collect::<Vec<_>>().join(", "))
}

/// `fitbit-auth/src/migration/table.rs` (formatted by the caller).
pub fn render_table(map: &MigrationMap, spec: &Spec) -> String {
    let mut rows = String::new();
    for placed in placed(map, spec) {
        let row = placed.row;
        let fields = row
            .fields
            .iter()
            .map(|(legacy, new)| format!("Field {{ legacy: {}, new: {} }}", lit(legacy), lit(new)))
            .collect::<Vec<_>>()
            .join(", ");
        let facade = match &row.facade {
            Some(facade) => format!("Some({})", lit(facade)),
            None => "None".to_string(),
        };
        let _ = write!(
            rows,
            "Replacement {{ operation: {}, area: {}, command: {}, coverage: {}, methods: {}, data_types: {}, \
             query: {}, fields: &[{fields}], scopes: {}, cli: {}, facade: {facade}, notes: {}, reason: {} }},",
            lit(placed.id),
            lit(&placed.tag),
            lit(&placed.command),
            row.coverage.rust(),
            lits(&row.methods),
            lits(&row.data_types),
            lit(&row.query),
            lits(&row.scopes),
            lit(&row.cli),
            lit(&row.notes),
            lit(&row.reason),
        );
    }
    let notes = lits(&map.notes);
    let scopes = map
        .scopes
        .iter()
        .map(|(legacy, google)| format!("({}, {})", lit(legacy), lits(google)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "use super::{{Coverage, Field, Replacement}};\n\n\
         /// One row per operation of the legacy spec, in tag then operation order.\n\
         pub(super) static REPLACEMENTS: &[Replacement] = &[{rows}];\n\n\
         /// Differences that apply to every row.\n\
         pub(super) static GENERAL_NOTES: &[&str] = {notes};\n\n\
         /// Legacy OAuth scope → Google Health API scopes (short names).\n\
         pub(super) static SCOPES: &[(&str, &[&str])] = &[{scopes}];\n"
    )
}

/// The generated files the map gives, for `regen` and `--check`.
pub fn render_all(root: &Path, spec: &Spec) -> Result<Vec<crate::GeneratedFile>, Error> {
    let map = load_checked(root, spec)?;
    let table = crate::codegen::format_with_header(
        "migration table",
        &render_table(&map, spec),
        &format!(
            "// @generated by `cargo xtask regen` from {MIGRATION_PATH}: do not edit.\n\
             // Change the map (or xtask/src/migration.rs) and run `cargo xtask regen`.\n\n"
        ),
    )?;
    Ok(vec![
        crate::GeneratedFile { path: MARKDOWN_PATH.into(), contents: render_markdown(&map, spec) },
        crate::GeneratedFile { path: TABLE_PATH.into(), contents: table },
    ])
}

/// Counts per coverage, for messages.
pub fn summary(map: &MigrationMap) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for (_, row) in &map.operations {
        *out.entry(row.coverage.word()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
tags: [{ name: Heart Rate Intraday }, { name: Friends }]
paths:
  /1/user/-/activities/heart/date/{date}/1d/1min.json:
    get:
      operationId: get_heartrate_intraday_by_date
      tags: [Heart Rate Intraday]
      x-fitbit-scope: heartrate
      responses: {}
  /1.1/user/-/friends.json:
    get:
      operationId: get_friends
      tags: [Friends]
      x-fitbit-scope: social
      responses: {}
"#;

    fn catalogue() -> Catalogue {
        Catalogue::from_discovery(&serde_json::json!({
            "resources": { "users": { "resources": { "dataTypes": { "resources": { "dataPoints": {
                "methods": { "list": { "id": "health.users.dataTypes.dataPoints.list" } }
            } } } } } },
            "schemas": {
                "DataPoint": { "properties": { "name": {}, "dataSource": {}, "heartRate": {} } },
                "RollupDataPoint": { "properties": { "startTime": {}, "totalCalories": {} } }
            },
            "auth": { "oauth2": { "scopes": {
                "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly": {}
            } } }
        }))
    }

    fn map(rows: &str) -> MigrationMap {
        MigrationMap::parse(&format!(
            "notes: [n]\nscopes:\n  heartrate: [health_metrics_and_measurements.readonly]\n  social: []\n\
             operations:\n{rows}"
        ))
        .unwrap()
    }

    const GOOD: &str = "  get_heartrate_intraday_by_date:
    coverage: partial
    methods: [users.dataTypes.dataPoints.list]
    data_types: [heart-rate]
    scopes: [health_metrics_and_measurements.readonly]
    fields:
      b.value: beatsPerMinute
      a.time: civilTime
  get_friends:
    coverage: none
    reason: gone
";

    fn problems(rows: &str) -> Vec<String> {
        let spec = Spec::parse(SPEC).unwrap();
        validate(&map(rows), &spec, &catalogue())
    }

    #[test]
    fn a_sound_map_passes_and_keeps_its_order() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
        let parsed = map(GOOD);
        let row = parsed.row("get_heartrate_intraday_by_date").unwrap();
        assert_eq!(row.fields[0].0, "b.value", "fields stay in document order");
        assert!(catalogue().data_types.contains("total-calories"), "rollup-only types count");
    }

    #[test]
    fn a_missing_row_an_unknown_method_data_type_or_scope_fail() {
        let without_friends = GOOD.split("  get_friends:").next().unwrap();
        assert!(problems(without_friends).iter().any(|p| p.starts_with("get_friends: no row")));
        let bad_method = GOOD.replace("dataPoints.list]", "dataPoints.search]");
        assert!(
            problems(&bad_method)
                .iter()
                .any(|p| p.contains("`users.dataTypes.dataPoints.search` is not a method"))
        );
        let bad_type = GOOD.replace("[heart-rate]", "[heartrate]");
        assert!(problems(&bad_type).iter().any(|p| p.contains("`heartrate` is not a data type")));
        let bad_scope = GOOD.replace("scopes: [health_metrics", "scopes: [health_metric");
        assert!(problems(&bad_scope).iter().any(|p| p.contains("is not a scope")));
        let unknown = format!("{GOOD}  get_lifetime_stats:\n    coverage: none\n    reason: gone\n");
        assert!(problems(&unknown).iter().any(|p| p.contains("get_lifetime_stats: not an operation")));
        let no_reason = GOOD.replace("reason: gone", "reason: \"\"");
        assert!(problems(&no_reason).iter().any(|p| p.contains("needs a reason")));
    }

    #[test]
    fn a_repeated_operation_is_refused() {
        let twice = format!("{GOOD}  get_friends:\n    coverage: none\n    reason: again\n");
        let err = MigrationMap::parse(&format!("notes: []\nscopes: {{}}\noperations:\n{twice}")).unwrap_err();
        assert!(err.contains("twice") || err.contains("duplicate"), "{err}");
    }

    #[test]
    fn the_renderings_name_every_row() {
        let spec = Spec::parse(SPEC).unwrap();
        let map = map(GOOD);
        let markdown = render_markdown(&map, &spec);
        assert!(
            markdown.contains("| `get_friends`<br>`fitbit friends get-friends` | **none** |"),
            "{markdown}"
        );
        assert!(markdown.contains("`dataPoints.list`"), "{markdown}");
        let table = render_table(&map, &spec);
        assert!(table.contains("operation: \"get_heartrate_intraday_by_date\""), "{table}");
        assert!(table.contains("command: \"heart-rate-intraday get-heartrate-intraday-by-date\""), "{table}");
    }
}

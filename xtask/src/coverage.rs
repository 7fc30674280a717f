//! `cargo xtask coverage`: how much of the API the spec covers, how well typed
//! it is, and which operations still lack a contract-test fixture.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use crate::spec::{Spec, schema_ref_name};

/// Where contract-test fixtures live: `<operation_id>.json`, `<operation_id>.<case>.json`,
/// or `<operation_id>.<ext>` for a non-JSON body (TCX).
pub const FIXTURE_DIR: &str = "tests/fixtures/responses";

/// What the report found for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationCoverage {
    pub operation_id: String,
    pub tag: String,
    /// The success body's schema name, or `None` for bodiless responses.
    pub success_schema: Option<String>,
    /// The success schema is a schema-less object (no properties, no typed map).
    pub untyped: bool,
    /// Number of fixtures found for this operation.
    pub fixtures: usize,
}

/// Computes coverage for every operation.
pub fn compute(spec: &Spec, root: &Path) -> Vec<OperationCoverage> {
    let fixture_names: Vec<String> = std::fs::read_dir(root.join(FIXTURE_DIR))
        .map(|dir| dir.filter_map(|entry| entry.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    let schemas = spec.openapi.components.as_ref().map(|c| &c.schemas);
    spec.operations()
        .iter()
        .map(|op| {
            let operation_id = op.name();
            let success_schema = spec
                .success_responses(op)
                .flat_map(|response| response.content.values())
                .find_map(|content| content.schema.as_ref().and_then(schema_ref_name))
                .map(String::from);
            let untyped = success_schema.as_deref().is_some_and(|name| {
                schemas.and_then(|s| s.get(name)).is_none_or(|schema| is_untyped(spec, schema))
            });
            let fixtures = fixture_names
                .iter()
                .filter(|file| {
                    // `<id>.json`, `<id>.<case>.json`, or `<id>.<ext>` for a non-JSON body.
                    file.strip_prefix(operation_id.as_str()).is_some_and(|rest| {
                        rest.starts_with('.') && !rest[1..].contains('_') && !rest.ends_with(".md")
                    })
                })
                .count();
            OperationCoverage {
                operation_id,
                tag: op.operation.tags.first().cloned().unwrap_or_default(),
                success_schema,
                untyped,
                fixtures,
            }
        })
        .collect()
}

/// A schema gives callers nothing typed: an object with neither properties nor
/// a typed map, or no type at all.
fn is_untyped(spec: &Spec, schema: &ReferenceOr<Schema>) -> bool {
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let Some(name) = reference.strip_prefix("#/components/schemas/") else { return true };
            match spec.openapi.components.as_ref().and_then(|c| c.schemas.get(name)) {
                Some(inner) => return is_untyped(spec, inner),
                None => return true,
            }
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            object.properties.is_empty()
                && !matches!(object.additional_properties, Some(openapiv3::AdditionalProperties::Schema(_)))
        }
        SchemaKind::Any(any) => any.properties.is_empty() && any.items.is_none(),
        _ => false,
    }
}

/// The human-readable report printed by `cargo xtask coverage`.
pub fn report(coverage: &[OperationCoverage]) -> String {
    let mut per_tag: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for op in coverage {
        let entry = per_tag.entry(op.tag.as_str()).or_default();
        entry.0 += 1;
        if op.success_schema.is_some() && !op.untyped {
            entry.1 += 1;
        }
        if op.fixtures > 0 {
            entry.2 += 1;
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "{:<34} {:>10} {:>8} {:>14}", "tag", "operations", "typed", "contract-tested");
    for (tag, (ops, typed, tested)) in &per_tag {
        let _ = writeln!(out, "{tag:<34} {ops:>10} {typed:>8} {tested:>14}");
    }
    let total = coverage.len();
    let with_body = coverage.iter().filter(|c| c.success_schema.is_some()).count();
    let typed = coverage.iter().filter(|c| c.success_schema.is_some() && !c.untyped).count();
    let tested = coverage.iter().filter(|c| c.success_schema.is_some() && c.fixtures > 0).count();
    let _ = writeln!(
        out,
        "\n{total} operations; {with_body} return a JSON body, {typed} of them typed, \
         {tested} with a contract-test fixture; {} answer without a body.",
        total - with_body
    );
    let untyped: Vec<&str> = coverage.iter().filter(|c| c.untyped).map(|c| c.operation_id.as_str()).collect();
    if !untyped.is_empty() {
        let _ = writeln!(out, "\nUntyped responses:\n  {}", untyped.join("\n  "));
    }
    let untested: Vec<&str> = coverage
        .iter()
        .filter(|c| c.success_schema.is_some() && c.fixtures == 0)
        .map(|c| c.operation_id.as_str())
        .collect();
    if !untested.is_empty() {
        let _ =
            writeln!(out, "\nWithout a contract-test fixture ({FIXTURE_DIR}):\n  {}", untested.join("\n  "));
    }
    out
}

/// The provenance part of `cargo xtask coverage`: fixtures per kind, and the
/// written ones by name (their contract tests check only our own guess).
pub fn provenance_report(provenance: &crate::provenance::Provenance) -> String {
    use crate::provenance::Kind;
    let counts = crate::provenance::counts(provenance);
    let count = |kind: Kind| counts.get(&kind).copied().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nFixture provenance ({}): {} fixtures; {} {}, {} {}, {} {}.",
        crate::provenance::PROVENANCE_PATH,
        provenance.len(),
        count(Kind::Example),
        Kind::Example.describe(),
        count(Kind::ReferencePage),
        Kind::ReferencePage.describe(),
        count(Kind::Written),
        Kind::Written.describe(),
    );
    let written: Vec<&str> =
        provenance.iter().filter(|(_, e)| e.kind == Kind::Written).map(|(name, _)| name.as_str()).collect();
    if !written.is_empty() {
        let _ =
            writeln!(out, "\nWritten by us (no documented example behind them):\n  {}", written.join("\n  "));
    }
    out
}

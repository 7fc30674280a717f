//! Fixture keys against the spec: every key of a response fixture must be a
//! property its schema declares.
//!
//! Every model keeps unknown keys (`additionalProperties: {}`), so decoding a
//! fixture and re-encoding it gives the same JSON even when a key is missing
//! from the schema or misspelled in it: the contract tests alone cannot see
//! that. This walk can.

use serde_json::Value;

use crate::spec::Spec;

/// The JSON paths (`$.user.features`, `$.sleep[].levels`) of the keys in
/// `value` that the schema named `schema` does not declare. Keys of a typed
/// map (`additionalProperties: <schema>`) are declared by the map; an
/// untyped `additionalProperties: {}` declares nothing.
pub fn undeclared_keys(spec: &Spec, schema: &str, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let schema = Value::String(format!("#/components/schemas/{schema}"));
    walk(spec, &serde_json::json!({ "$ref": schema }), value, "$", &mut found);
    found
}

/// Follows `$ref`s to the schema object they name.
fn resolve<'a>(spec: &'a Spec, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else { break };
        match reference.strip_prefix('#').and_then(|pointer| spec.raw.pointer(pointer)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// The schema itself and, for `oneOf`/`anyOf`/`allOf`, every branch.
fn branches<'a>(spec: &'a Spec, schema: &'a Value) -> Vec<&'a Value> {
    let schema = resolve(spec, schema);
    let mut out = vec![schema];
    for key in ["oneOf", "anyOf", "allOf"] {
        for branch in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            out.extend(branches(spec, branch));
        }
    }
    out
}

fn walk(spec: &Spec, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let candidates = branches(spec, schema);
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let path = format!("{at}.{key}");
                let declared = candidates.iter().find_map(|branch| branch.get("properties")?.get(key));
                let typed_map = || {
                    candidates.iter().find_map(|branch| {
                        let map = branch.get("additionalProperties")?;
                        map.as_object().is_some_and(|m| !m.is_empty()).then_some(map)
                    })
                };
                match declared.or_else(typed_map) {
                    Some(inner) => walk(spec, inner, child, &path, found),
                    None => found.push(path),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = candidates.iter().find_map(|branch| branch.get("items")) {
                for item in items {
                    walk(spec, item_schema, item, &format!("{at}[]"), found);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::parse(
            r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Day:
      type: object
      additionalProperties: {}
      properties:
        logId: {type: integer}
        levels: {type: array, items: {$ref: '#/components/schemas/Level'}}
        series: {type: object, additionalProperties: {$ref: '#/components/schemas/Level'}}
        either: {oneOf: [{type: array, items: {type: string}}, {$ref: '#/components/schemas/Level'}]}
    Level:
      type: object
      additionalProperties: {}
      properties:
        seconds: {type: integer}
"##,
        )
        .expect("a spec")
    }

    #[test]
    fn finds_keys_the_schema_does_not_declare_at_any_depth() {
        let body = serde_json::json!({
            "logId": 1,
            "logID": 2,
            "levels": [{"seconds": 30}, {"secnds": 30}],
            "series": {"any-name": {"seconds": 1, "extra": true}},
            "either": {"seconds": 1, "nope": 0},
        });
        assert_eq!(
            undeclared_keys(&spec(), "Day", &body),
            // serde_json's map keeps keys sorted.
            ["$.either.nope", "$.levels[].secnds", "$.logID", "$.series.any-name.extra"]
        );
        let clean = serde_json::json!({"logId": 1, "levels": [{"seconds": 1}], "either": ["a"]});
        assert!(undeclared_keys(&spec(), "Day", &clean).is_empty());
    }
}

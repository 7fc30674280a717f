//! The project's rules for the spec, checked before progenitor sees it.
//!
//! progenitor 0.15 panics on some shapes and silently mis-generates others
//! (see `spec/README.md`). Each rule here turns one of those into a message
//! that names the operation at fault.

use std::collections::BTreeSet;

use openapiv3::{Parameter, ReferenceOr, StatusCode};

use crate::naming::is_snake_case;
use crate::spec::{OperationRef, Spec, schema_ref_name};

/// Every OAuth scope Fitbit defines. `none` marks operations that need no scope.
pub const KNOWN_SCOPES: &[&str] = &[
    "activity",
    "cardio_fitness",
    "electrocardiogram",
    "heartrate",
    "irregular_rhythm_notifications",
    "location",
    "nutrition",
    "oxygen_saturation",
    "profile",
    "respiratory_rate",
    "settings",
    "sleep",
    "social",
    "temperature",
    "weight",
    "none",
];

/// The one error body every 4xx/5xx response must use.
pub const ERROR_SCHEMA: &str = "ErrorEnvelope";

/// Checks every rule; returns one message per problem.
pub fn validate(spec: &Spec) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();

    if !spec.openapi.openapi.starts_with("3.0.") {
        problems.push(format!("openapi version is {}; progenitor 0.15 needs 3.0.x", spec.openapi.openapi));
    }
    check_refs(&spec.raw, "", &spec.raw, &mut problems);
    check_schema_keys(&spec.raw, &mut problems);

    let declared_tags: BTreeSet<&str> = spec.openapi.tags.iter().map(|t| t.name.as_str()).collect();
    let mut seen_ids = BTreeSet::new();
    for op in spec.operations() {
        check_operation(spec, &op, &declared_tags, &mut seen_ids, &mut problems);
    }

    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn check_operation(
    spec: &Spec,
    op: &OperationRef<'_>,
    declared_tags: &BTreeSet<&str>,
    seen_ids: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    let name = op.name();
    let operation = op.operation;
    let mut problem = |text: String| problems.push(format!("{name}: {text}"));

    match &operation.operation_id {
        None => problem(format!("missing operationId ({} {})", op.method.to_uppercase(), op.path)),
        Some(id) => {
            if !is_snake_case(id) {
                problem("operationId must be snake_case".into());
            }
            if !seen_ids.insert(id.clone()) {
                problem("operationId is used twice".into());
            }
        }
    }
    if operation.summary.as_deref().is_none_or(str::is_empty) {
        problem("missing summary".into());
    }
    if operation.description.as_deref().is_none_or(str::is_empty) {
        problem("missing description".into());
    }

    match operation.tags.as_slice() {
        [tag] if declared_tags.contains(tag.as_str()) => {}
        [tag] => problem(format!("tag `{tag}` is not declared in the top-level `tags`")),
        [] => problem("has no tag; exactly one is required".into()),
        tags => problem(format!(
            "has {} tags ({}); exactly one is required, or the call becomes ambiguous",
            tags.len(),
            tags.join(", ")
        )),
    }

    match op.scopes() {
        None => problem("missing `x-fitbit-scope` (the OAuth scope it needs, or `none`)".into()),
        Some(scopes) if scopes.is_empty() => problem("`x-fitbit-scope` is empty".into()),
        Some(scopes) => {
            for scope in scopes {
                if !KNOWN_SCOPES.contains(&scope.as_str()) {
                    problem(format!("unknown scope `{scope}` in `x-fitbit-scope`"));
                }
            }
        }
    }

    check_parameters(spec, op, &mut problem);
    check_request_body(spec, op, &mut problem);
    check_responses(spec, op, &mut problem);
}

fn check_parameters(spec: &Spec, op: &OperationRef<'_>, problem: &mut impl FnMut(String)) {
    let mut path_names = BTreeSet::new();
    for parameter in op.path_parameters.iter().chain(op.operation.parameters.iter()) {
        let Some(parameter) = spec.parameter(parameter) else {
            // Reported by the `$ref` walk.
            continue;
        };
        let data = parameter.parameter_data_ref();
        if let Parameter::Path { .. } = parameter {
            if !data.required {
                problem(format!("path parameter `{}` must be required", data.name));
            }
            path_names.insert(data.name.clone());
        }
        if data.description.as_deref().is_none_or(str::is_empty) {
            problem(format!("parameter `{}` has no description", data.name));
        }
    }
    let in_template: BTreeSet<String> = path_template_names(op.path).collect();
    for missing in in_template.difference(&path_names) {
        problem(format!("path segment `{{{missing}}}` has no path parameter"));
    }
    for extra in path_names.difference(&in_template) {
        problem(format!("path parameter `{extra}` does not appear in the path"));
    }
}

fn check_request_body(spec: &Spec, op: &OperationRef<'_>, problem: &mut impl FnMut(String)) {
    let Some(body) = &op.operation.request_body else { return };
    let body = match body {
        ReferenceOr::Item(body) => body,
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/requestBodies/");
            match spec
                .openapi
                .components
                .as_ref()
                .and_then(|c| c.request_bodies.get(name))
                .and_then(ReferenceOr::as_item)
            {
                Some(body) => body,
                None => return,
            }
        }
    };
    if !body.required {
        problem(
            "request body must be `required: true` (progenitor 0.15 treats it as required anyway)".into(),
        );
    }
    if body.content.len() != 1 {
        problem(format!(
            "request body has {} media types; progenitor 0.15 needs exactly one",
            body.content.len()
        ));
    }
    for (media_type, content) in &body.content {
        if media_type != "application/json" && media_type != "application/x-www-form-urlencoded" {
            problem(format!("request body media type `{media_type}` is not supported"));
        }
        match &content.schema {
            Some(schema) if schema_ref_name(schema).is_some() => {}
            _ => problem("request body schema must be a `$ref` to a named component".into()),
        }
    }
}

fn check_responses(spec: &Spec, op: &OperationRef<'_>, problem: &mut impl FnMut(String)) {
    let responses = &op.operation.responses;
    if responses.default.is_some() {
        problem("`default` response is not allowed; declare `4XX` and `5XX`".into());
    }
    let mut success_bodies = BTreeSet::new();
    let mut bodiless_success = false;
    let mut has_4xx = false;
    let mut has_5xx = false;
    for (status, response) in &responses.responses {
        let Some(response) = spec.response(response) else { continue };
        let class = match status {
            StatusCode::Code(code) => code / 100,
            StatusCode::Range(range) => *range,
        };
        has_4xx |= class == 4;
        has_5xx |= class == 5;
        if response.content.len() > 1 {
            problem(format!("response {status} has several media types; use one"));
        }
        let mut body_schema = None;
        for (media_type, content) in &response.content {
            match content.schema.as_ref().and_then(schema_ref_name) {
                Some(schema) => body_schema = Some(schema.to_string()),
                None => problem(format!(
                    "response {status} ({media_type}) has an inline schema; use a `$ref` to a \
                     named component (progenitor 0.15 gives inline response schemas of one \
                     operation the same Rust name)"
                )),
            }
        }
        match class {
            2 => match body_schema {
                Some(schema) => {
                    success_bodies.insert(schema);
                }
                None if response.content.is_empty() => bodiless_success = true,
                None => {}
            },
            4 | 5 => match body_schema.as_deref() {
                Some(ERROR_SCHEMA) => {}
                Some(other) => problem(format!(
                    "error response {status} uses `{other}`; every 4xx/5xx must use `{ERROR_SCHEMA}`"
                )),
                None => problem(format!(
                    "error response {status} has no body; every 4xx/5xx must use `{ERROR_SCHEMA}`"
                )),
            },
            _ => problem(format!("response {status} is neither success nor error")),
        }
    }
    if success_bodies.len() > 1 {
        problem(format!(
            "has {} success schemas ({}); progenitor 0.15 needs one",
            success_bodies.len(),
            success_bodies.into_iter().collect::<Vec<_>>().join(", ")
        ));
    } else if success_bodies.len() == 1 && bodiless_success {
        problem("mixes a JSON success body with a bodiless success response".into());
    } else if success_bodies.is_empty() && !bodiless_success {
        problem("has no success (2xx) response".into());
    }
    if !has_4xx || !has_5xx {
        problem(format!("must declare `4XX` and `5XX` responses using `{ERROR_SCHEMA}`"));
    }
}

/// The keys of an OpenAPI 3.0 Schema Object; `x-` extensions are allowed too.
pub const SCHEMA_KEYS: &[&str] = &[
    "$ref",
    "additionalProperties",
    "allOf",
    "anyOf",
    "default",
    "deprecated",
    "description",
    "discriminator",
    "enum",
    "example",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "externalDocs",
    "format",
    "items",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "not",
    "nullable",
    "oneOf",
    "pattern",
    "properties",
    "readOnly",
    "required",
    "title",
    "type",
    "uniqueItems",
    "writeOnly",
    "xml",
];

/// Reports every key of a schema object that OpenAPI 3.0 does not define.
/// openapiv3 ignores such keys, so a flow-style description cut at a comma
/// (`{type: string, description: Local time, for example …}`) would
/// silently leave a stray key and a truncated description.
fn check_schema_keys(root: &serde_json::Value, problems: &mut Vec<String>) {
    if let Some(schemas) = root.pointer("/components/schemas").and_then(serde_json::Value::as_object) {
        for (name, schema) in schemas {
            check_schema_object(name, schema, problems);
        }
    }
    if let Some(parameters) = root.pointer("/components/parameters").and_then(serde_json::Value::as_object) {
        for (name, parameter) in parameters {
            if let Some(schema) = parameter.get("schema") {
                check_schema_object(&format!("parameter {name}"), schema, problems);
            }
        }
    }
    let Some(paths) = root.get("paths").and_then(serde_json::Value::as_object) else { return };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, operation) in item {
            let name = operation
                .get("operationId")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| format!("{} {path}", method.to_uppercase()), str::to_string);
            let parameters = operation.get("parameters").and_then(serde_json::Value::as_array);
            for parameter in parameters.into_iter().flatten() {
                if let Some(schema) = parameter.get("schema") {
                    let parameter_name =
                        parameter.get("name").and_then(serde_json::Value::as_str).unwrap_or("?");
                    check_schema_object(&format!("{name} (parameter `{parameter_name}`)"), schema, problems);
                }
            }
        }
    }
}

fn check_schema_object(at: &str, schema: &serde_json::Value, problems: &mut Vec<String>) {
    let Some(object) = schema.as_object() else { return };
    for key in object.keys() {
        if !SCHEMA_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
            problems
                .push(format!("{at}: unknown schema key `{key}` (a description cut at a comma? quote it)"));
        }
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(inner) = object.get(key) {
            check_schema_object(&format!("{at}/{key}"), inner, problems);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (index, inner) in
            object.get(key).and_then(serde_json::Value::as_array).into_iter().flatten().enumerate()
        {
            check_schema_object(&format!("{at}/{key}/{index}"), inner, problems);
        }
    }
    if let Some(properties) = object.get("properties").and_then(serde_json::Value::as_object) {
        for (name, inner) in properties {
            check_schema_object(&format!("{at}.{name}"), inner, problems);
        }
    }
}

/// Reports every `$ref` that does not resolve inside the document.
fn check_refs(root: &serde_json::Value, at: &str, value: &serde_json::Value, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(reference)) = map.get("$ref") {
                let resolved = reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer));
                if resolved.is_none() {
                    problems.push(format!("{}: broken $ref `{reference}`", describe_location(root, at)));
                }
            }
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                check_refs(root, &format!("{at}/{escaped}"), child, problems);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                check_refs(root, &format!("{at}/{index}"), child, problems);
            }
        }
        _ => {}
    }
}

/// Turns a JSON pointer into words, naming the operation when it is inside one.
fn describe_location(root: &serde_json::Value, pointer: &str) -> String {
    let parts: Vec<String> =
        pointer.split('/').skip(1).map(|p| p.replace("~1", "/").replace("~0", "~")).collect();
    match parts.as_slice() {
        [first, path, method, rest @ ..] if first == "paths" => {
            let operation_id = root["paths"][path.as_str()][method.as_str()]["operationId"].as_str();
            match operation_id {
                Some(id) => format!("{id} ({})", rest.join("/")),
                None => format!("{} {path} ({})", method.to_uppercase(), rest.join("/")),
            }
        }
        _ => format!("at {pointer}"),
    }
}

fn path_template_names(path: &str) -> impl Iterator<Item = String> + '_ {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
}

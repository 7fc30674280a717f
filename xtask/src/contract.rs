//! Generates `tests/tests/contract/generated.rs`: one test per operation.
//!
//! Each test starts a loopback mock server that expects the operation's exact
//! method, path (with sample parameter values) and required query parameters,
//! checks that no undeclared query parameter is sent and that the body and its
//! `Content-Type` are what the spec says (none, empty with `Content-Length: 0`,
//! a form, or JSON),
//! answers with every fixture in `tests/fixtures/responses/` for that operation
//! (or with 204 for bodiless operations), calls the generated client and checks
//! that the typed response re-encodes to the fixture without losing anything.
//! Generating the tests from the spec means a new operation cannot be left out.

use std::fmt::Write;

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type};

use crate::naming::{area_name, kebab, rust_ident};
use crate::spec::{OperationRef, Spec, schema_ref_name};

/// Where the generated contract tests go.
/// Included by the handwritten `tests/tests/contract.rs` as a module.
pub const CONTRACT_TESTS_PATH: &str = "tests/tests/contract/generated.rs";

/// Where the generated table of CLI cases goes.
pub const CLI_CASES_PATH: &str = "fitbit-cli/tests/every_operation/cases.rs";

/// Renders the table the CLI's every-operation test runs: for each operation,
/// the subcommand and flags (sample values), and the request the mock expects.
pub fn render_cli_cases(spec: &Spec) -> String {
    let mut ops = spec.operations();
    ops.sort_by_key(|op| op.name());
    let mut cases = String::new();
    for op in &ops {
        let id = op.name();
        let tag = op.operation.tags.first().cloned().unwrap_or_default();
        let mut args = vec![area_name(&tag), kebab(&id)];
        let mut path = op.path.to_string();
        let mut queries = String::new();
        for parameter in spec.parameters(op) {
            let data = parameter.parameter_data_ref();
            let sample = sample_for(spec, &data.format);
            match parameter {
                Parameter::Path { .. } if data.name == "user-id" => path = path.replace("{user-id}", "-"),
                Parameter::Path { .. } => {
                    path = path.replace(&format!("{{{}}}", data.name), &sample.text);
                    args.extend([format!("--{}", kebab(&data.name)), sample.text]);
                }
                Parameter::Query { .. } if data.required => {
                    let _ = write!(queries, "(\"{}\", \"{}\"),", data.name, sample.text);
                    args.extend([format!("--{}", kebab(&data.name)), sample.text]);
                }
                _ => {}
            }
        }
        let body = match spec.success_media(op).as_deref() {
            Some("application/json") => "Body::Json",
            Some(_) => "Body::Raw",
            None => "Body::Empty",
        };
        let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
        let _ = write!(
            cases,
            "Case {{ operation: {id:?}, args: &[{}], takes_body: {}, method: {:?}, path: {path:?}, query: &[{queries}], status: {}, body: {body} }},",
            args.join(", "),
            op.operation.request_body.is_some(),
            op.method.to_uppercase(),
            success_status(op),
        );
    }
    format!(
        "use super::{{Body, Case}};\n\n/// One case per operation of the spec.\npub(crate) const CASES: &[Case] = &[{cases}];\n"
    )
}

/// A sample value for one parameter: the Rust expression passed to the builder
/// and the text that must appear in the URL.
struct Sample {
    rust: String,
    text: String,
}

/// Renders the whole test file (formatted by the caller).
pub fn render(spec: &Spec) -> String {
    let mut out = String::from(
        "use crate::support::contract::{self, Expect, run_bodiless, run_json};\n\
         use fitbit_api::prelude::*;\n\n",
    );
    let mut ops = spec.operations();
    ops.sort_by_key(|op| op.name());
    for op in &ops {
        let _ = write!(out, "{}", render_operation(spec, op));
    }
    out
}

fn render_operation(spec: &Spec, op: &OperationRef<'_>) -> String {
    let id = op.name();
    let mut path = op.path.to_string();
    let mut setters = String::new();
    let mut queries = String::new();
    let mut declared_query = String::new();
    for parameter in spec.parameters(op) {
        let data = parameter.parameter_data_ref();
        let setter = rust_ident(&data.name);
        let sample = sample_for(spec, &data.format);
        if let Parameter::Query { .. } = parameter {
            let _ = write!(declared_query, "{:?},", data.name);
        }
        match parameter {
            Parameter::Path { .. } if data.name == "user-id" => {
                // Left to the builder's default, which must be `-`.
                path = path.replace("{user-id}", "-");
            }
            Parameter::Path { .. } => {
                path = path.replace(&format!("{{{}}}", data.name), &sample.text);
                let _ = write!(setters, ".{setter}({})", sample.rust);
            }
            Parameter::Query { .. } if data.required => {
                let _ = write!(queries, "(\"{}\", \"{}\"),", data.name, sample.text);
                let _ = write!(setters, ".{setter}({})", sample.rust);
            }
            _ => {}
        }
    }
    let mut body_kind = if matches!(op.method, "post" | "put" | "patch") { "Empty" } else { "None" };
    if let Some(ReferenceOr::Item(body)) = &op.operation.request_body
        && let Some((media_type, content)) = body.content.first()
        && let Some(name) = content.schema.as_ref().and_then(schema_ref_name)
    {
        let _ = write!(setters, ".body(contract::request_body::<fitbit_api::types::{name}>(\"{id}\"))");
        body_kind = match media_type.as_str() {
            "application/x-www-form-urlencoded" => "Form",
            _ => "Json",
        };
    }
    let method = op.method.to_uppercase();
    let status = success_status(op);
    let expect = format!(
        "Expect {{ operation: \"{id}\", method: \"{method}\", path: \"{path}\", query: &[{queries}], \
         declared_query: &[{declared_query}], body: contract::Body::{body_kind}, status: {status} }}"
    );
    let call = format!("|client| async move {{ client.{id}(){setters}.send().await }}");
    let success = spec.success_media(op);
    match success.as_deref() {
        Some("application/json") => {
            format!("#[tokio::test]\nasync fn {id}() {{\n    run_json({expect}, {call}).await;\n}}\n\n")
        }
        Some(_) => format!(
            "#[tokio::test]\nasync fn {id}() {{\n    contract::run_raw({expect}, {call}).await;\n}}\n\n"
        ),
        None => {
            format!("#[tokio::test]\nasync fn {id}() {{\n    run_bodiless({expect}, {call}).await;\n}}\n\n")
        }
    }
}

/// Where the generated typed-mock tests go; included by the handwritten
/// `tests/tests/typed_mocks.rs` as a module.
pub const TYPED_MOCK_TESTS_PATH: &str = "tests/tests/typed_mocks/generated.rs";

/// Named schemas that handwritten value types replace: the typed mocks take
/// them by reference.
const VALUE_TYPES: &[&str] = &[
    "FitbitDate",
    "ClockTime",
    "LocalDateTime",
    "ListBound",
    "WeekDays",
    "AlarmTime",
    "NumericString",
    "UnitSystem",
];

/// Renders one test per operation: the operation's typed mock from
/// `fitbit-api-httpmock`, given the sample parameters and body, must match the
/// request the client sends for them, and its typed answer must decode.
pub fn render_typed_mock_tests(spec: &Spec) -> String {
    let mut out = String::from(
        "use crate::support::typed_mock::{answer, parsed, run};\n\
         use fitbit_api::prelude::*;\n\
         use fitbit_api_httpmock::MockServerExt as _;\n\n",
    );
    let mut ops = spec.operations();
    ops.sort_by_key(|op| op.name());
    for op in &ops {
        let id = op.name();
        let mut client_setters = String::new();
        let mut mock_setters = String::from(".user_id(\"-\")");
        let mut takes_user_id = false;
        for parameter in spec.parameters(op) {
            let data = parameter.parameter_data_ref();
            let setter = rust_ident(&data.name);
            let sample = sample_for(spec, &data.format);
            match parameter {
                Parameter::Path { .. } if data.name == "user-id" => takes_user_id = true,
                Parameter::Path { .. } => {}
                Parameter::Query { .. } if data.required => {}
                _ => continue,
            }
            if data.name == "user-id" {
                continue;
            }
            let _ = write!(client_setters, ".{setter}({})", sample.rust);
            let _ = write!(mock_setters, ".{setter}({})", mock_argument(spec, &data.format, &sample));
        }
        if !takes_user_id {
            mock_setters = mock_setters.replacen(".user_id(\"-\")", "", 1);
        }
        if let Some(ReferenceOr::Item(body)) = &op.operation.request_body
            && let Some((_, content)) = body.content.first()
            && let Some(name) = content.schema.as_ref().and_then(schema_ref_name)
        {
            let body =
                format!("crate::support::contract::request_body::<fitbit_api::types::{name}>(\"{id}\")");
            let _ = write!(client_setters, ".body({body})");
            let _ = write!(mock_setters, ".body(&{body})");
        }
        let status = success_status(op);
        let answer_method = match status {
            201 => "created",
            204 => "no_content",
            _ => "ok",
        };
        let schema = spec.success_responses(op).flat_map(|response| response.content.iter()).find_map(
            |(media, content)| Some((media.clone(), content.schema.as_ref().and_then(schema_ref_name)?)),
        );
        let then = match schema {
            Some((media, name)) if media == "application/json" => {
                format!("then.{answer_method}(&answer::<fitbit_api::types::{name}>(\"{id}\"));")
            }
            Some(_) => format!("then.{answer_method}(serde_json::json!(\"raw\"));"),
            None => format!("then.{answer_method}();"),
        };
        let (when, mock_setters) = if mock_setters.is_empty() {
            ("_when", String::new())
        } else {
            ("when", format!("when{mock_setters};"))
        };
        let _ = write!(
            out,
            "#[tokio::test]\nasync fn {id}() {{\n\
                 run(\"{id}\", |server| server.{id}(|{when}, then| {{ {mock_setters} {then} }}), \
                 |client| async move {{ client.{id}(){client_setters}.send().await.map(drop) }}).await;\n\
             }}\n\n"
        );
    }
    out
}

/// The typed mock's argument for a sample: value types by reference, enums
/// parsed from their text, strings and numbers as literals.
fn mock_argument(spec: &Spec, format: &ParameterSchemaOrContent, sample: &Sample) -> String {
    let ParameterSchemaOrContent::Schema(schema) = format else { return format!("{:?}", sample.text) };
    let resolved = match schema_ref_name(schema) {
        Some(name) if VALUE_TYPES.contains(&name) => return format!("&parsed({:?})", sample.text),
        Some(name) => match spec.openapi.components.as_ref().and_then(|c| c.schemas.get(name)) {
            Some(ReferenceOr::Item(resolved)) => resolved,
            _ => return format!("{:?}", sample.text),
        },
        None => match schema {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => return format!("{:?}", sample.text),
        },
    };
    match &resolved.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            format!("parsed({:?})", sample.text)
        }
        SchemaKind::Type(Type::String(s))
            if matches!(
                s.format,
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date)
            ) =>
        {
            format!("&parsed({:?})", sample.text)
        }
        // A length or pattern makes it a constrained-string newtype.
        SchemaKind::Type(Type::String(s))
            if s.max_length.is_some() || s.min_length.is_some() || s.pattern.is_some() =>
        {
            format!("&parsed({:?})", sample.text)
        }
        SchemaKind::Type(Type::String(_)) => format!("{:?}", sample.text),
        // Decimals are `fitbit_api::Number`, taken by reference.
        SchemaKind::Type(Type::Number(_)) => format!("&parsed({:?})", sample.text),
        _ => sample.rust.clone(),
    }
}

/// The lowest documented success status (what the mock answers with).
fn success_status(op: &OperationRef<'_>) -> u16 {
    op.operation
        .responses
        .responses
        .keys()
        .filter_map(|status| match status {
            openapiv3::StatusCode::Code(code) if (200..300).contains(code) => Some(*code),
            _ => None,
        })
        .min()
        .unwrap_or(200)
}

fn sample_for(spec: &Spec, format: &ParameterSchemaOrContent) -> Sample {
    let ParameterSchemaOrContent::Schema(schema) = format else {
        return Sample { rust: "\"sample\"".into(), text: "sample".into() };
    };
    if let Some(name) = schema_ref_name(schema) {
        match name {
            "FitbitDate" | "ListBound" => return text_sample("2024-01-31"),
            "WeekDays" => return text_sample("MONDAY,FRIDAY"),
            "AlarmTime" => return text_sample("07:00-08:00"),
            "ClockTime" => return text_sample("07:30"),
            _ => {}
        }
        if let Some(ReferenceOr::Item(resolved)) =
            spec.openapi.components.as_ref().and_then(|c| c.schemas.get(name))
        {
            return sample_for_schema(resolved);
        }
    }
    match schema {
        ReferenceOr::Item(schema) => sample_for_schema(schema),
        ReferenceOr::Reference { .. } => text_sample("sample"),
    }
}

fn sample_for_schema(schema: &Schema) -> Sample {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            if let Some(Some(first)) = s.enumeration.first() {
                return text_sample(first);
            }
            match &s.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => Sample {
                    rust: "chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()".into(),
                    text: "2024-01-31".into(),
                },
                _ => text_sample("sample"),
            }
        }
        SchemaKind::Type(Type::Integer(i)) => {
            let value = match i.maximum {
                Some(0) => 0,
                _ => 1,
            };
            Sample { rust: value.to_string(), text: value.to_string() }
        }
        SchemaKind::Type(Type::Number(_)) => Sample { rust: "1.5".into(), text: "1.5".into() },
        SchemaKind::Type(Type::Boolean(_)) => Sample { rust: "true".into(), text: "true".into() },
        _ => text_sample("sample"),
    }
}

fn text_sample(text: &str) -> Sample {
    Sample { rust: format!("{text:?}"), text: text.to_string() }
}

//! Generates `fitbit-cli/src/generated_commands.rs`: one clap subcommand per
//! operation, grouped by tag, with one flag per parameter (allowed values and
//! ranges in `--help`), and the code that turns the flags into a call of the
//! generated client. Being generated from the spec, the CLI cannot drift from it.
//!
//! progenitor's own CLI generator needs `schemars` on every type (and on our
//! handwritten ones); this small generator needs nothing beyond clap.

use std::fmt::Write;

use openapiv3::{
    Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::naming::{area_name, kebab, rust_ident, value_name};
use crate::spec::{OperationRef, Spec, schema_ref_name};

/// Where the generated commands go.
pub const CLI_COMMANDS_PATH: &str = "fitbit-cli/src/generated_commands.rs";

/// How a flag's text becomes a value for the builder.
enum Kind {
    /// One of the listed strings; passed as `&str` (the builder converts it).
    Choice(Vec<String>),
    /// A Rust type parsed by clap and copied (or cloned) into the builder.
    Typed { rust: String, range: Option<(i64, i64)>, copy: bool },
}

impl Kind {
    fn value_parser(&self) -> String {
        match self {
            Kind::Choice(values) => {
                let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                format!("clap::builder::PossibleValuesParser::new([{}])", values.join(", "))
            }
            Kind::Typed { rust, range: Some((min, max)), .. } => {
                format!("clap::value_parser!({rust}).range({min}..={max})")
            }
            Kind::Typed { rust, range: None, .. } => format!("clap::value_parser!({rust})"),
        }
    }

    fn rust_type(&self) -> &str {
        match self {
            Kind::Choice(_) => "String",
            Kind::Typed { rust, .. } => rust,
        }
    }

    /// The expression handed to the builder, given `value: &T`.
    fn argument(&self) -> &'static str {
        match self {
            Kind::Choice(_) => "value.as_str()",
            Kind::Typed { copy: true, .. } => "*value",
            Kind::Typed { copy: false, .. } => "value.clone()",
        }
    }

    /// The JSON value for a request-body field, given `value: &T`.
    fn json(&self) -> &'static str {
        match self {
            Kind::Choice(_) => "serde_json::json!(value)",
            Kind::Typed { rust, .. } if is_json_scalar(rust) => "serde_json::json!(*value)",
            Kind::Typed { .. } => "serde_json::json!(value.to_string())",
        }
    }
}

/// Numbers and booleans stay JSON numbers and booleans in a request body.
fn is_json_scalar(rust: &str) -> bool {
    matches!(rust, "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "f64" | "bool")
}

/// Renders the whole file (formatted by the caller).
pub fn render(spec: &Spec) -> String {
    let mut ops = spec.operations();
    ops.sort_by_key(|op| op.name());
    let mut areas = String::new();
    for tag in &spec.openapi.tags {
        let members: Vec<&OperationRef<'_>> =
            ops.iter().filter(|op| op.operation.tags.first() == Some(&tag.name)).collect();
        if members.is_empty() {
            continue;
        }
        let operations: Vec<String> = members
            .iter()
            .map(|op| {
                let id = op.name();
                format!("Operation {{ name: {:?}, command: {id}_command, run: {id}_run }}", kebab(&id))
            })
            .collect();
        let _ = write!(
            areas,
            "Area {{ name: {:?}, about: {:?}, operations: &[{}] }},",
            area_name(&tag.name),
            tag.description.clone().unwrap_or_default(),
            operations.join(", ")
        );
    }
    let mut out = format!(
        "use fitbit_api::prelude::*;\n\
         use futures::future::BoxFuture;\n\
         use crate::api_commands::{{Area, Operation, Output, body_from_json_flag, bytes_output, json_output, paged_output, parse_body}};\n\n\
         /// Every API area with its operations, in the spec's tag order.\n\
         pub(crate) static AREAS: &[Area] = &[{areas}];\n\n"
    );
    for op in &ops {
        out.push_str(&render_operation(spec, op));
    }
    out
}

fn render_operation(spec: &Spec, op: &OperationRef<'_>) -> String {
    let id = op.name();
    let summary = op.operation.summary.clone().unwrap_or_default();
    let description = op.operation.description.clone().unwrap_or_default();
    let mut long_about = format!("{summary}.\n\n{}", description.trim());
    if let Some(scopes) = op.scopes() {
        let _ = write!(long_about, "\n\nOAuth scope: {}.", scopes.join(" "));
    }
    let _ = write!(long_about, "\n\n{} {}", op.method.to_uppercase(), op.path);
    let mut args = String::new();
    let mut setters = String::new();
    let mut flag_names = Vec::new();
    for parameter in spec.parameters(op) {
        let data = parameter.parameter_data_ref();
        let flag = kebab(&data.name);
        flag_names.push(flag.clone());
        let setter = rust_ident(&data.name);
        let kind = kind_of(spec, &data.format);
        let mut help = data.description.clone().unwrap_or_default().trim().replace('\n', " ");
        if let Kind::Typed { range: Some((min, max)), .. } = &kind {
            let _ = write!(help, " ({min} to {max})");
        }
        let (required, default) = match parameter {
            Parameter::Path { .. } if data.name == "user-id" => (false, Some("-")),
            Parameter::Path { .. } => (true, None),
            _ => (data.required, None),
        };
        let _ = write!(
            args,
            ".arg(clap::Arg::new({flag:?}).long({flag:?}).value_name({:?}).help({help:?}).required({required}).value_parser({}){})",
            value_name(&data.name),
            kind.value_parser(),
            default.map(|d| format!(".default_value({d:?})")).unwrap_or_default(),
        );
        let _ = writeln!(
            setters,
            "if let Some(value) = matches.get_one::<{}>({flag:?}) {{ request = request.{setter}({}); }}",
            kind.rust_type(),
            kind.argument()
        );
    }
    if let Some((schema_name, properties)) = body_of(spec, op) {
        let _ = write!(
            args,
            ".arg(clap::Arg::new(\"body-json\").long(\"body-json\").value_name(\"JSON|@FILE\").help({:?}))",
            format!(
                "The whole request body ({schema_name}) as JSON, or @path to a file holding it; the field flags below override its fields."
            )
        );
        let _ = writeln!(setters, "let mut body = body_from_json_flag(matches)?;");
        for (property, kind) in properties {
            let mut flag = kebab(&property);
            if flag_names.contains(&flag) {
                flag = format!("body-{flag}");
            }
            let help = format!("Body field `{property}`.");
            let _ = write!(
                args,
                ".arg(clap::Arg::new({flag:?}).long({flag:?}).help({help:?}).value_parser({}))",
                kind.value_parser()
            );
            let _ = writeln!(
                setters,
                "if let Some(value) = matches.get_one::<{}>({flag:?}) {{ body.insert({property:?}.to_string(), {}); }}",
                kind.rust_type(),
                kind.json()
            );
        }
        let _ = writeln!(
            setters,
            "request = request.body(parse_body::<fitbit_api::types::{schema_name}>(body)?);"
        );
    }
    let paged = is_paged(spec, op);
    if paged {
        let _ = write!(
            args,
            ".arg(clap::Arg::new(\"all\").long(\"all\").action(clap::ArgAction::SetTrue).help({:?}))",
            "Follow `pagination.next` (on the same host as the first page) and print the items of every page, in order, as one JSON array."
        );
    }
    let finish = match success_kind(spec, op) {
        Success::Json if paged => {
            "let first = request.send().await?.into_inner();\n\
             if matches.get_flag(\"all\") { paged_output(client, first).await } else { json_output(first) }"
        }
        Success::Json => "json_output(request.send().await?.into_inner())",
        Success::Raw => "bytes_output(request.send().await?.into_inner()).await",
        Success::Empty => "request.send().await?;\nOk(Output::Empty)",
    };
    format!(
        "fn {id}_command() -> clap::Command {{\n\
             clap::Command::new({name:?}).about({summary:?}).long_about({long_about:?}){args}\n\
         }}\n\n\
         fn {id}_run<'a>(client: &'a fitbit_api::Client, matches: &'a clap::ArgMatches) -> BoxFuture<'a, Result<Output, fitbit_api::Error>> {{\n\
             Box::pin(async move {{\n\
                 #[allow(unused_mut)]\n\
                 let mut request = client.{id}();\n\
                 {setters}\n\
                 {finish}\n\
             }})\n\
         }}\n\n",
        name = kebab(&id),
    )
}

/// The success body is a page of a paged list: it has a `pagination` object
/// (with `next`), so `--all` can follow it.
fn is_paged(spec: &Spec, op: &OperationRef<'_>) -> bool {
    let Some(name) = spec
        .success_responses(op)
        .flat_map(|response| response.content.values())
        .find_map(|content| content.schema.as_ref().and_then(schema_ref_name))
    else {
        return false;
    };
    spec.raw.pointer(&format!("/components/schemas/{name}/properties/pagination")).is_some()
}

enum Success {
    Json,
    Raw,
    Empty,
}

fn success_kind(spec: &Spec, op: &OperationRef<'_>) -> Success {
    match spec.success_media(op).as_deref() {
        Some("application/json") => Success::Json,
        Some(_) => Success::Raw,
        None => Success::Empty,
    }
}

/// The request body's schema name and its scalar fields (other fields are set
/// with `--body-json`).
fn body_of(spec: &Spec, op: &OperationRef<'_>) -> Option<(String, Vec<(String, Kind)>)> {
    let ReferenceOr::Item(body) = op.operation.request_body.as_ref()? else { return None };
    let (_, content) = body.content.first()?;
    let name = schema_ref_name(content.schema.as_ref()?)?.to_string();
    let ReferenceOr::Item(schema) = spec.openapi.components.as_ref()?.schemas.get(&name)? else {
        return None;
    };
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else { return Some((name, Vec::new())) };
    let fields = object
        .properties
        .iter()
        .filter_map(|(property, schema)| {
            let kind = kind_of_schema(spec, &schema.clone().unbox())?;
            Some((property.clone(), kind))
        })
        .collect();
    Some((name, fields))
}

fn kind_of(spec: &Spec, format: &ParameterSchemaOrContent) -> Kind {
    match format {
        ParameterSchemaOrContent::Schema(schema) => kind_of_schema(spec, schema).unwrap_or(Kind::Typed {
            rust: "String".into(),
            range: None,
            copy: false,
        }),
        ParameterSchemaOrContent::Content(_) => {
            Kind::Typed { rust: "String".into(), range: None, copy: false }
        }
    }
}

/// `None` for values a flag cannot hold (arrays, objects).
fn kind_of_schema(spec: &Spec, schema: &ReferenceOr<Schema>) -> Option<Kind> {
    if let Some(name) = schema_ref_name(schema) {
        let typed =
            |rust: &str| Some(Kind::Typed { rust: format!("fitbit_api::{rust}"), range: None, copy: true });
        match name {
            "FitbitDate" => return typed("FitbitDate"),
            "ClockTime" => return typed("ClockTime"),
            "ListBound" => return typed("ListBound"),
            "WeekDays" => return typed("WeekDays"),
            "AlarmTime" => return typed("AlarmTime"),
            _ => {}
        }
        let resolved = spec.openapi.components.as_ref()?.schemas.get(name)?;
        return kind_of_schema(spec, resolved);
    }
    let ReferenceOr::Item(schema) = schema else { return None };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            Some(Kind::Choice(s.enumeration.iter().flatten().cloned().collect()))
        }
        SchemaKind::Type(Type::String(s)) => Some(match &s.format {
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => {
                Kind::Typed { rust: "chrono::NaiveDate".into(), range: None, copy: true }
            }
            _ => Kind::Typed { rust: "String".into(), range: None, copy: false },
        }),
        SchemaKind::Type(Type::Integer(i)) => {
            let rust = match &i.format {
                VariantOrUnknownOrEmpty::Unknown(format) => match format.as_str() {
                    "uint8" => "u8",
                    "uint16" => "u16",
                    "uint32" => "u32",
                    "uint64" => "u64",
                    "int8" => "i8",
                    "int16" => "i16",
                    _ => "i64",
                },
                VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => "i32",
                _ => "i64",
            };
            let unsigned = rust.starts_with('u');
            let range = match (i.minimum, i.maximum) {
                (None, None) => None,
                (min, max) => {
                    Some((min.unwrap_or(if unsigned { 0 } else { i64::MIN }), max.unwrap_or(i64::MAX)))
                }
            };
            Some(Kind::Typed { rust: rust.into(), range, copy: true })
        }
        SchemaKind::Type(Type::Number(_)) => {
            Some(Kind::Typed { rust: "f64".into(), range: None, copy: true })
        }
        SchemaKind::Type(Type::Boolean(_)) => {
            Some(Kind::Typed { rust: "bool".into(), range: None, copy: true })
        }
        _ => None,
    }
}

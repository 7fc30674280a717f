//! A plain-text listing of the client's public surface, derived from the spec.
//!
//! The workspace tests snapshot it with insta, so any change to an operation
//! (a new parameter, a renamed response type, a path) shows up as a small,
//! readable diff for review.

use std::fmt::Write;

use openapiv3::{Parameter, ReferenceOr, Schema, SchemaKind, Type};

use crate::naming::trait_stem;
use crate::spec::{Spec, schema_ref_name};

/// One block per operation, grouped by tag, in tag then operationId order.
pub fn render(spec: &Spec) -> String {
    let mut ops = spec.operations();
    ops.sort_by_key(|op| (op.operation.tags.first().cloned(), op.name()));
    let mut out = String::new();
    let mut current_tag = None;
    for op in &ops {
        let tag = op.operation.tags.first().cloned().unwrap_or_default();
        if current_tag.as_ref() != Some(&tag) {
            let _ = writeln!(out, "## {tag} (Client{}Ext)\n", trait_stem(&tag));
            current_tag = Some(tag);
        }
        let _ = writeln!(out, "{}: {} {}", op.name(), op.method.to_uppercase(), op.path);
        if let Some(scopes) = op.scopes() {
            let _ = writeln!(out, "  scope: {}", scopes.join(" "));
        }
        for parameter in spec.parameters(op) {
            let _ = writeln!(out, "  {}", describe_parameter(parameter));
        }
        if let Some(ReferenceOr::Item(body)) = &op.operation.request_body {
            for (media, content) in &body.content {
                let schema = content.schema.as_ref().map(describe_schema).unwrap_or_default();
                let _ = writeln!(out, "  body {media}: {schema}");
            }
        }
        for (status, response) in &op.operation.responses.responses {
            let Some(response) = spec.response(response) else { continue };
            let body = response
                .content
                .values()
                .next()
                .and_then(|c| c.schema.as_ref())
                .map(describe_schema)
                .unwrap_or_else(|| "(no body)".to_string());
            let _ = writeln!(out, "  -> {status} {body}");
        }
        out.push('\n');
    }
    out
}

fn describe_parameter(parameter: &Parameter) -> String {
    let (location, data) = match parameter {
        Parameter::Path { parameter_data, .. } => ("path", parameter_data),
        Parameter::Query { parameter_data, .. } => ("query", parameter_data),
        Parameter::Header { parameter_data, .. } => ("header", parameter_data),
        Parameter::Cookie { parameter_data, .. } => ("cookie", parameter_data),
    };
    let schema = match &data.format {
        openapiv3::ParameterSchemaOrContent::Schema(schema) => describe_schema(schema),
        openapiv3::ParameterSchemaOrContent::Content(_) => "content".to_string(),
    };
    let optional = if data.required { "" } else { "?" };
    format!("{location} {}{optional}: {schema}", data.name)
}

fn describe_schema(schema: &ReferenceOr<Schema>) -> String {
    if let Some(name) = schema_ref_name(schema) {
        return name.to_string();
    }
    let ReferenceOr::Item(schema) = schema else {
        return "?".to_string();
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            let values: Vec<&str> = s.enumeration.iter().flatten().map(String::as_str).collect();
            format!("string enum [{}]", values.join(", "))
        }
        SchemaKind::Type(Type::String(s)) => match &s.format {
            openapiv3::VariantOrUnknownOrEmpty::Empty => "string".to_string(),
            other => format!("string ({})", format_name(other)),
        },
        SchemaKind::Type(Type::Integer(i)) => {
            let mut text = "integer".to_string();
            if let Some(min) = i.minimum {
                let _ = write!(text, " >= {min}");
            }
            if let Some(max) = i.maximum {
                let _ = write!(text, " <= {max}");
            }
            text
        }
        SchemaKind::Type(Type::Number(_)) => "number".to_string(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".to_string(),
        SchemaKind::Type(Type::Array(a)) => format!(
            "array of {}",
            a.items.as_ref().map(|i| describe_schema(&i.clone().unbox())).unwrap_or_default()
        ),
        SchemaKind::Type(Type::Object(_)) => "object".to_string(),
        _ => "schema".to_string(),
    }
}

fn format_name(format: &openapiv3::VariantOrUnknownOrEmpty<openapiv3::StringFormat>) -> String {
    match format {
        openapiv3::VariantOrUnknownOrEmpty::Item(item) => format!("{item:?}").to_lowercase(),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(name) => name.clone(),
        openapiv3::VariantOrUnknownOrEmpty::Empty => String::new(),
    }
}

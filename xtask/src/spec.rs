//! Loading the spec and walking its operations.

use std::path::Path;

use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, Response};

use crate::Error;

/// The spec, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/fitbit-web-api.yaml";

/// The extension that names the OAuth scope(s) an operation needs.
pub const SCOPE_EXTENSION: &str = "x-fitbit-scope";

/// The parsed spec, plus the raw document (for checks openapiv3 does not model, such as `$ref`s).
#[derive(Debug, Clone)]
pub struct Spec {
    pub openapi: OpenAPI,
    pub raw: serde_json::Value,
}

/// One operation with the path and method it lives under.
pub struct OperationRef<'a> {
    pub path: &'a str,
    pub method: &'static str,
    pub operation: &'a Operation,
    /// Parameters declared on the path item, shared by its operations.
    pub path_parameters: &'a [ReferenceOr<Parameter>],
}

impl OperationRef<'_> {
    /// `operationId`, or `METHOD /path` when it is missing (for messages).
    pub fn name(&self) -> String {
        match &self.operation.operation_id {
            Some(id) => id.clone(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }

    /// The scopes named by `x-fitbit-scope` (a string of space-separated scopes, or a list).
    pub fn scopes(&self) -> Option<Vec<String>> {
        match self.operation.extensions.get(SCOPE_EXTENSION)? {
            serde_json::Value::String(s) => Some(s.split_whitespace().map(String::from).collect()),
            serde_json::Value::Array(items) => {
                items.iter().map(|v| v.as_str().map(String::from)).collect::<Option<Vec<_>>>()
            }
            _ => None,
        }
    }
}

impl Spec {
    /// Reads a YAML (or JSON) OpenAPI document.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io(path.to_path_buf(), e))?;
        Self::parse(&text).map_err(|e| Error::Spec(format!("{}: {e}", path.display())))
    }

    /// Parses a YAML (or JSON) OpenAPI document.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: serde_json::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let openapi: OpenAPI =
            serde_json::from_value(raw.clone()).map_err(|e| format!("not OpenAPI 3.0: {e}"))?;
        Ok(Spec { openapi, raw })
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut out = Vec::new();
        for (path, item) in self.openapi.paths.iter() {
            let Some(item) = item.as_item() else { continue };
            for (method, operation) in item.iter() {
                out.push(OperationRef {
                    path,
                    method: static_method(method),
                    operation,
                    path_parameters: &item.parameters,
                });
            }
        }
        out
    }

    /// Resolves a response that may be a `$ref` to `#/components/responses/...`.
    pub fn response<'a>(&'a self, response: &'a ReferenceOr<Response>) -> Option<&'a Response> {
        match response {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                self.openapi.components.as_ref()?.responses.get(name)?.as_item()
            }
        }
    }

    /// Resolves a parameter that may be a `$ref` to `#/components/parameters/...`.
    pub fn parameter<'a>(&'a self, parameter: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        match parameter {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                self.openapi.components.as_ref()?.parameters.get(name)?.as_item()
            }
        }
    }

    /// The operation's success (2xx) responses, resolved.
    pub fn success_responses<'a>(&'a self, op: &OperationRef<'a>) -> impl Iterator<Item = &'a Response> + 'a {
        op.operation
            .responses
            .responses
            .iter()
            .filter(|(status, _)| status.to_string().starts_with('2'))
            .filter_map(|(_, response)| self.response(response))
    }

    /// The media type of the success body, or `None` when the success is bodiless.
    pub fn success_media(&self, op: &OperationRef<'_>) -> Option<String> {
        self.success_responses(op).find_map(|response| response.content.keys().next().cloned())
    }

    /// The operation's parameters (path-item ones first), resolved.
    pub fn parameters<'a>(&'a self, op: &OperationRef<'a>) -> Vec<&'a Parameter> {
        op.path_parameters
            .iter()
            .chain(op.operation.parameters.iter())
            .filter_map(|p| self.parameter(p))
            .collect()
    }
}

fn static_method(method: &str) -> &'static str {
    match method {
        "get" => "get",
        "put" => "put",
        "post" => "post",
        "delete" => "delete",
        "options" => "options",
        "head" => "head",
        "patch" => "patch",
        _ => "trace",
    }
}

/// The name a `$ref` to `#/components/schemas/<name>` points at.
pub fn schema_ref_name(schema: &ReferenceOr<openapiv3::Schema>) -> Option<&str> {
    match schema {
        ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
        ReferenceOr::Item(_) => None,
    }
}

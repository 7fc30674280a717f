//! Turning the validated spec into the checked-in Rust files.
//!
//! Everything that shapes the generated code lives here: progenitor's settings,
//! the named schemas our handwritten types replace, and the few adjustments
//! made to progenitor's output (each documented where it is made). Only
//! adjustments that change what the code does are made, and each fails
//! regeneration when progenitor's output no longer has what it matches.

use std::path::PathBuf;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::{ToTokens, quote};
use syn::visit_mut::VisitMut;

use crate::spec::{SPEC_PATH, Spec};
use crate::{Error, GeneratedFile};

/// Where the generated client goes.
pub const CLIENT_PATH: &str = "fitbit-api/src/generated_client.rs";

/// Named schemas that handwritten types in `fitbit-api` replace, with the traits
/// progenitor may rely on. Why each exists is documented on the Rust type.
pub const REPLACEMENTS: &[(&str, &str, &[TypeImpl])] = &[
    // `yyyy-MM-dd` or `today`: `format: date` would reject `today`.
    ("FitbitDate", "crate::FitbitDate", &[TypeImpl::Display, TypeImpl::FromStr]),
    // `HH:mm` clock times of intraday windows and log start times.
    ("ClockTime", "crate::ClockTime", &[TypeImpl::Display, TypeImpl::FromStr]),
    // Zone-less timestamps, local to the user's profile time zone.
    ("LocalDateTime", "crate::LocalDateTime", &[TypeImpl::Display, TypeImpl::FromStr]),
    // `beforeDate`/`afterDate` of the paged lists: a date or a local date-time.
    ("ListBound", "crate::ListBound", &[TypeImpl::Display, TypeImpl::FromStr]),
    // Alarm days (`MONDAY,FRIDAY`) and alarm times (`07:00-08:00`).
    ("WeekDays", "crate::WeekDays", &[TypeImpl::Display, TypeImpl::FromStr]),
    ("AlarmTime", "crate::AlarmTime", &[TypeImpl::Display, TypeImpl::FromStr]),
    // Numbers Fitbit sends as JSON strings (time-series values).
    ("NumericString", "crate::NumericString", &[TypeImpl::Display, TypeImpl::FromStr]),
    // `Accept-Language`: the unit system of responses and of posted values.
    ("UnitSystem", "crate::UnitSystem", &[TypeImpl::Display, TypeImpl::FromStr]),
    // Both error envelopes Fitbit sends; classified by `fitbit_auth::Error`.
    ("ErrorEnvelope", "crate::ErrorEnvelope", &[]),
    // Intraday days hold up to 86,400 points: decoded without an allocation
    // per point, the dataset read from its raw text, and without serde
    // buffering it (fitbit-api/src/intraday/).
    ("IntradayPoint", "crate::IntradayPoint", &[]),
    ("IntradayPoints", "crate::IntradayPoints", &[]),
    ("ActivityIntradayEntry", "crate::ActivityIntradayEntry", &[]),
    // The body Fitbit POSTs to a subscriber: one notification type for the
    // whole SDK, the one the webhook receiver hands out (fitbit-webhooks).
    ("SubscriptionNotification", "crate::webhooks::Notification", &[]),
];

/// Renders every generated file from a validated spec.
pub fn render_all(spec: &Spec) -> Result<Vec<GeneratedFile>, Error> {
    check_replacements_in_spec(spec)?;
    Ok(vec![
        GeneratedFile { path: PathBuf::from(CLIENT_PATH), contents: render_client(spec)? },
        GeneratedFile {
            path: PathBuf::from(crate::contract::CONTRACT_TESTS_PATH),
            contents: render_contract_tests(spec)?,
        },
        GeneratedFile {
            path: PathBuf::from(crate::cli::CLI_COMMANDS_PATH),
            contents: render_cli_commands(spec)?,
        },
        GeneratedFile { path: PathBuf::from(HTTPMOCK_PATH), contents: render_httpmock(spec)? },
        GeneratedFile {
            path: PathBuf::from(crate::contract::TYPED_MOCK_TESTS_PATH),
            contents: format_source("typed-mock tests", &crate::contract::render_typed_mock_tests(spec))?,
        },
        GeneratedFile {
            path: PathBuf::from(crate::contract::CLI_CASES_PATH),
            contents: format_source("CLI cases", &crate::contract::render_cli_cases(spec))?,
        },
    ])
}

/// Where the typed mocks go.
pub const HTTPMOCK_PATH: &str = "fitbit-api-httpmock/src/generated_httpmock.rs";

/// Typed `httpmock` expectations for every operation (progenitor's httpmock
/// generator, with the client's settings so types line up).
pub fn render_httpmock(spec: &Spec) -> Result<String, Error> {
    let openapi = generator_input(spec);
    let mut generator = Generator::new(&client_settings());
    let tokens = generator.httpmock(&openapi, "fitbit_api").map_err(|e| Error::Generate(e.to_string()))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| Error::Generate(format!("progenitor httpmock output: {e}")))?;
    let mut forms = FormBodiesMatchForms { schemas: form_body_schemas(spec), rewritten: 0 };
    forms.visit_file_mut(&mut file);
    if forms.rewritten != forms.schemas.len() {
        return Err(Error::Generate(format!(
            "{} form-body matcher(s) rewritten for {} form-body operation(s) ({:?}): progenitor's \
             httpmock output changed; update FormBodiesMatchForms in xtask/src/codegen.rs",
            forms.rewritten,
            forms.schemas.len(),
            forms.schemas
        )));
    }
    Ok(format!("{}{}", header(), prettyplease::unparse(&file)))
}

/// The schema names of the form-encoded request bodies.
fn form_body_schemas(spec: &Spec) -> Vec<String> {
    spec.operations()
        .iter()
        .filter_map(|op| {
            let openapiv3::ReferenceOr::Item(body) = op.operation.request_body.as_ref()? else { return None };
            let content = body.content.get("application/x-www-form-urlencoded")?;
            crate::spec::schema_ref_name(content.schema.as_ref()?).map(String::from)
        })
        .collect()
}

/// progenitor's typed mocks match every request body as JSON
/// (`json_body_obj`), but the client sends a form-encoded body as a form
/// (update-profile): such a mock never matched the client's request. The
/// matcher of a form body checks the `Content-Type` and the body encoded as
/// progenitor-client encodes it (serde_urlencoded, fields in declaration order).
struct FormBodiesMatchForms {
    schemas: Vec<String>,
    rewritten: usize,
}

impl VisitMut for FormBodiesMatchForms {
    fn visit_impl_item_fn_mut(&mut self, method: &mut syn::ImplItemFn) {
        let takes_form = method.sig.ident == "body"
            && method.sig.inputs.iter().any(|input| {
                let syn::FnArg::Typed(arg) = input else { return false };
                let syn::Type::Reference(reference) = arg.ty.as_ref() else { return false };
                let syn::Type::Path(path) = reference.elem.as_ref() else { return false };
                path.path.segments.last().is_some_and(|last| self.schemas.iter().any(|s| last.ident == s))
            });
        if takes_form && method.block.to_token_stream().to_string().contains("json_body_obj") {
            method.block = syn::parse_quote!({
                let form = ::serde_urlencoded::to_string(value)
                    .unwrap_or_else(|err| panic!("the form body does not encode: {err}"));
                Self(self.0.header("content-type", "application/x-www-form-urlencoded").body(form))
            });
            self.rewritten += 1;
        }
    }
}

/// Formats generated Rust source and adds the `@generated` header.
fn format_source(what: &str, source: &str) -> Result<String, Error> {
    format_with_header(what, source, &header())
}

/// Formats generated Rust source and puts `header` above it.
pub(crate) fn format_with_header(what: &str, source: &str, header: &str) -> Result<String, Error> {
    let file: syn::File = syn::parse_str(source).map_err(|e| Error::Generate(format!("{what}: {e}")))?;
    Ok(format!("{header}{}", prettyplease::unparse(&file)))
}

/// The CLI's commands, formatted, with the `@generated` header.
pub fn render_cli_commands(spec: &Spec) -> Result<String, Error> {
    format_source("CLI commands", &crate::cli::render(spec))
}

/// The contract tests, formatted, with the `@generated` header.
pub fn render_contract_tests(spec: &Spec) -> Result<String, Error> {
    format_source("contract tests", &crate::contract::render(spec))
}

/// progenitor's settings for the client crate.
pub fn client_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Separate)
        // The hooks carry auth, rate limiting, retries and tracing; a missing
        // `impl ClientHooks` is a compile error rather than a silent no-op.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::ClientState))
        .with_derive("PartialEq");
    for (schema, rust_type, impls) in REPLACEMENTS {
        settings.with_replacement(*schema, *rust_type, impls.iter().cloned());
    }
    // Every decimal keeps the form Fitbit wrote it in (`62` stays `62`, not
    // `62.0`) when a decoded answer is re-encoded: `crate::Number`, not `f64`.
    // typify matches these schemas whatever their description.
    for format in [Some("double"), Some("float"), None] {
        let schema = schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::Number.into()),
            format: format.map(String::from),
            ..Default::default()
        };
        settings.with_conversion(schema, "crate::Number", [TypeImpl::Display, TypeImpl::FromStr].into_iter());
    }
    settings
}

/// The generated client, formatted, with its `@generated` header.
pub fn render_client(spec: &Spec) -> Result<String, Error> {
    let openapi = generator_input(spec);
    let mut generator = Generator::new(&client_settings());
    let tokens = generator.generate_tokens(&openapi).map_err(|e| Error::Generate(e.to_string()))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| Error::Generate(format!("progenitor output: {e}")))?;
    let operations = spec.operations();
    let mut user_ids = DefaultUserId::default();
    user_ids.visit_file_mut(&mut file);
    let taking_user_id = operations.iter().filter(|op| takes_user_id(spec, op)).count();
    expect_rewrites("DefaultUserId", user_ids.rewritten, taking_user_id, "operation(s) with a `{user-id}`")?;
    let mut api_version = NoApiVersionHeader::default();
    api_version.visit_file_mut(&mut file);
    expect_rewrites("NoApiVersionHeader", api_version.removed, operations.len(), "operation(s)")?;
    check_replacements_applied(spec, &file)?;
    check_numbers_converted(&mut file)?;
    Ok(format!("{}{}", header(), prettyplease::unparse(&file)))
}

fn header() -> String {
    format!(
        "// @generated by `cargo xtask regen` from {SPEC_PATH}: do not edit.\n\
         // Change the spec (or xtask/src/codegen.rs) and run `cargo xtask regen`.\n\n"
    )
}

/// The document progenitor sees: the spec with two adjustments that keep the
/// spec itself free of generator concerns.
pub fn generator_input(spec: &Spec) -> openapiv3::OpenAPI {
    let mut openapi = with_scopes_in_descriptions(spec);
    keep_empty_collections(&mut openapi);
    parameters_without_minimum(&mut openapi);
    openapi
}

/// typify turns an integer with `minimum: 1` into `NonZeroU8` (and so on),
/// which a caller cannot pass a plain `1` to. The minimum stays in the spec,
/// where the CLI's generated flags enforce it (`--limit 0` is refused); the
/// client's builder keeps the plain integer type, and Fitbit refuses the rest.
fn parameters_without_minimum(openapi: &mut openapiv3::OpenAPI) {
    use openapiv3::{ParameterSchemaOrContent, ReferenceOr, SchemaKind, Type};
    let strip = |parameter: &mut ReferenceOr<openapiv3::Parameter>| {
        let ReferenceOr::Item(parameter) = parameter else { return };
        let data = match parameter {
            openapiv3::Parameter::Query { parameter_data, .. }
            | openapiv3::Parameter::Header { parameter_data, .. }
            | openapiv3::Parameter::Path { parameter_data, .. }
            | openapiv3::Parameter::Cookie { parameter_data, .. } => parameter_data,
        };
        let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &mut data.format else { return };
        if let SchemaKind::Type(Type::Integer(integer)) = &mut schema.schema_kind {
            integer.minimum = None;
        }
    };
    if let Some(components) = openapi.components.as_mut() {
        components.parameters.values_mut().for_each(strip);
    }
    for (_, item) in openapi.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else { continue };
        item.parameters.iter_mut().for_each(strip);
        for operation in operations_mut(item) {
            operation.parameters.iter_mut().for_each(strip);
        }
    }
}

/// Every operation of a path item, to change in place (openapiv3's
/// `PathItem::iter` lends them read-only).
fn operations_mut(item: &mut openapiv3::PathItem) -> impl Iterator<Item = &mut openapiv3::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// typify skips an optional array or map when it is empty, so `"activities": []`
/// would vanish when a response is re-encoded. Marking such properties nullable
/// makes them `Option<Vec<_>>`/`Option<Map<_>>`: absent and empty stay distinct.
fn keep_empty_collections(openapi: &mut openapiv3::OpenAPI) {
    use openapiv3::{ReferenceOr, SchemaKind, Type};
    let Some(components) = openapi.components.as_mut() else { return };
    for schema in components.schemas.values_mut() {
        let ReferenceOr::Item(schema) = schema else { continue };
        let SchemaKind::Type(Type::Object(object)) = &mut schema.schema_kind else { continue };
        for (name, property) in object.properties.iter_mut() {
            if object.required.contains(name) {
                continue;
            }
            let ReferenceOr::Item(property) = property else { continue };
            let is_collection = match &property.schema_kind {
                SchemaKind::Type(Type::Array(_)) => true,
                SchemaKind::Type(Type::Object(inner)) => {
                    inner.properties.is_empty() && inner.additional_properties.is_some()
                }
                _ => false,
            };
            if is_collection {
                property.schema_data.nullable = true;
            }
        }
    }
}

/// Appends each operation's OAuth scope to its description, so that the
/// generated rustdoc answers "which scope do I need?" from `x-fitbit-scope`.
fn with_scopes_in_descriptions(spec: &Spec) -> openapiv3::OpenAPI {
    let scopes: Vec<(String, Vec<String>)> = spec
        .operations()
        .iter()
        .filter_map(|op| Some((op.operation.operation_id.clone()?, op.scopes()?)))
        .collect();
    let mut openapi = spec.openapi.clone();
    for (_, item) in openapi.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else { continue };
        for operation in operations_mut(item) {
            let Some((_, op_scopes)) =
                scopes.iter().find(|(id, _)| Some(id) == operation.operation_id.as_ref())
            else {
                continue;
            };
            let scope_text = match op_scopes.as_slice() {
                [only] if only == "none" => "OAuth scope: none.".to_string(),
                list => format!(
                    "OAuth scope: {}.",
                    list.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" ")
                ),
            };
            let description = operation.description.get_or_insert_with(String::new);
            description.push_str("\n\n");
            description.push_str(&scope_text);
        }
    }
    openapi
}

/// Fails regeneration when a rewrite of progenitor's output matched fewer or
/// more places than the spec says it should: progenitor's output changed,
/// and a silent miss would change what the client does.
fn expect_rewrites(rewrite: &str, made: usize, expected: usize, what: &str) -> Result<(), Error> {
    if made == expected {
        return Ok(());
    }
    Err(Error::Generate(format!(
        "{rewrite} rewrote {made} place(s) for {expected} {what}: progenitor's output changed; \
         update {rewrite} in xtask/src/codegen.rs"
    )))
}

/// Whether the operation takes the `{user-id}` path parameter.
fn takes_user_id(spec: &Spec, op: &crate::spec::OperationRef<'_>) -> bool {
    spec.parameters(op)
        .iter()
        .any(|parameter| matches!(parameter, openapiv3::Parameter::Path { parameter_data, .. } if parameter_data.name == "user-id"))
}

/// progenitor 0.15 has no defaults for path parameters. Every Fitbit user path
/// takes `{user-id}`, and `-` (the user who owns the token) is almost always
/// what callers mean, so each builder starts with `user_id` set to `-`;
/// `.user_id("GGNJL9")` still overrides it. Behaviour: without it, a call
/// that does not name the user fails with "user_id was not initialized".
#[derive(Default)]
struct DefaultUserId {
    rewritten: usize,
}

impl VisitMut for DefaultUserId {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if is_uninitialized_user_id(expr) {
            *expr = syn::parse_quote!(Ok("-".to_string()));
            self.rewritten += 1;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// progenitor puts an `api-version` header (the spec's `info.version`) on
/// every request. Behaviour: Fitbit's API has no such header, and the
/// spec's version is this SDK's description of the API, not a version
/// Fitbit knows, so the statement goes and requests carry only Fitbit's
/// headers.
#[derive(Default)]
struct NoApiVersionHeader {
    removed: usize,
}

impl VisitMut for NoApiVersionHeader {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !is_api_version_append(stmt));
        self.removed += before - block.stmts.len();
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// Fails regeneration when a schema of [`REPLACEMENTS`] was generated as a
/// type of its own: progenitor no longer applies the replacement, and the
/// handwritten type (and its decoding, such as the intraday points') would
/// silently drop out of the client.
fn check_replacements_applied(spec: &Spec, file: &syn::File) -> Result<(), Error> {
    let schemas = spec.openapi.components.as_ref().map(|components| &components.schemas);
    let defined = defined_type_names(&file.items);
    let not_replaced: Vec<&str> = REPLACEMENTS
        .iter()
        .map(|(schema, _, _)| *schema)
        .filter(|schema| schemas.is_some_and(|schemas| schemas.contains_key(*schema)))
        .filter(|schema| defined.iter().any(|name| name == schema))
        .collect();
    if not_replaced.is_empty() {
        return Ok(());
    }
    Err(Error::Generate(format!(
        "progenitor generated {not_replaced:?} instead of the handwritten replacement(s): \
         update REPLACEMENTS in xtask/src/codegen.rs"
    )))
}

/// Fails regeneration when a schema of [`REPLACEMENTS`] is not in the spec:
/// the replacement would match nothing.
fn check_replacements_in_spec(spec: &Spec) -> Result<(), Error> {
    let schemas = spec.openapi.components.as_ref().map(|components| &components.schemas);
    let missing: Vec<&str> = REPLACEMENTS
        .iter()
        .map(|(schema, _, _)| *schema)
        .filter(|schema| !schemas.is_some_and(|schemas| schemas.contains_key(*schema)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Generate(format!(
        "REPLACEMENTS in xtask/src/codegen.rs names schema(s) the spec does not have: {missing:?}"
    )))
}

/// The names of the structs, enums and type aliases defined in `items` and
/// in the modules among them.
fn defined_type_names(items: &[syn::Item]) -> Vec<String> {
    let mut names = Vec::new();
    for item in items {
        match item {
            syn::Item::Struct(item) => names.push(item.ident.to_string()),
            syn::Item::Enum(item) => names.push(item.ident.to_string()),
            syn::Item::Type(item) => names.push(item.ident.to_string()),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    names.extend(defined_type_names(items));
                }
            }
            _ => {}
        }
    }
    names
}

/// Fails regeneration when a float type is left in the client: every decimal
/// of the spec is `crate::Number` (see `client_settings`), and a float would
/// turn `62` into `62.0` when an answer is re-encoded.
// A `VisitMut` that changes nothing: syn's read-only visitor is not built here.
fn check_numbers_converted(file: &mut syn::File) -> Result<(), Error> {
    struct Floats(Vec<String>);
    impl VisitMut for Floats {
        fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
            if path.path.is_ident("f64") || path.path.is_ident("f32") {
                self.0.push(path.to_token_stream().to_string());
            }
            syn::visit_mut::visit_type_path_mut(self, path);
        }
    }
    let mut floats = Floats(Vec::new());
    floats.visit_file_mut(file);
    if floats.0.is_empty() {
        return Ok(());
    }
    Err(Error::Generate(format!(
        "{} float type(s) in the generated client: the `crate::Number` conversions no longer match \
         progenitor's number schemas; update client_settings in xtask/src/codegen.rs",
        floats.0.len()
    )))
}

/// Matches `header_map.append(HeaderName::from_static("api-version"), …);`.
fn is_api_version_append(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else { return false };
    let receiver_is_header_map =
        matches!(call.receiver.as_ref(), syn::Expr::Path(path) if path.path.is_ident("header_map"));
    receiver_is_header_map
        && call.method == "append"
        && call
            .args
            .first()
            .is_some_and(|name| name.to_token_stream().to_string().contains("\"api-version\""))
}

/// Matches `Err("user_id was not initialized".to_string())`.
fn is_uninitialized_user_id(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(call) = expr else { return false };
    let syn::Expr::Path(func) = call.func.as_ref() else { return false };
    if !func.path.is_ident("Err") || call.args.len() != 1 {
        return false;
    }
    let Some(syn::Expr::MethodCall(method)) = call.args.first() else { return false };
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = method.receiver.as_ref() else {
        return false;
    };
    method.method == "to_string" && text.value() == "user_id was not initialized"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> Spec {
        Spec::parse(yaml).expect("a spec")
    }

    /// Two operations, one under `{user-id}`.
    const TWO_OPERATIONS: &str = r#"
openapi: 3.0.3
info: { title: t, version: 1.0.0 }
paths:
  /1/user/{user-id}/profile.json:
    get:
      operationId: getProfile
      parameters:
        - { name: user-id, in: path, required: true, schema: { type: string } }
      responses: { "204": { description: none } }
  /1/foods/units.json:
    get:
      operationId: getFoodUnits
      responses: { "204": { description: none } }
"#;

    #[test]
    fn each_rewrite_matches_what_the_spec_says() {
        let spec = spec(TWO_OPERATIONS);
        let operations = spec.operations();
        assert_eq!(operations.iter().filter(|op| takes_user_id(&spec, op)).count(), 1);
        let code = render_client(&spec).expect("generates");
        assert!(code.contains(r#"user_id: Ok("-".to_string())"#), "{code}");
        assert!(!code.contains("api-version"), "{code}");
    }

    #[test]
    fn a_rewrite_that_matches_nothing_fails_regeneration() {
        let mut file: syn::File = syn::parse_quote!(
            fn new() {
                let user_id: Result<String, String> = Err("user_id".to_string());
            }
        );
        let mut user_ids = DefaultUserId::default();
        user_ids.visit_file_mut(&mut file);
        let err = expect_rewrites("DefaultUserId", user_ids.rewritten, 1, "operation(s) with a `{user-id}`")
            .expect_err("nothing was rewritten");
        let message = err.to_string();
        assert!(message.contains("DefaultUserId rewrote 0 place(s) for 1 operation(s)"), "{message}");
        assert!(message.contains("xtask/src/codegen.rs"), "{message}");
    }

    #[test]
    fn the_api_version_statement_is_counted_as_it_goes() {
        let mut file: syn::File = syn::parse_quote!(
            async fn send() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(Client::api_version()),
                );
                header_map.append("Accept-Language", value.to_string().try_into()?);
            }
        );
        let mut api_version = NoApiVersionHeader::default();
        api_version.visit_file_mut(&mut file);
        assert_eq!(api_version.removed, 1);
        let code = file.to_token_stream().to_string();
        assert!(!code.contains("api-version"), "{code}");
        assert!(code.contains("Accept-Language"), "{code}");
    }

    #[test]
    fn a_float_left_in_the_client_fails_regeneration() {
        let mut converted: syn::File = syn::parse_quote!(
            pub struct Weight {
                pub weight: crate::Number,
            }
        );
        check_numbers_converted(&mut converted).expect("no float");
        let mut float: syn::File = syn::parse_quote!(
            pub mod types {
                pub struct Weight {
                    pub weight: ::std::option::Option<f64>,
                }
            }
        );
        let message = check_numbers_converted(&mut float).expect_err("a float").to_string();
        assert!(message.contains("1 float type(s)"), "{message}");
    }

    #[test]
    fn a_replaced_schema_generated_as_a_type_fails_regeneration() {
        let spec = spec(&format!(
            "{TWO_OPERATIONS}components:\n  schemas:\n    IntradayPoints: {{ type: array, items: {{ type: string }} }}\n"
        ));
        let replaced: syn::File = syn::parse_quote!(
            pub mod types {
                pub struct Day {
                    pub dataset: crate::IntradayPoints,
                }
            }
        );
        check_replacements_applied(&spec, &replaced).expect("replaced");
        let generated: syn::File = syn::parse_quote!(
            pub mod types {
                pub struct IntradayPoints(pub Vec<String>);
            }
        );
        let message = check_replacements_applied(&spec, &generated).expect_err("generated").to_string();
        assert!(message.contains("\"IntradayPoints\""), "{message}");

        let message = check_replacements_in_spec(&spec).expect_err("most are missing").to_string();
        assert!(message.contains("\"FitbitDate\"") && !message.contains("\"IntradayPoints\""), "{message}");
    }
}

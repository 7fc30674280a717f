//! Turning the validated spec into the checked-in Rust files.
//!
//! Everything that shapes the generated code lives here: progenitor's settings,
//! the named schemas our handwritten types replace, and the few adjustments
//! made to progenitor's output (each documented where it is made).

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
    DefaultUserId.visit_file_mut(&mut file);
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
        .with_inner_type(quote!(crate::Middleware))
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
    DefaultUserId.visit_file_mut(&mut file);
    NoApiVersionHeader.visit_file_mut(&mut file);
    PathSegmentsInPlace.visit_file_mut(&mut file);
    AnswersKeepTheirHeaders.visit_file_mut(&mut file);
    let mut urls = OperationUrlsFromParsedBase::default();
    urls.visit_file_mut(&mut file);
    if let Some(unexpected) = urls.not_rewritten.first() {
        return Err(Error::Generate(format!(
            "{} operation URL(s) not in the form `format!(\"{{}}/<fixed segment>/…\", client.baseurl, …)`, \
             e.g. `{unexpected}`: update OperationUrlsFromParsedBase in xtask/src/codegen.rs",
            urls.not_rewritten.len()
        )));
    }
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
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation.parameters.iter_mut().for_each(strip);
        }
    }
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
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
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

/// progenitor 0.15 has no defaults for path parameters. Every Fitbit user path
/// takes `{user-id}`, and `-` (the user who owns the token) is almost always
/// what callers mean, so each builder starts with `user_id` set to `-`;
/// `.user_id("GGNJL9")` still overrides it.
struct DefaultUserId;

impl VisitMut for DefaultUserId {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if is_uninitialized_user_id(expr) {
            *expr = syn::parse_quote!(Ok("-".to_string()));
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// progenitor puts an `api-version` header (the spec's `info.version`) on
/// every request, into a header map allocated for it. Fitbit has no use for
/// it, so the statement goes, and the map starts empty: it allocates only
/// when an optional header (`Accept-Language`, …) is set. Sending a request
/// without these costs a little less on every call.
struct NoApiVersionHeader;

impl VisitMut for NoApiVersionHeader {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| !is_api_version_append(stmt));
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if is_header_map_with_capacity(expr) {
            *expr = syn::parse_quote!(::reqwest::header::HeaderMap::new());
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// progenitor writes each path parameter as `encode_path(&value.to_string())`:
/// two strings made and dropped per parameter before the URL's own.
/// `value.path_segment()` (`crate::path::ToPathSegment`, imported where
/// `encode_path` was) percent-encodes the same characters as the value is
/// formatted into the URL (fitbit-api/src/path.rs). A method call, like
/// `to_string`, so that constrained-string newtypes reach `str` by deref.
struct PathSegmentsInPlace;

impl VisitMut for PathSegmentsInPlace {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let Some(value) = encoded_path_parameter(expr) {
            *expr = match value {
                syn::Expr::Path(_) => syn::parse_quote!(#value.path_segment()),
                _ => syn::parse_quote!((#value).path_segment()),
            };
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    // The URL is built in `format!`, whose arguments syn keeps as tokens.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let Some(mut args) = macro_args(mac) else { return };
        for arg in args.iter_mut() {
            self.visit_expr_mut(arg);
        }
        mac.tokens = args.into_token_stream();
    }

    fn visit_file_mut(&mut self, file: &mut syn::File) {
        syn::visit_mut::visit_file_mut(self, file);
        import_path_segments(&mut file.items);
    }

    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        syn::visit_mut::visit_item_mod_mut(self, module);
        if let Some((_, items)) = &mut module.content {
            import_path_segments(items);
        }
    }
}

/// The comma-separated arguments of a `format!`-like macro, which syn keeps as tokens.
fn macro_args(mac: &syn::Macro) -> Option<syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>> {
    mac.parse_body_with(syn::punctuated::Punctuated::parse_terminated).ok()
}

/// Adds `use crate::path::ToPathSegment as _;` beside each import of `encode_path`.
fn import_path_segments(items: &mut Vec<syn::Item>) {
    let imports_encode_path = |item: &syn::Item| matches!(item, syn::Item::Use(import) if import.to_token_stream().to_string().contains("encode_path"));
    if let Some(position) = items.iter().position(imports_encode_path) {
        items.insert(
            position + 1,
            syn::parse_quote!(
                use crate::path::ToPathSegment as _;
            ),
        );
    }
}

/// The `value` of `encode_path(&value.to_string())`.
fn encoded_path_parameter(expr: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Call(call) = expr else { return None };
    let syn::Expr::Path(func) = call.func.as_ref() else { return None };
    if !func.path.is_ident("encode_path") || call.args.len() != 1 {
        return None;
    }
    let Some(syn::Expr::Reference(reference)) = call.args.first() else { return None };
    let syn::Expr::MethodCall(to_string) = reference.expr.as_ref() else { return None };
    (to_string.method == "to_string" && to_string.args.is_empty()).then(|| (*to_string.receiver).clone())
}

/// progenitor-client's `ResponseValue::from_response` copies the answer's
/// headers before reading the body, and the answer is then dropped with its
/// own. `crate::response::from_response` takes them instead; it decodes the
/// same way and returns the same errors (fitbit-api/src/response.rs).
struct AnswersKeepTheirHeaders;

impl VisitMut for AnswersKeepTheirHeaders {
    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        let names: Vec<String> = path.path.segments.iter().map(|segment| segment.ident.to_string()).collect();
        if names == ["ResponseValue", "from_response"] {
            *path = syn::parse_quote!(crate::response::from_response);
        }
    }
}

/// progenitor builds each operation's URL as
/// `format!("{}/1/user/{}/profile.json", client.baseurl, …)`, and reqwest
/// parses the whole text, scheme and host included, on every request. The
/// generated code joins the path to the base URL parsed when the client was
/// built instead (`Client::endpoint_url`, fitbit-api/src/endpoint.rs):
/// `client.endpoint_url(&format!("1/user/{}/profile.json", …))`, or the bare
/// literal when the path has no parameters. A URL built any other way is
/// listed in `not_rewritten`, and regeneration fails rather than silently
/// keeping the slow path.
#[derive(Default)]
struct OperationUrlsFromParsedBase {
    not_rewritten: Vec<String>,
}

impl VisitMut for OperationUrlsFromParsedBase {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Macro(mac) = expr
            && mac.mac.path.is_ident("format")
            && mac.mac.tokens.to_string().contains("baseurl")
        {
            match relative_operation_url(&mac.mac) {
                Some(relative) => {
                    *expr = syn::parse_quote!(client.endpoint_url(#relative).map_err(Error::InvalidRequest)?);
                }
                None => self.not_rewritten.push(mac.mac.tokens.to_string()),
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// For `format!("{}/<path>", client.baseurl, args…)` with a fixed first
/// segment: `"<path>"` when there are no `args`, else `&format!("<path>", args…)`.
fn relative_operation_url(mac: &syn::Macro) -> Option<syn::Expr> {
    let mut args = macro_args(mac)?.into_iter();
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(template), .. }) = args.next()? else { return None };
    let base = args.next()?;
    if base.to_token_stream().to_string() != "client . baseurl" {
        return None;
    }
    let template = template.value();
    let path = template.strip_prefix("{}/")?;
    // The first segment is fixed text that cannot read as a scheme (`a:`)
    // or a host (`//`), so joining it to the base keeps the base's host.
    let first_segment = path.split('/').next()?;
    if first_segment.is_empty() || first_segment.contains([':', '{', '}', '?', '#', '\\']) {
        return None;
    }
    let rest: Vec<syn::Expr> = args.collect();
    Some(if rest.is_empty() {
        syn::parse_quote!(#path)
    } else {
        syn::parse_quote!(&format!(#path, #(#rest),*))
    })
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

/// Matches `::reqwest::header::HeaderMap::with_capacity(…)`.
fn is_header_map_with_capacity(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(call) = expr else { return false };
    let syn::Expr::Path(func) = call.func.as_ref() else { return false };
    let names: Vec<String> = func.path.segments.iter().map(|segment| segment.ident.to_string()).collect();
    names.ends_with(&["HeaderMap".to_string(), "with_capacity".to_string()])
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

    /// `OperationUrlsFromParsedBase` applied to one function body: the body
    /// after, and what was not rewritten.
    fn rewrite_urls(body: syn::Block) -> (String, Vec<String>) {
        let mut file: syn::File = syn::parse_quote!(
            async fn send() #body
        );
        let mut urls = OperationUrlsFromParsedBase::default();
        urls.visit_file_mut(&mut file);
        (file.to_token_stream().to_string(), urls.not_rewritten)
    }

    #[test]
    fn operation_urls_become_paths_joined_to_the_parsed_base() {
        let (body, not_rewritten) = rewrite_urls(syn::parse_quote!({
            let url = format!("{}/1/user/{}/profile.json", client.baseurl, user_id.path_segment(),);
            let units = format!("{}/1/foods/units.json", client.baseurl);
        }));
        assert!(not_rewritten.is_empty(), "{not_rewritten:?}");
        let expected_with_parameter = quote!(
            client
                .endpoint_url(&format!("1/user/{}/profile.json", user_id.path_segment()))
                .map_err(Error::InvalidRequest)?
        );
        let expected_fixed =
            quote!(client.endpoint_url("1/foods/units.json").map_err(Error::InvalidRequest)?);
        assert!(body.contains(&expected_with_parameter.to_string()), "{body}");
        assert!(body.contains(&expected_fixed.to_string()), "{body}");
        assert!(!body.contains("baseurl"), "{body}");
    }

    #[test]
    fn a_url_that_cannot_be_joined_safely_is_reported_not_rewritten() {
        for url in [
            // A parameter as the first segment could read as a scheme or a host.
            quote!(format!("{}/{}/profile.json", client.baseurl, version)),
            quote!(format!("{}/a:b/profile.json", client.baseurl)),
            quote!(format!("{}1/user/-/profile.json", client.baseurl)),
            quote!(format!("{}/1/user/-/profile.json", other.baseurl)),
        ] {
            let (body, not_rewritten) = rewrite_urls(syn::parse_quote!({ let url = #url; }));
            assert_eq!(not_rewritten.len(), 1, "{url}");
            assert!(body.contains("baseurl"), "{body}");
        }
    }

    #[test]
    fn format_calls_without_the_base_url_are_left_alone() {
        let (body, not_rewritten) = rewrite_urls(syn::parse_quote!({
            let message = format!("conversion to `{}` failed", name);
        }));
        assert!(not_rewritten.is_empty());
        assert!(body.contains("conversion to"), "{body}");
    }
}

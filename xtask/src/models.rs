//! A plain-text listing of the generated model types: every struct with its
//! fields (Rust name, JSON name, type) and every enum with its variants,
//! read from the generated client's `types` module.
//!
//! The workspace tests snapshot it with insta. The operations listing
//! ([`crate::surface`]) shows what each call sends and returns by name; this
//! one shows what those names hold, so a change to a schema (a field added,
//! retyped or made optional, an enum value, a replacement by a handwritten
//! type) is a small, readable diff as well, whether it comes from the spec or
//! from a new progenitor.

use std::fmt::Write;

use quote::ToTokens;

use crate::Error;

/// One block per type of the `types` module, in source (alphabetical) order.
pub fn render(client_source: &str) -> Result<String, Error> {
    let file =
        syn::parse_file(client_source).map_err(|e| Error::Generate(format!("generated client: {e}")))?;
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "types" => module.content.as_ref(),
            _ => None,
        })
        .ok_or_else(|| Error::Generate("the generated client has no `types` module".to_string()))?;
    let mut out = String::new();
    for item in &types.1 {
        match item {
            syn::Item::Struct(item) => describe_struct(&mut out, item),
            syn::Item::Enum(item) => describe_enum(&mut out, item),
            _ => continue,
        }
        out.push('\n');
    }
    Ok(out)
}

fn describe_struct(out: &mut String, item: &syn::ItemStruct) {
    let _ = writeln!(out, "struct {}{}", item.ident, serde_container_note(&item.attrs));
    match &item.fields {
        syn::Fields::Named(fields) => {
            for field in &fields.named {
                let name = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
                let _ = writeln!(out, "  {name}{}: {}", serde_field_note(&field.attrs), type_name(&field.ty));
            }
        }
        syn::Fields::Unnamed(fields) => {
            let types: Vec<String> = fields.unnamed.iter().map(|field| type_name(&field.ty)).collect();
            let _ = writeln!(out, "  ({})", types.join(", "));
        }
        syn::Fields::Unit => {}
    }
}

fn describe_enum(out: &mut String, item: &syn::ItemEnum) {
    let _ = writeln!(out, "enum {}{}", item.ident, serde_container_note(&item.attrs));
    for variant in &item.variants {
        let payload = match &variant.fields {
            syn::Fields::Unit => String::new(),
            syn::Fields::Unnamed(fields) => {
                let types: Vec<String> = fields.unnamed.iter().map(|field| type_name(&field.ty)).collect();
                format!("({})", types.join(", "))
            }
            syn::Fields::Named(fields) => {
                let names: Vec<String> = fields
                    .named
                    .iter()
                    .map(|field| {
                        let name = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
                        format!("{name}: {}", type_name(&field.ty))
                    })
                    .collect();
                format!(" {{ {} }}", names.join(", "))
            }
        };
        let _ = writeln!(out, "  {}{}{payload}", variant.ident, serde_field_note(&variant.attrs));
    }
}

/// ` (untagged)`, ` (transparent)`: how serde reads the whole type.
fn serde_container_note(attrs: &[syn::Attribute]) -> String {
    let notes: Vec<String> = serde_arguments(attrs)
        .into_iter()
        .filter(|(key, _)| matches!(key.as_str(), "untagged" | "transparent" | "tag" | "content"))
        .map(|(key, value)| value.map_or(key.clone(), |value| format!("{key} = {value:?}")))
        .collect();
    if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) }
}

/// ` "jsonName"` when serde renames the field or variant, and ` (flatten)`.
fn serde_field_note(attrs: &[syn::Attribute]) -> String {
    let mut note = String::new();
    for (key, value) in serde_arguments(attrs) {
        match (key.as_str(), value) {
            ("rename", Some(json_name)) => {
                let _ = write!(note, " {json_name:?}");
            }
            ("flatten" | "default", None) => {
                let _ = write!(note, " ({key})");
            }
            _ => {}
        }
    }
    note
}

/// The `key` or `key = "value"` arguments of `#[serde(...)]` attributes.
fn serde_arguments(attrs: &[syn::Attribute]) -> Vec<(String, Option<String>)> {
    let mut arguments = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta.path.to_token_stream().to_string();
            let value = if meta.input.peek(syn::Token![=]) {
                let literal: syn::Lit = meta.value()?.parse()?;
                match literal {
                    syn::Lit::Str(text) => Some(text.value()),
                    other => Some(other.to_token_stream().to_string()),
                }
            } else {
                None
            };
            arguments.push((key, value));
            Ok(())
        });
    }
    arguments
}

/// A type as a reader would write it: `Option<Vec<SleepLog>>`, not
/// `::std::option::Option<::std::vec::Vec<SleepLog>>`.
fn type_name(ty: &syn::Type) -> String {
    let mut text = ty.to_token_stream().to_string().replace(' ', "");
    for prefix in [
        "::std::option::",
        "::std::vec::",
        "::std::string::",
        "::std::collections::",
        "::std::boxed::",
        "::serde_json::",
        "::chrono::naive::",
        "::chrono::",
        "crate::",
        "super::",
    ] {
        text = text.replace(prefix, "");
    }
    text.replace(",>", ">").replace(',', ", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_fields_with_json_names_and_variants_with_payloads() {
        let source = r#"
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub struct SleepLog {
                    #[serde(rename = "dateOfSleep")]
                    pub date_of_sleep: ::chrono::naive::NaiveDate,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub levels: ::std::vec::Vec<crate::IntradayPoint>,
                    pub stages: ::std::collections::HashMap<::std::string::String, u32,>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[serde(untagged)]
                pub enum CreatedSleep {
                    Array(::std::vec::Vec<SleepLog>),
                    SleepLog(SleepLog),
                }
                pub enum Period {
                    #[serde(rename = "1d")]
                    X1d,
                }
                #[serde(transparent)]
                pub struct SubscriptionId(::std::string::String);
                impl SleepLog {}
                pub mod builder {}
            }
            pub mod builder {
                pub struct NotAModel;
            }
        "#;
        let listing = render(source).expect("a listing");
        assert_eq!(
            listing,
            "struct SleepLog\n  date_of_sleep \"dateOfSleep\": NaiveDate\n  levels (default): Vec<IntradayPoint>\n  stages: HashMap<String, u32>\n  \
             extra (flatten): Map<String, Value>\n\n\
             enum CreatedSleep (untagged)\n  Array(Vec<SleepLog>)\n  SleepLog(SleepLog)\n\n\
             enum Period\n  X1d \"1d\"\n\n\
             struct SubscriptionId (transparent)\n  (String)\n\n"
        );
    }

    #[test]
    fn a_client_without_types_is_an_error() {
        assert!(render("pub mod builder {}").is_err());
        assert!(render("not rust").is_err());
    }
}

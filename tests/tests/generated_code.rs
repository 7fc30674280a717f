//! Guards on the generated code: it matches the spec, and every change to the
//! client's surface or to progenitor's behaviour shows up as a snapshot diff.

use std::path::Path;

use xtask::spec::Spec;

fn fixture_spec(name: &str) -> Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/progenitor").join(name);
    Spec::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The rust-analyzer pattern: a forgotten `cargo xtask regen` fails `cargo test`.
#[test]
fn checked_in_code_matches_the_spec() {
    if let Err(err) = xtask::check(&xtask::project_root()) {
        panic!("{err}");
    }
}

/// Each operation's method, path, parameters and response types. A change to
/// the spec shows up here as a readable diff (`cargo insta review`).
#[test]
fn public_surface() {
    let spec = Spec::load(&xtask::project_root().join(xtask::spec::SPEC_PATH)).expect("the spec loads");
    insta::assert_snapshot!("public_surface", xtask::surface::render(&spec));
}

/// `tracker/steps`: the enum value is encoded into one segment next to the fixed
/// `tracker/` segment; the user id starts as `-`; `FitbitDate` is our type.
#[test]
fn progenitor_resource_path() {
    let code = xtask::codegen::render_client(&fixture_spec("resource_path.yaml")).expect("generates");
    assert!(code.contains("/activities/tracker/{}/date/{}.json"), "fixed tracker segment");
    assert!(code.contains(r#"user_id: Ok("-".to_string())"#), "user id defaults to `-`");
    assert!(code.contains("crate::FitbitDate"), "FitbitDate is replaced");
    insta::assert_snapshot!("progenitor_resource_path", code);
}

/// Form bodies, query-parameter POSTs answering 201, bodiless 204 DELETEs, and
/// optional collections kept as `Option<Vec<_>>`.
#[test]
fn progenitor_bodies_and_statuses() {
    let code = xtask::codegen::render_client(&fixture_spec("bodies_and_statuses.yaml")).expect("generates");
    assert!(code.contains("form_urlencoded"), "form body");
    assert!(code.contains("201u16 =>"), "201 is the success status");
    assert!(code.contains("204u16 => Ok(ResponseValue::empty(response))"), "204 has no body");
    assert!(code.contains("::std::option::Option<::std::vec::Vec<"), "optional arrays stay Option<Vec>");
    insta::assert_snapshot!("progenitor_bodies_and_statuses", code);
}

/// The project's rules reject what progenitor 0.15 would mis-generate, and
/// each message names the operation.
mod rules {
    use super::*;

    fn problems(edit: impl Fn(&mut serde_json::Value)) -> Vec<String> {
        let mut raw = fixture_spec("bodies_and_statuses.yaml").raw;
        edit(&mut raw);
        let spec = Spec::parse(&serde_json::to_string(&raw).unwrap()).expect("still OpenAPI");
        xtask::validate::validate(&spec).expect_err("the rule must fire")
    }

    fn assert_reported(problems: &[String], operation: &str, needle: &str) {
        assert!(
            problems.iter().any(|p| p.starts_with(operation) && p.contains(needle)),
            "expected a problem naming {operation} and saying `{needle}`, got {problems:#?}"
        );
    }

    #[test]
    fn the_fixture_spec_is_valid() {
        xtask::validate::validate(&fixture_spec("bodies_and_statuses.yaml")).expect("valid");
    }

    #[test]
    fn missing_operation_id() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep.json"]["post"]
                .as_object_mut()
                .unwrap()
                .remove("operationId");
        });
        assert_reported(&problems, "POST /1.2/user/{user-id}/sleep.json", "missing operationId");
    }

    #[test]
    fn inline_response_schema() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep.json"]["post"]["responses"]["201"]["content"]["application/json"]
                ["schema"] = serde_json::json!({"type": "object"});
        });
        assert_reported(&problems, "create_log", "inline schema");
    }

    #[test]
    fn several_tags() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep/{log-id}.json"]["delete"]["tags"] =
                serde_json::json!(["Logs", "Sleep"]);
        });
        assert_reported(&problems, "delete_log", "2 tags");
    }

    #[test]
    fn missing_scope() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep.json"]["post"]
                .as_object_mut()
                .unwrap()
                .remove("x-fitbit-scope");
        });
        assert_reported(&problems, "create_log", "x-fitbit-scope");
    }

    #[test]
    fn broken_ref() {
        let problems = problems(|s| {
            s["paths"]["/1/user/{user-id}/profile.json"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                ["schema"]["$ref"] = serde_json::json!("#/components/schemas/Nope");
        });
        assert_reported(&problems, "update_profile", "broken $ref `#/components/schemas/Nope`");
    }

    #[test]
    fn two_success_schemas() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep.json"]["post"]["responses"]["200"] = serde_json::json!({
                "description": "other", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProfileUpdate"}}}
            });
        });
        assert_reported(&problems, "create_log", "2 success schemas");
    }

    #[test]
    fn error_response_with_another_schema() {
        let problems = problems(|s| {
            s["paths"]["/1.2/user/{user-id}/sleep.json"]["post"]["responses"]["4XX"]["content"]["application/json"]
                ["schema"]["$ref"] = serde_json::json!("#/components/schemas/Log");
        });
        assert_reported(&problems, "create_log", "every 4xx/5xx must use `ErrorEnvelope`");
    }

    #[test]
    fn openapi_3_1_is_refused() {
        let problems = problems(|s| s["openapi"] = serde_json::json!("3.1.0"));
        assert!(problems.iter().any(|p| p.contains("3.0.x")), "{problems:#?}");
    }
}

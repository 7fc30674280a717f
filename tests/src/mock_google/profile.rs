//! `users.getIdentity`, `getProfile`/`updateProfile`, `getSettings`/`updateSettings`,
//! `getIrnProfile`, `pairedDevices.list`/`get`. Scopes come from the Discovery
//! document's method entries (`nutrition.readonly` also opens the identity).

use serde_json::{Map, Value, json};

use super::api::{Answer, Ctx, Op};
use super::discovery::{self, Discovery};
use super::errors::ApiError;
use super::paging;
use super::scopes::NUTRITION_READONLY;

pub(crate) fn handle(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let op = ctx.route.op;
    let mut scopes = discovery::get().method_scopes(op.discovery_id());
    if op == Op::GetIdentity {
        scopes.push(NUTRITION_READONLY.into());
    }
    ctx.require_any(&scopes)?;
    ctx.check_user()?;
    let user = ctx.route.user.clone();
    match op {
        Op::GetIdentity => Ok(Answer::Json(json!({
            "name": format!("users/{user}/identity"),
            "healthUserId": ctx.state.config.health_user_id,
            "legacyUserId": ctx.state.config.legacy_user_id,
        }))),
        Op::GetProfile => Ok(Answer::Json(profile(ctx))),
        Op::GetSettings => {
            Ok(Answer::Json(named(&ctx.state.data.settings, &format!("users/{user}/settings"))))
        }
        Op::GetIrnProfile => {
            Ok(Answer::Json(named(&ctx.state.data.irn_profile, &format!("users/{user}/irnProfile"))))
        }
        Op::UpdateProfile => {
            let updated =
                update(ctx, "Profile", &format!("users/{user}/profile"), ctx.state.data.profile.clone())?;
            ctx.state.data.profile = updated;
            Ok(Answer::Json(profile(ctx)))
        }
        Op::UpdateSettings => {
            let name = format!("users/{user}/settings");
            let updated = update(ctx, "Settings", &name, ctx.state.data.settings.clone())?;
            ctx.state.data.settings = updated;
            Ok(Answer::Json(named(&ctx.state.data.settings, &name)))
        }
        Op::ListPairedDevices => list_devices(ctx, &user),
        Op::GetPairedDevice => {
            let id = ctx.route.id.clone();
            let device = ctx.state.data.devices.iter().find(|(d, _)| *d == id);
            match device {
                Some((_, device)) => {
                    Ok(Answer::Json(named(device, &format!("users/{user}/pairedDevices/{id}"))))
                }
                None => Err(ApiError::not_found(format!(
                    "Paired device users/{user}/pairedDevices/{id} not found."
                ))),
            }
        }
        _ => unreachable!("not a profile method"),
    }
}

/// `resource` with `name` first.
fn named(resource: &Value, name: &str) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(name.into()));
    if let Some(fields) = resource.as_object() {
        out.extend(fields.iter().filter(|(k, _)| *k != "name").map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(out)
}

/// The profile as the caller may see it: fields whose description names a
/// scope ("The user must consent to the following access scope …") are left
/// out when the token lacks that scope.
fn profile(ctx: &Ctx) -> Value {
    let mut profile = named(&ctx.state.data.profile, &format!("users/{}/profile", ctx.route.user));
    let properties = discovery::get().properties("Profile");
    if let Some(fields) = profile.as_object_mut() {
        fields.retain(|key, _| {
            let text = properties.get(key).and_then(|p| p["description"].as_str()).unwrap_or_default();
            match text.split("access this field: - `").nth(1).and_then(|rest| rest.split('`').next()) {
                Some(scope) => ctx.caller.has(scope),
                None => true,
            }
        });
    }
    profile
}

/// `updateMask` paths (comma-separated, snake or camel case) in camel case.
fn mask_paths(mask: &str) -> Vec<String> {
    mask.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut out = String::new();
            let mut upper = false;
            for c in p.chars() {
                if c == '_' {
                    upper = true;
                } else if upper {
                    out.push(c.to_ascii_uppercase());
                    upper = false;
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

/// AIP-134 update: the fields in `updateMask` (or, without one, those present
/// in the body) are copied from the body; each must exist and be updatable.
fn update(ctx: &Ctx, schema: &str, name: &str, current: Value) -> Result<Value, ApiError> {
    let body = ctx.body(schema)?;
    if let Some(sent) = body.get("name").and_then(Value::as_str) {
        let id_form = name.replacen(
            &format!("users/{}/", ctx.route.user),
            &format!("users/{}/", ctx.state.config.health_user_id),
            1,
        );
        let me_form = name.replacen(&format!("users/{}/", ctx.route.user), "users/me/", 1);
        if sent != id_form && sent != me_form {
            return Err(ApiError::invalid_argument(format!(
                "The resource name {sent} does not match the path {name}."
            )));
        }
    }
    let paths = match ctx.query.text("updateMask") {
        Some(mask) => mask_paths(mask),
        None => {
            body.as_object().map(|o| o.keys().filter(|k| *k != "name").cloned().collect()).unwrap_or_default()
        }
    };
    let properties = discovery::get().properties(schema);
    let mut updated = current;
    for path in paths {
        let Some(property) = properties.get(&path) else {
            return Err(ApiError::invalid_argument(format!("Invalid update mask path: {path}")));
        };
        if !Discovery::is_updatable(property) {
            return Err(ApiError::invalid_argument(format!(
                "Updates to the field {path} are not supported."
            )));
        }
        if let Some(fields) = updated.as_object_mut() {
            match body.get(&path) {
                Some(value) => fields.insert(path, value.clone()),
                None => fields.remove(&path),
            };
        }
    }
    Ok(updated)
}

fn list_devices(ctx: &Ctx, user: &str) -> Result<Answer, ApiError> {
    let sizes = &ctx.state.config.page_sizes;
    let page = paging::page_size(ctx.query.int("pageSize")?, sizes.devices_default, sizes.devices_max)?;
    let binding = format!("pairedDevices|{}", ctx.state.config.health_user_id);
    let after = match ctx.query.text("pageToken") {
        Some(token) => Some(paging::decode(&ctx.state.page_secret, token, &binding)?),
        None => None,
    };
    let mut devices: Vec<&(String, Value)> = ctx.state.data.devices.iter().collect();
    devices.sort_by(|a, b| a.0.cmp(&b.0));
    let rest: Vec<&(String, Value)> =
        devices.into_iter().filter(|(id, _)| after.as_ref().is_none_or(|a| id > a)).collect();
    let items: Vec<Value> =
        rest.iter().take(page).map(|(id, d)| named(d, &format!("users/{user}/pairedDevices/{id}"))).collect();
    let mut answer = json!({ "pairedDevices": items });
    if rest.len() > page {
        answer["nextPageToken"] = json!(paging::encode(&ctx.state.page_secret, &binding, &rest[page - 1].0));
    }
    Ok(Answer::Json(answer))
}

//! `projects.subscribers.*` and `projects.subscribers.subscriptions.*`: webhook
//! registration with project credentials (any bearer is taken and recorded).
//! Endpoints are not contacted: a subscriber is `ACTIVE` at once.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::api::{Answer, Ctx, Op};
use super::discovery;
use super::errors::ApiError;
use super::filter::{self, Expr, RawCond};
use super::paging;
use super::points::operation;
use super::seed::SubscriberRecord;
use super::state::random_hex;
use super::time::format_timestamp;

const V4: &str = "google.devicesandservices.health.v4";

/// 4-36 characters matching `[a-z]([a-z0-9-]{2,34}[a-z0-9])`.
fn valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (4..=36).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes[1..].iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[bytes.len() - 1] != b'-'
}

/// A server-chosen id, shaped like a UUID.
fn generated_id() -> String {
    let hex = random_hex(16);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn now(ctx: &Ctx) -> String {
    format_timestamp(DateTime::<Utc>::from(ctx.state.now()))
}

/// Every data type a subscriber may name: the `DataPoint` union and the rollup-only types.
fn known_type(kebab: &str) -> bool {
    discovery::get().data_type(kebab).is_some() || super::scopes::group_of(kebab).is_some()
}

pub(crate) fn handle(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let project = ctx.route.project.clone();
    let numeric = !project.is_empty() && project.bytes().all(|b| b.is_ascii_digit());
    match ctx.route.op {
        Op::CreateSubscriber | Op::ListSubscribers if !numeric => {
            Err(ApiError::invalid_argument("Invalid project number in resource name"))
        }
        Op::CreateSubscriber => create_subscriber(ctx, &project),
        Op::ListSubscribers => list_subscribers(ctx, &project),
        Op::UpdateSubscriber => update_subscriber(ctx, &project),
        Op::DeleteSubscriber => delete_subscriber(ctx, &project),
        Op::CreateSubscription => create_subscription(ctx, &project),
        Op::ListSubscriptions => list_subscriptions(ctx, &project),
        Op::UpdateSubscription => update_subscription(ctx, &project),
        Op::DeleteSubscription => delete_subscription(ctx, &project),
        _ => unreachable!("not a subscriber method"),
    }
}

/// Checks `endpointUri`, `endpointAuthorization` and `subscriberConfigs` where present.
fn check_subscriber_fields(body: &Value) -> Result<(), ApiError> {
    if let Some(uri) = body.get("endpointUri") {
        let uri = uri.as_str().unwrap_or_default();
        let https = url::Url::parse(uri).is_ok_and(|u| u.scheme() == "https" && u.host().is_some());
        if !https {
            return Err(ApiError::invalid_argument(format!("endpoint_uri must be a valid HTTPS URL: {uri}")));
        }
    }
    if let Some(auth) = body.get("endpointAuthorization") {
        let secret = auth["secret"].as_str().unwrap_or_default();
        if !secret.trim().contains(' ') {
            return Err(ApiError::invalid_argument(
                "endpoint_authorization.secret must be a whole Authorization header value, with its scheme \
                 (\"Bearer …\" or \"Basic …\").",
            ));
        }
    }
    for config in body["subscriberConfigs"].as_array().into_iter().flatten() {
        let types: Vec<&str> =
            config["dataTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if types.is_empty() {
            return Err(ApiError::invalid_argument("subscriber_configs.data_types must not be empty."));
        }
        if let Some(unknown) = types.iter().find(|t| !known_type(t)) {
            return Err(ApiError::invalid_argument(format!(
                "Unsupported data type in subscriber_configs: {unknown}"
            )));
        }
        if !matches!(config["subscriptionCreatePolicy"].as_str(), Some("AUTOMATIC" | "MANUAL")) {
            return Err(ApiError::invalid_argument(
                "subscriber_configs.subscription_create_policy is required.",
            ));
        }
    }
    Ok(())
}

fn create_subscriber(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let body = ctx.body("CreateSubscriberPayload")?;
    if let Some(missing) = discovery::get().missing_required(&body, "CreateSubscriberPayload", "") {
        return Err(ApiError::invalid_argument(format!("Missing required field: {missing}")));
    }
    check_subscriber_fields(&body)?;
    let id = match ctx.query.text("subscriberId") {
        Some(id) if valid_id(id) => id.to_string(),
        Some(id) => {
            return Err(ApiError::invalid_argument(format!(
                "Invalid subscriber_id {id}: use 4-36 characters matching [a-z]([a-z0-9-]{{2,34}}[a-z0-9])."
            )));
        }
        None => generated_id(),
    };
    let name = format!("projects/{project}/subscribers/{id}");
    if ctx.state.data.subscribers.contains_key(&name) {
        return Err(ApiError::already_exists(format!("Subscriber {name} already exists.")));
    }
    let stamp = now(ctx);
    let mut resource = json!({
        "name": name,
        "endpointUri": body["endpointUri"],
        "endpointAuthorization": { "secretSet": true },
        "state": "ACTIVE",
        "createTime": stamp,
        "updateTime": stamp,
    });
    if let Some(configs) = body.get("subscriberConfigs") {
        resource["subscriberConfigs"] = configs.clone();
    }
    let secret = body["endpointAuthorization"]["secret"].as_str().unwrap_or_default().to_string();
    ctx.state.data.subscribers.insert(name, SubscriberRecord { resource: resource.clone(), secret });
    Ok(Answer::Json(operation(
        &format!("{V4}.CreateSubscriberMetadata"),
        &format!("{V4}.Subscriber"),
        &resource,
    )))
}

/// Paging over names in order.
fn page_of(ctx: &Ctx, names: Vec<String>, binding: &str) -> Result<(Vec<String>, Option<String>), ApiError> {
    let sizes = &ctx.state.config.page_sizes;
    let page =
        paging::page_size(ctx.query.int("pageSize")?, sizes.subscribers_default, sizes.subscribers_max)?;
    let after = match ctx.query.text("pageToken") {
        Some(token) => Some(paging::decode(&ctx.state.page_secret, token, binding)?),
        None => None,
    };
    let rest: Vec<String> = names.into_iter().filter(|n| after.as_ref().is_none_or(|a| n > a)).collect();
    let next = (rest.len() > page).then(|| paging::encode(&ctx.state.page_secret, binding, &rest[page - 1]));
    Ok((rest.into_iter().take(page).collect(), next))
}

fn list_subscribers(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let prefix = format!("projects/{project}/subscribers/");
    let names: Vec<String> =
        ctx.state.data.subscribers.keys().filter(|n| n.starts_with(&prefix)).cloned().collect();
    let total = names.len();
    let (page, next) = page_of(ctx, names, &format!("subscribers|{project}"))?;
    let items: Vec<Value> =
        page.iter().filter_map(|n| ctx.state.data.subscribers.get(n)).map(|s| s.resource.clone()).collect();
    let mut answer = json!({ "subscribers": items, "totalSize": total });
    if let Some(token) = next {
        answer["nextPageToken"] = json!(token);
    }
    Ok(Answer::Json(answer))
}

fn subscriber_name(ctx: &Ctx, project: &str) -> Result<String, ApiError> {
    let name = format!("projects/{project}/subscribers/{}", ctx.route.subscriber);
    if ctx.state.data.subscribers.contains_key(&name) {
        Ok(name)
    } else {
        Err(ApiError::not_found(format!("Subscriber {name} not found.")))
    }
}

/// `updateMask` paths in camel case.
fn mask(ctx: &Ctx, body: &Value) -> Vec<String> {
    match ctx.query.text("updateMask") {
        Some(mask) => mask
            .split(',')
            .map(|p| {
                let mut out = String::new();
                let mut upper = false;
                for c in p.trim().chars() {
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
            .collect(),
        None => {
            body.as_object().map(|o| o.keys().filter(|k| *k != "name").cloned().collect()).unwrap_or_default()
        }
    }
}

fn update_subscriber(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let name = subscriber_name(ctx, project)?;
    let body = ctx.body("Subscriber")?;
    let paths = mask(ctx, &body);
    for path in &paths {
        if !["endpointUri", "subscriberConfigs", "endpointAuthorization"].contains(&path.as_str()) {
            return Err(ApiError::invalid_argument(format!(
                "Invalid update mask path {path}: supported are endpoint_uri, subscriber_configs, endpoint_authorization."
            )));
        }
    }
    check_subscriber_fields(&body)?;
    let stamp = now(ctx);
    let record = ctx
        .state
        .data
        .subscribers
        .get_mut(&name)
        .ok_or_else(|| ApiError::not_found("Subscriber not found."))?;
    for path in &paths {
        match path.as_str() {
            "endpointAuthorization" => {
                record.secret =
                    body["endpointAuthorization"]["secret"].as_str().unwrap_or_default().to_string();
            }
            field => match body.get(field) {
                Some(value) => record.resource[field] = value.clone(),
                None => {
                    record.resource.as_object_mut().map(|o| o.remove(field));
                }
            },
        }
    }
    record.resource["updateTime"] = json!(stamp);
    let resource = record.resource.clone();
    Ok(Answer::Json(operation(
        &format!("{V4}.UpdateSubscriberMetadata"),
        &format!("{V4}.Subscriber"),
        &resource,
    )))
}

fn delete_subscriber(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let name = subscriber_name(ctx, project)?;
    let force = ctx.query.boolean("force")?;
    let children: Vec<String> = ctx
        .state
        .data
        .subscriptions
        .keys()
        .filter(|k| k.starts_with(&format!("{name}/subscriptions/")))
        .cloned()
        .collect();
    if !children.is_empty() && !force {
        return Err(ApiError::failed_precondition(format!(
            "Subscriber {name} has {} subscription(s): delete them first or set force=true.",
            children.len()
        )));
    }
    for child in children {
        ctx.state.data.subscriptions.remove(&child);
    }
    ctx.state.data.subscribers.remove(&name);
    Ok(Answer::Json(operation(
        &format!("{V4}.DeleteSubscriberMetadata"),
        "google.protobuf.Empty",
        &json!({}),
    )))
}

/// The subscriber's data types with a `MANUAL` creation policy.
fn manual_types(resource: &Value) -> Vec<String> {
    resource["subscriberConfigs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["subscriptionCreatePolicy"] == "MANUAL")
        .flat_map(|c| {
            c["dataTypes"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(String::from))
        })
        .collect()
}

/// Checks `dataTypes` entries (`users/{healthUserId}/dataTypes/{type}`) against the subscriber.
fn check_subscription_types(user: &str, types: &[String], manual: &[String]) -> Result<(), ApiError> {
    for entry in types {
        let parts: Vec<&str> = entry.split('/').collect();
        let ["users", who, "dataTypes", kebab] = parts.as_slice() else {
            return Err(ApiError::invalid_argument(format!(
                "Invalid data type {entry}: use users/{{health_user_id}}/dataTypes/{{data_type}}."
            )));
        };
        if format!("users/{who}") != user {
            return Err(ApiError::invalid_argument(format!("{entry} is not a data type of {user}.")));
        }
        if !manual.iter().any(|t| t == kebab) {
            return Err(ApiError::failed_precondition(format!(
                "The subscriber has no MANUAL subscription_create_policy for {kebab}."
            )));
        }
    }
    Ok(())
}

fn create_subscription(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let parent = subscriber_name(ctx, project)?;
    let body = ctx.body("CreateSubscriptionPayload")?;
    let user = body["user"].as_str().unwrap_or_default().to_string();
    if user.is_empty() {
        return Err(ApiError::invalid_argument("Missing required field: user"));
    }
    if user != format!("users/{}", ctx.state.config.health_user_id) {
        return Err(ApiError::invalid_argument(format!(
            "Invalid user {user}: use users/{{healthUserId}} as GetIdentity returns it."
        )));
    }
    let manual = manual_types(&ctx.state.data.subscribers[&parent].resource);
    let types: Vec<String> = match body["dataTypes"].as_array() {
        Some(list) if !list.is_empty() => list.iter().filter_map(|t| t.as_str().map(String::from)).collect(),
        _ => manual.iter().map(|t| format!("{user}/dataTypes/{t}")).collect(),
    };
    if manual.is_empty() {
        return Err(ApiError::failed_precondition(
            "The subscriber has no data type with a MANUAL subscription_create_policy.",
        ));
    }
    check_subscription_types(&user, &types, &manual)?;
    let id = match ctx.query.text("subscriptionId") {
        Some(id) if valid_id(id) => id.to_string(),
        Some(id) => return Err(ApiError::invalid_argument(format!("Invalid subscription_id {id}."))),
        None => generated_id(),
    };
    let name = format!("{parent}/subscriptions/{id}");
    if ctx.state.data.subscriptions.contains_key(&name) {
        return Err(ApiError::already_exists(format!("Subscription {name} already exists.")));
    }
    let resource = json!({ "name": name, "user": user, "dataTypes": types });
    ctx.state.data.subscriptions.insert(name, resource.clone());
    Ok(Answer::Json(resource))
}

fn list_subscriptions(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let parent = subscriber_name(ctx, project)?;
    let filter_text = ctx.query.get("filter").unwrap_or_default().to_string();
    let expr: Option<Expr<RawCond>> = if filter_text.trim().is_empty() {
        None
    } else {
        let expr = filter::parse(&filter_text)
            .map_err(|e| ApiError::invalid_argument(format!("Invalid filter: {e}")))?;
        let check = expr.clone().try_map(&|c: RawCond| {
            if !["user", "data_type"].contains(&c.field.as_str()) || c.op != "=" {
                return Err(ApiError::invalid_argument(format!(
                    "Invalid filter: only user = \"…\" and data_type = \"…\" are supported, not {} {}",
                    c.field, c.op
                )));
            }
            Ok(c)
        })?;
        Some(check)
    };
    let prefix = format!("{parent}/subscriptions/");
    let names: Vec<String> =
        ctx.state
            .data
            .subscriptions
            .iter()
            .filter(|(n, _)| n.starts_with(&prefix))
            .filter(|(_, s)| {
                expr.as_ref().is_none_or(|e| {
                    e.eval(&|c: &RawCond| match c.field.as_str() {
                        "user" => s["user"] == c.value.as_str(),
                        _ => s["dataTypes"].as_array().into_iter().flatten().any(|t| {
                            t.as_str().is_some_and(|t| t.rsplit('/').next() == Some(c.value.as_str()))
                        }),
                    })
                })
            })
            .map(|(n, _)| n.clone())
            .collect();
    let (page, next) = page_of(ctx, names, &format!("subscriptions|{parent}|{filter_text}"))?;
    let items: Vec<Value> =
        page.iter().filter_map(|n| ctx.state.data.subscriptions.get(n)).cloned().collect();
    let mut answer = json!({ "subscriptions": items });
    if let Some(token) = next {
        answer["nextPageToken"] = json!(token);
    }
    Ok(Answer::Json(answer))
}

fn subscription_name(ctx: &Ctx, project: &str) -> Result<String, ApiError> {
    let parent = subscriber_name(ctx, project)?;
    let name = format!("{parent}/subscriptions/{}", ctx.route.id);
    if ctx.state.data.subscriptions.contains_key(&name) {
        Ok(name)
    } else {
        Err(ApiError::not_found(format!("Subscription {name} not found.")))
    }
}

fn update_subscription(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let name = subscription_name(ctx, project)?;
    let body = ctx.body("Subscription")?;
    let paths = mask(ctx, &body);
    if let Some(bad) = paths.iter().find(|p| *p != "dataTypes") {
        return Err(ApiError::invalid_argument(format!(
            "Invalid update mask path {bad}: only data_types can change."
        )));
    }
    let parent = subscriber_name(ctx, project)?;
    let manual = manual_types(&ctx.state.data.subscribers[&parent].resource);
    let user = ctx.state.data.subscriptions[&name]["user"].as_str().unwrap_or_default().to_string();
    let types: Vec<String> = body["dataTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(String::from))
        .collect();
    check_subscription_types(&user, &types, &manual)?;
    let resource = ctx
        .state
        .data
        .subscriptions
        .get_mut(&name)
        .ok_or_else(|| ApiError::not_found("Subscription not found."))?;
    if !paths.is_empty() {
        resource["dataTypes"] = json!(types);
    }
    Ok(Answer::Json(resource.clone()))
}

fn delete_subscription(ctx: &mut Ctx, project: &str) -> Result<Answer, ApiError> {
    let name = subscription_name(ctx, project)?;
    ctx.state.data.subscriptions.remove(&name);
    Ok(Answer::Json(json!({})))
}

//! `dataPoints.list`, `reconcile`, `get`, `create`, `patch`, `batchDelete` and
//! `exportExerciseTcx`, and the rules points follow: one union member that
//! matches the path's type, required fields and ranges from the Discovery
//! document, civil times derived from physical times and offsets, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::api::{Answer, Ctx, Op};
use super::discovery::{self, DataType, RecordKind, Walk};
use super::errors::ApiError;
use super::filter::{PointFilter, PointTimes};
use super::paging;
use super::scopes;
use super::seed::Store;
use super::state::random_hex;
use super::time::{
    civil_at, date_from_json, format_duration, format_timestamp, parse_duration, parse_timestamp,
};

/// A point as stored: the full `DataPoint` (string enums), its id, and the
/// client that wrote it through the API (`None` for the user's own data).
#[derive(Clone, Debug)]
pub(crate) struct StoredPoint {
    pub id: String,
    pub data: Value,
    pub owner: Option<String>,
}

fn offset(value: Option<&Value>) -> chrono::Duration {
    value.and_then(Value::as_str).and_then(parse_duration).unwrap_or_else(chrono::Duration::zero)
}

/// The times filters and ordering use; `None` for untimed types (food).
pub(crate) fn times(data_type: &DataType, data: &Value) -> Option<PointTimes> {
    let member = data.get(&data_type.member)?;
    // `activity-level` is "daily" in Discovery's description but its points
    // carry an interval (as the data-types page says): go by the shape.
    let kind = match data_type.kind {
        RecordKind::Daily if member.get("date").is_none() && member.get("interval").is_some() => {
            RecordKind::Interval
        }
        kind => kind,
    };
    match kind {
        RecordKind::Interval | RecordKind::Session => {
            let interval = member.get("interval")?;
            let start = parse_timestamp(interval.get("startTime")?.as_str()?)?;
            let end = parse_timestamp(interval.get("endTime")?.as_str()?)?;
            Some(PointTimes {
                start,
                start_civil: civil_at(start, offset(interval.get("startUtcOffset"))),
                end,
                end_civil: civil_at(end, offset(interval.get("endUtcOffset"))),
            })
        }
        RecordKind::Sample => {
            let sample = member.get("sampleTime")?;
            let at = parse_timestamp(sample.get("physicalTime")?.as_str()?)?;
            let civil = civil_at(at, offset(sample.get("utcOffset")));
            Some(PointTimes { start: at, start_civil: civil, end: at, end_civil: civil })
        }
        RecordKind::Daily => {
            let civil = date_from_json(member.get("date")?)?.and_time(chrono::NaiveTime::MIN);
            let at = civil.and_utc();
            Some(PointTimes { start: at, start_civil: civil, end: at, end_civil: civil })
        }
        RecordKind::Untimed => None,
    }
}

/// Ordering key: start (or sample) time, then id.
fn sort_key(data_type: &DataType, point: &StoredPoint) -> (i64, String) {
    let nanos = times(data_type, &point.data).and_then(|t| t.start.timestamp_nanos_opt()).unwrap_or(i64::MIN);
    (nanos, point.id.clone())
}

fn encode_key(key: &(i64, String)) -> String {
    format!("{}|{}", key.0, key.1)
}

fn decode_key(text: &str) -> Option<(i64, String)> {
    let (nanos, id) = text.split_once('|')?;
    Some((nanos.parse().ok()?, id.to_string()))
}

impl Store {
    /// The points of a type, newest first (as `list` answers them).
    pub fn sorted(&self, kebab: &str) -> Vec<&StoredPoint> {
        let Some(data_type) = discovery::get().data_type(kebab) else { return Vec::new() };
        let mut points: Vec<&StoredPoint> =
            self.points.get(kebab).map(|p| p.iter().collect()).unwrap_or_default();
        points.sort_by_cached_key(|p| std::cmp::Reverse(sort_key(data_type, p)));
        points
    }

    fn find(&self, kebab: &str, id: &str) -> Option<&StoredPoint> {
        self.points.get(kebab)?.iter().find(|p| p.id == id)
    }
}

/// How much of a type the caller may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    All,
    /// Only write scopes: only what this client wrote (`self-sources`).
    OwnOnly,
}

pub(crate) fn read_reach(ctx: &Ctx, kebab: &str) -> Result<Reach, ApiError> {
    let read = scopes::read_scope(kebab);
    let write = scopes::write_scope(kebab);
    if read.as_deref().is_some_and(|s| ctx.caller.has(s)) {
        Ok(Reach::All)
    } else if write.as_deref().is_some_and(|s| ctx.caller.has(s)) {
        Ok(Reach::OwnOnly)
    } else {
        Err(ctx.insufficient_scope(&[read, write].into_iter().flatten().collect::<Vec<_>>()))
    }
}

/// The data-source family to read, from the explicit `dataSourceFamily`
/// (`users/{user}/dataSourceFamilies/{family}`) and the caller's scopes.
pub(crate) fn resolve_family(
    ctx: &Ctx,
    kebab: &str,
    explicit: Option<&str>,
    listing: bool,
) -> Result<String, ApiError> {
    let reach = read_reach(ctx, kebab)?;
    let explicit = match explicit {
        None => None,
        Some(text) => {
            let parts: Vec<&str> = text.split('/').collect();
            let valid_user = |u: &str| u == "me" || u == ctx.state.config.health_user_id;
            match parts.as_slice() {
                ["users", user, "dataSourceFamilies", family]
                    if valid_user(user)
                        && ["all-sources", "google-wearables", "google-sources", "self-sources"]
                            .contains(family) =>
                {
                    Some(family.to_string())
                }
                _ => return Err(ApiError::invalid_argument(format!("Invalid data source family: {text}"))),
            }
        }
    };
    let unsupported = listing && ["sleep", "food", "food-measurement-unit"].contains(&kebab);
    if unsupported && explicit.is_some() {
        return Err(ApiError::invalid_argument(format!(
            "Filtering by data source family is not supported for the {kebab} data type."
        )));
    }
    match reach {
        Reach::All => Ok(explicit.unwrap_or_else(|| "all-sources".into())),
        Reach::OwnOnly => {
            if explicit.as_deref().is_some_and(|f| f != "self-sources") || unsupported {
                return Err(ApiError::permission_denied(format!(
                    "The caller holds only write scopes for {kebab}: it may read only the data it wrote \
                     (self-sources)."
                )));
            }
            Ok("self-sources".into())
        }
    }
}

/// Whether a point belongs to a data-source family.
pub(crate) fn in_family(family: &str, point: &StoredPoint, client_id: &str) -> bool {
    let source = &point.data["dataSource"];
    let platform = source["platform"].as_str().unwrap_or_default();
    match family {
        "google-wearables" => {
            platform == "FITBIT" && source.get("device").is_some() && source["recordingMethod"] != "MANUAL"
        }
        "google-sources" => matches!(platform, "FITBIT" | "HEALTH_CONNECT" | "FIT" | "NEST"),
        "self-sources" => point.owner.as_deref() == Some(client_id),
        _ => true,
    }
}

/// The path's data type, which must be a `DataPoint` union member.
fn data_type(ctx: &Ctx) -> Result<&'static DataType, ApiError> {
    let kebab = &ctx.route.data_type;
    discovery::get().data_type(kebab).ok_or_else(|| {
        if scopes::group_of(kebab).is_some() {
            ApiError::invalid_argument(format!(
                "The {kebab} data type can only be rolled up (rollUp, dailyRollUp)."
            ))
        } else {
            ApiError::invalid_argument(format!("Invalid data type: {kebab}"))
        }
    })
}

pub(crate) fn handle(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    match ctx.route.op {
        Op::ListDataPoints => list(ctx, false),
        Op::ReconcileDataPoints => list(ctx, true),
        Op::GetDataPoint => get(ctx),
        Op::CreateDataPoint => create(ctx),
        Op::UpdateDataPoint => update(ctx),
        Op::BatchDeleteDataPoints => batch_delete(ctx),
        Op::ExportExerciseTcx => export_tcx(ctx),
        _ => unreachable!("not a data-point method"),
    }
}

fn list(ctx: &mut Ctx, reconcile: bool) -> Result<Answer, ApiError> {
    let data_type = if ctx.route.data_type == "-" {
        return Err(ApiError::invalid_argument(
            "The wildcard data type '-' is only supported by batchDelete.",
        ));
    } else {
        data_type(ctx)?
    };
    if reconcile && discovery::get().property("ReconciledDataPoint", &data_type.member).is_none() {
        return Err(ApiError::invalid_argument(format!(
            "The {} data type does not support reconcile.",
            data_type.kebab
        )));
    }
    let family = resolve_family(ctx, &data_type.kebab, ctx.query.text("dataSourceFamily"), !reconcile)?;
    ctx.check_user()?;
    let filter_text = ctx.query.get("filter").unwrap_or_default().to_string();
    let filter = PointFilter::parse(&filter_text, data_type).map_err(ApiError::invalid_argument)?;
    let sizes = &ctx.state.config.page_sizes;
    let (default, max) = if ["sleep", "exercise"].contains(&data_type.kebab.as_str()) {
        (sizes.sessions_max, sizes.sessions_max)
    } else {
        (sizes.points_default, sizes.points_max)
    };
    let page = paging::page_size(ctx.query.int("pageSize")?, default, max)?;
    let binding = format!(
        "{:?}|{}|{}|{filter_text}|{family}",
        ctx.route.op, ctx.state.config.health_user_id, data_type.kebab
    );
    if let Some(series) = ctx.state.data.series.get(&data_type.kebab).cloned() {
        return list_series(ctx, data_type, &series, &filter, page, &binding, reconcile);
    }
    let after = match ctx.query.text("pageToken") {
        Some(token) => Some(
            decode_key(&paging::decode(&ctx.state.page_secret, token, &binding)?)
                .ok_or_else(|| ApiError::invalid_argument("Invalid page token."))?,
        ),
        None => None,
    };
    let client = ctx.caller.client_id.clone();
    let matching: Vec<&StoredPoint> = ctx
        .state
        .data
        .sorted(&data_type.kebab)
        .into_iter()
        .filter(|p| in_family(&family, p, &client))
        .filter(|p| filter.matches(times(data_type, &p.data).as_ref()))
        .filter(|p| after.as_ref().is_none_or(|a| sort_key(data_type, p) < *a))
        .collect();
    let items: Vec<Value> = matching
        .iter()
        .take(page)
        .map(|p| {
            if reconcile {
                json!({ "dataPointName": p.data["name"], data_type.member.clone(): p.data[&data_type.member] })
            } else {
                p.data.clone()
            }
        })
        .collect();
    let mut answer = json!({ "dataPoints": items });
    if matching.len() > page {
        let last = sort_key(data_type, matching[page - 1]);
        answer["nextPageToken"] = json!(paging::encode(&ctx.state.page_secret, &binding, &encode_key(&last)));
    }
    Ok(Answer::Json(answer))
}

/// `list` over a synthetic series: the page is made from the indices the
/// filter keeps, newest first; the page token holds the next index down.
fn list_series(
    ctx: &Ctx,
    data_type: &DataType,
    series: &super::synthetic::Series,
    filter: &PointFilter,
    page: usize,
    binding: &str,
    reconcile: bool,
) -> Result<Answer, ApiError> {
    if !filter.is_conjunction() {
        return Err(ApiError::invalid_argument("OR filters are not served over this data type's series."));
    }
    let range = series.matching(data_type, filter);
    let top = match ctx.query.text("pageToken") {
        Some(token) => paging::decode(&ctx.state.page_secret, token, binding)?
            .strip_prefix('#')
            .and_then(|index| index.parse::<u64>().ok())
            .ok_or_else(|| ApiError::invalid_argument("Invalid page token."))?,
        None => range.end,
    };
    let bottom = top.saturating_sub(page as u64).max(range.start);
    let items: Vec<Value> = (bottom..top)
        .rev()
        .map(|index| {
            let point = series.point(index);
            if reconcile {
                json!({ "dataPointName": point["name"], data_type.member.clone(): point[&data_type.member] })
            } else {
                point
            }
        })
        .collect();
    let mut answer = json!({ "dataPoints": items });
    if bottom > range.start {
        answer["nextPageToken"] =
            json!(paging::encode(&ctx.state.page_secret, binding, &format!("#{bottom}")));
    }
    Ok(Answer::Json(answer))
}

fn not_found(ctx: &Ctx) -> ApiError {
    ApiError::not_found(format!(
        "Data point users/{}/dataTypes/{}/dataPoints/{} was not found.",
        ctx.route.user, ctx.route.data_type, ctx.route.id
    ))
}

fn get(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let data_type = data_type(ctx)?;
    let reach = read_reach(ctx, &data_type.kebab)?;
    ctx.check_user()?;
    let point = ctx.state.data.find(&data_type.kebab, &ctx.route.id).ok_or_else(|| not_found(ctx))?;
    if reach == Reach::OwnOnly && point.owner.as_deref() != Some(ctx.caller.client_id.as_str()) {
        return Err(ApiError::permission_denied(
            "With only write scopes a client may read only the data it wrote.",
        ));
    }
    Ok(Answer::Json(point.data.clone()))
}

/// Requires the write scope of `kebab` (ECG and IRN cannot be written at all).
fn require_write(ctx: &Ctx, kebab: &str) -> Result<(), ApiError> {
    let Some(scope) = scopes::write_scope(kebab) else {
        return Err(ApiError::invalid_argument(format!(
            "The {kebab} data type cannot be written through the API."
        )));
    };
    ctx.require_any(&[scope])
}

/// `{"@type": …}` plus the fields of `body`.
fn any(type_name: &str, body: &Value) -> Value {
    let mut out = Map::new();
    out.insert("@type".into(), json!(format!("type.googleapis.com/{type_name}")));
    if let Some(fields) = body.as_object() {
        out.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(out)
}

/// A finished long-running operation, the only kind this API answers.
pub(crate) fn operation(metadata: &str, response_type: &str, response: &Value) -> Value {
    json!({
        "name": format!("operations/{}", random_hex(12)),
        "metadata": any(metadata, &json!({})),
        "done": true,
        "response": any(response_type, response),
    })
}

const V4: &str = "google.devicesandservices.health.v4";

fn create(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let data_type = data_type(ctx)?;
    require_write(ctx, &data_type.kebab)?;
    ctx.check_user()?;
    let body = ctx.body("DataPoint")?;
    let user = ctx.state.config.health_user_id.clone();
    let fresh = ctx.state.new_point_id();
    let now = DateTime::<Utc>::from(ctx.state.now());
    let point = prepare_written(data_type, body, &user, &fresh, &ctx.caller.client_id, now, None)
        .map_err(ApiError::invalid_argument)?;
    let id = point["name"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
    let list = ctx.state.data.points.entry(data_type.kebab.clone()).or_default();
    if list.iter().any(|p| p.id == id) {
        return Err(ApiError::already_exists(format!("Data point {} already exists.", point["name"])));
    }
    list.push(StoredPoint { id, data: point.clone(), owner: Some(ctx.caller.client_id.clone()) });
    Ok(Answer::Json(operation(
        &format!("{V4}.CreateDataPointOperationMetadata"),
        &format!("{V4}.DataPoint"),
        &point,
    )))
}

fn update(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let data_type = data_type(ctx)?;
    require_write(ctx, &data_type.kebab)?;
    ctx.check_user()?;
    let mut body = ctx.body("DataPoint")?;
    let user = ctx.state.config.health_user_id.clone();
    let canonical = format!("users/{user}/dataTypes/{}/dataPoints/{}", data_type.kebab, ctx.route.id);
    if let Some(sent) = body.get("name").and_then(Value::as_str) {
        let as_me = format!("users/me/dataTypes/{}/dataPoints/{}", data_type.kebab, ctx.route.id);
        if sent != canonical && sent != as_me {
            return Err(ApiError::invalid_argument(format!(
                "The data point name {sent} does not match the path."
            )));
        }
    }
    let existing = ctx.state.data.find(&data_type.kebab, &ctx.route.id).ok_or_else(|| not_found(ctx))?;
    if existing.owner.as_deref() != Some(ctx.caller.client_id.as_str()) {
        return Err(ApiError::permission_denied("A client may change only the data points it wrote."));
    }
    let created = existing.data[&data_type.member].get("createTime").cloned();
    body["name"] = json!(canonical);
    let now = DateTime::<Utc>::from(ctx.state.now());
    let point =
        prepare_written(data_type, body, &user, &ctx.route.id.clone(), &ctx.caller.client_id, now, created)
            .map_err(ApiError::invalid_argument)?;
    let id = ctx.route.id.clone();
    if let Some(stored) =
        ctx.state.data.points.get_mut(&data_type.kebab).and_then(|l| l.iter_mut().find(|p| p.id == id))
    {
        stored.data = point.clone();
    }
    Ok(Answer::Json(operation(
        &format!("{V4}.UpdateDataPointOperationMetadata"),
        &format!("{V4}.DataPoint"),
        &point,
    )))
}

fn batch_delete(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let parent_type = ctx.route.data_type.clone();
    if parent_type != "-" {
        data_type(ctx)?;
    }
    ctx.check_user()?;
    let body = ctx.body("BatchDeleteDataPointsRequest")?;
    let names: Vec<String> =
        body["names"].as_array().into_iter().flatten().filter_map(|n| n.as_str().map(String::from)).collect();
    if names.is_empty() {
        return Err(ApiError::invalid_argument("names: at least one data point name is required."));
    }
    if names.len() > 10000 {
        return Err(ApiError::invalid_argument("names: at most 10000 data points can be deleted at once."));
    }
    let user = ctx.state.config.health_user_id.clone();
    let mut targets: Vec<(String, String)> = Vec::new();
    for name in &names {
        let parts: Vec<&str> = name.split('/').collect();
        let ["users", who, "dataTypes", kebab, "dataPoints", id] = parts.as_slice() else {
            return Err(ApiError::invalid_argument(format!("Invalid data point name: {name}")));
        };
        if *who != "me" && *who != user {
            return Err(ApiError::permission_denied(format!("Permission denied on resource '{name}'.")));
        }
        if parent_type != "-" && *kebab != parent_type {
            return Err(ApiError::invalid_argument(format!(
                "{name} is not in the parent collection users/{}/dataTypes/{parent_type}.",
                ctx.route.user
            )));
        }
        if discovery::get().data_type(kebab).is_none() {
            return Err(ApiError::invalid_argument(format!("Invalid data type in {name}")));
        }
        require_write(ctx, kebab)?;
        targets.push((kebab.to_string(), id.to_string()));
    }
    // All or nothing: every point must exist and be the caller's before any is deleted.
    for (kebab, id) in &targets {
        let Some(point) = ctx.state.data.find(kebab, id) else {
            return Err(ApiError::not_found(format!(
                "Data point users/{user}/dataTypes/{kebab}/dataPoints/{id} was not found."
            )));
        };
        if point.owner.as_deref() != Some(ctx.caller.client_id.as_str()) {
            return Err(ApiError::permission_denied("A client may delete only the data points it wrote."));
        }
    }
    for (kebab, id) in &targets {
        if let Some(list) = ctx.state.data.points.get_mut(kebab) {
            list.retain(|p| p.id != *id);
        }
    }
    Ok(Answer::Json(operation(
        &format!("{V4}.BatchDeleteDataPointsOperationMetadata"),
        &format!("{V4}.BatchDeleteDataPointsResponse"),
        &json!({}),
    )))
}

fn export_tcx(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let data_type = data_type(ctx)?;
    if data_type.kebab != "exercise" {
        return Err(ApiError::invalid_argument("exportExerciseTcx supports only the exercise data type."));
    }
    // The method needs an activity scope and a location scope, both.
    for scope in [scopes::ACTIVITY_AND_FITNESS_READONLY, scopes::LOCATION_READONLY] {
        if !ctx.caller.has(scope) {
            return Err(ctx.insufficient_scope(&[
                scopes::ACTIVITY_AND_FITNESS_READONLY.to_string(),
                scopes::LOCATION_READONLY.to_string(),
            ]));
        }
    }
    ctx.check_user()?;
    let partial = ctx.query.boolean("partialData")?;
    let point = ctx.state.data.find("exercise", &ctx.route.id).ok_or_else(|| not_found(ctx))?;
    let tcx = match ctx.state.data.tcx.get(&point.id) {
        Some(tcx) => tcx.clone(),
        None => generated_tcx(&point.data["exercise"], partial),
    };
    if ctx.media {
        Ok(Answer::Media { content_type: "application/vnd.garmin.tcx+xml", body: tcx })
    } else {
        Ok(Answer::Json(json!({ "tcxData": tcx })))
    }
}

/// A TCX document for an exercise without a recorded track: one lap with the
/// summary; a track of start and end only when `partialData` asks for it.
fn generated_tcx(exercise: &Value, partial: bool) -> String {
    let interval = &exercise["interval"];
    let start = interval["startTime"].as_str().unwrap_or_default();
    let end = interval["endTime"].as_str().unwrap_or_default();
    let seconds = match (parse_timestamp(start), parse_timestamp(end)) {
        (Some(a), Some(b)) => (b - a).num_seconds(),
        _ => 0,
    };
    let summary = &exercise["metricsSummary"];
    let meters = summary["distanceMillimeters"].as_f64().unwrap_or(0.0) / 1000.0;
    let kcal = summary["caloriesKcal"].as_f64().unwrap_or(0.0).round();
    let sport = match exercise["exerciseType"].as_str().unwrap_or_default() {
        t if t.contains("RUN") => "Running",
        t if t.contains("BIK") || t.contains("CYCL") => "Biking",
        _ => "Other",
    };
    let track = if partial || exercise["exerciseMetadata"]["hasGps"] == true {
        format!(
            "        <Track>\n          <Trackpoint><Time>{start}</Time></Trackpoint>\n          \
             <Trackpoint><Time>{end}</Time></Trackpoint>\n        </Track>\n"
        )
    } else {
        String::new()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">\n  \
         <Activities>\n    <Activity Sport=\"{sport}\">\n      <Id>{start}</Id>\n      <Lap StartTime=\"{start}\">\n        \
         <TotalTimeSeconds>{seconds}.0</TotalTimeSeconds>\n        <DistanceMeters>{meters:.1}</DistanceMeters>\n        \
         <Calories>{kcal}</Calories>\n        <Intensity>Active</Intensity>\n        \
         <TriggerMethod>Manual</TriggerMethod>\n{track}      </Lap>\n    </Activity>\n  </Activities>\n\
         </TrainingCenterDatabase>\n"
    )
}

// ---- Checking and completing points ------------------------------------------------------------

/// The union members a point sets.
fn members(point: &Value) -> Vec<String> {
    point
        .as_object()
        .map(|o| o.keys().filter(|k| *k != "name" && *k != "dataSource").cloned().collect())
        .unwrap_or_default()
}

/// Checks a point for `data_type` and completes its name and civil times.
fn check_point(data_type: &DataType, point: &mut Value, user: &str, fresh_id: &str) -> Result<(), String> {
    let discovery = discovery::get();
    let set = members(point);
    if set != [data_type.member.clone()] {
        return Err(format!(
            "A data point must set exactly one data field, and it must match the parent's data type: \
             expected {}, found [{}].",
            data_type.member,
            set.join(", ")
        ));
    }
    let name = match point.get("name").and_then(Value::as_str) {
        None | Some("") => format!("users/{user}/dataTypes/{}/dataPoints/{fresh_id}", data_type.kebab),
        Some(name) => {
            let parts: Vec<&str> = name.split('/').collect();
            let ["users", who, "dataTypes", kebab, "dataPoints", id] = parts.as_slice() else {
                return Err(format!("Invalid data point name: {name}"));
            };
            if *kebab != data_type.kebab || (*who != "me" && *who != user) {
                return Err(format!(
                    "The name {name} does not belong to users/{user}/dataTypes/{}.",
                    data_type.kebab
                ));
            }
            let valid_id = (4..=63).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid_id {
                return Err(format!(
                    "Invalid data point id {id}: use 4-63 characters of lowercase letters, digits and hyphens."
                ));
            }
            format!("users/{user}/dataTypes/{}/dataPoints/{id}", data_type.kebab)
        }
    };
    point["name"] = json!(name);
    let member = &point[&data_type.member];
    if let Some(missing) = discovery.missing_required(member, &data_type.schema, &data_type.member) {
        return Err(format!("Missing required field: {missing}"));
    }
    if let Some(problem) = discovery.out_of_range(member, &data_type.schema, &data_type.member) {
        return Err(problem);
    }
    if let Some(times) = times(data_type, point)
        && times.end < times.start
    {
        return Err(format!("{}.interval: the end time is before the start time.", data_type.member));
    }
    discovery.fill_civil_times(point, "DataPoint");
    Ok(())
}

/// A point given to [`super::MockGoogle::insert_points`]: checked like a
/// request body, output-only fields kept.
pub(crate) fn prepare_inserted(
    kebab: &str,
    mut point: Value,
    user: &str,
    fresh_id: &str,
) -> Result<Value, String> {
    let data_type =
        discovery::get().data_type(kebab).ok_or_else(|| format!("{kebab} is not a DataPoint type"))?;
    discovery::get().walk(&mut point, "DataPoint", Walk::Input)?;
    check_point(data_type, &mut point, user, fresh_id)?;
    Ok(point)
}

/// A point written through the API: output-only fields are dropped and
/// filled by the server (data source, civil times, sleep summary, exercise name).
fn prepare_written(
    data_type: &DataType,
    mut point: Value,
    user: &str,
    fresh_id: &str,
    client_id: &str,
    now: DateTime<Utc>,
    created: Option<Value>,
) -> Result<Value, String> {
    let discovery = discovery::get();
    discovery.strip_output_only(&mut point, "DataPoint");
    check_point(data_type, &mut point, user, fresh_id)?;
    let mut source = point.get("dataSource").cloned().unwrap_or_else(|| json!({}));
    source["platform"] = json!("GOOGLE_WEB_API");
    source["application"] = json!({ "googleWebClientId": client_id });
    point["dataSource"] = source;
    let stamp = json!(format_timestamp(now));
    let member = &mut point[&data_type.member];
    match data_type.kebab.as_str() {
        "sleep" => {
            member["summary"] = sleep_summary(member);
            member["metadata"]["processed"] = json!(true);
            member["createTime"] = created.unwrap_or_else(|| stamp.clone());
            member["updateTime"] = stamp;
        }
        "exercise" => {
            let kind = member["exerciseType"].as_str().unwrap_or_default().to_string();
            if kind != "OTHER" {
                member["displayName"] = json!(display_name(&kind));
            }
            member["createTime"] = created.unwrap_or_else(|| stamp.clone());
            member["updateTime"] = stamp;
        }
        _ => {}
    }
    Ok(point)
}

/// `SWIMMING_POOL` → `Swimming pool`.
fn display_name(kind: &str) -> String {
    let lower = kind.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The output-only `SleepSummary` of a sleep's stages.
fn sleep_summary(sleep: &Value) -> Value {
    let minutes = |stage: &Value| match (
        stage["startTime"].as_str().and_then(parse_timestamp),
        stage["endTime"].as_str().and_then(parse_timestamp),
    ) {
        (Some(a), Some(b)) => (b - a).num_minutes(),
        _ => 0,
    };
    let stages: Vec<&Value> = sleep["stages"].as_array().map(|s| s.iter().collect()).unwrap_or_default();
    let mut by_type: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for stage in &stages {
        let entry = by_type.entry(stage["type"].as_str().unwrap_or_default().to_string()).or_default();
        entry.0 += 1;
        entry.1 += minutes(stage);
    }
    let total = match (
        sleep["interval"]["startTime"].as_str().and_then(parse_timestamp),
        sleep["interval"]["endTime"].as_str().and_then(parse_timestamp),
    ) {
        (Some(a), Some(b)) => (b - a).num_minutes(),
        _ => 0,
    };
    let awake: i64 =
        by_type.iter().filter(|(t, _)| *t == "AWAKE" || *t == "RESTLESS").map(|(_, v)| v.1).sum();
    let edge =
        |stage: Option<&&Value>| stage.filter(|s| s["type"] == "AWAKE").map(|s| minutes(s)).unwrap_or(0);
    json!({
        "minutesInSleepPeriod": total.to_string(),
        "minutesAsleep": (total - awake).max(0).to_string(),
        "minutesAwake": by_type.get("AWAKE").map(|v| v.1).unwrap_or(0).to_string(),
        "minutesToFallAsleep": edge(stages.first()).to_string(),
        "minutesAfterWakeUp": edge(stages.last()).to_string(),
        "stagesSummary": by_type
            .iter()
            .map(|(t, (count, minutes))| json!({ "type": t, "count": count.to_string(), "minutes": minutes.to_string() }))
            .collect::<Vec<_>>(),
    })
}

/// The duration of a point's interval, for rollups of time.
pub(crate) fn interval_length(member: &Value) -> chrono::Duration {
    match (
        member["interval"]["startTime"].as_str().and_then(parse_timestamp),
        member["interval"]["endTime"].as_str().and_then(parse_timestamp),
    ) {
        (Some(a), Some(b)) => b - a,
        _ => chrono::Duration::zero(),
    }
}

/// Formats a rollup duration.
pub(crate) fn duration_text(duration: chrono::Duration) -> String {
    format_duration(duration)
}

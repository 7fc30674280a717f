//! `dataPoints:rollUp` (physical-time windows) and `dataPoints:dailyRollUp`
//! (civil days). A point counts in the window its start (or sample) time
//! falls in. Windows come oldest first, every window of the range (a window
//! without data still carries the sums, as zero; averages are left out).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use super::api::{Answer, Ctx, Op};
use super::discovery::{self, DataType};
use super::errors::ApiError;
use super::paging;
use super::points::{
    StoredPoint, duration_text, in_family, interval_length, read_reach, resolve_family, times,
};
use super::time::{civil_from_json, civil_json, format_timestamp, parse_duration, parse_timestamp};

/// Types whose rollup range (and daily page) is capped at 14 days.
const SHORT_RANGE_TYPES: [&str; 4] =
    ["calories-in-heart-rate-zone", "heart-rate", "active-minutes", "total-calories"];

/// The stored types a rollup type is computed from.
fn sources(kebab: &str) -> Vec<&'static DataType> {
    let names: Vec<&str> = match kebab {
        "total-calories" => vec!["active-energy-burned", "basal-energy-burned"],
        "calories-in-heart-rate-zone" => vec!["time-in-heart-rate-zone", "active-energy-burned"],
        other => vec![other],
    };
    names.into_iter().filter_map(|n| discovery::get().data_type(n)).collect()
}

/// A window: physical bounds for `rollUp`, civil bounds for `dailyRollUp`.
#[derive(Clone, Copy)]
enum Window {
    Physical(DateTime<Utc>, DateTime<Utc>),
    Civil(NaiveDateTime, NaiveDateTime),
}

impl Window {
    fn contains(&self, data_type: &DataType, point: &StoredPoint) -> bool {
        let Some(t) = times(data_type, &point.data) else { return false };
        match *self {
            Window::Physical(a, b) => a <= t.start && t.start < b,
            Window::Civil(a, b) => a <= t.start_civil && t.start_civil < b,
        }
    }
}

pub(crate) fn handle(ctx: &mut Ctx) -> Result<Answer, ApiError> {
    let daily = ctx.route.op == Op::DailyRollUpDataPoints;
    let kebab = ctx.route.data_type.clone();
    let union = if daily { "DailyRollupDataPoint" } else { "RollupDataPoint" };
    let Some((member, _)) = discovery::get().rollup_member(union, &kebab) else {
        let method = if daily { "dailyRollUp" } else { "rollUp" };
        return Err(ApiError::invalid_argument(format!("The {kebab} data type does not support {method}.")));
    };
    read_reach(ctx, &kebab)?;
    let request_schema = ctx.route.op.request_schema().unwrap_or_default();
    let body = ctx.body(request_schema)?;
    let family =
        resolve_family(ctx, &kebab, body["dataSourceFamily"].as_str().filter(|s| !s.is_empty()), false)?;
    ctx.check_user()?;
    let short = SHORT_RANGE_TYPES.contains(&kebab.as_str());
    let max_days = if short { 14 } else { 90 };
    let sizes = &ctx.state.config.page_sizes;

    let (windows, binding_range, default, max): (Vec<Window>, String, usize, usize) = if daily {
        let start = body["range"].get("start").and_then(civil_from_json);
        let end = body["range"].get("end").and_then(civil_from_json);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(ApiError::invalid_argument("range.start and range.end (with a date) are required."));
        };
        if start.time() != chrono::NaiveTime::MIN {
            return Err(ApiError::invalid_argument(
                "range.start must be aligned with the aggregation window (midnight).",
            ));
        }
        let days = body["windowSizeDays"].as_i64().unwrap_or(0);
        if days < 0 {
            return Err(ApiError::invalid_argument("window_size_days must be positive."));
        }
        let step = Duration::days(days.max(1));
        let cap = if short { sizes.daily_rollup_small_max } else { sizes.daily_rollup_max };
        (civil_windows(start, end, step, max_days)?, format!("{start}|{end}|{}", step.num_days()), cap, cap)
    } else {
        let start = body["range"]["startTime"].as_str().and_then(parse_timestamp);
        let end = body["range"]["endTime"].as_str().and_then(parse_timestamp);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(ApiError::invalid_argument("range.start_time and range.end_time are required."));
        };
        let Some(step) = body["windowSize"].as_str().and_then(parse_duration) else {
            return Err(ApiError::invalid_argument("window_size is required."));
        };
        if step < Duration::seconds(1) {
            return Err(ApiError::invalid_argument("window_size must be at least 1 second."));
        }
        (
            physical_windows(start, end, step, max_days)?,
            format!("{start}|{end}|{}", duration_text(step)),
            sizes.rollup_default,
            sizes.rollup_max,
        )
    };
    let page = paging::page_size(body["pageSize"].as_i64(), default, max)?;
    let binding =
        format!("{:?}|{}|{kebab}|{binding_range}|{family}", ctx.route.op, ctx.state.config.health_user_id);
    let first = match body["pageToken"].as_str().filter(|t| !t.is_empty()) {
        Some(token) => paging::decode(&ctx.state.page_secret, token, &binding)?
            .parse::<usize>()
            .map_err(|_| ApiError::invalid_argument("Invalid page token."))?,
        None => 0,
    };

    let client = ctx.caller.client_id.clone();
    let sources: Vec<(&DataType, Vec<&StoredPoint>)> = sources(&kebab)
        .into_iter()
        .map(|t| {
            let points = ctx.state.data.points.get(&t.kebab).map(|p| p.iter().collect()).unwrap_or_default();
            let points: Vec<&StoredPoint> = points_in_family(points, &family, &client);
            (t, points)
        })
        .collect();
    let mut out = Vec::new();
    for window in windows.iter().skip(first).take(page) {
        let mut item = Map::new();
        match *window {
            Window::Physical(a, b) => {
                item.insert("startTime".into(), json!(format_timestamp(a)));
                item.insert("endTime".into(), json!(format_timestamp(b)));
            }
            Window::Civil(a, b) => {
                item.insert("civilStartTime".into(), civil_json(a));
                item.insert("civilEndTime".into(), civil_json(b));
            }
        }
        let inside: Vec<(&DataType, Vec<&StoredPoint>)> = sources
            .iter()
            .map(|(t, points)| (*t, points.iter().copied().filter(|p| window.contains(t, p)).collect()))
            .collect();
        if let Some(value) = value(&kebab, &inside) {
            item.insert(member.clone(), value);
        }
        out.push(Value::Object(item));
    }
    let mut answer = json!({ "rollupDataPoints": out });
    if first + page < windows.len() {
        answer["nextPageToken"] =
            json!(paging::encode(&ctx.state.page_secret, &binding, &(first + page).to_string()));
    }
    Ok(Answer::Json(answer))
}

fn points_in_family<'a>(points: Vec<&'a StoredPoint>, family: &str, client: &str) -> Vec<&'a StoredPoint> {
    points.into_iter().filter(|p| in_family(family, p, client)).collect()
}

fn physical_windows(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    step: Duration,
    max_days: i64,
) -> Result<Vec<Window>, ApiError> {
    if end <= start {
        return Err(ApiError::invalid_argument("range.end_time must be after range.start_time."));
    }
    if end - start > Duration::days(max_days) {
        return Err(ApiError::invalid_argument(format!(
            "The maximum range for this data type is {max_days} days."
        )));
    }
    let mut windows = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + step).min(end);
        windows.push(Window::Physical(at, next));
        at = next;
    }
    Ok(windows)
}

fn civil_windows(
    start: NaiveDateTime,
    end: NaiveDateTime,
    step: Duration,
    max_days: i64,
) -> Result<Vec<Window>, ApiError> {
    if end <= start {
        return Err(ApiError::invalid_argument("range.end must be after range.start."));
    }
    if end - start > Duration::days(max_days) {
        return Err(ApiError::invalid_argument(format!(
            "The maximum range for this data type is {max_days} days."
        )));
    }
    let mut windows = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + step).min(end);
        windows.push(Window::Civil(at, next));
        at = next;
    }
    Ok(windows)
}

/// A number from a field that is a JSON number or an int64 string.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The values of `member.field` (a dotted path) over the points.
fn values(data_type: &DataType, points: &[&StoredPoint], path: &str) -> Vec<f64> {
    points
        .iter()
        .filter_map(|p| {
            let mut at = &p.data[&data_type.member];
            for part in path.split('.') {
                at = &at[part];
            }
            number(at)
        })
        .collect()
}

fn stats(values: &[f64], avg: &str, min: Option<&str>, max: Option<&str>) -> Option<Value> {
    if values.is_empty() {
        return None;
    }
    let mut out = Map::new();
    out.insert(avg.into(), json!(values.iter().sum::<f64>() / values.len() as f64));
    if let Some(min) = min {
        out.insert(min.into(), json!(values.iter().copied().fold(f64::INFINITY, f64::min)));
    }
    if let Some(max) = max {
        out.insert(max.into(), json!(values.iter().copied().fold(f64::NEG_INFINITY, f64::max)));
    }
    Some(Value::Object(out))
}

/// `{prefix}Min` and `{prefix}Max` of the daily values in the window.
fn personal_range(values: &[f64], prefix: &str) -> Option<Value> {
    if values.is_empty() {
        return None;
    }
    Some(json!({
        format!("{prefix}Min"): values.iter().copied().fold(f64::INFINITY, f64::min),
        format!("{prefix}Max"): values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }))
}

fn int_sum(values: &[f64]) -> String {
    (values.iter().sum::<f64>().round() as i64).to_string()
}

/// Sums of a duration per enum value (zones, activity levels), in the order first seen.
fn durations_by(data_type: &DataType, points: &[&StoredPoint], key: &str) -> Vec<(String, Duration)> {
    let mut totals: Vec<(String, Duration)> = Vec::new();
    for point in points {
        let member = &point.data[&data_type.member];
        let name = member[key].as_str().unwrap_or_default().to_string();
        let length = interval_length(member);
        match totals.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += length,
            None => totals.push((name, length)),
        }
    }
    totals
}

/// The rollup value of one window, or `None` when there is nothing to average.
fn value(kebab: &str, inside: &[(&DataType, Vec<&StoredPoint>)]) -> Option<Value> {
    let (data_type, points) = (inside[0].0, inside[0].1.as_slice());
    let sum_of = |field: &str, out: &str| Some(json!({ out: int_sum(&values(data_type, points, field)) }));
    match kebab {
        "steps" | "floors" => sum_of("count", "countSum"),
        "distance" => sum_of("millimeters", "millimetersSum"),
        "altitude" => sum_of("gainMillimeters", "gainMillimetersSum"),
        "swim-lengths-data" => sum_of("strokeCount", "strokeCountSum"),
        "active-energy-burned" => {
            Some(json!({ "kcalSum": values(data_type, points, "kcal").iter().sum::<f64>() }))
        }
        "total-calories" => {
            let total: f64 = inside.iter().map(|(t, p)| values(t, p, "kcal").iter().sum::<f64>()).sum();
            Some(json!({ "kcalSum": total }))
        }
        "heart-rate" => stats(
            &values(data_type, points, "beatsPerMinute"),
            "beatsPerMinuteAvg",
            Some("beatsPerMinuteMin"),
            Some("beatsPerMinuteMax"),
        ),
        "weight" => stats(&values(data_type, points, "weightGrams"), "weightGramsAvg", None, None),
        "body-fat" => stats(&values(data_type, points, "percentage"), "bodyFatPercentageAvg", None, None),
        "blood-glucose" => stats(
            &values(data_type, points, "bloodGlucoseMilligramsPerDeciliter"),
            "bloodGlucoseMilligramsPerDeciliterAvg",
            None,
            None,
        ),
        "core-body-temperature" => stats(
            &values(data_type, points, "temperatureCelsius"),
            "temperatureCelsiusAvg",
            Some("temperatureCelsiusMin"),
            Some("temperatureCelsiusMax"),
        ),
        "run-vo2-max" => {
            stats(&values(data_type, points, "runVo2Max"), "rateAvg", Some("rateMin"), Some("rateMax"))
        }
        "daily-resting-heart-rate" => {
            personal_range(&values(data_type, points, "beatsPerMinute"), "beatsPerMinute")
        }
        "daily-heart-rate-variability" => personal_range(
            &values(data_type, points, "averageHeartRateVariabilityMilliseconds"),
            "averageHeartRateVariabilityMilliseconds",
        ),
        "sedentary-period" => {
            let total = points.iter().map(|p| interval_length(&p.data[&data_type.member])).sum::<Duration>();
            Some(json!({ "durationSum": duration_text(total) }))
        }
        "active-zone-minutes" => {
            let by_zone = |zone: &str| {
                let zone_points: Vec<&StoredPoint> = points
                    .iter()
                    .copied()
                    .filter(|p| p.data[&data_type.member]["heartRateZone"] == zone)
                    .collect();
                int_sum(&values(data_type, &zone_points, "activeZoneMinutes"))
            };
            Some(json!({
                "sumInFatBurnHeartZone": by_zone("FAT_BURN"),
                "sumInCardioHeartZone": by_zone("CARDIO"),
                "sumInPeakHeartZone": by_zone("PEAK"),
            }))
        }
        "active-minutes" => {
            let mut by_level: BTreeMap<String, i64> = BTreeMap::new();
            for point in points {
                for entry in point.data[&data_type.member]["activeMinutesByActivityLevel"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let minutes = number(&entry["activeMinutes"]).unwrap_or(0.0) as i64;
                    *by_level
                        .entry(entry["activityLevel"].as_str().unwrap_or_default().to_string())
                        .or_default() += minutes;
                }
            }
            let list: Vec<Value> = by_level
                .into_iter()
                .map(|(level, minutes)| json!({ "activityLevel": level, "activeMinutesSum": minutes.to_string() }))
                .collect();
            Some(json!({ "activeMinutesRollupByActivityLevel": list }))
        }
        "time-in-heart-rate-zone" => {
            let list: Vec<Value> = durations_by(data_type, points, "heartRateZoneType")
                .into_iter()
                .map(|(zone, total)| json!({ "heartRateZone": zone, "duration": duration_text(total) }))
                .collect();
            Some(json!({ "timeInHeartRateZones": list }))
        }
        "activity-level" => {
            let list: Vec<Value> = durations_by(data_type, points, "activityLevelType")
                .into_iter()
                .map(|(level, total)| json!({ "activityLevelType": level, "totalDuration": duration_text(total) }))
                .collect();
            Some(json!({ "activityLevelRollupsByActivityLevelType": list }))
        }
        "calories-in-heart-rate-zone" => Some(calories_in_zones(inside)),
        "hydration-log" => {
            let total: f64 = values(data_type, points, "amountConsumed.milliliters").iter().sum();
            let mut amount = json!({ "millilitersSum": total });
            if let Some(last) = latest(data_type, points)
                .and_then(|p| p.data[&data_type.member]["amountConsumed"]["userProvidedUnit"].as_str())
            {
                amount["userProvidedUnitLast"] = json!(last);
            }
            Some(json!({ "amountConsumed": amount }))
        }
        "nutrition-log" => Some(nutrition(data_type, points)),
        _ => None,
    }
}

fn latest<'a>(data_type: &DataType, points: &[&'a StoredPoint]) -> Option<&'a StoredPoint> {
    points.iter().copied().max_by_key(|p| times(data_type, &p.data).map(|t| t.start))
}

/// kcal burned per heart-rate zone: active energy spread over the zone intervals it overlaps.
fn calories_in_zones(inside: &[(&DataType, Vec<&StoredPoint>)]) -> Value {
    let (zones_type, zones) = (inside[0].0, &inside[0].1);
    let Some((energy_type, energy)) = inside.get(1) else { return json!({}) };
    let mut totals: Vec<(String, f64)> = Vec::new();
    for zone in zones {
        let Some(z) = times(zones_type, &zone.data) else { continue };
        let mut kcal = 0.0;
        for burn in energy {
            let Some(b) = times(energy_type, &burn.data) else { continue };
            let overlap = (z.end.min(b.end) - z.start.max(b.start)).num_milliseconds().max(0) as f64;
            let length = (b.end - b.start).num_milliseconds().max(1) as f64;
            kcal += number(&burn.data[&energy_type.member]["kcal"]).unwrap_or(0.0) * overlap / length;
        }
        let name =
            zone.data[&zones_type.member]["heartRateZoneType"].as_str().unwrap_or_default().to_string();
        match totals.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += kcal,
            None => totals.push((name, kcal)),
        }
    }
    let list: Vec<Value> = totals
        .into_iter()
        .map(|(zone, kcal)| json!({ "heartRateZone": zone, "kcal": (kcal * 100.0).round() / 100.0 }))
        .collect();
    json!({ "caloriesInHeartRateZones": list })
}

fn nutrition(data_type: &DataType, points: &[&StoredPoint]) -> Value {
    let sum = |path: &str| values(data_type, points, path).iter().sum::<f64>();
    let mut nutrients: BTreeMap<String, f64> = BTreeMap::new();
    for point in points {
        for entry in point.data[&data_type.member]["nutrients"].as_array().into_iter().flatten() {
            let grams = number(&entry["quantity"]["grams"]).unwrap_or(0.0);
            *nutrients.entry(entry["nutrient"].as_str().unwrap_or_default().to_string()).or_default() +=
                grams;
        }
    }
    json!({
        "energy": { "kcalSum": sum("energy.kcal") },
        "energyFromFat": { "kcalSum": sum("energyFromFat.kcal") },
        "totalFat": { "gramsSum": sum("totalFat.grams") },
        "totalCarbohydrate": { "gramsSum": sum("totalCarbohydrate.grams") },
        "nutrients": nutrients
            .into_iter()
            .map(|(nutrient, grams)| json!({ "nutrient": nutrient, "quantity": { "gramsSum": grams } }))
            .collect::<Vec<_>>(),
    })
}

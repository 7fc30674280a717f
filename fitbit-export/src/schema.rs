//! The tables: one per data type, with a typed column for every field of the
//! type's data, derived from Google's Discovery document (saved in the
//! repository), so that a new field needs no code here.
//!
//! Column names are the field's JSON path in snake_case (`sample_time_physical_time`,
//! `beats_per_minute`); the Google field names already carry their units
//! (`weight_grams`, `millimeters`, `kcal`), and durations are stored as
//! seconds with a `_seconds` suffix. Lists are kept as JSON text (`_json`).

use std::collections::HashMap;
use std::sync::OnceLock;

use fitbit_health::{DataType, RecordKind};
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value};

/// Google's Discovery document for health:v4, revision 20261030.
const DISCOVERY: &str = include_str!("../../spec/google-health/discovery-v4-20261030.json");

/// Deeper structures than this are kept as JSON text.
const MAX_DEPTH: usize = 4;

/// How a column's value is read from the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string, as sent (enum names, RFC 3339 timestamps, ids).
    Text,
    /// A whole number (int32, or an int64 sent as a string).
    Integer,
    /// A number.
    Real,
    /// `true`/`false` as 1/0.
    Boolean,
    /// A `google-duration` (`"3600s"`, `"0.5s"`) as seconds.
    Seconds,
    /// A `Date` object as `YYYY-MM-DD`.
    Date,
    /// A `TimeOfDay` object as `HH:MM:SS`.
    TimeOfDay,
    /// A `CivilDateTime` object as `YYYY-MM-DDTHH:MM:SS`.
    CivilDateTime,
    /// Anything else (lists, maps, deep objects) as JSON text.
    Json,
}

impl Kind {
    /// The SQLite column type.
    pub fn sql_type(self) -> &'static str {
        match self {
            Kind::Integer | Kind::Boolean => "INTEGER",
            Kind::Real | Kind::Seconds => "REAL",
            Kind::Text | Kind::Date | Kind::TimeOfDay | Kind::CivilDateTime | Kind::Json => "TEXT",
        }
    }
}

/// One column of a data type's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The JSON path below the data type's member (`["sampleTime", "physicalTime"]`).
    pub path: Vec<String>,
    /// How the value is read.
    pub kind: Kind,
}

/// The columns every data type's table starts with.
pub const COMMON_COLUMNS: &str = "\
    name TEXT PRIMARY KEY,\n    \
    time_utc TEXT,\n    \
    utc_offset_seconds INTEGER,\n    \
    source_platform TEXT,\n    \
    source_device TEXT,\n    \
    raw_json TEXT NOT NULL,\n    \
    seen_query INTEGER NOT NULL DEFAULT 0";

/// A data type's table: `heart_rate`, `steps`, `daily_resting_heart_rate`.
pub fn table_name(data_type: DataType) -> String {
    data_type.filter_name()
}

/// The table of a data type's daily rollups (`--daily`): `steps_by_day`.
pub fn daily_table_name(data_type: DataType) -> String {
    format!("{}_by_day", data_type.filter_name())
}

fn discovery() -> &'static Map<String, Value> {
    static SCHEMAS: OnceLock<Map<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let document: Value = serde_json::from_str(DISCOVERY).expect("the saved Discovery document is JSON");
        document["schemas"].as_object().cloned().expect("the Discovery document has schemas")
    })
}

fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn walk(schema: &str, path: &[String], depth: usize, out: &mut Vec<Column>) {
    let Some(properties) = discovery().get(schema).and_then(|s| s["properties"].as_object()) else { return };
    for (property, spec) in properties {
        let mut column_path = path.to_vec();
        column_path.push(property.clone());
        let name = column_path.iter().map(|p| snake(p)).collect::<Vec<_>>().join("_");
        let kind = match (
            spec.get("$ref").and_then(Value::as_str),
            spec["type"].as_str(),
            spec["format"].as_str(),
        ) {
            (Some("Date"), _, _) => Kind::Date,
            (Some("TimeOfDay"), _, _) => Kind::TimeOfDay,
            (Some("CivilDateTime"), _, _) => Kind::CivilDateTime,
            (Some(inner), _, _) if depth < MAX_DEPTH => {
                walk(inner, &column_path, depth + 1, out);
                continue;
            }
            (_, Some("string"), Some("int64" | "uint64")) => Kind::Integer,
            (_, Some("string"), Some("google-duration")) => Kind::Seconds,
            (_, Some("string"), _) => Kind::Text,
            (_, Some("integer"), _) => Kind::Integer,
            (_, Some("number"), _) => Kind::Real,
            (_, Some("boolean"), _) => Kind::Boolean,
            _ => Kind::Json,
        };
        let name = match kind {
            Kind::Seconds => format!("{name}_seconds"),
            Kind::Json => format!("{name}_json"),
            _ => name,
        };
        out.push(Column { name, path: column_path, kind });
    }
}

/// The schema (in the Discovery document) of `data_type`'s value in a
/// `DataPoint`, or in a `DailyRollupDataPoint` when `daily`.
fn member_schema(data_type: DataType, daily: bool) -> Option<String> {
    let (union, member) = if daily {
        let member = match data_type {
            DataType::DailyHeartRateVariability => "heartRateVariabilityPersonalRange",
            DataType::DailyRestingHeartRate => "restingHeartRatePersonalRange",
            other => other.json_name(),
        };
        ("DailyRollupDataPoint", member)
    } else {
        ("DataPoint", data_type.json_name())
    };
    discovery()[union]["properties"][member]["$ref"].as_str().map(str::to_owned)
}

/// The typed columns of `data_type` (of its daily rollups when `daily`),
/// after the common ones.
pub fn columns(data_type: DataType, daily: bool) -> &'static [Column] {
    static CACHE: OnceLock<HashMap<(DataType, bool), Vec<Column>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        let mut cache = HashMap::new();
        for &data_type in DataType::ALL {
            for daily in [false, true] {
                let mut out = Vec::new();
                if let Some(schema) = member_schema(data_type, daily) {
                    walk(&schema, &[], 0, &mut out);
                }
                cache.insert((data_type, daily), out);
            }
        }
        cache
    });
    cache.get(&(data_type, daily)).map_or(&[], Vec::as_slice)
}

/// `CREATE TABLE IF NOT EXISTS` for a data type's table.
pub fn create_table(data_type: DataType) -> String {
    let table = table_name(data_type);
    let typed: String = columns(data_type, false)
        .iter()
        .map(|c| format!(",\n    {} {}", c.name, c.kind.sql_type()))
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n    {COMMON_COLUMNS}{typed}\n);\n\
         CREATE INDEX IF NOT EXISTS {table}_time ON {table} (time_utc);\n"
    )
}

/// `CREATE TABLE IF NOT EXISTS` for a data type's daily-rollup table.
pub fn create_daily_table(data_type: DataType) -> String {
    let table = daily_table_name(data_type);
    let typed: String =
        columns(data_type, true).iter().map(|c| format!(",\n    {} {}", c.name, c.kind.sql_type())).collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n    civil_start TEXT PRIMARY KEY,\n    civil_end TEXT,\n    \
         raw_json TEXT NOT NULL{typed}\n);\n"
    )
}

/// The value of one column, read from the data type's member object.
pub fn column_value(member: &Value, column: &Column) -> Sql {
    let mut value = member;
    for step in &column.path {
        match value.get(step) {
            Some(inner) => value = inner,
            None => return Sql::Null,
        }
    }
    read(value, column.kind)
}

fn read(value: &Value, kind: Kind) -> Sql {
    match (kind, value) {
        (_, Value::Null) => Sql::Null,
        (Kind::Text, Value::String(text)) => Sql::Text(text.clone()),
        (Kind::Text, other) => Sql::Text(other.to_string()),
        (Kind::Integer, Value::Number(n)) => {
            n.as_i64().map(Sql::Integer).unwrap_or_else(|| Sql::Text(n.to_string()))
        }
        (Kind::Integer, Value::String(text)) => {
            text.parse::<i64>().map(Sql::Integer).unwrap_or_else(|_| Sql::Text(text.clone()))
        }
        (Kind::Real, Value::Number(n)) => n.as_f64().map(Sql::Real).unwrap_or(Sql::Null),
        (Kind::Real, Value::String(text)) => {
            text.parse::<f64>().map(Sql::Real).unwrap_or_else(|_| Sql::Text(text.clone()))
        }
        (Kind::Boolean, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (Kind::Seconds, Value::String(text)) => text
            .strip_suffix('s')
            .and_then(|s| s.parse::<f64>().ok())
            .map(Sql::Real)
            .unwrap_or_else(|| Sql::Text(text.clone())),
        (Kind::Date, object) => date_text(object).map(Sql::Text).unwrap_or(Sql::Null),
        (Kind::TimeOfDay, object) => Sql::Text(time_text(object)),
        (Kind::CivilDateTime, object) => match date_text(&object["date"]) {
            Some(date) => Sql::Text(format!("{date}T{}", time_text(&object["time"]))),
            None => Sql::Null,
        },
        (_, other) => Sql::Text(other.to_string()),
    }
}

fn number(value: &Value) -> i64 {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

fn date_text(date: &Value) -> Option<String> {
    let year = number(&date["year"]);
    (year > 0).then(|| format!("{year:04}-{:02}-{:02}", number(&date["month"]), number(&date["day"])))
}

fn time_text(time: &Value) -> String {
    format!("{:02}:{:02}:{:02}", number(&time["hours"]), number(&time["minutes"]), number(&time["seconds"]))
}

/// The point's time in UTC and its UTC offset, for the common columns: the
/// interval's start, the sample's time, or a daily value's date.
pub fn point_time(data_type: DataType, member: &Value) -> (Sql, Sql) {
    let offset = |value: &Value| match read(value, Kind::Seconds) {
        Sql::Real(seconds) => Sql::Integer(seconds as i64),
        _ => Sql::Null,
    };
    match data_type.record_kind() {
        RecordKind::Sample => {
            let sample = &member["sampleTime"];
            (read(&sample["physicalTime"], Kind::Text), offset(&sample["utcOffset"]))
        }
        RecordKind::Daily => (read(&member["date"], Kind::Date), Sql::Null),
        RecordKind::Catalogue => (Sql::Null, Sql::Null),
        _ => {
            let interval = &member["interval"];
            (read(&interval["startTime"], Kind::Text), offset(&interval["startUtcOffset"]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_discovery_schema_with_units_in_their_names() {
        let names = |t, daily| columns(t, daily).iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let heart = names(DataType::HeartRate, false);
        assert!(heart.contains(&"sample_time_physical_time".to_string()), "{heart:?}");
        assert!(heart.contains(&"sample_time_utc_offset_seconds".to_string()), "{heart:?}");
        assert!(heart.contains(&"beats_per_minute".to_string()), "{heart:?}");
        assert!(names(DataType::Weight, false).contains(&"weight_grams".to_string()));
        assert!(
            names(DataType::Steps, true).contains(&"count_sum".to_string()),
            "{:?}",
            names(DataType::Steps, true)
        );
        // Every type that lists has columns, and no table repeats a name.
        for &data_type in DataType::ALL.iter().filter(|t| t.is_listable()) {
            let mut all = names(data_type, false);
            assert!(!all.is_empty(), "{data_type}");
            all.extend(
                [
                    "name",
                    "time_utc",
                    "utc_offset_seconds",
                    "source_platform",
                    "source_device",
                    "raw_json",
                    "seen_query",
                ]
                .map(String::from),
            );
            let count = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), count, "{data_type}: a column name repeats");
        }
    }

    #[test]
    fn values_are_read_into_their_sqlite_types() {
        let member = serde_json::json!({
            "sampleTime": { "physicalTime": "2026-03-01T06:30:00Z", "utcOffset": "3600s",
                "civilTime": { "date": { "year": 2026, "month": 3, "day": 1 }, "time": { "hours": 7, "minutes": 30 } } },
            "beatsPerMinute": "64"
        });
        let value = |name: &str| {
            let column = columns(DataType::HeartRate, false).iter().find(|c| c.name == name).unwrap();
            column_value(&member, column)
        };
        assert_eq!(value("beats_per_minute"), Sql::Integer(64));
        assert_eq!(value("sample_time_utc_offset_seconds"), Sql::Real(3600.0));
        assert_eq!(value("sample_time_civil_time"), Sql::Text("2026-03-01T07:30:00".into()));
        assert_eq!(
            point_time(DataType::HeartRate, &member),
            (Sql::Text("2026-03-01T06:30:00Z".into()), Sql::Integer(3600))
        );
        assert!(create_table(DataType::HeartRate).contains("beats_per_minute INTEGER"));
    }
}

//! `fitbit health points …`: data points of one type.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Subcommand};
use fitbit_health::google::model::DataPoint;
use fitbit_health::{Bound, DataPointName, DataType, DataTypeName, Filter, ResultExt as _};
use futures::TryStreamExt as _;
use serde_json::{Value, json};

use super::HealthContext;
use super::profile::{print_model, to_json};
use crate::errors::CliError;
use crate::output::{print_bytes, print_json};

/// `fitbit health points …`.
#[derive(Debug, Subcommand)]
pub enum PointsCommand {
    /// A type's data points, newest first: one page, or every page with --all
    List(QueryArgs),
    /// One data point, by name (users/me/dataTypes/TYPE/dataPoints/ID)
    Get {
        /// The data point's name
        name: String,
    },
    /// Aggregates over windows of physical time (every page)
    Rollup(RollupArgs),
    /// One aggregate per civil day (every page)
    DailyRollup(DailyRollupArgs),
    /// A type's points merged across data sources: one page, or every page with --all
    Reconcile {
        #[command(flatten)]
        query: QueryArgs,
        /// Which sources to merge: all-sources, google-wearables, google-sources or self-sources
        #[arg(long, value_name = "FAMILY")]
        data_source_family: Option<String>,
    },
    /// Create a data point from a JSON DataPoint (needs the type's .writeonly scope)
    Create {
        /// The data type
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_data_type)]
        data_type: DataType,
        /// The DataPoint as JSON: a file, or - for stdin
        #[arg(long, value_name = "FILE")]
        json: String,
    },
    /// Replace a data point with a JSON DataPoint
    Patch {
        /// The data point's name
        name: String,
        /// The DataPoint as JSON: a file, or - for stdin
        #[arg(long, value_name = "FILE")]
        json: String,
    },
    /// Delete data points, by name
    Delete {
        /// The data points' names
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// An exercise's TCX file, written raw to stdout (`> run.tcx`)
    Tcx {
        /// The exercise data point's name
        name: String,
        /// Export what exists of an exercise whose data is incomplete
        #[arg(long)]
        partial_data: bool,
    },
}

/// Which points of a type.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// The data type, e.g. heart-rate, steps, sleep, weight (any spelling)
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_data_type)]
    pub data_type: DataType,
    /// From this time on (inclusive): RFC 3339 (2026-03-01T08:00:00Z) for physical time, or a civil
    /// date (2026-03-01) or date-time (2026-03-01T08:00:00) in the user's time zone
    #[arg(long, value_name = "TIME", value_parser = parse_bound, conflicts_with = "filter")]
    pub from: Option<Bound>,
    /// Before this time (exclusive); same forms as --from
    #[arg(long, value_name = "TIME", value_parser = parse_bound, conflicts_with = "filter")]
    pub to: Option<Bound>,
    /// A filter in the API's own syntax, instead of --from/--to
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
    /// Follow every page and print all points in order
    #[arg(long)]
    pub all: bool,
    /// Points per page (at most 10000; 25 for exercise and sleep)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..=10_000))]
    pub page_size: Option<i32>,
    /// The page to print, from an earlier answer's nextPageToken
    #[arg(long, value_name = "TOKEN", conflicts_with = "all")]
    pub page_token: Option<String>,
    /// Whose points: me, or a Health User ID
    #[arg(long, value_name = "USER", default_value = "me")]
    pub user: String,
}

/// `points rollup`.
#[derive(Debug, Clone, Args)]
pub struct RollupArgs {
    /// The data type
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_data_type)]
    pub data_type: DataType,
    /// Start (inclusive): RFC 3339, or a date for midnight UTC
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub from: DateTime<Utc>,
    /// End (exclusive): RFC 3339, or a date for midnight UTC
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub to: DateTime<Utc>,
    /// The window: seconds (3600s) or 15m, 1h, 1d
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub window: Duration,
    /// Whose points: me, or a Health User ID
    #[arg(long, value_name = "USER", default_value = "me")]
    pub user: String,
}

/// `points daily-rollup`.
#[derive(Debug, Clone, Args)]
pub struct DailyRollupArgs {
    /// The data type
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_data_type)]
    pub data_type: DataType,
    /// First day (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last day (exclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub to: NaiveDate,
    /// Days per value
    #[arg(long, value_name = "DAYS", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
    pub window_days: i32,
    /// Whose points: me, or a Health User ID
    #[arg(long, value_name = "USER", default_value = "me")]
    pub user: String,
}

pub async fn run(context: &HealthContext, command: PointsCommand) -> Result<(), CliError> {
    let client = context.client().await?;
    let fail = HealthContext::error;
    match command {
        PointsCommand::List(args) => {
            let query = query(&client, &args)?;
            if args.all {
                let points: Vec<DataPoint> = query.points().try_collect().await.map_err(fail)?;
                print_json(&json!({ "dataPoints": to_json(&points)? }))
            } else {
                print_model(&query.page(args.page_token.as_deref().unwrap_or_default()).await.map_err(fail)?)
            }
        }
        PointsCommand::Reconcile { query: args, data_source_family } => {
            let mut query = query(&client, &args)?;
            if let Some(family) = data_source_family {
                let family = if family.starts_with("users/") {
                    family
                } else {
                    format!("users/{}/dataSourceFamilies/{family}", args.user)
                };
                query = query.data_source_family(family);
            }
            if args.all {
                let points: Vec<_> = query.reconciled_points().try_collect().await.map_err(fail)?;
                print_json(&json!({ "dataPoints": to_json(&points)? }))
            } else {
                let token = args.page_token.as_deref().unwrap_or_default();
                print_model(&query.reconciled_page(token).await.map_err(fail)?)
            }
        }
        PointsCommand::Get { name } => {
            let name = point_name(&name)?;
            let point = client.data_points().get_data_point().set_name(name.to_string()).send().await;
            print_model(
                &point
                    .map_err(|err| fitbit_health::classify_for(&err, name.data_type(), false))
                    .map_err(fail)?,
            )
        }
        PointsCommand::Rollup(args) => {
            let rollup = client
                .roll_up(args.data_type, args.from, args.to, args.window)
                .user(&args.user)
                .map_err(fail)?;
            let windows: Vec<_> = rollup.points().try_collect().await.map_err(fail)?;
            print_json(&json!({ "rollupDataPoints": to_json(&windows)? }))
        }
        PointsCommand::DailyRollup(args) => {
            let rollup = client
                .daily_roll_up(args.data_type, args.from, args.to)
                .user(&args.user)
                .map_err(fail)?
                .window_days(args.window_days);
            let days: Vec<_> = rollup.points().try_collect().await.map_err(fail)?;
            print_json(&json!({ "rollupDataPoints": to_json(&days)? }))
        }
        PointsCommand::Create { data_type, json } => {
            let point = read_point(&json, data_type, None)?;
            let operation = client
                .data_points()
                .create_data_point()
                .set_parent(DataTypeName::me(data_type).to_string())
                .set_data_point(point)
                .send()
                .await
                .map_err(|err| fitbit_health::classify_for(&err, data_type, true));
            print_model(&operation.map_err(fail)?)
        }
        PointsCommand::Patch { name, json } => {
            let name = point_name(&name)?;
            let point = read_point(&json, name.data_type(), Some(&name))?;
            let operation = client
                .data_points()
                .update_data_point()
                .set_data_point(point)
                .send()
                .await
                .map_err(|err| fitbit_health::classify_for(&err, name.data_type(), true));
            print_model(&operation.map_err(fail)?)
        }
        PointsCommand::Delete { names } => {
            let names = names.iter().map(|name| point_name(name)).collect::<Result<Vec<_>, _>>()?;
            let first = &names[0];
            let parent = if names.iter().all(|n| n.parent() == first.parent()) {
                first.parent().to_string()
            } else {
                format!("users/{}/dataTypes/-", first.user())
            };
            let operation = client
                .data_points()
                .batch_delete_data_points()
                .set_parent(parent)
                .set_names(names.iter().map(ToString::to_string))
                .send()
                .await
                .classified();
            print_model(&operation.map_err(fail)?)
        }
        PointsCommand::Tcx { name, partial_data } => {
            let name = point_name(&name)?;
            print_bytes(&client.exercise_tcx(&name, partial_data).await.map_err(fail)?)
        }
    }
}

fn query(client: &fitbit_health::Client, args: &QueryArgs) -> Result<fitbit_health::PointsQuery, CliError> {
    let mut query = client.points(args.data_type).user(&args.user).map_err(HealthContext::error)?;
    if let Some(size) = args.page_size {
        query = query.page_size(size);
    }
    if let Some(filter) = &args.filter {
        return Ok(query.filter_text(filter.clone()));
    }
    let mut filter = Filter::new(args.data_type);
    if let Some(from) = args.from {
        filter = filter.start(from);
    }
    if let Some(to) = args.to {
        filter = filter.end(to);
    }
    query.filter(&filter).map_err(|err| CliError::usage(err.to_string()))
}

fn point_name(name: &str) -> Result<DataPointName, CliError> {
    name.parse().map_err(|err: fitbit_health::names::NameError| CliError::usage(err.to_string()))
}

/// A DataPoint from a file or stdin, checked to hold `data_type`'s member
/// (and, for a patch, to carry `name`).
fn read_point(
    source: &str,
    data_type: DataType,
    name: Option<&DataPointName>,
) -> Result<DataPoint, CliError> {
    let text = if source == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|err| CliError::failure(format!("could not read the data point from stdin: {err}")))?
    } else {
        std::fs::read_to_string(source)
            .map_err(|err| CliError::usage(format!("could not read the data point from {source}: {err}")))?
    };
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|err| CliError::usage(format!("the data point is not JSON: {err}")))?;
    let Some(fields) = value.as_object_mut() else {
        return Err(CliError::usage("the data point must be a JSON object"));
    };
    if !fields.contains_key(data_type.json_name()) {
        return Err(CliError::usage(format!(
            "a {data_type} data point needs its `{}` member",
            data_type.json_name()
        )));
    }
    if let Some(name) = name {
        match fields.get("name").and_then(Value::as_str) {
            Some(given) if given != name.to_string() => {
                return Err(CliError::usage(format!("the JSON names {given}, not {name}")));
            }
            _ => {
                fields.insert("name".into(), Value::String(name.to_string()));
            }
        }
    }
    serde_json::from_value(value)
        .map_err(|err| CliError::usage(format!("the data point does not fit the API: {err}")))
}

fn parse_data_type(text: &str) -> Result<DataType, String> {
    text.parse().map_err(|err: fitbit_health::UnknownDataType| err.to_string())
}

/// RFC 3339 → physical; `YYYY-MM-DDTHH:MM:SS` → civil; `YYYY-MM-DD` → civil date.
fn parse_bound(text: &str) -> Result<Bound, String> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(Bound::Physical(instant.with_timezone(&Utc)));
    }
    if let Ok(civil) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Ok(Bound::Civil(civil));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Bound::Date).map_err(|_| {
        "expected RFC 3339 (2026-03-01T08:00:00Z), a civil date-time (2026-03-01T08:00:00) or a date \
         (2026-03-01)"
            .into()
    })
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    match parse_bound(text)? {
        Bound::Physical(instant) => Ok(instant),
        Bound::Date(date) => Ok(date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()),
        Bound::Civil(_) => {
            Err("a rollup needs RFC 3339 with an offset (2026-03-01T08:00:00Z) or a date".into())
        }
    }
}

/// `3600s`, `15m`, `1h`, `1d`.
fn parse_window(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| "expected a number and a unit, e.g. 3600s, 15m, 1h".to_string())?;
    let seconds = match unit {
        "s" | "" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        _ => return Err(format!("unknown unit `{unit}`; use s, m, h or d")),
    };
    if seconds == 0 {
        return Err("the window must be at least one second".into());
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_windows_and_types_parse() {
        assert!(matches!(parse_bound("2026-03-01T08:00:00Z"), Ok(Bound::Physical(_))));
        assert!(
            matches!(parse_bound("2026-03-01T08:00:00+01:00"), Ok(Bound::Physical(t)) if t.to_rfc3339() == "2026-03-01T07:00:00+00:00")
        );
        assert!(matches!(parse_bound("2026-03-01T08:00:00"), Ok(Bound::Civil(_))));
        assert!(matches!(parse_bound("2026-03-01"), Ok(Bound::Date(_))));
        assert!(parse_bound("yesterday").is_err());
        assert_eq!(parse_window("3600s"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_window("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_window("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_window("0s").is_err() && parse_window("1w").is_err() && parse_window("s").is_err());
        assert_eq!(parse_data_type("heartRate"), Ok(DataType::HeartRate));
        assert!(parse_data_type("heartrate").unwrap_err().contains("heart-rate"));
        assert_eq!(parse_instant("2026-03-01").unwrap().to_rfc3339(), "2026-03-01T00:00:00+00:00");
    }
}

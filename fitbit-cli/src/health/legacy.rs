//! `fitbit health legacy <area> <operation> …`: a legacy Web API command,
//! with the legacy command's own flags, answered from the Google Health API
//! (`fitbit_health::legacy`) in the legacy JSON shape.
//!
//! Only the operations the migration map gives a facade are here; for the
//! others `fitbit migrate OPERATION` says what replaces them.

use chrono::{Datelike as _, Months, NaiveDate, Utc};
use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use fitbit_api::types::{
    ActivityDetailLevel, ActivityResource, HeartRateDetailLevel, IntradayActivityResource,
};
use fitbit_api::{ClockTime, FitbitDate, ListBound, UnitSystem};
use fitbit_auth::migration;
use fitbit_health::legacy::{Legacy, LogQuery};
use serde::Serialize;

use super::HealthContext;
use crate::errors::CliError;
use crate::generated_commands::AREAS;
use crate::output::print_json;

/// The legacy command chosen: its area, operation and flags.
#[derive(Debug, Clone)]
pub struct LegacyCommand {
    area: String,
    operation: String,
    matches: ArgMatches,
}

/// The legacy area commands, each with the operations that have a facade.
pub fn commands() -> Vec<Command> {
    AREAS
        .iter()
        .filter_map(|area| {
            let operations: Vec<Command> = area
                .operations
                .iter()
                .filter(|op| facade_of(area.name, op.name).is_some())
                .map(|op| (op.command)())
                .collect();
            (!operations.is_empty()).then(|| {
                Command::new(area.name)
                    .about(area.about)
                    .subcommand_required(true)
                    .arg_required_else_help(true)
                    .subcommands(operations)
            })
        })
        .collect()
}

/// The facade method of `area operation`, from the migration map.
fn facade_of(area: &str, operation: &str) -> Option<&'static str> {
    migration::find(&format!("{area} {operation}"))?.facade
}

impl FromArgMatches for LegacyCommand {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (area, area_matches) = matches.subcommand().ok_or_else(missing)?;
        let (operation, matches) = area_matches.subcommand().ok_or_else(missing)?;
        Ok(Self { area: area.to_string(), operation: operation.to_string(), matches: matches.clone() })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for LegacyCommand {
    fn augment_subcommands(command: Command) -> Command {
        command.subcommands(commands())
    }

    fn augment_subcommands_for_update(command: Command) -> Command {
        command.subcommands(commands())
    }

    fn has_subcommand(name: &str) -> bool {
        commands().iter().any(|area| area.get_name() == name)
    }
}

/// A flag's value; `None` when the command has no such flag. Read without
/// panicking on a type the command did not declare.
fn flag<T: Clone + Send + Sync + 'static>(matches: &ArgMatches, id: &str) -> Result<Option<T>, CliError> {
    match matches.try_get_one::<T>(id) {
        Ok(value) => Ok(value.cloned()),
        Err(clap::parser::MatchesError::UnknownArgument { .. }) => Ok(None),
        Err(err) => Err(CliError::failure(format!("--{id}: {err}"))),
    }
}

fn required<T: Clone + Send + Sync + 'static>(matches: &ArgMatches, id: &str) -> Result<T, CliError> {
    flag(matches, id)?.ok_or_else(|| CliError::usage(format!("--{id} is required")))
}

fn parsed<T: std::str::FromStr>(matches: &ArgMatches, id: &str) -> Result<T, CliError> {
    let text: String = required(matches, id)?;
    text.parse().map_err(|_| CliError::usage(format!("--{id}: `{text}` is not one of the allowed values")))
}

/// The first day of `period` ending on `end` (`1d`, `7d`, `30d`, `1w`, `1m`, `3m`, `6m`, `1y`).
fn period_start(end: NaiveDate, period: &str) -> Result<NaiveDate, CliError> {
    let days = |n: u64| end.checked_sub_days(chrono::Days::new(n - 1));
    let months = |n: u32| end.checked_sub_months(Months::new(n)).and_then(|d| d.succ_opt());
    match period {
        "1d" => days(1),
        "7d" | "1w" => days(7),
        "30d" => days(30),
        "1m" => months(1),
        "3m" => months(3),
        "6m" => months(6),
        "1y" => months(12),
        other => {
            return Err(CliError::usage(format!(
                "--period {other} is not supported here; give a date range instead"
            )));
        }
    }
    .ok_or_else(|| CliError::usage(format!("--period {period} reaches before the calendar's start")))
}

fn to_json(value: &impl Serialize) -> Result<(), CliError> {
    let json = serde_json::to_value(value)
        .map_err(|err| CliError::failure(format!("could not encode the answer as JSON: {err}")))?;
    print_json(&json)
}

/// Runs the legacy command on the Google Health API.
pub async fn run(
    context: &HealthContext,
    command: LegacyCommand,
    units: Option<UnitSystem>,
) -> Result<(), CliError> {
    let LegacyCommand { area, operation, matches } = command;
    let Some(facade) = facade_of(&area, &operation) else {
        return Err(CliError::usage(format!("`{area} {operation}` has no legacy facade"))
            .with_hint(format!("`fitbit migrate {operation}` says what replaces it")));
    };
    if let Some(user) = flag::<String>(&matches, "user-id")?.filter(|user| user != "-") {
        return Err(CliError::usage(format!(
            "--user-id {user}: the Google Health API serves the signed-in user only"
        )));
    }
    if flag::<String>(&matches, "timezone")?.is_some() {
        return Err(CliError::usage("--timezone is not supported here: days are the user's own"));
    }
    let client = context.client().await?;
    let legacy = client.legacy().units(units.unwrap_or_default());
    let error = HealthContext::error;
    let today = || async { user_today(&legacy).await };
    let date = |id: &'static str| {
        let matches = &matches;
        async move {
            match required::<FitbitDate>(matches, id)? {
                FitbitDate::On(day) => Ok::<_, CliError>(day),
                FitbitDate::Today => today().await,
            }
        }
    };
    let range = || async {
        if matches.try_get_one::<FitbitDate>("start-date").ok().flatten().is_some() {
            Ok::<_, CliError>((date("start-date").await?, date("end-date").await?))
        } else {
            let end = date("date").await?;
            let period: String = required(&matches, "period")?;
            Ok((period_start(end, &period)?, end))
        }
    };
    let window = || -> Result<Option<(ClockTime, ClockTime)>, CliError> {
        Ok(match (flag::<ClockTime>(&matches, "start-time")?, flag::<ClockTime>(&matches, "end-time")?) {
            (Some(start), Some(end)) => Some((start, end)),
            _ => None,
        })
    };
    match facade {
        "profile" => to_json(&legacy.profile().await.map_err(error)?),
        "devices" => to_json(&legacy.devices().await.map_err(error)?),
        "activity_time_series" => {
            let resource: ActivityResource = parsed(&matches, "resource")?;
            let (start, end) = range().await?;
            to_json(&legacy.activity_time_series(resource, start, end).await.map_err(error)?)
        }
        "activity_intraday" => {
            let resource: IntradayActivityResource = parsed(&matches, "resource")?;
            let detail: ActivityDetailLevel = parsed(&matches, "detail-level")?;
            let day = date("date").await?;
            to_json(&legacy.activity_intraday(resource, day, detail, window()?).await.map_err(error)?)
        }
        "heart_rate_time_series" => {
            let (start, end) = range().await?;
            to_json(&legacy.heart_rate_time_series(start, end).await.map_err(error)?)
        }
        "heart_rate_intraday" => {
            let detail: HeartRateDetailLevel = parsed(&matches, "detail-level")?;
            let day = date("date").await?;
            to_json(&legacy.heart_rate_intraday(day, detail, window()?).await.map_err(error)?)
        }
        "sleep_log_by_date" => to_json(&legacy.sleep_log_by_date(date("date").await?).await.map_err(error)?),
        "sleep_log_by_date_range" => {
            let (start, end) = (date("start-date").await?, date("end-date").await?);
            to_json(&legacy.sleep_log_by_date_range(start, end).await.map_err(error)?)
        }
        "weight_logs" | "body_fat_logs" => {
            let (start, end) = if matches.try_get_one::<String>("period").ok().flatten().is_some()
                || matches.try_get_one::<FitbitDate>("start-date").ok().flatten().is_some()
            {
                range().await?
            } else {
                let day = date("date").await?;
                (day, day)
            };
            if facade == "weight_logs" {
                to_json(&legacy.weight_logs(start, end).await.map_err(error)?)
            } else {
                to_json(&legacy.body_fat_logs(start, end).await.map_err(error)?)
            }
        }
        "spo2_summary" => to_json(&legacy.spo2_summary(date("date").await?).await.map_err(error)?),
        "spo2_summary_range" => {
            let (start, end) = (date("start-date").await?, date("end-date").await?);
            to_json(&legacy.spo2_summary_range(start, end).await.map_err(error)?)
        }
        "breathing_rate_summary" | "hrv_summary" | "skin_temperature_summary" | "cardio_fitness_summary" => {
            let (start, end) = if matches.try_get_one::<FitbitDate>("start-date").ok().flatten().is_some() {
                (date("start-date").await?, date("end-date").await?)
            } else {
                let day = date("date").await?;
                (day, day)
            };
            match facade {
                "breathing_rate_summary" => {
                    to_json(&legacy.breathing_rate_summary(start, end).await.map_err(error)?)
                }
                "hrv_summary" => to_json(&legacy.hrv_summary(start, end).await.map_err(error)?),
                "skin_temperature_summary" => {
                    to_json(&legacy.skin_temperature_summary(start, end).await.map_err(error)?)
                }
                _ => to_json(&legacy.cardio_fitness_summary(start, end).await.map_err(error)?),
            }
        }
        "activity_log_list" => {
            let query = match (
                flag::<ListBound>(&matches, "before-date")?,
                flag::<ListBound>(&matches, "after-date")?,
            ) {
                (Some(before), _) => LogQuery::before(before),
                (None, Some(after)) => LogQuery::after(after),
                (None, None) => return Err(CliError::usage("give --before-date or --after-date")),
            };
            let query = match flag::<u8>(&matches, "limit")? {
                Some(limit) => query.limit(limit),
                None => query,
            };
            to_json(&legacy.activity_log_list(query, None).await.map_err(error)?)
        }
        other => Err(CliError::failure(format!(
            "the facade `{other}` has no command here (a bug: please report it)"
        ))),
    }
}

/// The user's date today, in their own time zone.
async fn user_today(legacy: &Legacy) -> Result<NaiveDate, CliError> {
    let offset = legacy.user_offset().await.map_err(HealthContext::error)?;
    let now = Utc::now().with_timezone(&offset);
    NaiveDate::from_ymd_opt(now.year(), now.month(), now.day())
        .ok_or_else(|| CliError::failure("today is not a calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_facade_of_the_map_has_a_command_and_periods_count_back() {
        let names: Vec<String> = commands()
            .iter()
            .flat_map(|area| {
                area.get_subcommands().map(|op| format!("{} {}", area.get_name(), op.get_name()))
            })
            .collect();
        let with_facade: Vec<_> = migration::all().iter().filter(|row| row.facade.is_some()).collect();
        assert_eq!(names.len(), with_facade.len());
        for row in with_facade {
            assert!(names.contains(&row.command.to_string()), "{} has a command", row.operation);
        }
        let day = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(period_start(day, "1d").unwrap(), day);
        assert_eq!(period_start(day, "7d").unwrap().to_string(), "2026-03-01");
        assert_eq!(period_start(day, "1m").unwrap().to_string(), "2026-02-08");
        assert!(period_start(day, "max").is_err());
    }
}

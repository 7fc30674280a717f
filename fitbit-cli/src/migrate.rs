//! `fitbit migrate [OPERATION] [--json]`: the migration map, for every legacy
//! operation or for one (by `operationId` or `fitbit` command name).

use std::fmt::Write as _;

use fitbit_auth::migration::{self, Coverage, Replacement};
use serde_json::json;

use crate::cli::MigrateArgs;
use crate::errors::CliError;
use crate::output::{print_json, write_text};

pub fn run(args: &MigrateArgs) -> Result<(), CliError> {
    let Some(name) = args.operation.as_deref() else {
        return if args.json {
            let scopes: serde_json::Map<String, serde_json::Value> =
                scopes().map(|(legacy, google)| (legacy.to_string(), json!(google))).collect();
            print_json(&json!({
                "notes": migration::general_notes(),
                "scopes": scopes,
                "operations": migration::all(),
            }))
        } else {
            write_text(&overview())
        };
    };
    let name = name.trim();
    let command = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let row = migration::find(&command).ok_or_else(|| {
        CliError::usage(format!("`{name}` is not a legacy operation"))
            .with_hint("give an operationId (get_sleep_log_by_date) or a command (sleep get-sleep-log-by-date); `fitbit migrate` lists them all")
    })?;
    if args.json {
        let value = serde_json::to_value(row)
            .map_err(|err| CliError::failure(format!("could not encode the row as JSON: {err}")))?;
        print_json(&value)
    } else {
        write_text(&details(row))
    }
}

/// Legacy scope → Google scopes, in the map's order.
fn scopes() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    migration::scope_map().iter().copied()
}

/// Every row, one line each, grouped by area.
fn overview() -> String {
    let rows = migration::all();
    let count = |c: Coverage| rows.iter().filter(|r| r.coverage == c).count();
    let mut out = format!(
        "{} legacy operations: {} full, {} partial, {} without a replacement in the Google Health API.\n\
         `fitbit migrate OPERATION` shows one in full (fields, scopes, notes); MIGRATION.md has them all.\n",
        rows.len(),
        count(Coverage::Full),
        count(Coverage::Partial),
        count(Coverage::None)
    );
    let width = rows.iter().map(|r| r.operation.len()).max().unwrap_or(0);
    let mut area = "";
    for row in rows {
        if row.area != area {
            area = row.area;
            let _ = writeln!(out, "\n{area}");
        }
        let _ = writeln!(out, "  {:width$}  {:7}  {}", row.operation, row.coverage.to_string(), row.advice());
    }
    out
}

/// One row in full.
fn details(row: &Replacement) -> String {
    let mut out = format!("{} (fitbit {})\n", row.operation, row.command);
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(out, "  {label:12} {value}");
        }
    };
    line("coverage:", &row.coverage.to_string());
    if row.coverage == Coverage::None {
        line("reason:", row.reason);
    }
    line("replacement:", &row.methods.join(", "));
    line("data types:", &row.data_types.join(", "));
    line("how:", row.query);
    line("scopes:", &row.scopes.join(", "));
    line("instead:", row.cli);
    if row.facade.is_some() {
        line("legacy JSON:", &format!("fitbit health legacy {} …", row.command));
    }
    line("notes:", row.notes);
    if !row.fields.is_empty() {
        let _ = writeln!(out, "  fields:");
        for field in row.fields {
            let _ = writeln!(out, "    {} ← {}", field.legacy, field.new);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_lists_every_operation_and_details_show_one() {
        let text = overview();
        for row in migration::all() {
            assert!(text.contains(row.operation), "{}", row.operation);
        }
        assert!(text.starts_with("124 legacy operations"), "{text}");
        let sleep = details(migration::find("get_sleep_log_by_date").unwrap());
        assert!(sleep.contains("data types:  sleep"), "{sleep}");
        assert!(sleep.contains("sleep[].isMainSleep ← sleep.metadata.mainSleep"), "{sleep}");
        assert_eq!(scopes().count(), 15);
    }
}

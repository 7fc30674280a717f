//! The migration map: for every operation of the legacy Fitbit Web API, what
//! replaces it in the Google Health API, or why nothing does.
//!
//! The map is written in `spec/migration.yaml`; `cargo xtask regen` checks it
//! against the legacy spec and Google's Discovery document and compiles it
//! into this crate as a static table, so a lookup reads no file and parses
//! nothing at run time. It is rendered for people in `MIGRATION.md`.
//!
//! [`Error::Retired`](crate::Error::Retired) carries the row of the retired
//! call ([`Error::replacement`](crate::Error::replacement)).
//!
//! ```
//! use fitbit_auth::migration::{self, Coverage};
//!
//! let row = migration::find("get_heartrate_intraday_by_date").unwrap();
//! assert!(row.data_types.contains(&"heart-rate"));
//! assert!(row.cli.starts_with("fitbit health points list --type heart-rate"));
//! // The CLI command name finds the same row.
//! let same = migration::find("heart-rate-intraday get-heartrate-intraday-by-date").unwrap();
//! assert_eq!(same.operation, row.operation);
//!
//! let badges = migration::find("get_badges").unwrap();
//! assert_eq!(badges.coverage, Coverage::None);
//! assert!(badges.advice().contains("no replacement"));
//! assert_eq!(migration::all().len(), 124);
//! ```

use std::fmt;

use serde::Serialize;

#[rustfmt::skip]
#[allow(clippy::all)]
mod table;

/// How much of a legacy operation the Google Health API can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// Everything the legacy call returned or did.
    Full,
    /// Some of it: fields or behaviour are missing or changed (see the notes).
    Partial,
    /// Nothing replaces it (see the reason).
    None,
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Coverage::Full => "full",
            Coverage::Partial => "partial",
            Coverage::None => "none",
        })
    }
}

/// Where one legacy field's value comes from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The legacy field (a JSON path such as `sleep[].minutesAsleep`).
    pub legacy: &'static str,
    /// The new source, with any unit conversion.
    pub new: &'static str,
}

/// One row of the map: a legacy operation and its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The legacy `operationId` (`get_heartrate_intraday_by_date`).
    pub operation: &'static str,
    /// The legacy API area (the spec's tag, `Heart Rate Intraday`).
    pub area: &'static str,
    /// The legacy `fitbit` command (`heart-rate-intraday get-heartrate-intraday-by-date`).
    pub command: &'static str,
    /// How much of it the new API can do.
    pub coverage: Coverage,
    /// Google Health API methods, as Discovery names them without `health.`
    /// (`users.dataTypes.dataPoints.rollUp`).
    pub methods: &'static [&'static str],
    /// Data types (kebab-case, as in paths).
    pub data_types: &'static [&'static str],
    /// The filter, rollup or window that reproduces the call.
    pub query: &'static str,
    /// Field by field.
    pub fields: &'static [Field],
    /// Google scopes to request (short names: `sleep.readonly`).
    pub scopes: &'static [&'static str],
    /// The `fitbit health …` command that gives the data; empty when none does.
    pub cli: &'static str,
    /// The `fitbit_health::legacy::Legacy` method returning the legacy type.
    pub facade: Option<&'static str>,
    /// Differences worth knowing.
    pub notes: &'static str,
    /// Why nothing replaces it (coverage none).
    pub reason: &'static str,
}

impl Replacement {
    /// What to do instead, in one sentence: the command to run, or why there
    /// is nothing.
    pub fn advice(&self) -> String {
        if self.coverage == Coverage::None {
            return format!("no replacement: {}", self.reason);
        }
        let mut advice = if self.cli.is_empty() {
            format!("use the Google Health API's {}", self.methods.join(", "))
        } else {
            format!("use `{}`", self.cli)
        };
        if self.facade.is_some() {
            advice.push_str(&format!(" (or `fitbit health legacy {}` for the legacy JSON)", self.command));
        }
        advice
    }

    /// The scopes as full URLs.
    pub fn scope_urls(&self) -> Vec<String> {
        self.scopes.iter().map(|scope| scope_url(scope)).collect()
    }
}

impl fmt::Display for Replacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.operation, self.coverage, self.advice())
    }
}

/// The full URL of a Google scope written by its short name (`sleep.readonly`,
/// or `cloud-platform`).
pub fn scope_url(short: &str) -> String {
    match short {
        "cloud-platform" => "https://www.googleapis.com/auth/cloud-platform".to_string(),
        other => format!("{}{other}", crate::GOOGLE_HEALTH_SCOPE_PREFIX),
    }
}

/// Every row, in the legacy spec's area order, then by operation.
pub fn all() -> &'static [Replacement] {
    table::REPLACEMENTS
}

/// The row of a legacy operation, found by its `operationId`
/// (`get_heartrate_intraday_by_date`), its CLI name
/// (`get-heartrate-intraday-by-date`) or its whole CLI command
/// (`heart-rate-intraday get-heartrate-intraday-by-date`).
pub fn find(name: &str) -> Option<&'static Replacement> {
    let name = name.trim();
    let operation = name.rsplit(' ').next().unwrap_or(name).replace('-', "_");
    let found = all().iter().find(|row| row.operation == operation)?;
    // A whole command must name the operation's own area.
    if name.contains(' ') && found.command != name.split_whitespace().collect::<Vec<_>>().join(" ") {
        return None;
    }
    Some(found)
}

/// Differences that apply to every operation (units, timestamps, int64
/// strings, scopes).
pub fn general_notes() -> &'static [&'static str] {
    table::GENERAL_NOTES
}

/// The Google scopes (short names) that replace a legacy OAuth scope
/// (`heartrate`); empty for `social`, which nothing replaces.
pub fn scopes_for(legacy_scope: &str) -> Option<&'static [&'static str]> {
    scope_map().iter().find(|(legacy, _)| *legacy == legacy_scope).map(|(_, google)| *google)
}

/// Every legacy OAuth scope with the Google scopes (short names) that replace it.
pub fn scope_map() -> &'static [(&'static str, &'static [&'static str])] {
    table::SCOPES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_found_by_each_of_its_names_and_bad_names_are_not() {
        for row in all() {
            assert_eq!(find(row.operation).map(|r| r.operation), Some(row.operation));
            assert_eq!(find(row.command).map(|r| r.operation), Some(row.operation));
            let kebab = row.command.split(' ').next_back().unwrap();
            assert_eq!(find(kebab).map(|r| r.operation), Some(row.operation));
            match row.coverage {
                Coverage::None => assert!(!row.reason.is_empty() && row.methods.is_empty(), "{row}"),
                _ => assert!(!row.methods.is_empty() && !row.scopes.is_empty(), "{row}"),
            }
        }
        assert!(find("get_nothing").is_none());
        assert!(find("sleep get-heartrate-intraday-by-date").is_none(), "the area must match");
        assert_eq!(scopes_for("sleep"), Some(&["sleep.readonly", "sleep.writeonly"][..]));
        assert_eq!(scopes_for("social"), Some(&[][..]));
        assert!(!general_notes().is_empty());
    }

    #[test]
    fn advice_names_the_command_or_the_reason() {
        let heart = find("get_heartrate_intraday_by_date").unwrap();
        assert!(heart.advice().starts_with("use `fitbit health points list --type heart-rate"), "{heart}");
        assert!(heart.scope_urls().iter().all(|s| s.starts_with("https://www.googleapis.com/auth/")));
        let friends = find("get_friends").unwrap();
        assert!(friends.advice().contains("no replacement"), "{friends}");
    }
}

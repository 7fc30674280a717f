//! A person's whole Fitbit history from the **Google Health API** in one
//! local SQLite file: resumable after any crash, incremental, inside the
//! rate limit. The engine behind `fitbit health export`.
//!
//! - **One table per data type** (`heart_rate`, `steps`, `sleep`, …) with a
//!   typed column for every field of the type (names are the JSON path in
//!   snake_case, with units: `weight_grams`, `sample_time_utc_offset_seconds`),
//!   the common columns `name` (the data point's resource name, the key),
//!   `time_utc` (start or sample time, `2026-03-01T06:30:00.000Z`; the date
//!   for daily types), `utc_offset_seconds`, `source_platform`,
//!   `source_device`, and `raw_json` (the whole point). With
//!   [`ExportOptions::daily`], `<type>_by_day` tables of daily rollups keyed
//!   by `civil_start`.
//! - **`export_state`** (per type: what is done, the query under way and
//!   its next page token), **`export_runs`** (calls, points, rows, status per
//!   run) and **`export_meta`** (the Health User ID the file belongs to).
//!   `PRAGMA user_version` holds the schema version; older files are migrated.
//! - **Crash-safe**: each page is written in one transaction together with
//!   the checkpoint after it, so a killed export loses nothing and the next
//!   run continues at the next page, without duplicates or gaps.
//! - **Incremental**: a later run asks only for what came after the last
//!   one, plus [`ExportOptions::refetch`] (a day by default) before it, for
//!   data that reached Google late. The API offers no change times, so
//!   edits to older data are picked up by a larger `refetch`; points
//!   deleted upstream stay in the archive.
//! - **Few calls**: one query per type over the whole range, in the largest
//!   pages the API allows (10,000 points; 25 sessions); daily rollups in
//!   parts of 90 (or 14) days, one page each. Paced to 300 requests a minute.
//!
//! ```no_run
//! # async fn run(client: fitbit_health::Client) -> Result<(), fitbit_export::ExportError> {
//! use fitbit_export::{Database, ExportOptions, JsonLines, export};
//!
//! let mut db = Database::open("fitbit-health.sqlite".as_ref())?;
//! let summary = export(&client, &mut db, &ExportOptions::default(), &mut JsonLines::new(std::io::stderr())).await?;
//! println!("{} calls, {} points, {} rows", summary.calls, summary.points(), summary.rows_written());
//! # Ok(()) }
//! ```

mod db;
mod engine;
mod error;
mod progress;
pub mod schema;

pub use db::{APPLICATION_ID, Checkpoint, Database, ExportState, Mode, Query, SCHEMA_VERSION};
pub use engine::{DEFAULT_REFETCH, DEFAULT_REQUESTS_PER_MINUTE, ExportOptions, export};
pub use error::ExportError;
pub use progress::{JsonLines, PageEvent, Progress, Skip, Summary, TypeSummary};

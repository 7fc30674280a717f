//! `fitbit health export`: the user's history into a local SQLite file.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use clap::Args;
use fitbit_export::{
    Database, ExportError, ExportOptions, JsonLines, PageEvent, Progress, Skip, TypeSummary,
};
use fitbit_health::DataType;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::HealthContext;
use crate::errors::{CliError, human_duration};
use crate::output::print_json;

/// `fitbit health export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The SQLite file (created when missing; a run continues where the last one stopped)
    #[arg(long, value_name = "PATH", default_value = "fitbit-health.sqlite")]
    pub db: PathBuf,
    /// First day, YYYY-MM-DD [default: the profile's membership start]
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// The day after the last, YYYY-MM-DD [default: tomorrow, so today is in]
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,
    /// Data types, comma-separated (e.g. heart-rate,steps,sleep,weight) [default: every type the
    /// sign-in's scopes can read]
    #[arg(long, value_name = "TYPES", value_delimiter = ',', value_parser = parse_type)]
    pub types: Option<Vec<DataType>>,
    /// One row per day (daily rollups, `<type>_by_day` tables) instead of every stored point
    #[arg(long)]
    pub daily: bool,
    /// Progress as one JSON line per page on stderr (the default without a terminal)
    #[arg(long)]
    pub json_progress: bool,
    /// How many days before the last run's end a later run looks again, for late data
    #[arg(long, value_name = "DAYS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub refetch_days: u32,
    /// The pace, in requests a minute (Google allows 300 per user)
    #[arg(long, value_name = "N", default_value_t = fitbit_export::DEFAULT_REQUESTS_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..=300))]
    pub requests_per_minute: u32,
}

fn parse_type(text: &str) -> Result<DataType, String> {
    text.parse().map_err(|err: fitbit_health::UnknownDataType| err.to_string())
}

pub async fn run(context: &HealthContext, args: ExportArgs) -> Result<(), CliError> {
    // The file first: a refused file fails before any call.
    let mut db = Database::open(&args.db).map_err(export_error)?;
    let client = context.client().await?;
    let options = ExportOptions {
        since: args.since,
        until: args.until,
        types: args.types.clone(),
        daily: args.daily,
        requests_per_minute: args.requests_per_minute,
        refetch: chrono::Duration::days(i64::from(args.refetch_days)),
    };
    let mut progress: Box<dyn Progress> = if args.json_progress || !std::io::stderr().is_terminal() {
        Box::new(JsonLines::new(std::io::stderr()))
    } else {
        Box::new(Bars::new())
    };
    let result = fitbit_export::export(&client, &mut db, &options, progress.as_mut()).await;
    drop(progress);
    match result {
        Ok(summary) => {
            eprintln!(
                "Exported {} points ({} rows written) in {} calls and {} into {}.",
                summary.points(),
                summary.rows_written(),
                summary.calls,
                human_duration(summary.elapsed),
                args.db.display()
            );
            for skip in &summary.skipped {
                eprintln!("Skipped {}: {}.", skip.data_type, skip.reason);
            }
            let json = serde_json::to_value(&summary)
                .map_err(|err| CliError::failure(format!("could not encode the summary: {err}")))?;
            print_json(&json)
        }
        Err(err) => {
            eprintln!(
                "The export stopped; everything written so far stays in {} and the next run continues from there.",
                args.db.display()
            );
            Err(export_error(err))
        }
    }
}

fn export_error(err: ExportError) -> CliError {
    match err {
        ExportError::Api(err) => HealthContext::error(err),
        ExportError::Database { .. } => CliError::failure(err.to_string()).with_hint(
            "choose another file with --db, or remove the damaged one if it holds nothing you need",
        ),
        ExportError::Options(message) => CliError::usage(message),
        other => CliError::failure(other.to_string()),
    }
}

/// A bar per data type and one for the total, on a terminal.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    bars: HashMap<DataType, ProgressBar>,
}

const STEPS: u64 = 1000;

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let total = multi.add(ProgressBar::new(0));
        total.set_style(style());
        total.set_prefix("all types");
        Self { multi, total, bars: HashMap::new() }
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>36} [{bar:30}] {percent:>3}% {msg} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress for Bars {
    fn plan(&mut self, types: &[DataType], _skipped: &[Skip]) {
        self.total.set_length(types.len() as u64 * STEPS);
        for &data_type in types {
            let bar = self.multi.insert_before(&self.total, ProgressBar::new(STEPS));
            bar.set_style(style());
            bar.set_prefix(data_type.id().to_string());
            self.bars.insert(data_type, bar);
        }
    }

    fn page(&mut self, event: &PageEvent) {
        if let Some(bar) = self.bars.get(&event.data_type) {
            if let Some(fraction) = event.fraction_done {
                let before = bar.position();
                let now = (fraction * STEPS as f64) as u64;
                bar.set_position(now);
                self.total.inc(now.saturating_sub(before));
            }
            bar.set_message(format!("{} points, {} pages", event.points, event.pages));
        }
        self.total.set_message(format!("{} calls", event.calls));
    }

    fn type_done(&mut self, summary: &TypeSummary) {
        if let Some(bar) = self.bars.get(&summary.data_type) {
            self.total.inc(STEPS.saturating_sub(bar.position()));
            bar.finish_with_message(format!(
                "{} points, {} new or changed rows",
                summary.points, summary.rows_written
            ));
        }
    }

    fn skipped(&mut self, skip: &Skip) {
        if let Some(bar) = self.bars.get(&skip.data_type) {
            bar.abandon_with_message(format!("skipped: {}", skip.reason));
        }
    }

    fn waiting(&mut self, duration: Duration, why: &str) {
        if duration >= Duration::from_secs(1) {
            self.total.set_message(format!("waiting {} for {why}", human_duration(duration)));
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.total.finish();
    }
}

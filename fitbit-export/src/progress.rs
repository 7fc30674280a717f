//! What an export reports while it runs, and at its end.

use std::io::Write;
use std::time::Duration;

use fitbit_health::DataType;
use serde::Serialize;

/// One page written.
#[derive(Debug, Clone, Serialize)]
pub struct PageEvent {
    /// The data type.
    pub data_type: DataType,
    /// Points (or days) in this page.
    pub page_points: u64,
    /// Pages of this type so far in this run.
    pub pages: u64,
    /// Points of this type so far in this run.
    pub points: u64,
    /// Rows of this type inserted or changed so far in this run.
    pub rows_written: u64,
    /// Requests made so far in this run, all types.
    pub calls: u64,
    /// How much of this type's time range is done (0 to 1), when known.
    pub fraction_done: Option<f64>,
}

/// A data type left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The data type.
    pub data_type: DataType,
    /// Why, in words.
    pub reason: String,
}

/// One data type's share of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeSummary {
    /// The data type.
    pub data_type: DataType,
    /// Pages read.
    pub pages: u64,
    /// Points (or days) read.
    pub points: u64,
    /// Rows inserted or changed.
    pub rows_written: u64,
}

impl TypeSummary {
    /// Nothing read yet.
    pub fn new(data_type: DataType) -> Self {
        Self { data_type, pages: 0, points: 0, rows_written: 0 }
    }
}

/// How a run went.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Requests made, all kinds (the identity, the profile, every page).
    pub calls: u64,
    /// Per data type.
    pub types: Vec<TypeSummary>,
    /// The types left out.
    pub skipped: Vec<Skip>,
    /// How long the run took.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl Summary {
    /// Points (or days) read, all types.
    pub fn points(&self) -> u64 {
        self.types.iter().map(|t| t.points).sum()
    }

    /// Rows inserted or changed, all types.
    pub fn rows_written(&self) -> u64 {
        self.types.iter().map(|t| t.rows_written).sum()
    }
}

/// Told what an export does, as it does it. Every method has a default that
/// does nothing.
pub trait Progress: Send {
    /// The types about to be exported, and the ones skipped.
    fn plan(&mut self, _types: &[DataType], _skipped: &[Skip]) {}
    /// A page was written.
    fn page(&mut self, _event: &PageEvent) {}
    /// A type is finished.
    fn type_done(&mut self, _summary: &TypeSummary) {}
    /// A type was skipped while running (the API refused its scope).
    fn skipped(&mut self, _skip: &Skip) {}
    /// The export waits (the pace, a rate limit).
    fn waiting(&mut self, _duration: Duration, _why: &str) {}
}

/// Progress as one JSON object per line (for logs and other programs): a
/// `plan`, then one `page` per page, `skipped`, `wait` and `type_done`
/// events. It never holds a token or a secret.
///
/// ```
/// use fitbit_export::{JsonLines, Progress as _};
///
/// let mut out = Vec::new();
/// JsonLines::new(&mut out).waiting(std::time::Duration::from_secs(2), "the pace");
/// assert_eq!(String::from_utf8(out).unwrap(), "{\"event\":\"wait\",\"seconds\":2.0,\"why\":\"the pace\"}\n");
/// ```
#[derive(Debug)]
pub struct JsonLines<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLines<W> {
    /// Writes the lines to `out` (stderr, for the CLI).
    pub fn new(out: W) -> Self {
        Self { out }
    }

    fn line(&mut self, value: serde_json::Value) {
        // Progress is best effort: a closed stderr must not stop an export.
        let _ = writeln!(self.out, "{value}");
    }
}

impl<W: Write + Send> Progress for JsonLines<W> {
    fn plan(&mut self, types: &[DataType], skipped: &[Skip]) {
        self.line(serde_json::json!({ "event": "plan", "types": types, "skipped": skipped }));
    }

    fn page(&mut self, event: &PageEvent) {
        let mut line = serde_json::to_value(event).unwrap_or_default();
        line["event"] = "page".into();
        self.line(line);
    }

    fn type_done(&mut self, summary: &TypeSummary) {
        let mut line = serde_json::to_value(summary).unwrap_or_default();
        line["event"] = "type_done".into();
        self.line(line);
    }

    fn skipped(&mut self, skip: &Skip) {
        self.line(
            serde_json::json!({ "event": "skipped", "data_type": skip.data_type, "reason": skip.reason }),
        );
    }

    fn waiting(&mut self, duration: Duration, why: &str) {
        self.line(serde_json::json!({ "event": "wait", "seconds": duration.as_secs_f64(), "why": why }));
    }
}

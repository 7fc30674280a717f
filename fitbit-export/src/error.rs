//! Why an export stopped.

use std::path::PathBuf;

/// Why an export stopped. What was written before stays written; the next
/// run continues from there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The database file cannot be used (refused, damaged, or a write failed).
    #[error("the export database {}: {message}", path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// The API failed in a way that stops the export (a refused grant, the
    /// account not linked, an error that retries did not cure). Its
    /// [`action`](fitbit_auth::Error::action) says what to do.
    #[error(transparent)]
    Api(#[from] fitbit_auth::Error),

    /// The options do not make sense (an empty range, an unknown type).
    #[error("{0}")]
    Options(String),
}

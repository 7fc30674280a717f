//! Writing results to stdout. A closed pipe (`fitbit profile | head -1`) is
//! not an error.

use std::io::{self, Write as _};

use crate::errors::CliError;

/// Pretty-printed JSON and a newline.
pub fn print_json(value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|err| CliError::failure(format!("could not encode the answer as JSON: {err}")))?;
    text.push('\n');
    write_stdout(text.as_bytes())
}

/// Bytes as they are (TCX, images…).
pub fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    write_stdout(bytes)
}

/// Text as it is (it ends with its own newline).
pub fn write_text(text: &str) -> Result<(), CliError> {
    write_stdout(text.as_bytes())
}

/// One line of text, with control characters escaped (it may hold what a
/// server said: a user id, scope names).
pub fn print_line(line: &str) -> Result<(), CliError> {
    write_stdout(format!("{}\n", terminal_safe(line)).as_bytes())
}

/// `text` with its control characters escaped, not shortened: for a line
/// on the terminal that holds outside text.
pub fn terminal_safe(text: &str) -> String {
    fitbit_auth::sanitize_text(text, usize::MAX)
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CliError::failure(format!("could not write to stdout: {err}"))),
    }
}

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

/// One line of text.
pub fn print_line(line: &str) -> Result<(), CliError> {
    write_stdout(format!("{line}\n").as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CliError::failure(format!("could not write to stdout: {err}"))),
    }
}

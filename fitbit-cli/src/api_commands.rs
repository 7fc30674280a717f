//! The API subcommands: one per operation of the spec, grouped by area.
//!
//! The commands themselves are generated from the spec into
//! `generated_commands.rs` by `cargo xtask regen`; this module holds what they
//! share: the area/operation tables' types, request-body assembly, and how a
//! response becomes output.

use clap::ArgMatches;
use fitbit_api::{ByteStream, Client, Error};
use futures::TryStreamExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::generated_commands::AREAS;

/// What a command prints on stdout.
#[derive(Debug)]
pub enum Output {
    /// The typed response re-encoded as JSON (unknown fields kept).
    Json(serde_json::Value),
    /// Nothing: the operation answers without a body (204).
    Empty,
    /// A non-JSON body (TCX), as received.
    Bytes(Vec<u8>),
}

/// One API area (a tag of the spec) and its operations.
pub(crate) struct Area {
    pub(crate) name: &'static str,
    pub(crate) about: &'static str,
    pub(crate) operations: &'static [Operation],
}

/// One operation: its subcommand and how to run it.
pub(crate) struct Operation {
    pub(crate) name: &'static str,
    pub(crate) command: fn() -> clap::Command,
    pub(crate) run: for<'a> fn(&'a Client, &'a ArgMatches) -> BoxFuture<'a, Result<Output, Error>>,
}

/// One clap command per API area, each with one subcommand per operation.
pub fn commands() -> Vec<clap::Command> {
    AREAS
        .iter()
        .map(|area| {
            clap::Command::new(area.name)
                .about(area.about)
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommands(area.operations.iter().map(|operation| (operation.command)()))
        })
        .collect()
}

/// Runs the operation chosen under `area`; `None` when `area` is not an API area.
pub async fn run(client: &Client, area: &str, matches: &ArgMatches) -> Option<Result<Output, Error>> {
    let area = AREAS.iter().find(|a| a.name == area)?;
    let (name, operation_matches) = matches.subcommand()?;
    let operation = area.operations.iter().find(|o| o.name == name)?;
    Some((operation.run)(client, operation_matches).await)
}

/// Re-encodes a typed response.
pub(crate) fn json_output<T: Serialize>(value: T) -> Result<Output, Error> {
    serde_json::to_value(value).map(Output::Json).map_err(|err| Error::InvalidResponse {
        status: None,
        message: format!("re-encoding the response: {err}"),
    })
}

/// `--all` on a paged list: the first page's items and those of every page
/// after it (`pagination.next`, followed on the client's own host), in order,
/// as one JSON array.
pub(crate) async fn paged_output<P>(client: &Client, first: P) -> Result<Output, Error>
where
    P: fitbit_api::Page,
    P::Item: Serialize,
{
    let items: Vec<P::Item> = client.items_from(first).try_collect().await?;
    json_output(items)
}

/// Collects a raw body.
pub(crate) async fn bytes_output(stream: ByteStream) -> Result<Output, Error> {
    let chunks: Vec<bytes::Bytes> =
        stream.into_inner().try_collect().await.map_err(|err| Error::from_transport(&err))?;
    Ok(Output::Bytes(chunks.concat()))
}

/// The `--body-json` flag: JSON text, or `@path` to a file holding it; an
/// empty object when absent.
pub(crate) fn body_from_json_flag(
    matches: &ArgMatches,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let Some(flag) = matches.get_one::<String>("body-json") else { return Ok(serde_json::Map::new()) };
    let text = match flag.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| Error::InvalidRequest(format!("--body-json: cannot read {path}: {err}")))?,
        None => flag.clone(),
    };
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::InvalidRequest("--body-json must be a JSON object".into())),
        Err(err) => Err(Error::InvalidRequest(format!("--body-json is not valid JSON: {err}"))),
    }
}

/// Turns the assembled fields into the operation's body type.
pub(crate) fn parse_body<T: DeserializeOwned>(
    body: serde_json::Map<String, serde_json::Value>,
) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|err| Error::InvalidRequest(format!("request body: {err}")))
}

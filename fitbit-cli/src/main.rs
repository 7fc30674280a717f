//! `fitbit`: sign in to the Fitbit Web API, keep the tokens fresh, and call it.
//!
//! ```text
//! fitbit login --client-id ID [--client-secret S] [--scope "activity heartrate"] [--no-browser]
//! fitbit token status | refresh | revoke
//! fitbit profile
//! fitbit webhook serve --port P --verification-code C   # a local subscriber endpoint
//! fitbit health login --client-id ID       # the Google Health API, where Fitbit data lives now
//! fitbit health points list --type heart-rate --from 2026-03-01 --to 2026-03-02 --all
//! fitbit migrate [OPERATION] [--json]     # what replaces each legacy operation
//! fitbit <area> <operation> [options]      # every operation of the Web API, e.g.
//! fitbit heart-rate-intraday get-heartrate-intraday-by-date --date today --detail-level 1min
//! ```
//!
//! See `fitbit --help` (exit codes, environment) and the crate's README.

mod api_commands;
mod cli;
mod config;
mod errors;
mod health;
mod log;
mod login;
mod loopback;
mod migrate;
mod output;
mod token;
mod webhook;

// Written by `cargo xtask regen`; never edit it by hand.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic)]
mod generated_commands;

use std::process::ExitCode;

use clap::FromArgMatches as _;

use crate::api_commands::Output;
use crate::cli::{Builtin, GlobalArgs, WebhookCommand};
use crate::config::Settings;
use crate::errors::CliError;

fn main() -> ExitCode {
    let matches = cli::command(api_commands::commands()).get_matches();
    log::init(matches.get_count("verbose"));
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            CliError::failure(format!("could not start the async runtime: {err}")).report();
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report();
            err.exit.into()
        }
    }
}

async fn run(matches: &clap::ArgMatches) -> Result<(), CliError> {
    // The map is compiled in: no token file or settings needed.
    if let Some(("migrate", _)) = matches.subcommand()
        && let Builtin::Migrate(args) =
            Builtin::from_arg_matches(matches).map_err(|err| CliError::usage(err.to_string()))?
    {
        return migrate::run(&args);
    }
    let global = GlobalArgs::from_arg_matches(matches).map_err(|err| CliError::usage(err.to_string()))?;
    let settings = Settings::resolve(global)?;
    let Some((name, area_matches)) = matches.subcommand() else {
        return Err(CliError::usage("no command given; see `fitbit --help`"));
    };
    if !cli::is_builtin(name) {
        return api_operation(&settings, name, area_matches).await;
    }
    match Builtin::from_arg_matches(matches).map_err(|err| CliError::usage(err.to_string()))? {
        Builtin::Login(args) => login::run(&settings, args).await,
        Builtin::Token(command) => token::run(&settings, command).await,
        Builtin::Profile => profile(&settings).await,
        Builtin::Webhook(WebhookCommand::Serve(args)) => webhook::serve(&settings, args).await,
        Builtin::Health(args) => {
            health::run(*args, health_token_file(matches, &settings)?, settings.global.units).await
        }
        Builtin::Migrate(args) => migrate::run(&args),
    }
}

/// The Google token file: `--token-file` when given on the command line,
/// else FITBIT_HEALTH_TOKEN_FILE, else its default place. FITBIT_TOKEN_FILE
/// names the Fitbit file and is not read here.
fn health_token_file(
    matches: &clap::ArgMatches,
    settings: &Settings,
) -> Result<std::path::PathBuf, CliError> {
    if matches!(matches.value_source("token_file"), Some(clap::parser::ValueSource::CommandLine)) {
        return Ok(settings.token_file.clone());
    }
    if let Some(path) = std::env::var_os("FITBIT_HEALTH_TOKEN_FILE").filter(|p| !p.is_empty()) {
        return Ok(path.into());
    }
    fitbit_health::default_token_path().ok_or_else(|| {
        CliError::usage(
            "there is no user configuration directory here; give the Google token file with --token-file \
             or FITBIT_HEALTH_TOKEN_FILE",
        )
    })
}

/// `fitbit <area> <operation> …`: the generated API commands, on the
/// refreshing session.
async fn api_operation(settings: &Settings, area: &str, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let client = settings.api_client().await?;
    match api_commands::run(&client, area, matches).await {
        Some(Ok(Output::Json(value))) => output::print_json(&value),
        Some(Ok(Output::Bytes(bytes))) => output::print_bytes(&bytes),
        Some(Ok(Output::Empty)) => Ok(()),
        // A 410 names what replaces the command (the client names the
        // operation too; this covers answers the client could not tag).
        Some(Err(err)) => {
            let operation = matches.subcommand_name().unwrap_or_default();
            Err(err.for_operation(&format!("{area} {operation}")).into())
        }
        None => Err(CliError::usage(format!("unknown command `{area}`; see `fitbit --help`"))),
    }
}

/// `GET /1/user/-/profile.json`, re-encoded from the typed answer.
async fn profile(settings: &Settings) -> Result<(), CliError> {
    use fitbit_api::prelude::*;
    let client = settings.api_client().await?;
    let profile = client.get_profile().send().await.map_err(fitbit_api::Error::from)?.into_inner();
    let json = serde_json::to_value(&profile)
        .map_err(|err| CliError::failure(format!("could not encode the profile as JSON: {err}")))?;
    output::print_json(&json)
}

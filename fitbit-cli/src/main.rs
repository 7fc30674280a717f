//! `fitbit`: interim entry point wiring the generated API commands; the
//! sign-in and token commands replace this file.

mod api_commands;
// Written by `cargo xtask regen`; never edit it by hand.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic)]
mod generated_commands;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let matches = clap::Command::new("fitbit")
        .subcommand_required(true)
        .arg(
            clap::Arg::new("api-url")
                .long("api-url")
                .env("FITBIT_API_URL")
                .default_value(fitbit_api::DEFAULT_BASE_URL),
        )
        .subcommands(api_commands::commands())
        .get_matches();
    let token = std::env::var("FITBIT_ACCESS_TOKEN").unwrap_or_default();
    let base = matches.get_one::<String>("api-url").cloned().unwrap_or_default();
    let client = match fitbit_api::Client::builder().base_url(base).bearer_token(token).build() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let Some((area, area_matches)) = matches.subcommand() else { return ExitCode::FAILURE };
    match api_commands::run(&client, area, area_matches).await {
        Some(Ok(api_commands::Output::Json(value))) => {
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Some(Ok(api_commands::Output::Bytes(bytes))) => {
            use std::io::Write as _;
            let _ = std::io::stdout().write_all(&bytes);
            ExitCode::SUCCESS
        }
        Some(Ok(api_commands::Output::Empty)) => ExitCode::SUCCESS,
        Some(Err(err)) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
        None => ExitCode::FAILURE,
    }
}

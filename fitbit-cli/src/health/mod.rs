//! `fitbit health …`: the Google Health API, where Fitbit data lives since
//! the legacy Web API was switched off. Sign-in with Google, token care,
//! and a command for each kind of call; JSON on stdout, errors on stderr
//! with what to do, exit codes as for the other commands.

mod context;
mod export;
mod legacy;
mod login;
mod points;
mod profile;
mod subscribers;
mod webhook;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fitbit_auth::{ClientSecret, GOOGLE_AUTHORIZE_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL};
use fitbit_health::GOOGLE_HEALTH_API;
use url::Url;

pub use context::HealthContext;

use crate::cli::TokenCommand;
use crate::errors::{CliError, GOOGLE};
use crate::token::{TokenFile, run_on};

/// `fitbit health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub options: HealthOptions,
    #[command(subcommand)]
    pub command: HealthCommand,
}

/// Where the Google sign-in and the API live: for stand-ins in tests, so
/// hidden from `--help` (the environment variables are listed there).
#[derive(Debug, Clone, Args)]
pub struct HealthOptions {
    /// The Google Health API's base URL
    #[arg(long, global = true, hide = true, env = "FITBIT_HEALTH_API_URL", value_name = "URL", default_value = GOOGLE_HEALTH_API)]
    pub health_api_url: Url,

    /// Google's consent page
    #[arg(long, global = true, hide = true, env = "FITBIT_GOOGLE_AUTHORIZE_URL", value_name = "URL", default_value = GOOGLE_AUTHORIZE_URL)]
    pub google_authorize_url: Url,

    /// Google's token endpoint
    #[arg(long, global = true, hide = true, env = "FITBIT_GOOGLE_TOKEN_URL", value_name = "URL", default_value = GOOGLE_TOKEN_URL)]
    pub google_token_url: Url,

    /// Google's revocation endpoint
    #[arg(long, global = true, hide = true, env = "FITBIT_GOOGLE_REVOKE_URL", value_name = "URL", default_value = GOOGLE_REVOKE_URL)]
    pub google_revoke_url: Url,
}

/// The `fitbit health` commands.
#[derive(Debug, Subcommand)]
pub enum HealthCommand {
    /// Sign in with Google (OAuth 2.0 + PKCE) and save the tokens
    #[command(
        long_about = "Sign in with Google (OAuth 2.0 authorization code + PKCE) and save the tokens.\n\n\
        Needs an OAuth client of your Google Cloud project with the Google Health API enabled. A Desktop \
        client needs no redirect URI: the browser comes back to a free port of 127.0.0.1. A Web-server \
        client needs --redirect-uri exactly as registered: a loopback one is served here; for any other, \
        paste the address the browser lands on. With --no-browser the consent page's URL is printed alone \
        on stdout. The tokens, the client id and secret are written to the Google token file (mode 0600, \
        default <config dir>/fitbit/google-credentials.json); nothing is written when the sign-in fails."
    )]
    Login(LoginArgs),

    /// Show, refresh or revoke the stored Google tokens
    #[command(subcommand)]
    Token(TokenCommand),

    /// The user's Health User ID and legacy Fitbit user id
    Identity,

    /// The user's profile (age, membership, stride lengths)
    Profile,

    /// The user's settings (units, time zone, locale)
    Settings,

    /// Paired devices: list them, or get one
    Devices {
        #[command(subcommand)]
        command: Option<DevicesCommand>,
    },

    /// Data points: list, get, rollups, reconcile, create, patch, delete, TCX
    #[command(subcommand)]
    Points(points::PointsCommand),

    /// The whole history into a local SQLite file: resumable, incremental, within the rate limit
    #[command(long_about = "Export the user's history into a local SQLite file (one table per data type, \
        typed columns, the raw JSON of every point; see the README's export section).\n\n\
        Each page is written together with the checkpoint that follows it, so Ctrl-C or a crash loses \
        nothing: run it again and it continues where it stopped. A later run fetches only what is new \
        (and the last --refetch-days before it). Progress goes to stderr (bars on a terminal, else one \
        JSON line per page); the summary (calls, points, rows written, elapsed time) is printed on stdout \
        as JSON.")]
    Export(export::ExportArgs),

    /// Webhook subscribers of your Cloud project (project credentials): list, create, patch, delete
    Subscribers(subscribers::SubscribersArgs),

    /// Per-user webhook subscriptions of a subscriber: list, create, delete
    Subscriptions(subscribers::SubscriptionsArgs),

    /// Receive Google Health webhooks on this machine: `webhook serve`
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),

    /// A legacy Web API command, answered from the Google Health API in the legacy JSON shape
    #[command(
        subcommand,
        long_about = "A legacy Web API command, with its own flags, answered from the Google Health API in \
        the legacy JSON shape (fitbit_health::legacy), e.g. `fitbit health legacy heart-rate-intraday \
        get-heartrate-intraday-by-date --date 2026-03-07 --detail-level 1min`. --units (metric, en_US, en_GB) \
        picks the unit system as Accept-Language did. Only the operations the migration map gives a \
        facade are here; `fitbit migrate OPERATION` says what replaces the others and which legacy fields \
        the new API cannot fill."
    )]
    Legacy(legacy::LegacyCommand),
}

/// `fitbit health devices …`.
#[derive(Debug, Clone, Subcommand)]
pub enum DevicesCommand {
    /// Every paired device (the default)
    List,
    /// One paired device
    Get {
        /// The device id (the last segment of its name) or its full name
        id: String,
    },
}

/// `fitbit health login`. The secret is a [`ClientSecret`], so that `Debug`
/// prints `[redacted]` in its place.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The OAuth client id from the Google Cloud console [default: the one in the token file]
    #[arg(long, env = "FITBIT_GOOGLE_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// The client secret (Desktop clients have one too; prefer FITBIT_GOOGLE_CLIENT_SECRET: command
    /// lines are visible to other users); it is kept in the token file, never printed
    #[arg(long, env = "FITBIT_GOOGLE_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub client_secret: Option<ClientSecret>,

    /// Scopes to ask for: short names (`sleep.readonly`) or full URLs, space- or comma-separated, or
    /// the option repeated [default: every .readonly scope]
    #[arg(long = "scope", value_name = "SCOPES")]
    pub scopes: Vec<String>,

    /// The redirect URI of a Web-server client, exactly as registered [default: http://127.0.0.1 on a
    /// free port, for a Desktop client]
    #[arg(long, env = "FITBIT_GOOGLE_REDIRECT_URI", value_name = "URI")]
    pub redirect_uri: Option<String>,

    /// Do not open a browser: print the consent page's URL (alone, on stdout) and wait
    #[arg(long)]
    pub no_browser: bool,

    /// Give up when the browser has not come back after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = crate::config::DEFAULT_TIMEOUT_SECS)]
    pub timeout: u64,

    /// Keep the sign-in when the user grants only some of the scopes (a warning names the rest);
    /// without it, a partial grant is refused and nothing is saved
    #[arg(long)]
    pub allow_partial: bool,
}

/// Runs `fitbit health …`. `token_file` is the Google token file, resolved
/// by the caller; `units` is `--units`, for `fitbit health legacy`.
pub async fn run(
    args: HealthArgs,
    token_file: PathBuf,
    units: Option<fitbit_api::UnitSystem>,
) -> Result<(), CliError> {
    let context = HealthContext::new(token_file, args.options)?;
    match args.command {
        HealthCommand::Login(login) => login::run(&context, login).await,
        HealthCommand::Token(command) => {
            let file = TokenFile { path: &context.token_file, sign_in: &GOOGLE };
            run_on(&file, command, || context.session()).await
        }
        HealthCommand::Identity => profile::identity(&context).await,
        HealthCommand::Profile => profile::profile(&context).await,
        HealthCommand::Settings => profile::settings(&context).await,
        HealthCommand::Devices { command } => {
            profile::devices(&context, command.unwrap_or(DevicesCommand::List)).await
        }
        HealthCommand::Points(command) => points::run(&context, command).await,
        HealthCommand::Export(args) => export::run(&context, args).await,
        HealthCommand::Subscribers(args) => subscribers::run_subscribers(&context, args).await,
        HealthCommand::Subscriptions(args) => subscribers::run_subscriptions(&context, args).await,
        HealthCommand::Webhook(command) => webhook::run(command).await,
        HealthCommand::Legacy(command) => legacy::run(&context, command, units).await,
    }
}

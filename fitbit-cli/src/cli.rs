//! The command line: global options, the built-in commands, and help texts.
//!
//! The API commands (one per API area) are added at run time from
//! `api_commands::commands()`, so the built-in commands are a derived
//! [`Builtin`] enum parsed from the same matches.

use std::path::PathBuf;

use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};
use fitbit_api::UnitSystem;
use fitbit_auth::ClientSecret;
use url::Url;

use crate::config::{DEFAULT_AUTHORIZE_URL, DEFAULT_TIMEOUT_SECS};

/// The heading of the options only the legacy Fitbit Web API commands read.
const LEGACY: &str = "Legacy Fitbit Web API options";

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure (for example a busy port, a sign-in time-out, a token-file or network setup problem, nothing
     found, a conflict)
  2  usage: wrong or missing arguments (also when Fitbit or Google refuses an argument's value)
  3  sign-in required: not signed in, consent denied or partial, the refresh token was refused, a scope is
     missing, or the Google account holds no Fitbit data
  4  rate limited: the hourly quota is spent (with --fail-fast, or when the reset is too far away)
  5  temporary failure: Fitbit's servers or the network; retry later
  6  retired: Fitbit answered 410 Gone; the legacy Web API is shut down (the error names what replaces the
     call; `fitbit migrate OPERATION` shows it in full)
  7  bad answer: the server's answer could not be used (not the documented shape, or a redirect, which is
     not followed); retry later, and report it if it repeats
  8  outcome unknown: a write was sent but no answer came back; it may have been made: check before running
     the command again

Logging:
  Warnings go to stderr. -v shows what the tool does (info), -vv debug, -vvv trace; RUST_LOG (for example
  `RUST_LOG=fitbit_auth=debug,warn`) chooses instead. Tokens and secrets are never logged.

Environment:
  FITBIT_TOKEN_FILE, FITBIT_API_URL, FITBIT_AUTHORIZE_URL, FITBIT_UNITS stand in for the global options;
  FITBIT_CLIENT_ID, FITBIT_CLIENT_SECRET and FITBIT_REDIRECT_URI for the options of `fitbit login`.
  FITBIT_CLIENT_SECRET also supplies the secret to the other commands when the token file has none.
  FITBIT_VERIFICATION_CODE stands in for `fitbit webhook serve --verification-code`.
  `fitbit health`: FITBIT_HEALTH_TOKEN_FILE (default <user config dir>/fitbit/google-credentials.json;
  --token-file on the command line wins), FITBIT_GOOGLE_CLIENT_ID, FITBIT_GOOGLE_CLIENT_SECRET,
  FITBIT_GOOGLE_REDIRECT_URI, and for stand-ins FITBIT_HEALTH_API_URL, FITBIT_GOOGLE_AUTHORIZE_URL,
  FITBIT_GOOGLE_TOKEN_URL, FITBIT_GOOGLE_REVOKE_URL.";

/// `fitbit`: sign in to the Fitbit Web API and call it.
#[derive(Debug, Parser)]
#[command(
    name = "fitbit",
    version,
    about = "Sign in to the Fitbit Web API, keep the tokens fresh, and call it",
    long_about = "Sign in to the Fitbit Web API, keep the tokens fresh, and call it.\n\n\
        Start with `fitbit login --client-id <ID>` (the app's OAuth 2.0 client id from dev.fitbit.com; \
        its redirect URI must be a loopback address such as http://127.0.0.1:8080/). The tokens are \
        kept in the token file (mode 0600) and refreshed as needed; every other command uses them.",
    after_long_help = EXIT_CODES,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Builtin,
}

/// Options every command takes, before or after the command name.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    #[arg(
        long,
        global = true,
        env = "FITBIT_TOKEN_FILE",
        value_name = "PATH",
        help = "The token file [default: <user config dir>/fitbit/credentials.json; for `fitbit health`, \
                FITBIT_HEALTH_TOKEN_FILE or <user config dir>/fitbit/google-credentials.json]"
    )]
    pub token_file: Option<PathBuf>,

    /// The API's base URL; also serves /oauth2/token, /oauth2/revoke and /1.1/oauth2/introspect
    #[arg(long, global = true, env = "FITBIT_API_URL", value_name = "URL", default_value = fitbit_api::DEFAULT_BASE_URL, help_heading = LEGACY)]
    pub api_url: Url,

    /// The consent page the browser is sent to
    #[arg(
        long,
        global = true,
        env = "FITBIT_AUTHORIZE_URL",
        value_name = "URL",
        default_value = DEFAULT_AUTHORIZE_URL,
        help_heading = LEGACY
    )]
    pub authorize_url: Url,

    /// Unit system of the answers and of the values sent (the Accept-Language header):
    /// metric, en_US or en_GB [default: Fitbit's, metric]
    #[arg(long, global = true, env = "FITBIT_UNITS", value_name = "UNITS", value_parser = parse_units, help_heading = LEGACY)]
    pub units: Option<UnitSystem>,

    /// Fail at once (exit 4) when the hourly rate limit is spent, instead of waiting for the reset
    #[arg(long, global = true, help_heading = LEGACY)]
    pub fail_fast: bool,

    /// Log more on stderr: -v what the tool does, -vv debug, -vvv trace (RUST_LOG, when set, decides
    /// instead); tokens and secrets are never logged
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

fn parse_units(value: &str) -> Result<UnitSystem, String> {
    match value {
        "metric" | "METRIC" => Ok(UnitSystem::Metric),
        "en_US" | "en-US" | "us" | "US" => Ok(UnitSystem::Us),
        "en_GB" | "en-GB" | "uk" | "UK" | "gb" | "GB" => Ok(UnitSystem::Uk),
        _ => Err("expected `metric`, `en_US` or `en_GB`".into()),
    }
}

/// The commands implemented here (the API areas come from `api_commands`).
#[derive(Debug, Subcommand)]
pub enum Builtin {
    /// Sign in with the browser (OAuth 2.0 + PKCE) and save the tokens
    #[command(long_about = "Sign in with the browser (OAuth 2.0 authorization code + PKCE) and save \
        the tokens.\n\nServes the redirect URI on this machine, sends the browser to Fitbit's consent \
        page (or, with --no-browser, prints the consent page's URL alone on stdout), waits for the \
        redirect, exchanges the code and writes the tokens, the client id, the client secret (if any) \
        and the redirect URI to the token file (mode 0600). Nothing is written when the sign-in fails.")]
    Login(LoginArgs),

    /// Show, refresh or revoke the stored tokens
    #[command(subcommand)]
    Token(TokenCommand),

    /// Print the signed-in user's profile as JSON (GET /1/user/-/profile.json)
    Profile,

    /// Receive Fitbit's webhook notifications locally (subscriber verification and signatures)
    #[command(subcommand)]
    Webhook(WebhookCommand),

    /// The Google Health API (where Fitbit data lives now): Google sign-in, profile, devices, data points
    Health(Box<crate::health::HealthArgs>),

    /// What replaces each legacy Web API operation in the Google Health API (the migration map)
    #[command(long_about = "What replaces each legacy Web API operation in the Google Health API.\n\n\
        Without OPERATION: every operation, one line each (coverage and what to use instead). With an \
        operationId (get_sleep_log_by_date) or a command name (sleep get-sleep-log-by-date): its Google \
        Health API methods, data types, the filter or rollup, the scopes to request, the `fitbit health` \
        command, and where each legacy field comes from. --json prints the same as JSON. Needs no \
        sign-in; the map is MIGRATION.md in the repository.")]
    Migrate(MigrateArgs),
}

/// `fitbit migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// A legacy operationId or command name (`sleep get-sleep-log-by-date`; quote the space) [default: all]
    #[arg(value_name = "OPERATION")]
    pub operation: Option<String>,

    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `fitbit login`. The secret is a [`ClientSecret`], so that `Debug` (a
/// log, a panic message) prints `[redacted]` in its place.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The app's OAuth 2.0 client id [default: the one in the token file]
    #[arg(long, env = "FITBIT_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// The app's client secret, for server and personal apps (prefer FITBIT_CLIENT_SECRET: command
    /// lines are visible to other users); it is kept in the token file, never printed
    #[arg(long, env = "FITBIT_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub client_secret: Option<ClientSecret>,

    /// Scopes to ask for, space- or comma-separated, or the option repeated [default: all 15 scopes]
    #[arg(long = "scope", value_name = "SCOPES")]
    pub scopes: Vec<String>,

    #[arg(
        long,
        env = "FITBIT_REDIRECT_URI",
        value_name = "URI",
        help = "The redirect URI registered for the app, exactly as registered; it must be http:// on \
                127.0.0.1, [::1] or localhost [default: the one in the token file, else http://127.0.0.1:8080/]"
    )]
    pub redirect_uri: Option<String>,

    /// Do not open a browser: print the consent page's URL (alone, on stdout) and wait
    #[arg(long)]
    pub no_browser: bool,

    /// Give up when the browser has not come back after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS)]
    pub timeout: u64,

    /// Ask Fitbit to show the login and/or consent page even when it could skip them
    #[arg(long, value_enum, value_name = "PROMPT")]
    pub prompt: Option<PromptArg>,
}

/// `--prompt` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PromptArg {
    /// Show neither page; fail when the user must act
    None,
    /// Always show the consent page
    Consent,
    /// Always ask the user to log in
    Login,
    /// Ask to log in, then show the consent page
    LoginConsent,
}

impl From<PromptArg> for fitbit_auth::Prompt {
    fn from(prompt: PromptArg) -> Self {
        match prompt {
            PromptArg::None => Self::None,
            PromptArg::Consent => Self::Consent,
            PromptArg::Login => Self::Login,
            PromptArg::LoginConsent => Self::LoginConsent,
        }
    }
}

/// `fitbit token …`.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Show the user, the scopes granted and the expiry (never a token or secret)
    Status,
    /// Refresh the access token now and save the new pair
    Refresh,
    /// Revoke the grant at Fitbit and delete the tokens (the client settings stay)
    Revoke,
}

/// `fitbit webhook …`.
#[derive(Debug, Clone, Subcommand)]
pub enum WebhookCommand {
    /// Run a subscriber endpoint on this machine; print verified notifications as JSON lines
    #[command(long_about = "Run a subscriber endpoint on this machine, for development.\n\n\
        Answers Fitbit's verification GETs (204 for ?verify=<the verification code>, 404 otherwise), \
        checks X-Fitbit-Signature on every POST against the app's client secret (from the token file, \
        else FITBIT_CLIENT_SECRET), answers 204 and prints each verified notification on stdout as one \
        JSON line. Refused requests (wrong code, missing or wrong signature, malformed or oversized \
        body) are answered 404, 400 or 413, logged on stderr, and never printed. Every path is \
        answered. Runs until Ctrl-C.")]
    Serve(WebhookServeArgs),
}

/// `fitbit webhook serve`.
#[derive(Debug, Clone, Args)]
pub struct WebhookServeArgs {
    /// The port to listen on (0 picks a free one; the address is printed on stderr)
    #[arg(long, value_name = "PORT")]
    pub port: u16,

    /// The address to listen on
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,

    /// The subscriber verification code shown on dev.fitbit.com
    #[arg(long, env = "FITBIT_VERIFICATION_CODE", hide_env_values = true, value_name = "CODE")]
    pub verification_code: String,

    /// The largest notification body accepted, in bytes; larger ones get 413
    #[arg(long, value_name = "BYTES", default_value_t = fitbit_webhooks::receiver::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
}

/// The whole command line: the derived commands plus `extra` subcommands
/// (the API areas).
pub fn command(extra: impl IntoIterator<Item = clap::Command>) -> clap::Command {
    Cli::command().subcommands(extra)
}

/// Whether `name` is one of the built-in commands.
pub fn is_builtin(name: &str) -> bool {
    Builtin::has_subcommand(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        // The API areas included: their options must not clash with the global ones.
        let command = command(crate::api_commands::commands());
        command.clone().debug_assert();
        let names: Vec<_> = command.get_subcommands().map(|c| c.get_name().to_string()).collect();
        for builtin in ["login", "token", "profile", "webhook", "health", "migrate"] {
            assert_eq!(names.iter().filter(|n| *n == builtin).count(), 1, "{builtin} is one command");
        }
        assert!(names.iter().any(|n| n == "heart-rate-intraday"), "{names:?}");
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        use clap::FromArgMatches as _;
        for args in [
            &["fitbit", "--token-file", "/tmp/t.json", "--units", "en_GB", "profile"][..],
            &["fitbit", "profile", "--token-file", "/tmp/t.json", "--units", "en_GB"],
        ] {
            let matches = command([]).try_get_matches_from(args).unwrap();
            let global = GlobalArgs::from_arg_matches(&matches).unwrap();
            assert_eq!(global.token_file, Some(PathBuf::from("/tmp/t.json")));
            assert_eq!(global.units, Some(UnitSystem::Uk));
            assert_eq!(global.api_url.as_str(), "https://api.fitbit.com/");
            assert!(matches!(Builtin::from_arg_matches(&matches).unwrap(), Builtin::Profile));
        }
    }

    #[test]
    fn debug_output_of_the_login_commands_never_shows_the_client_secret() {
        use clap::FromArgMatches as _;
        for args in [
            &["fitbit", "login", "--client-id", "23ABCD", "--client-secret", "s3cret-value"][..],
            &["fitbit", "health", "login", "--client-id", "23ABCD", "--client-secret", "s3cret-value"],
        ] {
            let matches = command([]).try_get_matches_from(args).unwrap();
            let builtin = Builtin::from_arg_matches(&matches).unwrap();
            let secret = match &builtin {
                Builtin::Login(login) => login.client_secret.as_ref(),
                Builtin::Health(health) => match &health.command {
                    crate::health::HealthCommand::Login(login) => login.client_secret.as_ref(),
                    other => panic!("{args:?}: {other:?}"),
                },
                other => panic!("{args:?}: {other:?}"),
            };
            assert_eq!(secret.map(|s| s.secret()), Some("s3cret-value"), "{args:?}");
            let printed = format!("{builtin:?}");
            assert!(!printed.contains("s3cret-value"), "{printed}");
            assert!(printed.contains("23ABCD") && printed.contains("[redacted]"), "{printed}");
        }
    }

    #[test]
    fn scopes_may_repeat() {
        use clap::FromArgMatches as _;
        let matches = command([])
            .try_get_matches_from(["fitbit", "login", "--client-id", "X", "--scope", "a b", "--scope", "c"])
            .unwrap();
        let Builtin::Login(args) = Builtin::from_arg_matches(&matches).unwrap() else { panic!() };
        assert_eq!(args.scopes, ["a b", "c"]);
        assert_eq!(args.timeout, DEFAULT_TIMEOUT_SECS);
    }
}

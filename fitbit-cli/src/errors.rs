//! What a failed command prints on stderr, and its exit code.
//!
//! Exit codes (also in `fitbit --help`):
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | any other failure (busy port, time-out, token file, network setup) |
//! | 2 | usage (clap, and arguments clap cannot check) |
//! | 3 | sign-in required (not signed in, consent denied, refused tokens, missing scope, bad client) |
//! | 4 | rate limited |
//! | 5 | temporary failure: retry later |
//! | 6 | retired endpoint (HTTP 410 Gone) |

use std::fmt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use fitbit_auth::{Action, AuthorizationError, Error};

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

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fitbit: error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nfitbit: what to do: {hint}")?;
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
    /// An SDK error, with a hint that names `sign_in`'s commands.
    pub fn from_sdk(err: Error, sign_in: &SignIn) -> Self {
        let exit = exit_for(&err);
        let hint = hint_for(&err, sign_in);
        CliError { message: err.to_string(), hint, exit }
    }
}

/// The exit code of an SDK error, by class.
pub fn exit_for(err: &Error) -> Exit {
    match err {
        Error::SignInRequired { .. }
        | Error::TokenExpired(_)
        | Error::MissingScope { .. }
        | Error::InvalidClient(_)
        | Error::PartialConsent { .. }
        | Error::AccountNotLinked(_)
        | Error::Authorization(_) => Exit::SignIn,
        Error::RateLimited { .. } => Exit::RateLimited,
        Error::Transient { .. } => Exit::Transient,
        Error::Retired { .. } => Exit::Retired,
        Error::InvalidRequest(_) => Exit::Usage,
        _ => Exit::Failure,
    }
}

/// What to do, from [`Error::action`].
pub fn hint_for(err: &Error, sign_in: &SignIn) -> Option<String> {
    let SignIn { login, console, server } = sign_in;
    if let Error::Authorization(reason) = err {
        return Some(match reason {
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
        });
    }
    if let Error::Store(_) = err {
        return Some("check the token file (--token-file / FITBIT_TOKEN_FILE) and its directory".into());
    }
    Some(match err.action() {
        Action::RefreshAndRetry => "run the command again; the access token is refreshed first".into(),
        Action::SignInAgain => format!("run `{login}` again"),
        Action::RequestScope(Some(scope)) => {
            format!(
                "run `{login}` again and grant `{scope}` on the consent page (asking for it with --scope)"
            )
        }
        Action::RequestScope(None) => format!("run `{login}` again and grant the scope this call needs"),
        Action::WaitAndRetry(Some(reset)) => format!(
            "wait {} for the hourly quota to reset (around {}), then retry",
            human_duration(reset),
            (chrono::Local::now() + chrono::Duration::from_std(reset).unwrap_or_default()).format("%H:%M")
        ),
        Action::WaitAndRetry(None) => "wait for the hourly quota to reset, then retry".into(),
        Action::RetryLater => "retry later".into(),
        Action::FixRequest => "check the command's arguments (see `--help`)".into(),
        Action::CheckClientCredentials => {
            format!(
                "check the app's client id and secret on {console}, then run `{login} --client-id <ID>` again"
            )
        }
        Action::LinkHealthAccount => format!(
            "the Google account has no Fitbit data: move the Fitbit account to Google in the Fitbit app \
             (or sign in with the Google account that holds it), then run `{login}` again"
        ),
        Action::EnableApi => {
            "enable the Google Health API for the app's Cloud project (Google Cloud console → \
                              APIs & Services → Library), then retry"
                .into()
        }
        Action::MigrateToGoogleHealthApi => match err.replacement() {
            Some(replacement) => format!(
                "this call is retired; {} (`fitbit migrate {}` has the details)",
                replacement.advice(),
                replacement.operation
            ),
            None => "move to the Google Health API (https://developers.google.com/health); \
                     this endpoint will not come back; `fitbit migrate` says what replaces each call"
                .into(),
        },
        _ => return None,
    })
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

    #[test]
    fn classes_map_to_exit_codes() {
        let invalid_grant = r#"{"errors":[{"errorType":"invalid_grant","message":"Refresh token invalid"}]}"#;
        assert_eq!(exit_for(&api_error(400, invalid_grant)), Exit::SignIn);
        assert_eq!(exit_for(&api_error(429, "")), Exit::RateLimited);
        assert_eq!(exit_for(&api_error(503, "")), Exit::Transient);
        assert_eq!(exit_for(&api_error(410, "")), Exit::Retired);
        assert_eq!(exit_for(&api_error(404, "")), Exit::Failure);
        assert_eq!(exit_for(&Error::Authorization(AuthorizationError::StateMismatch)), Exit::SignIn);
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

//! `fitbit login`: the authorization-code flow with PKCE on a loopback
//! redirect.
//!
//! Order matters: the listener is bound before the browser is sent anywhere
//! (a busy port fails at once), and the token file is written only after
//! the code was exchanged (a failed sign-in leaves no file behind).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use fitbit_auth::{
    ClientConfig, OAuthClient, PendingAuthorization, Scope, Scopes, TokenSet, TokenStore as _,
    TokenStoreExt as _,
};

use crate::cli::LoginArgs;
use crate::config::{DEFAULT_REDIRECT_URI, Settings};
use crate::errors::CliError;
use crate::loopback::{CallbackServer, Page, RedirectTarget};
use crate::output::terminal_safe;

pub async fn run(settings: &Settings, args: LoginArgs) -> Result<(), CliError> {
    let store = settings.store();
    let stored = store.load().await?.client;
    let client = client_config(&args, stored)?;
    let scopes = parse_scopes(&args.scopes)?;
    let redirect_uri = client.redirect_uri.clone().expect("client_config sets it");
    let target = RedirectTarget::parse(&redirect_uri)?;

    let oauth = client.oauth_client_builder().endpoints(settings.endpoints()?).build()?;
    let mut request = oauth.authorization_request().scopes(scopes.iter());
    if let Some(prompt) = args.prompt {
        request = request.prompt(prompt.into());
    }
    let pending = request.build()?;

    let mut server = CallbackServer::bind(&target).await?;
    show_url(&pending, args.no_browser)?;
    eprintln!(
        "Waiting for the browser to come back to {redirect_uri} (up to {} s; Ctrl-C to stop)…",
        args.timeout
    );

    let Some(callback) = server.next_callback(Duration::from_secs(args.timeout)).await else {
        return Err(CliError::failure(format!(
            "timed out after {} s waiting for the browser to come back from Fitbit; nothing was saved",
            args.timeout
        ))
        .with_hint("run `fitbit login` again and finish the consent page sooner (or raise --timeout)"));
    };

    let tokens = match exchange(&oauth, &pending, &callback.target).await {
        Ok(tokens) => tokens,
        Err(err) => {
            callback.respond(Page::failed(&first_clause(&err.to_string()))).await;
            return Err(err.into());
        }
    };
    let saved = store
        .update(|record| {
            record.client = Some(client.clone());
            record.token = Some(tokens.clone());
        })
        .await;
    if let Err(err) = saved {
        callback.respond(Page::failed("the tokens could not be saved")).await;
        return Err(err.into());
    }
    let user = tokens.user_id.as_deref().unwrap_or("the Fitbit user");
    callback.respond(Page::signed_in(user)).await;

    eprintln!(
        "Signed in as {}; the tokens are saved in {}.",
        terminal_safe(user),
        settings.token_file.display()
    );
    if tokens.scopes.is_empty() {
        eprintln!("Fitbit did not say which scopes it granted.");
    } else {
        eprintln!("Scopes granted: {}", terminal_safe(&tokens.scopes.to_string()));
        let missing = tokens.scopes.missing(&scopes);
        if !missing.is_empty() {
            let names: Vec<_> = missing.iter().map(|s| s.as_str()).collect();
            eprintln!("Not granted (calls that need them will fail): {}", names.join(" "));
        }
    }
    Ok(())
}

/// Client id, secret and redirect URI from the options and environment,
/// falling back to what the token file holds. The stored secret is reused
/// only for the same client id.
fn client_config(args: &LoginArgs, stored: Option<ClientConfig>) -> Result<ClientConfig, CliError> {
    let given_id = args.client_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    let client_id = match (given_id, &stored) {
        (Some(id), _) => id.to_string(),
        (None, Some(stored)) => stored.client_id.clone(),
        (None, None) => {
            return Err(CliError::usage("no client id: pass --client-id or set FITBIT_CLIENT_ID").with_hint(
                "find the OAuth 2.0 client id of your app on dev.fitbit.com (Manage > View Registered Apps)",
            ));
        }
    };
    let same_app = stored.as_ref().filter(|stored| stored.client_id == client_id);
    let client_secret = match args.client_secret.as_ref().filter(|s| !s.secret().is_empty()) {
        Some(secret) => Some(secret.clone()),
        None => same_app.and_then(|stored| stored.client_secret.clone()),
    };
    let redirect_uri = args
        .redirect_uri
        .clone()
        .or_else(|| same_app.and_then(|stored| stored.redirect_uri.clone()))
        .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_string());
    Ok(ClientConfig { client_id, client_secret, redirect_uri: Some(redirect_uri) })
}

/// `--scope` values: names separated by spaces or commas, the option
/// repeated; none means every scope.
pub fn parse_scopes(values: &[String]) -> Result<Scopes, CliError> {
    let mut scopes = Scopes::new();
    for name in values.iter().flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ',')) {
        if name.is_empty() {
            continue;
        }
        let scope = name.parse::<Scope>().map_err(|err| {
            let known: Vec<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            CliError::usage(format!("{err}; the scopes are: {}", known.join(" ")))
        })?;
        scopes.insert(scope);
    }
    Ok(if scopes.is_empty() { Scopes::all() } else { scopes })
}

/// Checks the callback and exchanges its code.
async fn exchange(
    oauth: &OAuthClient,
    pending: &PendingAuthorization,
    target: &str,
) -> Result<TokenSet, fitbit_auth::Error> {
    let code = pending.parse_callback(target)?;
    oauth.exchange_code(pending, &code).await
}

/// `--no-browser`: the URL alone on stdout. Otherwise the browser, with the
/// URL on stderr in case it does not open (and on stdout if no browser
/// could be started at all).
pub(crate) fn show_url(pending: &PendingAuthorization, no_browser: bool) -> Result<(), CliError> {
    let url = pending.url().as_str();
    if !no_browser {
        match open_browser(url) {
            Ok(()) => {
                eprintln!("Opened the consent page in your browser. If it did not open, visit:\n  {url}");
                return Ok(());
            }
            Err(reason) => eprintln!("Could not open a browser ({reason}); open this URL yourself:"),
        }
    } else {
        eprintln!("Open this URL in a browser on this machine:");
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{url}")
        .and_then(|()| stdout.flush())
        .map_err(|err| CliError::failure(format!("could not write to stdout: {err}")))
}

/// Starts the system's URL opener (or `$BROWSER`) without waiting for it.
fn open_browser(url: &str) -> Result<(), String> {
    let mut command = if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let mut command = Command::new(browser);
        command.arg(url);
        command
    } else if cfg!(target_os = "macos") {
        let mut command = Command::new("open");
        command.arg(url);
        command
    } else if cfg!(windows) {
        // `start` would need cmd's quoting of `&`; the URL handler takes it as is.
        let mut command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler").arg(url);
        command
    } else {
        let mut command = Command::new("xdg-open");
        command.arg(url);
        command
    };
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command.spawn().map_err(|err| format!("`{program}`: {err}"))?;
    // `xdg-open` and `open` return at once; reap them without blocking.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The part of an error message before any parenthesised server detail.
pub(crate) fn first_clause(message: &str) -> String {
    let mut text = message.split(" (").next().unwrap_or(message).trim().to_string();
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
}

#[cfg(test)]
mod tests {
    use fitbit_auth::ClientSecret;

    use super::*;

    fn args(client_id: Option<&str>, secret: Option<&str>, redirect: Option<&str>) -> LoginArgs {
        LoginArgs {
            client_id: client_id.map(Into::into),
            client_secret: secret.map(Into::into),
            scopes: vec![],
            redirect_uri: redirect.map(Into::into),
            no_browser: true,
            timeout: 1,
            prompt: None,
        }
    }

    #[test]
    fn scopes_parse_from_lists_and_repeats_and_default_to_all() {
        let scopes = parse_scopes(&["activity heartrate".into(), "sleep,weight".into()]).unwrap();
        assert_eq!(scopes.to_string(), "activity heartrate sleep weight");
        assert_eq!(parse_scopes(&[]).unwrap(), Scopes::all());
        assert_eq!(parse_scopes(&[" ".into()]).unwrap(), Scopes::all());
        let err = parse_scopes(&["activity irn".into()]).unwrap_err();
        assert_eq!(err.exit, crate::errors::Exit::Usage);
        assert!(err.message.contains("`irn`") && err.message.contains("irregular_rhythm_notifications"));
    }

    #[test]
    fn client_settings_fall_back_to_the_token_file_for_the_same_app_only() {
        let stored = ClientConfig {
            client_id: "AAA".into(),
            client_secret: Some(ClientSecret::new("s3cret")),
            redirect_uri: Some("http://127.0.0.1:9999/cb".into()),
        };
        let same = client_config(&args(None, None, None), Some(stored.clone())).unwrap();
        assert_eq!(same, stored);
        let other = client_config(&args(Some("BBB"), None, None), Some(stored.clone())).unwrap();
        assert_eq!(other.client_secret, None);
        assert_eq!(other.redirect_uri.as_deref(), Some(DEFAULT_REDIRECT_URI));
        let given = client_config(&args(Some("AAA"), Some("new"), Some("http://localhost:1/")), Some(stored))
            .unwrap();
        assert_eq!(given.client_secret, Some(ClientSecret::new("new")));
        assert_eq!(given.redirect_uri.as_deref(), Some("http://localhost:1/"));
        assert_eq!(
            client_config(&args(None, None, None), None).unwrap_err().exit,
            crate::errors::Exit::Usage
        );
    }

    #[test]
    fn debug_output_never_shows_the_client_secret() {
        let printed = format!("{:?}", args(Some("23ABCD"), Some("s3cret-value"), None));
        assert!(!printed.contains("s3cret-value"), "{printed}");
        assert!(printed.contains("23ABCD") && printed.contains("[redacted]"), "{printed}");
    }

    #[test]
    fn browser_pages_get_the_first_clause_of_an_error() {
        assert_eq!(
            first_clause("authorization failed: the user denied access"),
            "Authorization failed: the user denied access"
        );
        assert_eq!(first_clause("invalid request (HTTP 400 invalid_grant: x)"), "Invalid request");
    }
}

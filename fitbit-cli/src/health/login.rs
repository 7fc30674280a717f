//! `fitbit health login`: Google's authorization-code flow with PKCE.
//!
//! As for `fitbit login`, the listener is bound before the browser is sent
//! anywhere, and the token file is written only after the code was
//! exchanged and the grant checked.

use std::time::Duration;

use fitbit_auth::{
    ClientConfig, GoogleScope, OAuthClient, PendingAuthorization, Provider, Scopes, TokenSet,
    TokenStoreExt as _,
};
use tokio::io::AsyncBufReadExt as _;

use super::{HealthContext, LoginArgs};
use crate::errors::CliError;
use crate::login::{first_clause, show_url};
use crate::loopback::{CallbackServer, Page, RedirectTarget};

pub async fn run(context: &HealthContext, args: LoginArgs) -> Result<(), CliError> {
    let stored = context.record().await?.client;
    let client = client_config(&args, stored)?;
    let scopes = parse_scopes(&args.scopes)?;

    // Where the browser comes back: a free loopback port (Desktop client),
    // the given loopback URI, or (any other URI) the address pasted here.
    let (mut server, redirect_uri) = match &client.redirect_uri {
        None => {
            let server = CallbackServer::bind_free_port("/").await?;
            let uri = format!("http://127.0.0.1:{}", server.port());
            (Some(server), uri)
        }
        Some(uri) if is_loopback(uri) => {
            (Some(CallbackServer::bind(&RedirectTarget::parse(uri)?).await?), uri.clone())
        }
        Some(uri) => (None, uri.clone()),
    };

    let oauth = OAuthClient::google(&client.client_id)
        .maybe_client_secret(client.client_secret.clone())
        .redirect_uri(&redirect_uri)
        .endpoints(context.endpoints())
        .allow_partial_consent(args.allow_partial)
        .build()
        .map_err(HealthContext::error)?;
    let pending =
        oauth.authorization_request().scopes(scopes.google()).build().map_err(HealthContext::error)?;

    show_url(&pending, args.no_browser)?;
    let timeout = Duration::from_secs(args.timeout);
    let tokens = match server.as_mut() {
        Some(server) => {
            eprintln!(
                "Waiting for the browser to come back to {redirect_uri} (up to {} s; Ctrl-C to stop)…",
                args.timeout
            );
            let Some(callback) = server.next_callback(timeout).await else {
                return Err(timed_out(args.timeout));
            };
            match exchange(&oauth, &pending, &callback.target).await {
                Ok(tokens) => {
                    callback.respond(Page::signed_in("your Google account")).await;
                    tokens
                }
                Err(err) => {
                    callback.respond(Page::failed(&first_clause(&err.to_string()))).await;
                    return Err(HealthContext::error(err));
                }
            }
        }
        None => {
            eprintln!("After allowing access, paste the address the browser was sent to, then press Enter:");
            let pasted = read_line(timeout).await?.ok_or_else(|| timed_out(args.timeout))?;
            exchange(&oauth, &pending, pasted.trim()).await.map_err(HealthContext::error)?
        }
    };

    context
        .store()
        .update(|record| {
            record.provider = Some(Provider::Google);
            record.client = Some(client.clone());
            record.token = Some(tokens.clone());
        })
        .await
        .map_err(HealthContext::error)?;

    eprintln!("Signed in with Google; the tokens are saved in {}.", context.token_file.display());
    eprintln!("Scopes granted: {}", crate::output::terminal_safe(&tokens.scopes.to_string()));
    let missing = tokens.scopes.missing_names(&scopes);
    if !missing.is_empty() {
        eprintln!(
            "Not granted (calls that need them will fail): {}",
            crate::output::terminal_safe(&missing.join(" "))
        );
    }
    if tokens.refresh_token.is_none() {
        eprintln!("Google sent no refresh token: this sign-in lasts until the access token expires.");
    }
    if let Some(until) = tokens.refresh_token_expires_at {
        eprintln!(
            "The refresh token expires {} (apps whose consent screen is in Testing get 7 days; publish \
             the app to keep users signed in).",
            until.format("%Y-%m-%d %H:%M UTC")
        );
    }
    Ok(())
}

fn timed_out(secs: u64) -> CliError {
    CliError::failure(format!(
        "timed out after {secs} s waiting for the browser to come back from Google; nothing was saved"
    ))
    .with_hint("run `fitbit health login` again and finish the consent page sooner (or raise --timeout)")
}

fn is_loopback(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|url| {
        url.scheme() == "http"
            && match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
                None => false,
            }
    })
}

/// One line from stdin, or `None` at its end or after `timeout`.
async fn read_line(timeout: Duration) -> Result<Option<String>, CliError> {
    let mut line = String::new();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    match tokio::time::timeout(timeout, stdin.read_line(&mut line)).await {
        Err(_) | Ok(Ok(0)) => Ok(None),
        Ok(Ok(_)) => Ok(Some(line)),
        Ok(Err(err)) => Err(CliError::failure(format!("could not read the pasted address: {err}"))),
    }
}

/// Client id, secret and redirect URI from the options and environment,
/// falling back to what the token file holds for the same client id.
fn client_config(args: &LoginArgs, stored: Option<ClientConfig>) -> Result<ClientConfig, CliError> {
    let given_id = args.client_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    let client_id = match (given_id, &stored) {
        (Some(id), _) => id.to_string(),
        (None, Some(stored)) => stored.client_id.clone(),
        (None, None) => {
            return Err(CliError::usage("no client id: pass --client-id or set FITBIT_GOOGLE_CLIENT_ID")
                .with_hint(
                    "create an OAuth client (type Desktop app) for your Google Cloud project with the Google \
                 Health API enabled: console.cloud.google.com → APIs & Services → Credentials",
                ));
        }
    };
    let same_app = stored.as_ref().filter(|stored| stored.client_id == client_id);
    let client_secret = match args.client_secret.as_ref().filter(|s| !s.secret().is_empty()) {
        Some(secret) => Some(secret.clone()),
        None => same_app.and_then(|stored| stored.client_secret.clone()),
    };
    let redirect_uri =
        args.redirect_uri.clone().or_else(|| same_app.and_then(|stored| stored.redirect_uri.clone()));
    Ok(ClientConfig { client_id, client_secret, redirect_uri })
}

/// `--scope` values: Google Health scope names (short or full), separated by
/// spaces or commas, the option repeated; none means every `.readonly` scope.
fn parse_scopes(values: &[String]) -> Result<Scopes, CliError> {
    let mut scopes = Scopes::new();
    for name in values.iter().flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ',')) {
        if name.is_empty() {
            continue;
        }
        let scope = name.parse::<GoogleScope>().map_err(|_| {
            let known: Vec<_> = GoogleScope::ALL.iter().map(|s| s.short_name()).collect();
            CliError::usage(format!(
                "`{name}` is not a Google Health scope; the scopes are: {}",
                known.join(" ")
            ))
        })?;
        scopes.insert(scope);
    }
    Ok(if scopes.is_empty() { GoogleScope::all_readonly().collect() } else { scopes })
}

/// Checks the callback (or pasted address) and exchanges its code.
async fn exchange(
    oauth: &OAuthClient,
    pending: &PendingAuthorization,
    target: &str,
) -> Result<TokenSet, fitbit_auth::Error> {
    let code = pending.parse_callback(target)?;
    oauth.exchange_code(pending, &code).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_take_short_names_and_urls_and_default_to_reading_everything() {
        let scopes = parse_scopes(&[
            "sleep.readonly,https://www.googleapis.com/auth/googlehealth.profile.readonly".into(),
            "activity_and_fitness.writeonly".into(),
        ])
        .unwrap();
        assert_eq!(
            scopes.google().collect::<Vec<_>>(),
            [
                GoogleScope::ActivityAndFitnessWriteonly,
                GoogleScope::ProfileReadonly,
                GoogleScope::SleepReadonly
            ]
        );
        let all = parse_scopes(&[]).unwrap();
        assert_eq!(all.len(), GoogleScope::all_readonly().count());
        let err = parse_scopes(&["sleep".into()]).unwrap_err();
        assert_eq!(err.exit, crate::errors::Exit::Usage);
        assert!(err.message.contains("sleep.readonly"), "{}", err.message);
    }

    #[test]
    fn only_http_loopback_uris_are_served_here() {
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://localhost:1/cb"));
        assert!(is_loopback("http://[::1]:9/"));
        assert!(!is_loopback("https://127.0.0.1:8080"));
        assert!(!is_loopback("https://app.example.com/oauth/callback"));
    }
}

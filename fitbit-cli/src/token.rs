//! `fitbit token status | refresh | revoke`, and the same for the Google
//! sign-in of `fitbit health token …`.

use std::future::Future;
use std::path::Path;

use chrono::{DateTime, Local, Utc};
use fitbit_auth::{FileStore, Session, TokenSet, TokenStore as _};

use crate::cli::TokenCommand;
use crate::config::Settings;
use crate::errors::{CliError, FITBIT, SignIn, human_duration};
use crate::output::print_line;

/// A token file and whose sign-in it holds.
pub struct TokenFile<'a> {
    pub path: &'a Path,
    pub sign_in: &'a SignIn,
}

impl TokenFile<'_> {
    fn store(&self) -> FileStore {
        FileStore::new(self.path)
    }

    fn not_signed_in(&self) -> CliError {
        CliError::not_signed_in(self.path)
            .with_hint(format!("run `{} --client-id <your app's client id>`", self.sign_in.login))
    }

    fn sdk(&self, err: fitbit_auth::Error) -> CliError {
        CliError::from_sdk(err, self.sign_in)
    }
}

pub async fn run(settings: &Settings, command: TokenCommand) -> Result<(), CliError> {
    let file = TokenFile { path: &settings.token_file, sign_in: &FITBIT };
    run_on(&file, command, || settings.session()).await
}

/// The token commands on `file`, with `session` opening its refreshing session.
pub async fn run_on<F, Fut>(file: &TokenFile<'_>, command: TokenCommand, session: F) -> Result<(), CliError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Session, CliError>>,
{
    match command {
        TokenCommand::Status => status(file).await,
        TokenCommand::Refresh => refresh(file, session().await?).await,
        TokenCommand::Revoke => revoke(file, session).await,
    }
}

/// What the token file says, without a token or the secret.
async fn status(file: &TokenFile<'_>) -> Result<(), CliError> {
    let record = file.store().load().await.map_err(|err| file.sdk(err))?;
    print_line(&format!("Token file:    {}", file.path.display()))?;
    print_line(&format!("Provider:      {}", record.provider().display_name()))?;
    if let Some(client) = &record.client {
        let kind = if client.client_secret.is_some() { "client secret stored" } else { "public client" };
        print_line(&format!("Client id:     {} ({kind})", client.client_id))?;
        if let Some(uri) = &client.redirect_uri {
            print_line(&format!("Redirect URI:  {uri}"))?;
        }
    }
    let Some(tokens) = &record.token else {
        return Err(file.not_signed_in());
    };
    print_line(&format!("User id:       {}", tokens.user_id.as_deref().unwrap_or("(unknown)")))?;
    let scopes = if tokens.scopes.is_empty() {
        format!("(not reported by {})", record.provider().display_name())
    } else {
        tokens.scopes.to_string()
    };
    print_line(&format!("Scopes:        {scopes}"))?;
    print_line(&format!("Expires:       {}", expiry(tokens, Utc::now())))?;
    let refresh = match (&tokens.refresh_token, tokens.refresh_token_expires_at) {
        (Some(_), None) => "stored (the access token is refreshed when needed)".to_string(),
        (Some(_), Some(until)) if until > Utc::now() => format!(
            "stored, valid until {} (in {}; sign in again then)",
            until.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S %:z"),
            human_duration((until - Utc::now()).to_std().unwrap_or_default())
        ),
        (Some(_), Some(_)) => "expired (sign in again)".to_string(),
        (None, _) => "none (sign in again once the access token expires)".to_string(),
    };
    print_line(&format!("Refresh token: {refresh}"))?;
    Ok(())
}

/// `2026-03-01 21:00:00 +01:00 (in 7h 59m)` or `… (expired 3m 10s ago)`.
fn expiry(tokens: &TokenSet, now: DateTime<Utc>) -> String {
    let local = tokens.expires_at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S %:z");
    if tokens.is_expired_at(now) {
        let ago = (now - tokens.expires_at).to_std().unwrap_or_default();
        format!("{local} (expired {} ago; the next call refreshes it)", human_duration(ago))
    } else {
        format!("{local} (in {})", human_duration(tokens.expires_in_at(now)))
    }
}

/// Forces a refresh through the session (under the token file's lock).
async fn refresh(file: &TokenFile<'_>, session: Session) -> Result<(), CliError> {
    let tokens = session.refresh_now().await.map_err(|err| file.sdk(err))?;
    print_line(&format!(
        "Refreshed; the new access token expires {}. Saved in {}.",
        expiry(&tokens, Utc::now()),
        file.path.display()
    ))
}

/// Revokes the grant and removes the tokens, keeping the client settings.
async fn revoke<F, Fut>(file: &TokenFile<'_>, session: F) -> Result<(), CliError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Session, CliError>>,
{
    let record = file.store().load().await.map_err(|err| file.sdk(err))?;
    if record.token.is_none() {
        return print_line(&format!("Not signed in; {} holds no tokens to revoke.", file.path.display()));
    }
    session().await?.sign_out().await.map_err(|err| file.sdk(err))?;
    print_line(&format!(
        "Revoked the grant at {} and removed the tokens from {}; the client settings stay \
         (run `{}` to sign in again).",
        file.sign_in.server,
        file.path.display(),
        file.sign_in.login
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_local_and_relative() {
        let now = Utc::now();
        let body = br#"{"access_token":"a","expires_in":3600,"user_id":"U"}"#;
        let tokens = TokenSet::from_token_response(body, now).unwrap();
        let text = expiry(&tokens, now);
        assert!(text.ends_with("(in 1h 00m)"), "{text}");
        let text = expiry(&tokens, now + chrono::Duration::seconds(3_700));
        assert!(text.contains("(expired 1m 40s ago"), "{text}");
    }
}

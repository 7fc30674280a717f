//! `fitbit token status | refresh | revoke`.

use chrono::{DateTime, Local, Utc};
use fitbit_auth::{TokenSet, TokenStore as _};

use crate::cli::TokenCommand;
use crate::config::Settings;
use crate::errors::{CliError, human_duration};
use crate::output::print_line;

pub async fn run(settings: &Settings, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Status => status(settings).await,
        TokenCommand::Refresh => refresh(settings).await,
        TokenCommand::Revoke => revoke(settings).await,
    }
}

/// What the token file says, without a token or the secret.
async fn status(settings: &Settings) -> Result<(), CliError> {
    let record = settings.store().load().await?;
    print_line(&format!("Token file:    {}", settings.token_file.display()))?;
    if let Some(client) = &record.client {
        let kind = if client.client_secret.is_some() { "client secret stored" } else { "public client" };
        print_line(&format!("Client id:     {} ({kind})", client.client_id))?;
        if let Some(uri) = &client.redirect_uri {
            print_line(&format!("Redirect URI:  {uri}"))?;
        }
    }
    let Some(tokens) = &record.token else {
        return Err(CliError::not_signed_in(&settings.token_file));
    };
    print_line(&format!("User id:       {}", tokens.user_id.as_deref().unwrap_or("(unknown)")))?;
    let scopes =
        if tokens.scopes.is_empty() { "(not reported by Fitbit)".into() } else { tokens.scopes.to_string() };
    print_line(&format!("Scopes:        {scopes}"))?;
    print_line(&format!("Expires:       {}", expiry(tokens, Utc::now())))?;
    let refresh = if tokens.refresh_token.is_some() {
        "stored (the access token is refreshed when needed)"
    } else {
        "none (sign in again once the access token expires)"
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
async fn refresh(settings: &Settings) -> Result<(), CliError> {
    let session = settings.session().await?;
    let tokens = session.refresh_now().await?;
    print_line(&format!(
        "Refreshed; the new access token expires {}. Saved in {}.",
        expiry(&tokens, Utc::now()),
        settings.token_file.display()
    ))
}

/// Revokes the grant and removes the tokens, keeping the client settings.
async fn revoke(settings: &Settings) -> Result<(), CliError> {
    let record = settings.store().load().await?;
    if record.token.is_none() {
        return print_line(&format!(
            "Not signed in; {} holds no tokens to revoke.",
            settings.token_file.display()
        ));
    }
    let session = settings.session().await?;
    session.sign_out().await?;
    print_line(&format!(
        "Revoked the grant at Fitbit and removed the tokens from {}; the client settings stay \
         (run `fitbit login` to sign in again).",
        settings.token_file.display()
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

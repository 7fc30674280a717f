//! The Google token file, the endpoints, and the signed-in client every
//! `fitbit health` command uses.

use std::path::PathBuf;

use fitbit_auth::{Endpoints, FileStore, Provider, Session, StoredCredentials, TokenStore as _};

use super::HealthOptions;
use crate::errors::{CliError, GOOGLE};

/// Read by the other commands when the token file holds no client secret.
pub const GOOGLE_CLIENT_SECRET_ENV: &str = "FITBIT_GOOGLE_CLIENT_SECRET";

/// What every `fitbit health` command needs.
#[derive(Debug, Clone)]
pub struct HealthContext {
    pub token_file: PathBuf,
    pub options: HealthOptions,
}

impl HealthContext {
    pub fn new(token_file: PathBuf, options: HealthOptions) -> Result<Self, CliError> {
        for (name, url) in [
            ("--health-api-url", &options.health_api_url),
            ("--google-authorize-url", &options.google_authorize_url),
            ("--google-token-url", &options.google_token_url),
            ("--google-revoke-url", &options.google_revoke_url),
        ] {
            if !matches!(url.scheme(), "https" | "http") || url.cannot_be_a_base() {
                return Err(CliError::usage(format!("{name} must be an http(s) URL, not `{url}`")));
            }
        }
        Ok(Self { token_file, options })
    }

    pub fn store(&self) -> FileStore {
        FileStore::new(&self.token_file)
    }

    /// Google's OAuth endpoints, as configured.
    pub fn endpoints(&self) -> Endpoints {
        let mut endpoints = Endpoints::google();
        endpoints.authorize = self.options.google_authorize_url.clone();
        endpoints.token = self.options.google_token_url.clone();
        endpoints.revoke = self.options.google_revoke_url.clone();
        endpoints
    }

    /// An SDK error with Google's hints.
    pub fn error(err: fitbit_auth::Error) -> CliError {
        CliError::from_sdk(err, &GOOGLE)
    }

    /// The token file's record, refused when it holds another provider's tokens.
    pub async fn record(&self) -> Result<StoredCredentials, CliError> {
        let record = self.store().load().await.map_err(Self::error)?;
        if record.token.is_some() && record.provider() != Provider::Google {
            return Err(CliError::usage(format!(
                "{} holds {} tokens, not a Google sign-in",
                self.token_file.display(),
                record.provider().display_name()
            ))
            .with_hint(
                "give `fitbit health` its own token file (--token-file or FITBIT_HEALTH_TOKEN_FILE), \
                 or leave both unset to use the default one",
            ));
        }
        Ok(record)
    }

    /// The refreshing session over the Google token file.
    pub async fn session(&self) -> Result<Session, CliError> {
        let record = self.record().await?;
        let (Some(client), Some(_)) = (record.client, record.token) else {
            return Err(CliError::not_signed_in(&self.token_file)
                .with_hint("run `fitbit health login --client-id <your Google OAuth client id>`"));
        };
        let mut builder = client.oauth_client_builder_for(Provider::Google).endpoints(self.endpoints());
        if client.client_secret.is_none()
            && let Some(secret) = std::env::var(GOOGLE_CLIENT_SECRET_ENV).ok().filter(|s| !s.is_empty())
        {
            builder = builder.client_secret(secret);
        }
        Ok(Session::new(builder.build().map_err(Self::error)?, self.store()))
    }

    /// Google's Health API clients on the session.
    pub async fn client(&self) -> Result<fitbit_health::Client, CliError> {
        fitbit_health::Client::builder()
            .session(self.session().await?)
            .endpoint(self.options.health_api_url.as_str())
            .build()
            .await
            .map_err(Self::error)
    }
}

//! Defaults, the token file's place, the OAuth endpoints, and the signed-in
//! session every API command uses.

use std::path::PathBuf;

use fitbit_api::{Client, RateLimitPolicy};
use fitbit_auth::{Endpoints, FileStore, Session, StoredCredentials, TokenStore as _};
use url::Url;

use crate::cli::GlobalArgs;
use crate::errors::CliError;

/// The consent page.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://www.fitbit.com/oauth2/authorize";
/// The redirect URI `fitbit login` serves when none is given or stored.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8080/";
/// How long `fitbit login` waits for the browser by default.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
/// Read by commands other than `login` when the token file holds no secret.
pub const CLIENT_SECRET_ENV: &str = "FITBIT_CLIENT_SECRET";

/// The global options, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_file: PathBuf,
    pub api_url: Url,
    pub authorize_url: Url,
    pub global: GlobalArgs,
}

impl Settings {
    pub fn resolve(global: GlobalArgs) -> Result<Self, CliError> {
        let token_file = match &global.token_file {
            Some(path) => path.clone(),
            None => FileStore::default_path().ok_or_else(|| {
                CliError::usage(
                    "there is no user configuration directory here; \
                     give the token file with --token-file or FITBIT_TOKEN_FILE",
                )
            })?,
        };
        for (name, url) in [("--api-url", &global.api_url), ("--authorize-url", &global.authorize_url)] {
            if !matches!(url.scheme(), "https" | "http") || url.cannot_be_a_base() {
                return Err(CliError::usage(format!("{name} must be an http(s) URL, not `{url}`")));
            }
        }
        Ok(Self {
            token_file,
            api_url: global.api_url.clone(),
            authorize_url: global.authorize_url.clone(),
            global,
        })
    }

    pub fn store(&self) -> FileStore {
        FileStore::new(&self.token_file)
    }

    /// The token, revoke and introspect endpoints under `--api-url`, and the
    /// consent page at `--authorize-url`.
    pub fn endpoints(&self) -> Result<Endpoints, CliError> {
        let mut endpoints = Endpoints::with_base(self.api_url.as_str())?;
        endpoints.authorize = self.authorize_url.clone();
        Ok(endpoints)
    }

    /// Reads the token file, which must hold client settings and tokens.
    pub async fn signed_in_record(&self) -> Result<StoredCredentials, CliError> {
        let record = self.store().load().await?;
        if record.client.is_none() || record.token.is_none() {
            return Err(CliError::not_signed_in(&self.token_file));
        }
        Ok(record)
    }

    /// The refreshing session over the token file.
    pub async fn session(&self) -> Result<Session, CliError> {
        let record = self.signed_in_record().await?;
        let client = record.client.expect("checked by signed_in_record");
        let mut builder = client.oauth_client_builder().endpoints(self.endpoints()?);
        if client.client_secret.is_none()
            && let Some(secret) = std::env::var(CLIENT_SECRET_ENV).ok().filter(|s| !s.is_empty())
        {
            builder = builder.client_secret(secret);
        }
        Ok(Session::new(builder.build()?, self.store()))
    }

    /// The API client: the session as token source, the client's own
    /// rate-limit governor, `--units` and `--fail-fast`.
    pub async fn api_client(&self) -> Result<Client, CliError> {
        let session = self.session().await?;
        let mut builder = Client::builder().authorizer(session).base_url(self.api_url.as_str());
        if let Some(units) = self.global.units {
            builder = builder.accept_language(units);
        }
        if self.global.fail_fast {
            builder = builder.rate_limit_policy(RateLimitPolicy::FailFast);
        }
        Ok(builder.build()?)
    }
}

//! The two authorization servers fitbit-rs signs users in with.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which OAuth 2.0 server a client, a sign-in and a token file belong to.
///
/// The two differ in more than their addresses, and the [`OAuthClient`]
/// follows the provider's rules:
///
/// | | Fitbit | Google |
/// |---|---|---|
/// | client authentication | HTTP Basic (public apps: `client_id` in the body) | `client_id` and `client_secret` in the form body |
/// | refresh tokens | single-use, a new one in every answer | kept: answers normally carry none |
/// | authorize extras | `prompt` only with a redirect URI | `access_type=offline`, `include_granted_scopes=true`, `prompt=consent` |
/// | granted scopes | answers may omit `scope` | checked on every answer (users can untick scopes) |
/// | revoke | `POST /oauth2/revoke`, app authenticated | `POST /revoke` with `token=` only |
///
/// A token file records its provider; files written before this field
/// existed are Fitbit's.
///
/// [`OAuthClient`]: crate::OAuthClient
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Fitbit's own OAuth server (`www.fitbit.com`, `api.fitbit.com`), for
    /// the legacy Fitbit Web API.
    #[default]
    Fitbit,
    /// Google OAuth 2.0 (`accounts.google.com`, `oauth2.googleapis.com`), for
    /// the Google Health API.
    Google,
}

impl Provider {
    /// The name as written in token files: `fitbit` or `google`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Fitbit => "fitbit",
            Provider::Google => "google",
        }
    }

    /// The name for people: `Fitbit` or `Google`.
    pub const fn display_name(self) -> &'static str {
        match self {
            Provider::Fitbit => "Fitbit",
            Provider::Google => "Google",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

//! Project credentials for `projects.*` (webhook subscribers): what Google
//! takes there is a token with the `cloud-platform` scope. The stand-in
//! takes a registered Cloud access token, or a service account's self-signed
//! JWT (what `google-cloud-auth` sends for a service-account key: RS256,
//! `kid` = the key id, `iss` = `sub` = the account's email, a `scope` claim),
//! checked by its claims and expiry; the RSA signature itself is not checked.
//! A user's Google Health token lacks the scope: 403.

use std::time::UNIX_EPOCH;

use base64::Engine as _;
use serde_json::Value;

use super::errors::ApiError;
use super::state::State;

const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// How a project call was authorized.
pub(crate) enum ProjectCaller {
    CloudToken,
    ServiceAccount,
}

fn segment(text: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Checks the bearer of a project call.
pub(crate) fn authenticate(state: &State, token: &str, rpc: &str) -> Result<ProjectCaller, ApiError> {
    if state.config.cloud_access_tokens.iter().any(|known| known == token) {
        return Ok(ProjectCaller::CloudToken);
    }
    let invalid = || {
        ApiError::unauthenticated(
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or \
             other valid authentication credential.",
        )
        .with_header(
            "www-authenticate",
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
        )
    };
    let parts: Vec<&str> = token.split('.').collect();
    if let [header, claims, signature] = parts.as_slice() {
        let (Some(header), Some(claims)) = (segment(header), segment(claims)) else { return Err(invalid()) };
        let account = state.config.service_accounts.iter().find(|account| {
            header["alg"] == "RS256"
                && header["kid"] == account.private_key_id.as_str()
                && claims["iss"] == account.client_email.as_str()
                && claims["sub"] == account.client_email.as_str()
        });
        let now = state.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let live = claims["exp"].as_u64().is_some_and(|exp| exp > now)
            && claims["iat"].as_u64().is_some_and(|iat| iat <= now + 60);
        if account.is_none() || !live || signature.is_empty() {
            return Err(invalid());
        }
        let scoped = claims["scope"].as_str().is_some_and(|s| s.split(' ').any(|s| s == CLOUD_PLATFORM));
        if !scoped {
            return Err(ApiError::permission_denied("Request had insufficient authentication scopes.")
                .with_reason("ACCESS_TOKEN_SCOPE_INSUFFICIENT", &[("method", rpc)]));
        }
        return Ok(ProjectCaller::ServiceAccount);
    }
    if state.check_access(token).is_ok() {
        // A user's sign-in: Google Health scopes only.
        return Err(ApiError::permission_denied("Request had insufficient authentication scopes.")
            .with_reason("ACCESS_TOKEN_SCOPE_INSUFFICIENT", &[("method", rpc)]));
    }
    Err(invalid())
}

//! Building the URL that sends the user's browser to Fitbit's consent page.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::callback::parse_callback;
use crate::error::{AuthorizationError, Error};
use crate::oauth_client::OAuthClient;
use crate::pkce::PkceChallenge;
use crate::scope::{Scope, Scopes};
use crate::secret::{AuthorizationCode, PkceVerifier};
use crate::state::CsrfState;

/// The `prompt` parameter: whether Fitbit shows the login and consent pages
/// even when it could skip them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    /// Show neither page; fail when the user must act.
    None,
    /// Always show the consent page.
    Consent,
    /// Always ask the user to log in.
    Login,
    /// Ask to log in, then show the consent page.
    LoginConsent,
}

impl Prompt {
    /// The value sent in the URL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Prompt::None => "none",
            Prompt::Consent => "consent",
            Prompt::Login => "login",
            Prompt::LoginConsent => "login consent",
        }
    }
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A builder for the authorize URL, from [`OAuthClient::authorization_request`].
///
/// Every request uses the authorization-code flow with PKCE (S256) and a
/// random `state`; [`build`](Self::build) returns the URL together with what
/// the callback and the code exchange need.
///
/// ```
/// use fitbit_auth::{OAuthClient, Prompt, Scope};
///
/// let client = OAuthClient::builder("23ABCD")
///     .redirect_uri("http://127.0.0.1:8080/callback")
///     .build()?;
/// let pending = client
///     .authorization_request()
///     .scopes([Scope::Activity, Scope::Heartrate, Scope::Sleep])
///     .prompt(Prompt::Consent)
///     .build()?;
/// let url = pending.url().as_str();
/// assert!(url.starts_with("https://www.fitbit.com/oauth2/authorize?client_id=23ABCD&response_type=code"));
/// assert!(url.contains("&scope=activity%20heartrate%20sleep&"));
/// assert!(url.contains("&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&"));
/// assert!(url.contains("&code_challenge_method=S256"));
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "call `build` to get the URL"]
pub struct AuthorizationRequest<'a> {
    client: &'a OAuthClient,
    scopes: Scopes,
    prompt: Option<Prompt>,
    state: Option<CsrfState>,
    pkce: Option<PkceChallenge>,
}

impl<'a> AuthorizationRequest<'a> {
    pub(crate) fn new(client: &'a OAuthClient) -> Self {
        Self { client, scopes: Scopes::new(), prompt: None, state: None, pkce: None }
    }

    /// Asks for one more scope.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scopes.insert(scope);
        self
    }

    /// Asks for these scopes (in addition to any already added).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes.extend(scopes);
        self
    }

    /// Sets `prompt`. Fitbit requires a redirect URI with it.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// Uses this `state` instead of a random one.
    pub fn state(mut self, state: CsrfState) -> Self {
        self.state = Some(state);
        self
    }

    /// Uses this PKCE pair instead of a random one.
    pub fn pkce(mut self, pkce: PkceChallenge) -> Self {
        self.pkce = Some(pkce);
        self
    }

    /// Builds the URL. Fails when no scope was asked for, or when `prompt` is
    /// set but the client has no redirect URI.
    pub fn build(self) -> Result<PendingAuthorization, Error> {
        if self.scopes.is_empty() {
            return Err(Error::InvalidRequest("ask for at least one scope".into()));
        }
        let redirect_uri = self.client.redirect_uri().map(str::to_owned);
        if self.prompt.is_some() && redirect_uri.is_none() {
            return Err(Error::InvalidRequest(
                "Fitbit accepts `prompt` only together with a redirect URI".into(),
            ));
        }
        let state = self.state.unwrap_or_else(CsrfState::new_random);
        let pkce = self.pkce.unwrap_or_else(PkceChallenge::new_random);

        let scope = self.scopes.to_string();
        let mut params: Vec<(&str, &str)> =
            vec![("client_id", self.client.client_id()), ("response_type", "code"), ("scope", &scope)];
        if let Some(uri) = &redirect_uri {
            params.push(("redirect_uri", uri));
        }
        params.push(("state", state.as_str()));
        if let Some(prompt) = self.prompt {
            params.push(("prompt", prompt.as_str()));
        }
        params.push(("code_challenge", pkce.challenge()));
        params.push(("code_challenge_method", pkce.method()));

        let mut url = self.client.endpoints().authorize.clone();
        let mut query = url.query().map(str::to_owned).unwrap_or_default();
        for (name, value) in params {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(name);
            query.push('=');
            query.push_str(&encode_component(value));
        }
        url.set_query(Some(&query));

        Ok(PendingAuthorization {
            url,
            state,
            code_verifier: pkce.into_verifier(),
            redirect_uri,
            requested_scopes: self.scopes,
        })
    }
}

/// Percent-encodes a query value with `%20` for spaces: Fitbit's own examples
/// write scope lists that way, and `+` is only a space in form bodies.
fn encode_component(value: &str) -> String {
    // `byte_serialize` writes a literal `+` as `%2B`, so every `+` left is a space.
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A sign-in in progress: the URL to open, and what the callback check and
/// the code exchange need (`state`, PKCE verifier, exact redirect URI).
///
/// It serialises, so a web app can keep it in the user's session between the
/// redirect out and the callback. The serialised form holds the PKCE
/// verifier: keep it server-side. `Debug` shows no secret and no query.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    url: Url,
    state: CsrfState,
    code_verifier: PkceVerifier,
    redirect_uri: Option<String>,
    requested_scopes: Scopes,
}

impl PendingAuthorization {
    /// The URL to open in the user's browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` the callback must carry.
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The PKCE verifier to send with the code.
    pub fn code_verifier(&self) -> &PkceVerifier {
        &self.code_verifier
    }

    /// The redirect URI exactly as sent (the token request must repeat it).
    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// The scopes asked for; Fitbit may grant fewer.
    pub fn requested_scopes(&self) -> &Scopes {
        &self.requested_scopes
    }

    /// Checks the redirect Fitbit sent the browser to (a full URL, a path with
    /// a query, or just the query) and extracts the code. See
    /// [`parse_callback`](crate::parse_callback).
    pub fn parse_callback(&self, redirect: &str) -> Result<AuthorizationCode, AuthorizationError> {
        parse_callback(redirect, &self.state)
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut endpoint = self.url.clone();
        endpoint.set_query(None);
        f.debug_struct("PendingAuthorization")
            .field("authorize_endpoint", &endpoint.as_str())
            .field("redirect_uri", &self.redirect_uri)
            .field("requested_scopes", &self.requested_scopes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::PkceVerifier;

    fn client(redirect: Option<&str>) -> OAuthClient {
        let mut builder = OAuthClient::builder("23ABCD");
        if let Some(uri) = redirect {
            builder = builder.redirect_uri(uri);
        }
        builder.build().unwrap()
    }

    fn query(url: &Url) -> Vec<(String, String)> {
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    #[test]
    fn url_carries_every_parameter_in_order() {
        let pkce =
            PkceChallenge::from_verifier(PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
                .unwrap();
        let pending = client(Some("https://example.com/cb?x=1&y=a b"))
            .authorization_request()
            .scopes([Scope::Sleep, Scope::Activity])
            .prompt(Prompt::LoginConsent)
            .state(CsrfState::new("st4te"))
            .pkce(pkce)
            .build()
            .unwrap();
        assert_eq!(pending.url().path(), "/oauth2/authorize");
        assert_eq!(pending.url().host_str(), Some("www.fitbit.com"));
        let expected = [
            ("client_id", "23ABCD"),
            ("response_type", "code"),
            ("scope", "activity sleep"),
            ("redirect_uri", "https://example.com/cb?x=1&y=a b"),
            ("state", "st4te"),
            ("prompt", "login consent"),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            ("code_challenge_method", "S256"),
        ];
        let expected: Vec<_> = expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(query(pending.url()), expected);
        // Spaces are %20, and the redirect URI's own `&`, `?`, `=` are escaped.
        let raw = pending.url().query().unwrap();
        assert!(raw.contains("scope=activity%20sleep&"));
        assert!(raw.contains("prompt=login%20consent&"));
        assert!(raw.contains("redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1%26y%3Da%20b&"));
        assert_eq!(pending.redirect_uri(), Some("https://example.com/cb?x=1&y=a b"));
        assert_eq!(pending.code_verifier().secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn random_state_and_verifier_differ_per_request() {
        let client = client(Some("http://localhost/cb"));
        let a = client.authorization_request().scope(Scope::Profile).build().unwrap();
        let b = client.authorization_request().scope(Scope::Profile).build().unwrap();
        assert_ne!(a.state(), b.state());
        assert_ne!(a.code_verifier(), b.code_verifier());
        assert!(a.state().as_str().len() >= 22, "at least 128 bits in base64url");
    }

    #[test]
    fn redirect_uri_may_be_omitted_but_not_with_prompt() {
        let client = client(None);
        let pending = client.authorization_request().scope(Scope::Weight).build().unwrap();
        assert!(query(pending.url()).iter().all(|(k, _)| k != "redirect_uri"));
        let err =
            client.authorization_request().scope(Scope::Weight).prompt(Prompt::None).build().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)));
    }

    #[test]
    fn no_scope_is_an_error() {
        let err = client(None).authorization_request().build().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)));
    }

    #[test]
    fn debug_hides_state_and_verifier() {
        let pending =
            client(Some("http://localhost/cb")).authorization_request().scope(Scope::Sleep).build().unwrap();
        let debug = format!("{pending:?}");
        assert!(!debug.contains(pending.state().as_str()));
        assert!(!debug.contains(pending.code_verifier().secret()));
        assert!(debug.contains("https://www.fitbit.com/oauth2/authorize"));
    }
}

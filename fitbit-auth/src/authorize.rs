//! Building the URL that sends the user's browser to the consent page (Fitbit's or Google's).

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::callback::parse_callback;
use crate::error::{AuthorizationError, Error};
use crate::oauth_client::OAuthClient;
use crate::pkce::PkceChallenge;
use crate::provider::Provider;
use crate::scope::{ScopeItem, Scopes};
use crate::secret::{AuthorizationCode, PkceVerifier};
use crate::state::CsrfState;

/// The `prompt` parameter: whether the server shows the login, account and
/// consent pages even when it could skip them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    /// Show no page; fail when the user must act.
    None,
    /// Always show the consent page (with Google, also what makes it issue a
    /// new refresh token to a user who consented before).
    Consent,
    /// Fitbit: always ask the user to log in.
    Login,
    /// Fitbit: ask to log in, then show the consent page.
    LoginConsent,
    /// Google: let the user pick the account.
    SelectAccount,
    /// Google: let the user pick the account, then show the consent page.
    SelectAccountConsent,
}

impl Prompt {
    /// The value sent in the URL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Prompt::None => "none",
            Prompt::Consent => "consent",
            Prompt::Login => "login",
            Prompt::LoginConsent => "login consent",
            Prompt::SelectAccount => "select_account",
            Prompt::SelectAccountConsent => "select_account consent",
        }
    }

    fn is_for(self, provider: Provider) -> bool {
        match self {
            Prompt::None | Prompt::Consent => true,
            Prompt::Login | Prompt::LoginConsent => provider == Provider::Fitbit,
            Prompt::SelectAccount | Prompt::SelectAccountConsent => provider == Provider::Google,
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
/// With Google ([`OAuthClient::google`]) it also asks for offline access (a
/// refresh token: `access_type=offline`, and `prompt=consent` unless another
/// prompt is set), and for incremental authorization
/// (`include_granted_scopes=true`); both can be turned off.
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
    offline: bool,
    include_granted_scopes: bool,
}

impl<'a> AuthorizationRequest<'a> {
    pub(crate) fn new(client: &'a OAuthClient) -> Self {
        Self {
            client,
            scopes: Scopes::new(),
            prompt: None,
            state: None,
            pkce: None,
            offline: true,
            include_granted_scopes: true,
        }
    }

    /// Asks for one more scope ([`Scope`](crate::Scope) for Fitbit,
    /// [`GoogleScope`](crate::GoogleScope) for Google).
    pub fn scope(mut self, scope: impl ScopeItem) -> Self {
        self.scopes.insert(scope);
        self
    }

    /// Asks for these scopes (in addition to any already added).
    pub fn scopes<S: ScopeItem>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes);
        self
    }

    /// Sets `prompt`. Fitbit requires a redirect URI with it.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// Google: whether to ask for a refresh token (`access_type=offline`,
    /// default on). Without one, the sign-in lasts one access token (an hour).
    pub fn offline_access(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Google: whether the new grant adds to what the user granted this app
    /// before (`include_granted_scopes=true`, default on).
    pub fn include_granted_scopes(mut self, include: bool) -> Self {
        self.include_granted_scopes = include;
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

    /// Builds the URL. Fails when no scope was asked for, when a scope or
    /// `prompt` belongs to the other provider, or when the redirect URI is
    /// missing where it is needed (always for Google; with `prompt` for Fitbit).
    pub fn build(self) -> Result<PendingAuthorization, Error> {
        let provider = self.client.provider();
        if self.scopes.is_empty() {
            return Err(Error::InvalidRequest("ask for at least one scope".into()));
        }
        let foreign = match provider {
            Provider::Fitbit => self.scopes.google().next().map(|s| s.to_string()),
            Provider::Google => self.scopes.iter().next().map(|s| s.to_string()),
        };
        if let Some(scope) = foreign {
            return Err(Error::InvalidRequest(format!(
                "`{scope}` is not a scope of {}; ask for {} scopes only",
                provider.display_name(),
                provider.display_name()
            )));
        }
        if let Some(prompt) = self.prompt.filter(|p| !p.is_for(provider)) {
            return Err(Error::InvalidRequest(format!(
                "{} does not know `prompt={prompt}`",
                provider.display_name()
            )));
        }
        let redirect_uri = self.client.redirect_uri().map(str::to_owned);
        if redirect_uri.is_none() {
            if provider == Provider::Google {
                return Err(Error::InvalidRequest(
                    "Google needs a redirect URI (a loopback `http://127.0.0.1:<port>` for a Desktop \
                     client, or one registered for a Web-server client)"
                        .into(),
                ));
            }
            if self.prompt.is_some() {
                return Err(Error::InvalidRequest(
                    "Fitbit accepts `prompt` only together with a redirect URI".into(),
                ));
            }
        }
        let state = self.state.unwrap_or_else(CsrfState::new_random);
        let pkce = self.pkce.unwrap_or_else(PkceChallenge::new_random);
        let prompt = match (provider, self.prompt) {
            // Google issues a refresh token only on a consent page it shows.
            (Provider::Google, None) if self.offline => Some(Prompt::Consent),
            (_, prompt) => prompt,
        };

        let scope = self.scopes.to_string();
        let mut params: Vec<(&str, &str)> =
            vec![("client_id", self.client.client_id()), ("response_type", "code"), ("scope", &scope)];
        if let Some(uri) = &redirect_uri {
            params.push(("redirect_uri", uri));
        }
        params.push(("state", state.as_str()));
        if provider == Provider::Google {
            params.push(("access_type", if self.offline { "offline" } else { "online" }));
            if self.include_granted_scopes {
                params.push(("include_granted_scopes", "true"));
            }
        }
        if let Some(prompt) = prompt {
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

    /// The scopes asked for; the user may grant fewer.
    pub fn requested_scopes(&self) -> &Scopes {
        &self.requested_scopes
    }

    /// Checks the redirect the server sent the browser to (a full URL, a path with
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
    use crate::google_scope::GoogleScope;
    use crate::scope::Scope;
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

    fn google(redirect: Option<&str>) -> OAuthClient {
        let mut builder = OAuthClient::google("1234-abc.apps.googleusercontent.com");
        if let Some(uri) = redirect {
            builder = builder.redirect_uri(uri);
        }
        builder.build().unwrap()
    }

    #[test]
    fn google_urls_ask_for_offline_access_and_incremental_consent() {
        let pending = google(Some("http://127.0.0.1:8123"))
            .authorization_request()
            .scopes([GoogleScope::SleepReadonly, GoogleScope::ActivityAndFitnessReadonly])
            .state(CsrfState::new("st4te"))
            .build()
            .unwrap();
        assert_eq!(pending.url().host_str(), Some("accounts.google.com"));
        assert_eq!(pending.url().path(), "/o/oauth2/v2/auth");
        let names: Vec<_> = query(pending.url()).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "response_type",
                "scope",
                "redirect_uri",
                "state",
                "access_type",
                "include_granted_scopes",
                "prompt",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        let params: std::collections::HashMap<_, _> = query(pending.url()).into_iter().collect();
        assert_eq!(
            params["scope"],
            "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly \
             https://www.googleapis.com/auth/googlehealth.sleep.readonly"
        );
        assert_eq!(params["access_type"], "offline");
        assert_eq!(params["prompt"], "consent");
        assert_eq!(params["redirect_uri"], "http://127.0.0.1:8123");

        let online = google(Some("http://127.0.0.1:8123"))
            .authorization_request()
            .scope(GoogleScope::SleepReadonly)
            .offline_access(false)
            .include_granted_scopes(false)
            .prompt(Prompt::SelectAccount)
            .build()
            .unwrap();
        let params: std::collections::HashMap<_, _> = query(online.url()).into_iter().collect();
        assert_eq!(params["access_type"], "online");
        assert_eq!(params["prompt"], "select_account");
        assert!(!params.contains_key("include_granted_scopes"));
    }

    #[test]
    fn each_provider_refuses_the_other_ones_scopes_prompts_and_a_missing_redirect() {
        let err = google(Some("http://127.0.0.1:1")).authorization_request().scope(Scope::Sleep).build();
        assert!(matches!(err, Err(Error::InvalidRequest(m)) if m.contains("not a scope of Google")));
        let err = client(None).authorization_request().scope(GoogleScope::SleepReadonly).build();
        assert!(matches!(err, Err(Error::InvalidRequest(m)) if m.contains("not a scope of Fitbit")));
        let err = google(Some("http://127.0.0.1:1"))
            .authorization_request()
            .scope(GoogleScope::SleepReadonly)
            .prompt(Prompt::Login)
            .build();
        assert!(matches!(err, Err(Error::InvalidRequest(m)) if m.contains("prompt=login")));
        let err = google(None).authorization_request().scope(GoogleScope::SleepReadonly).build();
        assert!(matches!(err, Err(Error::InvalidRequest(m)) if m.contains("redirect URI")));
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

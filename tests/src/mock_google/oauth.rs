//! Google OAuth 2.0: `GET /o/oauth2/v2/auth`, `POST /token`, `POST /revoke`.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::http::{MockRequest, Outcome, Reply};
use super::scopes;
use super::state::{CodeGrant, Issued, State, random_hex};
use super::{ClientType, MockGoogleApp, Shared};

fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

fn duplicate(pairs: &[(String, String)]) -> Option<String> {
    let mut seen = BTreeSet::new();
    pairs.iter().find(|(n, _)| !seen.insert(n.as_str())).map(|(n, _)| n.clone())
}

/// RFC 7636 verifier: 43-128 characters of `[A-Za-z0-9-._~]`.
fn is_pkce_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `uri` may receive the user: Web clients need an exact registered
/// URI; Desktop clients may use any loopback IP literal with a port.
fn redirect_allowed(app: &MockGoogleApp, uri: &str) -> bool {
    match app.client_type {
        ClientType::Web => app.redirect_uris.iter().any(|registered| registered == uri),
        ClientType::Desktop => {
            let Ok(parsed) = url::Url::parse(uri) else { return false };
            let authority =
                uri.strip_prefix("http://").and_then(|rest| rest.split('/').next()).unwrap_or_default();
            let loopback_host = authority.starts_with("127.0.0.1:") || authority.starts_with("[::1]:");
            parsed.scheme() == "http"
                && loopback_host
                && parsed.port().is_some()
                && parsed.username().is_empty()
                && parsed.password().is_none()
                && parsed.query().is_none()
                && parsed.fragment().is_none()
        }
    }
}

/// `GET /o/oauth2/v2/auth`: the consent screen, answered at once.
pub(crate) fn authorize(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    state.counters.authorize_requests += 1;
    let params = request.query_pairs();
    let param = |name: &str| first(&params, name);

    // Until client and redirect URI are known good, errors are shown on a page:
    // redirecting to an unchecked URI would make the server an open redirector.
    if let Some(name) = duplicate(&params) {
        return Reply::page(400, "invalid_request", &format!("Parameter not allowed to repeat: {name}"));
    }
    let Some(client_id) = param("client_id") else {
        return Reply::page(400, "invalid_request", "Missing required parameter: client_id");
    };
    let Some(app) = state.app(&client_id).cloned() else {
        return Reply::page(401, "invalid_client", "The OAuth client was not found.");
    };
    let Some(redirect_uri) = param("redirect_uri") else {
        return Reply::page(400, "invalid_request", "Missing required parameter: redirect_uri");
    };
    if !redirect_allowed(&app, &redirect_uri) {
        return Reply::page(
            400,
            "redirect_uri_mismatch",
            &format!(
                "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. \
                 Request details: redirect_uri={redirect_uri}"
            ),
        );
    }
    let oauth_state = param("state");
    let redirect_with = |pairs: &[(&str, &str)]| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(value) = &oauth_state {
            query.append_pair("state", value);
        }
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        Reply::redirect(&format!("{redirect_uri}{separator}{}", query.finish()))
    };
    let error =
        |code: &str, description: &str| redirect_with(&[("error", code), ("error_description", description)]);

    match param("response_type").as_deref() {
        Some("code") => {}
        Some(other) => return error("unsupported_response_type", &format!("Invalid response_type: {other}")),
        None => return error("invalid_request", "Missing required parameter: response_type"),
    }
    let mut requested: Vec<String> = Vec::new();
    for scope in param("scope").unwrap_or_default().split_whitespace() {
        if !requested.iter().any(|s| s == scope) {
            requested.push(scope.to_string());
        }
    }
    if requested.is_empty() {
        return error("invalid_request", "Missing required parameter: scope");
    }
    if let Some(unknown) = requested.iter().find(|s| !scopes::is_known(s)) {
        return error(
            "invalid_scope",
            &format!("Some requested scopes were invalid. {{invalid=[{unknown}]}}"),
        );
    }
    let challenge = param("code_challenge");
    match (&challenge, param("code_challenge_method").as_deref()) {
        (Some(challenge), Some("S256")) => {
            let well_formed = challenge.len() == 43
                && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !well_formed {
                return error(
                    "invalid_request",
                    "Invalid code_challenge: expected BASE64URL(SHA256(verifier))",
                );
            }
        }
        (Some(_), Some(method)) => {
            return error(
                "invalid_request",
                &format!("Unsupported code_challenge_method: {method} (use S256)"),
            );
        }
        (Some(_), None) => {
            return error(
                "invalid_request",
                "code_challenge_method is required: plain challenges are refused",
            );
        }
        (None, Some(_)) => return error("invalid_request", "Missing required parameter: code_challenge"),
        (None, None) if state.config.require_pkce => {
            return error("invalid_request", "Missing required parameter: code_challenge");
        }
        (None, None) => {}
    }
    let offline = match param("access_type").as_deref() {
        Some("offline") => true,
        Some("online") | None => false,
        Some(other) => return error("invalid_request", &format!("Invalid access_type: {other}")),
    };
    let include_granted = match param("include_granted_scopes").as_deref() {
        Some("true") => true,
        Some("false") | None => false,
        Some(other) => return error("invalid_request", &format!("Invalid include_granted_scopes: {other}")),
    };
    let prompts: Vec<String> =
        param("prompt").unwrap_or_default().split_whitespace().map(String::from).collect();
    if let Some(bad) = prompts.iter().find(|p| !["none", "consent", "select_account"].contains(&p.as_str())) {
        return error("invalid_request", &format!("Invalid prompt: {bad}"));
    }
    if prompts.iter().any(|p| p == "none") && prompts.len() > 1 {
        return error("invalid_request", "prompt=none cannot be combined with other values");
    }

    let earlier: BTreeSet<String> =
        state.grants.get(&client_id).map(|g| g.scopes.clone()).unwrap_or_default();
    let consent_shown =
        prompts.iter().any(|p| p == "consent") || requested.iter().any(|s| !earlier.contains(s));
    if prompts.iter().any(|p| p == "none") && consent_shown {
        return error("consent_required", "The user has not granted these scopes to the app");
    }
    if state.faults.deny_consent {
        return error("access_denied", "The user denied access");
    }
    let mut granted = requested;
    if consent_shown && let Some(only) = state.faults.grant_only.take() {
        granted.retain(|s| only.contains(s));
    }
    if granted.is_empty() {
        return error("access_denied", "The user granted none of the requested scopes");
    }
    state.record_grant(&client_id, &granted);
    let mut token_scopes: BTreeSet<String> = granted.into_iter().collect();
    if include_granted {
        token_scopes.extend(earlier);
    }
    // A refresh token comes with the first offline consent, and again only when
    // the consent screen is shown (prompt=consent or new scopes).
    let issue_refresh = offline && (consent_shown || !state.has_live_refresh_token(&client_id));
    let code = format!("4/0Amock-{}", random_hex(24));
    let now = state.now();
    let scope_text = token_scopes.iter().cloned().collect::<Vec<_>>().join(" ");
    state.codes.insert(
        code.clone(),
        CodeGrant {
            client_id,
            redirect_uri: redirect_uri.clone(),
            code_challenge: challenge,
            scopes: token_scopes.into_iter().collect(),
            offline: issue_refresh,
            issued_at: now,
            used: false,
            issued: Vec::new(),
        },
    );
    state.counters.codes_issued += 1;
    redirect_with(&[("code", &code), ("scope", &scope_text)])
}

/// `POST /token`.
pub(crate) fn token(shared: &Shared, request: &MockRequest) -> Outcome {
    let form = request.form();
    let grant_type = first(&form, "grant_type");
    let mut state = shared.state();
    state.counters.token_requests += 1;
    if grant_type.as_deref() == Some("refresh_token") {
        state.counters.refresh_requests += 1;
    }
    if let Some(answer) = state.faults.scripted_token_answers.pop_front() {
        return Reply::raw(answer.status, &answer.content_type, answer.body).into();
    }
    let reply = process_token(&mut state, request, &form, grant_type.as_deref());
    if state.faults.drop_token_connections > 0 {
        state.faults.drop_token_connections -= 1;
        return Outcome::DropConnection;
    }
    reply.into()
}

fn process_token(
    state: &mut State,
    request: &MockRequest,
    form: &[(String, String)],
    grant_type: Option<&str>,
) -> Reply {
    let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "Invalid Content-Type: send the parameters as an application/x-www-form-urlencoded body",
        );
    }
    if let Some(name) = duplicate(form) {
        return Reply::oauth_error(
            400,
            "invalid_request",
            &format!("Parameter not allowed to repeat: {name}"),
        );
    }
    let client_id = match authenticate_client(state, request, form) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    match grant_type {
        Some("authorization_code") => exchange_code(state, &client_id, form),
        Some("refresh_token") => refresh(state, &client_id, form),
        Some(other) => {
            Reply::oauth_error(400, "unsupported_grant_type", &format!("Invalid grant_type: {other}"))
        }
        None => Reply::oauth_error(400, "invalid_request", "Missing required parameter: grant_type"),
    }
}

/// Decodes `Authorization: Basic …` into (client id, secret), each form-decoded (RFC 6749 §2.3.1).
fn basic_credentials(header: &str) -> Option<Result<(String, String), ()>> {
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else { return Some(Err(())) };
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    Some(unescape(id).zip(unescape(secret)).ok_or(()))
}

/// Which registered client a token request authenticated as: `client_id`
/// and `client_secret` in the body (Google's documented way), or HTTP Basic
/// (accepted, counted); never both.
fn authenticate_client(
    state: &mut State,
    request: &MockRequest,
    form: &[(String, String)],
) -> Result<String, Reply> {
    let body_id = first(form, "client_id");
    let body_secret = first(form, "client_secret");
    let (client_id, secret) = match request.header("authorization").and_then(basic_credentials) {
        Some(Err(())) => return Err(Reply::oauth_error(401, "invalid_client", "Unauthorized")),
        Some(Ok((id, secret))) => {
            state.counters.basic_auth_token_requests += 1;
            if body_secret.is_some() {
                return Err(Reply::oauth_error(
                    400,
                    "invalid_request",
                    "Send the client secret once: in the body or with HTTP Basic, not both",
                ));
            }
            if body_id.as_deref().is_some_and(|b| b != id) {
                return Err(Reply::oauth_error(
                    400,
                    "invalid_request",
                    "client_id does not match the credentials",
                ));
            }
            (id, Some(secret))
        }
        None => match body_id {
            Some(id) => (id, body_secret),
            None => {
                return Err(Reply::oauth_error(
                    400,
                    "invalid_request",
                    "Could not determine client ID from request.",
                ));
            }
        },
    };
    let Some(app) = state.app(&client_id) else {
        return Err(Reply::oauth_error(401, "invalid_client", "The OAuth client was not found."));
    };
    match (&app.client_secret, &secret) {
        (Some(expected), Some(sent)) if expected == sent => Ok(client_id),
        (None, None) => Ok(client_id),
        (Some(_), None) => Err(Reply::oauth_error(400, "invalid_request", "client_secret is missing.")),
        _ => Err(Reply::oauth_error(401, "invalid_client", "Unauthorized")),
    }
}

fn answer(issued: &Issued) -> Reply {
    let mut body = json!({
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "scope": issued.scopes.join(" "),
        "token_type": "Bearer",
    });
    if let Some(refresh_token) = &issued.refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    if let Some(seconds) = issued.refresh_token_expires_in {
        body["refresh_token_expires_in"] = json!(seconds);
    }
    Reply::json(200, &body).with_header("cache-control", "no-cache, no-store, max-age=0, must-revalidate")
}

fn exchange_code(state: &mut State, client_id: &str, form: &[(String, String)]) -> Reply {
    let Some(code) = first(form, "code") else {
        return Reply::oauth_error(400, "invalid_request", "Missing required parameter: code");
    };
    let Some(redirect_uri) = first(form, "redirect_uri") else {
        return Reply::oauth_error(400, "invalid_request", "Missing required parameter: redirect_uri");
    };
    let now = state.now();
    let code_lifetime = state.config.code_lifetime;
    let Some(grant) = state.codes.get_mut(&code) else {
        return Reply::oauth_error(400, "invalid_grant", "Malformed auth code.");
    };
    if grant.used {
        // A replayed code also revokes what it was exchanged for (RFC 6749 §4.1.2).
        let issued = std::mem::take(&mut grant.issued);
        state.revoke_tokens(&issued);
        return Reply::oauth_error(400, "invalid_grant", "Bad Request");
    }
    if grant.client_id != client_id || now >= grant.issued_at + code_lifetime {
        return Reply::oauth_error(400, "invalid_grant", "Bad Request");
    }
    if grant.redirect_uri != redirect_uri {
        return Reply::oauth_error(400, "redirect_uri_mismatch", "Bad Request");
    }
    if let Some(challenge) = &grant.code_challenge {
        let Some(verifier) = first(form, "code_verifier") else {
            return Reply::oauth_error(400, "invalid_grant", "Missing code verifier.");
        };
        if !is_pkce_verifier(&verifier)
            || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge
        {
            return Reply::oauth_error(400, "invalid_grant", "Invalid code verifier.");
        }
    }
    grant.used = true;
    let (scopes, offline) = (grant.scopes.clone(), grant.offline);
    let issued = state.issue_tokens(client_id, scopes, offline);
    if let Some(grant) = state.codes.get_mut(&code) {
        grant.issued =
            [Some(issued.access_token.clone()), issued.refresh_token.clone()].into_iter().flatten().collect();
    }
    state.counters.code_exchanges += 1;
    answer(&issued)
}

fn refresh(state: &mut State, client_id: &str, form: &[(String, String)]) -> Reply {
    let Some(token) = first(form, "refresh_token") else {
        return Reply::oauth_error(400, "invalid_request", "Missing required parameter: refresh_token");
    };
    let refused = |state: &mut State| {
        state.counters.refresh_refusals += 1;
        Reply::oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
    };
    let Some(record) = state.refresh.get(&token) else { return refused(state) };
    if record.client_id != client_id {
        return Reply::oauth_error(401, "unauthorized_client", "Unauthorized");
    }
    if state.refresh_problem(&token).is_some() {
        return refused(state);
    }
    let mut scopes = record.scopes.clone();
    let expires_at = record.expires_at;
    if let Some(narrower) = first(form, "scope") {
        let asked: Vec<String> = narrower.split_whitespace().map(String::from).collect();
        if asked.iter().any(|s| !scopes.contains(s)) {
            return Reply::oauth_error(
                400,
                "invalid_scope",
                "The requested scope is not a subset of the grant.",
            );
        }
        scopes = asked;
    }
    let now = state.now();
    if let Some(record) = state.refresh.get_mut(&token) {
        record.last_used = now;
    }
    let mut issued = state.issue_tokens(client_id, scopes, false);
    issued.refresh_token_expires_in =
        expires_at.map(|at| at.duration_since(now).unwrap_or_default().as_secs());
    state.counters.refreshes += 1;
    answer(&issued)
}

/// `POST /revoke` (form or query `token=`): revokes the whole grant the token belongs to.
pub(crate) fn revoke(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    if !request.body.is_empty() {
        let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Reply::oauth_error(400, "invalid_request", "Invalid Content-Type");
        }
    }
    let token = first(&request.form(), "token").or_else(|| first(&request.query_pairs(), "token"));
    let Some(token) = token else {
        return Reply::oauth_error(400, "invalid_request", "Missing required parameter: token");
    };
    let owner = match state.check_access(&token) {
        Ok(record) => Some(record.client_id.clone()),
        Err(_) if state.refresh_problem(&token).is_none() => {
            state.refresh.get(&token).map(|r| r.client_id.clone())
        }
        Err(_) => None,
    };
    let Some(client_id) = owner else {
        return Reply::oauth_error(400, "invalid_token", "Token expired or revoked");
    };
    state.revoke_grant(&client_id);
    state.counters.revocations += 1;
    Reply::json(200, &json!({}))
}

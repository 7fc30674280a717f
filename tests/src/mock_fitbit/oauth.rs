//! `/oauth2/authorize`, `/oauth2/token`, `/oauth2/revoke`, `/1.1/oauth2/introspect`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::Shared;
use super::http::{MockRequest, Outcome, Reply, require_form_post};
use super::state::{BearerProblem, CodeGrant, State, TokenAnswer, epoch_millis, random_token};

/// The 15 scopes Fitbit knows. Written out here rather than taken from
/// `fitbit_auth::Scope`, so that the stand-in checks the client instead of
/// echoing it; `tests/tests/spec_coverage.rs` checks that the lists agree.
pub const SCOPES: [&str; 15] = [
    "activity",
    "cardio_fitness",
    "electrocardiogram",
    "heartrate",
    "irregular_rhythm_notifications",
    "location",
    "nutrition",
    "oxygen_saturation",
    "profile",
    "respiratory_rate",
    "settings",
    "sleep",
    "social",
    "temperature",
    "weight",
];

/// `expires_in` values the client-credentials grant accepts.
const CLIENT_CREDENTIALS_LIFETIMES: [u64; 6] = [3600, 28800, 86400, 604800, 2592000, 31536000];

fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

fn is_pkce_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `GET /oauth2/authorize`: the consent page, answered at once with a redirect.
pub(crate) fn authorize(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    state.counters.authorize_requests += 1;
    let params = request.query_pairs();
    let param = |name: &str| first(&params, name);

    // Until client and redirect URI are known good, errors are shown on a page:
    // redirecting to an unverified URI would make the server an open redirector.
    let Some(client_id) = param("client_id") else {
        return Reply::page(400, "invalid_request - Missing parameters: client_id");
    };
    let Some(app) = state.app(&client_id).cloned() else {
        return Reply::page(400, "invalid_client - Invalid client_id");
    };
    let sent_redirect = param("redirect_uri");
    let redirect_uri = match &sent_redirect {
        Some(uri) if app.redirect_uris.contains(uri) => uri.clone(),
        Some(_) => return Reply::page(400, "invalid_request - Invalid redirect_uri parameter value"),
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        None => return Reply::page(400, "invalid_request - Missing parameters: redirect_uri"),
    };
    let oauth_state = param("state");
    let redirect_with = |pairs: &[(&str, &str)]| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(value) = &oauth_state {
            query.append_pair("state", value);
        }
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        Reply::redirect(&format!("{redirect_uri}{separator}{}#_=_", query.finish()))
    };
    let error =
        |code: &str, description: &str| redirect_with(&[("error", code), ("error_description", description)]);

    match param("response_type").as_deref() {
        Some("code") => {}
        Some(_) => return error("unsupported_response_type", "only the code flow is supported here"),
        None => return error("invalid_request", "Missing parameters: response_type"),
    }
    let requested: Vec<String> =
        param("scope").unwrap_or_default().split_whitespace().map(String::from).collect();
    if requested.is_empty() {
        return error("invalid_request", "Missing parameters: scope");
    }
    if let Some(unknown) = requested.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return error("invalid_scope", &format!("Invalid scope: {unknown}"));
    }
    if let Some(prompt) = param("prompt") {
        if !["none", "consent", "login", "login consent"].contains(&prompt.as_str()) {
            return error("invalid_request", "Invalid prompt parameter value");
        }
        if sent_redirect.is_none() {
            return error("invalid_request", "prompt requires redirect_uri");
        }
    }
    let challenge = param("code_challenge");
    match (&challenge, param("code_challenge_method").as_deref()) {
        (Some(challenge), Some("S256")) => {
            let well_formed = challenge.len() == 43
                && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !well_formed {
                return error("invalid_request", "Invalid code_challenge");
            }
        }
        (Some(_), _) => {
            return error("invalid_request", "Unsupported code_challenge_method (only S256 here)");
        }
        (None, Some(_)) => return error("invalid_request", "Missing parameters: code_challenge"),
        (None, None) if state.config.require_pkce => {
            return error("invalid_request", "Missing parameters: code_challenge");
        }
        (None, None) => {}
    }
    if state.config.deny_consent {
        return redirect_with(&[("error", "access_denied")]);
    }

    let granted: Vec<String> = match &state.config.user_grants {
        Some(grants) => requested.iter().filter(|s| grants.contains(s)).cloned().collect(),
        None => requested,
    };
    let code = random_token("code", 16);
    let now = state.now();
    state.codes.insert(
        code.clone(),
        CodeGrant {
            client_id,
            redirect_uri: sent_redirect,
            code_challenge: challenge,
            scopes: granted,
            issued_at: now,
            used: false,
        },
    );
    redirect_with(&[("code", &code)])
}

/// Which registered app a token-endpoint request authenticated as.
fn authenticate_client(
    state: &State,
    request: &MockRequest,
    form: &[(String, String)],
) -> Result<String, Reply> {
    let body_client = first(form, "client_id");
    let refuse = |message: &str| Err(Reply::error(401, "invalid_client", message));
    match request.header("authorization") {
        Some(header) => {
            let Some(encoded) = header.strip_prefix("Basic ") else {
                return refuse("Client authentication must use the Basic scheme");
            };
            let Some(decoded) = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok())
            else {
                return refuse("Malformed Basic credentials");
            };
            let Some((id, secret)) = decoded.split_once(':') else {
                return refuse("Malformed Basic credentials");
            };
            match state.app(id) {
                Some(app) if app.client_secret.as_deref() == Some(secret) => {}
                Some(app) if app.client_secret.is_none() => {
                    return refuse("This is a client-type app: send client_id in the body, not Basic auth");
                }
                _ => return refuse("Invalid authorization header format. Invalid client credentials"),
            }
            if body_client.as_deref().is_some_and(|body_id| body_id != id) {
                return refuse("client_id in the body does not match the Authorization header");
            }
            Ok(id.to_string())
        }
        None => {
            let Some(id) = body_client else {
                return refuse("Missing parameters: client_id (or an Authorization header)");
            };
            match state.app(&id) {
                Some(app) if app.client_secret.is_none() => Ok(id),
                Some(_) => refuse("Server-type apps must authenticate with HTTP Basic"),
                None => refuse("Invalid client_id"),
            }
        }
    }
}

/// `POST /oauth2/token`.
pub(crate) async fn token(shared: &Shared, request: &MockRequest) -> Outcome {
    let form = request.form();
    let grant_type = first(&form, "grant_type");
    let scripted = {
        let mut state = shared.state();
        state.counters.token_requests += 1;
        if grant_type.as_deref() == Some("refresh_token") {
            state.counters.refresh_requests += 1;
        }
        state.faults.scripted_token_answers.pop_front()
    };
    // Tell waiters the request arrived, before possibly holding it below.
    shared.changed.notify_waiters();
    if let Some(answer) = scripted {
        let mut reply = Reply::raw(answer.status, &answer.content_type, answer.body);
        for (name, value) in answer.headers {
            reply = reply.with_header(&name, value);
        }
        return reply.into();
    }
    if grant_type.as_deref() == Some("refresh_token") {
        // Hold here while a test has paused refreshes (nothing is locked).
        let mut gate = shared.refresh_gate.subscribe();
        let _ = gate.wait_for(|open| *open).await;
    }

    let mut state = shared.state();
    if let Err(reply) = require_form_post(request) {
        return reply.into();
    }
    let client_id = match authenticate_client(&state, request, &form) {
        Ok(id) => id,
        Err(reply) => return reply.into(),
    };
    if let Some(expires_in) = first(&form, "expires_in") {
        let allowed = if grant_type.as_deref() == Some("client_credentials") {
            expires_in.parse().is_ok_and(|s: u64| CLIENT_CREDENTIALS_LIFETIMES.contains(&s))
        } else {
            expires_in == "28800"
        };
        if !allowed {
            return Reply::error(400, "invalid_request", "Invalid expires_in parameter value").into();
        }
    }
    match grant_type.as_deref() {
        Some("authorization_code") => exchange_code(&mut state, &client_id, &form).into(),
        Some("refresh_token") => refresh(&mut state, &client_id, &form),
        Some("client_credentials") => client_credentials(&mut state, &client_id, &form).into(),
        Some(_) => Reply::error(400, "unsupported_grant_type", "Unsupported grant_type").into(),
        None => Reply::error(400, "invalid_request", "Missing parameters: grant_type").into(),
    }
}

fn exchange_code(state: &mut State, client_id: &str, form: &[(String, String)]) -> Reply {
    let Some(code) = first(form, "code") else {
        return Reply::error(400, "invalid_request", "Missing parameters: code");
    };
    let now = state.now();
    let code_lifetime = state.config.code_lifetime;
    let Some(grant) = state.codes.get_mut(&code) else {
        return Reply::error(400, "invalid_grant", "Authorization code invalid");
    };
    if grant.used || grant.client_id != client_id {
        return Reply::error(400, "invalid_grant", "Authorization code invalid");
    }
    if now >= grant.issued_at + code_lifetime {
        return Reply::error(400, "invalid_grant", "Authorization code expired");
    }
    let sent_redirect = first(form, "redirect_uri");
    if let Some(expected) = &grant.redirect_uri {
        match &sent_redirect {
            None => return Reply::error(400, "invalid_request", "Missing parameters: redirect_uri"),
            Some(sent) if sent != expected => {
                return Reply::error(
                    400,
                    "invalid_grant",
                    "Redirect URI does not match the one sent to authorize",
                );
            }
            Some(_) => {}
        }
    }
    if let Some(challenge) = &grant.code_challenge {
        let Some(verifier) = first(form, "code_verifier") else {
            return Reply::error(400, "invalid_request", "Missing parameters: code_verifier");
        };
        if !is_pkce_verifier(&verifier) {
            return Reply::error(400, "invalid_request", "Invalid code_verifier parameter value");
        }
        if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
            return Reply::error(400, "invalid_grant", "Code verifier does not match the code challenge");
        }
    }
    grant.used = true;
    let scopes = grant.scopes.clone();
    let user_id = state.config.user_id.clone();
    state.counters.code_exchanges += 1;
    let answer = state.issue_pair(client_id, &user_id, scopes);
    Reply::json(200, &answer.to_json())
}

fn refresh(state: &mut State, client_id: &str, form: &[(String, String)]) -> Outcome {
    let Some(refresh_token) = first(form, "refresh_token") else {
        return Reply::error(400, "invalid_request", "Missing parameters: refresh_token").into();
    };
    // Fitbit repeats the refused token in its message; so does the mock, so
    // that tests can check clients keep it out of their errors.
    let refused = |state: &mut State| {
        state.counters.refresh_refusals += 1;
        Reply::error(
            400,
            "invalid_grant",
            &format!(
                "Refresh token invalid: {refresh_token}. Visit https://dev.fitbit.com/docs/oauth2 for more \
                 information on the Fitbit Web API authorization process."
            ),
        )
        .into()
    };
    let now = state.now();
    let replay_window = state.config.replay_window;
    let Some(record) = state.refresh.get(&refresh_token) else {
        return refused(state);
    };
    if record.revoked || record.client_id != client_id {
        return refused(state);
    }
    let answer = match &record.spent {
        Some((spent_at, answer)) if now < *spent_at + replay_window => {
            let answer = answer.clone();
            state.counters.refresh_replays += 1;
            answer
        }
        Some(_) => return refused(state),
        None => {
            let (user_id, scopes) = (record.user_id.clone(), record.scopes.clone());
            let answer = state.issue_pair(client_id, &user_id, scopes);
            if let Some(record) = state.refresh.get_mut(&refresh_token) {
                record.spent = Some((now, answer.clone()));
            }
            state.counters.refresh_rotations += 1;
            answer
        }
    };
    if state.faults.drop_after_refresh > 0 {
        state.faults.drop_after_refresh -= 1;
        return Outcome::DropConnection;
    }
    Reply::json(200, &answer.to_json()).into()
}

fn client_credentials(state: &mut State, client_id: &str, form: &[(String, String)]) -> Reply {
    if state.app(client_id).is_some_and(|app| app.client_secret.is_none()) {
        return Reply::error(
            401,
            "unauthorized_client",
            "The client-credentials grant needs a client secret",
        );
    }
    let lifetime = first(form, "expires_in").and_then(|s| s.parse().ok()).unwrap_or(28800);
    let access_token =
        state.issue_access(client_id, None, Vec::new(), std::time::Duration::from_secs(lifetime));
    state.counters.client_credentials += 1;
    let answer = TokenAnswer {
        access_token,
        refresh_token: None,
        user_id: None,
        scopes: Vec::new(),
        expires_in: lifetime,
        include_scope: false,
    };
    Reply::json(200, &answer.to_json())
}

/// `POST /oauth2/revoke`: RFC 7009, so unknown tokens are answered 200 too.
pub(crate) fn revoke(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    if let Err(reply) = require_form_post(request) {
        return reply;
    }
    let form = request.form();
    let client_id = match authenticate_client(&state, request, &form) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let Some(token) = first(&form, "token") else {
        return Reply::error(400, "invalid_request", "Missing parameters: token");
    };
    let owner = state
        .access
        .get(&token)
        .and_then(|r| Some((r.client_id.clone(), r.user_id.clone()?)))
        .or_else(|| state.refresh.get(&token).map(|r| (r.client_id.clone(), r.user_id.clone())));
    // Tokens of other apps are ignored, as RFC 7009 allows.
    if let Some((owner_client, user_id)) = owner
        && owner_client == client_id
    {
        state.revoke_grant(&client_id, &user_id);
    }
    state.counters.revocations += 1;
    Reply::empty(200)
}

/// `POST /1.1/oauth2/introspect`.
pub(crate) fn introspect(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    let bearer = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    if let Err(problem) = state.check_bearer(bearer) {
        return bearer_refusal(problem, bearer);
    }
    if let Err(reply) = require_form_post(request) {
        return reply;
    }
    let Some(token) = first(&request.form(), "token") else {
        return Reply::error(400, "invalid_request", "Missing parameters: token");
    };
    state.counters.introspections += 1;
    let scope_map = |scopes: &[String]| {
        let entries: Vec<String> =
            scopes.iter().map(|s| format!("{}=READ_WRITE", s.to_ascii_uppercase())).collect();
        format!("{{{}}}", entries.join(", "))
    };
    if let Ok(record) = state.check_bearer(&token) {
        return Reply::json(
            200,
            &json!({
                "active": true,
                "scope": scope_map(&record.scopes),
                "client_id": record.client_id,
                "user_id": record.user_id,
                "token_type": "access_token",
                "exp": epoch_millis(record.expires_at) as u64,
                "iat": epoch_millis(record.issued_at) as u64,
            }),
        );
    }
    if let Some(record) = state.refresh.get(&token).filter(|r| r.spent.is_none() && !r.revoked) {
        return Reply::json(
            200,
            &json!({
                "active": true,
                "scope": scope_map(&record.scopes),
                "client_id": record.client_id,
                "user_id": record.user_id,
                "token_type": "refresh_token",
            }),
        );
    }
    Reply::json(200, &json!({ "active": false }))
}

/// The 401 Fitbit gives for a bearer token it does not accept.
pub(crate) fn bearer_refusal(problem: BearerProblem, token: &str) -> Reply {
    let reply = match problem {
        BearerProblem::Expired => Reply::error(
            401,
            "expired_token",
            &format!(
                "Access token expired: {token}. Visit https://dev.fitbit.com/docs/oauth2 for more information on \
                 the Fitbit Web API authorization process."
            ),
        ),
        BearerProblem::Unknown | BearerProblem::Revoked => Reply::error(
            401,
            "invalid_token",
            "Access token invalid or revoked. Visit https://dev.fitbit.com/docs/oauth2 for more information on the \
             Fitbit Web API authorization process.",
        ),
    };
    reply.with_header("www-authenticate", "Bearer realm=\"api.fitbit.com\"")
}

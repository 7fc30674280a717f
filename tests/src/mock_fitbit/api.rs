//! The sliver of the Web API the mock serves: `GET /1/user/{user-id}/profile.json`,
//! and the answers a test registers with [`super::MockFitbit::serve_json`].

use serde_json::json;

use super::Shared;
use super::http::{MockRequest, Reply};
use super::oauth::bearer_refusal;
use super::state::{State, epoch_secs};

/// The `{user-id}` of a profile path, percent-decoded (`-` or an encoded id).
pub(crate) fn profile_user(path: &str) -> Option<String> {
    let user = path.strip_prefix("/1/user/")?.strip_suffix("/profile.json")?;
    if user.is_empty() || user.contains('/') {
        return None;
    }
    Some(url::form_urlencoded::parse(format!("u={user}").as_bytes()).next()?.1.into_owned())
}

/// `GET /1/user/{user-id}/profile.json`.
pub(crate) fn profile(shared: &Shared, request: &MockRequest, user: &str) -> Reply {
    let mut state = shared.state();
    state.counters.api_requests += 1;
    let bearer = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    let record = match state.check_bearer(bearer) {
        Ok(record) => record,
        Err(problem) => return bearer_refusal(problem, bearer),
    };
    let Some(owner) = record.user_id.clone() else {
        return Reply::error(403, "insufficient_permissions", "App tokens cannot read user data");
    };
    let has_profile_scope = record.scopes.iter().any(|s| s == "profile");
    let Some(limits) = count_request(&mut state, &owner) else {
        let reset = seconds_to_next_hour(&state);
        return Reply::error(429, "system", "Too Many Requests")
            .with_header("retry-after", reset.to_string())
            .with_rate_limits(state.config.rate_limit_per_hour, 0, reset);
    };
    let reply = if !has_profile_scope {
        let mut reply = Reply::json(
            403,
            &json!({
                "errors": [{
                    "errorType": "insufficient_scope",
                    "fieldName": "profile",
                    "message": "This application does not have permission to access profile data."
                }],
                "success": false
            }),
        );
        reply.headers.push(("www-authenticate".into(), "Bearer error=\"insufficient_scope\"".into()));
        reply
    } else if user != "-" && user != owner {
        Reply::error(403, "authorization", "The caller is not authorized to view the requested resource")
    } else {
        let mut profile = state.config.profile.clone();
        if let Some(fields) = profile.as_object_mut() {
            fields.insert("encodedId".into(), json!(owner));
        }
        Reply::json(200, &json!({ "user": profile }))
    };
    reply.with_rate_limits(limits.0, limits.1, limits.2)
}

/// An answer registered for one GET: the path, the query parameters (any
/// order), the scope the token must hold, and the body.
#[derive(Clone, Debug)]
pub(crate) struct RecordedAnswer {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub scope: String,
    /// Only for requests with this `Accept-Language`; `None` for any.
    pub units: Option<String>,
    pub body: serde_json::Value,
}

/// The answer registered for this request, if any: same path, same query
/// parameters (order aside); one registered for the request's
/// `Accept-Language` before one registered for any.
pub(crate) fn recorded(shared: &Shared, request: &MockRequest) -> Option<RecordedAnswer> {
    let mut query = request.query_pairs();
    query.sort();
    let units = request.header("accept-language");
    let state = shared.state();
    let matching = |a: &&RecordedAnswer| a.path == request.path && a.query == query;
    state
        .answers
        .iter()
        .filter(matching)
        .find(|a| a.units.is_some() && a.units.as_deref() == units)
        .or_else(|| state.answers.iter().filter(matching).find(|a| a.units.is_none()))
        .cloned()
}

/// `GET` of a registered answer: the bearer, the scope and the hourly quota
/// are checked as for the profile.
pub(crate) fn answer(shared: &Shared, request: &MockRequest, answer: RecordedAnswer) -> Reply {
    let mut state = shared.state();
    state.counters.api_requests += 1;
    let bearer = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    let record = match state.check_bearer(bearer) {
        Ok(record) => record,
        Err(problem) => return bearer_refusal(problem, bearer),
    };
    let Some(owner) = record.user_id.clone() else {
        return Reply::error(403, "insufficient_permissions", "App tokens cannot read user data");
    };
    let has_scope = record.scopes.contains(&answer.scope);
    let Some(limits) = count_request(&mut state, &owner) else {
        let reset = seconds_to_next_hour(&state);
        return Reply::error(429, "system", "Too Many Requests").with_rate_limits(
            state.config.rate_limit_per_hour,
            0,
            reset,
        );
    };
    let reply = if has_scope {
        Reply::json(200, &answer.body)
    } else {
        Reply::json(
            403,
            &json!({
                "errors": [{
                    "errorType": "insufficient_scope",
                    "fieldName": answer.scope,
                    "message": format!("This application does not have permission to access {} data.", answer.scope)
                }],
                "success": false
            }),
        )
    };
    reply.with_rate_limits(limits.0, limits.1, limits.2)
}

/// Counts one request in the user's hourly quota; `None` when it is spent.
/// Returns (limit, remaining, seconds to reset).
fn count_request(state: &mut State, user: &str) -> Option<(u32, u32, u64)> {
    let limit = state.config.rate_limit_per_hour;
    let hour = epoch_secs(state.now()) / 3600;
    let reset = seconds_to_next_hour(state);
    let window = state.rate.entry(user.to_string()).or_insert((hour, 0));
    if window.0 != hour {
        *window = (hour, 0);
    }
    if window.1 >= limit {
        return None;
    }
    window.1 += 1;
    Some((limit, limit - window.1, reset))
}

fn seconds_to_next_hour(state: &State) -> u64 {
    3600 - epoch_secs(state.now()) % 3600
}

impl Reply {
    fn with_rate_limits(self, limit: u32, remaining: u32, reset: u64) -> Self {
        self.with_header("fitbit-rate-limit-limit", limit.to_string())
            .with_header("fitbit-rate-limit-remaining", remaining.to_string())
            .with_header("fitbit-rate-limit-reset", reset.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_paths() {
        assert_eq!(profile_user("/1/user/-/profile.json").as_deref(), Some("-"));
        assert_eq!(profile_user("/1/user/GGNJL9/profile.json").as_deref(), Some("GGNJL9"));
        assert_eq!(profile_user("/1/user/A%2DB/profile.json").as_deref(), Some("A-B"));
        assert_eq!(profile_user("/1/user//profile.json"), None);
        assert_eq!(profile_user("/1/user/a/b/profile.json"), None);
        assert_eq!(profile_user("/1/user/-/devices.json"), None);
    }
}

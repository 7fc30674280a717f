//! `/v4/...`: routing (the flat paths Google's client sends), authentication,
//! query-parameter checks, fault injection, and `enum-encoding=int` answers.

use std::collections::BTreeSet;

use http::Method;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::discovery::{self, Walk};
use super::errors::{ApiError, SERVICE};
use super::http::{MockRequest, Reply};
use super::state::{AccessProblem, State};
use super::{Shared, points, profile, rollup, subscribers};

/// One REST method of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    GetIdentity,
    GetProfile,
    UpdateProfile,
    GetSettings,
    UpdateSettings,
    GetIrnProfile,
    ListPairedDevices,
    GetPairedDevice,
    ListDataPoints,
    CreateDataPoint,
    GetDataPoint,
    UpdateDataPoint,
    BatchDeleteDataPoints,
    ReconcileDataPoints,
    RollUpDataPoints,
    DailyRollUpDataPoints,
    ExportExerciseTcx,
    CreateSubscriber,
    ListSubscribers,
    UpdateSubscriber,
    DeleteSubscriber,
    CreateSubscription,
    ListSubscriptions,
    UpdateSubscription,
    DeleteSubscription,
}

impl Op {
    /// (Discovery method id, gRPC method, response schema, request body schema).
    fn facts(self) -> (&'static str, &'static str, &'static str, Option<&'static str>) {
        use Op::*;
        match self {
            GetIdentity => ("health.users.getIdentity", "HealthProfileService.GetIdentity", "Identity", None),
            GetProfile => ("health.users.getProfile", "HealthProfileService.GetProfile", "Profile", None),
            UpdateProfile => (
                "health.users.updateProfile",
                "HealthProfileService.UpdateProfile",
                "Profile",
                Some("Profile"),
            ),
            GetSettings => ("health.users.getSettings", "HealthProfileService.GetSettings", "Settings", None),
            UpdateSettings => (
                "health.users.updateSettings",
                "HealthProfileService.UpdateSettings",
                "Settings",
                Some("Settings"),
            ),
            GetIrnProfile => {
                ("health.users.getIrnProfile", "HealthProfileService.GetIrnProfile", "IrnProfile", None)
            }
            ListPairedDevices => (
                "health.users.pairedDevices.list",
                "HealthProfileService.ListPairedDevices",
                "ListPairedDevicesResponse",
                None,
            ),
            GetPairedDevice => (
                "health.users.pairedDevices.get",
                "HealthProfileService.GetPairedDevice",
                "PairedDevice",
                None,
            ),
            ListDataPoints => (
                "health.users.dataTypes.dataPoints.list",
                "DataPointsService.ListDataPoints",
                "ListDataPointsResponse",
                None,
            ),
            CreateDataPoint => (
                "health.users.dataTypes.dataPoints.create",
                "DataPointsService.CreateDataPoint",
                "Operation",
                Some("DataPoint"),
            ),
            GetDataPoint => {
                ("health.users.dataTypes.dataPoints.get", "DataPointsService.GetDataPoint", "DataPoint", None)
            }
            UpdateDataPoint => (
                "health.users.dataTypes.dataPoints.patch",
                "DataPointsService.UpdateDataPoint",
                "Operation",
                Some("DataPoint"),
            ),
            BatchDeleteDataPoints => (
                "health.users.dataTypes.dataPoints.batchDelete",
                "DataPointsService.BatchDeleteDataPoints",
                "Operation",
                Some("BatchDeleteDataPointsRequest"),
            ),
            ReconcileDataPoints => (
                "health.users.dataTypes.dataPoints.reconcile",
                "DataPointsService.ReconcileDataPoints",
                "ReconcileDataPointsResponse",
                None,
            ),
            RollUpDataPoints => (
                "health.users.dataTypes.dataPoints.rollUp",
                "DataPointsService.RollUpDataPoints",
                "RollUpDataPointsResponse",
                Some("RollUpDataPointsRequest"),
            ),
            DailyRollUpDataPoints => (
                "health.users.dataTypes.dataPoints.dailyRollUp",
                "DataPointsService.DailyRollUpDataPoints",
                "DailyRollUpDataPointsResponse",
                Some("DailyRollUpDataPointsRequest"),
            ),
            ExportExerciseTcx => (
                "health.users.dataTypes.dataPoints.exportExerciseTcx",
                "DataPointsService.ExportExerciseTcx",
                "ExportExerciseTcxResponse",
                None,
            ),
            CreateSubscriber => (
                "health.projects.subscribers.create",
                "DataSubscriptionService.CreateSubscriber",
                "Operation",
                Some("CreateSubscriberPayload"),
            ),
            ListSubscribers => (
                "health.projects.subscribers.list",
                "DataSubscriptionService.ListSubscribers",
                "ListSubscribersResponse",
                None,
            ),
            UpdateSubscriber => (
                "health.projects.subscribers.patch",
                "DataSubscriptionService.UpdateSubscriber",
                "Operation",
                Some("Subscriber"),
            ),
            DeleteSubscriber => (
                "health.projects.subscribers.delete",
                "DataSubscriptionService.DeleteSubscriber",
                "Operation",
                None,
            ),
            CreateSubscription => (
                "health.projects.subscribers.subscriptions.create",
                "DataSubscriptionService.CreateSubscription",
                "Subscription",
                Some("CreateSubscriptionPayload"),
            ),
            ListSubscriptions => (
                "health.projects.subscribers.subscriptions.list",
                "DataSubscriptionService.ListSubscriptions",
                "ListSubscriptionsResponse",
                None,
            ),
            UpdateSubscription => (
                "health.projects.subscribers.subscriptions.patch",
                "DataSubscriptionService.UpdateSubscription",
                "Subscription",
                Some("Subscription"),
            ),
            DeleteSubscription => (
                "health.projects.subscribers.subscriptions.delete",
                "DataSubscriptionService.DeleteSubscription",
                "Empty",
                None,
            ),
        }
    }

    pub fn discovery_id(self) -> &'static str {
        self.facts().0
    }

    /// The gRPC method name Google puts in `ErrorInfo.metadata.method`.
    pub fn rpc(self) -> String {
        format!("google.devicesandservices.health.v4.{}", self.facts().1)
    }

    pub fn response_schema(self) -> &'static str {
        self.facts().2
    }

    pub fn request_schema(self) -> Option<&'static str> {
        self.facts().3
    }

    fn is_project(self) -> bool {
        self.discovery_id().starts_with("health.projects.")
    }
}

/// A matched path: the method and its path variables (percent-decoded).
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub op: Op,
    pub user: String,
    pub data_type: String,
    pub id: String,
    pub project: String,
    pub subscriber: String,
}

fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let not_found = || ApiError::not_found(format!("The requested URL {path} was not found on this server."));
    let segments: Vec<String> = path
        .strip_prefix("/v4/")
        .ok_or_else(not_found)?
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    if segments.iter().any(String::is_empty) {
        return Err(not_found());
    }
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut route = Route {
        op: Op::GetIdentity,
        user: String::new(),
        data_type: String::new(),
        id: String::new(),
        project: String::new(),
        subscriber: String::new(),
    };
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let patch = *method == Method::PATCH;
    let delete = *method == Method::DELETE;
    let pick = |options: &[(bool, Op)]| options.iter().find(|(ok, _)| *ok).map(|(_, op)| *op);
    let op = match s.as_slice() {
        ["users", user, rest @ ..] => {
            route.user = user.to_string();
            match rest {
                ["identity"] => pick(&[(get, Op::GetIdentity)]),
                ["profile"] => pick(&[(get, Op::GetProfile), (patch, Op::UpdateProfile)]),
                ["settings"] => pick(&[(get, Op::GetSettings), (patch, Op::UpdateSettings)]),
                ["irnProfile"] => pick(&[(get, Op::GetIrnProfile)]),
                ["pairedDevices"] => pick(&[(get, Op::ListPairedDevices)]),
                ["pairedDevices", id] => {
                    route.id = id.to_string();
                    pick(&[(get, Op::GetPairedDevice)])
                }
                ["dataTypes", data_type, last] => {
                    route.data_type = data_type.to_string();
                    match *last {
                        "dataPoints" => pick(&[(get, Op::ListDataPoints), (post, Op::CreateDataPoint)]),
                        "dataPoints:reconcile" => pick(&[(get, Op::ReconcileDataPoints)]),
                        "dataPoints:rollUp" => pick(&[(post, Op::RollUpDataPoints)]),
                        "dataPoints:dailyRollUp" => pick(&[(post, Op::DailyRollUpDataPoints)]),
                        "dataPoints:batchDelete" => pick(&[(post, Op::BatchDeleteDataPoints)]),
                        _ => return Err(not_found()),
                    }
                }
                ["dataTypes", data_type, "dataPoints", last] => {
                    route.data_type = data_type.to_string();
                    match last.split_once(':') {
                        Some((id, "exportExerciseTcx")) if !id.is_empty() => {
                            route.id = id.to_string();
                            pick(&[(get, Op::ExportExerciseTcx)])
                        }
                        Some(_) => return Err(not_found()),
                        None => {
                            route.id = last.to_string();
                            pick(&[(get, Op::GetDataPoint), (patch, Op::UpdateDataPoint)])
                        }
                    }
                }
                _ => return Err(not_found()),
            }
        }
        ["projects", project, "subscribers", rest @ ..] => {
            route.project = project.to_string();
            match rest {
                [] => pick(&[(get, Op::ListSubscribers), (post, Op::CreateSubscriber)]),
                [subscriber] => {
                    route.subscriber = subscriber.to_string();
                    pick(&[(patch, Op::UpdateSubscriber), (delete, Op::DeleteSubscriber)])
                }
                [subscriber, "subscriptions"] => {
                    route.subscriber = subscriber.to_string();
                    pick(&[(get, Op::ListSubscriptions), (post, Op::CreateSubscription)])
                }
                [subscriber, "subscriptions", id] => {
                    route.subscriber = subscriber.to_string();
                    route.id = id.to_string();
                    pick(&[(patch, Op::UpdateSubscription), (delete, Op::DeleteSubscription)])
                }
                _ => return Err(not_found()),
            }
        }
        _ => return Err(not_found()),
    };
    route.op = op.ok_or_else(|| ApiError::not_found(format!("Method not found: {method} {path}")))?;
    Ok(route)
}

/// The query parameters of an API request, checked against the method's
/// Discovery parameters and the standard ones (`alt`, `$alt`, `fields`, …).
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(request: &MockRequest, op: Op) -> Result<Self, ApiError> {
        let discovery = discovery::get();
        let mut pairs = Vec::new();
        let mut seen = BTreeSet::new();
        for (name, value) in request.query_pairs() {
            let standard = name.strip_prefix('$').filter(|n| discovery.standard_parameter(n).is_some());
            let canonical = match standard {
                Some(bare) => bare.to_string(),
                None if discovery.standard_parameter(&name).is_some() => name.clone(),
                None if discovery.query_parameter(op.discovery_id(), &name).is_some() => name.clone(),
                None => {
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. \
                         Field '{name}' could not be found in request message."
                    )));
                }
            };
            if !seen.insert(canonical.clone()) {
                return Err(ApiError::invalid_argument(format!(
                    "Invalid JSON payload received. Cannot bind query parameter '{canonical}': it is not repeated \
                     but was given more than once."
                )));
            }
            pairs.push((canonical, value));
        }
        Ok(Self { pairs })
    }

    /// A parameter's value (`$alt` is found as `alt`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A non-empty string parameter (Google's client sends empty ones for unset fields).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(text) => text.parse::<i32>().map(|n| Some(i64::from(n))).map_err(|_| {
                ApiError::invalid_argument(format!("Invalid value at '{name}' (TYPE_INT32), \"{text}\""))
            }),
        }
    }

    pub fn boolean(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("") | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(text) => {
                Err(ApiError::invalid_argument(format!("Invalid value at '{name}' (TYPE_BOOL), \"{text}\"")))
            }
        }
    }
}

/// Who is calling.
pub(crate) struct Caller {
    /// The OAuth client of the access token (empty for project calls).
    pub client_id: String,
    pub scopes: Vec<String>,
    /// How a project call was authorized.
    pub project: Option<super::project::ProjectCaller>,
}

impl Caller {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Everything a method handler needs.
pub(crate) struct Ctx<'a> {
    pub state: &'a mut State,
    pub request: &'a MockRequest,
    pub route: Route,
    pub query: Query,
    pub caller: Caller,
    /// `alt=media` was asked for.
    pub media: bool,
}

/// A handler's successful answer.
pub(crate) enum Answer {
    Json(Value),
    Media { content_type: &'static str, body: String },
}

impl Ctx<'_> {
    /// The 403 for a token without the scope a method needs.
    pub fn insufficient_scope(&self, needed: &[String]) -> ApiError {
        ApiError::permission_denied("Request had insufficient authentication scopes.")
            .with_reason("ACCESS_TOKEN_SCOPE_INSUFFICIENT", &[("method", &self.route.op.rpc())])
            .with_header(
                "www-authenticate",
                &format!(
                    "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{}\"",
                    needed.join(" ")
                ),
            )
    }

    /// Requires one of `scopes`.
    pub fn require_any(&self, scopes: &[String]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.caller.has(s)) { Ok(()) } else { Err(self.insufficient_scope(scopes)) }
    }

    /// Requires the path's `{user}` to be `me` or the caller's own `healthUserId`.
    pub fn check_user(&self) -> Result<(), ApiError> {
        let user = &self.route.user;
        if user == "me" || *user == self.state.config.health_user_id {
            Ok(())
        } else {
            Err(ApiError::permission_denied(format!(
                "Permission denied on resource 'users/{user}' (or it may not exist)."
            )))
        }
    }

    /// The request body, parsed and checked against `schema` (enums may be numbers).
    pub fn body(&self, schema: &str) -> Result<Value, ApiError> {
        let request = self.request;
        let mut value = if request.body.is_empty() {
            Value::Object(Map::new())
        } else {
            let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
            if !content_type.starts_with("application/json") {
                return Err(ApiError::invalid_argument(
                    "Invalid JSON payload received. Send the body as application/json.",
                ));
            }
            serde_json::from_slice::<Value>(&request.body)
                .map_err(|e| ApiError::invalid_argument(format!("Invalid JSON payload received. {e}")))?
        };
        let Some(fields) = value.as_object_mut() else {
            return Err(ApiError::invalid_argument("Invalid JSON payload received. Expected an object."));
        };
        // Google's client sends whole request messages for these methods (body "*"),
        // so `parent` comes in the body as well; it must be the URL's.
        let carries_parent = matches!(
            self.route.op,
            Op::BatchDeleteDataPoints | Op::RollUpDataPoints | Op::DailyRollUpDataPoints
        );
        if carries_parent && let Some(parent) = fields.remove("parent") {
            let expected = format!("users/{}/dataTypes/{}", self.route.user, self.route.data_type);
            if parent.as_str() != Some(expected.as_str()) {
                return Err(ApiError::invalid_argument(format!(
                    "The parent in the body ({parent}) does not match the URL ({expected})."
                )));
            }
        }
        discovery::get()
            .walk(&mut value, schema, Walk::Input)
            .map_err(|e| ApiError::invalid_argument(format!("Invalid JSON payload received. {e}")))?;
        Ok(value)
    }
}

/// Handles one `/v4/...` request.
pub(crate) fn handle(shared: &Shared, request: &MockRequest) -> Reply {
    let mut state = shared.state();
    state.counters.api_requests += 1;
    if request.path.starts_with("/v4/projects/") {
        state.counters.subscriber_requests += 1;
    }
    let reply = dispatch(&mut state, request).unwrap_or_else(ApiError::into_reply);
    *state.counters.api_statuses.entry(reply.status.as_u16()).or_default() += 1;
    reply
}

fn authenticate(
    state: &State,
    request: &MockRequest,
    query: &[(String, String)],
    op: Op,
) -> Result<Caller, ApiError> {
    let token = request.bearer().map(String::from).or_else(|| {
        query.iter().find(|(n, _)| n == "access_token" || n == "oauth_token").map(|(_, v)| v.clone())
    });
    let Some(token) = token else {
        return Err(ApiError::unauthenticated(
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie \
             or other valid authentication credential. See \
             https://developers.google.com/identity/sign-in/web/devconsole-project.",
        )
        .with_reason("CREDENTIALS_MISSING", &[("method", &op.rpc())]));
    };
    if op.is_project() {
        // Project calls need Cloud credentials with the cloud-platform scope.
        let project = super::project::authenticate(state, &token, &op.rpc())?;
        return Ok(Caller { client_id: String::new(), scopes: Vec::new(), project: Some(project) });
    }
    let invalid = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or \
                   other valid authentication credential. See \
                   https://developers.google.com/identity/sign-in/web/devconsole-project.";
    match state.check_access(&token) {
        Ok(record) => {
            Ok(Caller { client_id: record.client_id.clone(), scopes: record.scopes.clone(), project: None })
        }
        Err(AccessProblem::Expired) => Err(ApiError::unauthenticated(invalid)
            .with_reason("ACCESS_TOKEN_EXPIRED", &[("method", &op.rpc())])
            .with_header(
                "www-authenticate",
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            )),
        Err(AccessProblem::Unknown | AccessProblem::Revoked) => Err(ApiError::unauthenticated(invalid)
            .with_header(
                "www-authenticate",
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            )),
    }
}

/// The Cloud project number in a client id (`1234-….apps.googleusercontent.com`).
fn project_of(client_id: &str) -> &str {
    client_id.split('-').next().unwrap_or("0")
}

fn dispatch(state: &mut State, request: &MockRequest) -> Result<Reply, ApiError> {
    let route = route(&request.method, &request.path)?;
    let op = route.op;
    if let Some(status) = state.faults.api_failures.pop_front() {
        state.counters.injected_failures += 1;
        return Err(ApiError::for_status(status, &op.rpc()));
    }
    let caller = authenticate(state, request, &request.query_pairs(), op)?;
    match caller.project {
        Some(super::project::ProjectCaller::CloudToken) => state.counters.cloud_token_calls += 1,
        Some(super::project::ProjectCaller::ServiceAccount) => state.counters.service_account_calls += 1,
        None => {}
    }
    if state.faults.service_disabled {
        let project =
            if op.is_project() { route.project.clone() } else { project_of(&caller.client_id).to_string() };
        return Err(ApiError::permission_denied(format!(
            "Google Health API has not been used in project {project} before or it is disabled. Enable it by \
             visiting https://console.developers.google.com/apis/api/{SERVICE}/overview?project={project} then \
             retry."
        ))
        .with_reason(
            "SERVICE_DISABLED",
            &[
                ("consumer", &format!("projects/{project}")),
                ("serviceTitle", "Google Health API"),
                (
                    "activationUrl",
                    &format!("https://console.developers.google.com/apis/api/{SERVICE}/overview?project={project}"),
                ),
            ],
        ));
    }
    if !op.is_project() && !state.take_rate_limit() {
        return Err(ApiError::for_status(429, &op.rpc()));
    }
    let query = Query::parse(request, op)?;
    let (enum_numbers, media) = match query.get("alt") {
        None | Some("") | Some("json") => (false, false),
        Some("media") => (false, true),
        Some(alt) => match alt.split_once(';') {
            Some(("json", "enum-encoding=int")) => (true, false),
            Some(("json", "enum-encoding=string")) => (false, false),
            _ => return Err(ApiError::invalid_argument(format!("Invalid value at 'alt', \"{alt}\""))),
        },
    };
    if media && op != Op::ExportExerciseTcx {
        return Err(ApiError::invalid_argument(
            "alt=media is only supported for media downloads (exportExerciseTcx).",
        ));
    }
    if !op.is_project() && state.faults.account_not_linked {
        return Err(ApiError::failed_precondition(
            "The user's Google Account is not linked to a Google Health (Fitbit) profile.",
        )
        .with_reason("ACCOUNT_NOT_LINKED", &[("method", &op.rpc())]));
    }
    let mut ctx = Ctx { state, request, route, query, caller, media };
    let answer = match op {
        Op::GetIdentity
        | Op::GetProfile
        | Op::UpdateProfile
        | Op::GetSettings
        | Op::UpdateSettings
        | Op::GetIrnProfile
        | Op::ListPairedDevices
        | Op::GetPairedDevice => profile::handle(&mut ctx),
        Op::ListDataPoints
        | Op::ReconcileDataPoints
        | Op::GetDataPoint
        | Op::CreateDataPoint
        | Op::UpdateDataPoint
        | Op::BatchDeleteDataPoints
        | Op::ExportExerciseTcx => points::handle(&mut ctx),
        Op::RollUpDataPoints | Op::DailyRollUpDataPoints => rollup::handle(&mut ctx),
        Op::CreateSubscriber
        | Op::ListSubscribers
        | Op::UpdateSubscriber
        | Op::DeleteSubscriber
        | Op::CreateSubscription
        | Op::ListSubscriptions
        | Op::UpdateSubscription
        | Op::DeleteSubscription => subscribers::handle(&mut ctx),
    }?;
    Ok(match answer {
        Answer::Json(mut body) => {
            if enum_numbers {
                // Answers are built in the stored form, so this walk cannot fail.
                let _ = discovery::get().walk(&mut body, op.response_schema(), Walk::EnumsToNumbers);
            }
            Reply::json(200, &body)
        }
        Answer::Media { content_type, body } => Reply::raw(200, content_type, body),
    })
}

//! Google's API error envelope: `{"error": {code, message, status, details}}`,
//! with a `google.rpc.ErrorInfo` detail where a reason applies.

use serde_json::{Map, Value, json};

use super::http::Reply;

/// The service name in `ErrorInfo.metadata`.
pub(crate) const SERVICE: &str = "health.googleapis.com";

/// An API error answer.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub reason: Option<&'static str>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            reason: None,
            metadata: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Self::new(400, "FAILED_PRECONDITION", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(401, "UNAUTHENTICATED", message)
            .with_header("www-authenticate", "Bearer realm=\"https://accounts.google.com/\"")
    }

    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(403, "PERMISSION_DENIED", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(409, "ALREADY_EXISTS", message)
    }

    /// The status Google uses for an HTTP code, for injected failures.
    pub fn for_status(status: u16, method: &str) -> Self {
        let error = match status {
            400 => Self::invalid_argument("Request contains an invalid argument."),
            401 => Self::unauthenticated("Request had invalid authentication credentials."),
            403 => Self::permission_denied("The caller does not have permission"),
            404 => Self::not_found("Requested entity was not found."),
            409 => Self::new(409, "ABORTED", "The operation was aborted."),
            429 => Self::new(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com'.")
                .with_reason("RATE_LIMIT_EXCEEDED", &[("quota_limit", "RequestsPerMinutePerUser"), ("quota_limit_value", "300")]),
            500 => Self::new(500, "INTERNAL", "Internal error encountered."),
            501 => Self::new(501, "NOT_IMPLEMENTED", "Operation is not implemented, or supported, or enabled."),
            503 => Self::new(503, "UNAVAILABLE", "The service is currently unavailable."),
            504 => Self::new(504, "DEADLINE_EXCEEDED", "The request deadline was exceeded."),
            other => Self::new(other, "UNKNOWN", "Unknown error."),
        };
        if error.reason.is_some() { error.with_metadata("method", method) } else { error }
    }

    /// Adds an `ErrorInfo` detail (domain `googleapis.com`, metadata `service`).
    pub fn with_reason(mut self, reason: &'static str, metadata: &[(&str, &str)]) -> Self {
        self.reason = Some(reason);
        self.metadata.push(("service".into(), SERVICE.into()));
        self.metadata.extend(metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    pub fn with_metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.status, "message": self.message, "status": self.code });
        if let Some(reason) = self.reason {
            let metadata: Map<String, Value> =
                self.metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            error["details"] = json!([{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": metadata,
            }]);
        }
        json!({ "error": error })
    }

    pub fn into_reply(self) -> Reply {
        let mut reply = Reply::json(self.status, &self.body());
        reply.headers.extend(self.headers);
        reply
    }
}

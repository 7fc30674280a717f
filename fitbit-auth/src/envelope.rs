//! The error bodies Fitbit sends, parsed without ever failing.

use serde::{Deserialize, Serialize};

/// The longest non-JSON body text kept in [`ErrorEnvelope::raw_body`].
const RAW_BODY_LIMIT: usize = 512;

/// An error body from Fitbit, in either of the envelopes it uses:
///
/// - the classic one, `{"errors":[{"errorType","fieldName","message"}],"success":false}`;
/// - the newer one from Google front ends, `{"error":{"code","message","status"}}`.
///
/// Unknown fields are kept in `extra`. A body that is not JSON at all (an HTML
/// page from a proxy, a truncated body) is kept, shortened, in `raw_body`.
///
/// ```
/// use fitbit_auth::ErrorEnvelope;
///
/// let classic = ErrorEnvelope::parse(br#"{"errors":[{"errorType":"expired_token","message":"Access token expired"}],"success":false}"#);
/// assert_eq!(classic.error_type(), Some("expired_token"));
///
/// let google = ErrorEnvelope::parse(br#"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#);
/// assert_eq!(google.error_type(), Some("RESOURCE_EXHAUSTED"));
///
/// let html = ErrorEnvelope::parse(b"<html><body>Bad Gateway</body></html>");
/// assert!(html.raw_body.as_deref().unwrap().contains("Bad Gateway"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// Classic envelope: the list of errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorItem>,
    /// Classic envelope: always `false` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Newer envelope (or an RFC 6749 error code string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorField>,
    /// RFC 6749 `error_description`, when a server sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The body text when it was not a JSON object; never part of Fitbit's envelope.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "fitbitRsRawBody")]
    pub raw_body: Option<String>,
    /// Fields this type does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One entry of the classic envelope's `errors` list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    /// For example `expired_token`, `invalid_grant`, `insufficient_scope`, `validation`, `system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The offending field (or missing scope); may be absent or `n/a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// Fitbit's explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this type does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The `error` member: an object from Google front ends, or an OAuth error code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorField {
    /// `{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}`.
    Detailed(GoogleError),
    /// `"invalid_grant"` and the like (RFC 6749).
    Code(String),
}

/// The newer error object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoogleError {
    /// The HTTP status repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For example `RESOURCE_EXHAUSTED`, `PERMISSION_DENIED`, `UNAUTHENTICATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Typed details (`google.rpc.ErrorInfo`, `google.rpc.Help`…), each an
    /// object with an `@type`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
    /// Fields this type does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ErrorEnvelope {
    /// Parses any body. Never fails: what is not an envelope ends up in `raw_body`.
    ///
    /// Token-like strings in messages are replaced by `[redacted]`: a server
    /// that echoes a token must not put it into logs through an error.
    pub fn parse(body: &[u8]) -> Self {
        let mut envelope = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value @ serde_json::Value::Object(_)) => {
                serde_json::from_value(value).unwrap_or_else(|_| Self::raw(body))
            }
            _ if body.is_empty() => Self::default(),
            _ => Self::raw(body),
        };
        envelope.redact_messages();
        envelope
    }

    fn redact_messages(&mut self) {
        let scrub = |text: &mut Option<String>| {
            if let Some(text) = text {
                *text = crate::redact::scrub(text);
            }
        };
        for item in &mut self.errors {
            scrub(&mut item.message);
        }
        if let Some(ErrorField::Detailed(detail)) = &mut self.error {
            scrub(&mut detail.message);
        }
        scrub(&mut self.error_description);
        scrub(&mut self.raw_body);
    }

    fn raw(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut end = text.len().min(RAW_BODY_LIMIT);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Self { raw_body: Some(text[..end].trim().to_string()), ..Self::default() }
    }

    /// The first error's type: `errorType` (classic), `status` (newer) or the OAuth code.
    pub fn error_type(&self) -> Option<&str> {
        self.errors.iter().find_map(|e| e.error_type.as_deref()).or(match &self.error {
            Some(ErrorField::Detailed(g)) => g.status.as_deref(),
            Some(ErrorField::Code(code)) => Some(code.as_str()),
            None => None,
        })
    }

    /// Whether any error in the body has this type.
    pub fn has_error_type(&self, wanted: &str) -> bool {
        self.errors.iter().any(|e| e.error_type.as_deref() == Some(wanted))
            || self.error_type() == Some(wanted)
    }

    /// The `reason` of the first `google.rpc.ErrorInfo` detail of a Google
    /// error, e.g. `ACCOUNT_NOT_LINKED`, `ACCESS_TOKEN_SCOPE_INSUFFICIENT`,
    /// `SERVICE_DISABLED`, `RATE_LIMIT_EXCEEDED`.
    ///
    /// ```
    /// use fitbit_auth::ErrorEnvelope;
    ///
    /// let body = br#"{"error":{"code":400,"message":"Account not linked","status":"FAILED_PRECONDITION",
    ///   "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCOUNT_NOT_LINKED","domain":"health.googleapis.com"}]}}"#;
    /// assert_eq!(ErrorEnvelope::parse(body).reason(), Some("ACCOUNT_NOT_LINKED"));
    /// ```
    pub fn reason(&self) -> Option<&str> {
        let Some(ErrorField::Detailed(error)) = &self.error else { return None };
        error.details.iter().find_map(|detail| {
            let is_error_info = detail
                .get("@type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.ends_with("google.rpc.ErrorInfo"));
            if is_error_info { detail.get("reason")?.as_str() } else { None }
        })
    }

    /// The first meaningful `fieldName` (not `n/a`).
    pub fn field_name(&self) -> Option<&str> {
        self.errors.iter().filter_map(|e| e.field_name.as_deref()).find(|f| !f.is_empty() && *f != "n/a")
    }

    /// The first message, from whichever envelope carried one.
    pub fn message(&self) -> Option<&str> {
        self.errors
            .iter()
            .find_map(|e| e.message.as_deref())
            .or(match &self.error {
                Some(ErrorField::Detailed(g)) => g.message.as_deref(),
                _ => None,
            })
            .or(self.error_description.as_deref())
            .or(self.raw_body.as_deref())
    }
}

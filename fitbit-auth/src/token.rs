//! Tokens as Fitbit hands them out, and what introspection says about them.

use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::scope::{Scope, Scopes};
use crate::secret::{AccessToken, RefreshToken};

/// An access token with what came with it: the refresh token, the user, the
/// scopes actually granted and an absolute expiry.
///
/// The expiry is computed when the answer arrives, from `expires_in` (8 hours
/// today, 1 hour in older docs: never assumed). `Debug` redacts both tokens.
/// It serialises to JSON for token stores.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use fitbit_auth::{Scope, TokenSet};
///
/// // The example answer of Fitbit's token endpoint: note that it has no `scope`.
/// let body = br#"{"access_token":"eyJhbGciOiJIUzI1...","expires_in":28800,
///     "refresh_token":"c643a63c072f0f05478e9d18b991db80ef6061e...","token_type":"Bearer","user_id":"GGNJL9"}"#;
/// let received = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// let tokens = TokenSet::from_token_response(body, received)?;
/// assert_eq!(tokens.expires_at, Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap());
/// assert_eq!(tokens.user_id.as_deref(), Some("GGNJL9"));
/// assert!(tokens.scopes.is_empty());
/// assert!(!format!("{tokens:?}").contains("eyJhbGci"));
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The bearer token for API calls.
    pub access_token: AccessToken,
    /// The single-use refresh token; absent for implicit-flow and
    /// client-credentials tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The encoded id of the user who granted access (absent for client
    /// credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The scopes granted, which may be fewer than asked for. Empty when the
    /// answer did not say (Fitbit's current example omits `scope`).
    #[serde(default, rename = "scope")]
    pub scopes: Scopes,
    /// `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// When the access token stops working.
    pub expires_at: DateTime<Utc>,
    /// When the answer arrived; bounds the refresh skew for short-lived tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obtained_at: Option<DateTime<Utc>>,
    /// When the refresh token stops working, for grants that say so
    /// (Google's `refresh_token_expires_in`, e.g. 7 days for an app whose
    /// consent screen is in Testing). `None`: no limit was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
}

fn bearer() -> String {
    "Bearer".into()
}

impl TokenSet {
    /// Parses a token endpoint's success body received at `received_at`.
    ///
    /// Accepts `expires_in` as a number or a numeric string; a body that is
    /// not JSON, or lacks `access_token` or `expires_in`, is an
    /// [`Error::InvalidResponse`] whose message names the problem, never a value.
    pub fn from_token_response(body: &[u8], received_at: DateTime<Utc>) -> Result<Self, Error> {
        let fields = json_object(body, "token")?;
        let access_token = required_string(&fields, "access_token")?;
        let expires_in = fields
            .get("expires_in")
            .ok_or_else(|| invalid("the token answer has no `expires_in`"))
            .and_then(|value| {
                seconds(value).ok_or_else(|| invalid("`expires_in` is not a number of seconds"))
            })?;
        let expires_at = received_at
            .checked_add_signed(chrono::Duration::seconds(expires_in))
            .ok_or_else(|| invalid("`expires_in` is out of range"))?;
        let refresh_token_expires_at = match fields.get("refresh_token_expires_in") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let seconds = seconds(value)
                    .ok_or_else(|| invalid("`refresh_token_expires_in` is not a number of seconds"))?;
                received_at.checked_add_signed(chrono::Duration::seconds(seconds))
            }
        };
        Ok(TokenSet {
            access_token: AccessToken::new(access_token),
            refresh_token: optional_string(&fields, "refresh_token")?
                .filter(|t| !t.is_empty())
                .map(RefreshToken::new),
            user_id: optional_string(&fields, "user_id")?,
            scopes: optional_string(&fields, "scope")?.map(|s| Scopes::parse(&s)).unwrap_or_default(),
            token_type: optional_string(&fields, "token_type")?.unwrap_or_else(bearer),
            expires_at,
            obtained_at: Some(received_at),
            refresh_token_expires_at,
        })
    }

    /// Whether the access token has expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Whether the access token should be refreshed at `now`: it has expired
    /// or will within `skew`. The skew is capped at half the token's lifetime,
    /// so that a short-lived token is not refreshed on every call.
    pub fn needs_refresh_at(&self, now: DateTime<Utc>, skew: Duration) -> bool {
        now >= self.refresh_due_at(skew)
    }

    /// From when on [`needs_refresh_at`](Self::needs_refresh_at) holds:
    /// `skew` (capped at half the token's lifetime) before expiry.
    pub fn refresh_due_at(&self, skew: Duration) -> DateTime<Utc> {
        let mut skew = chrono::Duration::from_std(skew).unwrap_or(chrono::Duration::MAX);
        if let Some(obtained_at) = self.obtained_at {
            let lifetime = self.expires_at - obtained_at;
            if lifetime > chrono::Duration::zero() {
                skew = skew.min(lifetime / 2);
            }
        }
        self.expires_at
            .checked_sub_signed(skew.max(chrono::Duration::zero()))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Time left until expiry at `now` (zero once expired).
    pub fn expires_in_at(&self, now: DateTime<Utc>) -> Duration {
        (self.expires_at - now).to_std().unwrap_or(Duration::ZERO)
    }
}

/// An access or refresh token, for the calls that accept either
/// ([`revoke`](crate::OAuthClient::revoke), [`introspect`](crate::OAuthClient::introspect)).
pub trait OAuthToken: sealed::Sealed + Send + Sync {
    /// The value to send.
    fn token_value(&self) -> &str;
}

impl OAuthToken for AccessToken {
    fn token_value(&self) -> &str {
        self.secret()
    }
}

impl OAuthToken for RefreshToken {
    fn token_value(&self) -> &str {
        self.secret()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::secret::AccessToken {}
    impl Sealed for crate::secret::RefreshToken {}
}

/// What `POST /1.1/oauth2/introspect` says about a token.
///
/// ```
/// use fitbit_auth::{Introspection, Scope};
///
/// let body = br#"{"active":true,"scope":"{ACTIVITY=READ_WRITE, HEARTRATE=READ}","client_id":"23ABCD",
///     "user_id":"GGNJL9","token_type":"access_token","exp":1767297600000,"iat":1767268800000}"#;
/// let info = Introspection::parse(body)?;
/// assert!(info.active);
/// assert!(info.granted_scopes().contains(Scope::Heartrate));
/// assert_eq!(info.scopes[1].access, "READ");
/// assert_eq!(info.expires_at.unwrap().to_rfc3339(), "2026-01-01T20:00:00+00:00");
///
/// assert!(!Introspection::parse(br#"{ "active": false }"#)?.active);
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Introspection {
    /// Whether the token is currently valid.
    pub active: bool,
    /// The scopes and access levels, from `scope` (`{ACTIVITY=READ_WRITE, …}`).
    pub scopes: Vec<IntrospectedScope>,
    /// The app the token was issued to.
    pub client_id: Option<String>,
    /// The user who granted it.
    pub user_id: Option<String>,
    /// For example `access_token`.
    pub token_type: Option<String>,
    /// `exp`.
    pub expires_at: Option<DateTime<Utc>>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
}

/// One entry of an introspection `scope` map, e.g. `ACTIVITY=READ_WRITE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntrospectedScope {
    /// The name as Fitbit wrote it (`ACTIVITY`).
    pub name: String,
    /// The scope, when the name is one of the 15.
    pub scope: Option<Scope>,
    /// The access level (`READ`, `READ_WRITE`); empty when none was given.
    pub access: String,
}

impl Introspection {
    /// Parses an introspection answer. `active` may be a boolean or 1/0;
    /// `exp`/`iat` may be seconds or milliseconds since the epoch.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let fields = json_object(body, "introspection")?;
        let active = match fields.get("active") {
            Some(Value::Bool(active)) => *active,
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true") || s == "1",
            _ => return Err(invalid("the introspection answer has no `active`")),
        };
        Ok(Introspection {
            active,
            scopes: optional_string(&fields, "scope")?.map(|s| parse_scope_map(&s)).unwrap_or_default(),
            client_id: optional_string(&fields, "client_id")?,
            user_id: optional_string(&fields, "user_id")?,
            token_type: optional_string(&fields, "token_type")?,
            expires_at: fields.get("exp").and_then(epoch_timestamp),
            issued_at: fields.get("iat").and_then(epoch_timestamp),
        })
    }

    /// The known scopes the token carries, at any access level.
    pub fn granted_scopes(&self) -> Scopes {
        self.scopes.iter().filter_map(|s| s.scope).collect()
    }
}

/// Parses `{ACTIVITY=READ_WRITE, HEARTRATE=READ}`; a plain space-separated
/// list is accepted too, with empty access levels.
fn parse_scope_map(text: &str) -> Vec<IntrospectedScope> {
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}');
    inner
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, access) = entry.split_once('=').unwrap_or((entry, ""));
            IntrospectedScope {
                name: name.trim().to_string(),
                scope: name.parse().ok(),
                access: access.trim().to_string(),
            }
        })
        .collect()
}

fn invalid(message: &str) -> Error {
    Error::InvalidResponse { status: None, message: message.to_string() }
}

/// The body as a JSON object; the error says what was wrong, never what was there.
fn json_object(body: &[u8], what: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(invalid(&format!("the {what} answer is JSON but not an object"))),
        Err(err) => Err(invalid(&format!(
            "the {what} answer is not JSON ({:?} error at line {}, column {})",
            err.classify(),
            err.line(),
            err.column()
        ))),
    }
}

fn required_string(fields: &Map<String, Value>, name: &str) -> Result<String, Error> {
    optional_string(fields, name)?
        .filter(|value| !value.is_empty())
        .ok_or_else(|| invalid(&format!("the answer has no `{name}`")))
}

fn optional_string(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        // Ids are strings, but a number is unambiguous enough to accept.
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid(&format!("`{name}` is not a string"))),
    }
}

fn seconds(value: &Value) -> Option<i64> {
    let seconds = match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    // Longer than ten years is not a token lifetime; refuse rather than overflow.
    (0..=10 * 366 * 24 * 3600).contains(&seconds).then_some(seconds)
}

/// Seconds or milliseconds since the epoch (values past the year 5138 in
/// seconds are read as milliseconds).
fn epoch_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    let n = value.as_i64().or_else(|| value.as_str()?.trim().parse().ok())?;
    if n.abs() >= 100_000_000_000 {
        Utc.timestamp_millis_opt(n).single()
    } else {
        Utc.timestamp_opt(n, 0).single()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn reference_examples_parse_with_their_own_lifetimes() {
        let current = include_bytes!("../tests/fixtures/token.json");
        let legacy = include_bytes!("../tests/fixtures/token.legacy-docs.json");
        let current = TokenSet::from_token_response(current, at(0)).unwrap();
        let legacy = TokenSet::from_token_response(legacy, at(0)).unwrap();
        assert_eq!(current.expires_at, at(8));
        assert_eq!(legacy.expires_at, at(1), "expires_in 3600 is honoured, not replaced by 28800");
        assert_eq!(legacy.user_id.as_deref(), Some("26FWFL"));
        assert!(current.refresh_token.is_some());
        assert_eq!(current.token_type, "Bearer");
    }

    #[test]
    fn a_limited_refresh_token_lifetime_is_read() {
        let body =
            br#"{"access_token":"a","expires_in":3599,"refresh_token":"r","refresh_token_expires_in":604799,
            "scope":"https://www.googleapis.com/auth/googlehealth.sleep.readonly","token_type":"Bearer"}"#;
        let tokens = TokenSet::from_token_response(body, at(0)).unwrap();
        assert_eq!(tokens.refresh_token_expires_at, Some(at(0) + chrono::Duration::seconds(604_799)));
        assert!(tokens.scopes.contains_google(crate::GoogleScope::SleepReadonly));
        let json = serde_json::to_value(&tokens).unwrap();
        assert_eq!(serde_json::from_value::<TokenSet>(json).unwrap(), tokens);
        let bad = br#"{"access_token":"a","expires_in":3599,"refresh_token_expires_in":"never"}"#;
        assert!(matches!(TokenSet::from_token_response(bad, at(0)), Err(Error::InvalidResponse { .. })));
    }

    #[test]
    fn granted_scopes_and_string_expiry_are_read() {
        let body =
            br#"{"access_token":"a1","expires_in":"3600","scope":"sleep weight mystery","user_id":"U1"}"#;
        let tokens = TokenSet::from_token_response(body, at(0)).unwrap();
        assert_eq!(tokens.scopes.iter().collect::<Vec<_>>(), [Scope::Sleep, Scope::Weight]);
        assert_eq!(tokens.scopes.unrecognized().collect::<Vec<_>>(), ["mystery"]);
        assert_eq!(tokens.expires_at, at(1));
        assert!(tokens.refresh_token.is_none());
    }

    #[test]
    fn malformed_answers_are_typed_errors_that_do_not_echo_the_body() {
        let cases: [&[u8]; 8] = [
            b"<html><body>Bad gateway</body></html>",
            b"",
            b"[1,2]",
            br#"{"access_token":"SECRETVALUE","expires_in":"soon"}"#,
            br#"{"access_token":"SECRETVALUE"}"#,
            br#"{"access_token":"SECRETVALUE","expires_in":-5}"#,
            br#"{"expires_in":3600,"refresh_token":"SECRETVALUE"}"#,
            br#"{"access_token":"SECRETVALUE","expires_in":3600,"refresh_token":{"x":"SECRETVALUE"}}"#,
        ];
        for body in cases {
            let err = TokenSet::from_token_response(body, at(0)).unwrap_err();
            assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
            assert!(!err.to_string().contains("SECRETVALUE"), "{err}");
        }
    }

    #[test]
    fn refresh_is_due_within_the_skew_capped_at_half_the_lifetime() {
        let body = br#"{"access_token":"a","expires_in":28800}"#;
        let tokens = TokenSet::from_token_response(body, at(0)).unwrap();
        let five_minutes = Duration::from_secs(300);
        assert!(!tokens.needs_refresh_at(at(7), five_minutes));
        assert!(tokens.needs_refresh_at(at(8) - chrono::Duration::minutes(4), five_minutes));
        assert!(tokens.needs_refresh_at(at(9), five_minutes));
        assert!(tokens.is_expired_at(at(8)));
        assert_eq!(tokens.expires_in_at(at(7)), Duration::from_secs(3600));
        assert_eq!(tokens.expires_in_at(at(9)), Duration::ZERO);

        // A 60-second token with a 5-minute skew is good for its first 30 seconds.
        let short = TokenSet::from_token_response(br#"{"access_token":"a","expires_in":60}"#, at(0)).unwrap();
        assert!(!short.needs_refresh_at(at(0) + chrono::Duration::seconds(29), five_minutes));
        assert!(short.needs_refresh_at(at(0) + chrono::Duration::seconds(30), five_minutes));
        assert_eq!(short.refresh_due_at(five_minutes), at(0) + chrono::Duration::seconds(30));
        assert_eq!(tokens.refresh_due_at(five_minutes), at(8) - chrono::Duration::minutes(5));
        assert_eq!(tokens.refresh_due_at(Duration::ZERO), at(8));

        // Without a lifetime to cap it, a skew too long to represent means always due.
        let mut unknown_start = tokens.clone();
        unknown_start.obtained_at = None;
        assert!(unknown_start.needs_refresh_at(at(0), Duration::MAX));
        assert_eq!(
            unknown_start.refresh_due_at(Duration::from_secs(60)),
            at(8) - chrono::Duration::minutes(1)
        );
    }

    #[test]
    fn token_sets_round_trip_through_json() {
        let body =
            br#"{"access_token":"a","refresh_token":"r","expires_in":60,"scope":"activity","user_id":"U"}"#;
        let tokens = TokenSet::from_token_response(body, at(0)).unwrap();
        let json = serde_json::to_value(&tokens).unwrap();
        assert_eq!(json["scope"], "activity");
        assert_eq!(json["access_token"], "a");
        assert_eq!(serde_json::from_value::<TokenSet>(json).unwrap(), tokens);
    }

    #[test]
    fn introspection_scope_map_and_variants() {
        let scopes =
            parse_scope_map("{ACTIVITY=READ_WRITE, irregular_rhythm_notifications=READ,NEW_THING=READ}");
        assert_eq!(scopes.len(), 3);
        assert_eq!(scopes[0].scope, Some(Scope::Activity));
        assert_eq!(scopes[0].access, "READ_WRITE");
        assert_eq!(scopes[1].scope, Some(Scope::IrregularRhythmNotifications));
        assert_eq!(scopes[2].scope, None);
        assert_eq!(scopes[2].name, "NEW_THING");
        assert!(parse_scope_map("{}").is_empty());

        // Version 1.0 style: active as 1, seconds timestamps.
        let info =
            Introspection::parse(br#"{"active":1,"exp":1767297600,"scope":"activity sleep"}"#).unwrap();
        assert!(info.active);
        assert_eq!(info.expires_at, Some(Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap()));
        assert_eq!(info.granted_scopes(), Scopes::from([Scope::Activity, Scope::Sleep]));

        for bad in [&b"{}"[..], b"nope", br#"{"active":true,"scope":["activity"]}"#] {
            assert!(matches!(Introspection::parse(bad), Err(Error::InvalidResponse { .. })));
        }
    }
}

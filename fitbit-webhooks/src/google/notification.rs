//! The notifications Google Health POSTs.
//!
//! Google's pages do not show the body; three independent third-party
//! receivers agree on a JSON array of
//! `{"data": {"healthUserId", "dataType", "operation", "civilIso8601TimeInterval": {"startTime", "endTime"}, "clientProvidedSubscriptionName"}}`.
//! This parser takes that, and also a single object instead of an array and
//! items without the `data` wrapper; unknown fields are kept.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What happened to the data in the interval.
///
/// ```
/// use fitbit_webhooks::google::Operation;
///
/// assert_eq!("UPSERT".parse::<Operation>().unwrap(), Operation::Upsert);
/// assert_eq!("MERGE".parse::<Operation>().unwrap(), Operation::Other("MERGE".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `UPSERT`: data points were added or changed; fetch the interval.
    Upsert,
    /// `DELETE`: data points were deleted; drop your copies in the interval.
    Delete,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl Operation {
    /// The value as Google writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Upsert => "UPSERT",
            Self::Delete => "DELETE",
            Self::Other(other) => other,
        }
    }
}

impl std::str::FromStr for Operation {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "UPSERT" => Self::Upsert,
            "DELETE" => Self::Delete,
            other => Self::Other(other.to_owned()),
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_else(|never| match never {}))
    }
}

/// The changed interval, in the user's civil (local) time, as ISO 8601 text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CivilTimeInterval {
    /// The start, e.g. `2026-03-01T08:00:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// The end (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

impl CivilTimeInterval {
    /// The start as a local date-time, when it is one.
    pub fn start(&self) -> Option<NaiveDateTime> {
        self.start_time.as_deref().and_then(civil)
    }

    /// The end as a local date-time, when it is one.
    pub fn end(&self) -> Option<NaiveDateTime> {
        self.end_time.as_deref().and_then(civil)
    }
}

/// `2026-03-01T08:00:00`, with or without fractions of a second, or a date
/// alone (its midnight).
fn civil(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// One notification: data of `data_type` changed (`operation`) for the user
/// `health_user_id` in `interval`. Fetch it with `dataPoints.list` or
/// `reconcile` over that interval.
///
/// Serializes as Google's `data` object (camelCase names, unknown fields
/// kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The user's Health User ID (`users/{healthUserId}` in resource names).
    pub health_user_id: String,
    /// The data type, kebab-case as in API paths (`steps`, `heart-rate`).
    pub data_type: String,
    /// What happened.
    pub operation: Operation,
    /// The changed interval (`civilIso8601TimeInterval`).
    #[serde(rename = "civilIso8601TimeInterval", default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<CivilTimeInterval>,
    /// The subscription's name as you chose it
    /// (`clientProvidedSubscriptionName`).
    #[serde(rename = "clientProvidedSubscriptionName", default, skip_serializing_if = "Option::is_none")]
    pub subscription_name: Option<String>,
    /// Fields this version does not know, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Notification {
    /// What identifies this notification: a second delivery (Google retries
    /// for up to 7 days) has an equal key.
    pub fn key(&self) -> NotificationKey {
        NotificationKey {
            subscription_name: self.subscription_name.clone(),
            health_user_id: self.health_user_id.clone(),
            data_type: self.data_type.clone(),
            operation: self.operation.clone(),
            start: self.interval.as_ref().and_then(|i| i.start_time.clone()),
            end: self.interval.as_ref().and_then(|i| i.end_time.clone()),
        }
    }
}

/// The stable identity of a notification. `Display` gives it as one string,
/// `<subscription>/<healthUserId>/<dataType>/<operation>/<start>/<end>` (`-`
/// for what is absent).
///
/// ```
/// use fitbit_webhooks::google::parse_notifications;
///
/// let body = br#"[{"data":{"healthUserId":"4815162342","dataType":"steps","operation":"UPSERT",
///   "civilIso8601TimeInterval":{"startTime":"2026-03-01T08:00:00","endTime":"2026-03-01T09:00:00"},
///   "clientProvidedSubscriptionName":"alice"}}]"#;
/// let notifications = parse_notifications(body).unwrap();
/// assert_eq!(
///     notifications[0].key().to_string(),
///     "alice/4815162342/steps/UPSERT/2026-03-01T08:00:00/2026-03-01T09:00:00"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationKey {
    /// The subscription's name, when sent.
    pub subscription_name: Option<String>,
    /// The user.
    pub health_user_id: String,
    /// The data type.
    pub data_type: String,
    /// The operation.
    pub operation: Operation,
    /// The interval's start, as sent.
    pub start: Option<String>,
    /// The interval's end, as sent.
    pub end: Option<String>,
}

impl fmt::Display for NotificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        write!(
            f,
            "{}/{}/{}/{}/{}/{}",
            or_dash(&self.subscription_name),
            self.health_user_id,
            self.data_type,
            self.operation,
            or_dash(&self.start),
            or_dash(&self.end)
        )
    }
}

/// A body that is not Google Health notifications.
#[derive(Debug, thiserror::Error)]
#[error("the body is not Google Health notifications: {reason}")]
pub struct NotificationError {
    reason: String,
}

impl NotificationError {
    /// What is wrong, with the line and column (never the body itself).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// One item of the body: `{"data": {...}}` or the notification itself.
#[derive(Deserialize)]
#[serde(untagged)]
enum Item {
    Wrapped { data: Notification },
    Bare(Notification),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Many(Vec<serde_json::Value>),
    One(serde_json::Value),
}

/// The notifications in a POSTed body: an array of items (or one item),
/// each `{"data": {...}}` or the notification object itself.
///
/// Call it only after the signature checked out.
///
/// ```
/// use fitbit_webhooks::google::{Operation, parse_notifications};
///
/// let body = br#"[
///   {"data":{"healthUserId":"1","dataType":"sleep","operation":"DELETE","newField":true}},
///   {"healthUserId":"2","dataType":"steps","operation":"UPSERT"}
/// ]"#;
/// let notifications = parse_notifications(body).unwrap();
/// assert_eq!(notifications[0].operation, Operation::Delete);
/// assert_eq!(notifications[0].extra["newField"], true);
/// assert_eq!(notifications[1].data_type, "steps");
/// ```
pub fn parse_notifications(body: &[u8]) -> Result<Vec<Notification>, NotificationError> {
    let fail = |err: serde_json::Error| NotificationError { reason: err.to_string() };
    let items = match serde_json::from_slice::<Body>(body).map_err(fail)? {
        Body::Many(items) => items,
        Body::One(item) => vec![item],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match serde_json::from_value::<Item>(item) {
            Ok(Item::Wrapped { data } | Item::Bare(data)) => Ok(data),
            Err(_) => Err(NotificationError {
                reason: format!(
                    "item {index} has no healthUserId, dataType and operation (as text), in `data` or at its top"
                ),
            }),
        })
        .collect()
}

/// Whether the body is Google's endpoint verification request,
/// `{"type": "verification"}`.
pub(crate) fn is_verification(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Typed {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_slice::<Typed>(body).is_ok_and(|typed| typed.kind == "verification")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"data":{"clientProvidedSubscriptionName":"alice","healthUserId":"4815162342","dataType":"heart-rate","operation":"UPSERT","civilIso8601TimeInterval":{"startTime":"2026-03-01T08:00:00","endTime":"2026-03-01T09:00:00.500"},"unknown":{"a":1}}}"#;

    #[test]
    fn the_third_party_shape_decodes_typed_and_reencodes_as_sent() {
        let body = format!("[{ONE}]");
        let notifications = parse_notifications(body.as_bytes()).unwrap();
        let first = &notifications[0];
        assert_eq!(first.health_user_id, "4815162342");
        assert_eq!(first.data_type, "heart-rate");
        assert_eq!(first.operation, Operation::Upsert);
        assert_eq!(first.subscription_name.as_deref(), Some("alice"));
        let interval = first.interval.as_ref().unwrap();
        assert_eq!(interval.start().unwrap().to_string(), "2026-03-01 08:00:00");
        assert_eq!(interval.end().unwrap().to_string(), "2026-03-01 09:00:00.500");
        let data: serde_json::Value = serde_json::from_str::<serde_json::Value>(ONE).unwrap()["data"].clone();
        assert_eq!(serde_json::to_value(first).unwrap(), data);
        // A single object works as well as an array.
        assert_eq!(parse_notifications(ONE.as_bytes()).unwrap(), notifications);
    }

    #[test]
    fn keys_tell_deliveries_apart() {
        let base = parse_notifications(ONE.as_bytes()).unwrap().remove(0);
        let mut deleted = base.clone();
        deleted.operation = Operation::Delete;
        let mut other_user = base.clone();
        other_user.health_user_id = "1".into();
        assert_ne!(base.key(), deleted.key());
        assert_ne!(base.key(), other_user.key());
        assert_eq!(base.key(), base.clone().key());
        let mut bare = base.clone();
        bare.interval = None;
        bare.subscription_name = None;
        assert_eq!(bare.key().to_string(), "-/4815162342/heart-rate/UPSERT/-/-");
    }

    #[test]
    fn bodies_that_are_not_notifications_are_typed_errors() {
        for body in [
            &b""[..],
            b"<html>502</html>",
            b"[{\"data\":{\"healthUserId\":\"1\"}}]",
            b"[{\"data\":{\"healthUserId\":1,\"dataType\":\"steps\",\"operation\":\"UPSERT\"}}]",
            b"[7]",
        ] {
            let err = parse_notifications(body).expect_err("not notifications");
            assert!(err.to_string().starts_with("the body is not Google Health notifications"), "{err}");
            assert!(!err.reason().contains("html"), "{err}");
        }
        assert!(parse_notifications(b"[]").unwrap().is_empty());
    }

    #[test]
    fn only_the_verification_body_is_one() {
        assert!(is_verification(br#"{"type":"verification"}"#));
        assert!(is_verification(br#" {"type": "verification", "extra": 1} "#));
        for other in [&br#"{"type":"other"}"#[..], b"[]", b"", br#"[{"type":"verification"}]"#] {
            assert!(!is_verification(other));
        }
        assert_eq!(civil("2026-03-01").unwrap().to_string(), "2026-03-01 00:00:00");
        assert_eq!(civil("2026-03-01T08:30").unwrap().to_string(), "2026-03-01 08:30:00");
        assert!(civil("yesterday").is_none());
    }
}

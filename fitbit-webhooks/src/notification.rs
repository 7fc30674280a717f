//! The notifications Fitbit POSTs: a JSON array of
//! `{collectionType, date, ownerId, ownerType, subscriptionId}`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The collection whose data changed.
///
/// Unknown values still parse (as [`CollectionType::Other`]), so a new
/// collection on Fitbit's side never makes a whole delivery fail.
///
/// ```
/// use fitbit_webhooks::CollectionType;
///
/// assert_eq!("sleep".parse::<CollectionType>().unwrap(), CollectionType::Sleep);
/// assert_eq!("hydration".parse::<CollectionType>().unwrap(), CollectionType::Other("hydration".into()));
/// assert_eq!(CollectionType::UserRevokedAccess.to_string(), "userRevokedAccess");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CollectionType {
    /// `activities`: activity logs, steps, distance, calories…
    Activities,
    /// `body`: weight, body fat and BMI logs.
    Body,
    /// `foods`: food and water logs.
    Foods,
    /// `sleep`: sleep logs.
    Sleep,
    /// `userRevokedAccess`: the user revoked your app's access; delete their tokens.
    UserRevokedAccess,
    /// `deleteUser`: the user deleted their Fitbit account; delete their data and tokens.
    DeleteUser,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl CollectionType {
    /// The value as Fitbit writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Activities => "activities",
            Self::Body => "body",
            Self::Foods => "foods",
            Self::Sleep => "sleep",
            Self::UserRevokedAccess => "userRevokedAccess",
            Self::DeleteUser => "deleteUser",
            Self::Other(other) => other,
        }
    }

    /// Whether the notification says the user is gone (revoked access or
    /// deleted the account): there is no data to fetch, only tokens to drop.
    pub fn ends_access(&self) -> bool {
        matches!(self, Self::UserRevokedAccess | Self::DeleteUser)
    }
}

impl FromStr for CollectionType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "activities" => Self::Activities,
            "body" => Self::Body,
            "foods" => Self::Foods,
            "sleep" => Self::Sleep,
            "userRevokedAccess" => Self::UserRevokedAccess,
            "deleteUser" => Self::DeleteUser,
            other => Self::Other(other.to_owned()),
        })
    }
}

impl fmt::Display for CollectionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CollectionType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CollectionType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CollectionType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a collection type string")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<CollectionType, E> {
                Ok(value.parse().unwrap_or_else(|never| match never {}))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// One notification: the data of `collection_type` changed for `owner_id`
/// on `date` (a day in the user's time zone). Fetch it from the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Which collection changed.
    pub collection_type: CollectionType,
    /// The day whose data changed, in the user's time zone. Fitbit may leave
    /// it out of notifications that are not about one day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The encoded id of the user whose data changed (the `user-id` of the API paths).
    pub owner_id: String,
    /// Always `user` so far.
    #[serde(default = "user_owner_type")]
    pub owner_type: String,
    /// Your id for the subscription (chosen when you created it).
    pub subscription_id: String,
    /// Fields this version does not know, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn user_owner_type() -> String {
    "user".to_owned()
}

impl Notification {
    /// What identifies this notification: a second delivery of the same
    /// notification has an equal key.
    ///
    /// Fitbit may deliver a notification more than once, and one POST may
    /// repeat a change. Use the key to coalesce the fetches: while a fetch
    /// for a key is pending, another notification with that key asks for
    /// nothing new. (After the fetch is done, a notification with the same
    /// key means the day changed again.)
    pub fn key(&self) -> NotificationKey {
        NotificationKey {
            subscription_id: self.subscription_id.clone(),
            owner_id: self.owner_id.clone(),
            collection_type: self.collection_type.clone(),
            date: self.date,
        }
    }
}

/// The stable identity of a notification: subscription, owner, collection
/// and day. `Display` gives it as one string,
/// `<subscriptionId>/<ownerId>/<collectionType>/<date>` (the date is `-`
/// when absent), to use as a key in a store or a queue.
///
/// ```
/// use fitbit_webhooks::parse_notifications;
///
/// let body = br#"[
///   {"collectionType":"sleep","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"7"},
///   {"subscriptionId":"7","ownerType":"user","ownerId":"GGNJL9","date":"2024-03-05","collectionType":"sleep"}
/// ]"#;
/// let notifications = parse_notifications(body).unwrap();
/// assert_eq!(notifications[0].key(), notifications[1].key());
/// assert_eq!(notifications[0].key().to_string(), "7/GGNJL9/sleep/2024-03-05");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationKey {
    /// Your subscription id.
    pub subscription_id: String,
    /// The user's encoded id.
    pub owner_id: String,
    /// The collection that changed.
    pub collection_type: CollectionType,
    /// The day, when given.
    pub date: Option<NaiveDate>,
}

impl fmt::Display for NotificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/", self.subscription_id, self.owner_id, self.collection_type)?;
        match self.date {
            Some(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            None => f.write_str("-"),
        }
    }
}

/// A POSTed body that is not a JSON array of notifications.
#[derive(Debug, thiserror::Error)]
#[error("the body is not a JSON array of Fitbit notifications: {reason}")]
pub struct NotificationError {
    reason: String,
}

impl NotificationError {
    /// What is wrong, with the line and column (never the body itself).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The notifications in a POSTed body (one POST may carry several).
///
/// Call it only after the signature checked out
/// ([`SignatureKey::verify`](crate::SignatureKey::verify)).
pub fn parse_notifications(body: &[u8]) -> Result<Vec<Notification>, NotificationError> {
    serde_json::from_slice(body).map_err(|err| NotificationError { reason: err.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_collection_round_trips_and_unknown_ones_are_kept() {
        for name in ["activities", "body", "foods", "sleep", "userRevokedAccess", "deleteUser", "hydration"] {
            let parsed: CollectionType = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(parsed.as_str(), name);
            assert_eq!(serde_json::to_value(&parsed).unwrap(), serde_json::json!(name));
        }
        let unknown: CollectionType = "hydration".parse().unwrap();
        assert!(matches!(unknown, CollectionType::Other(_)));
        assert!(CollectionType::DeleteUser.ends_access() && !CollectionType::Sleep.ends_access());
    }

    #[test]
    fn a_notification_decodes_typed_and_reencodes_as_sent() {
        let body = br#"[{"collectionType":"activities","date":"2024-03-05","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"42","newField":1}]"#;
        let notifications = parse_notifications(body).unwrap();
        let first = &notifications[0];
        assert_eq!(first.collection_type, CollectionType::Activities);
        assert_eq!(first.date, NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(first.extra["newField"], 1);
        let again = serde_json::to_value(&notifications).unwrap();
        assert_eq!(again, serde_json::from_slice::<serde_json::Value>(body).unwrap());
    }

    #[test]
    fn keys_differ_when_anything_that_identifies_the_change_differs() {
        let base = parse_notifications(
            br#"[{"collectionType":"body","date":"2024-03-05","ownerId":"A","ownerType":"user","subscriptionId":"1"}]"#,
        )
        .unwrap()
        .remove(0);
        let mut other_day = base.clone();
        other_day.date = NaiveDate::from_ymd_opt(2024, 3, 6);
        let mut other_owner = base.clone();
        other_owner.owner_id = "B".into();
        let mut other_collection = base.clone();
        other_collection.collection_type = CollectionType::Foods;
        for other in [other_day, other_owner, other_collection] {
            assert_ne!(base.key(), other.key());
        }
        let mut undated = base.clone();
        undated.date = None;
        assert_eq!(undated.key().to_string(), "1/A/body/-");
    }

    #[test]
    fn malformed_bodies_are_typed_errors_that_do_not_echo_the_body() {
        for body in [
            &b"{\"collectionType\":\"foods\"}"[..],
            b"<html><body>502</body></html>",
            b"",
            b"[{\"collectionType\":\"foods\",\"date\":\"2024-13-40\",\"ownerId\":\"A\",\"subscriptionId\":\"1\"}]",
            b"[{\"collectionType\":\"foods\",\"ownerId\":\"A\"",
            b"[{\"collectionType\":7,\"ownerId\":\"A\",\"subscriptionId\":\"1\"}]",
        ] {
            let err = parse_notifications(body).expect_err("not a notification array");
            assert!(!err.reason().contains("html"), "{err}");
            assert!(err.to_string().starts_with("the body is not a JSON array"), "{err}");
        }
    }
}

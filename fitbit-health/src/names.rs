//! Resource names (`users/me/dataTypes/heart-rate/dataPoints/…`): built and
//! taken apart without string surgery at every call site.

use std::fmt;
use std::str::FromStr;

use crate::data_type::{DataType, UnknownDataType};

/// The user every call is about when the token's owner is meant.
pub const ME: &str = "me";

/// A name that does not have the form the API uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not `users/{user}/dataTypes/{type}[/dataPoints/{id}]`.
    #[error("`{0}` is not a data point name (users/{{user}}/dataTypes/{{type}}/dataPoints/{{id}})")]
    Malformed(String),
    /// The user segment is not `me` or a Health User ID (1–63 of `A-Z a-z 0-9 -`).
    #[error("`{0}` is not a user (`me` or a Health User ID of 1–63 letters, digits and dashes)")]
    BadUser(String),
    /// A segment is empty or holds a character a resource id cannot have.
    #[error("`{0}` is not a valid resource id")]
    BadId(String),
    /// The data type is not one this crate knows.
    #[error(transparent)]
    UnknownDataType(#[from] UnknownDataType),
}

fn check_user(user: &str) -> Result<(), NameError> {
    let valid =
        (1..=63).contains(&user.len()) && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid { Ok(()) } else { Err(NameError::BadUser(user.to_string())) }
}

fn check_id(id: &str) -> Result<(), NameError> {
    let valid = !id.is_empty()
        && id.len() <= 256
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if valid { Ok(()) } else { Err(NameError::BadId(id.to_string())) }
}

/// `users/{user}`.
///
/// ```
/// assert_eq!(fitbit_health::names::user("me"), "users/me");
/// ```
pub fn user(user: &str) -> String {
    format!("users/{user}")
}

/// `users/{user}/profile`, `…/settings`, `…/identity`, `…/irnProfile`:
/// the health-profile resources.
///
/// ```
/// assert_eq!(fitbit_health::names::user_resource("me", "identity"), "users/me/identity");
/// ```
pub fn user_resource(user: &str, resource: &str) -> String {
    format!("users/{user}/{resource}")
}

/// `users/{user}/pairedDevices/{device}`.
pub fn paired_device(user: &str, device: &str) -> String {
    format!("users/{user}/pairedDevices/{device}")
}

/// `users/{user}/dataTypes/{type}`: the parent of a type's data points, for
/// `list`, `create`, `rollUp`, `dailyRollUp`, `reconcile`.
///
/// ```
/// use fitbit_health::{DataType, DataTypeName};
///
/// let parent = DataTypeName::me(DataType::HeartRate);
/// assert_eq!(parent.to_string(), "users/me/dataTypes/heart-rate");
/// assert_eq!("users/me/dataTypes/steps".parse::<DataTypeName>()?.data_type(), DataType::Steps);
/// # Ok::<(), fitbit_health::names::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataTypeName {
    user: String,
    data_type: DataType,
}

impl DataTypeName {
    /// The type's parent for `user` (`me` or a Health User ID).
    pub fn new(user: &str, data_type: DataType) -> Result<Self, NameError> {
        check_user(user)?;
        Ok(Self { user: user.to_string(), data_type })
    }

    /// The type's parent for the token's owner.
    pub fn me(data_type: DataType) -> Self {
        Self { user: ME.to_string(), data_type }
    }

    /// The user segment.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The data type.
    pub fn data_type(&self) -> DataType {
        self.data_type
    }

    /// The name of one of the type's points.
    pub fn point(&self, id: &str) -> Result<DataPointName, NameError> {
        check_id(id)?;
        Ok(DataPointName { parent: self.clone(), id: id.to_string() })
    }
}

impl fmt::Display for DataTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "users/{}/dataTypes/{}", self.user, self.data_type.id())
    }
}

impl FromStr for DataTypeName {
    type Err = NameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let segments: Vec<&str> = name.split('/').collect();
        match segments.as_slice() {
            ["users", user, "dataTypes", data_type] => Self::new(user, data_type.parse()?),
            _ => Err(NameError::Malformed(name.to_string())),
        }
    }
}

/// `users/{user}/dataTypes/{type}/dataPoints/{id}`: one data point, for
/// `get`, `patch`, `batchDelete` and `exportExerciseTcx`.
///
/// ```
/// use fitbit_health::{DataPointName, DataType};
///
/// let name: DataPointName = "users/me/dataTypes/exercise/dataPoints/run-2026-03-01".parse()?;
/// assert_eq!(name.data_type(), DataType::Exercise);
/// assert_eq!(name.id(), "run-2026-03-01");
/// assert_eq!(name.parent().to_string(), "users/me/dataTypes/exercise");
/// assert!("users/me/dataTypes/exercise".parse::<DataPointName>().is_err());
/// # Ok::<(), fitbit_health::names::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataPointName {
    parent: DataTypeName,
    id: String,
}

impl DataPointName {
    /// The point's type parent.
    pub fn parent(&self) -> &DataTypeName {
        &self.parent
    }

    /// The data type.
    pub fn data_type(&self) -> DataType {
        self.parent.data_type
    }

    /// The user segment.
    pub fn user(&self) -> &str {
        &self.parent.user
    }

    /// The point's id (the last segment).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for DataPointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/dataPoints/{}", self.parent, self.id)
    }
}

impl FromStr for DataPointName {
    type Err = NameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let segments: Vec<&str> = name.split('/').collect();
        match segments.as_slice() {
            ["users", user, "dataTypes", data_type, "dataPoints", id] => {
                DataTypeName::new(user, data_type.parse()?)?.point(id)
            }
            _ => Err(NameError::Malformed(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_segments_are_refused() {
        let name: DataPointName = "users/4200017/dataTypes/heart-rate/dataPoints/p1".parse().unwrap();
        assert_eq!(name.user(), "4200017");
        assert_eq!(name.to_string(), "users/4200017/dataTypes/heart-rate/dataPoints/p1");
        for bad in [
            "users/me/dataTypes/heart-rate/dataPoints/",
            "users/me/dataTypes/heart-rate/dataPoints/a/b",
            "users//dataTypes/heart-rate/dataPoints/p",
            "users/me!/dataTypes/heart-rate/dataPoints/p",
            "users/me/dataTypes/heartrate/dataPoints/p",
            "users/me/dataTypes/heart-rate/dataPoints/p?alt=media",
            "/users/me/dataTypes/heart-rate/dataPoints/p",
        ] {
            assert!(bad.parse::<DataPointName>().is_err(), "{bad}");
        }
        assert!(matches!(
            "users/me/dataTypes/heartrate".parse::<DataTypeName>(),
            Err(NameError::UnknownDataType(_))
        ));
        assert!(DataTypeName::new(&"x".repeat(64), DataType::Steps).is_err());
    }
}

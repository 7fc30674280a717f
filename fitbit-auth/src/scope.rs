//! The OAuth scopes Fitbit knows, and sets of them as requested or granted.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One of the 15 OAuth scopes of the Fitbit Web API.
///
/// ```
/// use fitbit_auth::Scope;
///
/// assert_eq!(Scope::IrregularRhythmNotifications.as_str(), "irregular_rhythm_notifications");
/// assert_eq!("heartrate".parse::<Scope>(), Ok(Scope::Heartrate));
/// // Introspection spells scopes in upper case; both parse.
/// assert_eq!("CARDIO_FITNESS".parse::<Scope>(), Ok(Scope::CardioFitness));
/// assert_eq!(Scope::ALL.len(), 15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `activity`: activities, exercise, steps, active zone minutes.
    Activity,
    /// `cardio_fitness`: VO2 max.
    CardioFitness,
    /// `electrocardiogram`: ECG readings.
    Electrocardiogram,
    /// `heartrate`: heart rate and heart-rate variability.
    Heartrate,
    /// `irregular_rhythm_notifications`: IRN alerts and profile.
    IrregularRhythmNotifications,
    /// `location`: GPS data, and the profile's city and country.
    Location,
    /// `nutrition`: food and water logs.
    Nutrition,
    /// `oxygen_saturation`: SpO2.
    OxygenSaturation,
    /// `profile`: the user's profile.
    Profile,
    /// `respiratory_rate`: breathing rate.
    RespiratoryRate,
    /// `settings`: devices and alarms.
    Settings,
    /// `sleep`: sleep logs and goals.
    Sleep,
    /// `social`: friends and leaderboards.
    Social,
    /// `temperature`: skin and core temperature.
    Temperature,
    /// `weight`: weight, body fat, BMI.
    Weight,
}

impl Scope {
    /// Every scope, in alphabetical order.
    pub const ALL: [Scope; 15] = [
        Scope::Activity,
        Scope::CardioFitness,
        Scope::Electrocardiogram,
        Scope::Heartrate,
        Scope::IrregularRhythmNotifications,
        Scope::Location,
        Scope::Nutrition,
        Scope::OxygenSaturation,
        Scope::Profile,
        Scope::RespiratoryRate,
        Scope::Settings,
        Scope::Sleep,
        Scope::Social,
        Scope::Temperature,
        Scope::Weight,
    ];

    /// The name Fitbit uses in the authorize URL and token answers.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Activity => "activity",
            Scope::CardioFitness => "cardio_fitness",
            Scope::Electrocardiogram => "electrocardiogram",
            Scope::Heartrate => "heartrate",
            Scope::IrregularRhythmNotifications => "irregular_rhythm_notifications",
            Scope::Location => "location",
            Scope::Nutrition => "nutrition",
            Scope::OxygenSaturation => "oxygen_saturation",
            Scope::Profile => "profile",
            Scope::RespiratoryRate => "respiratory_rate",
            Scope::Settings => "settings",
            Scope::Sleep => "sleep",
            Scope::Social => "social",
            Scope::Temperature => "temperature",
            Scope::Weight => "weight",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not one of the 15 [`Scope`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Fitbit OAuth scope")]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    /// Parses a scope name, ignoring ASCII case (introspection answers use
    /// upper case, e.g. `ACTIVITY`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| UnknownScope(name.to_string()))
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of scopes: the ones to request, or the ones Fitbit granted.
///
/// Parsing is tolerant: names this crate does not know (a scope Fitbit adds
/// later) are kept in [`unrecognized`](Scopes::unrecognized) rather than
/// rejected, because they come back from the server. Serialises as the
/// space-separated string OAuth uses.
///
/// ```
/// use fitbit_auth::{Scope, Scopes};
///
/// let granted = Scopes::parse("heartrate activity some_future_scope");
/// assert!(granted.contains(Scope::Activity));
/// assert_eq!(granted.unrecognized().collect::<Vec<_>>(), ["some_future_scope"]);
///
/// let wanted = Scopes::from([Scope::Activity, Scope::Sleep]);
/// assert_eq!(granted.missing(&wanted), vec![Scope::Sleep]);
/// assert_eq!(wanted.to_string(), "activity sleep");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes {
    known: BTreeSet<Scope>,
    unrecognized: BTreeSet<String>,
}

impl Scopes {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// All 15 scopes.
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    /// Parses a space- (or comma-) separated list, keeping unknown names.
    pub fn parse(list: &str) -> Self {
        let mut scopes = Self::new();
        for name in list.split(|c: char| c.is_whitespace() || c == ',').filter(|n| !n.is_empty()) {
            match name.parse::<Scope>() {
                Ok(scope) => {
                    scopes.known.insert(scope);
                }
                Err(_) => {
                    scopes.unrecognized.insert(name.to_string());
                }
            }
        }
        scopes
    }

    /// Adds a scope.
    pub fn insert(&mut self, scope: Scope) -> bool {
        self.known.insert(scope)
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: Scope) -> bool {
        self.known.contains(&scope)
    }

    /// The known scopes, in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.known.iter().copied()
    }

    /// Names in the set that are not one of the 15 [`Scope`]s.
    pub fn unrecognized(&self) -> impl Iterator<Item = &str> + '_ {
        self.unrecognized.iter().map(String::as_str)
    }

    /// Whether the set is empty (no known and no unrecognized names).
    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.unrecognized.is_empty()
    }

    /// The number of names in the set.
    pub fn len(&self) -> usize {
        self.known.len() + self.unrecognized.len()
    }

    /// The scopes of `wanted` this set lacks: what the user declined when
    /// `self` is the granted set.
    pub fn missing(&self, wanted: &Scopes) -> Vec<Scope> {
        wanted.known.difference(&self.known).copied().collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.known.iter().map(|s| s.as_str()).chain(self.unrecognized());
        for (i, name) in names.enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self { known: iter.into_iter().collect(), unrecognized: BTreeSet::new() }
    }
}

impl Extend<Scope> for Scopes {
    fn extend<I: IntoIterator<Item = Scope>>(&mut self, iter: I) {
        self.known.extend(iter);
    }
}

impl<const N: usize> From<[Scope; N]> for Scopes {
    fn from(scopes: [Scope; N]) -> Self {
        scopes.into_iter().collect()
    }
}

impl From<Scope> for Scopes {
    fn from(scope: Scope) -> Self {
        [scope].into()
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Scopes::parse(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips_through_its_name() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
            assert_eq!(scope.as_str().to_ascii_uppercase().parse::<Scope>(), Ok(scope));
        }
        let names: BTreeSet<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names.len(), 15, "names are distinct");
    }

    #[test]
    fn unknown_names_are_an_error_for_one_scope_but_kept_in_a_set() {
        assert_eq!("irn".parse::<Scope>(), Err(UnknownScope("irn".into())));
        let set = Scopes::parse("  sleep,irn\tweight ");
        assert_eq!(set.iter().collect::<Vec<_>>(), [Scope::Sleep, Scope::Weight]);
        assert_eq!(set.unrecognized().collect::<Vec<_>>(), ["irn"]);
        assert_eq!(set.len(), 3);
        assert_eq!(set.to_string(), "sleep weight irn");
    }

    #[test]
    fn scopes_serialise_as_an_oauth_string() {
        let set = Scopes::from([Scope::Weight, Scope::Activity]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#""activity weight""#);
        assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), set);
        assert!(Scopes::parse("").is_empty());
    }
}

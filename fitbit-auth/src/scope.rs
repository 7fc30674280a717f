//! The OAuth scopes Fitbit knows, and sets of scopes (of Fitbit or of the
//! Google Health API) as requested or granted.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::google_scope::GoogleScope;

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

/// A scope name that is not one of the known [`Scope`]s or [`GoogleScope`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a known OAuth scope")]
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

/// A set of scopes: the ones to request, or the ones granted.
///
/// It holds Fitbit's [`Scope`]s and the Google Health API's [`GoogleScope`]s
/// (a set normally holds one provider's). Parsing is tolerant: names this
/// crate does not know (a scope added later) are kept in
/// [`unrecognized`](Scopes::unrecognized) rather than rejected, because they
/// come back from the server. Serialises as the space-separated string OAuth
/// uses (Google scopes as full URLs).
///
/// ```
/// use fitbit_auth::{GoogleScope, Scope, Scopes};
///
/// let granted = Scopes::parse("heartrate activity some_future_scope");
/// assert!(granted.contains(Scope::Activity));
/// assert_eq!(granted.unrecognized().collect::<Vec<_>>(), ["some_future_scope"]);
///
/// let wanted = Scopes::from([Scope::Activity, Scope::Sleep]);
/// assert_eq!(granted.missing(&wanted), vec![Scope::Sleep]);
/// assert_eq!(wanted.to_string(), "activity sleep");
///
/// let google = Scopes::parse("https://www.googleapis.com/auth/googlehealth.sleep.readonly");
/// assert!(google.contains_google(GoogleScope::SleepReadonly));
/// let wanted: Scopes = [GoogleScope::SleepReadonly, GoogleScope::ProfileReadonly].into_iter().collect();
/// assert_eq!(google.missing_names(&wanted), ["https://www.googleapis.com/auth/googlehealth.profile.readonly"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes {
    known: BTreeSet<Scope>,
    google: BTreeSet<GoogleScope>,
    unrecognized: BTreeSet<String>,
}

/// Something that can be added to a [`Scopes`] set: a [`Scope`], a
/// [`GoogleScope`] or another set. Sealed.
pub trait ScopeItem: sealed::Sealed {
    /// Adds `self` to `set`.
    fn add_to(self, set: &mut Scopes);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Scope {}
    impl Sealed for crate::google_scope::GoogleScope {}
    impl Sealed for super::Scopes {}
}

impl ScopeItem for Scope {
    fn add_to(self, set: &mut Scopes) {
        set.known.insert(self);
    }
}

impl ScopeItem for GoogleScope {
    fn add_to(self, set: &mut Scopes) {
        set.google.insert(self);
    }
}

impl ScopeItem for Scopes {
    fn add_to(self, set: &mut Scopes) {
        set.known.extend(self.known);
        set.google.extend(self.google);
        set.unrecognized.extend(self.unrecognized);
    }
}

impl Scopes {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// All 15 Fitbit scopes.
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    /// Parses a space- (or comma-) separated list, keeping unknown names.
    /// Fitbit names, Google Health scope URLs and their short names
    /// (`sleep.readonly`) are recognised.
    pub fn parse(list: &str) -> Self {
        let mut scopes = Self::new();
        for name in list.split(|c: char| c.is_whitespace() || c == ',').filter(|n| !n.is_empty()) {
            if let Ok(scope) = name.parse::<Scope>() {
                scopes.known.insert(scope);
            } else if let Ok(scope) = name.parse::<GoogleScope>() {
                scopes.google.insert(scope);
            } else {
                scopes.unrecognized.insert(name.to_string());
            }
        }
        scopes
    }

    /// Adds a scope.
    pub fn insert(&mut self, scope: impl ScopeItem) {
        scope.add_to(self);
    }

    /// Whether the set holds the Fitbit `scope`.
    pub fn contains(&self, scope: Scope) -> bool {
        self.known.contains(&scope)
    }

    /// Whether the set holds the Google Health `scope`.
    pub fn contains_google(&self, scope: GoogleScope) -> bool {
        self.google.contains(&scope)
    }

    /// The known Fitbit scopes, in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.known.iter().copied()
    }

    /// The Google Health scopes, in the order of their short names.
    pub fn google(&self) -> impl Iterator<Item = GoogleScope> + '_ {
        self.google.iter().copied()
    }

    /// Names in the set that are neither a [`Scope`] nor a [`GoogleScope`].
    pub fn unrecognized(&self) -> impl Iterator<Item = &str> + '_ {
        self.unrecognized.iter().map(String::as_str)
    }

    /// Whether the set is empty (no known and no unrecognized names).
    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.google.is_empty() && self.unrecognized.is_empty()
    }

    /// The number of names in the set.
    pub fn len(&self) -> usize {
        self.known.len() + self.google.len() + self.unrecognized.len()
    }

    /// The Fitbit scopes of `wanted` this set lacks: what the user declined
    /// when `self` is the granted set.
    pub fn missing(&self, wanted: &Scopes) -> Vec<Scope> {
        wanted.known.difference(&self.known).copied().collect()
    }

    /// The Google Health scopes of `wanted` this set lacks.
    pub fn missing_google(&self, wanted: &Scopes) -> Vec<GoogleScope> {
        wanted.google.difference(&self.google).copied().collect()
    }

    /// Every name of `wanted` this set lacks, of either provider (unrecognized
    /// names included), as sent on the wire.
    pub fn missing_names(&self, wanted: &Scopes) -> Vec<String> {
        let fitbit = self.missing(wanted).into_iter().map(|s| s.as_str().to_string());
        let google = self.missing_google(wanted).into_iter().map(|s| s.url());
        let other = wanted.unrecognized.difference(&self.unrecognized).cloned();
        fitbit.chain(google).chain(other).collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut write = |f: &mut fmt::Formatter<'_>, name: &dyn fmt::Display| {
            let separator = if std::mem::take(&mut first) { "" } else { " " };
            write!(f, "{separator}{name}")
        };
        for scope in &self.known {
            write(f, &scope.as_str())?;
        }
        for scope in &self.google {
            write(f, scope)?;
        }
        for name in &self.unrecognized {
            write(f, name)?;
        }
        Ok(())
    }
}

impl<S: ScopeItem> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut scopes = Scopes::new();
        scopes.extend(iter);
        scopes
    }
}

impl<S: ScopeItem> Extend<S> for Scopes {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for scope in iter {
            scope.add_to(self);
        }
    }
}

impl<S: ScopeItem, const N: usize> From<[S; N]> for Scopes {
    fn from(scopes: [S; N]) -> Self {
        scopes.into_iter().collect()
    }
}

impl From<Scope> for Scopes {
    fn from(scope: Scope) -> Self {
        [scope].into()
    }
}

impl From<GoogleScope> for Scopes {
    fn from(scope: GoogleScope) -> Self {
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

    #[test]
    fn google_scopes_are_kept_typed_and_printed_as_urls() {
        let granted = Scopes::parse(
            "https://www.googleapis.com/auth/googlehealth.sleep.readonly openid \
             https://www.googleapis.com/auth/googlehealth.profile.readonly",
        );
        assert_eq!(
            granted.google().collect::<Vec<_>>(),
            [GoogleScope::ProfileReadonly, GoogleScope::SleepReadonly]
        );
        assert_eq!(granted.unrecognized().collect::<Vec<_>>(), ["openid"]);
        assert_eq!(
            granted.to_string(),
            "https://www.googleapis.com/auth/googlehealth.profile.readonly \
             https://www.googleapis.com/auth/googlehealth.sleep.readonly openid"
        );
        let wanted = Scopes::from([GoogleScope::SleepReadonly, GoogleScope::IrnReadonly]);
        assert_eq!(granted.missing_google(&wanted), [GoogleScope::IrnReadonly]);
        assert!(granted.missing(&wanted).is_empty(), "no Fitbit scope was wanted");
        assert_eq!(
            serde_json::from_str::<Scopes>(&serde_json::to_string(&granted).unwrap()).unwrap(),
            granted
        );
    }
}

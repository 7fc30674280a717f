//! The OAuth scopes of the Google Health API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The prefix every Google Health scope URL starts with.
pub const GOOGLE_HEALTH_SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/googlehealth.";

/// One OAuth scope of the Google Health API
/// (`https://www.googleapis.com/auth/googlehealth.<group>.<access>`).
///
/// Every `googlehealth.*` scope of Google's Discovery document (revision
/// 20261030), plus `nutrition.readonly`, which Google's scopes page documents
/// but the Discovery document lacks. A `.writeonly` scope only lets an app add
/// data and change what it added: reading needs the `.readonly` one as well.
///
/// Parses from the full URL, from `googlehealth.<group>.<access>` or from the
/// short name (`sleep.readonly`); prints as the full URL, which is what
/// Google's authorize URL and token answers carry.
///
/// ```
/// use fitbit_auth::GoogleScope;
///
/// let scope: GoogleScope = "activity_and_fitness.readonly".parse()?;
/// assert_eq!(scope, GoogleScope::ActivityAndFitnessReadonly);
/// assert_eq!(scope.url(), "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly");
/// assert_eq!(scope.url().parse::<GoogleScope>()?, scope);
/// assert_eq!(GoogleScope::SleepReadonly.short_name(), "sleep.readonly");
/// assert!(GoogleScope::SleepWriteonly.is_write());
/// # Ok::<(), fitbit_auth::UnknownScope>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GoogleScope {
    /// Read activity and fitness data (steps, distance, exercise, active minutes…).
    ActivityAndFitnessReadonly,
    /// Add activity and fitness data; edit or delete what the app added.
    ActivityAndFitnessWriteonly,
    /// Read ECG readings.
    EcgReadonly,
    /// Read health metrics and measurements (heart rate, HRV, SpO2, weight, temperature…).
    HealthMetricsAndMeasurementsReadonly,
    /// Add health metrics and measurements; edit or delete what the app added.
    HealthMetricsAndMeasurementsWriteonly,
    /// Read Irregular Rhythm Notifications.
    IrnReadonly,
    /// Read exercise GPS data (needed, with an activity scope, for TCX export).
    LocationReadonly,
    /// Read logged symptoms.
    LoggedSymptomsReadonly,
    /// Add logged symptoms; edit or delete what the app added.
    LoggedSymptomsWriteonly,
    /// Read mindfulness data.
    MindfulnessReadonly,
    /// Add mindfulness data; edit or delete what the app added.
    MindfulnessWriteonly,
    /// Read nutrition and hydration logs (documented; missing from the Discovery document).
    NutritionReadonly,
    /// Add nutrition data; edit or delete what the app added.
    NutritionWriteonly,
    /// Read the profile and paired devices.
    ProfileReadonly,
    /// Change the profile.
    ProfileWriteonly,
    /// Read reproductive-health data.
    ReproductiveHealthReadonly,
    /// Add reproductive-health data; edit or delete what the app added.
    ReproductiveHealthWriteonly,
    /// Read the user's settings (units, time zone) and paired devices.
    SettingsReadonly,
    /// Change the user's settings.
    SettingsWriteonly,
    /// Read sleep sessions.
    SleepReadonly,
    /// Add sleep sessions; edit or delete what the app added.
    SleepWriteonly,
}

impl GoogleScope {
    /// Every scope, in the order of their short names.
    pub const ALL: [GoogleScope; 21] = [
        GoogleScope::ActivityAndFitnessReadonly,
        GoogleScope::ActivityAndFitnessWriteonly,
        GoogleScope::EcgReadonly,
        GoogleScope::HealthMetricsAndMeasurementsReadonly,
        GoogleScope::HealthMetricsAndMeasurementsWriteonly,
        GoogleScope::IrnReadonly,
        GoogleScope::LocationReadonly,
        GoogleScope::LoggedSymptomsReadonly,
        GoogleScope::LoggedSymptomsWriteonly,
        GoogleScope::MindfulnessReadonly,
        GoogleScope::MindfulnessWriteonly,
        GoogleScope::NutritionReadonly,
        GoogleScope::NutritionWriteonly,
        GoogleScope::ProfileReadonly,
        GoogleScope::ProfileWriteonly,
        GoogleScope::ReproductiveHealthReadonly,
        GoogleScope::ReproductiveHealthWriteonly,
        GoogleScope::SettingsReadonly,
        GoogleScope::SettingsWriteonly,
        GoogleScope::SleepReadonly,
        GoogleScope::SleepWriteonly,
    ];

    /// The scopes that read data: what a read-only tool asks for.
    pub fn all_readonly() -> impl Iterator<Item = GoogleScope> {
        Self::ALL.into_iter().filter(|scope| !scope.is_write())
    }

    /// The name after `googlehealth.`, e.g. `sleep.readonly`.
    pub const fn short_name(self) -> &'static str {
        match self {
            GoogleScope::ActivityAndFitnessReadonly => "activity_and_fitness.readonly",
            GoogleScope::ActivityAndFitnessWriteonly => "activity_and_fitness.writeonly",
            GoogleScope::EcgReadonly => "ecg.readonly",
            GoogleScope::HealthMetricsAndMeasurementsReadonly => "health_metrics_and_measurements.readonly",
            GoogleScope::HealthMetricsAndMeasurementsWriteonly => "health_metrics_and_measurements.writeonly",
            GoogleScope::IrnReadonly => "irn.readonly",
            GoogleScope::LocationReadonly => "location.readonly",
            GoogleScope::LoggedSymptomsReadonly => "logged_symptoms.readonly",
            GoogleScope::LoggedSymptomsWriteonly => "logged_symptoms.writeonly",
            GoogleScope::MindfulnessReadonly => "mindfulness.readonly",
            GoogleScope::MindfulnessWriteonly => "mindfulness.writeonly",
            GoogleScope::NutritionReadonly => "nutrition.readonly",
            GoogleScope::NutritionWriteonly => "nutrition.writeonly",
            GoogleScope::ProfileReadonly => "profile.readonly",
            GoogleScope::ProfileWriteonly => "profile.writeonly",
            GoogleScope::ReproductiveHealthReadonly => "reproductive_health.readonly",
            GoogleScope::ReproductiveHealthWriteonly => "reproductive_health.writeonly",
            GoogleScope::SettingsReadonly => "settings.readonly",
            GoogleScope::SettingsWriteonly => "settings.writeonly",
            GoogleScope::SleepReadonly => "sleep.readonly",
            GoogleScope::SleepWriteonly => "sleep.writeonly",
        }
    }

    /// The full scope URL sent to Google.
    pub fn url(self) -> String {
        format!("{GOOGLE_HEALTH_SCOPE_PREFIX}{}", self.short_name())
    }

    /// Whether this is a `.writeonly` scope.
    pub fn is_write(self) -> bool {
        self.short_name().ends_with(".writeonly")
    }
}

impl fmt::Display for GoogleScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{GOOGLE_HEALTH_SCOPE_PREFIX}{}", self.short_name())
    }
}

impl FromStr for GoogleScope {
    type Err = crate::scope::UnknownScope;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let trimmed = name.trim();
        let short = trimmed
            .strip_prefix(GOOGLE_HEALTH_SCOPE_PREFIX)
            .or_else(|| trimmed.strip_prefix("googlehealth."))
            .unwrap_or(trimmed);
        GoogleScope::ALL
            .into_iter()
            .find(|scope| scope.short_name() == short)
            .ok_or_else(|| crate::scope::UnknownScope(name.to_string()))
    }
}

impl Serialize for GoogleScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoogleScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_scope_round_trips_through_each_spelling() {
        for scope in GoogleScope::ALL {
            assert_eq!(scope.url().parse::<GoogleScope>(), Ok(scope));
            assert_eq!(scope.short_name().parse::<GoogleScope>(), Ok(scope));
            assert_eq!(format!("googlehealth.{}", scope.short_name()).parse::<GoogleScope>(), Ok(scope));
            assert_eq!(scope.to_string(), scope.url());
        }
        let names: BTreeSet<_> = GoogleScope::ALL.iter().map(|s| s.short_name()).collect();
        assert_eq!(names.len(), GoogleScope::ALL.len(), "names are distinct");
        let sorted: Vec<_> = names.into_iter().collect();
        let listed: Vec<_> = GoogleScope::ALL.iter().map(|s| s.short_name()).collect();
        assert_eq!(listed, sorted, "ALL is in the order of the short names");
    }

    #[test]
    fn fitbit_names_and_other_google_scopes_are_not_google_health_scopes() {
        for name in ["sleep", "activity", "https://www.googleapis.com/auth/cloud-platform", "sleep.read", ""]
        {
            assert!(name.parse::<GoogleScope>().is_err(), "{name}");
        }
    }

    #[test]
    fn read_and_write_halves_are_told_apart() {
        assert_eq!(GoogleScope::all_readonly().count(), 12);
        assert!(GoogleScope::all_readonly().all(|s| s.short_name().ends_with(".readonly")));
    }
}

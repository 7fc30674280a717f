//! Google Health OAuth scopes, and which scope group guards each data type.
//!
//! The table is written out here rather than read from the Discovery
//! document, whose per-method scope lists are incomplete (no nutrition, ECG
//! or IRN scopes on `dataPoints.list`); a test checks that it covers exactly
//! the document's data types.

use super::discovery;

/// The prefix of every Google Health scope.
pub const PREFIX: &str = "https://www.googleapis.com/auth/googlehealth.";
/// Read activity and fitness data.
pub const ACTIVITY_AND_FITNESS_READONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly";
/// Add activity and fitness data; change what the app added.
pub const ACTIVITY_AND_FITNESS_WRITEONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.writeonly";
/// Read health metrics and measurements.
pub const HEALTH_METRICS_AND_MEASUREMENTS_READONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly";
/// Add health metrics and measurements.
pub const HEALTH_METRICS_AND_MEASUREMENTS_WRITEONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.writeonly";
/// Read sleep.
pub const SLEEP_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.sleep.readonly";
/// Add sleep.
pub const SLEEP_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.sleep.writeonly";
/// Read nutrition and hydration (documented by Google, missing from the Discovery document).
pub const NUTRITION_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.nutrition.readonly";
/// Add nutrition and hydration.
pub const NUTRITION_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.nutrition.writeonly";
/// Read ECG readings.
pub const ECG_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.ecg.readonly";
/// Read Irregular Rhythm Notifications.
pub const IRN_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.irn.readonly";
/// Read exercise location (needed with an activity scope for TCX export).
pub const LOCATION_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.location.readonly";
/// Add exercise location.
pub const LOCATION_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.location.writeonly";
/// Read the profile.
pub const PROFILE_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.profile.readonly";
/// Change the profile.
pub const PROFILE_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.profile.writeonly";
/// Read settings and paired devices.
pub const SETTINGS_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.settings.readonly";
/// Change settings.
pub const SETTINGS_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.settings.writeonly";
/// Read logged symptoms.
pub const LOGGED_SYMPTOMS_READONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.logged_symptoms.readonly";
/// Add logged symptoms.
pub const LOGGED_SYMPTOMS_WRITEONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.logged_symptoms.writeonly";
/// Read mindfulness data (moods).
pub const MINDFULNESS_READONLY: &str = "https://www.googleapis.com/auth/googlehealth.mindfulness.readonly";
/// Add mindfulness data.
pub const MINDFULNESS_WRITEONLY: &str = "https://www.googleapis.com/auth/googlehealth.mindfulness.writeonly";
/// Read reproductive-health data.
pub const REPRODUCTIVE_HEALTH_READONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.reproductive_health.readonly";
/// Add reproductive-health data.
pub const REPRODUCTIVE_HEALTH_WRITEONLY: &str =
    "https://www.googleapis.com/auth/googlehealth.reproductive_health.writeonly";
/// Google Cloud scope for managing webhook subscribers.
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The scope group (`<group>` of `googlehealth.<group>.readonly`) of every
/// data type: the 42 of the `DataPoint` union and the two rollup-only ones.
///
/// From facts.md §2 (Fitbit's scope → Google scope mapping): activity and
/// cardio fitness (VO2 max) → `activity_and_fitness`; heart rate, HRV, SpO2,
/// breathing, temperature, body measurements and glucose →
/// `health_metrics_and_measurements`. The cycle-tracking, mood and symptom
/// types go to the Discovery document's `reproductive_health`, `mindfulness`
/// and `logged_symptoms` scopes (a judgement: no Google page maps them).
pub const DATA_TYPE_SCOPE_GROUPS: [(&str, &str); 44] = [
    ("active-energy-burned", "activity_and_fitness"),
    ("active-minutes", "activity_and_fitness"),
    ("active-zone-minutes", "activity_and_fitness"),
    ("activity-level", "activity_and_fitness"),
    ("altitude", "activity_and_fitness"),
    ("basal-energy-burned", "activity_and_fitness"),
    ("blood-glucose", "health_metrics_and_measurements"),
    ("body-fat", "health_metrics_and_measurements"),
    ("calories-in-heart-rate-zone", "activity_and_fitness"),
    ("core-body-temperature", "health_metrics_and_measurements"),
    ("daily-heart-rate-variability", "health_metrics_and_measurements"),
    ("daily-heart-rate-zones", "health_metrics_and_measurements"),
    ("daily-oxygen-saturation", "health_metrics_and_measurements"),
    ("daily-respiratory-rate", "health_metrics_and_measurements"),
    ("daily-resting-heart-rate", "health_metrics_and_measurements"),
    ("daily-sleep-temperature-derivations", "health_metrics_and_measurements"),
    ("daily-vo2-max", "activity_and_fitness"),
    ("distance", "activity_and_fitness"),
    ("electrocardiogram", "ecg"),
    ("exercise", "activity_and_fitness"),
    ("floors", "activity_and_fitness"),
    ("food", "nutrition"),
    ("food-measurement-unit", "nutrition"),
    ("heart-rate", "health_metrics_and_measurements"),
    ("heart-rate-variability", "health_metrics_and_measurements"),
    ("height", "health_metrics_and_measurements"),
    ("hydration-log", "nutrition"),
    ("irregular-rhythm-notification", "irn"),
    ("menstrual-period", "reproductive_health"),
    ("moods", "mindfulness"),
    ("nutrition-log", "nutrition"),
    ("ovulation-test", "reproductive_health"),
    ("oxygen-saturation", "health_metrics_and_measurements"),
    ("respiratory-rate-sleep-summary", "health_metrics_and_measurements"),
    ("run-vo2-max", "activity_and_fitness"),
    ("sedentary-period", "activity_and_fitness"),
    ("sleep", "sleep"),
    ("steps", "activity_and_fitness"),
    ("swim-lengths-data", "activity_and_fitness"),
    ("symptoms", "logged_symptoms"),
    ("time-in-heart-rate-zone", "health_metrics_and_measurements"),
    ("total-calories", "activity_and_fitness"),
    ("vo2-max", "activity_and_fitness"),
    ("weight", "health_metrics_and_measurements"),
];

/// The scope group of a data type (URL name).
pub fn group_of(data_type: &str) -> Option<&'static str> {
    DATA_TYPE_SCOPE_GROUPS.iter().find(|(t, _)| *t == data_type).map(|(_, g)| *g)
}

/// The scope that lets an app read `data_type`.
pub fn read_scope(data_type: &str) -> Option<String> {
    group_of(data_type).map(|g| format!("{PREFIX}{g}.readonly"))
}

/// The scope that lets an app add `data_type` (and change what it added);
/// `None` for types nobody may write (ECG, IRN).
pub fn write_scope(data_type: &str) -> Option<String> {
    let scope = format!("{PREFIX}{}.writeonly", group_of(data_type)?);
    is_known(&scope).then_some(scope)
}

/// Whether Google knows this scope: the Discovery document's scopes plus
/// `nutrition.readonly`.
pub fn is_known(scope: &str) -> bool {
    scope == NUTRITION_READONLY || discovery::get().scopes().iter().any(|s| s == scope)
}

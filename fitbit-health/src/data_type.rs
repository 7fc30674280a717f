//! The Google Health API's data types and their three spellings.

use std::fmt;
use std::str::FromStr;

use fitbit_auth::GoogleScope;

/// How a data type's points sit in time, which decides the field a time
/// filter names (see [`crate::Filter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A measured span (`interval.start_time`): steps, distance, floors…
    Interval,
    /// A point in time (`sample_time.physical_time`): heart rate, weight…
    Sample,
    /// A civil day (`date`): daily resting heart rate, daily SpO2…
    Daily,
    /// A session the user or a device started and ended
    /// (`interval.civil_start_time`): exercise, hydration and nutrition logs.
    Session,
    /// Sleep: filtered on when it ended (`interval.end_time`).
    Sleep,
    /// ECG readings: filtered on `interval.start_time`, lower bound only.
    Electrocardiogram,
    /// The food catalogue (`food`, `food-measurement-unit`): no time filter.
    Catalogue,
    /// Aggregates only (`total-calories`, `calories-in-heart-rate-zone`):
    /// read through rollups, listed with interval filters.
    RollupOnly,
}

/// What a data type supports beyond `list`, from Google's Discovery document
/// (the members of the rollup, daily-rollup and reconciled unions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// `dataPoints:rollUp` (physical-time windows).
    pub roll_up: bool,
    /// `dataPoints:dailyRollUp` (civil days).
    pub daily_roll_up: bool,
    /// `dataPoints:reconcile` (merged across sources).
    pub reconcile: bool,
}

macro_rules! data_types {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $kebab:literal, $camel:literal, $kind:ident, $scope:ident, [$($cap:ident),*];
    )*) => {
        /// One of the Google Health API's data types.
        ///
        /// The API spells each type three ways, and this type knows all of
        /// them: kebab-case in paths ([`id`](Self::id), `heart-rate`),
        /// snake_case in filters ([`filter_name`](Self::filter_name),
        /// `heart_rate`) and camelCase as the JSON member of a data point
        /// ([`json_name`](Self::json_name), `heartRate`). Any of the three
        /// parses.
        ///
        /// ```
        /// use fitbit_health::{DataType, RecordKind};
        ///
        /// let heart: DataType = "heart_rate".parse()?;
        /// assert_eq!(heart, DataType::HeartRate);
        /// assert_eq!(heart.id(), "heart-rate");
        /// assert_eq!(heart.json_name(), "heartRate");
        /// assert_eq!(heart.record_kind(), RecordKind::Sample);
        /// assert_eq!(heart.max_daily_roll_up_page(), 14);
        /// assert_eq!(DataType::Steps.max_daily_roll_up_page(), 90);
        /// # Ok::<(), fitbit_health::UnknownDataType>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum DataType {
            $($(#[$doc])* $variant,)*
        }

        impl DataType {
            /// Every data type, in the order of their ids.
            pub const ALL: &'static [DataType] = &[$(DataType::$variant,)*];

            /// The id used in resource names and paths: `heart-rate`.
            pub const fn id(self) -> &'static str {
                match self { $(DataType::$variant => $kebab,)* }
            }

            /// The member of a `DataPoint` (and of the rollup unions) that
            /// holds this type's value: `heartRate`.
            pub const fn json_name(self) -> &'static str {
                match self { $(DataType::$variant => $camel,)* }
            }

            /// How the type's points sit in time.
            pub const fn record_kind(self) -> RecordKind {
                match self { $(DataType::$variant => RecordKind::$kind,)* }
            }

            /// The scope that reads the type (our reading of Google's
            /// data-types page; the server has the last word).
            pub const fn read_scope(self) -> GoogleScope {
                match self { $(DataType::$variant => read_scope!($scope),)* }
            }

            /// The scope that writes the type, where the API accepts writes of
            /// that group.
            pub const fn write_scope(self) -> Option<GoogleScope> {
                match self { $(DataType::$variant => write_scope!($scope),)* }
            }

            /// What the type supports besides `list`.
            pub const fn capabilities(self) -> Capabilities {
                match self {
                    $(DataType::$variant => {
                        #[allow(unused_mut)]
                        let mut caps = Capabilities { roll_up: false, daily_roll_up: false, reconcile: false };
                        $(caps.$cap = true;)*
                        caps
                    })*
                }
            }
        }
    };
}

macro_rules! read_scope {
    (activity) => {
        GoogleScope::ActivityAndFitnessReadonly
    };
    (metrics) => {
        GoogleScope::HealthMetricsAndMeasurementsReadonly
    };
    (sleep) => {
        GoogleScope::SleepReadonly
    };
    (nutrition) => {
        GoogleScope::NutritionReadonly
    };
    (ecg) => {
        GoogleScope::EcgReadonly
    };
    (irn) => {
        GoogleScope::IrnReadonly
    };
    (reproductive) => {
        GoogleScope::ReproductiveHealthReadonly
    };
    (mindfulness) => {
        GoogleScope::MindfulnessReadonly
    };
    (symptoms) => {
        GoogleScope::LoggedSymptomsReadonly
    };
}

macro_rules! write_scope {
    (activity) => {
        Some(GoogleScope::ActivityAndFitnessWriteonly)
    };
    (metrics) => {
        Some(GoogleScope::HealthMetricsAndMeasurementsWriteonly)
    };
    (sleep) => {
        Some(GoogleScope::SleepWriteonly)
    };
    (nutrition) => {
        Some(GoogleScope::NutritionWriteonly)
    };
    (ecg) => {
        None
    };
    (irn) => {
        None
    };
    (reproductive) => {
        Some(GoogleScope::ReproductiveHealthWriteonly)
    };
    (mindfulness) => {
        Some(GoogleScope::MindfulnessWriteonly)
    };
    (symptoms) => {
        Some(GoogleScope::LoggedSymptomsWriteonly)
    };
}

data_types! {
    /// Calories burned by activity, per interval.
    ActiveEnergyBurned = "active-energy-burned", "activeEnergyBurned", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Minutes of light, moderate or vigorous activity.
    ActiveMinutes = "active-minutes", "activeMinutes", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Active Zone Minutes (1 per fat-burn minute, 2 per cardio or peak minute).
    ActiveZoneMinutes = "active-zone-minutes", "activeZoneMinutes", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Sedentary / light / moderate / vigorous activity level per interval.
    ActivityLevel = "activity-level", "activityLevel", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Elevation gained.
    Altitude = "altitude", "altitude", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Basal metabolic energy.
    BasalEnergyBurned = "basal-energy-burned", "basalEnergyBurned", Interval, activity, [reconcile];
    /// Blood glucose readings.
    BloodGlucose = "blood-glucose", "bloodGlucose", Sample, metrics, [roll_up, daily_roll_up, reconcile];
    /// Body-fat percentage readings.
    BodyFat = "body-fat", "bodyFat", Sample, metrics, [roll_up, daily_roll_up, reconcile];
    /// Calories per heart-rate zone (aggregates only).
    CaloriesInHeartRateZone = "calories-in-heart-rate-zone", "caloriesInHeartRateZone", RollupOnly, activity, [roll_up, daily_roll_up];
    /// Core body temperature readings.
    CoreBodyTemperature = "core-body-temperature", "coreBodyTemperature", Sample, metrics, [roll_up, daily_roll_up, reconcile];
    /// Nightly heart-rate variability summary.
    DailyHeartRateVariability = "daily-heart-rate-variability", "dailyHeartRateVariability", Daily, metrics, [daily_roll_up, reconcile];
    /// The day's heart-rate zone thresholds.
    DailyHeartRateZones = "daily-heart-rate-zones", "dailyHeartRateZones", Daily, metrics, [reconcile];
    /// Nightly SpO2 summary.
    DailyOxygenSaturation = "daily-oxygen-saturation", "dailyOxygenSaturation", Daily, metrics, [reconcile];
    /// Nightly breathing rate.
    DailyRespiratoryRate = "daily-respiratory-rate", "dailyRespiratoryRate", Daily, metrics, [reconcile];
    /// Resting heart rate per day.
    DailyRestingHeartRate = "daily-resting-heart-rate", "dailyRestingHeartRate", Daily, metrics, [daily_roll_up, reconcile];
    /// Nightly skin-temperature variation.
    DailySleepTemperatureDerivations = "daily-sleep-temperature-derivations", "dailySleepTemperatureDerivations", Daily, metrics, [reconcile];
    /// Cardio fitness (VO2 max) per day.
    DailyVo2Max = "daily-vo2-max", "dailyVo2Max", Daily, activity, [reconcile];
    /// Distance covered.
    Distance = "distance", "distance", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// ECG readings.
    Electrocardiogram = "electrocardiogram", "electrocardiogram", Electrocardiogram, ecg, [];
    /// Exercise sessions (the legacy activity logs).
    Exercise = "exercise", "exercise", Session, activity, [reconcile];
    /// Floors climbed.
    Floors = "floors", "floors", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Foods of the user's catalogue.
    Food = "food", "food", Catalogue, nutrition, [];
    /// Measurement units of foods.
    FoodMeasurementUnit = "food-measurement-unit", "foodMeasurementUnit", Catalogue, nutrition, [];
    /// Heart-rate samples.
    HeartRate = "heart-rate", "heartRate", Sample, metrics, [roll_up, daily_roll_up, reconcile];
    /// Heart-rate variability samples.
    HeartRateVariability = "heart-rate-variability", "heartRateVariability", Sample, metrics, [reconcile];
    /// Height readings.
    Height = "height", "height", Sample, metrics, [reconcile];
    /// Water logs.
    HydrationLog = "hydration-log", "hydrationLog", Session, nutrition, [roll_up, daily_roll_up, reconcile];
    /// Irregular Rhythm Notification alerts.
    IrregularRhythmNotification = "irregular-rhythm-notification", "irregularRhythmNotification", Session, irn, [];
    /// Menstrual periods.
    MenstrualPeriod = "menstrual-period", "menstrualPeriod", Interval, reproductive, [];
    /// Logged moods.
    Moods = "moods", "moods", Sample, mindfulness, [];
    /// Food logs.
    NutritionLog = "nutrition-log", "nutritionLog", Session, nutrition, [roll_up, daily_roll_up, reconcile];
    /// Ovulation tests.
    OvulationTest = "ovulation-test", "ovulationTest", Sample, reproductive, [];
    /// SpO2 samples.
    OxygenSaturation = "oxygen-saturation", "oxygenSaturation", Sample, metrics, [reconcile];
    /// Breathing rate per sleep, by sleep stage.
    RespiratoryRateSleepSummary = "respiratory-rate-sleep-summary", "respiratoryRateSleepSummary", Sample, metrics, [reconcile];
    /// VO2 max estimated from runs.
    RunVo2Max = "run-vo2-max", "runVo2Max", Sample, activity, [roll_up, daily_roll_up, reconcile];
    /// Sedentary periods.
    SedentaryPeriod = "sedentary-period", "sedentaryPeriod", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Sleep sessions with stages.
    Sleep = "sleep", "sleep", Sleep, sleep, [reconcile];
    /// Steps.
    Steps = "steps", "steps", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Swim lengths.
    SwimLengthsData = "swim-lengths-data", "swimLengthsData", Interval, activity, [roll_up, daily_roll_up, reconcile];
    /// Logged symptoms.
    Symptoms = "symptoms", "symptoms", Sample, symptoms, [];
    /// Time per heart-rate zone.
    TimeInHeartRateZone = "time-in-heart-rate-zone", "timeInHeartRateZone", Interval, metrics, [roll_up, daily_roll_up, reconcile];
    /// Total calories burned (aggregates only).
    TotalCalories = "total-calories", "totalCalories", RollupOnly, activity, [roll_up, daily_roll_up];
    /// VO2 max samples.
    Vo2Max = "vo2-max", "vo2Max", Sample, activity, [reconcile];
    /// Weight readings.
    Weight = "weight", "weight", Sample, metrics, [roll_up, daily_roll_up, reconcile];
}

impl DataType {
    /// The name in filters: `heart_rate`.
    pub fn filter_name(self) -> String {
        self.id().replace('-', "_")
    }

    /// The most points a `dataPoints:dailyRollUp` page holds (and the default
    /// page size): 14 for the types Google aggregates from the finest data,
    /// 90 for the rest (Discovery revision 20261030).
    pub const fn max_daily_roll_up_page(self) -> i32 {
        match self {
            DataType::CaloriesInHeartRateZone
            | DataType::HeartRate
            | DataType::ActiveMinutes
            | DataType::TotalCalories => 14,
            _ => 90,
        }
    }

    /// The longest range, in days, one `rollUp` or `dailyRollUp` call may
    /// cover: 14 for the same four types, 90 for the rest. Longer ranges are
    /// split by this crate's helpers.
    pub const fn max_roll_up_range_days(self) -> i64 {
        self.max_daily_roll_up_page() as i64
    }

    /// The most points a `dataPoints:list` page holds: 25 for exercise and
    /// sleep sessions, 10,000 otherwise (larger requests are cut to this).
    pub const fn max_list_page(self) -> i32 {
        match self {
            DataType::Exercise | DataType::Sleep => 25,
            _ => 10_000,
        }
    }

    /// Whether `list` works for the type (every member of the `DataPoint`
    /// union; not the aggregates-only types).
    pub const fn is_listable(self) -> bool {
        !matches!(self.record_kind(), RecordKind::RollupOnly)
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A name that is not one of the [`DataType`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Google Health data type (try e.g. `heart-rate`, `steps`, `sleep`)")]
pub struct UnknownDataType(pub String);

impl FromStr for DataType {
    type Err = UnknownDataType;

    /// Parses any of the three spellings (`heart-rate`, `heart_rate`, `heartRate`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let name = name.trim();
        DataType::ALL
            .iter()
            .copied()
            .find(|t| t.id() == name || t.json_name() == name || t.filter_name() == name)
            .ok_or_else(|| UnknownDataType(name.to_string()))
    }
}

impl serde::Serialize for DataType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for DataType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_spellings_agree_and_every_type_round_trips() {
        for &data_type in DataType::ALL {
            let camel_from_kebab: String = {
                let mut parts = data_type.id().split('-');
                let first = parts.next().unwrap().to_string();
                parts.fold(first, |mut out, part| {
                    let mut chars = part.chars();
                    out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    out.push_str(chars.as_str());
                    out
                })
            };
            assert_eq!(data_type.json_name(), camel_from_kebab, "{data_type}");
            for spelling in
                [data_type.id().to_string(), data_type.filter_name(), data_type.json_name().into()]
            {
                assert_eq!(spelling.parse::<DataType>(), Ok(data_type));
            }
        }
        let mut ids: Vec<_> = DataType::ALL.iter().map(|t| t.id()).collect();
        let listed = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids, listed, "ALL is sorted by id, without repeats");
        assert_eq!(DataType::ALL.len(), 44);
    }

    /// The catalogue agrees with Google's Discovery document (saved in the
    /// repository): the `DataPoint` union's members plus the two
    /// aggregates-only types, and each union that grants a capability.
    #[test]
    fn the_catalogue_matches_the_discovery_document() {
        let discovery: serde_json::Value =
            serde_json::from_str(include_str!("../../spec/google-health/discovery-v4-20261030.json"))
                .unwrap();
        let members = |schema: &str| -> std::collections::BTreeSet<String> {
            discovery["schemas"][schema]["properties"].as_object().unwrap().keys().cloned().collect()
        };
        let points = members("DataPoint");
        let rollup = members("RollupDataPoint");
        let daily = members("DailyRollupDataPoint");
        let reconciled = members("ReconciledDataPoint");
        for &data_type in DataType::ALL {
            let name = data_type.json_name();
            assert_eq!(points.contains(name), data_type.is_listable(), "{data_type} in DataPoint");
            let caps = data_type.capabilities();
            assert_eq!(rollup.contains(name), caps.roll_up, "{data_type} rollUp");
            let daily_member = match data_type {
                DataType::DailyHeartRateVariability => "heartRateVariabilityPersonalRange",
                DataType::DailyRestingHeartRate => "restingHeartRatePersonalRange",
                _ => name,
            };
            assert_eq!(daily.contains(daily_member), caps.daily_roll_up, "{data_type} dailyRollUp");
            assert_eq!(reconciled.contains(name), caps.reconcile, "{data_type} reconcile");
        }
        let ours: std::collections::BTreeSet<_> =
            DataType::ALL.iter().map(|t| t.json_name().to_string()).collect();
        let theirs: std::collections::BTreeSet<_> =
            points.iter().filter(|m| *m != "name" && *m != "dataSource").cloned().collect();
        assert_eq!(theirs.difference(&ours).collect::<Vec<_>>(), Vec::<&String>::new(), "types we lack");
    }

    #[test]
    fn unknown_names_are_refused_with_a_hint() {
        let err = "heartrate".parse::<DataType>().unwrap_err();
        assert!(err.to_string().contains("heart-rate"), "{err}");
    }
}

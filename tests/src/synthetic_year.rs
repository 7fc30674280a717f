//! A deterministic synthetic year of one person's data for the Google
//! Health stand-in: heart rate every few seconds, steps every minute, a
//! night of sleep with stages every day, a weight every morning. Served as
//! synthetic series (made page by page), so a year costs no memory.

use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, TimeZone as _, Utc};
use serde_json::{Value, json};

use crate::mock_google::{HEALTH_USER_ID, MockGoogle, Series};

/// How dense the year is.
#[derive(Debug, Clone, Copy)]
pub struct Density {
    /// Seconds between heart-rate samples (5 in the year).
    pub heart_rate_every_secs: i64,
    /// Days in the year.
    pub days: i64,
}

impl Default for Density {
    fn default() -> Self {
        Self { heart_rate_every_secs: 5, days: 365 }
    }
}

/// How many points of each type the year holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearCounts {
    pub heart_rate: u64,
    pub steps: u64,
    pub sleep: u64,
    pub weight: u64,
}

impl YearCounts {
    /// The fewest list calls that can read it: points ÷ the largest page
    /// per type (10,000; 25 for sleep), rounded up.
    pub fn minimum_calls(&self) -> u64 {
        self.heart_rate.div_ceil(10_000)
            + self.steps.div_ceil(10_000)
            + self.sleep.div_ceil(25)
            + self.weight.div_ceil(10_000)
    }
}

/// The first day of the year.
pub fn first_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn name(data_type: &str, prefix: &str, index: u64) -> String {
    format!("users/{HEALTH_USER_ID}/dataTypes/{data_type}/dataPoints/{prefix}-{index:09}")
}

fn source(device: &str) -> Value {
    json!({ "platform": "FITBIT", "recordingMethod": "PASSIVELY_MEASURED", "device": { "displayName": device, "formFactor": "FITNESS_BAND", "manufacturer": "Fitbit" } })
}

/// Installs the year into `mock` and says how many points it holds.
pub fn install(mock: &MockGoogle, density: Density) -> YearCounts {
    let first = first_day();
    let seconds = density.days * 86_400;
    let counts = YearCounts {
        heart_rate: (seconds / density.heart_rate_every_secs) as u64,
        steps: (seconds / 60) as u64,
        sleep: density.days as u64,
        weight: density.days as u64,
    };

    mock.add_series(
        "heart-rate",
        Series {
            first,
            step: Duration::seconds(density.heart_rate_every_secs),
            count: counts.heart_rate,
            make: Arc::new(|i, at| {
                // A daily rhythm with a little noise, all from the index.
                let minute_of_day = (at.timestamp() / 60) % 1440;
                let base = if (360..1320).contains(&minute_of_day) { 72 } else { 56 };
                json!({
                    "name": name("heart-rate", "hr", i),
                    "heartRate": {
                        "sampleTime": { "physicalTime": rfc3339(at), "utcOffset": "3600s" },
                        "beatsPerMinute": (base + (i * 7 % 13) as i64).to_string()
                    },
                    "dataSource": source("Charge 6")
                })
            }),
        },
    );
    mock.add_series(
        "steps",
        Series {
            first,
            step: Duration::minutes(1),
            count: counts.steps,
            make: Arc::new(|i, at| {
                json!({
                    "name": name("steps", "st", i),
                    "steps": {
                        "interval": {
                            "startTime": rfc3339(at), "startUtcOffset": "3600s",
                            "endTime": rfc3339(at + Duration::minutes(1)), "endUtcOffset": "3600s"
                        },
                        "count": (i * 31 % 120).to_string()
                    },
                    "dataSource": source("Charge 6")
                })
            }),
        },
    );
    mock.add_series(
        "sleep",
        Series {
            // Each night from 22:30 UTC to 06:10 the next morning.
            first: first - Duration::minutes(90),
            step: Duration::days(1),
            count: counts.sleep,
            make: Arc::new(|i, start| {
                let stage = |offset: i64, minutes: i64, kind: &str| {
                    json!({
                        "startTime": rfc3339(start + Duration::minutes(offset)), "startUtcOffset": "3600s",
                        "endTime": rfc3339(start + Duration::minutes(offset + minutes)), "endUtcOffset": "3600s",
                        "type": kind
                    })
                };
                json!({
                    "name": name("sleep", "night", i),
                    "sleep": {
                        "interval": {
                            "startTime": rfc3339(start), "startUtcOffset": "3600s",
                            "endTime": rfc3339(start + Duration::minutes(460)), "endUtcOffset": "3600s"
                        },
                        "type": "STAGES",
                        "stages": [
                            stage(0, 12, "AWAKE"), stage(12, 140, "LIGHT"), stage(152, 95, "DEEP"),
                            stage(247, 110, "REM"), stage(357, 98, "LIGHT"), stage(455, 5, "AWAKE")
                        ]
                    },
                    "dataSource": source("Charge 6")
                })
            }),
        },
    );
    mock.add_series(
        "weight",
        Series {
            first: first + Duration::minutes(6 * 60 + 40),
            step: Duration::days(1),
            count: counts.weight,
            make: Arc::new(|i, at| {
                json!({
                    "name": name("weight", "kg", i),
                    "weight": {
                        "sampleTime": { "physicalTime": rfc3339(at), "utcOffset": "3600s" },
                        "weightGrams": 72_000.0 + (i % 17) as f64 * 50.0
                    },
                    "dataSource": { "platform": "FITBIT", "recordingMethod": "ACTIVELY_MEASURED",
                        "device": { "displayName": "Aria Air", "formFactor": "SCALE", "manufacturer": "Fitbit" } }
                })
            }),
        },
    );
    counts
}

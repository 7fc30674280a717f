//! `fitbit health legacy …`: legacy commands answered from the Google Health
//! API (its stand-in, holding the compared day of `tests/fixtures/legacy-day`)
//! print the legacy JSON shape.

mod common;

use common::google::{health, run, sign_in};
use common::{Run, Scratch};
use fitbit_tests::legacy_day::{self, Rule, assert_same};
use fitbit_tests::mock_google::{MockGoogle, MockGoogleConfig, scopes};
use serde_json::Value;

const SCOPES: [&str; 5] = [
    scopes::ACTIVITY_AND_FITNESS_READONLY,
    scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY,
    scopes::SLEEP_READONLY,
    scopes::PROFILE_READONLY,
    scopes::SETTINGS_READONLY,
];

/// The stand-in with the day, and a Google token file signed in to it.
async fn signed_in() -> (MockGoogle, Scratch) {
    let mock =
        MockGoogle::start(MockGoogleConfig { seed_points: false, ..MockGoogleConfig::default() }).await;
    legacy_day::seed_google(&mock);
    let scratch = Scratch::new();
    sign_in(&scratch, &mock, &SCOPES, chrono::Duration::hours(1)).await;
    (mock, scratch)
}

async fn legacy(mock: &MockGoogle, scratch: &Scratch, args: &[&str]) -> Run {
    run(&mut health(scratch, mock, &[&["legacy"], args].concat())).await
}

fn stdout_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", run.stdout))
}

#[tokio::test]
async fn a_legacy_heart_rate_command_prints_the_legacy_shape_from_the_new_api() {
    let (mock, scratch) = signed_in().await;
    let run = legacy(
        &mock,
        &scratch,
        &[
            "heart-rate-intraday",
            "get-heartrate-intraday-by-date",
            "--date",
            "2026-03-07",
            "--detail-level",
            "1min",
        ],
    )
    .await;
    run.assert_code(0);
    let rules = [
        ("$.activities-heart[].value.heartRateZones[].caloriesOut", Rule::Differs("active energy only")),
        ("$.activities-heart[].value.customHeartRateZones", Rule::Missing("not in the new API")),
    ];
    let compared =
        assert_same(&legacy_day::legacy_body("heart-intraday-1min.json"), &stdout_json(&run), &rules);
    assert!(compared > 1000, "{compared}");
    assert!(mock.counters().api_requests > 0, "served by the Google stand-in");
}

#[tokio::test]
async fn legacy_commands_take_their_own_flags_and_units() {
    let (mock, scratch) = signed_in().await;
    // A period ending on a date, in miles.
    let run = legacy(
        &mock,
        &scratch,
        &[
            "activity-time-series",
            "get-activity-timeseries-by-date",
            "--resource",
            "distance",
            "--date",
            "2026-03-07",
            "--period",
            "1d",
            "--units",
            "en_US",
        ],
    )
    .await;
    run.assert_code(0);
    let rules = [("$.activities-distance[].value", Rule::Within(1e-9))];
    assert_eq!(
        assert_same(&legacy_day::legacy_body("activities-distance.en_US.json"), &stdout_json(&run), &rules),
        2
    );

    let run = legacy(&mock, &scratch, &["sleep", "get-sleep-log-by-date", "--date", "2026-03-07"]).await;
    run.assert_code(0);
    assert_eq!(stdout_json(&run)["summary"]["totalSleepRecords"], 2);

    let list = [
        "activity",
        "get-activity-log-list",
        "--before-date",
        "2026-03-08",
        "--sort",
        "desc",
        "--limit",
        "1",
    ];
    let run = legacy(&mock, &scratch, &[&list[..], &["--offset", "0"]].concat()).await;
    run.assert_code(0);
    let page = stdout_json(&run);
    assert_eq!(page["activities"][0]["activityName"], "Walk");
    assert_eq!(page["activities"].as_array().map(Vec::len), Some(1));
    assert!(!page["pagination"]["next"].as_str().unwrap_or_default().is_empty(), "a token for the next page");

    // Operations without a facade are not offered; another user is refused.
    let run = legacy(&mock, &scratch, &["friends", "get-friends"]).await;
    run.assert_code(2);
    let run = legacy(&mock, &scratch, &["user", "get-profile", "--user-id", "GGNJL9"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("signed-in user only"), "{}", run.stderr);
}

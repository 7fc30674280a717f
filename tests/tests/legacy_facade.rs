//! The legacy facade (`fitbit_health::legacy`) against the legacy API: the
//! same day (`tests/fixtures/legacy-day/`) is read through the legacy
//! stand-in with `fitbit-api` (legacy shape) and through the Google stand-in
//! with the facade (new shape converted), and the typed results are compared
//! field by field. Each comparison lists the fields the new API cannot fill
//! (`Rule::Missing`), the ones it fills by another definition
//! (`Rule::Differs`), and the tolerances of converted values (`Rule::Within`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use fitbit_api::prelude::*;
use fitbit_api::types::{
    ActivityDetailLevel, ActivityResource, HeartRateDetailLevel, IntradayActivityResource, Period,
};
use fitbit_api::{ClockTime, FitbitDate, UnitSystem};
use fitbit_auth::{Endpoints, GoogleScope, MemoryStore, OAuthClient, Provider, Session, TokenSet};
use fitbit_health::RetryConfig;
use fitbit_health::legacy::Legacy;
use fitbit_tests::legacy_day::{self, Rule, assert_same};
use fitbit_tests::mock_fitbit::{CONFIDENTIAL_CLIENT_ID, MockConfig, MockFitbit};
use fitbit_tests::mock_google::{DESKTOP_CLIENT_ID, DESKTOP_CLIENT_SECRET, MockGoogle, MockGoogleConfig};
use serde::Serialize;
use serde_json::Value;

const LEGACY_SCOPES: [&str; 10] = [
    "activity",
    "heartrate",
    "sleep",
    "weight",
    "profile",
    "settings",
    "oxygen_saturation",
    "respiratory_rate",
    "temperature",
    "cardio_fitness",
];

const GOOGLE_SCOPES: [GoogleScope; 5] = [
    GoogleScope::ActivityAndFitnessReadonly,
    GoogleScope::HealthMetricsAndMeasurementsReadonly,
    GoogleScope::SleepReadonly,
    GoogleScope::ProfileReadonly,
    GoogleScope::SettingsReadonly,
];

/// Both stand-ins holding the compared day, and a client for each.
struct Day {
    fitbit: MockFitbit,
    _google: MockGoogle,
    access_token: String,
    health: fitbit_health::Client,
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn compared_day() -> NaiveDate {
    date(legacy_day::DAY)
}

async fn the_day() -> Day {
    let fitbit = MockFitbit::start(MockConfig::default()).await;
    assert!(legacy_day::serve_legacy(&fitbit) > 30);
    let access_token = fitbit.issue_tokens(CONFIDENTIAL_CLIENT_ID, &LEGACY_SCOPES).access_token;

    let google =
        MockGoogle::start(MockGoogleConfig { seed_points: false, ..MockGoogleConfig::default() }).await;
    assert!(legacy_day::seed_google(&google) > 1000);
    let scope_urls: Vec<String> = GOOGLE_SCOPES.iter().map(|s| s.url()).collect();
    let scope_refs: Vec<&str> = scope_urls.iter().map(String::as_str).collect();
    let issued = google.issue_tokens(DESKTOP_CLIENT_ID, &scope_refs);
    let oauth = OAuthClient::google(DESKTOP_CLIENT_ID)
        .client_secret(DESKTOP_CLIENT_SECRET)
        .redirect_uri("http://127.0.0.1:1")
        .endpoints(Endpoints::with_base_for(Provider::Google, &google.base_url()).unwrap())
        .build()
        .unwrap();
    let session = Session::builder_shared(oauth, Arc::new(MemoryStore::new())).build();
    let answer = serde_json::to_vec(&issued.token_answer()).unwrap();
    session.save_tokens(TokenSet::from_token_response(&answer, Utc::now()).unwrap()).await.unwrap();
    let health = fitbit_health::Client::builder()
        .session(session)
        .endpoint(google.base_url())
        .retry(RetryConfig::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .build()
        .await
        .unwrap();
    Day { fitbit, _google: google, access_token, health }
}

impl Day {
    /// The legacy client, answering in `units`.
    fn fitbit_api(&self, units: UnitSystem) -> fitbit_api::Client {
        let mut builder = fitbit_api::Client::builder()
            .base_url(self.fitbit.base_url())
            .bearer_token(self.access_token.clone());
        if units != UnitSystem::Metric {
            builder = builder.accept_language(units);
        }
        builder.build().unwrap()
    }

    fn legacy(&self, units: UnitSystem) -> Legacy {
        self.health.legacy().units(units)
    }
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

// ── Profile and devices ────────────────────────────────────────────────────

const PROFILE_RULES: [(&str, Rule); 11] = [
    ("$.user.displayName", Rule::Missing("names are not in the new API")),
    ("$.user.fullName", Rule::Missing("names are not in the new API")),
    ("$.user.firstName", Rule::Missing("names are not in the new API")),
    ("$.user.lastName", Rule::Missing("names are not in the new API")),
    ("$.user.avatar", Rule::Missing("no avatar in the new API")),
    ("$.user.gender", Rule::Missing("no gender in the new API")),
    ("$.user.dateOfBirth", Rule::Missing("only the age is in the new API")),
    ("$.user.height", Rule::Missing("a data type now (height)")),
    ("$.user.weight", Rule::Missing("a data type now (weight)")),
    ("$.user.averageDailySteps", Rule::Missing("not in the new API")),
    ("$.user.startDayOfWeek", Rule::Missing("not in the new API")),
];

fn profile_rules() -> Vec<(&'static str, Rule)> {
    let mut rules = PROFILE_RULES.to_vec();
    // Fitbit wrote stride lengths to four decimals in inches.
    rules.push(("$.user.strideLengthRunning", Rule::Within(1e-4)));
    rules.push(("$.user.strideLengthWalking", Rule::Within(1e-4)));
    rules
}

#[tokio::test]
async fn profile_matches_the_legacy_profile_in_metric_and_us_units() {
    let day = the_day().await;
    for units in [UnitSystem::Metric, UnitSystem::Us] {
        let legacy = day.fitbit_api(units).get_profile().send().await.unwrap().into_inner();
        let facade = day.legacy(units).profile().await.unwrap();
        let compared = assert_same(&json(&legacy), &json(&facade), &profile_rules());
        assert!(compared >= 25, "{units}: {compared} fields compared");
    }
    let us = day.legacy(UnitSystem::Us).profile().await.unwrap();
    assert!((us.user.stride_length_running.unwrap().as_f64() - 38.0315).abs() < 1e-4, "966 mm in inches");
}

#[tokio::test]
async fn devices_match_the_legacy_device_list() {
    let day = the_day().await;
    let legacy = day.fitbit_api(UnitSystem::Metric).get_devices().send().await.unwrap().into_inner();
    let facade = day.legacy(UnitSystem::Metric).devices().await.unwrap();
    let rules = [("$[].features", Rule::Differs("the new API's feature codes, not the legacy names"))];
    let compared = assert_same(&json(&legacy), &json(&facade), &rules);
    assert_eq!(facade.0.len(), 3);
    assert!(compared >= 24, "{compared} fields compared");
    assert_eq!(facade.0[1].mac.as_deref(), Some("D43A2C917E05"), "written without colons");
    assert!(facade.0[1].features.as_ref().is_some_and(|f| f.contains(&"HEART_RATE".to_string())));
}

// ── Activity time series and intraday ──────────────────────────────────────

#[tokio::test]
async fn activity_time_series_match_for_every_resource() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let resources = [
        ActivityResource::Steps,
        ActivityResource::Distance,
        ActivityResource::Calories,
        ActivityResource::ActivityCalories,
        ActivityResource::Floors,
        ActivityResource::Elevation,
        ActivityResource::MinutesSedentary,
        ActivityResource::MinutesLightlyActive,
        ActivityResource::MinutesFairlyActive,
        ActivityResource::MinutesVeryActive,
    ];
    let rules = [(
        "$.activities-activityCalories[].value",
        Rule::Differs(
            "active-energy-burned: energy above the basal rate; Fitbit counted all energy of active minutes",
        ),
    )];
    for resource in resources {
        let legacy = api
            .get_activity_timeseries_by_date()
            .resource(resource)
            .date(FitbitDate::On(compared_day()))
            .period(Period::X1d)
            .send()
            .await
            .unwrap()
            .into_inner();
        let ours = facade.activity_time_series(resource, compared_day(), compared_day()).await.unwrap();
        assert_eq!(assert_same(&json(&legacy), &json(&ours), &rules), 2, "{resource}");
    }
    // Two days: the one before has no data, and says 0.
    let legacy = api
        .get_activity_timeseries_by_date_range()
        .resource(ActivityResource::Steps)
        .start_date(FitbitDate::On(date("2026-03-06")))
        .end_date(FitbitDate::On(compared_day()))
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = facade
        .activity_time_series(ActivityResource::Steps, date("2026-03-06"), compared_day())
        .await
        .unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 4);
    assert_eq!(ours.0["activities-steps"][1].value.as_u64(), Some(16_174));
}

#[tokio::test]
async fn activity_distance_converts_to_miles() {
    let day = the_day().await;
    let legacy = day
        .fitbit_api(UnitSystem::Us)
        .get_activity_timeseries_by_date()
        .resource(ActivityResource::Distance)
        .date(FitbitDate::On(compared_day()))
        .period(Period::X1d)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = day
        .legacy(UnitSystem::Us)
        .activity_time_series(ActivityResource::Distance, compared_day(), compared_day())
        .await
        .unwrap();
    let rules = [("$.activities-distance[].value", Rule::Within(1e-9))];
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &rules), 2);
    let miles = ours.0["activities-distance"][0].value.as_f64().unwrap();
    assert!((miles - 13.335248 / 1.609344).abs() < 1e-9, "{miles}");
}

#[tokio::test]
async fn activity_intraday_matches_at_each_detail_level() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let cases = [
        (IntradayActivityResource::Steps, ActivityDetailLevel::X1min, 1440),
        (IntradayActivityResource::Distance, ActivityDetailLevel::X5min, 288),
        (IntradayActivityResource::Calories, ActivityDetailLevel::X15min, 96),
        (IntradayActivityResource::Floors, ActivityDetailLevel::X15min, 96),
        (IntradayActivityResource::Elevation, ActivityDetailLevel::X15min, 96),
    ];
    let rules = [
        ("$.activities-distance-intraday.dataset[].value", Rule::Within(1e-9)),
        ("$.activities-elevation-intraday.dataset[].value", Rule::Within(1e-9)),
        // Sums of kcal in another order: float rounding only.
        ("$.activities-calories-intraday.dataset[].value", Rule::Within(1e-6)),
        ("$.activities-calories-intraday.dataset[].level", Rule::Missing("no activity level per minute")),
        ("$.activities-calories-intraday.dataset[].mets", Rule::Missing("METs are not in the new API")),
    ];
    for (resource, detail, windows) in cases {
        let legacy = api
            .get_activity_intraday_by_date()
            .resource(resource)
            .date(FitbitDate::On(compared_day()))
            .detail_level(detail)
            .send()
            .await
            .unwrap()
            .into_inner();
        let ours = facade.activity_intraday(resource, compared_day(), detail, None).await.unwrap();
        let compared = assert_same(&json(&legacy), &json(&ours), &rules);
        // The day's total, the interval and type, and each window's time and value (and calories' two more).
        let per_window = if resource == IntradayActivityResource::Calories { 4 } else { 2 };
        assert_eq!(compared, 4 + windows * per_window, "{resource} at {detail}");
    }

    // A window, its end minute included.
    let legacy = api
        .get_activity_intraday_by_date_window()
        .resource(IntradayActivityResource::Steps)
        .date(FitbitDate::On(compared_day()))
        .detail_level(ActivityDetailLevel::X1min)
        .start_time(ClockTime::hm(7, 30).unwrap())
        .end_time(ClockTime::hm(7, 40).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let window = Some((ClockTime::hm(7, 30).unwrap(), ClockTime::hm(7, 40).unwrap()));
    let ours = facade
        .activity_intraday(
            IntradayActivityResource::Steps,
            compared_day(),
            ActivityDetailLevel::X1min,
            window,
        )
        .await
        .unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 4 + 11 * 2);
}

#[tokio::test]
async fn a_window_that_ends_before_it_starts_is_refused() {
    let day = the_day().await;
    let window = Some((ClockTime::hm(9, 0).unwrap(), ClockTime::hm(8, 0).unwrap()));
    let err = day
        .legacy(UnitSystem::Metric)
        .activity_intraday(
            IntradayActivityResource::Steps,
            compared_day(),
            ActivityDetailLevel::X1min,
            window,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, fitbit_auth::Error::InvalidRequest(_)), "{err}");
    let err = day
        .legacy(UnitSystem::Metric)
        .activity_time_series(ActivityResource::Steps, compared_day(), date("2026-03-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("before the start date"), "{err}");
}

// ── Heart rate ─────────────────────────────────────────────────────────────

const HEART_RULES: [(&str, Rule); 2] = [
    (
        "$.activities-heart[].value.heartRateZones[].caloriesOut",
        Rule::Differs(
            "calories-in-heart-rate-zone counts active energy only; Fitbit counted all energy in the zone",
        ),
    ),
    ("$.activities-heart[].value.customHeartRateZones", Rule::Missing("custom zones are not in the new API")),
];

#[tokio::test]
async fn heart_rate_time_series_match_zones_and_resting_heart_rate() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let legacy = api
        .get_heartrate_timeseries_by_date()
        .date(FitbitDate::On(compared_day()))
        .period(fitbit_api::types::HeartRatePeriod::X1d)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = facade.heart_rate_time_series(compared_day(), compared_day()).await.unwrap();
    // The date, four zones of five fields (calories by another definition), the resting rate, no custom zones.
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &HEART_RULES), 1 + 4 * 5 + 1 + 1);
    let legacy = api
        .get_heartrate_timeseries_by_date_range()
        .start_date(FitbitDate::On(compared_day()))
        .end_date(FitbitDate::On(compared_day()))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &HEART_RULES), 23);
    let zones = json(&ours)["activities-heart"][0]["value"]["heartRateZones"].clone();
    assert_eq!(zones[3]["name"], "Peak");
    assert_eq!(zones[3]["minutes"], 4);
    assert!(
        zones[2]["caloriesOut"].as_f64().unwrap() > 0.0,
        "the run's active energy falls in the cardio zone"
    );
}

#[tokio::test]
async fn heart_rate_intraday_matches_at_1sec_1min_and_15min() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    for (detail, windows) in [(HeartRateDetailLevel::X1min, 627), (HeartRateDetailLevel::X15min, 96)] {
        let legacy = api
            .get_heartrate_intraday_by_date()
            .date(FitbitDate::On(compared_day()))
            .detail_level(detail)
            .send()
            .await
            .unwrap()
            .into_inner();
        let ours = facade.heart_rate_intraday(compared_day(), detail, None).await.unwrap();
        let dataset = ours.activities_heart_intraday.as_ref().unwrap();
        assert_eq!(dataset.dataset.len(), windows, "{detail}: windows with samples");
        let compared = assert_same(&json(&legacy), &json(&ours), &HEART_RULES);
        assert_eq!(compared, 23 + 2 + windows * 2, "{detail}");
    }
    // Seconds, in a window whose end minute is included (07:30:00 to 07:31:59).
    let (start, end) = (ClockTime::hm(7, 30).unwrap(), ClockTime::hm(7, 31).unwrap());
    let legacy = api
        .get_heartrate_intraday_by_date_window()
        .date(FitbitDate::On(compared_day()))
        .detail_level(HeartRateDetailLevel::X1sec)
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = facade
        .heart_rate_intraday(compared_day(), HeartRateDetailLevel::X1sec, Some((start, end)))
        .await
        .unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &HEART_RULES), 23 + 2 + 12 * 2);
    let first = &ours.activities_heart_intraday.as_ref().unwrap().dataset[0];
    assert_eq!(first.time.to_string(), "07:30:00");
}

// ── Sleep ──────────────────────────────────────────────────────────────────

const SLEEP_RULES: [(&str, Rule); 2] = [
    ("$.sleep[].efficiency", Rule::Missing("sleep efficiency is not in the new API")),
    ("$.sleep[].infoCode", Rule::Missing("not in the new API")),
];

fn sleep_rules() -> Vec<(&'static str, Rule)> {
    let mut rules = SLEEP_RULES.to_vec();
    for level in ["deep", "light", "rem", "wake", "asleep", "restless", "awake"] {
        let path: &'static str = format!("$.sleep[].levels.summary.{level}.thirtyDayAvgMinutes").leak();
        rules.push((path, Rule::Missing("Fitbit's own 30-day averages are not in the new API")));
    }
    rules
}

#[tokio::test]
async fn sleep_logs_match_by_date_and_by_range() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let legacy =
        api.get_sleep_log_by_date().date(FitbitDate::On(compared_day())).send().await.unwrap().into_inner();
    let ours = facade.sleep_log_by_date(compared_day()).await.unwrap();
    let compared = assert_same(&json(&legacy), &json(&ours), &sleep_rules());
    // Each sleep: 15 fields; the main sleep's 13 stages and 1 short wake of 3 fields and 4 levels of
    // 3; the nap's 5 stages and 3 levels (classic: no short data); the day's 4 stages and 3 totals.
    assert_eq!(compared, (15 + 14 * 3 + 4 * 3) + (15 + 5 * 3 + 3 * 3) + 7);
    let sleeps = ours.sleep.as_ref().unwrap();
    assert_eq!(sleeps.len(), 2);
    assert_eq!((sleeps[0].is_main_sleep, sleeps[1].is_main_sleep), (Some(false), Some(true)));
    assert_eq!(sleeps[1].start_time.as_ref().unwrap().to_string(), "2026-03-06T23:10:00.000");

    let legacy = api
        .get_sleep_log_by_date_range()
        .start_date(FitbitDate::On(compared_day()))
        .end_date(FitbitDate::On(compared_day()))
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = facade.sleep_log_by_date_range(compared_day(), compared_day()).await.unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &sleep_rules()), 69 + 39);

    // The day before has no sleep that ended on it.
    let before = facade.sleep_log_by_date(date("2026-03-06")).await.unwrap();
    assert_eq!(before.sleep.map(|s| s.len()), Some(0));
    assert_eq!(before.summary.and_then(|s| s.total_sleep_records), Some(0));
}

// ── Body and nightly summaries ─────────────────────────────────────────────

#[tokio::test]
async fn weight_and_body_fat_logs_match_in_kilograms_and_pounds() {
    let day = the_day().await;
    // Fitbit wrote the BMI, and pounds, to two decimals.
    let rules = [("$.weight[].bmi", Rule::Within(0.005)), ("$.weight[].weight", Rule::Within(0.005))];
    for units in [UnitSystem::Metric, UnitSystem::Us] {
        let legacy = day
            .fitbit_api(units)
            .get_weight_log()
            .date(FitbitDate::On(compared_day()))
            .send()
            .await
            .unwrap()
            .into_inner();
        let ours = day.legacy(units).weight_logs(compared_day(), compared_day()).await.unwrap();
        assert_eq!(assert_same(&json(&legacy), &json(&ours), &rules), 7, "{units}");
    }
    let ours = day.legacy(UnitSystem::Uk).weight_logs(compared_day(), compared_day()).await.unwrap();
    assert!((ours.weight[0].weight.unwrap().as_f64() - 71.85 / 6.35029318).abs() < 1e-9, "stone for en_GB");

    let legacy = day
        .fitbit_api(UnitSystem::Metric)
        .get_bodyfat_log()
        .date(FitbitDate::On(compared_day()))
        .send()
        .await
        .unwrap()
        .into_inner();
    let ours = day.legacy(UnitSystem::Metric).body_fat_logs(compared_day(), compared_day()).await.unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 5);
    let none =
        day.legacy(UnitSystem::Metric).body_fat_logs(date("2026-03-06"), date("2026-03-06")).await.unwrap();
    assert!(none.fat.is_empty());
}

#[tokio::test]
async fn nightly_summaries_match_spo2_breathing_hrv_skin_temperature_and_vo2_max() {
    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let on = || FitbitDate::On(compared_day());

    let legacy = api.get_spo2_summary_by_date().date(on()).send().await.unwrap().into_inner();
    let ours = facade.spo2_summary(compared_day()).await.unwrap();
    let bounds = "the new API's confidence bounds, not the lowest and highest readings";
    let rules = [("$.value.min", Rule::Differs(bounds)), ("$.value.max", Rule::Differs(bounds))];
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &rules), 4);

    let legacy = api.get_br_summary_by_date().date(on()).send().await.unwrap().into_inner();
    let ours = facade.breathing_rate_summary(compared_day(), compared_day()).await.unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 2);

    let legacy = api.get_hrv_summary_by_date().date(on()).send().await.unwrap().into_inner();
    let ours = facade.hrv_summary(compared_day(), compared_day()).await.unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 3);

    let legacy = api.get_temperature_skin_summary_by_date().date(on()).send().await.unwrap().into_inner();
    let ours = facade.skin_temperature_summary(compared_day(), compared_day()).await.unwrap();
    let rules = [
        ("$.tempSkin[].logType", Rule::Missing("which sensor measured it is not in the new API")),
        // Nightly minus baseline: float rounding only.
        ("$.tempSkin[].value.nightlyRelative", Rule::Within(1e-9)),
    ];
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &rules), 3);
    let fahrenheit =
        day.legacy(UnitSystem::Us).skin_temperature_summary(compared_day(), compared_day()).await;
    let relative = fahrenheit.unwrap().temp_skin[0].value.nightly_relative.unwrap().as_f64();
    assert!((relative + 0.54).abs() < 1e-9, "{relative}");

    let legacy = api.get_vo2max_summary_by_date().date(on()).send().await.unwrap().into_inner();
    let ours = facade.cardio_fitness_summary(compared_day(), compared_day()).await.unwrap();
    assert_eq!(assert_same(&json(&legacy), &json(&ours), &[]), 2);

    // A night without data.
    let empty = facade.spo2_summary(date("2026-03-06")).await.unwrap();
    assert!(empty.value.is_none());
    assert!(facade.hrv_summary(date("2026-03-06"), date("2026-03-06")).await.unwrap().hrv.is_empty());
}

// ── Activity logs ──────────────────────────────────────────────────────────

const LOG_RULES: [(&str, Rule); 7] = [
    ("$.activityTypeId", Rule::Missing("the activity catalogue is gone; exerciseType is an enum")),
    ("$.activityLevel", Rule::Missing("no activity level per exercise in the new API")),
    ("$.caloriesLink", Rule::Missing("no links in the new API")),
    ("$.activeZoneMinutes.minutesInHeartRateZones", Rule::Missing("no per-zone AZM per exercise")),
    // The new API's speed and pace are rounded to 3 and 5 decimals of mm/s and s/m.
    ("$.speed", Rule::Within(1e-3)),
    ("$.pace", Rule::Within(1e-2)),
    ("$.distance", Rule::Within(1e-9)),
];

#[tokio::test]
async fn activity_logs_match_page_by_page_and_as_a_stream() {
    use fitbit_health::legacy::LogQuery;
    use futures::TryStreamExt as _;

    let day = the_day().await;
    let api = day.fitbit_api(UnitSystem::Metric);
    let facade = day.legacy(UnitSystem::Metric);
    let before = date("2026-03-08");

    let legacy: Vec<_> =
        api.activity_logs(fitbit_api::ListQuery::before(before).limit(1)).try_collect().await.unwrap();
    let ours: Vec<_> = facade.activity_logs(LogQuery::before(before).limit(1)).try_collect().await.unwrap();
    assert_eq!((legacy.len(), ours.len()), (2, 2));
    for (legacy, ours) in legacy.iter().zip(&ours) {
        // 23 values, 4 of them fields the new API cannot fill.
        assert_eq!(assert_same(&json(legacy), &json(ours), &LOG_RULES), 23);
    }
    assert_eq!(ours[0].activity_name.as_deref(), Some("Walk"), "newest first");
    assert_eq!(ours[1].start_time.as_deref(), Some("2026-03-07T07:30:00.000+01:00"));
    assert_eq!(ours[1].log_type.as_deref(), Some("tracker"), "started on the device");

    // One page, with the new API's page token where Fitbit had a URL.
    let legacy = api
        .get_activity_log_list()
        .before_date(fitbit_api::ListBound::Day(before))
        .sort(fitbit_api::types::SortOrder::Desc)
        .limit(1)
        .offset(0u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    let first = facade.activity_log_list(LogQuery::before(before).limit(1), None).await.unwrap();
    let mut rules: Vec<(&str, Rule)> = LOG_RULES
        .iter()
        .map(|(path, rule)| (&*format!("$.activities[]{}", &path[1..]).leak(), *rule))
        .collect();
    rules.push(("$.pagination.next", Rule::Differs("the new API's page token, not a URL")));
    rules.push(("$.pagination.offset", Rule::Missing("the new API pages by token")));
    rules.push(("$.pagination.previous", Rule::Missing("the new API pages forward only")));
    assert_eq!(assert_same(&json(&legacy), &json(&first), &rules), 23 + 6);
    let token = first.pagination.next.clone().unwrap();
    assert!(!token.is_empty());
    let second = facade.activity_log_list(LogQuery::before(before).limit(1), Some(&token)).await.unwrap();
    assert_eq!(second.activities[0].activity_name.as_deref(), Some("Run"));
    assert_eq!(second.pagination.next.as_deref(), Some(""), "the last page");

    // In miles: distance, speed and pace follow the unit system.
    let us =
        day.legacy(UnitSystem::Us).activity_log_list(LogQuery::before(before).limit(2), None).await.unwrap();
    let run = &us.activities[1];
    assert_eq!(run.distance_unit.as_deref(), Some("Mile"));
    let km = ours[1].distance.unwrap().as_f64();
    assert!((run.distance.unwrap().as_f64() - km / 1.609344).abs() < 1e-9);
    assert!((run.pace.unwrap().as_f64() - ours[1].pace.unwrap().as_f64() * 1.609344).abs() < 1e-6);
}

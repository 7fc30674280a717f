//! Behaviour of the generated client on loopback HTTP: the exact request each
//! operation sends (method, path, query, headers, bearer token) and the typed
//! values decoded from documented example bodies.

mod support;

use fitbit_api::prelude::*;
use fitbit_api::types::{
    ActivityDetailLevel, HeartRateDayValueOrAverage, HeartRateDetailLevel, IntradayActivityResource, Locale,
    Period, SortOrder, Timezone, TrackerActivityResource,
};
use fitbit_api::{Action, Client, ClockTime, Error, FitbitDate, UnitSystem};
use httpmock::MockServer;
use support::{TEST_TOKEN, client_for, fixtures};

const BEARER: &str = "Bearer test-access-token-0123456789";

fn date(text: &str) -> FitbitDate {
    text.parse().expect("a valid date")
}

#[tokio::test]
async fn get_profile_sends_the_bearer_token_and_decodes_the_profile() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/profile.json")
                .header("authorization", BEARER)
                .header("accept", "application/json")
                .header_missing("api-version");
            then.status(200).body(fixtures::response("get_profile.json").text);
        })
        .await;

    let profile = client_for(&server).get_profile().send().await.expect("profile").into_inner();

    mock.assert_async().await;
    assert_eq!(profile.user.encoded_id.as_deref(), Some("GGNJL9"));
    assert_eq!(profile.user.timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(profile.user.offset_from_utc_millis, Some(3_600_000));
    assert_eq!(profile.user.date_of_birth, chrono::NaiveDate::from_ymd_opt(1988, 4, 17));
    // Fields the spec does not model are kept, not dropped.
    assert_eq!(profile.user.extra["languageLocale"], "en_GB");
    let badges = profile.user.top_badges.as_ref().expect("top badges");
    assert_eq!(badges[0].times_achieved, Some(4));
}

#[tokio::test]
async fn a_typed_answer_keeps_the_status_and_headers_of_the_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/profile.json");
            then.status(200)
                .header("fitbit-rate-limit-remaining", "149")
                .header("x-request-id", "req-42")
                .body(fixtures::response("get_profile.json").text);
        })
        .await;

    let answer = client_for(&server).get_profile().send().await.expect("profile");

    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["fitbit-rate-limit-remaining"], "149");
    assert_eq!(answer.headers()["x-request-id"], "req-42");
    assert_eq!(answer.user.encoded_id.as_deref(), Some("GGNJL9"));
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_as_one_segment_each() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/a%20b%2Fc%3Fd%25%C3%A9/activities/date/2026-09-30.json");
            then.status(200).body(fixtures::response("get_daily_activity_summary.json").text);
        })
        .await;

    client_for(&server)
        .get_daily_activity_summary()
        .user_id("a b/c?d%é")
        .date(date("2026-09-30"))
        .send()
        .await
        .expect("a daily summary");

    mock.assert_async().await;
}

#[tokio::test]
async fn operation_paths_go_below_the_base_urls_own_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/fitbit/proxy/1/user/-/profile.json").query_param_missing("x");
            then.status(200).body(fixtures::response("get_profile.json").text);
        })
        .await;

    for base in [server.url("/fitbit/proxy"), server.url("/fitbit/proxy/")] {
        let client = Client::builder().base_url(base).bearer_token(TEST_TOKEN).build().expect("a client");
        client.get_profile().send().await.expect("a profile");
    }

    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_client_made_from_another_clients_state_uses_its_own_base_url() {
    let (first, second) = (MockServer::start_async().await, MockServer::start_async().await);
    let mock = second
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/devices.json").header("authorization", BEARER);
            then.status(200).body("[]");
        })
        .await;
    let built = client_for(&first);

    let other = Client::new(&second.base_url(), built.state().clone());
    assert!(other.get_devices().send().await.expect("devices").is_empty());
    mock.assert_async().await;

    let invalid = Client::new("not a URL", built.state().clone());
    match invalid.get_devices().send().await.map_err(Error::from) {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("could not be built: relative URL without a base"), "{message}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn the_builder_refuses_a_base_url_that_paths_cannot_follow() {
    for (base, expected) in [
        ("api.fitbit.com", "relative URL without a base"),
        ("ftp://api.fitbit.com", "http or https"),
        ("https://api.fitbit.com/?key=1", "query or a fragment"),
    ] {
        let err = Client::builder().base_url(base).bearer_token(TEST_TOKEN).build().expect_err(base);
        assert!(matches!(err, Error::Config(_)), "{base}: {err:?}");
        assert!(err.to_string().contains(expected), "{base}: {err}");
    }
}

#[tokio::test]
async fn an_explicit_user_id_replaces_the_dash() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/GGNJL9/devices.json");
            then.status(200).body(fixtures::response("get_devices.json").text);
        })
        .await;

    let devices = client_for(&server).get_devices().user_id("GGNJL9").send().await.expect("devices");

    mock.assert_async().await;
    assert_eq!(devices[0].id.as_deref(), Some("816713257"));
    assert_eq!(devices[0].battery_level, Some(60));
    let synced = devices[0].last_sync_time.as_ref().expect("last sync");
    assert_eq!(synced.naive().to_string(), "2019-11-07 12:00:58");
}

#[tokio::test]
async fn tracker_resources_keep_their_slash_unescaped() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/activities/tracker/steps/date/2024-03-01/2024-03-03.json")
                .query_param("timezone", "UTC");
            then.status(200)
                .body(fixtures::response("get_tracker_activity_timeseries_by_date_range.json").text);
        })
        .await;

    let series = client_for(&server)
        .get_tracker_activity_timeseries_by_date_range()
        .resource(TrackerActivityResource::Steps)
        .start_date(date("2024-03-01"))
        .end_date(date("2024-03-03"))
        .timezone(Timezone::Utc)
        .send()
        .await
        .expect("series");

    mock.assert_async().await;
    let points = &series["activities-tracker-steps"];
    assert_eq!(points.len(), 3);
    assert_eq!(points[1].value.as_u64(), Some(10456));
    assert_eq!(points[1].date_time.to_string(), "2024-03-02");
}

#[tokio::test]
async fn activity_time_series_by_period_accepts_today() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/activities/steps/date/today/7d.json");
            then.status(200).body(fixtures::response("get_activity_timeseries_by_date.json").text);
        })
        .await;

    let series = client_for(&server)
        .get_activity_timeseries_by_date()
        .resource("steps")
        .date(FitbitDate::Today)
        .period(Period::X7d)
        .send()
        .await
        .expect("series");

    mock.assert_async().await;
    let steps: Vec<u64> = series["activities-steps"].iter().filter_map(|p| p.value.as_u64()).collect();
    assert_eq!(steps, [2504, 3723, 8304, 7861, 837, 4103, 1698]);
}

#[tokio::test]
async fn heart_rate_intraday_reaches_every_detail_level() {
    let server = MockServer::start_async().await;
    let body = fixtures::response("get_heartrate_intraday_by_date.json").text;
    for level in [
        HeartRateDetailLevel::X1sec,
        HeartRateDetailLevel::X1min,
        HeartRateDetailLevel::X5min,
        HeartRateDetailLevel::X15min,
    ] {
        let path = format!("/1/user/-/activities/heart/date/2024-03-05/1d/{level}.json");
        let mock = server
            .mock_async(|when, then| {
                when.method("GET").path(path.as_str()).header("authorization", BEARER);
                then.status(200).body(body.as_str());
            })
            .await;
        let heart = client_for(&server)
            .get_heartrate_intraday_by_date()
            .date(date("2024-03-05"))
            .detail_level(level)
            .send()
            .await
            .expect("intraday");
        mock.assert_async().await;
        mock.delete_async().await;
        let intraday = heart.activities_heart_intraday.as_ref().expect("dataset");
        assert_eq!(intraday.dataset.len(), 3);
        assert_eq!(intraday.dataset[1].time.to_string(), "00:01:00");
        assert_eq!(intraday.dataset[1].value, 60.0);
        let HeartRateDayValueOrAverage::HeartRateDayValue(day) = &heart.activities_heart[0].value else {
            panic!("the day's value is the zones object");
        };
        assert_eq!(day.resting_heart_rate, Some(58));
    }
}

#[tokio::test]
async fn heart_rate_window_sends_clock_times_and_decodes_the_older_shape() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/activities/heart/date/today/1d/1sec/time/08:00/08:15.json");
            then.status(200).body(fixtures::response("get_heartrate_intraday_by_date_window.json").text);
        })
        .await;

    let heart = client_for(&server)
        .get_heartrate_intraday_by_date_window()
        .date(FitbitDate::Today)
        .detail_level("1sec")
        .start_time(ClockTime::hm(8, 0).unwrap())
        .end_time("08:15")
        .send()
        .await
        .expect("window");

    mock.assert_async().await;
    let day = &heart.activities_heart[0];
    assert_eq!(day.date_time, FitbitDate::Today);
    let HeartRateDayValueOrAverage::NumericString(average) = &day.value else {
        panic!("the window's value is an average");
    };
    assert_eq!(average.as_f64(), Some(64.2));
    assert_eq!(heart.activities_heart_intraday.as_ref().unwrap().dataset_type.as_deref(), Some("second"));
}

#[tokio::test]
async fn steps_and_calories_intraday() {
    let server = MockServer::start_async().await;
    let steps = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/activities/steps/date/2024-03-05/1d/1min.json");
            then.status(200).body(fixtures::response("get_activity_intraday_by_date.json").text);
        })
        .await;
    let calories = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/activities/calories/date/2024-03-05/1d/15min.json");
            then.status(200).body(fixtures::response("get_activity_intraday_by_date.calories.json").text);
        })
        .await;
    let client = client_for(&server);

    let step_data = client
        .get_activity_intraday_by_date()
        .resource(IntradayActivityResource::Steps)
        .date(date("2024-03-05"))
        .detail_level(ActivityDetailLevel::X1min)
        .send()
        .await
        .expect("steps");
    let calorie_data = client
        .get_activity_intraday_by_date()
        .resource(IntradayActivityResource::Calories)
        .date(date("2024-03-05"))
        .detail_level(ActivityDetailLevel::X15min)
        .send()
        .await
        .expect("calories");

    steps.assert_async().await;
    calories.assert_async().await;
    let fitbit_api::types::ActivityIntradayEntry::IntradayDataset(dataset) =
        &step_data["activities-steps-intraday"]
    else {
        panic!("the intraday key holds a dataset");
    };
    assert_eq!(dataset.dataset.iter().map(|p| p.value.as_f64()).sum::<f64>(), 240.0);
    let fitbit_api::types::ActivityIntradayEntry::IntradayDataset(dataset) =
        &calorie_data["activities-calories-intraday"]
    else {
        panic!("the intraday key holds a dataset");
    };
    assert_eq!(dataset.dataset[1].mets, Some(fitbit_api::Number::from(58)));
    assert_eq!(dataset.dataset[1].level, Some(2));
}

#[tokio::test]
async fn create_activity_log_sends_query_parameters_and_content_length_zero() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/1/user/-/activities.json")
                .query_param("activityId", "90009")
                .query_param("startTime", "07:30")
                .query_param("durationMillis", "1800000")
                .query_param("date", "2024-03-05")
                .query_param("distance", "3.21")
                .header("content-length", "0")
                .header("authorization", BEARER);
            then.status(201).body(fixtures::response("create_activity_log.json").text);
        })
        .await;

    let created = client_for(&server)
        .create_activity_log()
        .activity_id(90009u64)
        .start_time("07:30")
        .duration_millis(1_800_000u64)
        .date(date("2024-03-05"))
        .distance(3.21)
        .send()
        .await
        .expect("created");

    mock.assert_async().await;
    assert_eq!(created.status().as_u16(), 201);
    let log = created.activity_log.as_ref().expect("the log");
    assert_eq!(log.log_id, Some(58_112_940_023));
    assert_eq!(log.steps, Some(4118));
}

#[tokio::test]
async fn sleep_create_list_and_delete() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/1.2/user/-/sleep.json")
                .query_param("date", "2024-03-04")
                .query_param("startTime", "23:30")
                .query_param("duration", "27000000")
                .header("content-length", "0");
            then.status(201).body(fixtures::response("create_sleep_log.json").text);
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1.2/user/-/sleep/list.json")
                .query_param("beforeDate", "2020-02-22")
                .query_param("sort", "desc")
                .query_param("limit", "1")
                .query_param("offset", "0");
            then.status(200).body(fixtures::response("get_sleep_log_list.json").text);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method("DELETE").path("/1.2/user/-/sleep/46112940025.json");
            then.status(204);
        })
        .await;
    let client = client_for(&server);

    let created = client
        .create_sleep_log()
        .date(date("2024-03-04"))
        .start_time("23:30")
        .duration(27_000_000u64)
        .send()
        .await
        .expect("created");
    let log_id = created.sleep.as_ref().and_then(|s| s.log()).and_then(|log| log.log_id).expect("log id");
    let page = client
        .get_sleep_log_list()
        .before_date(chrono::NaiveDate::from_ymd_opt(2020, 2, 22).unwrap())
        .sort(SortOrder::Desc)
        .limit(1u8)
        .offset(0u32)
        .send()
        .await
        .expect("page");
    client.delete_sleep_log().log_id(log_id).send().await.expect("deleted");

    create.assert_async().await;
    list.assert_async().await;
    delete.assert_async().await;
    assert_eq!(log_id, 46_112_940_025);
    assert_eq!(page.sleep[0].type_.as_deref(), Some("stages"));
    assert!(page.pagination.next.as_deref().unwrap().contains("offset=1"));
}

#[tokio::test]
async fn sleep_by_date_decodes_logs_and_the_pending_marker() {
    let server = MockServer::start_async().await;
    let done = server
        .mock_async(|when, then| {
            when.method("GET").path("/1.2/user/-/sleep/date/2020-02-21.json");
            then.status(200).body(fixtures::response("get_sleep_log_by_date.json").text);
        })
        .await;
    let pending = server
        .mock_async(|when, then| {
            when.method("GET").path("/1.2/user/-/sleep/date/today.json");
            then.status(200).body(fixtures::response("get_sleep_log_by_date.pending.json").text);
        })
        .await;
    let client = client_for(&server);

    let night = client.get_sleep_log_by_date().date(date("2020-02-21")).send().await.expect("night");
    let later = client.get_sleep_log_by_date().date(FitbitDate::Today).send().await.expect("pending");

    done.assert_async().await;
    pending.assert_async().await;
    let log = &night.sleep.as_ref().unwrap()[0];
    assert_eq!(log.log_id, Some(26_013_218_219));
    assert_eq!(log.minutes_asleep, Some(384));
    let levels = log.levels.as_ref().unwrap();
    assert_eq!(levels.summary.as_ref().unwrap()["deep"].minutes, Some(104));
    assert_eq!(night.summary.as_ref().unwrap().stages.as_ref().unwrap()["rem"], 75);
    assert!(later.sleep.is_none());
    assert_eq!(later.meta.as_ref().unwrap().retry_duration, Some(3000));
}

#[tokio::test]
async fn weight_log_by_date_and_create() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/body/log/weight/date/2024-03-05.json")
                .header("accept-language", "en_US");
            then.status(200).body(fixtures::response("get_weight_log.json").text);
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/1/user/-/body/log/weight.json")
                .query_param("weight", "70.1")
                .query_param("date", "2024-03-05")
                .query_param("time", "23:59:59");
            then.status(201).body(fixtures::response("create_weight_log.json").text);
        })
        .await;
    let client = client_for(&server);

    let logs = client
        .get_weight_log()
        .date(date("2024-03-05"))
        .accept_language(UnitSystem::Us)
        .send()
        .await
        .expect("logs");
    let created = client
        .create_weight_log()
        .weight(70.1)
        .date(date("2024-03-05"))
        .time("23:59:59")
        .send()
        .await
        .expect("created");

    get.assert_async().await;
    create.assert_async().await;
    assert_eq!(logs.weight.len(), 2);
    assert_eq!(logs.weight[0].fat, Some(fitbit_api::Number::from(21.3)));
    assert_eq!(logs.weight[1].fat, None);
    assert_eq!(created.weight_log.log_id, Some(1_709_665_199_000));
}

#[tokio::test]
async fn update_profile_sends_a_form_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/1/user/-/profile.json")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("fullName", "Alex Q. Rivera")
                .form_urlencoded_tuple("aboutMe", "Runner.");
            then.status(200).body(fixtures::response("update_profile.json").text);
        })
        .await;

    let updated = client_for(&server)
        .update_profile()
        .body_map(|body| body.full_name("Alex Q. Rivera".to_string()).about_me("Runner.".to_string()))
        .send()
        .await
        .expect("updated");

    mock.assert_async().await;
    assert_eq!(updated.user.full_name.as_deref(), Some("Alex Q. Rivera"));
}

#[tokio::test]
async fn subscriptions_list_create_delete_with_subscriber_header() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/-/apiSubscriptions.json").header("x-fitbit-subscriber-id", "1");
            then.status(200).body(fixtures::response("get_subscription_list.json").text);
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/1/user/-/apiSubscriptions/user-GGNJL9-all.json")
                .header("content-length", "0");
            then.status(201).body(fixtures::response("create_subscription.json").text);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method("DELETE").path("/1/user/-/apiSubscriptions/user-GGNJL9-all.json");
            then.status(204);
        })
        .await;
    let client = client_for(&server);

    let subscriptions =
        client.get_subscription_list().x_fitbit_subscriber_id("1").send().await.expect("list");
    let created =
        client.create_subscription().subscription_id("user-GGNJL9-all").send().await.expect("created");
    client.delete_subscription().subscription_id("user-GGNJL9-all").send().await.expect("deleted");

    list.assert_async().await;
    create.assert_async().await;
    delete.assert_async().await;
    assert_eq!(subscriptions.api_subscriptions[0].owner_id.as_deref(), Some("GGNJL9"));
    assert_eq!(created.subscription_id.as_deref(), Some("user-GGNJL9-all"));
}

#[tokio::test]
async fn collection_subscriptions_carry_the_subscriber_header_and_a_conflict_is_typed() {
    use fitbit_api::types::SubscriptionCollection;

    let server = MockServer::start_async().await;
    let path = "/1/user/-/sleep/apiSubscriptions/user-GGNJL9-sleep.json";
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(path)
                .header("x-fitbit-subscriber-id", "2")
                .header("content-length", "0");
            then.status(200).body(fixtures::response("create_subscription.json").text);
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/sleep/apiSubscriptions.json")
                .header("x-fitbit-subscriber-id", "2");
            then.status(200).body(fixtures::response("get_subscription_list.json").text);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method("DELETE").path(path).header("x-fitbit-subscriber-id", "2");
            then.status(204);
        })
        .await;
    let conflict = server
        .mock_async(|when, then| {
            when.method("POST").path("/1/user/-/body/apiSubscriptions/taken.json");
            then.status(409).body(
                r#"{"errors":[{"errorType":"conflict","message":"The user is already subscribed under another id."}]}"#,
            );
        })
        .await;
    let client = client_for(&server);

    let created = client
        .create_collection_subscription()
        .collection_path(SubscriptionCollection::Sleep)
        .subscription_id("user-GGNJL9-sleep")
        .x_fitbit_subscriber_id("2")
        .send()
        .await
        .expect("an existing subscription (200) is a success");
    let listed = client
        .get_collection_subscription_list()
        .collection_path(SubscriptionCollection::Sleep)
        .x_fitbit_subscriber_id("2")
        .send()
        .await
        .expect("list");
    client
        .delete_collection_subscription()
        .collection_path(SubscriptionCollection::Sleep)
        .subscription_id("user-GGNJL9-sleep")
        .x_fitbit_subscriber_id("2")
        .send()
        .await
        .expect("deleted");
    let err = client
        .create_collection_subscription()
        .collection_path(SubscriptionCollection::Body)
        .subscription_id("taken")
        .send()
        .await
        .map_err(fitbit_api::Error::from)
        .expect_err("409");

    create.assert_async().await;
    list.assert_async().await;
    delete.assert_async().await;
    conflict.assert_async().await;
    assert!(created.subscription_id.is_some());
    assert!(!listed.api_subscriptions.is_empty());
    assert!(matches!(err, fitbit_api::Error::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("already subscribed under another id"), "{err}");
}

#[tokio::test]
async fn friends_use_the_1_1_prefix() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET").path("/1.1/user/-/friends.json");
            then.status(200).body(fixtures::response("get_friends.json").text);
        })
        .await;

    let friends = client_for(&server).get_friends().send().await.expect("friends");

    mock.assert_async().await;
    let names: Vec<_> = friends.data.iter().filter_map(|f| f.attributes.as_ref()?.name.clone()).collect();
    assert_eq!(names, ["Nick", "Alan"]);
}

#[tokio::test]
async fn client_wide_locale_defaults_and_per_request_override() {
    let server = MockServer::start_async().await;
    let defaults = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/activities/date/2019-01-01.json")
                .header("accept-language", "en_GB")
                .header("accept-locale", "en_NZ");
            then.status(200).body(fixtures::response("get_daily_activity_summary.json").text);
        })
        .await;
    let overridden = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/activities/date/2019-01-02.json")
                .header("accept-language", "metric")
                .header("accept-locale", "en_NZ");
            then.status(200).body(fixtures::response("get_daily_activity_summary.json").text);
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .bearer_token(TEST_TOKEN)
        .accept_language(UnitSystem::Uk)
        .accept_locale(Locale::EnNz)
        .build()
        .unwrap();

    let summary = client.get_daily_activity_summary().date(date("2019-01-01")).send().await.expect("summary");
    client
        .get_daily_activity_summary()
        .date(date("2019-01-02"))
        .accept_language(UnitSystem::Metric)
        .send()
        .await
        .expect("summary");

    defaults.assert_async().await;
    overridden.assert_async().await;
    let day = summary.summary.as_ref().unwrap();
    assert_eq!(day.steps, Some(1698));
    assert_eq!(day.resting_heart_rate, Some(77));
    assert_eq!(
        day.heart_rate_zones.as_ref().unwrap()[1].calories_out,
        Some(fitbit_api::Number::from(1409.4564))
    );
    assert_eq!(summary.activities.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn activity_log_list_and_delete() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/1/user/-/activities/list.json")
                .query_param("afterDate", "2019-01-01")
                .query_param("sort", "asc")
                .query_param("limit", "1")
                .query_param("offset", "0");
            then.status(200).body(fixtures::response("get_activity_log_list.json").text);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method("DELETE").path("/1/user/-/activities/19018673358.json");
            then.status(204);
        })
        .await;
    let client = client_for(&server);

    let page = client
        .get_activity_log_list()
        .after_date(chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap())
        .sort(SortOrder::Asc)
        .limit(1u8)
        .offset(0u32)
        .send()
        .await
        .expect("page");
    let log_id = page.activities[0].log_id.expect("log id");
    client.delete_activity_log().activity_log_id(log_id).send().await.expect("deleted");

    list.assert_async().await;
    delete.assert_async().await;
    assert_eq!(log_id, 19_018_673_358);
    assert_eq!(page.activities[0].activity_name.as_deref(), Some("Walk"));
    assert_eq!(page.pagination.previous.as_deref(), Some(""));
}

#[tokio::test]
async fn a_bad_parameter_is_a_typed_error_before_any_request() {
    let server = MockServer::start_async().await;
    let anything = server.mock_async(|when, then| {
        when.any_request();
        then.status(200);
    });
    let anything = anything.await;

    let err = client_for(&server)
        .get_activity_timeseries_by_date()
        .resource("steps")
        .date("2024-13-45")
        .period("7d")
        .send()
        .await
        .map_err(Error::from)
        .expect_err("an impossible date is refused");

    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(err.action(), Action::FixRequest);
    anything.assert_calls_async(0).await;
}

//! The `webhook_sync` example's work on loopback: each notification fetches
//! exactly the owner's changed day, repeats of a waiting change coalesce,
//! and background fetching keeps a reserve of the hourly budget.

use std::time::{Duration, Instant};

use fitbit_api::webhooks::{Notification, parse_notifications};
use fitbit_api::{Client, RateLimitStatus};
use fitbit_examples::notifications::{Fetched, PendingFetches, fetch_changed, wait_for_budget};
use fitbit_tests::fixtures;
use httpmock::MockServer;

fn notification(collection: &str, date: Option<&str>) -> Notification {
    let date = date.map(|d| format!(r#""date":"{d}","#)).unwrap_or_default();
    let body = format!(
        r#"[{{"collectionType":"{collection}",{date}"ownerId":"GGNJL9","ownerType":"user","subscriptionId":"sync-GGNJL9"}}]"#
    );
    parse_notifications(body.as_bytes()).unwrap().remove(0)
}

fn client_for(server: &MockServer) -> Client {
    Client::builder().base_url(server.base_url()).bearer_token("test-access-token").build().unwrap()
}

#[tokio::test]
async fn each_collection_fetches_the_owners_changed_day_and_nothing_else() {
    let server = MockServer::start_async().await;
    let cases = [
        ("sleep", "/1.2/user/GGNJL9/sleep/date/2026-09-29.json", "get_sleep_log_by_date.json"),
        ("activities", "/1/user/GGNJL9/activities/date/2026-09-29.json", "get_daily_activity_summary.json"),
        ("body", "/1/user/GGNJL9/body/log/weight/date/2026-09-29.json", "get_weight_log.json"),
        ("foods", "/1/user/GGNJL9/foods/log/date/2026-09-29.json", "get_food_log.json"),
    ];
    let mut mocks = Vec::new();
    for (_, path, fixture) in cases {
        let body = fixtures::response(fixture).text;
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method("GET").path(path).header("authorization", "Bearer test-access-token");
                    then.status(200).body(body);
                })
                .await,
        );
    }
    let water = server
        .mock_async(|when, then| {
            when.method("GET").path("/1/user/GGNJL9/foods/log/water/date/2026-09-29.json");
            then.status(200).body(fixtures::response("get_water_log.json").text);
        })
        .await;
    let client = client_for(&server);

    for (collection, _, _) in cases {
        let fetched = fetch_changed(&client, &notification(collection, Some("2026-09-29"))).await.unwrap();
        let expected = match collection {
            "sleep" => matches!(fetched, Fetched::Sleep(_)),
            "activities" => matches!(fetched, Fetched::Activities(_)),
            "body" => matches!(fetched, Fetched::Body(_)),
            _ => matches!(fetched, Fetched::Foods(..)),
        };
        assert!(expected, "{collection}: {fetched:?}");
    }
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
    assert_eq!(water.calls_async().await, 1, "foods also fetches the water log");
    assert_eq!(Fetched::cost(&notification("foods", None).collection_type), 2);
}

#[tokio::test]
async fn revoked_access_and_unknown_collections_cost_no_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let client = client_for(&server);

    let revoked =
        fetch_changed(&client, &notification("userRevokedAccess", Some("2026-09-29"))).await.unwrap();
    assert!(matches!(revoked, Fetched::AccessEnded), "{revoked:?}");
    let deleted = fetch_changed(&client, &notification("deleteUser", None)).await.unwrap();
    assert!(matches!(deleted, Fetched::AccessEnded), "{deleted:?}");
    let unknown = fetch_changed(&client, &notification("hydration", Some("2026-09-29"))).await.unwrap();
    assert!(matches!(unknown, Fetched::Skipped), "{unknown:?}");
    assert_eq!(any.calls_async().await, 0);
}

#[test]
fn a_repeat_of_a_waiting_change_adds_nothing_but_a_later_one_does() {
    let mut pending = PendingFetches::default();
    assert!(pending.push(notification("sleep", Some("2026-09-29"))));
    assert!(!pending.push(notification("sleep", Some("2026-09-29"))), "the same change, delivered twice");
    assert!(pending.push(notification("sleep", Some("2026-09-30"))));
    assert!(pending.push(notification("body", Some("2026-09-29"))));
    assert_eq!(pending.len(), 3);

    let first = pending.pop().unwrap();
    assert_eq!(first.key().to_string(), "sync-GGNJL9/GGNJL9/sleep/2026-09-29");
    // Being fetched now: a new notification may announce a later change.
    assert!(pending.push(notification("sleep", Some("2026-09-29"))));
    assert_eq!(pending.len(), 3);
}

#[test]
fn background_fetching_keeps_a_reserve_of_the_hourly_budget() {
    let now = Instant::now();
    let status = |remaining: Option<u32>| RateLimitStatus {
        limit: Some(150),
        remaining,
        resets_at: Some(now + Duration::from_secs(600)),
    };
    assert_eq!(wait_for_budget(&status(Some(22)), 2, 20, now), None);
    assert_eq!(wait_for_budget(&status(Some(21)), 2, 20, now), Some(Duration::from_secs(600)));
    assert_eq!(wait_for_budget(&status(Some(0)), 1, 20, now), Some(Duration::from_secs(600)));
    assert_eq!(wait_for_budget(&status(None), 1, 20, now), None, "nothing known yet: the governor decides");
}

//! The paged lists as streams: every page requested once, `pagination.next`
//! followed as given (on the client's own host), every item returned once.

mod support;

use fitbit_api::{Client, Error, ListQuery};
use futures::TryStreamExt;
use support::TEST_TOKEN;
use support::scripted::{Reply, ScriptedServer};

fn page(key: &str, ids: &[u64], next: &str) -> Reply {
    let items: Vec<String> = ids.iter().map(|id| format!(r#"{{"logId":{id}}}"#)).collect();
    Reply::json(
        200,
        &format!(
            r#"{{"{key}":[{}],"pagination":{{"afterDate":"2024-01-01","limit":2,"next":"{next}","offset":0,"previous":"","sort":"asc"}}}}"#,
            items.join(",")
        ),
    )
}

fn client(server: &ScriptedServer) -> Client {
    Client::builder().base_url(&server.base_url).bearer_token(TEST_TOKEN).build().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn activity_logs_follow_next_until_it_is_empty() {
    let next1 =
        "https://api.fitbit.com/1/user/-/activities/list.json?offset=2&limit=2&sort=asc&afterDate=2024-01-01";
    let next2 =
        "https://api.fitbit.com/1/user/-/activities/list.json?offset=4&limit=2&sort=asc&afterDate=2024-01-01";
    let server = ScriptedServer::start(vec![
        page("activities", &[1, 2], next1),
        page("activities", &[3, 4], next2),
        page("activities", &[5], ""),
    ])
    .await;

    let logs: Vec<_> = client(&server)
        .activity_logs(ListQuery::after(date(2024, 1, 1)).limit(2))
        .try_collect()
        .await
        .expect("all pages");

    let ids: Vec<u64> = logs.iter().filter_map(|log| log.log_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/1/user/-/activities/list.json?afterDate=2024-01-01&limit=2&offset=0&sort=asc",
            "/1/user/-/activities/list.json?offset=2&limit=2&sort=asc&afterDate=2024-01-01",
            "/1/user/-/activities/list.json?offset=4&limit=2&sort=asc&afterDate=2024-01-01",
        ]
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer test-access-token-0123456789"))
    );
}

#[tokio::test]
async fn sleep_logs_newest_first_stop_without_a_next_link() {
    let server = ScriptedServer::start(vec![page("sleep", &[9, 8], "")]).await;

    let logs: Vec<_> = client(&server)
        .sleep_logs(ListQuery::before(date(2024, 3, 1)))
        .try_collect()
        .await
        .expect("one page");

    assert_eq!(logs.len(), 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].target,
        "/1.2/user/-/sleep/list.json?beforeDate=2024-03-01&limit=100&offset=0&sort=desc"
    );
}

#[tokio::test]
async fn ecg_pages_are_capped_at_ten() {
    let server =
        ScriptedServer::start(vec![Reply::json(200, r#"{"ecgReadings":[],"pagination":{"next":""}}"#)]).await;

    let readings: Vec<_> =
        client(&server).ecg_readings(ListQuery::after(date(2024, 1, 1))).try_collect().await.unwrap();

    assert!(readings.is_empty());
    assert!(server.requests()[0].target.contains("limit=10"), "{:?}", server.requests()[0].target);
}

#[tokio::test]
async fn a_link_back_to_a_read_page_ends_the_stream_with_an_error() {
    let again =
        "https://api.fitbit.com/1/user/-/activities/list.json?offset=2&limit=2&sort=asc&afterDate=2024-01-01";
    let server = ScriptedServer::start(vec![
        page("activities", &[1, 2], again),
        page("activities", &[3, 4], again),
        page("activities", &[5, 6], ""),
    ])
    .await;

    let mut stream = client(&server).activity_logs(ListQuery::after(date(2024, 1, 1)).limit(2));
    let mut ids = Vec::new();
    let err = loop {
        match stream.try_next().await {
            Ok(Some(log)) => ids.push(log.log_id.unwrap()),
            Ok(None) => panic!("the loop must be detected"),
            Err(err) => break err,
        }
    };

    assert_eq!(ids, [1, 2, 3, 4]);
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_error_on_a_later_page_is_typed() {
    let next =
        "https://api.fitbit.com/1/user/-/activities/list.json?offset=2&limit=2&sort=asc&afterDate=2024-01-01";
    let server = ScriptedServer::start(vec![
        page("activities", &[1, 2], next),
        Reply::json(
            403,
            r#"{"errors":[{"errorType":"insufficient_scope","fieldName":"activity","message":"no"}]}"#,
        ),
    ])
    .await;

    let result: Result<Vec<_>, _> =
        client(&server).activity_logs(ListQuery::after(date(2024, 1, 1)).limit(2)).try_collect().await;

    let err = result.expect_err("the second page fails");
    assert!(matches!(&err, Error::MissingScope { scope: Some(s), .. } if s == "activity"), "{err:?}");
}

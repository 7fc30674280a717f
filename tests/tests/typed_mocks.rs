//! How a crate that depends on fitbit-api tests its own code: typed mocks from
//! `fitbit-api-httpmock`, whose matchers take the operation's parameters and
//! whose answers take its response type.

mod support;

/// One test per operation: its typed mock matches what the client sends.
#[rustfmt::skip]
#[path = "typed_mocks/generated.rs"]
mod generated;

use fitbit_api::prelude::*;
use fitbit_api::types::{self, Period};
use fitbit_api::{Client, FitbitDate};
use fitbit_api_httpmock::MockServerExt;
use httpmock::MockServer;

/// "Consumer code": the average daily steps of the last week.
async fn weekly_step_average(client: &Client) -> Result<f64, fitbit_api::Error> {
    let series = client
        .get_activity_timeseries_by_date()
        .resource("steps")
        .date(FitbitDate::Today)
        .period(Period::X7d)
        .send()
        .await?;
    let days: Vec<f64> = series.values().flatten().filter_map(|point| point.value.as_f64()).collect();
    Ok(days.iter().sum::<f64>() / days.len().max(1) as f64)
}

#[tokio::test]
async fn a_consumer_tests_its_code_with_typed_mocks() {
    let server = MockServer::start_async().await;
    let week: types::ActivityTimeSeries = serde_json::from_str(
        r#"{"activities-steps":[{"dateTime":"2024-03-01","value":"1000"},{"dateTime":"2024-03-02","value":"3000"}]}"#,
    )
    .unwrap();
    let mock = server.get_activity_timeseries_by_date(|when, then| {
        when.user_id("-")
            .resource(types::ActivityResource::Steps)
            .date(&FitbitDate::Today)
            .period(Period::X7d);
        then.ok(&week);
    });
    let client = Client::builder().base_url(server.base_url()).bearer_token("token").build().unwrap();

    let average = weekly_step_average(&client).await.expect("the mock answers");

    assert_eq!(average, 2000.0);
    mock.assert();
}

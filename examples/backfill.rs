//! Backfill several weeks of daily data without running into the rate limit.
//!
//! Fitbit allows 150 requests per user per hour. The client's governor reads
//! the rate-limit headers of every answer and, once the budget is spent,
//! waits for the hourly reset instead of collecting 429s; this example asks
//! for each endpoint's longest allowed range per request, so that weeks of
//! data cost a handful of requests, and prints one JSON line per day.
//!
//! ```sh
//! cargo run -p fitbit-examples --example backfill -- 8   # the last 8 weeks
//! ```

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use fitbit_api::prelude::*;
use fitbit_api::types::ActivityResource;
use fitbit_api::{Client, Error, FitbitDate};

/// Sleep by date range allows 100 days per request; we use 30-day windows
/// for everything, which every endpoint below accepts.
const WINDOW_DAYS: i64 = 30;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let weeks: i64 = std::env::args().nth(1).and_then(|w| w.parse().ok()).unwrap_or(4);
    let client = fitbit_examples::signed_in_client().await?;
    let today = client.user_today().await?.date().expect("a calendar date");
    let first = today - Duration::weeks(weeks);

    let mut days: BTreeMap<NaiveDate, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    let mut start = first;
    while start < today {
        let end = (start + Duration::days(WINDOW_DAYS - 1)).min(today - Duration::days(1));
        backfill_window(&client, start, end, &mut days).await?;
        let budget = client.rate_limit();
        eprintln!("{start}..{end} done; requests left this hour: {:?}", budget.remaining);
        start = end + Duration::days(1);
    }
    for (day, values) in days {
        let mut line = values;
        line.insert("date".into(), serde_json::json!(day.to_string()));
        println!("{}", serde_json::Value::Object(line));
    }
    Ok(())
}

async fn backfill_window(
    client: &Client,
    start: NaiveDate,
    end: NaiveDate,
    days: &mut BTreeMap<NaiveDate, serde_json::Map<String, serde_json::Value>>,
) -> Result<(), Error> {
    for (resource, key) in [(ActivityResource::Steps, "steps"), (ActivityResource::Calories, "calories")] {
        let series = client
            .get_activity_timeseries_by_date_range()
            .resource(resource)
            .start_date(FitbitDate::On(start))
            .end_date(FitbitDate::On(end))
            .send()
            .await?;
        for point in series.values().flatten() {
            if let (Some(date), Some(value)) = (point.date_time.date(), point.value.as_f64()) {
                days.entry(date).or_default().insert(key.into(), serde_json::json!(value));
            }
        }
    }
    let heart = client
        .get_heartrate_timeseries_by_date_range()
        .start_date(FitbitDate::On(start))
        .end_date(FitbitDate::On(end))
        .send()
        .await?;
    for day in &heart.activities_heart {
        if let (Some(date), fitbit_api::types::HeartRateDayValueOrAverage::HeartRateDayValue(value)) =
            (day.date_time.date(), &day.value)
            && let Some(resting) = value.resting_heart_rate
        {
            days.entry(date).or_default().insert("resting_heart_rate".into(), serde_json::json!(resting));
        }
    }
    let sleep = client
        .get_sleep_log_by_date_range()
        .start_date(FitbitDate::On(start))
        .end_date(FitbitDate::On(end))
        .send()
        .await?;
    for log in sleep.sleep.iter().filter(|log| log.is_main_sleep == Some(true)) {
        if let (Some(date), Some(minutes)) = (log.date_of_sleep, log.minutes_asleep) {
            days.entry(date).or_default().insert("minutes_asleep".into(), serde_json::json!(minutes));
        }
    }
    Ok(())
}

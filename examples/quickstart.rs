//! Quickstart: today's heart rate, minute by minute.
//!
//! Sign in once with `fitbit login --client-id <ID>` (Personal apps can read
//! their owner's intraday data; other apps need Fitbit's approval), then:
//!
//! ```sh
//! cargo run -p fitbit-examples --example quickstart
//! ```

use fitbit_api::prelude::*;
use fitbit_api::types::{HeartRateDayValueOrAverage, HeartRateDetailLevel};

#[tokio::main]
async fn main() -> Result<(), fitbit_api::Error> {
    let client = fitbit_examples::signed_in_client().await?;

    // "Today" in the user's time zone, not this machine's.
    let today = client.user_today().await?;

    let heart = client
        .get_heartrate_intraday_by_date()
        .date(today)
        .detail_level(HeartRateDetailLevel::X1min)
        .send()
        .await?;

    if let Some(HeartRateDayValueOrAverage::HeartRateDayValue(day)) =
        heart.activities_heart.first().map(|d| &d.value)
    {
        println!("resting heart rate: {:?}", day.resting_heart_rate);
    }
    match &heart.activities_heart_intraday {
        Some(intraday) if !intraday.dataset.is_empty() => {
            for point in &intraday.dataset {
                println!("{} {:>3} bpm", point.time, point.value);
            }
        }
        _ => println!("no heart-rate data for {today} yet (has the tracker synced?)"),
    }
    eprintln!("requests left this hour: {:?}", client.rate_limit().remaining);
    Ok(())
}

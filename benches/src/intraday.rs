//! Full days of intraday data in the documented shape (compact JSON), as
//! Fitbit sends them: the fixtures `get_heartrate_intraday_by_date.json` and
//! `get_activity_intraday_by_date.json` with every point of the day.

use std::fmt::Write;

/// Points in a day at 1-second detail.
pub const SECONDS_PER_DAY: u32 = 86_400;
/// Points in a day at 1-minute detail.
pub const MINUTES_PER_DAY: u32 = 1_440;

/// A deterministic, plausible sequence (no `rand`: the same bytes every run).
fn jitter(i: u32, modulo: u32) -> u32 {
    let mut x = i.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995;
    x ^= x >> 15;
    x = x.wrapping_mul(0x2c1b_3c6d);
    x ^= x >> 12;
    x % modulo
}

fn clock(second_of_day: u32) -> String {
    format!("{:02}:{:02}:{:02}", second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60)
}

/// `GET /1/user/-/activities/heart/date/{date}/1d/1sec.json`: one day,
/// 86,400 points `{"time":"HH:MM:SS","value":N}`.
pub fn heart_rate_1s_day() -> Vec<u8> {
    let mut body = String::with_capacity(3 << 20);
    body.push_str(
        r#"{"activities-heart":[{"dateTime":"2024-03-05","value":{"customHeartRateZones":[],"heartRateZones":[{"caloriesOut":1817.23114,"max":115,"min":30,"minutes":1364,"name":"Out of Range"},{"caloriesOut":284.69112,"max":137,"min":115,"minutes":52,"name":"Fat Burn"},{"caloriesOut":104.0592,"max":167,"min":137,"minutes":14,"name":"Cardio"},{"caloriesOut":22.59288,"max":220,"min":167,"minutes":2,"name":"Peak"}],"restingHeartRate":58}}],"activities-heart-intraday":{"dataset":["#,
    );
    for second in 0..SECONDS_PER_DAY {
        // Lower at night, higher and more varied in the day.
        let awake = (7 * 3600..23 * 3600).contains(&second);
        let value = if awake { 70 + jitter(second, 60) } else { 52 + jitter(second, 12) };
        if second > 0 {
            body.push(',');
        }
        let _ = write!(body, r#"{{"time":"{}","value":{value}}}"#, clock(second));
    }
    body.push_str(r#"],"datasetInterval":1,"datasetType":"second"}}"#);
    body.into_bytes()
}

/// `GET /1/user/-/activities/steps/date/{date}/1d/1min.json`: one day,
/// 1,440 points `{"time":"HH:MM:SS","value":N}`.
pub fn steps_1min_day() -> Vec<u8> {
    let mut body = String::with_capacity(64 << 10);
    let mut total = 0;
    let mut dataset = String::with_capacity(60 << 10);
    for minute in 0..MINUTES_PER_DAY {
        let awake = (7 * 60..23 * 60).contains(&minute);
        // Most waking minutes have no steps; some have a walk's worth.
        let value = if awake && jitter(minute, 3) == 0 { jitter(minute, 130) } else { 0 };
        total += value;
        if minute > 0 {
            dataset.push(',');
        }
        let _ = write!(dataset, r#"{{"time":"{}","value":{value}}}"#, clock(minute * 60));
    }
    let _ = write!(
        body,
        r#"{{"activities-steps":[{{"dateTime":"2024-03-05","value":"{total}"}}],"activities-steps-intraday":{{"dataset":[{dataset}],"datasetInterval":1,"datasetType":"minute"}}}}"#
    );
    body.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_json_of_the_documented_shape() {
        let heart: serde_json::Value = serde_json::from_slice(&heart_rate_1s_day()).unwrap();
        let points = heart["activities-heart-intraday"]["dataset"].as_array().unwrap();
        assert_eq!(points.len(), SECONDS_PER_DAY as usize);
        assert_eq!(points[0], serde_json::json!({"time": "00:00:00", "value": points[0]["value"]}));
        assert_eq!(points[86_399]["time"], "23:59:59");

        let steps: serde_json::Value = serde_json::from_slice(&steps_1min_day()).unwrap();
        let points = steps["activities-steps-intraday"]["dataset"].as_array().unwrap();
        assert_eq!(points.len(), MINUTES_PER_DAY as usize);
        assert_eq!(points[1439]["time"], "23:59:00");
        let total: u64 = points.iter().map(|p| p["value"].as_u64().unwrap()).sum();
        assert_eq!(steps["activities-steps"][0]["value"], total.to_string());
    }
}

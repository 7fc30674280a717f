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

/// A real-shaped day of 1-second heart rate, compact, as servers send it:
/// zones where some lack `caloriesOut` or `minutes`, the daily `value` as a
/// numeric string (as the time-window answers have it), fields the model does
/// not name (day and answer level), and 86,400 points with integer values.
pub fn real_shaped_heart_day() -> Vec<u8> {
    let mut body = String::with_capacity(3 << 20);
    body.push_str(
        r#"{"activities-heart":[{"customHeartRateZones":[],"dateTime":"2024-03-05","heartRateZones":[{"caloriesOut":1817.23114,"max":115,"min":30,"minutes":1364,"name":"Out of Range"},{"max":137,"min":115,"minutes":52,"name":"Fat Burn"},{"caloriesOut":104.0592,"max":167,"min":137,"name":"Cardio"},{"max":220,"min":167,"name":"Peak"}],"restingHeartRate":58,"value":"64.2","deviceSource":"Charge 6"}],"activities-heart-intraday":{"dataset":["#,
    );
    for second in 0..SECONDS_PER_DAY {
        let awake = (7 * 3600..23 * 3600).contains(&second);
        let value = if awake { 70 + jitter(second, 60) } else { 52 + jitter(second, 12) };
        if second > 0 {
            body.push(',');
        }
        let _ = write!(body, r#"{{"time":"{}","value":{value}}}"#, clock(second));
    }
    body.push_str(r#"],"datasetInterval":1,"datasetType":"second"},"timezoneOffsetMillis":3600000}"#);
    body.into_bytes()
}

/// The same JSON re-indented as `json.dumps(indent=2)` writes it (archives,
/// proxies, hand-made fixtures): a line per value, two spaces per level,
/// `"key": value`. Keys keep their order and numbers their text.
pub fn pretty(compact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(compact.len() * 3);
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut bytes = compact.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        if in_string {
            out.push(byte);
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                out.push(byte);
            }
            b'{' | b'[' => {
                out.push(byte);
                let close = if byte == b'{' { b'}' } else { b']' };
                if bytes.peek() == Some(&close) {
                    out.push(close);
                    bytes.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(byte);
            }
            b',' => {
                out.push(byte);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(byte),
        }
    }
    out
}

/// A page of Google Health `heart-rate` data points in the documented shape
/// of `ListDataPointsResponse` (`dataPoints[]` with `name`, `heartRate`
/// {`sampleTime` {`physicalTime`, `utcOffset`}, `beatsPerMinute` as an int64
/// string}, `dataSource`), and a `nextPageToken`.
pub fn health_heart_rate_page(points: u32) -> Vec<u8> {
    let mut body = String::with_capacity(points as usize * 330);
    body.push_str(r#"{"dataPoints":["#);
    for i in 0..points {
        if i > 0 {
            body.push(',');
        }
        let second = i * 5;
        let bpm = 56 + jitter(i, 40);
        let _ = write!(
            body,
            r#"{{"name":"users/4417385029516227301/dataTypes/heart-rate/dataPoints/hr-{i:09}","heartRate":{{"sampleTime":{{"physicalTime":"2026-01-02T{}Z","utcOffset":"3600s"}},"beatsPerMinute":"{bpm}"}},"dataSource":{{"platform":"FITBIT","recordingMethod":"PASSIVELY_MEASURED","device":{{"displayName":"Charge 6","formFactor":"FITNESS_BAND","manufacturer":"Fitbit"}}}}}}"#,
            clock(second % SECONDS_PER_DAY)
        );
    }
    body.push_str(r#"],"nextPageToken":"CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA"}"#);
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

    #[test]
    fn the_real_shaped_day_in_both_layouts_is_the_same_json() {
        let compact = real_shaped_heart_day();
        let pretty = pretty(&compact);
        let a: serde_json::Value = serde_json::from_slice(&compact).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a["activities-heart-intraday"]["dataset"].as_array().unwrap().len(),
            SECONDS_PER_DAY as usize
        );
        let text = String::from_utf8(pretty).unwrap();
        assert!(
            text.contains("\n      {\n        \"time\": \"00:00:00\",\n        \"value\": "),
            "{}",
            &text[..600]
        );
        assert!(text.contains("\"customHeartRateZones\": [],"));

        let page: serde_json::Value = serde_json::from_slice(&health_heart_rate_page(3)).unwrap();
        assert_eq!(page["dataPoints"].as_array().unwrap().len(), 3);
        assert_eq!(page["dataPoints"][2]["heartRate"]["sampleTime"]["physicalTime"], "2026-01-02T00:00:10Z");
    }
}

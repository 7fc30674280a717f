//! Ids above 2^53 (log ids up to `u64::MAX`) survive decoding and
//! re-encoding digit for digit: a JSON number read through a double would
//! come back rounded. The contract tests and the CLI's every-operation test
//! serve the same `*.max-ids.json` fixtures and compare exactly.

use fitbit_api::types::{ActivityLogList, SleepLogsByDate, WeightLogList};
use fitbit_tests::fixtures;

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(file: &str) -> (T, String) {
    let fixture = fixtures::response(file);
    let decoded: T = fitbit_api::decode_json(fixture.text.as_bytes()).expect("the fixture decodes");
    let text = serde_json::to_string(&decoded).expect("re-encodes");
    fixtures::assert_same_json(file, &fixture.json, &serde_json::from_str(&text).unwrap());
    (decoded, text)
}

#[test]
fn log_ids_near_u64_max_round_trip_exactly() {
    let (weight, text) = round_trip::<WeightLogList>("get_weight_log.max-ids.json");
    let ids: Vec<Option<u64>> = weight.weight.iter().map(|log| log.log_id).collect();
    assert_eq!(ids, [Some(u64::MAX), Some((1 << 53) + 1)]);
    assert!(text.contains(r#""logId":18446744073709551615"#), "{text}");
    assert!(text.contains(r#""logId":9007199254740993"#), "{text}");

    let (activities, text) = round_trip::<ActivityLogList>("get_activity_log_list.max-ids.json");
    assert_eq!(activities.activities.first().and_then(|a| a.log_id), Some(u64::MAX - 1));
    assert!(text.contains(r#""logId":18446744073709551614"#), "{text}");

    let (sleep, text) = round_trip::<SleepLogsByDate>("get_sleep_log_by_date.max-ids.json");
    assert_eq!(sleep.sleep.iter().flatten().next().and_then(|log| log.log_id), Some(u64::MAX - 2));
    assert!(text.contains(r#""logId":18446744073709551613"#), "{text}");
}

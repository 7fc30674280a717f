//! Synthetic series: a long regular run of one data type's points (a year of
//! heart rate every few seconds), generated when asked for rather than kept,
//! so that the stand-in can serve millions of points a page at a time.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::discovery::DataType;
use super::filter::{PointFilter, PointTimes};
use super::points::times;

/// Makes point `index` (at `at`, in UTC) of a series: a whole `DataPoint`
/// with its `name`.
pub type MakePoint = Arc<dyn Fn(u64, DateTime<Utc>) -> Value + Send + Sync>;

/// `count` points of one data type, the first at `first`, one every `step`,
/// each made by `make`. Point times increase with the index.
#[derive(Clone)]
pub struct Series {
    /// The first point's time (interval start, sample time or civil day).
    pub first: DateTime<Utc>,
    /// The spacing.
    pub step: Duration,
    /// How many points.
    pub count: u64,
    /// Makes point `index`.
    pub make: MakePoint,
}

impl std::fmt::Debug for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Series")
            .field("first", &self.first)
            .field("step", &self.step)
            .field("count", &self.count)
            .finish()
    }
}

impl Series {
    /// The point at `index`.
    pub fn point(&self, index: u64) -> Value {
        (self.make)(index, self.first + self.step * i32::try_from(index).unwrap_or(i32::MAX))
    }

    fn times(&self, data_type: &DataType, index: u64) -> Option<PointTimes> {
        times(data_type, &self.point(index))
    }

    /// The indices `filter` keeps: a contiguous run, found by binary search
    /// on the filter's lower and upper bounds (each monotone in the index).
    pub(crate) fn matching(&self, data_type: &DataType, filter: &PointFilter) -> std::ops::Range<u64> {
        // First index whose point passes every lower bound.
        let lo = partition(self.count, |i| !filter.passes_lower(self.times(data_type, i).as_ref()));
        // First index whose point fails an upper bound.
        let hi = partition(self.count, |i| filter.passes_upper(self.times(data_type, i).as_ref()));
        lo..hi.max(lo)
    }
}

/// The first index in `0..count` for which `before` is false (`before` is
/// true on a prefix).
fn partition(count: u64, before: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock_google::{DESKTOP_CLIENT_ID, MockGoogle, MockGoogleConfig, scopes};

    fn heart_rate(index: u64, at: DateTime<Utc>) -> Value {
        serde_json::json!({
            "name": format!("users/4815162342/dataTypes/heart-rate/dataPoints/hr-{index:08}"),
            "heartRate": {
                "sampleTime": { "physicalTime": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "utcOffset": "0s" },
                "beatsPerMinute": (60 + index % 50).to_string()
            }
        })
    }

    #[tokio::test]
    async fn a_series_is_served_in_filtered_pages_newest_first() {
        let mock = MockGoogle::start(MockGoogleConfig::default()).await;
        let first = "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        mock.add_series(
            "heart-rate",
            Series { first, step: Duration::seconds(5), count: 1_000_000, make: Arc::new(heart_rate) },
        );
        let token = mock
            .issue_tokens(DESKTOP_CLIENT_ID, &[scopes::HEALTH_METRICS_AND_MEASUREMENTS_READONLY])
            .access_token;
        let http = reqwest::Client::new();
        // One hour: 720 samples, in pages of 500.
        let filter = r#"heart_rate.sample_time.physical_time >= "2026-01-02T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-01-02T01:00:00Z""#;
        let mut names = Vec::new();
        let mut page_token = String::new();
        loop {
            let answer: Value = http
                .get(mock.url("/v4/users/me/dataTypes/heart-rate/dataPoints"))
                .bearer_auth(&token)
                .query(&[("filter", filter), ("pageSize", "500"), ("pageToken", page_token.as_str())])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let points = answer["dataPoints"].as_array().unwrap_or_else(|| panic!("{answer}"));
            for point in points {
                names.push(point["name"].as_str().unwrap().rsplit('/').next().unwrap().to_string());
            }
            match answer["nextPageToken"].as_str() {
                Some(next) => page_token = next.to_string(),
                None => break,
            }
        }
        assert_eq!(names.len(), 720);
        let first_index = 86_400 / 5;
        assert_eq!(names.first().unwrap(), &format!("hr-{:08}", first_index + 719), "newest first");
        assert_eq!(names.last().unwrap(), &format!("hr-{first_index:08}"));
    }
}

//! Small conveniences on generated response types whose JSON shape is awkward
//! to use directly: dynamic keys and Fitbit's alternative shapes.

use crate::generated_client::types::{
    ActivityIntraday, ActivityTimeSeries, BodyTimeSeries, CreatedSleep, IntradayDataset, NutritionTimeSeries,
    SleepLog, TimeSeriesPoint,
};
use crate::intraday::ActivityIntradayEntry;

macro_rules! single_series {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The daily points, whatever the resource key (`activities-steps`,
            /// `body-weight`, `foods-log-water`, …). A series answer holds one key.
            pub fn points(&self) -> &[TimeSeriesPoint] {
                self.0.values().next().map(Vec::as_slice).unwrap_or_default()
            }
        }
    )*};
}

single_series!(ActivityTimeSeries, BodyTimeSeries, NutritionTimeSeries);

impl ActivityIntraday {
    /// The daily total(s) under `activities-<resource>`.
    pub fn daily(&self) -> &[TimeSeriesPoint] {
        self.0
            .values()
            .find_map(|entry| match entry {
                ActivityIntradayEntry::Array(points) => Some(points.as_slice()),
                ActivityIntradayEntry::IntradayDataset(_) => None,
            })
            .unwrap_or_default()
    }

    /// The dataset under `activities-<resource>-intraday`.
    pub fn dataset(&self) -> Option<&IntradayDataset> {
        self.0.values().find_map(|entry| match entry {
            ActivityIntradayEntry::IntradayDataset(dataset) => Some(dataset),
            ActivityIntradayEntry::Array(_) => None,
        })
    }
}

impl CreatedSleep {
    /// The log created, whether Fitbit sent it alone or as a list of one.
    pub fn log(&self) -> Option<&SleepLog> {
        match self {
            CreatedSleep::Array(logs) => logs.first(),
            CreatedSleep::SleepLog(log) => Some(log),
        }
    }
}

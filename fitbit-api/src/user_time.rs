//! "Today" and local times in the user's time zone, not the host's.
//!
//! Fitbit keeps every user's data in the time zone of their profile and takes
//! no time zone on requests (apart from `timezone=UTC` on a few series). A
//! service in UTC that asks for "today" at 23:30 its time may ask for the
//! user's tomorrow, or yesterday. These helpers compute dates from the
//! profile's `offsetFromUTCMillis`.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::generated_client::Client;
use crate::generated_client::prelude::*;
use crate::generated_client::types::Profile;
use crate::{Error, FitbitDate};

impl Profile {
    /// The user's current offset from UTC (`offsetFromUTCMillis`).
    pub fn utc_offset(&self) -> Option<FixedOffset> {
        let seconds = i32::try_from(self.offset_from_utc_millis? / 1000).ok()?;
        FixedOffset::east_opt(seconds)
    }

    /// The user's calendar date at the instant `now`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use fitbit_api::types::Profile;
    ///
    /// let profile: Profile = serde_json::from_str(r#"{"timezone":"America/Los_Angeles","offsetFromUTCMillis":-28800000}"#).unwrap();
    /// // 03:00 UTC on 6 March is still 5 March in Los Angeles.
    /// let now = Utc.with_ymd_and_hms(2024, 3, 6, 3, 0, 0).unwrap();
    /// assert_eq!(profile.today_at(now).unwrap().to_string(), "2024-03-05");
    /// ```
    pub fn today_at(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        Some(now.with_timezone(&self.utc_offset()?).date_naive())
    }

    /// The user's calendar date now.
    pub fn today(&self) -> Option<NaiveDate> {
        self.today_at(Utc::now())
    }
}

impl Client {
    /// Today's date in the user's time zone, from their profile (one request).
    /// Use it instead of the host's date when building date ranges.
    pub async fn user_today(&self) -> Result<FitbitDate, Error> {
        let profile = self.get_profile().send().await?.into_inner();
        profile.user.today().map(FitbitDate::On).ok_or_else(|| Error::InvalidResponse {
            status: None,
            message: "the profile has no usable offsetFromUTCMillis".into(),
        })
    }
}

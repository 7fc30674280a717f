//! `dataPoints:dailyRollUp` across pages, which Google's client (1.4.0)
//! cannot do: its response type has no `next_page_token` field, so the token
//! is read from the fields it keeps unknown.

use chrono::{Datelike as _, NaiveDate};
use futures::{Stream, StreamExt as _};
use google_cloud_gax::options::RequestOptionsBuilder as _;
use google_devicesandservices_health_v4::model::{
    CivilDateTime, CivilTimeInterval, DailyRollUpDataPointsResponse, DailyRollupDataPoint,
};

use fitbit_auth::Error;

use crate::client::Client;
use crate::data_type::DataType;
use crate::error::classify_for;
use crate::names::DataTypeName;
use crate::paging::token_pages;

/// A daily rollup of one data type over a range of civil days, from
/// [`Client::daily_roll_up`]. Read it page by page ([`pages`](Self::pages))
/// or point by point ([`points`](Self::points)); every page after the first
/// is asked for with the token the previous one gave.
///
/// ```no_run
/// # async fn run(client: fitbit_health::Client) -> Result<(), fitbit_auth::Error> {
/// use chrono::NaiveDate;
/// use futures::TryStreamExt as _;
/// use fitbit_health::DataType;
///
/// let march = client.daily_roll_up(
///     DataType::Steps,
///     NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
///     NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
/// );
/// let days: Vec<_> = march.points().try_collect().await?;
/// println!("{} days of steps", days.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "read it with `pages()` or `points()`"]
pub struct DailyRollUp {
    client: Client,
    parent: DataTypeName,
    start: NaiveDate,
    end: NaiveDate,
    window_days: i32,
    page_size: i32,
}

impl Client {
    /// The daily rollup of `data_type` for the civil days from `start`
    /// (inclusive) to `end` (exclusive), one value per day, in pages of the
    /// most the API allows for the type (90, or 14 for heart rate, active
    /// minutes and calories).
    pub fn daily_roll_up(&self, data_type: DataType, start: NaiveDate, end: NaiveDate) -> DailyRollUp {
        DailyRollUp {
            client: self.clone(),
            parent: DataTypeName::me(data_type),
            start,
            end,
            window_days: 1,
            page_size: data_type.max_daily_roll_up_page(),
        }
    }
}

impl DailyRollUp {
    /// For this user (`me` or a Health User ID) instead of the token's owner.
    pub fn user(mut self, user: &str) -> Result<Self, Error> {
        self.parent = DataTypeName::new(user, self.parent.data_type())
            .map_err(|err| Error::InvalidRequest(err.to_string()))?;
        Ok(self)
    }

    /// Days per value (default 1). The range's start must be aligned with it.
    pub fn window_days(mut self, days: i32) -> Self {
        self.window_days = days.max(1);
        self
    }

    /// Values per page, capped at the type's maximum.
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = size.clamp(1, self.parent.data_type().max_daily_roll_up_page());
        self
    }

    /// The pages, in order. A range longer than one call may cover (14 or
    /// 90 days, see [`DataType::max_roll_up_range_days`]) is asked for in
    /// consecutive parts aligned with the window; each part follows its page
    /// tokens (see [`crate::PointsQuery::pages`] for how paging ends).
    pub fn pages(self) -> impl Stream<Item = Result<DailyRollUpDataPointsResponse, Error>> + Send + 'static {
        let max_days = self.parent.data_type().max_roll_up_range_days();
        let window = i64::from(self.window_days);
        // Whole windows per part, at least one.
        let part_days = (max_days / window).max(1) * window;
        let mut parts = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let end = (start + chrono::Duration::days(part_days)).min(self.end);
            parts.push((start, end));
            start = end;
        }
        futures::stream::iter(parts).flat_map(move |(start, end)| {
            let part = DailyRollUp { start, end, ..self.clone() };
            token_pages(move |token| {
                let part = part.clone();
                async move {
                    let page = part.fetch(&token).await?;
                    let next = next_page_token(&page);
                    Ok((page, next))
                }
            })
        })
    }

    /// The values of every page, in order.
    pub fn points(self) -> impl Stream<Item = Result<DailyRollupDataPoint, Error>> + Send + 'static {
        use futures::TryStreamExt as _;
        self.pages()
            .map_ok(|page| futures::stream::iter(page.rollup_data_points.into_iter().map(Ok)))
            .try_flatten()
    }

    async fn fetch(&self, page_token: &str) -> Result<DailyRollUpDataPointsResponse, Error> {
        let data_type = self.parent.data_type();
        self.client
            .data_points()
            .daily_roll_up_data_points()
            .set_parent(self.parent.to_string())
            .set_range(CivilTimeInterval::new().set_start(civil_day(self.start)).set_end(civil_day(self.end)))
            .set_window_size_days(self.window_days)
            .set_page_size(self.page_size)
            .set_page_token(page_token)
            // A read, although sent as POST: safe to retry.
            .with_idempotency(true)
            .send()
            .await
            .map_err(|err| classify_for(&err, data_type, false))
    }
}

fn civil_day(date: NaiveDate) -> CivilDateTime {
    CivilDateTime::new().set_date(
        google_cloud_type::model::Date::new()
            .set_year(date.year())
            .set_month(date.month() as i32)
            .set_day(date.day() as i32),
    )
}

/// `nextPageToken`, which the 1.4.0 model keeps among its unknown fields.
fn next_page_token(page: &DailyRollUpDataPointsResponse) -> Option<String> {
    let json = serde_json::to_value(page).ok()?;
    json.get("nextPageToken")?.as_str().filter(|token| !token.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_token_is_read_from_the_unknown_fields() {
        let page: DailyRollUpDataPointsResponse =
            serde_json::from_str(r#"{"rollupDataPoints":[{}],"nextPageToken":"p2"}"#).unwrap();
        assert_eq!(next_page_token(&page).as_deref(), Some("p2"));
        let last: DailyRollUpDataPointsResponse = serde_json::from_str(r#"{"rollupDataPoints":[]}"#).unwrap();
        assert_eq!(next_page_token(&last), None);
        let empty: DailyRollUpDataPointsResponse = serde_json::from_str(r#"{"nextPageToken":""}"#).unwrap();
        assert_eq!(next_page_token(&empty), None);
    }
}

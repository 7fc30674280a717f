//! `dataPoints:list`, `:reconcile` and `:rollUp`, page after page, with
//! errors classified and the scope to ask for named.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use fitbit_auth::Error;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use google_cloud_gax::options::RequestOptionsBuilder as _;
use google_devicesandservices_health_v4::model::{
    DataPoint, ListDataPointsResponse, ReconcileDataPointsResponse, ReconciledDataPoint,
    RollUpDataPointsResponse, RollupDataPoint,
};

use crate::client::Client;
use crate::data_type::DataType;
use crate::error::classify_for;
use crate::filter::{Filter, FilterError};
use crate::names::DataTypeName;
use crate::paging::token_pages;

/// A query over one data type's points, from [`Client::points`]: read it
/// as stored ([`pages`](Self::pages), [`points`](Self::points)) or merged
/// across sources ([`reconciled_pages`](Self::reconciled_pages),
/// [`reconciled_points`](Self::reconciled_points)).
///
/// Points come newest first, as the API sends them.
///
/// ```no_run
/// # async fn run(client: fitbit_health::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{TimeZone, Utc};
/// use futures::TryStreamExt as _;
/// use fitbit_health::{DataType, Filter};
///
/// let day = Filter::new(DataType::HeartRate)
///     .start(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
///     .end(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap());
/// let samples: Vec<_> = client.points(DataType::HeartRate).filter(&day)?.points().try_collect().await?;
/// println!("{} heart-rate samples", samples.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "read it with `pages()` or `points()`"]
pub struct PointsQuery {
    client: Client,
    parent: DataTypeName,
    filter: String,
    page_size: i32,
    data_source_family: Option<String>,
}

impl Client {
    /// All of `data_type`'s points of the token's owner; narrow with
    /// [`filter`](PointsQuery::filter). Pages are as large as the API allows
    /// for the type.
    pub fn points(&self, data_type: DataType) -> PointsQuery {
        PointsQuery {
            client: self.clone(),
            parent: DataTypeName::me(data_type),
            filter: String::new(),
            page_size: data_type.max_list_page(),
            data_source_family: None,
        }
    }

    /// Aggregates of `data_type` over `[start, end)` in windows of `window`
    /// (at least a second), oldest first.
    pub fn roll_up(
        &self,
        data_type: DataType,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        window: Duration,
    ) -> RollUp {
        RollUp { client: self.clone(), parent: DataTypeName::me(data_type), start, end, window, page_size: 0 }
    }
}

fn bad_name(err: crate::names::NameError) -> Error {
    Error::InvalidRequest(err.to_string())
}

impl PointsQuery {
    /// For this user (`me` or a Health User ID) instead of the token's owner.
    pub fn user(mut self, user: &str) -> Result<Self, Error> {
        self.parent = DataTypeName::new(user, self.parent.data_type()).map_err(bad_name)?;
        Ok(self)
    }

    /// Only the points in `filter`'s time range.
    pub fn filter(mut self, filter: &Filter) -> Result<Self, FilterError> {
        self.filter = filter.build()?;
        Ok(self)
    }

    /// A filter in the API's own syntax (AIP-160), as given.
    pub fn filter_text(mut self, filter: impl Into<String>) -> Self {
        self.filter = filter.into();
        self
    }

    /// Points per page (capped by the API: 10,000, or 25 for exercise and sleep).
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Reconcile only: which sources to merge
    /// (`users/me/dataSourceFamilies/all-sources`, `google-wearables`,
    /// `google-sources`, `self-sources`).
    pub fn data_source_family(mut self, family: impl Into<String>) -> Self {
        self.data_source_family = Some(family.into());
        self
    }

    /// One page: the first for an empty `page_token`.
    pub async fn page(&self, page_token: &str) -> Result<ListDataPointsResponse, Error> {
        self.client
            .data_points()
            .list_data_points()
            .set_parent(self.parent.to_string())
            .set_filter(self.filter.clone())
            .set_page_size(self.page_size)
            .set_page_token(page_token)
            .send()
            .await
            .map_err(|err| classify_for(&err, self.parent.data_type(), false))
    }

    /// The pages, in order. A page token the server repeats ends the stream
    /// with [`Error::InvalidResponse`] rather than looping.
    pub fn pages(self) -> impl Stream<Item = Result<ListDataPointsResponse, Error>> + Send + 'static {
        token_pages(move |token| {
            let query = self.clone();
            async move {
                let page = query.page(&token).await?;
                let next = Some(page.next_page_token.clone());
                Ok((page, next))
            }
        })
    }

    /// The points of every page.
    pub fn points(self) -> impl Stream<Item = Result<DataPoint, Error>> + Send + 'static {
        self.pages().map_ok(|page| futures::stream::iter(page.data_points.into_iter().map(Ok))).try_flatten()
    }

    /// One page of reconciled points.
    pub async fn reconciled_page(&self, page_token: &str) -> Result<ReconcileDataPointsResponse, Error> {
        let mut request = self
            .client
            .data_points()
            .reconcile_data_points()
            .set_parent(self.parent.to_string())
            .set_filter(self.filter.clone())
            .set_page_size(self.page_size)
            .set_page_token(page_token);
        if let Some(family) = &self.data_source_family {
            request = request.set_data_source_family(family.clone());
        }
        request.send().await.map_err(|err| classify_for(&err, self.parent.data_type(), false))
    }

    /// The pages of reconciled points.
    pub fn reconciled_pages(
        self,
    ) -> impl Stream<Item = Result<ReconcileDataPointsResponse, Error>> + Send + 'static {
        token_pages(move |token| {
            let query = self.clone();
            async move {
                let page = query.reconciled_page(&token).await?;
                let next = Some(page.next_page_token.clone());
                Ok((page, next))
            }
        })
    }

    /// The reconciled points of every page.
    pub fn reconciled_points(
        self,
    ) -> impl Stream<Item = Result<ReconciledDataPoint, Error>> + Send + 'static {
        self.reconciled_pages()
            .map_ok(|page| futures::stream::iter(page.data_points.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Aggregates over physical-time windows, from [`Client::roll_up`].
#[derive(Debug, Clone)]
#[must_use = "read it with `pages()` or `points()`"]
pub struct RollUp {
    client: Client,
    parent: DataTypeName,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    window: Duration,
    page_size: i32,
}

impl RollUp {
    /// For this user (`me` or a Health User ID) instead of the token's owner.
    pub fn user(mut self, user: &str) -> Result<Self, Error> {
        self.parent = DataTypeName::new(user, self.parent.data_type()).map_err(bad_name)?;
        Ok(self)
    }

    /// Windows per page (the API's default when unset).
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = size.max(1);
        self
    }

    async fn fetch(&self, page_token: &str) -> Result<RollUpDataPointsResponse, Error> {
        let data_type = self.parent.data_type();
        if self.window < Duration::from_secs(1) || self.end <= self.start {
            return Err(Error::InvalidRequest(
                "a rollup needs a window of at least one second and an end after its start".into(),
            ));
        }
        let instant = |at: DateTime<Utc>| {
            google_cloud_wkt::Timestamp::try_from(at.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_str())
                .map_err(|err| Error::InvalidRequest(format!("{at} is not a timestamp the API takes: {err}")))
        };
        let range = google_cloud_type::model::Interval::new()
            .set_start_time(instant(self.start)?)
            .set_end_time(instant(self.end)?);
        let window = google_cloud_wkt::Duration::try_from(self.window)
            .map_err(|err| Error::InvalidRequest(format!("the window is out of range: {err}")))?;
        self.client
            .data_points()
            .roll_up_data_points()
            .set_parent(self.parent.to_string())
            .set_range(range)
            .set_window_size(window)
            .set_page_size(self.page_size)
            .set_page_token(page_token)
            // A read, although sent as POST: safe to retry.
            .with_idempotency(true)
            .send()
            .await
            .map_err(|err| classify_for(&err, data_type, false))
    }

    /// The pages, in order. A range longer than one call may cover (14 or 90
    /// days) is asked for in consecutive parts of whole windows, each
    /// following its page tokens.
    pub fn pages(self) -> impl Stream<Item = Result<RollUpDataPointsResponse, Error>> + Send + 'static {
        let max = chrono::Duration::days(self.parent.data_type().max_roll_up_range_days());
        let window = chrono::Duration::from_std(self.window).unwrap_or(max);
        let windows_per_part = (max.num_seconds() / window.num_seconds().max(1)).max(1) as i32;
        let part = window * windows_per_part;
        let mut parts = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let end = (start + part).min(self.end);
            parts.push((start, end));
            start = end;
        }
        if parts.is_empty() {
            // Let the API (or our own check) say what is wrong with the range.
            parts.push((self.start, self.end));
        }
        futures::stream::iter(parts).flat_map(move |(start, end)| {
            let part = RollUp { start, end, ..self.clone() };
            token_pages(move |token| {
                let part = part.clone();
                async move {
                    let page = part.fetch(&token).await?;
                    let next = Some(page.next_page_token.clone());
                    Ok((page, next))
                }
            })
        })
    }

    /// The windows of every page.
    pub fn points(self) -> impl Stream<Item = Result<RollupDataPoint, Error>> + Send + 'static {
        self.pages()
            .map_ok(|page| futures::stream::iter(page.rollup_data_points.into_iter().map(Ok)))
            .try_flatten()
    }
}

//! The paged list endpoints as streams of items.
//!
//! Fitbit pages the activity-log, sleep-log, ECG and irregular-rhythm lists:
//! one of `beforeDate`/`afterDate`, a sort order that must match it, a
//! `limit`, and `offset=0`; the next page is the URL in `pagination.next`
//! (empty when there is none), which must be followed as given rather than
//! rebuilt. These streams do exactly that, through the same middleware as
//! every other call (token, rate-limit budget, retries).

use std::collections::HashSet;

use futures::{Stream, TryStreamExt, stream};
use progenitor_client::ResponseValue;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;

use crate::generated_client::Client;
use crate::generated_client::prelude::*;
use crate::generated_client::types::{self, SortOrder};
use crate::{Error, ListBound, RawError};

/// Where a listing starts, and the page size.
///
/// ```
/// use chrono::NaiveDate;
/// use fitbit_api::ListQuery;
///
/// // Oldest first, from 1 March 2024 onwards, 50 per page.
/// let query = ListQuery::after(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()).limit(50);
/// // Newest first, before 1 March 2024.
/// let query = ListQuery::before(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
/// // Resume a sync right after the last item seen (user-local time).
/// let query = ListQuery::after("2024-03-01T06:30:00".parse::<fitbit_api::ListBound>().unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    bound: Bound,
    limit: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    After(ListBound),
    Before(ListBound),
}

impl ListQuery {
    /// Items after `bound` (a day, or a user-local date-time to resume a
    /// sync), oldest first (`afterDate` with `sort=asc`).
    pub fn after(bound: impl Into<ListBound>) -> Self {
        Self { bound: Bound::After(bound.into()), limit: 100 }
    }

    /// Items before `bound`, newest first (`beforeDate` with `sort=desc`).
    pub fn before(bound: impl Into<ListBound>) -> Self {
        Self { bound: Bound::Before(bound.into()), limit: 100 }
    }

    /// Items per page. Fitbit allows up to 100 (activity and sleep logs) or
    /// 10 (ECG readings and IRN alerts); larger values are lowered to the
    /// endpoint's maximum, and 0 is raised to 1.
    pub fn limit(mut self, limit: u8) -> Self {
        self.limit = limit.max(1);
        self
    }

    fn page_size(&self, maximum: u8) -> u8 {
        self.limit.min(maximum)
    }

    fn sort(&self) -> SortOrder {
        match self.bound {
            Bound::After(_) => SortOrder::Asc,
            Bound::Before(_) => SortOrder::Desc,
        }
    }
}

/// Sets exactly one of `afterDate`/`beforeDate` on a list builder.
macro_rules! bounded {
    ($builder:expr, $query:expr) => {
        match $query.bound {
            Bound::After(date) => $builder.after_date(date),
            Bound::Before(date) => $builder.before_date(date),
        }
    };
}

/// A page of a paged list: its items and the link to the next page.
pub trait Page: DeserializeOwned + Send + 'static {
    /// What the page lists.
    type Item: Send + 'static;
    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
    /// The next page's URL, when there is one (`pagination.next` not empty).
    fn next_page(&self) -> Option<String>;
}

fn non_empty(next: Option<&String>) -> Option<String> {
    next.filter(|url| !url.trim().is_empty()).cloned()
}

impl Page for types::ActivityLogList {
    type Item = types::ActivityLog;
    fn into_items(self) -> Vec<Self::Item> {
        self.activities
    }
    fn next_page(&self) -> Option<String> {
        non_empty(self.pagination.next.as_ref())
    }
}

impl Page for types::SleepLogList {
    type Item = types::SleepLog;
    fn into_items(self) -> Vec<Self::Item> {
        self.sleep
    }
    fn next_page(&self) -> Option<String> {
        non_empty(self.pagination.next.as_ref())
    }
}

impl Page for types::EcgLogList {
    type Item = types::EcgReading;
    fn into_items(self) -> Vec<Self::Item> {
        self.ecg_readings
    }
    fn next_page(&self) -> Option<String> {
        non_empty(self.pagination.as_ref()?.next.as_ref())
    }
}

impl Page for types::IrnAlertList {
    type Item = types::IrnAlert;
    fn into_items(self) -> Vec<Self::Item> {
        self.alerts
    }
    fn next_page(&self) -> Option<String> {
        non_empty(self.pagination.as_ref()?.next.as_ref())
    }
}

/// A stream of items, one page request at a time, as the caller consumes it.
/// It holds its own handle on the client.
pub type ItemStream<'a, T> = std::pin::Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

impl Client {
    /// Every activity log from `query` on, following `pagination.next`.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use fitbit_api::{Client, ListQuery};
    ///
    /// # async fn run(client: Client) -> Result<(), fitbit_api::Error> {
    /// let since = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let mut logs = client.activity_logs(ListQuery::after(since));
    /// while let Some(log) = logs.try_next().await? {
    ///     println!("{:?} {:?}", log.log_id, log.activity_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn activity_logs(&self, query: ListQuery) -> ItemStream<'static, types::ActivityLog> {
        let client = self.clone();
        self.paged(async move {
            let builder =
                client.get_activity_log_list().sort(query.sort()).limit(query.page_size(100)).offset(0u32);
            bounded!(builder, query).send().await
        })
    }

    /// Every sleep log from `query` on, following `pagination.next`.
    pub fn sleep_logs(&self, query: ListQuery) -> ItemStream<'static, types::SleepLog> {
        let client = self.clone();
        self.paged(async move {
            let builder =
                client.get_sleep_log_list().sort(query.sort()).limit(query.page_size(100)).offset(0u32);
            bounded!(builder, query).send().await
        })
    }

    /// Every ECG reading from `query` on (at most 10 per page).
    pub fn ecg_readings(&self, query: ListQuery) -> ItemStream<'static, types::EcgReading> {
        let client = self.clone();
        self.paged(async move {
            let builder =
                client.get_ecg_log_list().sort(query.sort()).limit(query.page_size(10)).offset(0u32);
            bounded!(builder, query).send().await
        })
    }

    /// Every irregular-rhythm alert from `query` on (at most 10 per page).
    pub fn irn_alerts(&self, query: ListQuery) -> ItemStream<'static, types::IrnAlert> {
        let client = self.clone();
        self.paged(async move {
            let builder =
                client.get_irn_alerts_list().sort(query.sort()).limit(query.page_size(10)).offset(0u32);
            bounded!(builder, query).send().await
        })
    }

    /// Every item of a paged list, starting with a first page the caller
    /// already has (from the generated call, with its own parameters) and
    /// following `pagination.next` as [`Client::activity_logs`] does: on this
    /// client's base URL only, stopping with an error if a link loops back.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use fitbit_api::prelude::*;
    /// use fitbit_api::types::SortOrder;
    ///
    /// # async fn run(client: fitbit_api::Client) -> Result<(), fitbit_api::Error> {
    /// let first = client.get_sleep_log_list().after_date("2024-01-01").sort(SortOrder::Asc)
    ///     .limit(100).offset(0u32).send().await?.into_inner();
    /// let every_log: Vec<_> = client.items_from(first).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn items_from<P: Page>(&self, first_page: P) -> ItemStream<'static, P::Item> {
        self.paged_from(std::future::ready(Ok(first_page)))
    }

    /// Turns a first page (from the generated call) into a stream of items
    /// that fetches each following page when the previous one is used up.
    fn paged<P, F>(&self, first: F) -> ItemStream<'static, P::Item>
    where
        P: Page,
        F: Future<Output = Result<ResponseValue<P>, RawError>> + Send + 'static,
    {
        self.paged_from(async move { first.await.map(ResponseValue::into_inner).map_err(Error::from) })
    }

    fn paged_from<P, F>(&self, first: F) -> ItemStream<'static, P::Item>
    where
        P: Page,
        F: Future<Output = Result<P, Error>> + Send + 'static,
    {
        let client = self.clone();
        enum Cursor<F> {
            First(F),
            Next(String),
            /// The server linked back to a page already read.
            Looped(String),
            Done,
        }
        let state = (Cursor::First(first), HashSet::new());
        let pages = stream::try_unfold(state, move |(cursor, mut seen)| {
            let client = client.clone();
            async move {
                let page: P = match cursor {
                    Cursor::Done => return Ok(None),
                    // Following it would make the stream endless: stop, after
                    // the items already read, with an error.
                    Cursor::Looped(link) => {
                        return Err(Error::InvalidResponse {
                            status: None,
                            message: format!(
                                "pagination loops back to an already-read page ({})",
                                path_of(&link)
                            ),
                        });
                    }
                    Cursor::First(first) => first.await?,
                    Cursor::Next(url) => client.fetch_page(&url).await?,
                };
                let cursor = match page.next_page() {
                    Some(next) if !seen.insert(next.clone()) => Cursor::Looped(next),
                    Some(next) => Cursor::Next(next),
                    None => Cursor::Done,
                };
                Ok(Some((stream::iter(page.into_items().into_iter().map(Ok)), (cursor, seen))))
            }
        });
        Box::pin(pages.try_flatten())
    }

    /// GETs a `pagination.next` link. Only its path and query are used, on
    /// this client's base URL, so the bearer token never goes to another host.
    async fn fetch_page<P: Page>(&self, next: &str) -> Result<P, Error> {
        let url = format!("{}{}", self.baseurl(), path_of(next));
        let mut request = self
            .client()
            .get(&url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .build()
            .map_err(|err| Error::InvalidRequest(format!("next page link: {err}")))?;
        self.prepare(&mut request).await?;
        let response =
            self.send_in_span("next_page", request).await.map_err(|err| Error::from_transport(&err))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|err| Error::from_transport(&err))?;
        if !status.is_success() {
            let envelope = fitbit_auth::ErrorEnvelope::parse(&body);
            let raw = progenitor_client::Error::ErrorResponse(ResponseValue::new(envelope, status, headers));
            return Err(raw.into());
        }
        crate::decode_json(&body).map_err(|err| Error::InvalidResponse {
            status: Some(status.as_u16()),
            message: format!("next page: {err}"),
        })
    }
}

use progenitor_client::ClientInfo as _;

/// The path and query of a link (absolute or not).
fn path_of(link: &str) -> String {
    match url::Url::parse(link) {
        Ok(url) => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        },
        Err(_) if link.starts_with('/') => link.to_string(),
        Err(_) => format!("/{link}"),
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn links_keep_only_path_and_query() {
        assert_eq!(
            path_of(
                "https://api.fitbit.com/1/user/-/activities/list.json?offset=0&limit=1&sort=asc&afterDate=2019-01-01"
            ),
            "/1/user/-/activities/list.json?offset=0&limit=1&sort=asc&afterDate=2019-01-01"
        );
        assert_eq!(path_of("https://evil.example/steal?x=1"), "/steal?x=1");
        assert_eq!(path_of("/1.2/user/-/sleep/list.json"), "/1.2/user/-/sleep/list.json");
    }
}

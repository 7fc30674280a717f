//! Fitbit data through the **Google Health API** (`health.googleapis.com/v4`),
//! which replaced the legacy Fitbit Web API in 2026.
//!
//! The data plane is Google's official generated client,
//! [`google-devicesandservices-health-v4`](google_devicesandservices_health_v4)
//! (re-exported as [`google`]): typed data points, open enums, paginators and
//! long-running operations. This crate adds what it lacks:
//!
//! - [`Client`]: Google's three clients in one builder, authorized by a
//!   [`fitbit_auth::Session`] signed in with Google (`fitbit health login`, or
//!   [`fitbit_auth::OAuthClient::google`]): tokens refreshed ahead of expiry,
//!   once after a 401, saved before use; retries as Google advises
//!   ([`RetryConfig`]).
//! - [`classify`]: Google's errors as [`fitbit_auth::Error`], with an
//!   [`Action`](fitbit_auth::Action) (`ACCOUNT_NOT_LINKED`, missing scopes,
//!   `SERVICE_DISABLED`, rate limits, a refused grant).
//! - [`Client::daily_roll_up`]: daily rollups across pages (90 per page, 14
//!   for some types); [`Client::exercise_tcx`]: TCX files as raw bytes.
//! - [`ProjectClient`]: Google's webhook subscriber client with project
//!   credentials (application-default, a service-account key, or a token),
//!   and [`ProjectNumber`], which refuses a project id where Google wants the
//!   number.
//! - [`DataType`] (the three spellings of each type, its scopes and limits),
//!   resource [`names`], and a typed time-range [`Filter`].
//! - [`legacy`]: the legacy Fitbit Web API's calls and response types
//!   ([`fitbit_api::types`]) served by the new API ([`Client::legacy`]), to
//!   switch the transport first and the types later.
//!
//! ```no_run
//! # async fn run() -> Result<(), fitbit_auth::Error> {
//! use chrono::NaiveDate;
//! use fitbit_auth::{FileStore, Session};
//! use fitbit_health::{Client, DataType, DataTypeName, Filter, ResultExt as _};
//! use futures::TryStreamExt as _;
//!
//! let session = Session::from_store(FileStore::new(fitbit_health::default_token_path().unwrap())).await?;
//! let client = Client::builder().session(session).build().await?;
//!
//! // Heart-rate samples of one day, every page.
//! let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
//! let filter = Filter::new(DataType::HeartRate).start(day.and_hms_opt(0, 0, 0).unwrap())
//!     .end(day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap());
//! let filter = filter.build().map_err(|e| fitbit_auth::Error::InvalidRequest(e.to_string()))?;
//! let mut pages = client.data_points().list_data_points()
//!     .set_parent(DataTypeName::me(DataType::HeartRate).to_string())
//!     .set_filter(filter)
//!     .by_page();
//! # use google_cloud_gax::paginator::Paginator as _;
//! while let Some(page) = pages.next().await {
//!     println!("{} samples", page.classified()?.data_points.len());
//! }
//!
//! // Daily steps for March, across pages.
//! let march: Vec<_> = client
//!     .daily_roll_up(DataType::Steps, day, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
//!     .points()
//!     .try_collect()
//!     .await?;
//! println!("{} days", march.len());
//! # Ok(()) }
//! ```

mod client;
mod credentials;
mod daily_rollup;
mod data_type;
mod error;
mod filter;
pub mod legacy;
pub mod names;
mod paging;
mod points;
mod project;
mod retry;
mod tcx;

pub use client::{Client, ClientBuilder, GOOGLE_HEALTH_API};
pub use credentials::SessionCredentials;
pub use daily_rollup::DailyRollUp;
pub use data_type::{Capabilities, DataType, RecordKind, UnknownDataType};
pub use error::{ResultExt, classify, classify_for};
pub use filter::{Bound, Filter, FilterError};
pub use names::{DataPointName, DataTypeName};
pub use points::{PointsQuery, RollUp};
pub use project::{
    CLOUD_PLATFORM_SCOPE, NotAProjectNumber, ProjectClient, ProjectClientBuilder, ProjectCredentials,
    ProjectNumber,
};
pub use retry::RetryConfig;

/// Google's official Health API client, as this crate uses it.
pub use google_devicesandservices_health_v4 as google;

/// Where the `fitbit` tool keeps the Google sign-in unless told otherwise:
/// `fitbit/google-credentials.json` in the user's configuration directory.
/// `None` when the system names no such directory.
pub fn default_token_path() -> Option<std::path::PathBuf> {
    fitbit_auth::FileStore::default_path().map(|path| path.with_file_name("google-credentials.json"))
}

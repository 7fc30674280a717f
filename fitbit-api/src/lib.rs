//! A typed client for the Fitbit Web API.
//!
//! Every operation of the spec (`spec/fitbit-web-api.yaml`) is a method on
//! [`Client`], grouped in one extension trait per area (bring them into scope
//! with `use fitbit_api::prelude::*`). Each method returns a builder: set the
//! parameters, then `.send().await`. The user id defaults to `-`, the user who
//! owns the token.
//!
//! ```no_run
//! use fitbit_api::prelude::*;
//! use fitbit_api::{Client, FitbitDate};
//! use fitbit_api::types::HeartRateDetailLevel;
//!
//! # async fn run() -> Result<(), fitbit_api::Error> {
//! let client = Client::builder().bearer_token("an-access-token").build()?;
//!
//! let profile = client.get_profile().send().await?;
//! println!("{:?} lives in {:?}", profile.user.display_name, profile.user.timezone);
//!
//! let heart = client
//!     .get_heartrate_intraday_by_date()
//!     .date(FitbitDate::Today)
//!     .detail_level(HeartRateDetailLevel::X1min)
//!     .send()
//!     .await?;
//! if let Some(intraday) = &heart.activities_heart_intraday {
//!     for point in &intraday.dataset {
//!         println!("{} {}", point.time, point.value);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Errors convert into [`Error`] (from `fitbit-auth`), which parses both of
//! Fitbit's error envelopes and says what to do next ([`Error::action`]):
//! refresh, sign in again, request a scope, wait for the rate limit, or
//! migrate away from a retired endpoint (HTTP 410).

mod accessors;
mod client;
mod clock;
mod decode;
mod governor;
mod intraday;
mod middleware;
mod number;
mod pagination;
mod retry;
mod user_time;
mod values;
pub mod webhooks;

// Written by `cargo xtask regen`; never edit it by hand. rustfmt would
// reformat prettyplease's output, so it is skipped here.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, dead_code, missing_docs)]
// Descriptions come from the spec, where `<resource>` is prose, not HTML.
#[allow(rustdoc::invalid_html_tags, rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]
mod generated_client;

pub use client::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, redirect_policy};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decode::decode_json;
pub use fitbit_auth::{Action, ApiError, Error, ErrorEnvelope};
pub use generated_client::{ByteStream, Client, ResponseValue, builder, prelude};
pub use governor::{Governor, RateLimitPolicy, RateLimitStatus};
pub use intraday::{ActivityIntradayEntry, ExtraFields, IntradayPoint, IntradayPoints};
pub use middleware::ClientState;
pub use number::Number;
pub use pagination::{ItemStream, ListQuery, Page};
pub use retry::RetryPolicy;
pub use values::{
    AlarmTime, ClockTime, FitbitDate, ListBound, LocalDateTime, NumericString, ParseValueError, UnitSystem,
    WeekDays,
};

/// The request and response types of every operation, generated from the
/// spec's schemas. A few schemas have handwritten types instead: the value
/// types at the crate root ([`ClockTime`], [`FitbitDate`], …) and, for
/// decoding speed, [`IntradayPoint`], [`IntradayPoints`] and
/// [`ActivityIntradayEntry`], which are
/// also here.
pub mod types {
    pub use crate::generated_client::types::*;
    // Replaced schemas of response bodies, so that `types::` names every model.
    pub use crate::intraday::{ActivityIntradayEntry, IntradayPoint, IntradayPoints};
}

/// The errors the generated builders return before conversion into [`Error`].
pub type RawError = progenitor_client::Error<ErrorEnvelope>;

/// `Result` with the SDK's [`Error`].
///
/// An operation's `send()` returns progenitor's error ([`RawError`]); `?` in
/// a function returning this `Result` converts it into [`Error`], and so does
/// [`ResultExt::classified`] where there is no `?`. The conversion loses
/// nothing: errors raised inside the client (a refused refresh, a spent
/// budget, a write without an answer) come back as the same variant with
/// the same fields.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `.classified()` on what `send()` returns: the same result with the
/// error converted into [`Error`], for code that cannot use `?`.
///
/// ```no_run
/// use fitbit_api::prelude::*;
/// use fitbit_api::{Action, ResultExt as _};
///
/// # async fn run(client: fitbit_api::Client) {
/// match client.get_profile().send().await.classified() {
///     Ok(profile) => println!("{:?}", profile.user.display_name),
///     Err(err) if err.action() == Action::SignInAgain => eprintln!("sign in again: {err}"),
///     Err(err) => eprintln!("{err}"),
/// }
/// # }
/// ```
pub trait ResultExt<T> {
    /// The result with its error classified.
    fn classified(self) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, RawError> {
    fn classified(self) -> Result<T> {
        self.map_err(Error::from)
    }
}

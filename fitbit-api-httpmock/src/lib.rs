//! Typed [`httpmock`] expectations for every operation of `fitbit-api`.
//!
//! Crates that call Fitbit through `fitbit-api` can test their own code
//! against a loopback mock server whose expectations and answers are checked
//! by the compiler: `when` matchers take the operation's typed parameters and
//! `then` answers take its typed response. Generated from the spec by
//! `cargo xtask regen` (progenitor's httpmock generator).
//!
//! ```
//! use fitbit_api::prelude::*;
//! use fitbit_api::{Client, types};
//! use fitbit_api_httpmock::MockServerExt;
//! use httpmock::MockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = MockServer::start();
//! let profile: types::ProfileResponse =
//!     serde_json::from_str(r#"{"user":{"encodedId":"GGNJL9","timezone":"Europe/Berlin"}}"#).unwrap();
//! let mock = server.get_profile(|when, then| {
//!     when.user_id("-");
//!     then.ok(&profile);
//! });
//!
//! let client = Client::builder().base_url(server.base_url()).bearer_token("token").build().unwrap();
//! let answer = client.get_profile().send().await.unwrap();
//!
//! assert_eq!(answer.user.timezone.as_deref(), Some("Europe/Berlin"));
//! mock.assert();
//! # }
//! ```

// The generated code names the handwritten value types relative to the crate
// it was generated for; these re-exports make those paths resolve here.
pub use fitbit_api::{
    AlarmTime, ClockTime, ErrorEnvelope, FitbitDate, ListBound, LocalDateTime, Number, NumericString,
    UnitSystem, WeekDays,
};

// Written by `cargo xtask regen`; never edit it by hand.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused_imports, dead_code, missing_docs)]
// Descriptions come from the spec, where `<resource>` is prose, not HTML.
#[allow(rustdoc::invalid_html_tags, rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]
mod generated_httpmock;

pub use generated_httpmock::*;

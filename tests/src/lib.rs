//! Shared helpers for the workspace tests in `tests/`.
//!
//! - [`mock_fitbit`]: a strict loopback stand-in for Fitbit's OAuth server and
//!   the profile endpoint, for tests of sign-in, refresh and API calls.
//! - [`fixtures`]: the in-tree response fixtures and the lossless-re-encoding check.
//! - [`legacy_day`]: one day in both APIs' shapes, for the legacy facade's
//!   comparison tests, and the field-by-field comparison.
//! - [`tracing_capture`]: a subscriber that keeps what was logged, as text.

pub mod fixtures;
pub mod legacy_day;
pub mod mock_fitbit;
pub mod mock_google;
pub mod synthetic_year;
pub mod tracing_capture;

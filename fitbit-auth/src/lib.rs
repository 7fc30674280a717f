//! OAuth 2.0 for the Fitbit Web API, and the error type every fitbit-rs crate shares.
//!
//! - [`Error`]: one classified error for API calls and auth flows, with
//!   [`Error::action`] saying what to do next; it parses both error envelopes
//!   Fitbit sends ([`ErrorEnvelope`]).
//! - [`Authorizer`]: the seam `fitbit-api` uses to put a bearer token on each
//!   request and to refresh it after a 401 `expired_token`; [`StaticToken`] is
//!   the simplest implementation.
//! - Secrets ([`AccessToken`], [`RefreshToken`], [`ClientSecret`],
//!   [`PkceVerifier`], [`AuthorizationCode`]) print as `[redacted]`.

mod authorizer;
mod envelope;
mod error;
mod secret;

pub use authorizer::{Authorizer, StaticToken};
pub use envelope::{ErrorEnvelope, ErrorField, ErrorItem, GoogleError};
pub use error::{
    Action, ApiError, AuthorizationError, Error, HOOK_ERROR_HEADER, RATE_LIMIT_RESET_HEADER, rate_limit_reset,
};
pub use secret::{AccessToken, AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken};

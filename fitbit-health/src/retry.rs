//! When a failed call is tried again: the retry policy handed to Google's
//! client.

use std::sync::Arc;
use std::time::Duration;

use google_cloud_gax::backoff_policy::BackoffPolicy;
use google_cloud_gax::error::Error as GaxError;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::exponential_backoff::{ExponentialBackoff, ExponentialBackoffBuilder};
use google_cloud_gax::retry_policy::{RetryPolicy, RetryPolicyExt as _};
use google_cloud_gax::retry_result::RetryResult;
use google_cloud_gax::retry_state::RetryState;

use crate::credentials::TokenTracker;

/// How often and how long a call is retried.
///
/// Retried, with exponential backoff and full jitter (Google's advice for the
/// Health API): 429 `RESOURCE_EXHAUSTED` (the request was refused unprocessed,
/// so even a write is safe to repeat), and — for idempotent calls only —
/// 503 `UNAVAILABLE`, 504 `DEADLINE_EXCEEDED`, and connections lost after the
/// request went out. A 401 `UNAUTHENTICATED` on the first attempt is retried
/// once, immediately after one token refresh. Nothing else is retried: a
/// write that may have happened is never sent twice blindly.
///
/// Reads that the API sends as `POST` (`rollUp`, `dailyRollUp`) are marked
/// idempotent by this crate's helpers; mark your own with
/// `RequestOptionsBuilder::with_idempotency(true)`.
///
/// ```
/// use std::time::Duration;
/// use fitbit_health::RetryConfig;
///
/// let patient = RetryConfig::default().max_attempts(8).max_elapsed(Duration::from_secs(300));
/// let none = RetryConfig::none();
/// # let _ = (patient, none);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    max_elapsed: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    /// 5 attempts within 60 s; backoff from 1 s, doubling, at most 32 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(60),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(32),
        }
    }
}

impl RetryConfig {
    /// One attempt, except the retry after a token refresh.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// At most this many attempts in all (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// No new attempt after this long.
    pub fn max_elapsed(mut self, limit: Duration) -> Self {
        self.max_elapsed = limit;
        self
    }

    /// The first backoff's upper bound (the wait is drawn between zero and
    /// it), and the most any backoff may be.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial.max(Duration::from_millis(1));
        self.max_backoff = max.max(self.initial_backoff);
        self
    }

    pub(crate) fn policy(self, tokens: Arc<TokenTracker>) -> impl RetryPolicy + 'static {
        HealthRetry { tokens, max_attempts: self.max_attempts }.with_time_limit(self.max_elapsed)
    }

    pub(crate) fn backoff_policy(self, tokens: Arc<TokenTracker>) -> impl BackoffPolicy + 'static {
        let jittered = ExponentialBackoffBuilder::new()
            .with_initial_delay(self.initial_backoff)
            .with_maximum_delay(self.max_backoff)
            .with_scaling(2.0)
            .clamp();
        HealthBackoff { jittered, tokens }
    }
}

#[derive(Debug)]
struct HealthRetry {
    tokens: Arc<TokenTracker>,
    max_attempts: u32,
}

/// Exponential backoff with full jitter, except right after a 401: the retry
/// with a refreshed token need not wait.
#[derive(Debug)]
struct HealthBackoff {
    jittered: ExponentialBackoff,
    tokens: Arc<TokenTracker>,
}

impl BackoffPolicy for HealthBackoff {
    fn on_failure(&self, state: &RetryState) -> Duration {
        if self.tokens.has_rejection() { Duration::ZERO } else { self.jittered.on_failure(state) }
    }
}

/// The HTTP status, from the answer or from the gRPC-style code.
fn http_status(error: &GaxError) -> Option<u16> {
    error.http_status_code().or_else(|| {
        error.status().map(|status| match status.code {
            Code::Unauthenticated => 401,
            Code::ResourceExhausted => 429,
            Code::Unavailable => 503,
            Code::DeadlineExceeded => 504,
            _ => 0,
        })
    })
}

impl RetryPolicy for HealthRetry {
    fn on_error(&self, state: &RetryState, error: GaxError) -> RetryResult {
        let status = http_status(&error);
        // The retry with a refreshed token is granted even when retries are off.
        if status == Some(401) && state.attempt_count == 1 {
            return if self.tokens.mark_rejected(state.start) {
                RetryResult::Continue(error)
            } else {
                RetryResult::Permanent(error)
            };
        }
        let retryable = error.is_transient_and_before_rpc()
            || match status {
                Some(429) => true,
                _ if !state.idempotent => false,
                Some(503 | 504) => true,
                None => error.is_io() || error.is_timeout(),
                Some(_) => false,
            };
        if !retryable {
            RetryResult::Permanent(error)
        } else if state.attempt_count >= self.max_attempts {
            RetryResult::Exhausted(error)
        } else {
            RetryResult::Continue(error)
        }
    }
}

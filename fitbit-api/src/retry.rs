//! When a failed attempt is tried again, and how long to wait before it.

use std::time::Duration;

use reqwest::{Method, StatusCode};

/// Bounds on retrying failed attempts.
///
/// Idempotent requests (GET, DELETE, PUT, HEAD) are retried after a dropped
/// connection, a time-out, or a 502/503/504, with exponential backoff and
/// jitter. A POST is retried only when the connection could not be opened (so
/// the request never reached Fitbit): a log is never created twice. A 429 is
/// retried after Fitbit's reset time (`Fitbit-Rate-Limit-Reset`), at most
/// [`max_rate_limit_retries`](Self::max_rate_limit_retries) times and only
/// under [`RateLimitPolicy::Wait`](crate::RateLimitPolicy::Wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all for transient failures (1 = no retry).
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it.
    pub initial_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// How many times a 429 is retried after waiting for the reset.
    pub max_rate_limit_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(60),
            max_rate_limit_retries: 2,
        }
    }
}

impl RetryPolicy {
    /// Never retry (a 401 `expired_token` is still refreshed and retried once).
    ///
    /// This bounds the client's own retries. Below it, reqwest (as the
    /// client configures it by default) still resends, at most twice, a
    /// request that an HTTP/2 server refused before processing it
    /// (`REFUSED_STREAM`, or a graceful `GOAWAY`).
    pub fn none() -> Self {
        Self { max_attempts: 1, max_rate_limit_retries: 0, ..Self::default() }
    }

    /// The wait before retry number `retry` (1-based): exponential, capped,
    /// with "equal jitter" (between half and all of the exponential value).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponential = self.initial_backoff.saturating_mul(1 << retry.saturating_sub(1).min(16));
        let capped = exponential.min(self.max_backoff);
        capped / 2 + (capped / 2).mul_f64(rand::random::<f64>())
    }
}

/// Whether repeating the request cannot create something twice.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::DELETE | Method::PUT | Method::OPTIONS)
}

/// Server answers worth retrying for an idempotent request.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

/// Transport failures worth retrying: any for idempotent requests; for
/// others, only a connection that never opened.
pub(crate) fn is_retryable_transport(err: &reqwest::Error, idempotent: bool) -> bool {
    if err.is_connect() {
        return true;
    }
    idempotent && (err.is_timeout() || err.is_request() || err.is_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let wait = policy.backoff(retry);
            let full = (policy.initial_backoff * 2u32.pow(retry - 1)).min(policy.max_backoff);
            assert!(
                wait >= full / 2 && wait <= full,
                "retry {retry}: {wait:?} not within [{:?}, {full:?}]",
                full / 2
            );
        }
    }

    #[test]
    fn only_safe_methods_are_idempotent() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::POST));
    }
}

//! The per-user rate-limit budget: Fitbit allows 150 requests per user per
//! hour and reports the quota in `Fitbit-Rate-Limit-*` headers on every answer.
//!
//! The governor reads those headers (names match case-insensitively), counts
//! the requests it lets through, and holds a request back while the budget is
//! known to be spent: by default it waits for the reset, or, with
//! [`RateLimitPolicy::FailFast`], fails with `Error::RateLimited { sent: false }`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use fitbit_auth::MAX_RATE_LIMIT_RESET;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// What the three budget headers' names start with.
const PREFIX: &str = "fitbit-rate-limit-";
// A name as a `HeaderName`: a lookup by `&str` parses the name on every call.
pub(crate) const REMAINING: HeaderName = HeaderName::from_static("fitbit-rate-limit-remaining");

/// Resets further apart than this belong to different hourly windows.
const NEW_WINDOW: Duration = Duration::from_secs(120);

/// Used when a 429 arrives without any reset header.
const UNKNOWN_RESET: Duration = Duration::from_secs(60);

/// What to do when the budget is known to be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitPolicy {
    /// Wait for the reset (plus a little jitter) when it comes within
    /// `max_wait`; fail with `Error::RateLimited` otherwise.
    Wait {
        /// The longest wait accepted.
        max_wait: Duration,
    },
    /// Fail at once with `Error::RateLimited` carrying the time to the reset.
    FailFast,
}

impl Default for RateLimitPolicy {
    /// Wait up to just over an hour: the longest a reset can be away.
    fn default() -> Self {
        Self::Wait { max_wait: Duration::from_secs(3_700) }
    }
}

/// The quota as last reported by Fitbit, minus the requests sent since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimitStatus {
    /// Requests allowed per hour (`Fitbit-Rate-Limit-Limit`).
    pub limit: Option<u32>,
    /// Requests left in this window; `None` when unknown (nothing seen yet,
    /// or the window has reset since).
    pub remaining: Option<u32>,
    /// When the window resets.
    pub resets_at: Option<Instant>,
}

/// Whether a request may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Go,
    /// The budget is spent until this instant.
    SpentUntil(Instant),
}

/// One user's rate-limit budget. Clients built for the same user can share
/// one governor (`ClientBuilder::governor`), so that together they stay
/// inside the user's quota.
#[derive(Debug, Default)]
pub struct Governor {
    state: Mutex<RateLimitStatus>,
}

impl Governor {
    /// A governor that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The budget as the governor sees it at `now`.
    pub fn status_at(&self, now: Instant) -> RateLimitStatus {
        let mut state = self.lock();
        expire(&mut state, now);
        *state
    }

    /// Takes one request from the budget, unless it is spent.
    pub(crate) fn try_acquire(&self, now: Instant) -> Admission {
        let mut state = self.lock();
        expire(&mut state, now);
        match (state.remaining, state.resets_at) {
            (Some(0), Some(resets_at)) => Admission::SpentUntil(resets_at),
            (Some(remaining), _) => {
                state.remaining = Some(remaining - 1);
                Admission::Go
            }
            (None, _) => Admission::Go,
        }
    }

    /// Updates the budget from an answer's status and headers.
    pub(crate) fn observe(&self, status: StatusCode, headers: &HeaderMap, now: Instant) {
        let budget = BudgetHeaders::read(headers);
        let number = |value: Option<&HeaderValue>| value?.to_str().ok()?.trim().parse::<u64>().ok();
        let limit = number(budget.limit).map(saturate);
        let remaining = number(budget.remaining).map(saturate);
        let reset = budget.reset.and_then(|value| seconds(value.as_bytes()));
        let mut state = self.lock();
        if limit.is_some() {
            state.limit = limit;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let reset = reset.or_else(|| retry_after(headers)).unwrap_or(UNKNOWN_RESET);
            state.remaining = Some(0);
            state.resets_at = Some(later(now, reset));
            return;
        }
        let (Some(remaining), Some(reset)) = (remaining, reset) else { return };
        let resets_at = later(now, reset);
        let same_window = state.resets_at.is_some_and(|known| distance(known, resets_at) < NEW_WINDOW);
        // Fitbit updates the headers asynchronously, so within one window the
        // lower of its count and ours is the safer guess.
        state.remaining = match (same_window, state.remaining) {
            (true, Some(local)) => Some(local.min(remaining)),
            _ => Some(remaining),
        };
        state.resets_at = Some(resets_at);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RateLimitStatus> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `Fitbit-Rate-Limit-*` values of an answer, found in one pass over its
/// headers: looking each name up hashes it, and the names are long. As with
/// a lookup, the first value of a repeated header counts.
#[derive(Default)]
struct BudgetHeaders<'a> {
    limit: Option<&'a HeaderValue>,
    remaining: Option<&'a HeaderValue>,
    reset: Option<&'a HeaderValue>,
}

impl<'a> BudgetHeaders<'a> {
    fn read(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        // Names in a `HeaderMap` are lower case.
        for (name, value) in headers {
            let slot = match name.as_str().strip_prefix(PREFIX) {
                Some("limit") => &mut found.limit,
                Some("remaining") => &mut found.remaining,
                Some("reset") => &mut found.reset,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        found
    }
}

/// Forgets a window whose reset has passed.
fn expire(state: &mut RateLimitStatus, now: Instant) {
    if state.resets_at.is_some_and(|resets_at| resets_at <= now) {
        state.remaining = None;
        state.resets_at = None;
    }
}

fn distance(a: Instant, b: Instant) -> Duration {
    if a > b { a - b } else { b - a }
}

fn saturate(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// `Retry-After` in seconds: only a fallback, Fitbit's own reset header wins.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    seconds(headers.get(reqwest::header::RETRY_AFTER)?.as_bytes())
}

/// A number of seconds to a reset, capped at an hour
/// ([`fitbit_auth::MAX_RATE_LIMIT_RESET`]): the quota is hourly, and a
/// server naming a later time (`18446744073709551615`, `10^12`) would
/// otherwise overflow the clock or hold every client sharing this
/// governor back for ages. Digits only; a number past `u64` is as far as any.
fn seconds(text: &[u8]) -> Option<Duration> {
    let digits = text.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds = std::str::from_utf8(digits).ok()?.parse::<u64>().unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(MAX_RATE_LIMIT_RESET))
}

/// `now + wait`, without a panic however far the clock is asked to go.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait.min(MAX_RATE_LIMIT_RESET)).unwrap_or(now)
}

/// A random extra wait so that many clients do not all retry at the same instant.
pub(crate) fn jitter(base: Duration) -> Duration {
    let cap = (base / 20).clamp(Duration::from_millis(50), Duration::from_secs(2));
    cap.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn counts_down_and_holds_back_when_spent() {
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(
            StatusCode::OK,
            &headers(&[
                ("Fitbit-Rate-Limit-Limit", "150"),
                ("Fitbit-Rate-Limit-Remaining", "2"),
                ("Fitbit-Rate-Limit-Reset", "600"),
            ]),
            now,
        );
        assert_eq!(governor.try_acquire(now), Admission::Go);
        assert_eq!(governor.try_acquire(now), Admission::Go);
        assert_eq!(governor.try_acquire(now), Admission::SpentUntil(now + Duration::from_secs(600)));
        assert_eq!(governor.status_at(now).limit, Some(150));
        // After the reset the budget is unknown again and requests flow.
        assert_eq!(governor.try_acquire(now + Duration::from_secs(600)), Admission::Go);
    }

    #[test]
    fn lower_case_headers_and_a_stale_higher_count_in_the_same_window() {
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(
            StatusCode::OK,
            &headers(&[("fitbit-rate-limit-remaining", "5"), ("fitbit-rate-limit-reset", "900")]),
            now,
        );
        for _ in 0..3 {
            assert_eq!(governor.try_acquire(now), Admission::Go);
        }
        // A late answer still says 5: the local count (2) is kept.
        governor.observe(
            StatusCode::OK,
            &headers(&[("fitbit-rate-limit-remaining", "5"), ("fitbit-rate-limit-reset", "899")]),
            now,
        );
        assert_eq!(governor.status_at(now).remaining, Some(2));
    }

    #[test]
    fn a_429_spends_the_budget_until_the_fitbit_reset_not_retry_after() {
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("fitbit-rate-limit-reset", "1200"), ("retry-after", "5")]),
            now,
        );
        assert_eq!(governor.try_acquire(now), Admission::SpentUntil(now + Duration::from_secs(1200)));
    }

    #[test]
    fn the_first_of_repeated_budget_headers_counts_and_others_are_ignored() {
        let mut map = headers(&[("Fitbit-Rate-Limit-Reset", "600"), ("content-type", "application/json")]);
        map.append("fitbit-rate-limit-remaining", HeaderValue::from_static("7"));
        map.append("fitbit-rate-limit-remaining", HeaderValue::from_static("3"));
        map.append("fitbit-rate-limit-limitless", HeaderValue::from_static("1"));
        map.append("x-fitbit-rate-limit-limit", HeaderValue::from_static("2"));
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(StatusCode::OK, &map, now);
        let status = governor.status_at(now);
        assert_eq!(status.remaining, Some(7));
        assert_eq!(status.limit, None);
        assert_eq!(status.resets_at, Some(now + Duration::from_secs(600)));
    }

    #[test]
    fn resets_past_an_hour_are_an_hour_and_never_overflow() {
        for reset in ["18446744073709551615", "1000000000000", "340282366920938463463374607431768211456"] {
            for status in [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS] {
                let governor = Governor::new();
                let now = Instant::now();
                governor.observe(
                    status,
                    &headers(&[("fitbit-rate-limit-remaining", "0"), ("fitbit-rate-limit-reset", reset)]),
                    now,
                );
                assert_eq!(
                    governor.try_acquire(now),
                    Admission::SpentUntil(now + MAX_RATE_LIMIT_RESET),
                    "{reset}"
                );
                // An hour later the budget is unknown again: nothing is locked for longer.
                assert_eq!(governor.try_acquire(now + MAX_RATE_LIMIT_RESET), Admission::Go, "{reset}");
            }
            let governor = Governor::new();
            let now = Instant::now();
            governor.observe(StatusCode::TOO_MANY_REQUESTS, &headers(&[("retry-after", reset)]), now);
            assert_eq!(
                governor.try_acquire(now),
                Admission::SpentUntil(now + MAX_RATE_LIMIT_RESET),
                "{reset}"
            );
        }
        // Not a number of seconds: ignored (a 429 then waits the default minute).
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("fitbit-rate-limit-reset", "-1"), ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            now,
        );
        assert_eq!(governor.try_acquire(now), Admission::SpentUntil(now + UNKNOWN_RESET));
    }

    #[test]
    fn a_new_window_takes_the_servers_count() {
        let governor = Governor::new();
        let now = Instant::now();
        governor.observe(
            StatusCode::OK,
            &headers(&[("fitbit-rate-limit-remaining", "1"), ("fitbit-rate-limit-reset", "10")]),
            now,
        );
        let later = now + Duration::from_secs(11);
        governor.observe(
            StatusCode::OK,
            &headers(&[("fitbit-rate-limit-remaining", "149"), ("fitbit-rate-limit-reset", "3590")]),
            later,
        );
        assert_eq!(governor.status_at(later).remaining, Some(149));
    }
}

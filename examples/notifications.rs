//! The work behind the `webhook_sync` example: from a verified notification
//! to the changed data, coalescing repeated notifications and keeping a
//! reserve of the hourly request budget.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use fitbit_api::prelude::*;
use fitbit_api::types::{
    DailyActivitySummary, FoodLogByDate, SleepLogsByDate, WaterLogByDate, WeightLogList,
};
use fitbit_api::webhooks::{CollectionType, Notification, NotificationKey};
use fitbit_api::{Client, Error, FitbitDate, RateLimitStatus};

/// The data a notification said changed, fetched.
#[derive(Debug)]
pub enum Fetched {
    /// `activities`: the day's activity summary.
    Activities(Box<DailyActivitySummary>),
    /// `body`: the day's weight logs.
    Body(WeightLogList),
    /// `foods`: the day's food and water logs.
    Foods(Box<FoodLogByDate>, WaterLogByDate),
    /// `sleep`: the day's sleep logs.
    Sleep(Box<SleepLogsByDate>),
    /// `userRevokedAccess` or `deleteUser`: nothing to fetch; drop the
    /// user's tokens (and, for `deleteUser`, their data).
    AccessEnded,
    /// A collection this program does not handle, or no date: nothing fetched.
    Skipped,
}

impl Fetched {
    /// How many API requests a notification of this collection costs.
    pub fn cost(collection: &CollectionType) -> u32 {
        match collection {
            CollectionType::Foods => 2,
            CollectionType::Activities | CollectionType::Body | CollectionType::Sleep => 1,
            _ => 0,
        }
    }
}

/// Fetches what `notification` says changed: the owner's data of that
/// collection on that day. The client must be signed in as the owner (a
/// service with many users picks the owner's session by `owner_id`).
pub async fn fetch_changed(client: &Client, notification: &Notification) -> Result<Fetched, Error> {
    let user = notification.owner_id.as_str();
    let Some(day) = notification.date.map(FitbitDate::On) else {
        return Ok(if notification.collection_type.ends_access() {
            Fetched::AccessEnded
        } else {
            Fetched::Skipped
        });
    };
    Ok(match &notification.collection_type {
        CollectionType::Activities => Fetched::Activities(Box::new(
            client.get_daily_activity_summary().user_id(user).date(day).send().await?.into_inner(),
        )),
        CollectionType::Body => {
            Fetched::Body(client.get_weight_log().user_id(user).date(day).send().await?.into_inner())
        }
        CollectionType::Foods => {
            let food = client.get_food_log().user_id(user).date(day).send().await?.into_inner();
            let water = client.get_water_log().user_id(user).date(day).send().await?.into_inner();
            Fetched::Foods(Box::new(food), water)
        }
        CollectionType::Sleep => Fetched::Sleep(Box::new(
            client.get_sleep_log_by_date().user_id(user).date(day).send().await?.into_inner(),
        )),
        collection if collection.ends_access() => Fetched::AccessEnded,
        _ => Fetched::Skipped,
    })
}

/// How long to wait before spending `cost` requests so that `reserve`
/// requests stay for the user's interactive use; `None` when it may go now.
///
/// The client's governor already waits when the budget is spent; this keeps
/// background syncing from spending the last requests of the hour.
pub fn wait_for_budget(status: &RateLimitStatus, cost: u32, reserve: u32, now: Instant) -> Option<Duration> {
    let remaining = status.remaining?;
    if remaining >= cost.saturating_add(reserve) {
        return None;
    }
    Some(status.resets_at.map_or(Duration::from_secs(60), |reset| reset.saturating_duration_since(now)))
}

/// Notifications waiting to be fetched, first come first served, each
/// change once: a notification whose key is already waiting adds nothing.
#[derive(Debug, Default)]
pub struct PendingFetches {
    queue: VecDeque<Notification>,
    waiting: HashSet<NotificationKey>,
}

impl PendingFetches {
    /// Queues `notification` unless the same change is already waiting;
    /// says whether it was queued.
    pub fn push(&mut self, notification: Notification) -> bool {
        if !self.waiting.insert(notification.key()) {
            return false;
        }
        self.queue.push_back(notification);
        true
    }

    /// The next notification to fetch. From now on a new notification with
    /// its key is queued again: it may announce a later change.
    pub fn pop(&mut self) -> Option<Notification> {
        let notification = self.queue.pop_front()?;
        self.waiting.remove(&notification.key());
        Some(notification)
    }

    /// How many are waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

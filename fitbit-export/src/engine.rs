//! The export loop: for each data type, one query over the range, page by
//! page, each page written with the checkpoint that follows it; paced to the
//! per-user rate limit.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use fitbit_auth::{Error as ApiError, Scopes};
use fitbit_health::{Bound, Client, DataType, Filter, RecordKind, ResultExt as _};
use futures::StreamExt as _;
use serde_json::Value;

use crate::db::{Checkpoint, Database, Mode, Query};
use crate::error::ExportError;
use crate::progress::{PageEvent, Progress, Skip, Summary, TypeSummary};

/// Google's limit: 300 requests per minute per user.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 300;

/// How far before the last run's end a later run looks again, for data
/// that reached Google late (a device that synced late, an edited log).
pub const DEFAULT_REFETCH: chrono::Duration = chrono::Duration::days(1);

/// Where an export starts when neither `since` nor the profile's membership
/// date says: before Fitbit's first trackers. A filtered list costs no more
/// for the empty years.
const EARLIEST: (i32, u32, u32) = (2008, 1, 1);

/// How many times a page is tried again after the client's own retries gave
/// up on a rate limit.
const RATE_LIMIT_ROUNDS: u32 = 5;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The first day (UTC). Default: the profile's membership start date (or
    /// the start of a previous export), else 2008-01-01.
    pub since: Option<NaiveDate>,
    /// The day after the last (UTC). Default: tomorrow, so today is in.
    pub until: Option<NaiveDate>,
    /// The data types. Default: every readable type the token's scopes allow.
    pub types: Option<Vec<DataType>>,
    /// Daily rollups (one row per day, `<type>_by_day` tables) instead of
    /// the stored points, for the types that have them.
    pub daily: bool,
    /// The pace (default 300, Google's per-user limit).
    pub requests_per_minute: u32,
    /// How far back from the previous run's end a later run looks again
    /// (default one day).
    pub refetch: chrono::Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            since: None,
            until: None,
            types: None,
            daily: false,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            refetch: DEFAULT_REFETCH,
        }
    }
}

/// Exports into `db` what `options` asks for, reporting to `progress`.
///
/// Stops at the first error that retries cannot cure (a refused grant, the
/// account not linked, a failed write), keeping what was written; a type the
/// token's scopes do not allow is skipped with a note. The next run
/// continues where this one stopped, and afterwards fetches only what is new
/// (plus [`ExportOptions::refetch`] before it).
pub async fn export(
    client: &Client,
    db: &mut Database,
    options: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<Summary, ExportError> {
    let started = Instant::now();
    let mut run = Run { client, pacer: Pacer::new(options.requests_per_minute), calls: 0, progress };
    let run_id = db.start_run()?;
    let outcome = run.export(db, options).await;
    let (status, result) = match outcome {
        Ok(mut summary) => {
            summary.calls = run.calls;
            summary.elapsed = started.elapsed();
            ("complete", Ok(summary))
        }
        Err(err) => ("stopped", Err(err)),
    };
    let (points, rows) = match &result {
        Ok(summary) => (summary.points(), summary.rows_written()),
        Err(_) => (0, 0),
    };
    db.finish_run(run_id, run.calls, points, rows, status)?;
    result
}

struct Run<'a> {
    client: &'a Client,
    pacer: Pacer,
    calls: u64,
    progress: &'a mut dyn Progress,
}

impl Run<'_> {
    async fn export(&mut self, db: &mut Database, options: &ExportOptions) -> Result<Summary, ExportError> {
        // Whose data this is: one person's per file.
        self.pacer.acquire(self.progress).await;
        self.calls += 1;
        let identity = self
            .client
            .health_profile()
            .get_identity()
            .set_name("users/me/identity")
            .send()
            .await
            .classified()?;
        match db.meta("health_user_id")? {
            Some(user) if user != identity.health_user_id => {
                return Err(ExportError::Options(format!(
                    "{} holds another user's export; choose another --db for this account",
                    db.path().display()
                )));
            }
            Some(_) => {}
            None => db.set_meta("health_user_id", &identity.health_user_id)?,
        }

        let until = options.until.unwrap_or_else(|| Utc::now().date_naive() + chrono::Duration::days(1));
        let since = match options.since {
            Some(since) => since,
            None => self.membership_start(db).await?,
        };
        if since >= until {
            return Err(ExportError::Options(format!(
                "nothing to export: --since {since} is not before --until {until}"
            )));
        }
        let granted = self.client.session().tokens().await?.map(|t| t.scopes).unwrap_or_default();
        let (types, skipped) = plan(options, &granted);
        self.progress.plan(&types, &skipped);
        let mut summary = Summary { skipped, ..Summary::default() };
        for data_type in types {
            let result = if options.daily {
                self.export_days(db, data_type, since, until, options.refetch).await
            } else {
                self.export_points(db, data_type, since, until, options.refetch).await
            };
            match result {
                Ok(stats) => {
                    self.progress.type_done(&stats);
                    summary.types.push(stats);
                }
                Err(ExportError::Api(ApiError::MissingScope { scope, .. })) => {
                    let reason =
                        format!("the token lacks {}", scope.unwrap_or_else(|| data_type.read_scope().url()));
                    let skip = Skip { data_type, reason };
                    self.progress.skipped(&skip);
                    summary.skipped.push(skip);
                }
                Err(err) => return Err(err),
            }
        }
        Ok(summary)
    }

    /// The profile's membership start date, remembered in the file; the
    /// earliest Fitbit date when the profile cannot be read.
    async fn membership_start(&mut self, db: &Database) -> Result<NaiveDate, ExportError> {
        if let Some(date) = db.meta("since")?.and_then(|d| d.parse().ok()) {
            return Ok(date);
        }
        self.pacer.acquire(self.progress).await;
        self.calls += 1;
        let profile =
            self.client.health_profile().get_profile().set_name("users/me/profile").send().await.classified();
        let date = match profile {
            Ok(profile) => profile
                .membership_start_date
                .and_then(|d| NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32)),
            Err(ApiError::MissingScope { .. }) => None,
            Err(err) => return Err(err.into()),
        };
        let date = date
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).expect("a date"));
        db.set_meta("since", &date.to_string())?;
        Ok(date)
    }

    async fn export_points(
        &mut self,
        db: &mut Database,
        data_type: DataType,
        since: NaiveDate,
        until: NaiveDate,
        refetch: chrono::Duration,
    ) -> Result<TypeSummary, ExportError> {
        db.ensure_tables(data_type, Mode::Points)?;
        let state = db.state(data_type, Mode::Points)?;
        let mut query = match state.query {
            Some(query) => query,
            None => {
                let since = midnight(since);
                let start = match state.done_until.as_deref().and_then(parse_instant) {
                    Some(done) => (done - refetch).max(since),
                    None => since,
                };
                Query { start: rfc3339(start), end: rfc3339(midnight(until)), page_token: String::new() }
            }
        };
        let mut stats = TypeSummary::new(data_type);
        let (Some(start), Some(end)) = (parse_instant(&query.start), parse_instant(&query.end)) else {
            return Err(ExportError::Options(format!(
                "the saved state of {data_type} is unreadable; delete its row in export_state"
            )));
        };
        if start >= end {
            return Ok(stats);
        }
        let points = self.client.points(data_type);
        let points = match filter(data_type, start, end) {
            Some(filter) => points.filter(&filter).map_err(|err| ExportError::Options(err.to_string()))?,
            None => points,
        };
        loop {
            let page = match self.with_rate_limit(|| points.page(&query.page_token)).await {
                // A saved token the server no longer takes: ask again from
                // the start of the range; rows already written are not
                // written twice.
                Err(ApiError::Validation { .. }) if !query.page_token.is_empty() => {
                    tracing::warn!(data_type = %data_type, "the saved page token was refused; restarting the range");
                    query.page_token.clear();
                    continue;
                }
                other => other?,
            };
            let next = page.next_page_token.clone();
            let oldest = page.data_points.last().and_then(|p| oldest_time(data_type, p));
            let rows: Vec<Value> =
                page.data_points.iter().map(serde_json::to_value).collect::<Result<_, _>>().map_err(
                    |err| ApiError::InvalidResponse {
                        status: None,
                        message: format!("a data point did not encode: {err}"),
                    },
                )?;
            let checkpoint = if next.is_empty() {
                Checkpoint::Done { done_until: query.end.clone() }
            } else {
                Checkpoint::Continue(Query { page_token: next.clone(), ..query.clone() })
            };
            let written = db.write_points(data_type, &rows, &checkpoint)?;
            stats.pages += 1;
            stats.points += rows.len() as u64;
            stats.rows_written += written as u64;
            let done = oldest.map(|oldest| {
                let span = (end - start).num_seconds().max(1) as f64;
                ((end - oldest.max(start)).num_seconds() as f64 / span).clamp(0.0, 1.0)
            });
            self.progress.page(&PageEvent {
                data_type,
                page_points: rows.len() as u64,
                pages: stats.pages,
                points: stats.points,
                rows_written: stats.rows_written,
                calls: self.calls,
                fraction_done: if next.is_empty() { Some(1.0) } else { done },
            });
            if next.is_empty() {
                return Ok(stats);
            }
            query.page_token = next;
        }
    }

    async fn export_days(
        &mut self,
        db: &mut Database,
        data_type: DataType,
        since: NaiveDate,
        until: NaiveDate,
        refetch: chrono::Duration,
    ) -> Result<TypeSummary, ExportError> {
        db.ensure_tables(data_type, Mode::Daily)?;
        let state = db.state(data_type, Mode::Daily)?;
        let start = match state.done_until.as_deref().and_then(|d| d.parse::<NaiveDate>().ok()) {
            Some(done) => (done - refetch).max(since),
            None => since,
        };
        let mut stats = TypeSummary::new(data_type);
        let part_days = data_type.max_roll_up_range_days();
        let mut part_start = start;
        while part_start < until {
            let part_end = (part_start + chrono::Duration::days(part_days)).min(until);
            // One part is one page (a page holds as many days as a part may
            // cover); its days and the new checkpoint go in together.
            let mut pages =
                std::pin::pin!(self.client.daily_roll_up(data_type, part_start, part_end).pages());
            let mut days = Vec::new();
            loop {
                self.pacer.acquire(self.progress).await;
                self.calls += 1;
                match pages.next().await {
                    Some(page) => {
                        let page = page?;
                        for day in &page.rollup_data_points {
                            days.push(serde_json::to_value(day).map_err(|err| {
                                ApiError::InvalidResponse {
                                    status: None,
                                    message: format!("a rollup did not encode: {err}"),
                                }
                            })?);
                        }
                        stats.pages += 1;
                    }
                    None => {
                        // The probe that found the end was no request.
                        self.calls -= 1;
                        break;
                    }
                }
            }
            let written =
                db.write_days(data_type, &days, &Checkpoint::Done { done_until: part_end.to_string() })?;
            stats.points += days.len() as u64;
            stats.rows_written += written as u64;
            let span = (until - start).num_days().max(1) as f64;
            self.progress.page(&PageEvent {
                data_type,
                page_points: days.len() as u64,
                pages: stats.pages,
                points: stats.points,
                rows_written: stats.rows_written,
                calls: self.calls,
                fraction_done: Some(((part_end - start).num_days() as f64 / span).clamp(0.0, 1.0)),
            });
            part_start = part_end;
        }
        Ok(stats)
    }

    /// One call, paced; after the client's own retries gave up on a rate
    /// limit, waits as told (at most an hour) and tries again.
    async fn with_rate_limit<T, F, Fut>(&mut self, mut call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let mut round = 0;
        loop {
            self.pacer.acquire(self.progress).await;
            self.calls += 1;
            match call().await {
                Err(ApiError::RateLimited { reset_in, .. }) if round < RATE_LIMIT_ROUNDS => {
                    round += 1;
                    let wait = reset_in.unwrap_or(Duration::from_secs(60)).min(Duration::from_secs(3600));
                    self.progress.waiting(wait, "the API's rate limit");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }
}

/// The types to export and the ones skipped, with why.
fn plan(options: &ExportOptions, granted: &Scopes) -> (Vec<DataType>, Vec<Skip>) {
    let candidates: Vec<DataType> = match &options.types {
        Some(types) => types.clone(),
        None => DataType::ALL
            .iter()
            .copied()
            .filter(|t| if options.daily { t.capabilities().daily_roll_up } else { t.is_listable() })
            .collect(),
    };
    let mut types = Vec::new();
    let mut skipped = Vec::new();
    for data_type in candidates {
        let reason = if options.daily && !data_type.capabilities().daily_roll_up {
            Some("the API has no daily rollup for it".to_string())
        } else if !options.daily && !data_type.is_listable() {
            Some("the API serves it only as rollups (use --daily)".to_string())
        } else if !granted.is_empty() && !granted.contains_google(data_type.read_scope()) {
            Some(format!("the sign-in did not grant {}", data_type.read_scope().short_name()))
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(Skip { data_type, reason }),
            None => types.push(data_type),
        }
    }
    (types, skipped)
}

/// The filter for `[start, end)` on the field the type is filtered by;
/// `None` for the food catalogue, which has none.
fn filter(data_type: DataType, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Filter> {
    let filter = Filter::new(data_type);
    match data_type.record_kind() {
        RecordKind::Catalogue => None,
        RecordKind::Daily | RecordKind::Session => {
            Some(filter.start(Bound::Date(start.date_naive())).end(Bound::Date(end.date_naive())))
        }
        RecordKind::Electrocardiogram => Some(filter.start(start)),
        _ => Some(filter.start(start).end(end)),
    }
}

/// The time of the oldest point of a page (pages come newest first), for
/// progress.
fn oldest_time(
    data_type: DataType,
    point: &fitbit_health::google::model::DataPoint,
) -> Option<DateTime<Utc>> {
    let json = serde_json::to_value(point).ok()?;
    let member = &json[data_type.json_name()];
    let text = member
        .pointer("/interval/startTime")
        .or_else(|| member.pointer("/sampleTime/physicalTime"))
        .and_then(Value::as_str)?;
    parse_instant(text).or_else(|| {
        let date = member.get("date")?;
        let day = NaiveDate::from_ymd_opt(
            date["year"].as_i64()? as i32,
            date["month"].as_u64()? as u32,
            date["day"].as_u64()? as u32,
        )?;
        Some(midnight(day))
    })
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

/// A token bucket: up to a minute's worth of calls at once, then one every
/// `60 / per_minute` seconds.
struct Pacer {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Instant,
}

impl Pacer {
    fn new(per_minute: u32) -> Self {
        let per_minute = f64::from(per_minute.max(1));
        Self { capacity: per_minute, tokens: per_minute, per_second: per_minute / 60.0, last: Instant::now() }
    }

    async fn acquire(&mut self, progress: &mut dyn Progress) {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second).min(self.capacity);
        self.last = now;
        if self.tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / self.per_second);
            progress.waiting(wait, "the pace of 300 requests a minute");
            tokio::time::sleep(wait).await;
            self.tokens = 1.0;
            self.last = Instant::now();
        }
        self.tokens -= 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_skips_what_the_scopes_or_the_api_do_not_allow() {
        use fitbit_auth::GoogleScope;
        let granted: Scopes = [GoogleScope::ActivityAndFitnessReadonly].into_iter().collect();
        let options = ExportOptions {
            types: Some(vec![DataType::Steps, DataType::HeartRate, DataType::TotalCalories]),
            ..ExportOptions::default()
        };
        let (types, skipped) = plan(&options, &granted);
        assert_eq!(types, [DataType::Steps]);
        let reasons: Vec<_> = skipped.iter().map(|s| (s.data_type, s.reason.clone())).collect();
        assert!(reasons[0].1.contains("health_metrics_and_measurements.readonly"), "{reasons:?}");
        assert!(reasons[1].1.contains("--daily"), "{reasons:?}");

        let daily = ExportOptions { daily: true, ..ExportOptions::default() };
        let (types, _) = plan(&daily, &Scopes::new());
        assert!(types.contains(&DataType::Steps) && !types.contains(&DataType::Sleep));
    }

    #[test]
    fn each_kind_of_type_gets_its_filter() {
        let (a, b) = (
            midnight(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            midnight(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()),
        );
        let text = |t| filter(t, a, b).map(|f| f.build().unwrap());
        assert!(text(DataType::HeartRate).unwrap().contains("physical_time"));
        assert!(text(DataType::Exercise).unwrap().contains(r#"civil_start_time >= "2026-01-01""#));
        assert!(!text(DataType::Electrocardiogram).unwrap().contains('<'));
        assert_eq!(text(DataType::Food), None);
    }

    #[tokio::test]
    async fn the_pacer_lets_a_minute_through_then_spaces_calls() {
        struct Silent;
        impl Progress for Silent {}
        let mut pacer = Pacer::new(6000);
        let started = Instant::now();
        for _ in 0..6000 {
            pacer.acquire(&mut Silent).await;
        }
        assert!(pacer.tokens < 1.0, "the burst used the bucket");
        let before = pacer.tokens;
        pacer.acquire(&mut Silent).await;
        assert!(pacer.tokens <= before + 1.0, "the next call waited for a token");
        let _ = started;
    }
}

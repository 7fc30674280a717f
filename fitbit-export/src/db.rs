//! The SQLite file: opened only when it is ours (or new), migrated to the
//! current schema, written one page per transaction together with the
//! checkpoint that follows it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use fitbit_health::DataType;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};
use serde_json::Value;

use crate::error::ExportError;
use crate::schema;

/// `PRAGMA application_id` of our files: "FBRS". A file with another id and
/// tables in it belongs to someone else and is left alone.
pub const APPLICATION_ID: i32 = 0x4642_5253;

/// The schema version this code writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 2;

/// The steps from each version to the next; step `n` turns version `n` into
/// `n + 1`. Data tables are created as data types are first exported.
const MIGRATIONS: [&str; 2] = [
    // 0 → 1: the state of each data type's export.
    "CREATE TABLE export_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE export_state (
         data_type TEXT NOT NULL,
         mode TEXT NOT NULL,
         done_until TEXT,
         query_start TEXT,
         query_end TEXT,
         page_token TEXT,
         points INTEGER NOT NULL DEFAULT 0,
         pages INTEGER NOT NULL DEFAULT 0,
         updated_at TEXT NOT NULL,
         PRIMARY KEY (data_type, mode)
     );",
    // 1 → 2: a log of runs (calls, points, rows, how each ended).
    "CREATE TABLE export_runs (
         id INTEGER PRIMARY KEY,
         started_at TEXT NOT NULL,
         finished_at TEXT,
         calls INTEGER NOT NULL DEFAULT 0,
         points INTEGER NOT NULL DEFAULT 0,
         rows_written INTEGER NOT NULL DEFAULT 0,
         status TEXT NOT NULL DEFAULT 'running'
     );",
];

/// Which kind of rows a data type's export state is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Data points, as stored.
    Points,
    /// Daily rollups (`--daily`).
    Daily,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Points => "points",
            Mode::Daily => "daily",
        }
    }
}

/// Where one data type's export stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportState {
    /// Everything before this instant (or date) is in the file.
    pub done_until: Option<String>,
    /// The query under way: its range and the token of the next page.
    pub query: Option<Query>,
    /// Points (or days) written over all runs.
    pub points: i64,
    /// Pages read over all runs.
    pub pages: i64,
}

/// A query under way: the range asked for and where it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub start: String,
    pub end: String,
    /// The next page's token; empty for the first page.
    pub page_token: String,
}

/// What a page leaves behind: the query continues at `next`, or is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkpoint {
    /// More pages: continue `query` with its `page_token`.
    Continue(Query),
    /// The query is finished; everything before `done_until` is in the file.
    Done { done_until: String },
}

/// The export database.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

impl Database {
    /// Opens (or creates) the database at `path`.
    ///
    /// A file that is not SQLite, fails SQLite's integrity check, belongs to
    /// another application, or was written by a newer version of this tool is
    /// refused with [`ExportError::Database`] and left exactly as it was. An
    /// older file of ours is migrated.
    pub fn open(path: &Path) -> Result<Self, ExportError> {
        let refuse = |why: String| ExportError::Database { path: path.to_path_buf(), message: why };
        let existing = std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false);
        if existing {
            check_existing(path).map_err(refuse)?;
        }
        let conn = Connection::open(path).map_err(|err| refuse(format!("could not open it: {err}")))?;
        // WAL: readers (sqlite3, pandas) see the last committed page while an
        // export runs; committed pages survive a killed process.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|err| refuse(err.to_string()))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|err| refuse(err.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|err| refuse(err.to_string()))?;
        let mut db = Database { conn, path: path.to_path_buf() };
        db.migrate().map_err(|err| refuse(format!("could not bring the schema up to date: {err}")))?;
        Ok(db)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i32, ExportError> {
        self.conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(|err| self.error(err))
    }

    fn error(&self, err: rusqlite::Error) -> ExportError {
        ExportError::Database { path: self.path.clone(), message: err.to_string() }
    }

    fn migrate(&mut self) -> rusqlite::Result<()> {
        let version: i32 = self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", step as i32 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Creates `data_type`'s table (and its daily table) when missing.
    pub fn ensure_tables(&self, data_type: DataType, mode: Mode) -> Result<(), ExportError> {
        let sql = match mode {
            Mode::Points => schema::create_table(data_type),
            Mode::Daily => schema::create_daily_table(data_type),
        };
        self.conn.execute_batch(&sql).map_err(|err| self.error(err))
    }

    /// Where `data_type`'s export stands.
    pub fn state(&self, data_type: DataType, mode: Mode) -> Result<ExportState, ExportError> {
        self.conn
            .query_row(
                "SELECT done_until, query_start, query_end, page_token, points, pages FROM export_state
                 WHERE data_type = ?1 AND mode = ?2",
                params![data_type.id(), mode.as_str()],
                |row| {
                    let query = match (row.get::<_, Option<String>>(1)?, row.get::<_, Option<String>>(2)?) {
                        (Some(start), Some(end)) => Some(Query {
                            start,
                            end,
                            page_token: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        }),
                        _ => None,
                    };
                    Ok(ExportState {
                        done_until: row.get(0)?,
                        query,
                        points: row.get(4)?,
                        pages: row.get(5)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|err| self.error(err))
    }

    /// Writes one page of data points and the checkpoint after it, in one
    /// transaction: after a crash the file holds both or neither. Returns the
    /// rows inserted or changed (a point already stored unchanged counts 0).
    pub fn write_points(
        &mut self,
        data_type: DataType,
        points: &[Value],
        checkpoint: &Checkpoint,
    ) -> Result<usize, ExportError> {
        let table = schema::table_name(data_type);
        let columns = schema::columns(data_type, false);
        let names: Vec<&str> =
            ["name", "time_utc", "utc_offset_seconds", "source_platform", "source_device", "raw_json"]
                .into_iter()
                .chain(columns.iter().map(|c| c.name.as_str()))
                .collect();
        let sql = upsert_sql(&table, &names, "name");
        let tx = self.conn.transaction().map_err(|err| db_error(&self.path, err))?;
        let mut written = 0;
        {
            let mut insert = tx.prepare_cached(&sql).map_err(|err| db_error(&self.path, err))?;
            let mut row: Vec<Sql> = Vec::with_capacity(names.len());
            for point in points {
                let member = &point[data_type.json_name()];
                let (time, offset) = schema::point_time(data_type, member);
                row.clear();
                row.push(text_or_null(point.get("name")));
                row.push(normalized_time(time));
                row.push(offset);
                row.push(text_or_null(point.pointer("/dataSource/platform")));
                row.push(text_or_null(point.pointer("/dataSource/device/displayName")));
                row.push(Sql::Text(point.to_string()));
                row.extend(columns.iter().map(|column| schema::column_value(member, column)));
                written += insert
                    .execute(rusqlite::params_from_iter(row.iter()))
                    .map_err(|err| db_error(&self.path, err))?;
            }
        }
        save_checkpoint(&tx, data_type, Mode::Points, points.len(), checkpoint)
            .map_err(|err| db_error(&self.path, err))?;
        tx.commit().map_err(|err| db_error(&self.path, err))?;
        Ok(written)
    }

    /// Writes one page of daily rollups and the checkpoint after it, in one
    /// transaction. `days` are `DailyRollupDataPoint`s as JSON.
    pub fn write_days(
        &mut self,
        data_type: DataType,
        days: &[Value],
        checkpoint: &Checkpoint,
    ) -> Result<usize, ExportError> {
        let table = schema::daily_table_name(data_type);
        let columns = schema::columns(data_type, true);
        let member_name = match data_type {
            DataType::DailyHeartRateVariability => "heartRateVariabilityPersonalRange",
            DataType::DailyRestingHeartRate => "restingHeartRatePersonalRange",
            other => other.json_name(),
        };
        let names: Vec<&str> = ["civil_start", "civil_end", "raw_json"]
            .into_iter()
            .chain(columns.iter().map(|c| c.name.as_str()))
            .collect();
        let sql = upsert_sql(&table, &names, "civil_start");
        let tx = self.conn.transaction().map_err(|err| db_error(&self.path, err))?;
        let mut written = 0;
        {
            let mut insert = tx.prepare_cached(&sql).map_err(|err| db_error(&self.path, err))?;
            for day in days {
                let member = &day[member_name];
                let mut row = vec![
                    schema::column_value(day, &civil("civilStartTime")),
                    schema::column_value(day, &civil("civilEndTime")),
                    Sql::Text(day.to_string()),
                ];
                row.extend(columns.iter().map(|column| schema::column_value(member, column)));
                written += insert
                    .execute(rusqlite::params_from_iter(row.iter()))
                    .map_err(|err| db_error(&self.path, err))?;
            }
        }
        save_checkpoint(&tx, data_type, Mode::Daily, days.len(), checkpoint)
            .map_err(|err| db_error(&self.path, err))?;
        tx.commit().map_err(|err| db_error(&self.path, err))?;
        Ok(written)
    }

    /// Starts a run in the log; returns its id.
    pub fn start_run(&self) -> Result<i64, ExportError> {
        self.conn
            .execute("INSERT INTO export_runs (started_at) VALUES (?1)", [now()])
            .map_err(|err| self.error(err))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records how a run ended.
    pub fn finish_run(
        &self,
        run: i64,
        calls: u64,
        points: u64,
        rows: u64,
        status: &str,
    ) -> Result<(), ExportError> {
        self.conn
            .execute(
                "UPDATE export_runs SET finished_at = ?2, calls = ?3, points = ?4, rows_written = ?5, status = ?6
                 WHERE id = ?1",
                params![run, now(), calls as i64, points as i64, rows as i64, status],
            )
            .map(|_| ())
            .map_err(|err| self.error(err))
    }

    /// Rows in `data_type`'s table (0 when it does not exist yet).
    pub fn count(&self, data_type: DataType, mode: Mode) -> Result<i64, ExportError> {
        let table = match mode {
            Mode::Points => schema::table_name(data_type),
            Mode::Daily => schema::daily_table_name(data_type),
        };
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [&table],
                |r| r.get(0),
            )
            .map_err(|err| self.error(err))?;
        if !exists {
            return Ok(0);
        }
        self.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|err| self.error(err))
    }

    /// Records a fact about the export (the Health User ID, the tool version).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), ExportError> {
        self.conn
            .execute("INSERT INTO export_meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2", [key, value])
            .map(|_| ())
            .map_err(|err| self.error(err))
    }

    /// A fact recorded with [`set_meta`](Self::set_meta).
    pub fn meta(&self, key: &str) -> Result<Option<String>, ExportError> {
        self.conn
            .query_row("SELECT value FROM export_meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|err| self.error(err))
    }
}

fn civil(field: &str) -> schema::Column {
    schema::Column { name: String::new(), path: vec![field.to_string()], kind: schema::Kind::CivilDateTime }
}

fn db_error(path: &Path, err: rusqlite::Error) -> ExportError {
    ExportError::Database { path: path.to_path_buf(), message: err.to_string() }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn text_or_null(value: Option<&Value>) -> Sql {
    match value {
        Some(Value::String(text)) => Sql::Text(text.clone()),
        _ => Sql::Null,
    }
}

/// Times in one fixed form (`2026-03-01T06:30:00.000Z`), so that they sort
/// and compare as text.
fn normalized_time(time: Sql) -> Sql {
    match time {
        Sql::Text(text) => match DateTime::parse_from_rfc3339(&text) {
            Ok(at) => Sql::Text(at.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true)),
            Err(_) => Sql::Text(text),
        },
        other => other,
    }
}

/// `INSERT … ON CONFLICT DO UPDATE … WHERE changed`: an unchanged row is not
/// rewritten and not counted.
fn upsert_sql(table: &str, names: &[&str], key: &str) -> String {
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> =
        names.iter().filter(|n| **n != key).map(|n| format!("{n} = excluded.{n}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT({key}) DO UPDATE SET {} WHERE raw_json IS NOT excluded.raw_json",
        names.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

fn save_checkpoint(
    tx: &rusqlite::Transaction<'_>,
    data_type: DataType,
    mode: Mode,
    points: usize,
    checkpoint: &Checkpoint,
) -> rusqlite::Result<()> {
    let (done_until, query) = match checkpoint {
        Checkpoint::Continue(query) => (None, Some(query)),
        Checkpoint::Done { done_until } => (Some(done_until.as_str()), None),
    };
    tx.execute(
        "INSERT INTO export_state (data_type, mode, done_until, query_start, query_end, page_token, points, pages, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)
         ON CONFLICT(data_type, mode) DO UPDATE SET
             done_until = coalesce(?3, done_until),
             query_start = ?4, query_end = ?5, page_token = ?6,
             points = points + ?7, pages = pages + 1, updated_at = ?8",
        params![
            data_type.id(),
            mode.as_str(),
            done_until,
            query.map(|q| q.start.as_str()),
            query.map(|q| q.end.as_str()),
            query.map(|q| q.page_token.as_str()),
            points as i64,
            now(),
        ],
    )?;
    Ok(())
}

/// Whether an existing file may be opened for writing: SQLite, sound, and
/// ours (or holding no tables at all), not from a newer version. Read-only,
/// so a refused file is not changed, not even by a WAL switch.
fn check_existing(path: &Path) -> Result<(), String> {
    use std::io::Read as _;
    let mut header = [0u8; 16];
    let readable = std::fs::File::open(path).and_then(|mut file| file.read_exact(&mut header));
    if readable.is_err() || &header != b"SQLite format 3\0" {
        return Err("it is not an SQLite database; refusing to touch it (choose another --db)".into());
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|err| format!("could not open it: {err}"))?;
    let corrupt = |err: rusqlite::Error| format!("it is damaged ({err}); refusing to touch it");
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(corrupt)?;
    if check != "ok" {
        return Err(format!("it is damaged (SQLite's check says: {check}); refusing to touch it"));
    }
    let application: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(corrupt)?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(corrupt)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
        .map_err(corrupt)?;
    if application != APPLICATION_ID && tables > 0 {
        return Err(
            "it is another application's SQLite database; refusing to touch it (choose another --db)".into(),
        );
    }
    if version > SCHEMA_VERSION {
        return Err(format!(
            "it was written by a newer fitbit (schema version {version}; this one knows up to {SCHEMA_VERSION}); \
             upgrade fitbit to export into it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heart_point(id: &str, at: &str, bpm: i64) -> Value {
        serde_json::json!({
            "name": format!("users/me/dataTypes/heart-rate/dataPoints/{id}"),
            "heartRate": { "sampleTime": { "physicalTime": at, "utcOffset": "3600s" }, "beatsPerMinute": bpm.to_string() },
            "dataSource": { "platform": "FITBIT", "device": { "displayName": "Charge 6" } }
        })
    }

    #[test]
    fn a_page_and_its_checkpoint_are_written_together_and_repeats_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(&dir.path().join("export.sqlite")).unwrap();
        assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
        db.ensure_tables(DataType::HeartRate, Mode::Points).unwrap();
        let page = vec![
            heart_point("a1", "2026-03-01T06:30:00Z", 61),
            heart_point("a2", "2026-03-01T06:30:05.5Z", 62),
        ];
        let next = Query {
            start: "2026-03-01T00:00:00Z".into(),
            end: "2026-03-02T00:00:00Z".into(),
            page_token: "t2".into(),
        };
        assert_eq!(
            db.write_points(DataType::HeartRate, &page, &Checkpoint::Continue(next.clone())).unwrap(),
            2
        );
        let state = db.state(DataType::HeartRate, Mode::Points).unwrap();
        assert_eq!(state.query, Some(next));
        assert_eq!((state.points, state.pages), (2, 1));
        // The same page again (a resumed run): no row is rewritten.
        let done = Checkpoint::Done { done_until: "2026-03-02T00:00:00Z".into() };
        assert_eq!(db.write_points(DataType::HeartRate, &page, &done).unwrap(), 0);
        let state = db.state(DataType::HeartRate, Mode::Points).unwrap();
        assert_eq!(state.query, None);
        assert_eq!(state.done_until.as_deref(), Some("2026-03-02T00:00:00Z"));
        assert_eq!(db.count(DataType::HeartRate, Mode::Points).unwrap(), 2);
        let (time, bpm, offset): (String, i64, i64) = db
            .conn
            .query_row(
                "SELECT time_utc, beats_per_minute, utc_offset_seconds FROM heart_rate WHERE name LIKE '%a2'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((time.as_str(), bpm, offset), ("2026-03-01T06:30:05.500Z", 62, 3600));
    }

    #[test]
    fn foreign_damaged_and_newer_files_are_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let not_sqlite = dir.path().join("notes.sqlite");
        std::fs::write(&not_sqlite, b"my notes, not a database").unwrap();
        let err = Database::open(&not_sqlite).unwrap_err();
        assert!(err.to_string().contains("not an SQLite database"), "{err}");
        assert_eq!(std::fs::read(&not_sqlite).unwrap(), b"my notes, not a database");

        let foreign = dir.path().join("other.sqlite");
        Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE mine (x INTEGER);").unwrap();
        let before = std::fs::read(&foreign).unwrap();
        let err = Database::open(&foreign).unwrap_err();
        assert!(err.to_string().contains("another application's"), "{err}");
        assert_eq!(std::fs::read(&foreign).unwrap(), before);
        assert!(!dir.path().join("other.sqlite-wal").exists(), "not switched to WAL");

        let newer = dir.path().join("newer.sqlite");
        Database::open(&newer).unwrap();
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let err = Database::open(&newer).unwrap_err();
        assert!(err.to_string().contains("newer fitbit"), "{err}");

        let damaged = dir.path().join("damaged.sqlite");
        Database::open(&damaged).unwrap().ensure_tables(DataType::Steps, Mode::Points).unwrap();
        let mut bytes = std::fs::read(&damaged).unwrap();
        let end = bytes.len();
        bytes[100..end.min(4096)].fill(0xA5);
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(Database::open(&damaged).is_err());
        assert_eq!(std::fs::read(&damaged).unwrap(), bytes);
    }

    #[test]
    fn an_older_file_is_migrated_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        {
            // A file as the first schema version left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(&schema::create_table(DataType::Steps)).unwrap();
            conn.execute(
                "INSERT INTO steps (name, raw_json) VALUES ('users/me/dataTypes/steps/dataPoints/x', '{}')",
                [],
            )
            .unwrap();
        }
        let db = Database::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), 2);
        assert_eq!(db.count(DataType::Steps, Mode::Points).unwrap(), 1);
        let run = db.start_run().unwrap();
        db.finish_run(run, 3, 10, 10, "complete").unwrap();
    }
}

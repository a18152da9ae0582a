//! The services' store, in one of two databases behind one interface ([`db`]):
//! SQLite (bundled, WAL, `synchronous=FULL`; the embedded default, one file in the
//! data dir) or PostgreSQL (`services.store = "postgres://…"`, shared by any number
//! of kaftop instances in the same consumer groups). The same schema and migrations
//! ([`schema`]) and the same SQL run on both.
//!
//! Each consumer thread has its own connection. A poll batch is applied in one
//! transaction, which makes one fsync per batch instead of one per record. Every
//! effect is idempotent by its natural key, so a replay (a reset to earliest, a
//! redrive, a rebalance) writes nothing twice; the dedupe table only saves the work.
//! The tables:
//!
//! - `message_index`: messageId → sender, receiver, content, createdAt (read receipts)
//! - `daily_stats` with `daily_created`, `daily_reads`, `daily_senders`: analytics by
//!   event date; a count grows only with a new (day, messageId) or (day, sender) row
//! - `archive`: archived deletions with `retention_until`, purged periodically
//! - `notification_outbox`: one push per messageId (+ VIP flag, time, delivery state)
//! - `read_receipts`, `pending_receipts`: delivered receipts; reads waiting for their message
//! - `dedupe`: (service, kind, key) → first seen, purged after the retention
//! - `dead_letters`: (service, source topic) → records dead-lettered
//! - `service_counters`: all-time consumed/processed/dead-lettered/dedupe hits/retries
//! - `meta`: last purge time
//!
//! The module's files: [`db`] (the two connections), [`schema`] (the migrations),
//! `target` (where the store is), `batch` (the batch transaction), `effects` (each
//! service's rows), `maintenance` (parked reads, retention) and `report` (totals).

mod batch;
pub(crate) mod db;
mod effects;
mod maintenance;
#[cfg(test)]
mod on_both;
mod push;
mod report;
pub mod schema;
pub(crate) mod target;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode};

use db::{Db, DbError, Tx};

pub use batch::{BatchOutcome, Item};
pub use kaftop_core::config::Retention;
pub use push::OutboxPush;
pub use report::{Report, StoredCounters};
pub use schema::SCHEMA_VERSION;
pub use target::{check_settings, PostgresTarget, StoreTarget, TargetError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The reason is in the message, not a source: rusqlite's source is SQLite's
    /// code for the same reason, which would repeat it in other words.
    #[error("{path}: {}", sqlite_reason(.error, .path))]
    Sqlite {
        path: String,
        error: rusqlite::Error,
    },
    /// `store` is the URL, which never holds the password.
    #[error("{store}: {}", db::postgres_reason(.error))]
    Postgres {
        store: String,
        error: postgres::Error,
    },
    #[error("{0}: {1}")]
    Decode(String, String),
    #[error("{0}: cannot create the directory: {1}")]
    Dir(String, std::io::Error),
    #[error("{0}: no services store here (run `kaftop consumers` first, or pass --data-dir)")]
    Missing(String),
    #[error(
        "{path}: schema version {found} is newer than this kaftop knows ({known}); upgrade kaftop"
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
}

/// SQLite's message without the path it appends to open errors (the path leads
/// the line already).
fn sqlite_reason(e: &rusqlite::Error, path: &str) -> String {
    let text = e.to_string();
    match text.strip_suffix(path).and_then(|t| t.strip_suffix(": ")) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => text,
    }
}

impl StoreError {
    /// Database busy or locked (SQLite), or a PostgreSQL transaction that lost a
    /// deadlock or a serialization race: worth retrying.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite {
                error: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked),
            StoreError::Postgres { error, .. } => {
                matches!(sqlstate(error), Some("40001" | "40P01" | "55P03"))
            }
            _ => false,
        }
    }

    /// The disk under the store is full (SQLITE_FULL, or ENOSPC creating it).
    pub fn is_full(&self) -> bool {
        match self {
            StoreError::Sqlite {
                error: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => e.code == ErrorCode::DiskFull,
            StoreError::Dir(_, e) => e.raw_os_error() == Some(ENOSPC),
            // disk_full
            StoreError::Postgres { error, .. } => sqlstate(error) == Some("53100"),
            _ => false,
        }
    }

    /// The store cannot be written: read-only, an I/O error, or a file that cannot be
    /// opened or created. Like a full disk, the fault is outside kaftop and clears
    /// when the operator fixes it; the consumers stall and retry.
    pub fn is_unwritable(&self) -> bool {
        match self {
            StoreError::Sqlite {
                error: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => matches!(
                e.code,
                ErrorCode::ReadOnly
                    | ErrorCode::SystemIoFailure
                    | ErrorCode::CannotOpen
                    | ErrorCode::PermissionDenied
            ),
            StoreError::Dir(..) => true,
            // Insufficient resources (53xxx: disk full, out of memory, too many
            // connections), a read-only server (25006), or the server gone: the
            // next transaction reconnects.
            StoreError::Postgres { error, .. } => {
                error.is_closed()
                    || sqlstate(error).is_some_and(|c| c.starts_with("53") || c == "25006")
            }
            _ => false,
        }
    }
}

fn sqlstate(e: &postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

/// "No space left on device" (Linux, macOS and the BSDs agree on 28).
const ENOSPC: i32 = 28;

/// A connection to the store.
pub struct Store {
    /// In a cell so that reads take `&self` (a PostgreSQL query needs the client
    /// mutably); a store is used by one thread at a time.
    db: RefCell<Db>,
    /// The file's path or the URL (never with a password).
    name: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("store", &self.name).finish()
    }
}

/// The store's time unit: milliseconds since the epoch.
fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl Store {
    /// Opens (creating if needed) and migrates the store a target names.
    pub fn connect(target: &StoreTarget) -> Result<Store, StoreError> {
        match target {
            StoreTarget::Sqlite(path) => Store::open(path),
            StoreTarget::Postgres(pg) => {
                let name = pg.url().to_string();
                let client = pg.connect().map_err(|error| StoreError::Postgres {
                    store: name.clone(),
                    error,
                })?;
                let mut s = Store {
                    db: RefCell::new(Db::Postgres {
                        client: Box::new(client),
                        prepared: HashMap::new(),
                        target: pg.clone(),
                    }),
                    name,
                };
                s.migrate()?;
                Ok(s)
            }
        }
    }

    /// Opens an existing store; for SQLite an error naming the path when there is
    /// none (a PostgreSQL database is always there to connect to).
    pub fn connect_existing(target: &StoreTarget) -> Result<Store, StoreError> {
        match target {
            StoreTarget::Sqlite(path) => Store::open_existing(path),
            StoreTarget::Postgres(_) => Store::connect(target),
        }
    }

    /// Opens (creating if needed) and migrates the SQLite store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        }
        let shown = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: shown.clone(),
            error: source,
        })?;
        Store::setup(conn, shown)
    }

    /// Opens an existing SQLite store; an error naming the path when there is none.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        Store::open(path)
    }

    /// A private in-memory store (tests).
    #[cfg(test)]
    pub(crate) fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: ":memory:".into(),
            error: source,
        })?;
        Store::setup(conn, ":memory:".into())
    }

    fn setup(conn: Connection, path: String) -> Result<Store, StoreError> {
        let prepare = |c: &Connection| -> rusqlite::Result<()> {
            c.busy_timeout(Duration::from_secs(5))?;
            let _mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            // FULL: a committed batch survives power loss before its offsets are
            // committed to Kafka. Batching keeps this to one fsync per batch.
            c.pragma_update(None, "synchronous", "FULL")?;
            Ok(())
        };
        prepare(&conn).map_err(|error| StoreError::Sqlite {
            path: path.clone(),
            error,
        })?;
        let mut s = Store {
            db: RefCell::new(Db::Sqlite(conn)),
            name: path,
        };
        s.migrate()?;
        Ok(s)
    }

    /// The file's path or the PostgreSQL URL (without a password).
    pub fn path(&self) -> &str {
        &self.name
    }

    pub fn is_postgres(&self) -> bool {
        matches!(*self.db.borrow(), Db::Postgres { .. })
    }

    /// SQLite's `OFF`, `NORMAL` or `FULL` (benchmarks compare them); PostgreSQL's
    /// `synchronous_commit` `off` or `on` for the session.
    pub fn set_synchronous(&self, mode: &str) -> Result<(), StoreError> {
        let on = !mode.eq_ignore_ascii_case("off");
        self.tx(|tx| {
            if tx.is_postgres() {
                let v = if on { "on" } else { "off" };
                tx.batch(&format!("SET synchronous_commit = {v}"))
            } else {
                let v = match mode.to_ascii_uppercase().as_str() {
                    "OFF" => "OFF",
                    "NORMAL" => "NORMAL",
                    _ => "FULL",
                };
                tx.batch(&format!("PRAGMA synchronous = {v}"))
            }
        })
    }

    fn error(&self, e: DbError) -> StoreError {
        match e {
            DbError::Sqlite(error) => StoreError::Sqlite {
                path: self.name.clone(),
                error,
            },
            DbError::Postgres(error) => StoreError::Postgres {
                store: self.name.clone(),
                error,
            },
            DbError::Decode(why) => StoreError::Decode(self.name.clone(), why),
        }
    }

    /// Runs `f` in one transaction (SQLite: IMMEDIATE, the write lock taken up
    /// front, so a busy store fails at the start, retryably) and commits it.
    fn tx<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, DbError>) -> Result<T, StoreError> {
        let out = self.db.borrow_mut().transaction(f);
        out.map_err(|e| self.error(e))
    }

    /// Runs `f` with the raw SQLite connection (tests that look at a table directly,
    /// or break one).
    #[cfg(test)]
    pub(crate) fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        match &*self.db.borrow() {
            Db::Sqlite(c) => f(c).map_err(|error| StoreError::Sqlite {
                path: self.name.clone(),
                error,
            }),
            Db::Postgres { .. } => Err(StoreError::Decode(self.name.clone(), "not SQLite".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::now;
    use crate::ServiceName;
    use std::collections::HashSet;

    #[test]
    fn busy_is_retryable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let a = Store::open(&path).unwrap();
        let mut b = Store::open(&path).unwrap();
        b.with_connection(|c| c.busy_timeout(Duration::from_millis(10)))
            .unwrap();
        a.with_connection(|c| c.execute_batch("BEGIN IMMEDIATE"))
            .unwrap();
        let e = b
            .apply_batch(ServiceName::Analytics, &[], &HashSet::new(), 0, now())
            .unwrap_err();
        assert!(e.is_busy(), "{e}");
        a.with_connection(|c| c.execute_batch("COMMIT")).unwrap();
        assert!(b
            .apply_batch(ServiceName::Analytics, &[], &HashSet::new(), 0, now())
            .is_ok());
    }
}

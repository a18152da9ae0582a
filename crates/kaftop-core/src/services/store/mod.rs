//! The services' store: one SQLite database (bundled, WAL, `synchronous=FULL`) with
//! schema migrations tracked in `PRAGMA user_version`.
//!
//! Each consumer thread has its own connection. A poll batch is applied in one
//! `BEGIN IMMEDIATE` transaction (writers are serialized, so a read and the created
//! event it waits for can never miss each other), which makes one fsync per batch
//! instead of one per record. The tables:
//!
//! - `message_index`: messageId → sender, receiver, content, createdAt (read receipts)
//! - `daily_stats`, `daily_senders`: analytics by event date
//! - `archive`: archived deletions with `retention_until`, purged periodically
//! - `notification_outbox`: the seed's push notifications (+ VIP flag, time)
//! - `read_receipts`, `pending_receipts`: delivered receipts; reads waiting for their message
//! - `dedupe`: (service, kind, key) → first seen, purged after the retention
//! - `dead_letters`: (service, source topic) → records dead-lettered
//! - `service_counters`: all-time consumed/processed/dead-lettered/dedupe hits/retries
//! - `meta`: last purge time
//!
//! The module's files: [`schema`] (the migrations), `batch` (the batch transaction
//! and its effects), `maintenance` (parked reads that expire or resolve late, purge)
//! and `report` (totals and queries).

mod batch;
mod maintenance;
mod push;
mod report;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

pub use batch::{BatchOutcome, Item};
pub use push::OutboxPush;
pub use report::{Report, StoredCounters};
pub use schema::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The reason is in the message, not a source: rusqlite's source is SQLite's
    /// code for the same reason, which would repeat it in other words.
    #[error("{path}: {}", sqlite_reason(.error, .path))]
    Sqlite {
        path: String,
        error: rusqlite::Error,
    },
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
    /// Database busy or locked: worth retrying.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite {
                error: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked),
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
            _ => false,
        }
    }
}

/// "No space left on device" (Linux, macOS and the BSDs agree on 28).
const ENOSPC: i32 = 28;

/// A connection to the store.
pub struct Store {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The store's time unit: milliseconds since the epoch.
fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `path`.
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

    /// Opens an existing store; an error naming the path when there is none.
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
        let mut s = Store { conn, path };
        s.wrap(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            let _mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            // FULL: a committed batch survives power loss before its offsets are
            // committed to Kafka. Batching keeps this to one fsync per batch.
            c.pragma_update(None, "synchronous", "FULL")?;
            Ok(())
        })?;
        s.migrate()?;
        Ok(s)
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// `OFF`, `NORMAL` or `FULL` (benchmarks compare them).
    pub fn set_synchronous(&self, mode: &str) -> Result<(), StoreError> {
        self.wrap(|c| c.pragma_update(None, "synchronous", mode))
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            error: source,
        }
    }

    fn wrap<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        f(&self.conn).map_err(|source| self.error(source))
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock taken up front, so a
    /// busy store fails at the start, retryably) and commits it.
    fn with_tx<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let run = |conn: &mut Connection| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run(&mut self.conn).map_err(|source| self.error(source))
    }

    /// Runs `f` with the raw connection (tests that look at a table directly, or
    /// break one).
    #[cfg(test)]
    pub(crate) fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.wrap(f)
    }
}

/// Where the store lives for a data dir.
pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join(super::STORE_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::fixtures::now;
    use crate::services::ServiceName;
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

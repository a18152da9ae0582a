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

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{
    params, Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior,
};
use serde::Serialize;

use super::analytics::{self, DailyStats};
use super::archive::{self, ArchivedMessage};
use super::notification::{self, PushNotification};
use super::read_receipt::{self, PendingReceipt, ReadReceipt};
use super::{priority_order, service_id, RawRecord};
use crate::events::{EventKind, MessageEvent};
use crate::services::ServiceName;

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
}

/// Each entry upgrades the schema by one version (`user_version` = entries applied).
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE message_index (
        message_id INTEGER PRIMARY KEY,
        sender_id INTEGER NOT NULL,
        receiver_id INTEGER NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        indexed_at_ms INTEGER NOT NULL
    );
    CREATE TABLE daily_stats (
        date TEXT PRIMARY KEY,
        messages_created INTEGER NOT NULL DEFAULT 0,
        distinct_senders INTEGER NOT NULL DEFAULT 0,
        messages_read INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE daily_senders (
        date TEXT NOT NULL,
        sender_id INTEGER NOT NULL,
        PRIMARY KEY (date, sender_id)
    ) WITHOUT ROWID;
    CREATE TABLE archive (
        original_message_id INTEGER PRIMARY KEY,
        sender_id INTEGER NOT NULL,
        receiver_id INTEGER NOT NULL,
        deleted_at TEXT NOT NULL,
        retention_until TEXT NOT NULL,
        retention_until_ms INTEGER NOT NULL,
        vip INTEGER NOT NULL DEFAULT 0,
        archived_at_ms INTEGER NOT NULL
    );
    CREATE INDEX archive_by_retention ON archive (retention_until_ms);
    CREATE TABLE notification_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        vip INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL,
        sent_at_ms INTEGER
    );
    CREATE TABLE read_receipts (
        message_id INTEGER PRIMARY KEY,
        sender_id INTEGER NOT NULL,
        receiver_id INTEGER NOT NULL,
        read_at TEXT NOT NULL,
        vip INTEGER NOT NULL DEFAULT 0,
        delivered_at_ms INTEGER NOT NULL
    );
    CREATE TABLE pending_receipts (
        source_topic TEXT NOT NULL,
        source_partition INTEGER NOT NULL,
        source_offset INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        receiver_id INTEGER NOT NULL,
        read_at TEXT NOT NULL,
        vip INTEGER NOT NULL DEFAULT 0,
        record_key BLOB,
        record_value BLOB,
        record_headers TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (source_topic, source_partition, source_offset)
    );
    CREATE INDEX pending_by_message ON pending_receipts (message_id);
    CREATE TABLE dedupe (
        service TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        seen_at_ms INTEGER NOT NULL,
        PRIMARY KEY (service, kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX dedupe_by_age ON dedupe (seen_at_ms);
    CREATE TABLE dead_letters (
        service TEXT NOT NULL,
        source_topic TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (service, source_topic)
    ) WITHOUT ROWID;
    CREATE TABLE service_counters (
        service TEXT PRIMARY KEY,
        consumed INTEGER NOT NULL DEFAULT 0,
        processed INTEGER NOT NULL DEFAULT 0,
        dead_lettered INTEGER NOT NULL DEFAULT 0,
        dedupe_hits INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
];

/// The schema version this kaftop writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// One record of a batch, as the runtime hands it to [`Store::apply_batch`].
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// A decoded event; `vip` as far as the event tells ([`super::is_vip`]).
    Event {
        event: &'a MessageEvent,
        vip: bool,
        raw: &'a RawRecord,
    },
    /// A record produced to the DLQ (acknowledged) before this call, or skipped because
    /// an earlier delivery of it was ([`Store::already_dead_lettered`]).
    Poison { raw: &'a RawRecord, error: &'a str },
}

/// What a batch did (added to the counters; the lists feed notifiers and the TUI).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchOutcome {
    pub consumed: u64,
    /// Events whose effects were written, including parked reads resolved now.
    pub processed: u64,
    pub dead_lettered: u64,
    pub dedupe_hits: u64,
    /// Reads parked to wait for their message.
    pub parked: u64,
    /// Parked reads resolved by this batch (also counted in `processed`).
    pub resolved: u64,
    pub notifications: Vec<PushNotification>,
    pub receipts: Vec<ReadReceipt>,
    pub archived: Vec<ArchivedMessage>,
}

/// All-time counters of one service, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoredCounters {
    pub consumed: u64,
    pub processed: u64,
    pub dead_lettered: u64,
    pub dedupe_hits: u64,
    pub retries: u64,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub archived: u64,
    pub dedupe: u64,
}

/// `kaftop services report`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub store: String,
    /// Notifications in the outbox.
    pub notifications: u64,
    pub vip_notifications: u64,
    /// Read receipts delivered.
    pub receipts: u64,
    /// Reads waiting for their message.
    pub pending_receipts: u64,
    pub indexed_messages: u64,
    /// Archived messages not yet purged.
    pub archived: u64,
    /// Source topic → records dead-lettered (summed over services: a poison record on
    /// the created topic is dead-lettered once by each service that consumes it).
    pub dead_lettered: BTreeMap<String, u64>,
    /// Service → source topic → records dead-lettered.
    pub dead_lettered_by_service: BTreeMap<String, BTreeMap<String, u64>>,
    /// Oldest first.
    pub daily: Vec<DailyStats>,
    /// Service → all-time counters.
    pub services: BTreeMap<String, StoredCounters>,
    pub last_purge: Option<DateTime<Utc>>,
}

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

    /// A private in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<Store, StoreError> {
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

    fn wrap<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        f(&self.conn).map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            error: source,
        })
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
        run(&mut self.conn).map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            error: source,
        })
    }

    /// The schema version in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.wrap(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            error: source,
        };
        // IMMEDIATE: two processes opening a new store do not both migrate it.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let found: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Whether this service already dead-lettered this record (an earlier delivery).
    pub fn already_dead_lettered(
        &self,
        service: ServiceName,
        raw: &RawRecord,
    ) -> Result<bool, StoreError> {
        self.wrap(|c| {
            c.prepare_cached(
                "SELECT 1 FROM dedupe WHERE service = ?1 AND kind = 'dlq' AND key = ?2",
            )?
            .query_row(params![service_id(service), poison_key(raw)], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
        })
    }

    /// Applies one batch in one transaction: dedupe, effects, DLQ counts and counters.
    /// Events are applied in [`priority_order`]. `retries` is added to the service's
    /// stored retry counter. On error nothing is written.
    pub fn apply_batch(
        &mut self,
        service: ServiceName,
        items: &[Item<'_>],
        vips: &HashSet<i64>,
        retries: u64,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        self.with_tx(|tx| apply_in(tx, service, items, vips, retries, now))
    }

    /// Parked reads first seen before `cutoff`, oldest first (at most 1000).
    pub fn expired_receipts(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<PendingReceipt>, StoreError> {
        self.wrap(|c| read_receipt::expired(c, ms(cutoff)))
    }

    /// Records that an expired parked read was dead-lettered (after the DLQ ack).
    /// Returns false if it had been resolved or removed meanwhile.
    pub fn finish_expired(&mut self, p: &PendingReceipt) -> Result<bool, StoreError> {
        self.with_tx(|tx| {
            let removed = read_receipt::remove_expired(tx, p)?;
            if removed {
                let svc = service_id(ServiceName::ReadReceipt);
                add_dead_letter(tx, svc, &p.source.topic)?;
                let counters = StoredCounters {
                    dead_lettered: 1,
                    ..StoredCounters::default()
                };
                add_counters(tx, svc, &counters)?;
            }
            Ok(removed)
        })
    }

    /// Resolves parked reads whose message is indexed by now (a safety net: normally
    /// the created event's batch resolves them at once).
    pub fn resolve_indexed(
        &mut self,
        vips: &HashSet<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ReadReceipt>, StoreError> {
        let todo = self.wrap(read_receipt::resolvable)?;
        if todo.is_empty() {
            return Ok(Vec::new());
        }
        self.with_tx(|tx| {
            let mut out = Vec::new();
            for (message_id, sender) in todo {
                out.extend(read_receipt::resolve_pending_for(
                    tx,
                    message_id,
                    sender,
                    vips,
                    ms(now),
                )?);
            }
            let counters = StoredCounters {
                processed: out.len() as u64,
                ..StoredCounters::default()
            };
            add_counters(tx, service_id(ServiceName::ReadReceipt), &counters)?;
            Ok(out)
        })
    }

    /// Deletes archive rows past their retention and dedupe records older than
    /// `dedupe_retention`; records the time.
    pub fn purge(
        &mut self,
        now: DateTime<Utc>,
        dedupe_retention: Duration,
    ) -> Result<PurgeReport, StoreError> {
        self.with_tx(|tx| {
            let archived = archive::purge(tx, ms(now))? as u64;
            let cutoff = ms(now) - dedupe_retention.as_millis().min(i64::MAX as u128) as i64;
            let dedupe =
                tx.execute("DELETE FROM dedupe WHERE seen_at_ms < ?1", params![cutoff])? as u64;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('last_purge', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![now.to_rfc3339()],
            )?;
            Ok(PurgeReport { archived, dedupe })
        })
    }

    pub fn last_purge(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<String> = self.wrap(|c| {
            c.query_row("SELECT value FROM meta WHERE key = 'last_purge'", [], |r| {
                r.get(0)
            })
            .optional()
        })?;
        Ok(v.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    pub fn day(&self, date: &str) -> Result<DailyStats, StoreError> {
        self.wrap(|c| analytics::day(c, date))
    }

    pub fn daily(&self) -> Result<Vec<DailyStats>, StoreError> {
        self.wrap(analytics::all_days)
    }

    pub fn archived_count(&self) -> Result<u64, StoreError> {
        self.wrap(archive::count)
    }

    pub fn archived(&self, message_id: i64) -> Result<Option<ArchivedMessage>, StoreError> {
        self.wrap(|c| archive::get(c, message_id))
    }

    pub fn pending_receipts(&self) -> Result<u64, StoreError> {
        self.wrap(read_receipt::pending_count)
    }

    pub fn receipt(&self, message_id: i64) -> Result<Option<ReadReceipt>, StoreError> {
        self.wrap(|c| read_receipt::receipt_for(c, message_id))
    }

    pub fn recent_receipts(&self, limit: usize) -> Result<Vec<ReadReceipt>, StoreError> {
        self.wrap(|c| read_receipt::recent(c, limit))
    }

    /// The outbox, oldest first (tests and tools; a relay would page through it).
    pub fn outbox(&self) -> Result<Vec<PushNotification>, StoreError> {
        self.wrap(|c| {
            let mut st = c.prepare_cached(
                "SELECT user_id, title, body, type, message_id, vip, created_at_ms
                 FROM notification_outbox ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(PushNotification {
                    user_id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                    kind: r.get(3)?,
                    data: notification::NotificationData {
                        message_id: r.get(4)?,
                    },
                    vip: r.get(5)?,
                    created_at: DateTime::from_timestamp_millis(r.get(6)?).unwrap_or_default(),
                })
            })?;
            rows.collect()
        })
    }

    /// The indexed sender of a message.
    pub fn indexed_sender(&self, message_id: i64) -> Result<Option<i64>, StoreError> {
        self.wrap(|c| read_receipt::sender_of(c, message_id))
    }

    pub fn counters(&self) -> Result<BTreeMap<String, StoredCounters>, StoreError> {
        self.wrap(|c| {
            let mut st = c.prepare_cached(
                "SELECT service, consumed, processed, dead_lettered, dedupe_hits, retries
                 FROM service_counters ORDER BY service",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    StoredCounters {
                        consumed: r.get::<_, i64>(1)? as u64,
                        processed: r.get::<_, i64>(2)? as u64,
                        dead_lettered: r.get::<_, i64>(3)? as u64,
                        dedupe_hits: r.get::<_, i64>(4)? as u64,
                        retries: r.get::<_, i64>(5)? as u64,
                    },
                ))
            })?;
            rows.collect()
        })
    }

    fn count(&self, sql: &str) -> Result<u64, StoreError> {
        self.wrap(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
    }

    pub fn report(&self) -> Result<Report, StoreError> {
        let mut dead_lettered = BTreeMap::new();
        let mut by_service: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let rows: Vec<(String, String, i64)> = self.wrap(|c| {
            let mut st = c.prepare_cached(
                "SELECT service, source_topic, count FROM dead_letters ORDER BY 1, 2",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })?;
        for (svc, topic, n) in rows {
            *dead_lettered.entry(topic.clone()).or_insert(0) += n as u64;
            by_service.entry(svc).or_default().insert(topic, n as u64);
        }
        Ok(Report {
            store: self.path.clone(),
            notifications: self.count("SELECT COUNT(*) FROM notification_outbox")?,
            vip_notifications: self.count("SELECT COUNT(*) FROM notification_outbox WHERE vip")?,
            receipts: self.count("SELECT COUNT(*) FROM read_receipts")?,
            pending_receipts: self.pending_receipts()?,
            indexed_messages: self.count("SELECT COUNT(*) FROM message_index")?,
            archived: self.archived_count()?,
            dead_lettered,
            dead_lettered_by_service: by_service,
            daily: self.daily()?,
            services: self.counters()?,
            last_purge: self.last_purge()?,
        })
    }

    /// Runs `f` with the raw connection (tests that need to look at a table directly).
    pub fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.wrap(f)
    }
}

fn poison_key(raw: &RawRecord) -> String {
    format!("{}/{}/{}", raw.topic, raw.partition, raw.offset)
}

/// Records `key` as seen; false when it was seen before (a duplicate).
fn first_seen(
    tx: &Transaction<'_>,
    service: &str,
    kind: &str,
    key: &str,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO dedupe (service, kind, key, seen_at_ms) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![service, kind, key, now_ms])?;
    Ok(n == 1)
}

fn add_dead_letter(tx: &Transaction<'_>, service: &str, topic: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (service, source_topic, count) VALUES (?1, ?2, 1)
         ON CONFLICT (service, source_topic) DO UPDATE SET count = count + 1",
    )?
    .execute(params![service, topic])?;
    Ok(())
}

fn add_counters(tx: &Transaction<'_>, service: &str, c: &StoredCounters) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO service_counters
             (service, consumed, processed, dead_lettered, dedupe_hits, retries)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (service) DO UPDATE SET
             consumed = consumed + excluded.consumed,
             processed = processed + excluded.processed,
             dead_lettered = dead_lettered + excluded.dead_lettered,
             dedupe_hits = dedupe_hits + excluded.dedupe_hits,
             retries = retries + excluded.retries",
    )?
    .execute(params![
        service,
        c.consumed as i64,
        c.processed as i64,
        c.dead_lettered as i64,
        c.dedupe_hits as i64,
        c.retries as i64
    ])?;
    Ok(())
}

fn apply_in(
    tx: &Transaction<'_>,
    service: ServiceName,
    items: &[Item<'_>],
    vips: &HashSet<i64>,
    retries: u64,
    now: DateTime<Utc>,
) -> rusqlite::Result<BatchOutcome> {
    let svc = service_id(service);
    let now_ms = ms(now);
    let mut out = BatchOutcome {
        consumed: items.len() as u64,
        ..BatchOutcome::default()
    };

    // Poison records first: they are already in the DLQ.
    for item in items {
        if let Item::Poison { raw, .. } = item {
            if first_seen(tx, svc, "dlq", &poison_key(raw), now_ms)? {
                add_dead_letter(tx, svc, &raw.topic)?;
                out.dead_lettered += 1;
            } else {
                out.dedupe_hits += 1;
            }
        }
    }

    let events: Vec<(&MessageEvent, bool, &RawRecord)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Event { event, vip, raw } => Some((*event, *vip, *raw)),
            Item::Poison { .. } => None,
        })
        .collect();
    let keys: Vec<(EventKind, bool)> = events.iter().map(|(e, v, _)| (e.kind(), *v)).collect();
    for i in priority_order(service, &keys) {
        let (event, vip, raw) = events[i];
        let key = event.message_id().to_string();
        if !first_seen(tx, svc, event.kind().as_str(), &key, now_ms)? {
            out.dedupe_hits += 1;
            continue;
        }
        apply_event(tx, service, event, vip, raw, vips, now, &mut out)?;
    }

    add_counters(
        tx,
        svc,
        &StoredCounters {
            consumed: out.consumed,
            processed: out.processed,
            dead_lettered: out.dead_lettered,
            dedupe_hits: out.dedupe_hits,
            retries: retries + out.parked,
        },
    )?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn apply_event(
    tx: &Transaction<'_>,
    service: ServiceName,
    event: &MessageEvent,
    vip: bool,
    raw: &RawRecord,
    vips: &HashSet<i64>,
    now: DateTime<Utc>,
    out: &mut BatchOutcome,
) -> rusqlite::Result<()> {
    let now_ms = ms(now);
    match (service, event) {
        (ServiceName::Notification, MessageEvent::Created(e)) => {
            let n = notification::build(e, vip, now);
            notification::insert_outbox(tx, &n)?;
            out.notifications.push(n);
        }
        (ServiceName::Analytics, MessageEvent::Created(e)) => analytics::apply_created(tx, e)?,
        (ServiceName::Analytics, MessageEvent::Read(e)) => analytics::apply_read(tx, e)?,
        (ServiceName::ReadReceipt, MessageEvent::Created(e)) => {
            read_receipt::index(tx, e, now_ms)?;
            let resolved =
                read_receipt::resolve_pending_for(tx, e.message_id, e.sender_id, vips, now_ms)?;
            out.resolved += resolved.len() as u64;
            out.processed += resolved.len() as u64;
            out.receipts.extend(resolved);
        }
        (ServiceName::ReadReceipt, MessageEvent::Read(e)) => {
            match read_receipt::sender_of(tx, e.message_id)? {
                Some(sender_id) => {
                    let r = ReadReceipt {
                        message_id: e.message_id,
                        sender_id,
                        receiver_id: e.receiver_id,
                        read_at: e.read_at,
                        vip: vip || vips.contains(&sender_id),
                    };
                    if read_receipt::insert_receipt(tx, &r, now_ms)? {
                        out.receipts.push(r);
                    }
                }
                None => {
                    read_receipt::park(tx, e, vip, raw, now_ms)?;
                    out.parked += 1;
                    // Not processed yet: counted when resolved or expired.
                    return Ok(());
                }
            }
        }
        (ServiceName::Archive, MessageEvent::Deleted(e)) => {
            let a = archive::archived(e, vip);
            if archive::insert(tx, &a, now_ms)? {
                out.archived.push(a);
            }
        }
        // A kind the service does not subscribe to cannot arrive; nothing to do.
        _ => {}
    }
    out.processed += 1;
    Ok(())
}

/// Where the store lives for a data dir.
pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join(super::STORE_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageReadEvent};

    fn t(s: &str) -> EventTime {
        EventTime::parse(s).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn raw(topic: &str, offset: i64) -> RawRecord {
        RawRecord {
            topic: topic.into(),
            partition: 0,
            offset,
            key: Some(b"k".to_vec()),
            value: Some(b"v".to_vec()),
            headers: vec![("h".into(), Some(b"1".to_vec()))],
        }
    }

    fn created(id: i64, sender: i64, receiver: i64, at: &str) -> MessageEvent {
        MessageEvent::Created(MessageCreatedEvent {
            message_id: id,
            sender_id: sender,
            receiver_id: receiver,
            content: format!("m{id}"),
            created_at: t(at),
        })
    }

    fn read(id: i64, receiver: i64, at: &str) -> MessageEvent {
        MessageEvent::Read(MessageReadEvent {
            message_id: id,
            receiver_id: receiver,
            read_at: t(at),
        })
    }

    fn deleted(id: i64, at: &str) -> MessageEvent {
        MessageEvent::Deleted(MessageDeletedEvent {
            message_id: id,
            sender_id: 1,
            receiver_id: 2,
            deleted_at: t(at),
        })
    }

    fn apply(
        s: &mut Store,
        svc: ServiceName,
        events: &[MessageEvent],
        vips: &HashSet<i64>,
    ) -> BatchOutcome {
        let raws: Vec<RawRecord> = (0..events.len() as i64).map(|o| raw("t", o)).collect();
        let items: Vec<Item<'_>> = events
            .iter()
            .zip(&raws)
            .map(|(e, r)| Item::Event {
                event: e,
                vip: super::super::is_vip(e, vips),
                raw: r,
            })
            .collect();
        s.apply_batch(svc, &items, vips, 0, now()).unwrap()
    }

    #[test]
    fn migrates_a_file_once_and_refuses_newer_schemas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/services.db");
        assert!(matches!(
            Store::open_existing(&path),
            Err(StoreError::Missing(_))
        ));
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let mode: String = s
            .with_connection(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        // Reopening does not re-run migration 1 (which would fail on existing tables).
        let s = Store::open_existing(&path).unwrap();
        s.with_connection(|c| c.pragma_update(None, "user_version", 99))
            .unwrap();
        drop(s);
        let e = Store::open(&path).unwrap_err().to_string();
        assert!(e.contains("schema version 99 is newer"), "{e}");
    }

    #[test]
    fn analytics_by_event_date_with_exact_distinct_senders_and_dedupe() {
        let mut s = Store::in_memory().unwrap();
        let none = HashSet::new();
        let batch = [
            created(1, 10, 20, "2026-11-24T23:59:59.999"),
            created(2, 10, 21, "2026-11-24T10:00:00"),
            created(3, 11, 20, "2026-11-24T10:00:00"),
            created(4, 10, 20, "2026-11-25T00:00:00"),
            read(1, 20, "2026-11-25T08:00:00"),
            created(2, 10, 21, "2026-11-24T10:00:00"), // exact duplicate
        ];
        let o = apply(&mut s, ServiceName::Analytics, &batch, &none);
        assert_eq!((o.consumed, o.processed, o.dedupe_hits), (6, 5, 1));
        // Redelivery of the whole batch: no effect at all.
        let o = apply(&mut s, ServiceName::Analytics, &batch, &none);
        assert_eq!((o.processed, o.dedupe_hits), (0, 6));
        let d = s.daily().unwrap();
        assert_eq!(
            d,
            vec![
                DailyStats {
                    date: "2026-11-24".into(),
                    messages: 3,
                    distinct_senders: 2,
                    reads: 0
                },
                DailyStats {
                    date: "2026-11-25".into(),
                    messages: 1,
                    distinct_senders: 1,
                    reads: 1
                },
            ]
        );
        assert_eq!(s.day("2026-01-01").unwrap().messages, 0);
        let c = s.counters().unwrap()["analytics"];
        assert_eq!(
            c,
            StoredCounters {
                consumed: 12,
                processed: 5,
                dead_lettered: 0,
                dedupe_hits: 7,
                retries: 0
            }
        );
        // Conservation.
        assert_eq!(c.consumed, c.processed + c.dead_lettered + c.dedupe_hits);
    }

    #[test]
    fn notifications_vip_first_and_flagged() {
        let mut s = Store::in_memory().unwrap();
        let vips: HashSet<i64> = [99].into();
        let batch = [
            created(1, 10, 20, "2026-11-24T10:00:00"),
            created(2, 99, 21, "2026-11-24T10:00:01"),
            created(3, 10, 99, "2026-11-24T10:00:02"),
        ];
        let o = apply(&mut s, ServiceName::Notification, &batch, &vips);
        let ids: Vec<i64> = o.notifications.iter().map(|n| n.data.message_id).collect();
        assert_eq!(ids, vec![2, 3, 1]);
        let outbox = s.outbox().unwrap();
        assert_eq!(outbox, o.notifications);
        assert_eq!(
            outbox
                .iter()
                .map(|n| (n.user_id, n.vip))
                .collect::<Vec<_>>(),
            vec![(21, true), (99, true), (20, false)]
        );
        assert!(outbox
            .iter()
            .all(|n| n.title == "새 메시지 도착" && n.kind == "MESSAGE"));
        assert_eq!(outbox[2].body, "m1");
        let r = s.report().unwrap();
        assert_eq!((r.notifications, r.vip_notifications), (3, 2));
    }

    #[test]
    fn receipts_resolve_now_or_when_the_message_arrives() {
        let mut s = Store::in_memory().unwrap();
        let vips: HashSet<i64> = [50].into();
        // A read and its message in one batch, read first: indexed first, no parking.
        let o = apply(
            &mut s,
            ServiceName::ReadReceipt,
            &[
                read(1, 20, "2026-11-24T11:00:00"),
                created(1, 10, 20, "2026-11-24T10:00:00"),
            ],
            &vips,
        );
        assert_eq!((o.processed, o.parked), (2, 0));
        assert_eq!(o.receipts[0].sender_id, 10);
        // A read of a message not indexed yet: parked, not processed.
        let o = apply(
            &mut s,
            ServiceName::ReadReceipt,
            &[read(2, 21, "2026-11-24T12:00:00")],
            &vips,
        );
        assert_eq!((o.processed, o.parked), (0, 1));
        assert_eq!(s.pending_receipts().unwrap(), 1);
        // Its message arrives (sender 50 is a VIP): the receipt goes to 50, flagged.
        let o = apply(
            &mut s,
            ServiceName::ReadReceipt,
            &[created(2, 50, 21, "2026-11-24T11:59:00")],
            &vips,
        );
        assert_eq!((o.processed, o.resolved), (2, 1));
        assert_eq!(s.pending_receipts().unwrap(), 0);
        let r = s.receipt(2).unwrap().unwrap();
        assert_eq!(
            (r.sender_id, r.receiver_id, r.vip, r.read_at.to_string()),
            (50, 21, true, "2026-11-24T12:00:00".into())
        );
        let c = s.counters().unwrap()["read-receipt"];
        assert_eq!((c.consumed, c.processed, c.retries), (4, 4, 1));
    }

    #[test]
    fn expired_parked_reads_are_handed_back_with_the_original_record() {
        let mut s = Store::in_memory().unwrap();
        let none = HashSet::new();
        apply(
            &mut s,
            ServiceName::ReadReceipt,
            &[read(7, 21, "2026-11-24T12:00:00")],
            &none,
        );
        assert!(s
            .expired_receipts(now() - chrono::TimeDelta::seconds(1))
            .unwrap()
            .is_empty());
        let exp = s
            .expired_receipts(now() + chrono::TimeDelta::seconds(1))
            .unwrap();
        assert_eq!(exp.len(), 1);
        assert_eq!(exp[0].source, raw("t", 0));
        assert_eq!(exp[0].message_id, 7);
        assert!(s.finish_expired(&exp[0]).unwrap());
        assert!(!s.finish_expired(&exp[0]).unwrap());
        let r = s.report().unwrap();
        assert_eq!(r.dead_lettered["t"], 1);
        assert_eq!(r.pending_receipts, 0);
        let c = r.services["read-receipt"];
        assert_eq!((c.consumed, c.processed, c.dead_lettered), (1, 0, 1));
        // A duplicate of the expired read later: a dedupe hit, not parked again.
        let o = apply(
            &mut s,
            ServiceName::ReadReceipt,
            &[read(7, 21, "2026-11-24T12:00:00")],
            &none,
        );
        assert_eq!((o.dedupe_hits, o.parked), (1, 0));
    }

    #[test]
    fn poison_counts_once_per_record() {
        let mut s = Store::in_memory().unwrap();
        let r1 = raw("topic.a", 5);
        assert!(!s.already_dead_lettered(ServiceName::Archive, &r1).unwrap());
        let items = [Item::Poison {
            raw: &r1,
            error: "not JSON",
        }];
        let o = s
            .apply_batch(ServiceName::Archive, &items, &HashSet::new(), 2, now())
            .unwrap();
        assert_eq!((o.dead_lettered, o.dedupe_hits), (1, 0));
        assert!(s.already_dead_lettered(ServiceName::Archive, &r1).unwrap());
        // Another service has its own record of it.
        assert!(!s
            .already_dead_lettered(ServiceName::Analytics, &r1)
            .unwrap());
        let o = s
            .apply_batch(ServiceName::Archive, &items, &HashSet::new(), 0, now())
            .unwrap();
        assert_eq!((o.dead_lettered, o.dedupe_hits), (0, 1));
        let r = s.report().unwrap();
        assert_eq!(r.dead_lettered["topic.a"], 1);
        assert_eq!(r.dead_lettered_by_service["archive"]["topic.a"], 1);
        assert_eq!(r.services["archive"].retries, 2);
    }

    #[test]
    fn archive_retention_and_purge() {
        let mut s = Store::in_memory().unwrap();
        let none = HashSet::new();
        apply(
            &mut s,
            ServiceName::Archive,
            &[
                deleted(1, "2026-11-20T10:00:00"),
                deleted(2, "2026-10-01T00:00:00"), // retention ends 2026-10-31
                deleted(3, "2026-10-26T00:00:00"), // ends 2026-11-25T00:00:00 = now
            ],
            &none,
        );
        assert_eq!(s.archived_count().unwrap(), 3);
        let a = s.archived(1).unwrap().unwrap();
        assert_eq!(a.retention_until.to_string(), "2026-12-20T10:00:00");
        let p = s.purge(now(), Duration::from_secs(7 * 86400)).unwrap();
        assert_eq!(p.archived, 2);
        assert_eq!(s.archived_count().unwrap(), 1);
        assert!(s.archived(2).unwrap().is_none());
        assert_eq!(s.last_purge().unwrap(), Some(now()));
    }

    #[test]
    fn dedupe_records_expire_after_the_retention() {
        let mut s = Store::in_memory().unwrap();
        let none = HashSet::new();
        let e = [created(1, 10, 20, "2026-11-24T10:00:00")];
        apply(&mut s, ServiceName::Notification, &e, &none);
        // Within retention: still a duplicate.
        let p = s
            .purge(
                now() + chrono::TimeDelta::days(6),
                Duration::from_secs(7 * 86400),
            )
            .unwrap();
        assert_eq!(p.dedupe, 0);
        assert_eq!(
            apply(&mut s, ServiceName::Notification, &e, &none).dedupe_hits,
            1
        );
        // After it: the record is gone (bounded table).
        let p = s
            .purge(
                now() + chrono::TimeDelta::days(8),
                Duration::from_secs(7 * 86400),
            )
            .unwrap();
        assert_eq!(p.dedupe, 1);
        let n: i64 = s
            .with_connection(|c| c.query_row("SELECT COUNT(*) FROM dedupe", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }

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

//! The schema: migrations, each upgrading the store by one version. SQLite tracks
//! them in `PRAGMA user_version`, PostgreSQL in the one-row table `kaftop_schema`.
//! Both backends reach the same tables and natural keys at the same version.
//!
//! Version 2 makes every effect idempotent by its natural key, so that the dedupe
//! table is an optimisation and a replay after it was purged changes nothing: one
//! outbox row per messageId, one created and one read per (day, messageId) behind
//! the daily counts, one receipt and one archive row per messageId. It also adds the
//! notifier's delivery columns, the stored-at times that retention purges by, and
//! the claim on an expired parked read (one instance dead-letters it).

use super::db::{DbError, Tx};
use super::{Store, StoreError};

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
    // 2: natural keys for every effect, the notifier's columns, retention times.
    "DELETE FROM notification_outbox WHERE id NOT IN
         (SELECT MIN(id) FROM notification_outbox GROUP BY message_id);
    CREATE UNIQUE INDEX outbox_by_message ON notification_outbox (message_id);
    CREATE INDEX outbox_by_age ON notification_outbox (created_at_ms);
    ALTER TABLE notification_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notification_outbox ADD COLUMN last_error TEXT;
    ALTER TABLE notification_outbox ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notification_outbox ADD COLUMN dead_at_ms INTEGER;
    CREATE INDEX outbox_due ON notification_outbox (next_attempt_ms)
        WHERE sent_at_ms IS NULL AND dead_at_ms IS NULL;
    CREATE TABLE daily_created (
        date TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        stored_at_ms INTEGER NOT NULL,
        PRIMARY KEY (date, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX daily_created_by_age ON daily_created (stored_at_ms);
    CREATE TABLE daily_reads (
        date TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        stored_at_ms INTEGER NOT NULL,
        PRIMARY KEY (date, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX daily_reads_by_age ON daily_reads (stored_at_ms);
    ALTER TABLE daily_senders ADD COLUMN stored_at_ms INTEGER NOT NULL DEFAULT 0;
    UPDATE daily_senders SET stored_at_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
    CREATE INDEX daily_senders_by_age ON daily_senders (stored_at_ms);
    CREATE INDEX message_index_by_age ON message_index (indexed_at_ms);
    CREATE INDEX receipts_by_age ON read_receipts (delivered_at_ms);
    ALTER TABLE pending_receipts ADD COLUMN claimed_until_ms INTEGER;",
];

/// PostgreSQL's migrations: version 1 there is SQLite's version 2 (the same tables,
/// keys and columns), so both count to [`SCHEMA_VERSION`].
const POSTGRES_MIGRATIONS: &[&str] = &[
    "",
    "CREATE TABLE message_index (
        message_id BIGINT PRIMARY KEY,
        sender_id BIGINT NOT NULL,
        receiver_id BIGINT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        indexed_at_ms BIGINT NOT NULL
    );
    CREATE INDEX message_index_by_age ON message_index (indexed_at_ms);
    CREATE TABLE daily_stats (
        date TEXT PRIMARY KEY,
        messages_created BIGINT NOT NULL DEFAULT 0,
        distinct_senders BIGINT NOT NULL DEFAULT 0,
        messages_read BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE daily_senders (
        date TEXT NOT NULL,
        sender_id BIGINT NOT NULL,
        stored_at_ms BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (date, sender_id)
    );
    CREATE INDEX daily_senders_by_age ON daily_senders (stored_at_ms);
    CREATE TABLE daily_created (
        date TEXT NOT NULL,
        message_id BIGINT NOT NULL,
        stored_at_ms BIGINT NOT NULL,
        PRIMARY KEY (date, message_id)
    );
    CREATE INDEX daily_created_by_age ON daily_created (stored_at_ms);
    CREATE TABLE daily_reads (
        date TEXT NOT NULL,
        message_id BIGINT NOT NULL,
        stored_at_ms BIGINT NOT NULL,
        PRIMARY KEY (date, message_id)
    );
    CREATE INDEX daily_reads_by_age ON daily_reads (stored_at_ms);
    CREATE TABLE archive (
        original_message_id BIGINT PRIMARY KEY,
        sender_id BIGINT NOT NULL,
        receiver_id BIGINT NOT NULL,
        deleted_at TEXT NOT NULL,
        retention_until TEXT NOT NULL,
        retention_until_ms BIGINT NOT NULL,
        vip BOOLEAN NOT NULL DEFAULT FALSE,
        archived_at_ms BIGINT NOT NULL
    );
    CREATE INDEX archive_by_retention ON archive (retention_until_ms);
    CREATE TABLE notification_outbox (
        id BIGSERIAL PRIMARY KEY,
        user_id BIGINT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        message_id BIGINT NOT NULL,
        vip BOOLEAN NOT NULL DEFAULT FALSE,
        created_at_ms BIGINT NOT NULL,
        sent_at_ms BIGINT,
        attempts BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_ms BIGINT NOT NULL DEFAULT 0,
        dead_at_ms BIGINT
    );
    CREATE UNIQUE INDEX outbox_by_message ON notification_outbox (message_id);
    CREATE INDEX outbox_by_age ON notification_outbox (created_at_ms);
    CREATE INDEX outbox_due ON notification_outbox (next_attempt_ms)
        WHERE sent_at_ms IS NULL AND dead_at_ms IS NULL;
    CREATE TABLE read_receipts (
        message_id BIGINT PRIMARY KEY,
        sender_id BIGINT NOT NULL,
        receiver_id BIGINT NOT NULL,
        read_at TEXT NOT NULL,
        vip BOOLEAN NOT NULL DEFAULT FALSE,
        delivered_at_ms BIGINT NOT NULL
    );
    CREATE INDEX receipts_by_age ON read_receipts (delivered_at_ms);
    CREATE TABLE pending_receipts (
        source_topic TEXT NOT NULL,
        source_partition BIGINT NOT NULL,
        source_offset BIGINT NOT NULL,
        message_id BIGINT NOT NULL,
        receiver_id BIGINT NOT NULL,
        read_at TEXT NOT NULL,
        vip BOOLEAN NOT NULL DEFAULT FALSE,
        record_key BYTEA,
        record_value BYTEA,
        record_headers TEXT NOT NULL,
        first_seen_ms BIGINT NOT NULL,
        claimed_until_ms BIGINT,
        PRIMARY KEY (source_topic, source_partition, source_offset)
    );
    CREATE INDEX pending_by_message ON pending_receipts (message_id);
    CREATE TABLE dedupe (
        service TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        seen_at_ms BIGINT NOT NULL,
        PRIMARY KEY (service, kind, key)
    );
    CREATE INDEX dedupe_by_age ON dedupe (seen_at_ms);
    CREATE TABLE dead_letters (
        service TEXT NOT NULL,
        source_topic TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (service, source_topic)
    );
    CREATE TABLE service_counters (
        service TEXT PRIMARY KEY,
        consumed BIGINT NOT NULL DEFAULT 0,
        processed BIGINT NOT NULL DEFAULT 0,
        dead_lettered BIGINT NOT NULL DEFAULT 0,
        dedupe_hits BIGINT NOT NULL DEFAULT 0,
        retries BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
];

/// The lock every migrating PostgreSQL session takes, so that instances starting
/// together migrate once.
const MIGRATION_LOCK: i64 = 0x6b61_6674_6f70;

/// The schema version this kaftop writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version found, after creating PostgreSQL's version table if needed.
fn found_version(tx: &mut Tx<'_>) -> Result<i64, DbError> {
    if tx.is_postgres() {
        tx.exec("SELECT pg_advisory_xact_lock($1)", &[MIGRATION_LOCK.into()])?;
        tx.batch("CREATE TABLE IF NOT EXISTS kaftop_schema (version BIGINT NOT NULL)")?;
        tx.count("SELECT MAX(version) FROM kaftop_schema", &[])
    } else {
        tx.count("PRAGMA user_version", &[])
    }
}

fn set_version(tx: &mut Tx<'_>, v: i64) -> Result<(), DbError> {
    if tx.is_postgres() {
        tx.exec("DELETE FROM kaftop_schema", &[])?;
        tx.exec(
            "INSERT INTO kaftop_schema (version) VALUES ($1)",
            &[v.into()],
        )?;
        Ok(())
    } else {
        // PRAGMA takes no parameters; `v` is our own integer.
        tx.batch(&format!("PRAGMA user_version = {v}"))
    }
}

impl Store {
    /// The schema version in the store.
    #[cfg(test)]
    pub(crate) fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.tx(found_version)
    }

    /// Brings the store's schema to [`SCHEMA_VERSION`]; refuses a newer one. One
    /// transaction (SQLite: IMMEDIATE; PostgreSQL: an advisory lock), so that two
    /// processes opening a new store do not both migrate it.
    pub(super) fn migrate(&mut self) -> Result<(), StoreError> {
        let name = self.name.clone();
        let newer = self.tx(|tx| {
            let found = found_version(tx)?;
            if found > SCHEMA_VERSION {
                return Ok(Some(found));
            }
            let steps = if tx.is_postgres() {
                POSTGRES_MIGRATIONS
            } else {
                MIGRATIONS
            };
            for (i, sql) in steps.iter().enumerate().skip(found as usize) {
                if !sql.is_empty() {
                    tx.batch(sql)?;
                }
                set_version(tx, (i + 1) as i64)?;
            }
            Ok(None)
        })?;
        match newer {
            Some(found) => Err(StoreError::NewerSchema {
                path: name,
                found,
                known: SCHEMA_VERSION,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_file_once_and_refuses_newer_schemas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/services.db");
        assert!(matches!(
            Store::open_existing(&path),
            Err(StoreError::Missing(_))
        ));
        let mut s = Store::open(&path).unwrap();
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
}

//! The schema: migrations, each upgrading the store by one version, tracked in
//! `PRAGMA user_version`.

use rusqlite::TransactionBehavior;

use super::{Store, StoreError};

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
    // 2: the outbox as the HTTP notifier's delivery queue (store/push.rs).
    "ALTER TABLE notification_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notification_outbox ADD COLUMN last_error TEXT;
    ALTER TABLE notification_outbox ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notification_outbox ADD COLUMN dead_at_ms INTEGER;
    CREATE INDEX outbox_due ON notification_outbox (next_attempt_ms)
        WHERE sent_at_ms IS NULL AND dead_at_ms IS NULL;",
];

/// The schema version this kaftop writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Store {
    /// The schema version in the file.
    #[cfg(test)]
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        self.wrap(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    /// Brings the file's schema to [`SCHEMA_VERSION`]; refuses a newer one.
    pub(super) fn migrate(&mut self) -> Result<(), StoreError> {
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
}

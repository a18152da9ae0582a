//! Totals and queries: `kaftop services report`, the live snapshot's figures, and the
//! lookups the integration tests check effects with.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{Store, StoreError};
use crate::services::analytics::{self, DailyStats};
use crate::services::archive::{self, ArchivedMessage};
use crate::services::notification::{self, PushNotification};
use crate::services::read_receipt::{self, ReadReceipt};

/// All-time counters of one service, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoredCounters {
    pub consumed: u64,
    pub processed: u64,
    pub dead_lettered: u64,
    pub dedupe_hits: u64,
    pub retries: u64,
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

impl Store {
    pub(crate) fn last_purge(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<String> = self.wrap(|c| {
            c.query_row("SELECT value FROM meta WHERE key = 'last_purge'", [], |r| {
                r.get(0)
            })
            .optional()
        })?;
        Ok(v.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    pub(crate) fn day(&self, date: &str) -> Result<DailyStats, StoreError> {
        self.wrap(|c| analytics::day(c, date))
    }

    pub(crate) fn daily(&self) -> Result<Vec<DailyStats>, StoreError> {
        self.wrap(analytics::all_days)
    }

    pub(crate) fn archived_count(&self) -> Result<u64, StoreError> {
        self.wrap(archive::count)
    }

    pub fn archived(&self, message_id: i64) -> Result<Option<ArchivedMessage>, StoreError> {
        self.wrap(|c| archive::get(c, message_id))
    }

    pub(crate) fn pending_receipts(&self) -> Result<u64, StoreError> {
        self.wrap(read_receipt::pending_count)
    }

    pub fn receipt(&self, message_id: i64) -> Result<Option<ReadReceipt>, StoreError> {
        self.wrap(|c| read_receipt::receipt_for(c, message_id))
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

    pub(crate) fn counters(&self) -> Result<BTreeMap<String, StoredCounters>, StoreError> {
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
}

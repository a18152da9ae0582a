//! Totals and queries: `kaftop services report`, the live snapshot's figures, and the
//! lookups the integration tests check effects with.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::db::{DbError, Tx};
use super::{effects, Store, StoreError};
use crate::analytics::DailyStats;
use crate::archive::ArchivedMessage;
use crate::notification::{self, PushNotification};
use crate::read_receipt::ReadReceipt;

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

fn counters_in(tx: &mut Tx<'_>) -> Result<BTreeMap<String, StoredCounters>, DbError> {
    tx.rows(
        "SELECT service, consumed, processed, dead_lettered, dedupe_hits, retries
         FROM service_counters ORDER BY service",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok((
            r[0].text()?,
            StoredCounters {
                consumed: r[1].int()? as u64,
                processed: r[2].int()? as u64,
                dead_lettered: r[3].int()? as u64,
                dedupe_hits: r[4].int()? as u64,
                retries: r[5].int()? as u64,
            },
        ))
    })
    .collect()
}

fn last_purge_in(tx: &mut Tx<'_>) -> Result<Option<DateTime<Utc>>, DbError> {
    let v = tx.row("SELECT value FROM meta WHERE key = 'last_purge'", &[])?;
    Ok(v.and_then(|r| r[0].opt_text().ok().flatten())
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc)))
}

fn count(tx: &mut Tx<'_>, sql: &str) -> Result<u64, DbError> {
    tx.count(sql, &[]).map(|n| n as u64)
}

impl Store {
    pub(crate) fn last_purge(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.tx(last_purge_in)
    }

    pub(crate) fn day(&self, date: &str) -> Result<DailyStats, StoreError> {
        self.tx(|tx| effects::day(tx, date))
    }

    #[cfg(test)]
    pub(crate) fn daily(&self) -> Result<Vec<DailyStats>, StoreError> {
        self.tx(effects::all_days)
    }

    pub(crate) fn archived_count(&self) -> Result<u64, StoreError> {
        self.tx(|tx| count(tx, "SELECT COUNT(*) FROM archive"))
    }

    pub fn archived(&self, message_id: i64) -> Result<Option<ArchivedMessage>, StoreError> {
        self.tx(|tx| effects::archived(tx, message_id))
    }

    pub(crate) fn pending_receipts(&self) -> Result<u64, StoreError> {
        self.tx(|tx| count(tx, "SELECT COUNT(*) FROM pending_receipts"))
    }

    pub fn receipt(&self, message_id: i64) -> Result<Option<ReadReceipt>, StoreError> {
        self.tx(|tx| effects::receipt_for(tx, message_id))
    }

    /// The outbox, oldest first (tests and tools; a relay would page through it).
    pub fn outbox(&self) -> Result<Vec<PushNotification>, StoreError> {
        self.tx(|tx| {
            tx.rows(
                "SELECT user_id, title, body, type, message_id, vip, created_at_ms
                 FROM notification_outbox ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(PushNotification {
                    user_id: r[0].int()?,
                    title: r[1].text()?,
                    body: r[2].text()?,
                    kind: r[3].text()?,
                    data: notification::NotificationData {
                        message_id: r[4].int()?,
                    },
                    vip: r[5].bool()?,
                    created_at: DateTime::from_timestamp_millis(r[6].int()?).unwrap_or_default(),
                })
            })
            .collect()
        })
    }

    #[cfg(test)]
    pub(crate) fn counters(&self) -> Result<BTreeMap<String, StoredCounters>, StoreError> {
        self.tx(counters_in)
    }

    /// Every figure in one transaction (one consistent snapshot on PostgreSQL too).
    pub fn report(&self) -> Result<Report, StoreError> {
        let store = self.name.clone();
        self.tx(|tx| {
            let mut dead_lettered = BTreeMap::new();
            let mut by_service: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
            let rows = tx.rows(
                "SELECT service, source_topic, count FROM dead_letters ORDER BY 1, 2",
                &[],
            )?;
            for r in rows {
                let (svc, topic, n) = (r[0].text()?, r[1].text()?, r[2].int()? as u64);
                *dead_lettered.entry(topic.clone()).or_insert(0) += n;
                by_service.entry(svc).or_default().insert(topic, n);
            }
            Ok(Report {
                store,
                notifications: count(tx, "SELECT COUNT(*) FROM notification_outbox")?,
                vip_notifications: count(tx, "SELECT COUNT(*) FROM notification_outbox WHERE vip")?,
                receipts: count(tx, "SELECT COUNT(*) FROM read_receipts")?,
                pending_receipts: count(tx, "SELECT COUNT(*) FROM pending_receipts")?,
                indexed_messages: count(tx, "SELECT COUNT(*) FROM message_index")?,
                archived: count(tx, "SELECT COUNT(*) FROM archive")?,
                dead_lettered,
                dead_lettered_by_service: by_service,
                daily: effects::all_days(tx)?,
                services: counters_in(tx)?,
                last_purge: last_purge_in(tx)?,
            })
        })
    }
}

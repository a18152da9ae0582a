//! Upkeep between batches: parked reads that expire (dead-lettered) or whose message
//! was indexed late, and retention: every table that grows with traffic is purged.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::batch::{add_counters, add_dead_letter, lock_receipts};
use super::db::{DbError, Tx};
use super::effects;
use super::report::StoredCounters;
use super::{ms, Store, StoreError};
use crate::read_receipt::{PendingReceipt, ReadReceipt};
use crate::{service_id, ServiceName};
use kaftop_core::config::Retention;

/// How long an instance has to dead-letter the expired parked reads it claimed
/// before another instance may take them over.
const EXPIRY_CLAIM: Duration = Duration::from_secs(60);

/// What a purge removed, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct PurgeReport {
    pub archived: u64,
    pub dedupe: u64,
    pub message_index: u64,
    pub outbox: u64,
    pub receipts: u64,
    pub daily: u64,
}

impl PurgeReport {
    pub(crate) fn total(&self) -> u64 {
        self.archived + self.dedupe + self.message_index + self.outbox + self.receipts + self.daily
    }
}

fn cutoff(now: DateTime<Utc>, keep: Duration) -> i64 {
    ms(now).saturating_sub(keep.as_millis().min(i64::MAX as u128) as i64)
}

/// Deletes the rows of `table` stored before `cutoff_ms`.
fn purge_table(tx: &mut Tx<'_>, table: &str, column: &str, cutoff_ms: i64) -> Result<u64, DbError> {
    tx.exec(
        &format!("DELETE FROM {table} WHERE {column} < $1"),
        &[cutoff_ms.into()],
    )
}

impl Store {
    /// Parked reads first seen before `cutoff`, oldest first (at most 1000), each
    /// claimed for [`EXPIRY_CLAIM`] so that one instance alone dead-letters it.
    pub(crate) fn expired_receipts(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<PendingReceipt>, StoreError> {
        let lease = EXPIRY_CLAIM.as_millis() as i64;
        self.tx(|tx| effects::claim_expired(tx, ms(cutoff), ms(Utc::now()), lease))
    }

    /// Records that an expired parked read was dead-lettered (after the DLQ ack).
    /// Returns false if it had been resolved or removed meanwhile.
    pub(crate) fn finish_expired(&mut self, p: &PendingReceipt) -> Result<bool, StoreError> {
        self.tx(|tx| {
            lock_receipts(tx)?;
            let removed = effects::delete_pending(tx, p)?;
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
    pub(crate) fn resolve_indexed(
        &mut self,
        vips: &HashSet<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ReadReceipt>, StoreError> {
        // Looked at without the lock first: the sweep runs often and usually finds
        // nothing.
        if self.tx(effects::resolvable)?.is_empty() {
            return Ok(Vec::new());
        }
        self.tx(|tx| {
            lock_receipts(tx)?;
            let mut out = Vec::new();
            for (message_id, sender) in effects::resolvable(tx)? {
                out.extend(effects::resolve_pending_for(
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

    /// Deletes archive rows past their retention and every other table's rows past
    /// the configured retention; records the time.
    pub(crate) fn purge(
        &mut self,
        now: DateTime<Utc>,
        keep: &Retention,
    ) -> Result<PurgeReport, StoreError> {
        self.tx(|tx| {
            let archived = tx.exec(
                "DELETE FROM archive WHERE retention_until_ms <= $1",
                &[ms(now).into()],
            )?;
            let dedupe = purge_table(tx, "dedupe", "seen_at_ms", cutoff(now, keep.dedupe))?;
            let message_index = purge_table(
                tx,
                "message_index",
                "indexed_at_ms",
                cutoff(now, keep.message_index),
            )?;
            let outbox = purge_table(
                tx,
                "notification_outbox",
                "created_at_ms",
                cutoff(now, keep.outbox),
            )?;
            let receipts = purge_table(
                tx,
                "read_receipts",
                "delivered_at_ms",
                cutoff(now, keep.receipts),
            )?;
            let daily_cut = cutoff(now, keep.daily);
            let mut daily = 0;
            for table in ["daily_created", "daily_reads", "daily_senders"] {
                daily += purge_table(tx, table, "stored_at_ms", daily_cut)?;
            }
            tx.exec(
                "INSERT INTO meta (key, value) VALUES ('last_purge', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[now.to_rfc3339().into()],
            )?;
            Ok(PurgeReport {
                archived,
                dedupe,
                message_index,
                outbox,
                receipts,
                daily,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{apply, created, deleted, now, raw, read};

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
        let p = s
            .purge(
                now(),
                &Retention {
                    dedupe: Duration::from_secs(7 * 86400),
                    ..Retention::default()
                },
            )
            .unwrap();
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
                &Retention {
                    dedupe: Duration::from_secs(7 * 86400),
                    ..Retention::default()
                },
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
                &Retention {
                    dedupe: Duration::from_secs(7 * 86400),
                    ..Retention::default()
                },
            )
            .unwrap();
        assert_eq!(p.dedupe, 1);
        let n: i64 = s
            .with_connection(|c| c.query_row("SELECT COUNT(*) FROM dedupe", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }
}

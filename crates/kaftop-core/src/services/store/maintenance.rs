//! Upkeep between batches: parked reads that expire (dead-lettered) or whose message
//! was indexed late, and the purge of expired archive rows and old dedupe records.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::batch::{add_counters, add_dead_letter};
use super::report::StoredCounters;
use super::{ms, Store, StoreError};
use crate::services::archive;
use crate::services::read_receipt::{self, PendingReceipt, ReadReceipt};
use crate::services::{service_id, ServiceName};

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct PurgeReport {
    pub archived: u64,
    pub dedupe: u64,
}

impl Store {
    /// Parked reads first seen before `cutoff`, oldest first (at most 1000).
    pub(crate) fn expired_receipts(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<PendingReceipt>, StoreError> {
        self.wrap(|c| read_receipt::expired(c, ms(cutoff)))
    }

    /// Records that an expired parked read was dead-lettered (after the DLQ ack).
    /// Returns false if it had been resolved or removed meanwhile.
    pub(crate) fn finish_expired(&mut self, p: &PendingReceipt) -> Result<bool, StoreError> {
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
    pub(crate) fn resolve_indexed(
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
    pub(crate) fn purge(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::fixtures::{apply, created, deleted, now, raw, read};

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
}

//! One poll batch, from records to stored effects, with no Kafka consumer in it:
//! decode, dead-letter the poison records, apply the batch to the store in one
//! transaction (retrying a busy store), count. The consumer thread polls before and
//! commits after; tests drive this with an in-memory store and a list for a DLQ.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;

use super::dlq::{DeadLetter, DeadLetters, DlqError};
use crate::stats::Counters;
use crate::store::{BatchOutcome, Item, Store, StoreError};
use crate::{classify, is_vip, Backoff, RawRecord, ServiceName};
use kaftop_core::events::{EventKind, MessageEvent};

/// Attempts at storing a batch while the database is busy before the batch is
/// rewound and retried later.
const BUSY_ATTEMPTS: u32 = 8;

/// Why a batch was not stored (it is then rewound and retried).
#[derive(Debug, thiserror::Error)]
pub(crate) enum BatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    DeadLetter(#[from] DlqError),
    #[error("stopping while the store is busy: {0}")]
    StoppedWhileBusy(StoreError),
}

impl BatchError {
    /// The store was busy: the batch failed for want of the write lock, not because
    /// of anything in it.
    pub(crate) fn is_busy(&self) -> bool {
        match self {
            BatchError::Store(e) | BatchError::StoppedWhileBusy(e) => e.is_busy(),
            BatchError::DeadLetter(_) => false,
        }
    }
}

/// What processing a batch of one service needs, besides the store and the records.
pub(super) struct BatchProcessor<'a> {
    pub(super) service: ServiceName,
    /// Topic → the event kind its records hold.
    pub(super) kinds: &'a HashMap<String, EventKind>,
    /// Larger values are poison (oversized).
    pub(super) max_record_bytes: usize,
    pub(super) vips: &'a HashSet<i64>,
    pub(super) dlq: &'a dyn DeadLetters,
    /// The service's live counters.
    pub(super) counters: &'a Counters,
    pub(super) stop: &'a AtomicBool,
    /// Waits between attempts at a busy store (a sleep that `stop` cuts short).
    pub(super) pause: &'a dyn Fn(Duration),
    /// Poison records dead-lettered by this processor whose batch was not stored
    /// yet (topic, partition, offset): a batch retried through a long stall (a full
    /// disk) does not dead-letter them again on every attempt.
    pub(super) dead_unstored: RefCell<HashSet<(String, i32, i64)>>,
}

fn at(raw: &RawRecord) -> (String, i32, i64) {
    (raw.topic.clone(), raw.partition, raw.offset)
}

impl BatchProcessor<'_> {
    /// Stores one batch: poison records to the DLQ first, then one transaction,
    /// then the live counters. On error nothing is stored or counted, except the
    /// busy-store retries. The outcome's lists are the after-commit effects.
    pub(super) fn process(
        &self,
        store: &mut Store,
        batch: &[RawRecord],
    ) -> Result<BatchOutcome, BatchError> {
        let s = self.service;
        let decoded: Vec<Result<MessageEvent, String>> =
            batch.iter().map(|r| self.decode(r)).collect();

        // Poison records: to the DLQ (unless an earlier delivery already put them there).
        let mut dead = Vec::new();
        for (raw, d) in batch.iter().zip(&decoded) {
            if let Err(error) = d {
                if !self.dead_unstored.borrow().contains(&at(raw))
                    && !store.already_dead_lettered(s, raw)?
                {
                    dead.push(DeadLetter {
                        source: raw,
                        error,
                        service: s,
                    });
                }
            }
        }
        self.dlq.send(&dead, self.stop)?;
        self.dead_unstored
            .borrow_mut()
            .extend(dead.iter().map(|d| at(d.source)));

        let items: Vec<Item<'_>> = batch
            .iter()
            .zip(&decoded)
            .map(|(raw, d)| match d {
                Ok(event) => Item::Event {
                    event,
                    vip: is_vip(event, self.vips),
                    raw,
                },
                Err(error) => Item::Poison { raw, error },
            })
            .collect();

        let c = self.counters;
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
        let mut busy_retries = 0u64;
        let outcome = loop {
            match store.apply_batch(s, &items, self.vips, busy_retries, Utc::now()) {
                Ok(o) => break o,
                Err(e) if e.is_busy() && backoff.attempts() < BUSY_ATTEMPTS => {
                    busy_retries += 1;
                    Counters::add(&c.retries, 1);
                    (self.pause)(backoff.next_delay());
                    if self.stop.load(Ordering::Relaxed) {
                        return Err(BatchError::StoppedWhileBusy(e));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };

        // Stored: the store now knows what was dead-lettered.
        self.dead_unstored.borrow_mut().clear();
        Counters::add(&c.consumed, outcome.consumed);
        Counters::add(&c.processed, outcome.processed);
        Counters::add(&c.dead_lettered, outcome.dead_lettered);
        Counters::add(&c.dedupe_hits, outcome.dedupe_hits);
        Counters::add(&c.retries, outcome.parked);
        Ok(outcome)
    }

    /// The record's event, or why it is poison.
    fn decode(&self, r: &RawRecord) -> Result<MessageEvent, String> {
        match self.kinds.get(&r.topic) {
            Some(&k) => classify(k, r.value.as_deref(), self.max_record_bytes),
            None => Err(format!("record from unexpected topic {}", r.topic)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::stats::CounterValues;
    use crate::store::StoredCounters;

    /// A DLQ that keeps (topic, offset, error) of what it was sent, or fails.
    #[derive(Default)]
    struct ListDlq {
        sent: RefCell<Vec<(String, i64, String)>>,
        fail: bool,
    }

    impl DeadLetters for ListDlq {
        fn send(&self, records: &[DeadLetter<'_>], _stop: &AtomicBool) -> Result<(), DlqError> {
            if records.is_empty() {
                return Ok(());
            }
            if self.fail {
                return Err(DlqError::Unacknowledged {
                    missing: records.len(),
                    total: records.len(),
                });
            }
            self.sent.borrow_mut().extend(
                records
                    .iter()
                    .map(|d| (d.source.topic.clone(), d.source.offset, d.error.to_string())),
            );
            Ok(())
        }
    }

    /// What a processor borrows.
    struct Rig {
        kinds: HashMap<String, EventKind>,
        vips: HashSet<i64>,
        dlq: ListDlq,
        counters: Counters,
        stop: AtomicBool,
    }

    impl Rig {
        fn new() -> Rig {
            Rig {
                kinds: [
                    ("created", EventKind::Created),
                    ("read", EventKind::Read),
                    ("deleted", EventKind::Deleted),
                ]
                .into_iter()
                .map(|(t, k)| (t.to_string(), k))
                .collect(),
                vips: HashSet::new(),
                dlq: ListDlq::default(),
                counters: Counters::default(),
                stop: AtomicBool::new(false),
            }
        }

        fn processor<'a>(
            &'a self,
            service: ServiceName,
            pause: &'a dyn Fn(Duration),
        ) -> BatchProcessor<'a> {
            BatchProcessor {
                service,
                kinds: &self.kinds,
                max_record_bytes: 1024,
                vips: &self.vips,
                dlq: &self.dlq,
                counters: &self.counters,
                stop: &self.stop,
                pause,
                dead_unstored: RefCell::default(),
            }
        }
    }

    fn no_pause(_: Duration) {
        panic!("the store was not expected to be busy");
    }

    fn record(topic: &str, offset: i64, value: &str) -> RawRecord {
        RawRecord {
            topic: topic.into(),
            partition: 0,
            offset,
            key: None,
            value: Some(value.as_bytes().to_vec()),
            headers: Vec::new(),
        }
    }

    fn created(offset: i64, id: i64, sender: i64) -> RawRecord {
        record(
            "created",
            offset,
            &format!(
                r#"{{"messageId":{id},"senderId":{sender},"receiverId":21,"content":"m{id}","createdAt":"2026-11-24T10:00:00"}}"#
            ),
        )
    }

    fn read(offset: i64, id: i64) -> RawRecord {
        record(
            "read",
            offset,
            &format!(r#"{{"messageId":{id},"receiverId":21,"readAt":"2026-11-24T12:00:00"}}"#),
        )
    }

    fn stored(store: &Store) -> BTreeMap<String, StoredCounters> {
        store.report().unwrap().services
    }

    /// consumed = processed + dead_lettered + dedupe_hits + pending.
    fn conserved(c: CounterValues, pending: u64) -> bool {
        c.consumed == c.processed + c.dead_lettered + c.dedupe_hits + pending
    }

    #[test]
    fn valid_poison_and_duplicate_records_each_land_once() {
        let rig = Rig::new();
        let p = rig.processor(ServiceName::Notification, &no_pause);
        let mut store = Store::in_memory().unwrap();
        let batch = [
            created(0, 1, 10),
            record("created", 1, "not json"),
            created(2, 1, 10), // the same message again
            created(3, 2, 11),
            record("elsewhere", 4, "{}"),
        ];
        let o = p.process(&mut store, &batch).unwrap();
        assert_eq!(
            (
                o.consumed,
                o.processed,
                o.dead_lettered,
                o.dedupe_hits,
                o.parked
            ),
            (5, 2, 2, 1, 0)
        );
        let ids: Vec<i64> = o.notifications.iter().map(|n| n.data.message_id).collect();
        assert_eq!(ids, vec![1, 2]);
        let sent = rig.dlq.sent.borrow().clone();
        assert_eq!(
            sent.iter()
                .map(|(t, o, _)| (t.as_str(), *o))
                .collect::<Vec<_>>(),
            vec![("created", 1), ("elsewhere", 4)]
        );
        assert!(
            sent[0].2.starts_with("invalid created event: not JSON"),
            "{}",
            sent[0].2
        );
        assert_eq!(sent[1].2, "record from unexpected topic elsewhere");
        let c = rig.counters.values();
        assert_eq!(
            c,
            CounterValues {
                consumed: 5,
                processed: 2,
                dead_lettered: 2,
                dedupe_hits: 1,
                ..CounterValues::default()
            }
        );
        assert_eq!(store.pending_receipts().unwrap(), 0);
        assert!(conserved(c, 0));

        // The batch redelivered (a crash before the offset commit): no effect, the
        // poison records are not dead-lettered again.
        let o = p.process(&mut store, &batch).unwrap();
        assert_eq!(
            (o.consumed, o.processed, o.dead_lettered, o.dedupe_hits),
            (5, 0, 0, 5)
        );
        assert!(o.notifications.is_empty());
        assert_eq!(rig.dlq.sent.borrow().len(), 2);
        let c = rig.counters.values();
        assert_eq!(
            (c.consumed, c.processed, c.dead_lettered, c.dedupe_hits),
            (10, 2, 2, 6)
        );
        assert!(conserved(c, 0));
        assert_eq!(
            stored(&store)["notification"],
            StoredCounters {
                consumed: 10,
                processed: 2,
                dead_lettered: 2,
                dedupe_hits: 6,
                retries: 0
            }
        );
    }

    #[test]
    fn a_read_before_its_created_waits_as_pending() {
        let rig = Rig::new();
        let p = rig.processor(ServiceName::ReadReceipt, &no_pause);
        let mut store = Store::in_memory().unwrap();

        let o = p.process(&mut store, &[read(0, 7)]).unwrap();
        assert_eq!((o.consumed, o.processed, o.parked), (1, 0, 1));
        assert!(o.receipts.is_empty());
        let pending = store.pending_receipts().unwrap();
        assert_eq!(pending, 1);
        let c = rig.counters.values();
        // A parked read counts as a retry until it resolves.
        assert_eq!((c.consumed, c.processed, c.retries), (1, 0, 1));
        assert!(conserved(c, pending));

        let o = p.process(&mut store, &[created(0, 7, 50)]).unwrap();
        assert_eq!((o.consumed, o.processed, o.resolved), (1, 2, 1));
        assert_eq!(
            o.receipts
                .iter()
                .map(|r| (r.message_id, r.sender_id, r.receiver_id))
                .collect::<Vec<_>>(),
            vec![(7, 50, 21)]
        );
        assert_eq!(store.pending_receipts().unwrap(), 0);
        let c = rig.counters.values();
        assert_eq!((c.consumed, c.processed, c.retries), (2, 2, 1));
        assert!(conserved(c, 0));
        assert!(rig.dlq.sent.borrow().is_empty());
    }

    /// Two connections to one file, the first holding the write lock; the second
    /// does not wait for it inside SQLite.
    fn locked_store(dir: &std::path::Path) -> (Store, Store) {
        let path = dir.join("services.db");
        let holder = Store::open(&path).unwrap();
        let store = Store::open(&path).unwrap();
        store
            .with_connection(|c| c.busy_timeout(Duration::ZERO))
            .unwrap();
        holder
            .with_connection(|c| c.execute_batch("BEGIN IMMEDIATE"))
            .unwrap();
        (holder, store)
    }

    #[test]
    fn a_busy_store_is_retried() {
        let dir = tempfile::tempdir().unwrap();
        let (holder, mut store) = locked_store(dir.path());
        let pauses = RefCell::new(Vec::new());
        // The lock is released during the first pause.
        let pause = |d: Duration| {
            pauses.borrow_mut().push(d);
            holder
                .with_connection(|c| c.execute_batch("COMMIT"))
                .unwrap();
        };
        let rig = Rig::new();
        let p = rig.processor(ServiceName::Analytics, &pause);
        let o = p.process(&mut store, &[created(0, 1, 10)]).unwrap();
        assert_eq!((o.consumed, o.processed), (1, 1));
        assert_eq!(*pauses.borrow(), vec![Duration::from_millis(50)]);
        let c = rig.counters.values();
        assert_eq!((c.consumed, c.processed, c.retries), (1, 1, 1));
        assert_eq!(
            stored(&store)["analytics"],
            StoredCounters {
                consumed: 1,
                processed: 1,
                retries: 1,
                ..StoredCounters::default()
            }
        );
    }

    #[test]
    fn a_store_busy_for_long_fails_the_batch_as_busy() {
        let dir = tempfile::tempdir().unwrap();
        let (holder, mut store) = locked_store(dir.path());
        let pauses = RefCell::new(Vec::new());
        let pause = |d: Duration| pauses.borrow_mut().push(d.as_millis());
        let rig = Rig::new();
        let p = rig.processor(ServiceName::Analytics, &pause);
        let e = p.process(&mut store, &[created(0, 1, 10)]).unwrap_err();
        assert!(matches!(e, BatchError::Store(_)) && e.is_busy(), "{e}");
        assert_eq!(
            *pauses.borrow(),
            vec![50, 100, 200, 400, 800, 1000, 1000, 1000]
        );
        let c = rig.counters.values();
        assert_eq!((c.consumed, c.processed, c.retries), (0, 0, 8));
        holder
            .with_connection(|c| c.execute_batch("COMMIT"))
            .unwrap();
        assert!(stored(&store).is_empty(), "nothing stored");

        // Told to stop while waiting: the batch ends at once, still as busy.
        holder
            .with_connection(|c| c.execute_batch("BEGIN IMMEDIATE"))
            .unwrap();
        let pauses = RefCell::new(0);
        let pause = |_: Duration| {
            *pauses.borrow_mut() += 1;
            rig.stop.store(true, Ordering::Relaxed);
        };
        let p = rig.processor(ServiceName::Analytics, &pause);
        let e = p.process(&mut store, &[created(0, 1, 10)]).unwrap_err();
        assert!(
            matches!(e, BatchError::StoppedWhileBusy(_)) && e.is_busy(),
            "{e}"
        );
        assert_eq!(*pauses.borrow(), 1);
    }

    #[test]
    fn a_failed_dead_letter_stores_nothing() {
        let mut rig = Rig::new();
        rig.dlq.fail = true;
        let p = rig.processor(ServiceName::Archive, &no_pause);
        let mut store = Store::in_memory().unwrap();
        let e = p
            .process(&mut store, &[record("deleted", 0, "not json")])
            .unwrap_err();
        assert!(
            matches!(
                e,
                BatchError::DeadLetter(DlqError::Unacknowledged {
                    missing: 1,
                    total: 1
                })
            ),
            "{e}"
        );
        assert!(!e.is_busy());
        assert_eq!(rig.counters.values(), CounterValues::default());
        assert!(stored(&store).is_empty());
    }

    #[test]
    fn a_batch_retried_through_a_full_store_dead_letters_its_poison_once() {
        let rig = Rig::new();
        let p = rig.processor(ServiceName::Notification, &no_pause);
        let mut store = Store::in_memory().unwrap();
        let max_pages = |store: &Store, pages: Option<i64>| {
            store
                .with_connection(|c| {
                    let n = match pages {
                        Some(n) => n,
                        None => c.query_row("PRAGMA page_count", [], |r| r.get(0))?,
                    };
                    c.pragma_update(None, "max_page_count", n)
                })
                .unwrap()
        };
        // No page beyond those in use: the batch's outbox rows do not fit.
        max_pages(&store, None);
        let batch: Vec<RawRecord> = std::iter::once(record("created", 0, "not json"))
            .chain((1..100).map(|o| created(o, o, 1)))
            .collect();
        for _ in 0..3 {
            let e = p.process(&mut store, &batch).unwrap_err();
            assert!(matches!(&e, BatchError::Store(se) if se.is_full()), "{e}");
        }
        max_pages(&store, Some(1_000_000));
        p.process(&mut store, &batch).unwrap();
        let sent: Vec<(String, i64)> = rig
            .dlq
            .sent
            .borrow()
            .iter()
            .map(|(t, o, _)| (t.clone(), *o))
            .collect();
        assert_eq!(sent, [("created".to_string(), 0)]);
        // Redelivered after it was stored: the store says it is dead-lettered already.
        p.process(&mut store, &batch).unwrap();
        assert_eq!(rig.dlq.sent.borrow().len(), 1);
    }
}

//! The batch transaction: one poll batch's dedupe, effects, dead-letter counts and
//! counters, written together or not at all.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::db::{DbError, Tx};
use super::effects;
use super::report::StoredCounters;
use super::{ms, Store, StoreError};
use crate::archive::{self, ArchivedMessage};
use crate::notification::{self, PushNotification};
use crate::read_receipt::ReadReceipt;
use crate::{priority_order, service_id, RawRecord, ServiceName};
use kaftop_core::events::{EventKind, MessageEvent};

/// The PostgreSQL advisory lock that serializes the read-receipt service's writes
/// across instances, as SQLite's write lock does within one file: a read and the
/// created event it waits for, stored by two instances at once, can never miss each
/// other (one parks, the other then sees the parked read).
pub(super) const RECEIPTS_LOCK: i64 = 0x6b61_6674_7272;

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

impl Store {
    /// Whether this service already dead-lettered this record (an earlier delivery).
    pub(crate) fn already_dead_lettered(
        &self,
        service: ServiceName,
        raw: &RawRecord,
    ) -> Result<bool, StoreError> {
        self.tx(|tx| {
            Ok(tx
                .row(
                    "SELECT 1 FROM dedupe WHERE service = $1 AND kind = 'dlq' AND key = $2",
                    &[service_id(service).into(), poison_key(raw).into()],
                )?
                .is_some())
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
        self.tx(|tx| apply_in(tx, service, items, vips, retries, now))
    }
}

fn poison_key(raw: &RawRecord) -> String {
    format!("{}/{}/{}", raw.topic, raw.partition, raw.offset)
}

/// Records `key` as seen; false when it was seen before (a duplicate).
fn first_seen(
    tx: &mut Tx<'_>,
    service: &str,
    kind: &str,
    key: &str,
    now_ms: i64,
) -> Result<bool, DbError> {
    let n = tx.exec(
        "INSERT INTO dedupe (service, kind, key, seen_at_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (service, kind, key) DO NOTHING",
        &[service.into(), kind.into(), key.into(), now_ms.into()],
    )?;
    Ok(n == 1)
}

/// Takes the read-receipt lock for the rest of the transaction (PostgreSQL only:
/// SQLite's transactions are serialized already).
pub(super) fn lock_receipts(tx: &mut Tx<'_>) -> Result<(), DbError> {
    if tx.is_postgres() {
        tx.exec("SELECT pg_advisory_xact_lock($1)", &[RECEIPTS_LOCK.into()])?;
    }
    Ok(())
}

pub(super) fn add_dead_letter(tx: &mut Tx<'_>, service: &str, topic: &str) -> Result<(), DbError> {
    tx.exec(
        "INSERT INTO dead_letters (service, source_topic, count) VALUES ($1, $2, 1)
         ON CONFLICT (service, source_topic) DO UPDATE SET count = dead_letters.count + 1",
        &[service.into(), topic.into()],
    )?;
    Ok(())
}

pub(super) fn add_counters(
    tx: &mut Tx<'_>,
    service: &str,
    c: &StoredCounters,
) -> Result<(), DbError> {
    tx.exec(
        "INSERT INTO service_counters
             (service, consumed, processed, dead_lettered, dedupe_hits, retries)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (service) DO UPDATE SET
             consumed = service_counters.consumed + excluded.consumed,
             processed = service_counters.processed + excluded.processed,
             dead_lettered = service_counters.dead_lettered + excluded.dead_lettered,
             dedupe_hits = service_counters.dedupe_hits + excluded.dedupe_hits,
             retries = service_counters.retries + excluded.retries",
        &[
            service.into(),
            (c.consumed as i64).into(),
            (c.processed as i64).into(),
            (c.dead_lettered as i64).into(),
            (c.dedupe_hits as i64).into(),
            (c.retries as i64).into(),
        ],
    )?;
    Ok(())
}

fn apply_in(
    tx: &mut Tx<'_>,
    service: ServiceName,
    items: &[Item<'_>],
    vips: &HashSet<i64>,
    retries: u64,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, DbError> {
    let svc = service_id(service);
    let now_ms = ms(now);
    let mut out = BatchOutcome {
        consumed: items.len() as u64,
        ..BatchOutcome::default()
    };
    if service == ServiceName::ReadReceipt {
        lock_receipts(tx)?;
    }

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
        // An optimisation: the effects below are idempotent by their own keys.
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
    tx: &mut Tx<'_>,
    service: ServiceName,
    event: &MessageEvent,
    vip: bool,
    raw: &RawRecord,
    vips: &HashSet<i64>,
    now: DateTime<Utc>,
    out: &mut BatchOutcome,
) -> Result<(), DbError> {
    let now_ms = ms(now);
    match (service, event) {
        (ServiceName::Notification, MessageEvent::Created(e)) => {
            let n = notification::build(e, vip, now);
            if effects::insert_outbox(tx, &n)? {
                out.notifications.push(n);
            }
        }
        (ServiceName::Analytics, MessageEvent::Created(e)) => {
            effects::apply_created(tx, e, now_ms)?
        }
        (ServiceName::Analytics, MessageEvent::Read(e)) => effects::apply_read(tx, e, now_ms)?,
        (ServiceName::ReadReceipt, MessageEvent::Created(e)) => {
            effects::index(tx, e, now_ms)?;
            let resolved =
                effects::resolve_pending_for(tx, e.message_id, e.sender_id, vips, now_ms)?;
            out.resolved += resolved.len() as u64;
            out.processed += resolved.len() as u64;
            out.receipts.extend(resolved);
        }
        (ServiceName::ReadReceipt, MessageEvent::Read(e)) => {
            // Delivered already (a replay after the dedupe record and the message's
            // index row were purged): nothing to park or send.
            if effects::has_receipt(tx, e.message_id)? {
                out.processed += 1;
                return Ok(());
            }
            match effects::sender_of(tx, e.message_id)? {
                Some(sender_id) => {
                    let r = ReadReceipt {
                        message_id: e.message_id,
                        sender_id,
                        receiver_id: e.receiver_id,
                        read_at: e.read_at,
                        vip: vip || vips.contains(&sender_id),
                    };
                    if effects::insert_receipt(tx, &r, now_ms)? {
                        out.receipts.push(r);
                    }
                }
                None => {
                    effects::park(tx, e, vip, raw, now_ms)?;
                    out.parked += 1;
                    // Not processed yet: counted when resolved or expired.
                    return Ok(());
                }
            }
        }
        (ServiceName::Archive, MessageEvent::Deleted(e)) => {
            let a = archive::archived(e, vip);
            if effects::insert_archive(tx, &a, now_ms)? {
                out.archived.push(a);
            }
        }
        // A kind the service does not subscribe to cannot arrive; nothing to do.
        _ => {}
    }
    out.processed += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::DailyStats;
    use crate::fixtures::{apply, created, now, raw, read};

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
}

//! The store's semantics on both databases: each test runs on an in-memory SQLite
//! store and, when `KAFTOP_TEST_POSTGRES_URL` names a PostgreSQL database (the test
//! command starts one: scripts/test-postgres.sh), on a fresh schema there too.

use std::collections::HashSet;
use std::time::Duration;

use super::*;
use crate::fixtures::{created, deleted, now, raw, read};
use crate::{is_vip, RawRecord, ServiceName};
use kaftop_core::config::Secret;
use kaftop_core::events::MessageEvent;

/// A new, empty PostgreSQL store in a schema of its own, or None without a test
/// database.
pub(crate) fn postgres_store(label: &str) -> Option<Store> {
    let url = std::env::var("KAFTOP_TEST_POSTGRES_URL").ok()?;
    let password = std::env::var("KAFTOP_TEST_POSTGRES_PASSWORD")
        .ok()
        .map(Secret::new);
    let admin = PostgresTarget::new(&url, password.clone()).unwrap();
    let schema = format!(
        "t_{label}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let mut c = admin.connect().unwrap();
    c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let target = StoreTarget::Postgres(PostgresTarget::new(&scoped, password).unwrap());
    Some(Store::connect(&target).unwrap())
}

/// The stores a test runs on: SQLite, and PostgreSQL when there is one.
fn stores(label: &str) -> Vec<Store> {
    let mut v = vec![Store::in_memory().unwrap()];
    v.extend(postgres_store(label));
    v
}

/// A second connection to the same store (another instance).
fn reconnect(s: &Store) -> Store {
    let url = s.path().to_string();
    let password = std::env::var("KAFTOP_TEST_POSTGRES_PASSWORD")
        .ok()
        .map(Secret::new);
    Store::connect(&StoreTarget::Postgres(
        PostgresTarget::new(&url, password).unwrap(),
    ))
    .unwrap()
}

/// Applies events as one batch; record `i` is at `first_offset + i` of topic `t`.
fn apply_at(
    s: &mut Store,
    svc: ServiceName,
    events: &[MessageEvent],
    first_offset: i64,
) -> BatchOutcome {
    let vips = HashSet::new();
    let raws: Vec<RawRecord> = (0..events.len() as i64)
        .map(|o| raw("t", first_offset + o))
        .collect();
    let items: Vec<Item<'_>> = events
        .iter()
        .zip(&raws)
        .map(|(e, r)| Item::Event {
            event: e,
            vip: is_vip(e, &vips),
            raw: r,
        })
        .collect();
    s.apply_batch(svc, &items, &vips, 0, now()).unwrap()
}

/// A workload for every service: 6 messages (2 senders, 2 days), 4 reads (one read
/// before its message), 3 deletions.
fn workload() -> Vec<(ServiceName, Vec<MessageEvent>)> {
    let creates: Vec<MessageEvent> = (1..=6)
        .map(|i| {
            let day = if i <= 4 { "24" } else { "25" };
            created(i, 10 + i % 2, 20, &format!("2026-11-{day}T10:00:0{i}"))
        })
        .collect();
    let reads: Vec<MessageEvent> = [1, 2, 5, 6]
        .iter()
        .map(|&i| read(i, 20, "2026-11-25T12:00:00"))
        .collect();
    let deletes: Vec<MessageEvent> = (1..=3).map(|i| deleted(i, "2026-11-24T13:00:00")).collect();
    let mut receipt_order = vec![read(6, 20, "2026-11-25T12:00:00")];
    receipt_order.extend(creates.clone());
    receipt_order.extend(reads[..3].to_vec());
    let mut analytics = creates.clone();
    analytics.extend(reads.clone());
    vec![
        (ServiceName::Notification, creates),
        (ServiceName::Analytics, analytics),
        (ServiceName::ReadReceipt, receipt_order),
        (ServiceName::Archive, deletes),
    ]
}

/// The effects, without the work counters (which count deliveries, not effects).
fn effects(s: &Store) -> Report {
    let mut r = s.report().unwrap();
    r.services.clear();
    r.last_purge = None;
    r.store.clear();
    r
}

fn apply_workload(s: &mut Store, batch_size: usize) {
    for (svc, events) in workload() {
        for (n, chunk) in events.chunks(batch_size).enumerate() {
            apply_at(s, svc, chunk, (n * batch_size) as i64);
        }
    }
}

#[test]
fn migrations_reach_the_same_version_on_both_and_run_once() {
    for mut s in stores("migrate") {
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        s.migrate().unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    }
}

#[test]
fn a_replay_after_the_dedupe_records_are_gone_changes_no_effect() {
    for mut s in stores("replay") {
        apply_workload(&mut s, 4);
        let first = effects(&s);
        assert_eq!(
            (first.notifications, first.receipts, first.archived),
            (6, 4, 3)
        );
        assert_eq!(first.pending_receipts, 0);
        let days: Vec<(u64, u64, u64)> = first
            .daily
            .iter()
            .map(|d| (d.messages, d.distinct_senders, d.reads))
            .collect();
        assert_eq!(days, vec![(4, 2, 0), (2, 2, 4)]);
        // The dedupe records are purged (retention 0); then the whole workload
        // again, in other batches: every effect stays as it was.
        let keep = Retention {
            dedupe: Duration::ZERO,
            ..Retention::default()
        };
        let p = s
            .purge(now() + chrono::TimeDelta::seconds(1), &keep)
            .unwrap();
        assert_eq!(p.dedupe, 6 + 10 + 10 + 3);
        apply_workload(&mut s, 3);
        assert_eq!(effects(&s), first);
        let c = s.counters().unwrap()["analytics"];
        assert_eq!((c.consumed, c.processed, c.dedupe_hits), (20, 20, 0));
    }
}

#[test]
fn retention_purges_every_table_but_keeps_the_daily_counts() {
    for mut s in stores("retention") {
        apply_workload(&mut s, 10);
        let before = s.report().unwrap();
        let keep = Retention {
            message_index: Duration::from_secs(60),
            outbox: Duration::from_secs(60),
            receipts: Duration::from_secs(60),
            daily: Duration::from_secs(60),
            dedupe: Duration::from_secs(60),
        };
        // Within every retention: nothing goes (the archive keeps 30 days).
        let p = s
            .purge(now() + chrono::TimeDelta::seconds(59), &keep)
            .unwrap();
        assert_eq!(p.total(), 0);
        let p = s
            .purge(now() + chrono::TimeDelta::seconds(61), &keep)
            .unwrap();
        assert_eq!(
            (p.message_index, p.outbox, p.receipts, p.dedupe, p.archived),
            (6, 6, 4, 29, 0)
        );
        // 6 created + 4 read (day, message) rows and 4 (day, sender) rows.
        assert_eq!(p.daily, 14);
        let after = s.report().unwrap();
        assert_eq!(
            (after.notifications, after.receipts, after.indexed_messages),
            (0, 0, 0)
        );
        assert_eq!(after.daily, before.daily);
    }
}

#[test]
fn two_instances_storing_a_read_and_its_message_at_once_deliver_one_receipt() {
    let Some(mut a) = postgres_store("race") else {
        eprintln!("skipped: KAFTOP_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut b = reconnect(&a);
    let n = 200;
    // Instance A stores the reads, B the messages, in parallel batches of 10.
    let reads: Vec<MessageEvent> = (1..=n)
        .map(|i| read(i, 20, "2026-11-25T12:00:00"))
        .collect();
    let creates: Vec<MessageEvent> = (1..=n)
        .map(|i| created(i, 10, 20, "2026-11-25T11:00:00"))
        .collect();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for (k, chunk) in reads.chunks(10).enumerate() {
                apply_at(&mut a, ServiceName::ReadReceipt, chunk, 10 * k as i64);
            }
        });
        scope.spawn(|| {
            for (k, chunk) in creates.chunks(10).enumerate() {
                apply_at(
                    &mut b,
                    ServiceName::ReadReceipt,
                    chunk,
                    1000 + 10 * k as i64,
                );
            }
        });
    });
    let r = a.report().unwrap();
    assert_eq!((r.receipts, r.pending_receipts), (n as u64, 0));
    let c = r.services["read-receipt"];
    assert_eq!(c.processed, 2 * n as u64);
}

#[test]
fn the_outbox_delivery_queue_works_on_both() {
    for mut s in stores("push") {
        let events: Vec<MessageEvent> = (1..=3)
            .map(|i| created(i, 1, 2, "2026-11-24T10:00:00"))
            .collect();
        apply_at(&mut s, ServiceName::Notification, &events, 0);
        let due = s.due_pushes(i64::MAX, 10).unwrap();
        assert_eq!(
            due.iter().map(|p| p.message_id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let (a, b, c) = (due[0].id, due[1].id, due[2].id);
        s.push_sent(a, 10).unwrap();
        assert_eq!(s.push_failed(b, "503", 1_000).unwrap(), 1);
        assert_eq!(s.push_failed(b, "503", 2_000).unwrap(), 2);
        s.push_dead(c, "400 bad token").unwrap();
        assert!(s.due_pushes(1_999, 10).unwrap().is_empty());
        let due = s.due_pushes(2_000, 10).unwrap();
        assert_eq!(
            due.iter().map(|p| (p.id, p.attempts)).collect::<Vec<_>>(),
            [(b, 2)]
        );
    }
}

#[test]
fn an_expired_parked_read_is_claimed_by_one_instance_only() {
    let Some(a) = postgres_store("claim") else {
        eprintln!("skipped: KAFTOP_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut a = a;
    let b = reconnect(&a);
    apply_at(
        &mut a,
        ServiceName::ReadReceipt,
        &[read(7, 21, "2026-11-24T12:00:00")],
        0,
    );
    let later = now() + chrono::TimeDelta::seconds(1);
    let claimed = a.expired_receipts(later).unwrap();
    assert_eq!(claimed.len(), 1);
    // Claimed by A: neither B's sweep nor A's next one sees it again.
    assert!(b.expired_receipts(later).unwrap().is_empty());
    assert!(a.expired_receipts(later).unwrap().is_empty());
    assert!(a.finish_expired(&claimed[0]).unwrap());
    let r = a.report().unwrap();
    assert_eq!((r.pending_receipts, r.dead_lettered["t"]), (0, 1));
}

#[test]
fn a_due_push_is_taken_by_one_instance_only() {
    let Some(mut a) = postgres_store("pushclaim") else {
        eprintln!("skipped: KAFTOP_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = reconnect(&a);
    let events: Vec<MessageEvent> = (1..=4)
        .map(|i| created(i, 1, 2, "2026-11-24T10:00:00"))
        .collect();
    apply_at(&mut a, ServiceName::Notification, &events, 0);
    let at = 1_000_000;
    let first = a.due_pushes(at, 3).unwrap();
    let second = b.due_pushes(at, 3).unwrap();
    let ids = |v: &[OutboxPush]| v.iter().map(|p| p.message_id).collect::<Vec<_>>();
    assert_eq!((ids(&first), ids(&second)), (vec![1, 2, 3], vec![4]));
    // Nothing is due until the claims lapse; then the undelivered come back.
    assert!(a.due_pushes(at + 29_999, 10).unwrap().is_empty());
    a.push_sent(first[0].id, at).unwrap();
    assert_eq!(ids(&b.due_pushes(at + 30_000, 10).unwrap()), vec![2, 3, 4]);
}

//! The scripted workload (creates, reads, deletes, exact duplicates, poison records,
//! a read of an unknown message, a read before its message) and every effect it has.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kaftop_services::{self as services, ServiceName, ServiceState};
use serde_json::json;

use crate::common::wait_for;
use crate::effects::{assert_conservation, committed_total, counters, day, read_dlq, DlqRecord};
use crate::producer::{created, deleted, read, rec, Producer, Rec};
use crate::{env, test_options, D1, D2};

#[test]
fn scripted_workload_has_exact_effects() {
    let env = env("svc-work", "[services]\nvip_user_ids = [900]\n");
    let t = &env.topics;
    let p = Producer::new();

    // --- phase 1 -----------------------------------------------------------------
    let mut recs = vec![
        // D1: 8 messages from senders {10, 11, 900, 12, 13}.
        created(t, 1, 10, 20, "2026-11-24T09:00:00"),
        created(t, 2, 11, 20, "2026-11-24T09:01:00.5"),
        created(t, 3, 900, 21, "2026-11-24T09:02:00"), // VIP sender
        created(t, 4, 10, 21, "2026-11-24T09:03:00"),
        created(t, 5, 12, 900, "2026-11-24T09:04:00"), // VIP receiver
        created(t, 6, 11, 22, "2026-11-24T09:05:00"),
        created(t, 7, 10, 20, "2026-11-24T23:59:59.999"),
        created(t, 8, 13, 20, "2026-11-24T10:00:00"),
        // D2: 4 messages from {10, 14}; RFC 3339 with offset is converted to UTC.
        created(t, 9, 10, 20, "2026-11-25T00:00:00"),
        created(t, 10, 14, 21, "2026-11-25T10:00:00+09:00"),
        created(t, 11, 14, 22, "2026-11-25T11:00:00"),
        created(t, 12, 10, 20, "2026-11-25T12:00:00"),
        // Exact duplicates (producer retry, replays).
        created(t, 1, 10, 20, "2026-11-24T09:00:00"),
        created(t, 5, 12, 900, "2026-11-24T09:04:00"),
        created(t, 9, 10, 20, "2026-11-25T00:00:00"),
        // Reads: days by readAt (message 3 created on D1, read on D2).
        read(t, 1, 20, "2026-11-24T09:30:00"),
        read(t, 3, 21, "2026-11-25T01:00:00"),
        read(t, 5, 900, "2026-11-24T18:00:00"),
        read(t, 9, 20, "2026-11-25T08:00:00"),
        read(t, 10, 21, "2026-11-25T10:30:00"),
        read(t, 1, 20, "2026-11-24T09:30:00"), // duplicate
        // A read of a message that never arrives, and one whose message comes later.
        read(t, 13, 24, "2026-11-25T13:00:00"),
        read(t, 14, 23, "2026-11-25T14:00:00"),
        // Deletes (one duplicate).
        deleted(t, 2, 11, 20, "2026-11-24T12:00:00"),
        deleted(t, 7, 10, 20, "2026-11-25T09:30:00.250"),
        deleted(t, 2, 11, 20, "2026-11-24T12:00:00"),
    ];
    // Poison records.
    let mut not_json = rec(&t.created, "p1", "{not json");
    not_json.headers = vec![("trace-id", "abc-123")];
    let oversized = created(t, 50, 10, 20, "2026-11-24T09:00:00");
    let oversized = Rec {
        value: json!({"messageId": 50, "senderId": 10, "receiverId": 20,
                      "content": "x".repeat(1200), "createdAt": "2026-11-24T09:00:00"})
        .to_string()
        .into_bytes(),
        ..oversized
    };
    let missing_field = rec(
        &t.read,
        "p3",
        r#"{"messageId":60,"readAt":"2026-11-24T09:00:00"}"#,
    );
    let wrong_type = rec(
        &t.deleted,
        "p4",
        r#"{"messageId":70,"senderId":"eleven","receiverId":20,"deletedAt":"2026-11-24T09:00:00"}"#,
    );
    let poison_at = recs.len();
    recs.extend([not_json, oversized, missing_field, wrong_type]);
    let delivered = p.send(&recs);
    let at = |i: usize| delivered[poison_at + i];
    let read13_at = delivered[21];

    let mut opts = test_options(&env);
    opts.concurrency = 2;
    opts.max_record_bytes = 1024;
    opts.receipt_retry_window = Duration::from_secs(6);
    let backup = env.dir.join("backup/archive.jsonl");
    opts.archive_backup = Some(backup.clone());
    let handle = services::start(&env.cfg, opts, &[]).expect("start services");
    assert_eq!(
        handle.group(ServiceName::Analytics),
        format!(
            "{}analytics-service-group",
            t.created.strip_suffix("message.created").unwrap()
        )
    );

    // Both unresolvable reads wait, everything else is done.
    wait_for("phase 1 stored", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        let rr = counters(&r, "read-receipt");
        (rr.consumed == 26 && rr.processed == 17 && r.pending_receipts == 2).then_some(())
    });

    // --- phase 2: the created event of the parked read 14 ---------------------------
    p.send(&[created(t, 14, 15, 23, "2026-11-25T13:59:00")]);
    let r = wait_for("all stored", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        let done = counters(&r, "notification").consumed == 18
            && counters(&r, "analytics").consumed == 27
            && counters(&r, "read-receipt").consumed == 27
            && counters(&r, "read-receipt").dead_lettered == 4
            && counters(&r, "archive").consumed == 4
            && r.pending_receipts == 0;
        done.then_some(r)
    });

    // --- counters: exact, and conserved ----------------------------------------------
    let c = |s| {
        let c = counters(&r, s);
        (c.consumed, c.processed, c.dead_lettered, c.dedupe_hits)
    };
    assert_eq!(c("notification"), (18, 13, 2, 3));
    assert_eq!(c("analytics"), (27, 20, 3, 4));
    assert_eq!(c("read-receipt"), (27, 19, 4, 4));
    assert_eq!(c("archive"), (4, 2, 1, 1));
    assert!(counters(&r, "read-receipt").retries >= 2, "{r:?}");
    assert_conservation(&r);

    // --- analytics by event date --------------------------------------------------------
    assert_eq!(day(&r, D1), (8, 5, 2));
    assert_eq!(day(&r, D2), (5, 3, 5));
    assert_eq!(r.daily.len(), 2);
    assert!(r.daily[0].date < r.daily[1].date);

    // --- totals as `services report` shows them --------------------------------------
    assert_eq!(r.notifications, 13);
    assert_eq!(r.vip_notifications, 2);
    assert_eq!(r.receipts, 6);
    assert_eq!(r.archived, 2);
    assert_eq!(r.indexed_messages, 13);
    assert_eq!(
        r.dead_lettered,
        BTreeMap::from([
            (t.created.clone(), 6),
            (t.read.clone(), 3),
            (t.deleted.clone(), 1)
        ])
    );

    // --- receipts go to the original sender -----------------------------------------
    let store = kaftop_services::Store::open_existing(&env.dir.join("data/services.db")).unwrap();
    let receipt = |id| {
        let r = store.receipt(id).unwrap().expect("receipt");
        (r.sender_id, r.receiver_id, r.read_at.to_string(), r.vip)
    };
    assert_eq!(receipt(1), (10, 20, "2026-11-24T09:30:00".into(), false));
    assert_eq!(receipt(3), (900, 21, "2026-11-25T01:00:00".into(), true));
    assert_eq!(receipt(5), (12, 900, "2026-11-24T18:00:00".into(), true));
    assert_eq!(receipt(9), (10, 20, "2026-11-25T08:00:00".into(), false));
    assert_eq!(receipt(10), (14, 21, "2026-11-25T10:30:00".into(), false));
    assert_eq!(receipt(14), (15, 23, "2026-11-25T14:00:00".into(), false));
    assert!(store.receipt(13).unwrap().is_none());

    // --- outbox: the seed's notification, VIPs flagged ---------------------------------
    let outbox = store.outbox().unwrap();
    let ids: BTreeSet<i64> = outbox.iter().map(|n| n.data.message_id).collect();
    assert_eq!(ids, (1..=12).chain([14]).collect());
    let n1 = outbox.iter().find(|n| n.data.message_id == 1).unwrap();
    assert_eq!(
        (
            n1.user_id,
            n1.title.as_str(),
            n1.body.as_str(),
            n1.kind.as_str(),
            n1.vip
        ),
        (20, "새 메시지 도착", "message 1", "MESSAGE", false)
    );
    let vips: BTreeSet<i64> = outbox
        .iter()
        .filter(|n| n.vip)
        .map(|n| n.data.message_id)
        .collect();
    assert_eq!(vips, BTreeSet::from([3, 5]));

    // --- archive rows: retention = deletedAt + 30 days ---------------------------------
    let a = store.archived(2).unwrap().unwrap();
    assert_eq!(
        (
            a.sender_id,
            a.receiver_id,
            a.deleted_at.to_string(),
            a.retention_until.to_string()
        ),
        (
            11,
            20,
            "2026-11-24T12:00:00".into(),
            "2026-12-24T12:00:00".into()
        )
    );
    let a = store.archived(7).unwrap().unwrap();
    assert_eq!(a.retention_until.to_string(), "2026-12-25T09:30:00.250");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&backup)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let backed: BTreeSet<i64> = lines
        .iter()
        .map(|l| l["originalMessageId"].as_i64().unwrap())
        .collect();
    assert_eq!((lines.len(), backed), (2, BTreeSet::from([2, 7])));

    // --- the live snapshot --------------------------------------------------------------
    let snap = handle.stats();
    for s in &snap.services {
        assert_eq!((s.state, s.consumers), (ServiceState::Running, 2), "{s:?}");
    }
    let fed: BTreeSet<i64> = snap
        .notifications
        .iter()
        .map(|n| n.data.message_id)
        .collect();
    assert_eq!(fed, ids);
    let fed: BTreeSet<i64> = snap.receipts.iter().map(|r| r.message_id).collect();
    assert_eq!(fed, BTreeSet::from([1, 3, 5, 9, 10, 14]));
    let figures = snap.store.as_ref().unwrap();
    assert_eq!(figures.archived, 2);
    assert!(snap.next_purge.is_some() && figures.last_purge.is_some());
    let rr = snap.service(ServiceName::ReadReceipt).unwrap();
    assert_eq!((rr.counters.consumed, rr.counters.dead_lettered), (27, 4));

    let fin = handle.shutdown();
    for s in &fin.services {
        assert_eq!((s.state, s.consumers), (ServiceState::Stopped, 0), "{s:?}");
    }

    // --- every poison record in its DLQ, with headers and the original record ----------
    let expect = |src: &str, (part, off): (i32, i64), service: &str, key: &str| {
        BTreeMap::from([
            ("kaftop.service".to_string(), service.to_string()),
            ("kaftop.source.topic".to_string(), src.to_string()),
            ("kaftop.source.partition".to_string(), part.to_string()),
            ("kaftop.source.offset".to_string(), off.to_string()),
            ("key".to_string(), key.to_string()),
        ])
    };
    let shape = |d: &DlqRecord| {
        let mut m: BTreeMap<String, String> = d
            .headers
            .iter()
            .filter(|(k, _)| k.starts_with("kaftop.") && *k != "kaftop.error")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        m.insert("key".into(), d.key.clone());
        m
    };

    let dlq = read_dlq(&format!("{}.dlq", t.created), 6);
    let mut want = Vec::new();
    for svc in ["notification", "analytics", "read-receipt"] {
        want.push(expect(&t.created, at(0), svc, "p1"));
        want.push(expect(&t.created, at(1), svc, "50"));
    }
    let mut got: Vec<_> = dlq.iter().map(shape).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    for d in &dlq {
        let err = &d.headers["kaftop.error"];
        if d.key == "p1" {
            assert!(err.starts_with("invalid created event: not JSON"), "{err}");
            assert_eq!(d.value, b"{not json");
            assert_eq!(d.headers["trace-id"], "abc-123"); // original headers kept
            assert_eq!(d.partition, at(0).0);
        } else {
            assert!(
                err.contains("oversized") && err.contains("the limit is 1024"),
                "{err}"
            );
            assert_eq!(d.value, recs[poison_at + 1].value);
        }
    }

    let dlq = read_dlq(&format!("{}.dlq", t.read), 3);
    let mut want = vec![
        expect(&t.read, at(2), "analytics", "p3"),
        expect(&t.read, at(2), "read-receipt", "p3"),
        expect(&t.read, read13_at, "read-receipt", "13"),
    ];
    let mut got: Vec<_> = dlq.iter().map(shape).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    for d in &dlq {
        let err = &d.headers["kaftop.error"];
        if d.key == "p3" {
            assert!(err.contains("missing field `receiverId`"), "{err}");
        } else {
            assert!(
                err.contains("unknown message") && err.contains("messageId 13"),
                "{err}"
            );
            assert_eq!(d.value, recs[21].value);
        }
    }

    let dlq = read_dlq(&format!("{}.dlq", t.deleted), 1);
    assert_eq!(shape(&dlq[0]), expect(&t.deleted, at(3), "archive", "p4"));
    assert!(
        dlq[0].headers["kaftop.error"].contains("invalid type: string \"eleven\""),
        "{:?}",
        dlq[0].headers
    );

    // --- offsets committed past every record, poison included ---------------------------
    let g = |s| services::ServicesOptions::for_config(&env.cfg).group(s);
    assert_eq!(
        committed_total(&g(ServiceName::Notification), &t.created),
        18
    );
    assert_eq!(committed_total(&g(ServiceName::ReadReceipt), &t.read), 9);
    assert_eq!(committed_total(&g(ServiceName::Archive), &t.deleted), 4);
}

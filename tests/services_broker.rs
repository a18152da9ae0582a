//! The embedded reference consumers against the real test broker: a scripted workload
//! from an independent producer (creates, reads, deletes, exact duplicates, poison
//! records, a read of an unknown message, a read before its message), then every
//! effect checked exactly: daily stats, receipts, archive rows, outbox, DLQ records
//! with their headers, counters and their conservation, committed offsets, and no
//! double counting across restarts.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{kaftop, unique, wait_for, write_config, TestTopics};
use kaftop::config::{self, Overrides, Resolved};
use kaftop::services::store::Report;
use kaftop::services::ServiceName;
use kaftop::services::{self, ServiceState, ServicesOptions};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;

const PARTITIONS: i32 = 3;
const D1: &str = "2026-11-24";
const D2: &str = "2026-11-25";

/// One test's private message service: config file, topics (created with
/// `kaftop topics ensure`), data dir.
struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    topics: TestTopics,
    config: PathBuf,
    cfg: Resolved,
}

fn env(prefix: &str, extra: &str) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, PARTITIONS);
    if !extra.is_empty() {
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(extra);
        std::fs::write(&config, text).unwrap();
    }
    kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = config::load(&Overrides {
        config_file: Some(config.clone()),
        ..Overrides::default()
    })
    .unwrap();
    Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        topics,
        config,
        cfg,
    }
}

/// Options for in-process services: short timeouts for tests.
fn test_options(env: &Env) -> ServicesOptions {
    let mut o = ServicesOptions::for_config(&env.cfg);
    o.session_timeout = Duration::from_secs(6);
    o.max_poll_interval = Duration::from_secs(12);
    o.poll_timeout = Duration::from_millis(100);
    o
}

struct Rec {
    topic: String,
    key: String,
    value: Vec<u8>,
    headers: Vec<(&'static str, &'static str)>,
}

fn rec(topic: &str, key: impl ToString, value: impl Into<Vec<u8>>) -> Rec {
    Rec {
        topic: topic.to_string(),
        key: key.to_string(),
        value: value.into(),
        headers: Vec::new(),
    }
}

fn created(t: &TestTopics, id: i64, sender: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "senderId": sender, "receiverId": receiver,
                   "content": format!("message {id}"), "createdAt": at});
    rec(&t.created, id, v.to_string())
}

fn read(t: &TestTopics, id: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "receiverId": receiver, "readAt": at});
    rec(&t.read, id, v.to_string())
}

fn deleted(t: &TestTopics, id: i64, sender: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "senderId": sender, "receiverId": receiver, "deletedAt": at});
    rec(&t.deleted, id, v.to_string())
}

/// An independent producer (plain rdkafka, not kaftop's publisher).
struct Producer {
    producer: FutureProducer,
    rt: tokio::runtime::Runtime,
}

impl Producer {
    fn new() -> Self {
        Producer {
            producer: ClientConfig::new()
                .set("bootstrap.servers", common::bootstrap())
                .set("linger.ms", "5")
                .create()
                .unwrap(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Sends in order, waits for every delivery; returns (partition, offset) of each.
    fn send(&self, recs: &[Rec]) -> Vec<(i32, i64)> {
        self.rt.block_on(async {
            let mut pending = Vec::new();
            for r in recs {
                let mut h = OwnedHeaders::new();
                for (k, v) in &r.headers {
                    h = h.insert(Header {
                        key: k,
                        value: Some(*v),
                    });
                }
                let record = FutureRecord::to(&r.topic)
                    .key(&r.key)
                    .payload(&r.value)
                    .headers(h);
                pending.push(
                    self.producer
                        .send_result(record)
                        .map_err(|(e, _)| e)
                        .expect("queued"),
                );
            }
            let mut out = Vec::new();
            for f in pending {
                let d = f.await.expect("delivery").expect("delivered");
                out.push((d.partition, d.offset));
            }
            out
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DlqRecord {
    partition: i32,
    key: String,
    value: Vec<u8>,
    headers: BTreeMap<String, String>,
}

/// Every record of a DLQ topic, read from the beginning without a group. Waits for
/// `expected` records, then checks that no more arrive.
fn read_dlq(topic: &str, expected: usize) -> Vec<DlqRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", unique("dlq-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let take = |m: rdkafka::message::BorrowedMessage<'_>| {
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|x| {
                        (
                            x.key.to_string(),
                            String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        DlqRecord {
            partition: m.partition(),
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            value: m.payload().unwrap_or_default().to_vec(),
            headers,
        }
    };
    wait_for(
        &format!("{expected} records on {topic}"),
        Duration::from_secs(60),
        || {
            while let Some(r) = consumer.poll(Duration::from_millis(200)) {
                out.push(take(r.expect("consume")));
            }
            (out.len() >= expected).then_some(())
        },
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if let Some(r) = consumer.poll(Duration::from_millis(100)) {
            out.push(take(r.expect("consume")));
        }
    }
    assert_eq!(out.len(), expected, "{topic}: {out:#?}");
    out.sort();
    out
}

/// Committed offsets of `group` on `topic`, summed over partitions (OffsetFetch).
fn committed_total(group: &str, topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(topic, p);
    }
    let c = consumer
        .committed_offsets(tpl, Duration::from_secs(10))
        .unwrap();
    c.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => o,
            _ => 0,
        })
        .sum()
}

fn counters(r: &Report, s: &str) -> kaftop::services::store::StoredCounters {
    r.services.get(s).copied().unwrap_or_default()
}

/// consumed = processed + dead_lettered + dedupe_hits (+ pending for read receipts).
fn assert_conservation(r: &Report) {
    for (name, c) in &r.services {
        let pending = if name == "read-receipt" {
            r.pending_receipts
        } else {
            0
        };
        assert_eq!(
            c.consumed,
            c.processed + c.dead_lettered + c.dedupe_hits + pending,
            "{name}: {c:?}"
        );
    }
}

fn day(r: &Report, date: &str) -> (u64, u64, u64) {
    r.daily
        .iter()
        .find(|d| d.date == date)
        .map(|d| (d.messages, d.distinct_senders, d.reads))
        .unwrap_or_default()
}

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
    let store = kaftop::services::Store::open_existing(&env.dir.join("data/services.db")).unwrap();
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

#[test]
fn restarts_mid_stream_do_not_double_count() {
    let env = env("svc-restart", "");
    let t = env.topics.created.clone();
    let p = Producer::new();
    let make = |ids: std::ops::RangeInclusive<i64>| -> Vec<Rec> {
        ids.map(|id| created(&env.topics, id, 100 + id % 7, 200, "2026-11-24T08:00:00"))
            .collect()
    };
    let which = [ServiceName::Analytics, ServiceName::Notification];
    let mut opts = test_options(&env);
    opts.concurrency = 2;
    opts.batch_size = 25;

    // Phase A, consumed completely, then a full graceful shutdown.
    p.send(&make(1..=300));
    let handle = services::start(&env.cfg, opts.clone(), &which).unwrap();
    wait_for("phase A", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed == 300 && counters(&r, "notification").consumed == 300)
            .then_some(())
    });
    handle.shutdown();

    // Phase B while a producer is still writing: 300 new messages and 20 exact
    // duplicates of phase A, in small chunks. Analytics is stopped mid-stream and
    // started again.
    let handle = services::start(&env.cfg, opts, &which).unwrap();
    let mut b = make(301..=600);
    b.extend(make(1..=20));
    let writer = std::thread::spawn(move || {
        let p = Producer::new();
        for chunk in b.chunks(20) {
            p.send(chunk);
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    wait_for("some of phase B", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed > 300).then_some(())
    });
    handle.stop_service(ServiceName::Analytics);
    let stopped_at = counters(&handle.report().unwrap(), "analytics").consumed;
    assert_eq!(
        handle
            .stats()
            .service(ServiceName::Analytics)
            .unwrap()
            .state,
        ServiceState::Stopped
    );
    writer.join().unwrap();
    handle.start_service(ServiceName::Analytics).unwrap();
    let r = wait_for("phase B", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed >= 620 && counters(&r, "notification").consumed >= 620)
            .then_some(r)
    });
    handle.shutdown();
    eprintln!("analytics stopped at {stopped_at} of 620 consumed");

    // Exactly once in effect; and no committed record was delivered again (the only
    // dedupe hits are the 20 duplicates that were published).
    assert_eq!(day(&r, D1), (600, 7, 0));
    assert_eq!(r.notifications, 600);
    for s in ["analytics", "notification"] {
        let c = counters(&r, s);
        assert_eq!(
            (c.consumed, c.processed, c.dedupe_hits, c.dead_lettered),
            (620, 600, 20, 0),
            "{s}"
        );
    }
    assert_conservation(&r);
    let g = |s| services::ServicesOptions::for_config(&env.cfg).group(s);
    assert_eq!(committed_total(&g(ServiceName::Analytics), &t), 620);
    assert_eq!(committed_total(&g(ServiceName::Notification), &t), 620);
}

fn report_json(env: &Env) -> serde_json::Value {
    common::report_json(&env.config, &[])
}

/// `kaftop consumers` rows by service: the numeric columns and the group.
fn summary_rows(stdout: &str) -> BTreeMap<String, (Vec<u64>, String)> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 8).then(|| {
                (
                    cols[0].to_string(),
                    (
                        cols[1..7].iter().map(|c| c.parse().unwrap()).collect(),
                        cols[7].to_string(),
                    ),
                )
            })
        })
        .collect()
}

/// The services' lines of the log file (for failure messages).
fn log_tail(env: &Env) -> String {
    let log = std::fs::read_to_string(env.dir.join("data/logs/kaftop.log")).unwrap_or_default();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("services") || l.contains("WARN") || l.contains("ERROR"))
        .collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

#[test]
fn the_consumers_command_stops_on_sigterm_and_after_its_duration() {
    let env = env("svc-cli", "[services]\nvip_user_ids = [7]\n");
    let t = &env.topics;
    let p = Producer::new();
    let mut recs: Vec<Rec> = (1..=20)
        .map(|id| created(t, id, if id <= 2 { 7 } else { 8 }, 9, "2026-11-24T08:00:00"))
        .collect();
    recs.extend((1..=5).map(|id| deleted(t, id, 8, 9, "2026-11-24T09:00:00")));
    recs.push(rec(&t.deleted, "bad", "[1,2,3]"));
    p.send(&recs);

    let child = common::spawn_consumers(
        &env.config,
        &[
            "--service",
            "analytics",
            "--service",
            "archive",
            // Two members per group, all leaving at once on SIGTERM.
            "--concurrency",
            "2",
        ],
        &[],
    );
    wait_for("the binary's effects", Duration::from_secs(60), || {
        let r = report_json(&env);
        let done = r["daily"][0]["messages"] == 20
            && r["archived"] == 5
            && r["dead_lettered"][&t.deleted] == 1;
        done.then_some(())
    });
    let started = Instant::now();
    let output = child.terminate();
    assert!(output.status.success(), "{output:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows = summary_rows(&stdout);
    let ns = t.created.strip_suffix("message.created").unwrap();
    // consumed, processed, dead-lettered, dedupe hits, retries, pending
    assert_eq!(
        rows["analytics"],
        (
            vec![20, 20, 0, 0, 0, 0],
            format!("{ns}analytics-service-group")
        ),
        "{stdout}"
    );
    assert_eq!(
        rows["archive"],
        (vec![6, 5, 1, 0, 0, 0], format!("{ns}archive-service-group")),
        "{stdout}"
    );
    assert_eq!(rows.len(), 2, "{stdout}");

    // Published while nothing runs; a `--duration` run picks them up. It can only do
    // so within the duration if the SIGTERMed members left the group.
    let mut more: Vec<Rec> = (21..=25)
        .map(|id| created(t, id, 8, 9, "2026-11-24T08:00:00"))
        .collect();
    more.push(created(t, 3, 8, 9, "2026-11-24T08:00:00")); // duplicate
    p.send(&more);
    let started = Instant::now();
    let out = kaftop()
        .args(["--config", env.config.to_str().unwrap()])
        .args(["--data-dir", env.dir.join("data").to_str().unwrap()])
        .args(["consumers", "--service", "analytics", "--duration", "6s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let rows = summary_rows(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        rows["analytics"].0,
        vec![6, 5, 0, 1, 0, 0],
        "log:\n{}",
        log_tail(&env)
    );

    let r = report_json(&env);
    assert_eq!(
        r["daily"],
        json!([{"date": D1, "messages": 25, "distinct_senders": 2, "reads": 0}])
    );
    assert_eq!(r["services"]["analytics"]["consumed"], 26);
    assert_eq!(r["services"]["analytics"]["dedupe_hits"], 1);
    assert_eq!(r["archived"], 5);
    assert_eq!(r["notifications"], 0);
    assert_eq!(r["receipts"], 0);

    // The human report.
    let out = kaftop()
        .args(["--config", env.config.to_str().unwrap()])
        .args(["services", "report"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("archived       5\n"), "{text}");
    assert!(
        text.contains(&format!("dead-lettered  {} 1\n", t.deleted)),
        "{text}"
    );
    assert!(
        text.contains("2026-11-24  25        2                 0"),
        "{text}"
    );
}

#[test]
fn report_without_a_store_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaftop()
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["services", "report", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("services.db: no services store here"), "{err}");
}

#[test]
fn a_poison_record_too_big_to_copy_is_dead_lettered_truncated() {
    let env = env("svc-big", "");
    let t = &env.topics;
    // Not JSON, and bigger than a dead-letter record may carry whole.
    let big = vec![b'x'; services::DLQ_MAX_VALUE + 100_000];
    let sent = Producer::new().send(&[
        rec(&t.deleted, "big", big.clone()),
        deleted(t, 1, 8, 9, "2026-11-24T09:00:00"),
    ]);
    let handle =
        services::start(&env.cfg, test_options(&env), &[ServiceName::Archive]).expect("start");
    let dlq = read_dlq(&format!("{}.dlq", t.deleted), 1);
    let fin = handle.shutdown();
    let d = &dlq[0];
    assert_eq!(d.key, "big");
    assert_eq!(d.value, big[..services::DLQ_MAX_VALUE]);
    assert_eq!(
        d.headers[services::HEADER_TRUNCATED_FROM],
        big.len().to_string()
    );
    assert_eq!(d.headers["kaftop.source.offset"], sent[0].1.to_string());
    assert!(
        d.headers["kaftop.error"].contains("not JSON"),
        "{:?}",
        d.headers
    );
    // The partition was not blocked: the record after it was archived.
    let c = fin.service(ServiceName::Archive).unwrap().counters;
    assert_eq!((c.consumed, c.processed, c.dead_lettered), (2, 1, 1));
}

//! The message service's own stack as a peer (tests/java-peer, run through
//! scripts/java-peer.sh): Spring Kafka's KafkaTemplate with its JsonSerializer (and its
//! `__TypeId__` headers) and its JsonDeserializer, over the seed's event classes, on
//! the real test broker.
//!
//! - what the Java peer produces, kaftop's embedded services process exactly;
//! - what kaftop publishes deserializes into the seed's classes, every field equal;
//! - a key lands on the same partition from kaftop as from the Java producer;
//! - `kaftop tail` shows the peer's records with their type header.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command as StdCommand, Output};
use std::time::Duration;

use common::{
    assert_success, kaftop, report_json, spawn_consumers, wait_for, write_config, TestTopics,
};
use serde_json::{json, Value};

/// The fully qualified names the Java peer's classes have (and its `__TypeId__`s carry).
const CREATED_CLASS: &str = "dev.kaftop.peer.event.MessageCreatedEvent";
const READ_CLASS: &str = "dev.kaftop.peer.event.MessageReadEvent";
const DELETED_CLASS: &str = "dev.kaftop.peer.event.MessageDeletedEvent";

/// Runs the Java peer with `args` and returns its stdout's JSON lines.
fn peer(args: &[&str]) -> Vec<Value> {
    let out = StdCommand::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/java-peer.sh"))
        .arg("run")
        .args(args)
        .output()
        .expect("run scripts/java-peer.sh");
    assert_success(&out);
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The peer's `produce`: one line per event sent, with where it landed.
fn java_produce(
    topic: &str,
    kind: &str,
    count: u64,
    start_id: i64,
    at: &str,
    jackson: &str,
) -> Vec<Value> {
    let lines = peer(&[
        "produce",
        "--bootstrap",
        &common::bootstrap(),
        "--topic",
        topic,
        "--type",
        kind,
        "--count",
        &count.to_string(),
        "--start-id",
        &start_id.to_string(),
        "--at",
        at,
        "--jackson",
        jackson,
    ]);
    assert_eq!(lines.len() as u64, count, "{lines:#?}");
    lines
}

/// The peer's `consume`: every record of `topic` deserialized into the seed's class
/// by Spring Kafka's Jackson `2` (JsonDeserializer) or `3` (JacksonJsonDeserializer).
fn java_consume(topic: &str, kind: &str, count: usize, jackson: &str) -> Vec<Value> {
    let mut lines = peer(&[
        "consume",
        "--bootstrap",
        &common::bootstrap(),
        "--topic",
        topic,
        "--type",
        kind,
        "--count",
        &count.to_string(),
        "--timeout-s",
        "60",
        "--jackson",
        jackson,
    ]);
    assert_eq!(lines.len(), count, "{lines:#?}");
    lines.sort_by_key(|l| (l["partition"].as_i64(), l["offset"].as_i64()));
    lines
}

/// A kaftop timestamp as the peer prints a `LocalDateTime`: nanoseconds, 9 digits.
fn nanos(kaftop_time: &str) -> String {
    let t = kaftop::events::EventTime::parse(kaftop_time)
        .unwrap_or_else(|e| panic!("{kaftop_time}: {e}"));
    t.0.format("%Y-%m-%dT%H:%M:%S%.9f").to_string()
}

struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    topics: TestTopics,
    config: PathBuf,
}

fn env(prefix: &str, partitions: i32) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, partitions);
    let out = kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .output()
        .unwrap();
    assert_success(&out);
    Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        topics,
        config,
    }
}

impl Env {
    fn kaftop(&self, args: &[&str]) -> Output {
        let out = kaftop()
            .args(["--config", self.config.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        assert_success(&out);
        out
    }
}

// --- Java produces, kaftop's services consume ----------------------------------------

/// `kaftop consumers` summary rows by service: consumed, processed, dead-lettered,
/// dedupe hits, retries, pending.
fn summary_rows(stdout: &str) -> BTreeMap<String, Vec<u64>> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 8).then(|| {
                (
                    cols[0].to_string(),
                    cols[1..7].iter().map(|c| c.parse().unwrap()).collect(),
                )
            })
        })
        .collect()
}

#[test]
fn events_the_java_peer_produces_are_processed_exactly() {
    let env = env("jp-svc", 3);
    let t = &env.topics;
    // LocalDateTime as Jackson 2's arrays (JsonSerializer's own mapper), as ISO
    // strings (a Jackson 2 mapper as Spring Boot configures it) and as Jackson 3 (Spring
    // Kafka 4's JacksonJsonSerializer) writes it; across midnight, one at exactly
    // 00:00:00 (a 5-element array) and some with nanoseconds.
    let mut created = java_produce(&t.created, "created", 24, 1, "2026-11-24T23:59:30", "2");
    created.extend(java_produce(
        &t.created,
        "created",
        16,
        25,
        "2026-11-25T12:00:00",
        "3",
    ));
    let reads = java_produce(&t.read, "read", 30, 1, "2026-11-25T23:59:50", "2");
    let deletes = java_produce(
        &t.deleted,
        "deleted",
        10,
        31,
        "2026-11-26T09:00:00.250",
        "2-boot",
    );
    for (lines, class) in [
        (&created, CREATED_CLASS),
        (&reads, READ_CLASS),
        (&deletes, DELETED_CLASS),
    ] {
        assert!(lines.iter().all(|l| l["typeId"] == class), "{lines:#?}");
    }
    assert_eq!(created[20]["createdAt"], "2026-11-25T00:00:00.000000000");
    assert_eq!(created[3]["createdAt"], "2026-11-24T23:59:34.500123456");

    // The expected daily stats, from what the peer sent.
    let mut daily: BTreeMap<String, (u64, BTreeSet<i64>, u64)> = BTreeMap::new();
    for c in &created {
        let d = daily
            .entry(c["createdAt"].as_str().unwrap()[..10].to_string())
            .or_default();
        d.0 += 1;
        d.1.insert(c["senderId"].as_i64().unwrap());
    }
    for r in &reads {
        daily
            .entry(r["readAt"].as_str().unwrap()[..10].to_string())
            .or_default()
            .2 += 1;
    }
    let expected_daily: Vec<Value> = daily
        .iter()
        .map(|(date, (messages, senders, reads))| {
            json!({"date": date, "messages": messages,
                   "distinct_senders": senders.len(), "reads": reads})
        })
        .collect();
    assert_eq!(expected_daily.len(), 3, "{expected_daily:?}");

    let child = spawn_consumers(&env.config, &[], &[]);
    let report = wait_for("the services' effects", Duration::from_secs(90), || {
        let r = report_json(&env.config, &[]);
        let c = &r["services"];
        let done = c["notification"]["consumed"] == 40
            && c["analytics"]["consumed"] == 70
            && c["read-receipt"]["consumed"] == 70
            && c["archive"]["consumed"] == 10
            && r["pending_receipts"] == 0;
        done.then_some(r)
    });
    let output = child.terminate();
    assert!(output.status.success(), "{output:?}");

    // Every event processed once: nothing dead-lettered, nothing taken for a duplicate.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows = summary_rows(&stdout);
    let row = |s: &str| rows[s][..4].to_vec();
    assert_eq!(row("notification"), [40, 40, 0, 0], "{stdout}");
    assert_eq!(row("analytics"), [70, 70, 0, 0], "{stdout}");
    assert_eq!(row("read-receipt"), [70, 70, 0, 0], "{stdout}");
    assert_eq!(row("archive"), [10, 10, 0, 0], "{stdout}");
    assert_eq!(rows.values().map(|r| r[5]).sum::<u64>(), 0, "{stdout}");

    assert_eq!(report["notifications"], 40);
    assert_eq!(report["receipts"], 30);
    assert_eq!(report["archived"], 10);
    assert_eq!(report["indexed_messages"], 40);
    assert_eq!(report["dead_lettered"], json!({}));
    assert_eq!(report["daily"], Value::Array(expected_daily));

    // Each effect carries the peer's fields exactly (Hangul, quotes, emoji, nanos).
    let store = kaftop::services::Store::open_existing(&env.dir.join("data/services.db")).unwrap();
    let by_id = |lines: &[Value]| -> BTreeMap<i64, Value> {
        lines
            .iter()
            .map(|l| (l["messageId"].as_i64().unwrap(), l.clone()))
            .collect()
    };
    let created = by_id(&created);
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 40);
    for n in &outbox {
        let c = &created[&n.data.message_id];
        assert_eq!(
            (
                n.user_id,
                n.body.as_str(),
                n.title.as_str(),
                n.kind.as_str()
            ),
            (
                c["receiverId"].as_i64().unwrap(),
                c["content"].as_str().unwrap(),
                "새 메시지 도착",
                "MESSAGE"
            )
        );
    }
    assert_eq!(
        created[&7]["content"], "안녕하세요 #7 \"quoted\" 🚀",
        "the peer's content"
    );
    for r in &reads {
        let id = r["messageId"].as_i64().unwrap();
        let receipt = store.receipt(id).unwrap().expect("receipt");
        assert_eq!(
            (
                receipt.sender_id,
                receipt.receiver_id,
                nanos(&receipt.read_at.to_string())
            ),
            (
                created[&id]["senderId"].as_i64().unwrap(),
                r["receiverId"].as_i64().unwrap(),
                r["readAt"].as_str().unwrap().to_string()
            )
        );
    }
    for d in &deletes {
        let id = d["messageId"].as_i64().unwrap();
        let a = store.archived(id).unwrap().expect("archived");
        assert_eq!(
            (a.sender_id, a.receiver_id, nanos(&a.deleted_at.to_string())),
            (
                d["senderId"].as_i64().unwrap(),
                d["receiverId"].as_i64().unwrap(),
                d["deletedAt"].as_str().unwrap().to_string()
            )
        );
    }
}

// --- kaftop publishes, the Java peer deserializes -------------------------------------

/// kaftop's own view of a topic's records (`tail --json`), by (partition, offset).
fn tail_values(env: &Env, topic: &str, count: usize) -> BTreeMap<(i64, i64), Value> {
    let out = env.kaftop(&[
        "tail",
        topic,
        "--from-beginning",
        "-n",
        &count.to_string(),
        "--json",
    ]);
    let recs: BTreeMap<(i64, i64), Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                (
                    v["partition"].as_i64().unwrap(),
                    v["offset"].as_i64().unwrap(),
                ),
                v,
            )
        })
        .collect();
    assert_eq!(recs.len(), count);
    recs
}

/// Asserts that the peer's view of every record equals the JSON kaftop wrote.
fn assert_same_fields(java: &[Value], kaftop: &BTreeMap<(i64, i64), Value>, class: &str) {
    for j in java {
        let at = (
            j["partition"].as_i64().unwrap(),
            j["offset"].as_i64().unwrap(),
        );
        let k = &kaftop[&at];
        let mut expected = serde_json::Map::new();
        for (field, v) in k["value"].as_object().unwrap() {
            let v = if field.ends_with("At") {
                Value::from(nanos(v.as_str().unwrap()))
            } else {
                v.clone()
            };
            expected.insert(field.clone(), v);
        }
        let mut got = j.as_object().unwrap().clone();
        assert_eq!(got.remove("class"), Some(Value::from(class)), "{j}");
        assert_eq!(got.remove("typeId"), Some(Value::Null), "{j}");
        assert_eq!(got.remove("key"), Some(k["key"].clone()), "{j}");
        assert_eq!(
            k["key"],
            Value::from(j["messageId"].as_i64().unwrap().to_string())
        );
        got.remove("partition");
        got.remove("offset");
        assert_eq!(got, expected, "{at:?}");
    }
}

#[test]
fn events_kaftop_publishes_deserialize_into_the_seed_classes() {
    let env = env("jp-pub", 3);
    let t = &env.topics;
    let big = "9007199254740993"; // beyond a double's precision
    let content = "안녕, 카프카! \"인용\" \\ 🚀 끝";
    let publish = |args: &[&str]| -> Value {
        let mut all = vec!["publish"];
        all.extend_from_slice(args);
        all.push("--json");
        serde_json::from_slice(&env.kaftop(&all).stdout).unwrap()
    };
    publish(&[
        "created",
        "--message-id",
        big,
        "--sender-id",
        "42",
        "--receiver-id",
        "4242",
        "--content",
        content,
        "--created-at",
        "2026-11-24T10:15:30.123",
    ]);
    // RFC 3339 with an offset is published as the UTC LocalDateTime.
    publish(&[
        "created",
        "--message-id",
        "2",
        "--sender-id",
        "43",
        "--receiver-id",
        "4343",
        "--content",
        "두 번째",
        "--created-at",
        "2026-11-24T19:15:30.5+09:00",
    ]);
    let now = publish(&[
        "created",
        "--message-id",
        "3",
        "--sender-id",
        "44",
        "--receiver-id",
        "4444",
        "--content",
        "now",
    ]);
    publish(&[
        "read",
        "--message-id",
        big,
        "--receiver-id",
        "4242",
        "--read-at",
        "2026-11-24T10:16:00",
    ]);
    publish(&[
        "deleted",
        "--message-id",
        big,
        "--sender-id",
        "42",
        "--receiver-id",
        "4242",
        "--deleted-at",
        "2026-11-24T10:17:00.5",
    ]);
    let bulk: Value = serde_json::from_slice(
        &env.kaftop(&[
            "bulk",
            "--type",
            "mixed",
            "--count",
            "30",
            "--start-id",
            "7000",
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(
        (bulk["delivered"].as_u64(), bulk["failed"].as_u64()),
        (Some(30), Some(0))
    );

    let created = java_consume(&t.created, "created", 13, "2");
    let reads = java_consume(&t.read, "read", 11, "2");
    let deletes = java_consume(&t.deleted, "deleted", 11, "2");
    assert_same_fields(&created, &tail_values(&env, &t.created, 13), CREATED_CLASS);
    assert_same_fields(&reads, &tail_values(&env, &t.read, 11), READ_CLASS);
    assert_same_fields(&deletes, &tail_values(&env, &t.deleted, 11), DELETED_CLASS);
    // Spring Kafka 4's Jackson 3 deserializer sees the same.
    assert_eq!(java_consume(&t.created, "created", 13, "3"), created);
    assert_eq!(java_consume(&t.read, "read", 11, "3"), reads);
    assert_eq!(java_consume(&t.deleted, "deleted", 11, "3"), deletes);

    // And the values themselves, as given on the command line.
    let find = |lines: &[Value], id: i64| -> Value {
        lines
            .iter()
            .find(|l| l["messageId"] == id)
            .unwrap_or_else(|| panic!("no {id} in {lines:#?}"))
            .clone()
    };
    let strip = |mut v: Value| {
        let m = v.as_object_mut().unwrap();
        for k in ["partition", "offset", "key", "typeId", "class"] {
            m.remove(k);
        }
        v
    };
    let big_id: i64 = big.parse().unwrap();
    assert_eq!(
        strip(find(&created, big_id)),
        json!({"messageId": big_id, "senderId": 42, "receiverId": 4242, "content": content,
               "createdAt": "2026-11-24T10:15:30.123000000"})
    );
    assert_eq!(
        strip(find(&created, 2))["createdAt"],
        "2026-11-24T10:15:30.500000000"
    );
    assert_eq!(
        strip(find(&created, 3))["createdAt"],
        nanos(now["value"]["createdAt"].as_str().unwrap())
    );
    assert_eq!(
        strip(find(&reads, big_id)),
        json!({"messageId": big_id, "receiverId": 4242, "readAt": "2026-11-24T10:16:00.000000000"})
    );
    assert_eq!(
        strip(find(&deletes, big_id)),
        json!({"messageId": big_id, "senderId": 42, "receiverId": 4242,
               "deletedAt": "2026-11-24T10:17:00.500000000"})
    );
    // `bulk --type mixed` sent ids 7000..7010 of each kind.
    for lines in [&created, &reads, &deletes] {
        let ids: BTreeSet<i64> = lines
            .iter()
            .filter_map(|l| {
                l["messageId"]
                    .as_i64()
                    .filter(|id| (7000..7010).contains(id))
            })
            .collect();
        assert_eq!(ids, (7000..7010).collect());
    }
    assert_eq!(find(&created, 7004)["content"], "bulk test message 7004");
}

// --- partitioning ----------------------------------------------------------------------

#[test]
fn a_key_lands_on_the_same_partition_from_kaftop_and_from_java() {
    const N: u64 = 300;
    const START: i64 = 5_000_000_000_000;
    let env = env("jp-part", 6);
    let topic = &env.topics.created;
    let java = java_produce(topic, "created", N, START, "2026-11-24T10:00:00", "2");
    let bulk: Value = serde_json::from_slice(
        &env.kaftop(&[
            "bulk",
            "--type",
            "created",
            "--count",
            &N.to_string(),
            "--start-id",
            &START.to_string(),
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(bulk["delivered"], N);

    // Where the Java producer put each key (its own delivery reports) ...
    let java_partition: BTreeMap<String, i64> = java
        .iter()
        .map(|l| {
            (
                l["key"].as_str().unwrap().to_string(),
                l["partition"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(java_partition.len(), N as usize);
    assert_eq!(
        java_partition.values().collect::<BTreeSet<_>>().len(),
        6,
        "keys spread over all partitions"
    );
    // ... and where each key is on the topic: both of its records, on that partition.
    let mut seen: BTreeMap<String, Vec<(i64, Value)>> = BTreeMap::new();
    for l in java_consume(topic, "created", 2 * N as usize, "2") {
        seen.entry(l["key"].as_str().unwrap().to_string())
            .or_default()
            .push((l["partition"].as_i64().unwrap(), l["typeId"].clone()));
    }
    assert_eq!(seen.len(), N as usize);
    for (key, recs) in &seen {
        let p = java_partition[key];
        let mut recs = recs.clone();
        recs.sort_by_key(|r| r.1.is_null());
        assert_eq!(
            recs,
            vec![(p, Value::from(CREATED_CLASS)), (p, Value::Null)],
            "key {key}: the Java record (with __TypeId__) and kaftop's"
        );
    }
}

// --- tail ------------------------------------------------------------------------------

#[test]
fn tail_shows_the_java_peers_records_with_their_type_header() {
    let env = env("jp-tail", 1);
    let topic = &env.topics.created;
    let sent = java_produce(topic, "created", 4, 11, "2026-11-24T10:15:00", "2");
    let out = env.kaftop(&["tail", topic, "--from-beginning", "-n", "4", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 4);
    for (r, s) in recs.iter().zip(&sent) {
        assert_eq!(r["offset"], s["offset"]);
        assert_eq!(r["key"], s["key"]);
        assert_eq!(r["headers"], json!({"__TypeId__": CREATED_CLASS}));
        assert_eq!(r["value_encoding"], "json");
        assert_eq!(r["value"]["content"], s["content"]);
        assert_eq!(r["value"]["messageId"], s["messageId"]);
    }
    // Jackson's LocalDateTime arrays as they are on the wire: 10:15:00 has no
    // seconds element, 10:15:04.500123456 has its nanoseconds.
    assert_eq!(recs[0]["value"]["createdAt"], json!([2026, 11, 24, 10, 15]));
    assert_eq!(
        recs[3]["value"]["createdAt"],
        json!([2026, 11, 24, 10, 15, 4, 500123456])
    );

    let out = env.kaftop(&["tail", topic, "--from-beginning", "-n", "4"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.matches(&format!("headers: __TypeId__={CREATED_CLASS}\n"))
            .count(),
        4,
        "{text}"
    );
    assert!(
        text.contains(&format!("{topic} [0] @1  ")) && text.contains("key: 12\n"),
        "{text}"
    );
}

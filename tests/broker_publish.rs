//! Publishing through kaftop to the real test broker, read back with an
//! independent consumer: exact JSON schema, keys, partitions and counts.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{kaftop, write_config, TestTopics};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

/// Reads every record of `topic` from the beginning with a plain consumer that
/// joins no group: (partition, key, value).
fn read_all(topic: &str, partitions: i32, expected: usize) -> Vec<(i32, String, String)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", common::unique("reader")) // required by librdkafka; never joined
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    common::wait_for(
        &format!("{expected} records on {topic}"),
        Duration::from_secs(60),
        || {
            while let Some(r) = consumer.poll(Duration::from_millis(200)) {
                let m = r.expect("consume");
                out.push((
                    m.partition(),
                    String::from_utf8(m.key().unwrap_or_default().to_vec()).unwrap(),
                    String::from_utf8(m.payload().unwrap_or_default().to_vec()).unwrap(),
                ));
            }
            (out.len() >= expected).then_some(())
        },
    );
    // Nothing more than expected arrives.
    assert!(consumer.poll(Duration::from_millis(500)).is_none());
    out
}

/// Java's `Utils.murmur2`, as the Kafka Java client hashes keys.
fn java_murmur2(data: &[u8]) -> i32 {
    let seed: u32 = 0x9747_b28c;
    let m: u32 = 0x5bd1_e995;
    let r = 24;
    let len = data.len();
    let mut h = seed ^ len as u32;
    let chunks = data.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(m);
        k ^= k >> r;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    if tail.len() >= 3 {
        h ^= (tail[2] as u32) << 16;
    }
    if tail.len() >= 2 {
        h ^= (tail[1] as u32) << 8;
    }
    if !tail.is_empty() {
        h ^= tail[0] as u32;
        h = h.wrapping_mul(m);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(m);
    h ^= h >> 15;
    h as i32
}

fn java_partition(key: &str, partitions: i32) -> i32 {
    (java_murmur2(key.as_bytes()) & 0x7fff_ffff) % partitions
}

fn ensure_topics(config: &std::path::Path) -> String {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(["topics", "ensure"])
        .output()
        .unwrap();
    common::assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn topics_ensure_creates_topics_and_dlqs_once() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("ensure");
    let config = write_config(dir.path(), &topics, 4);
    let first = ensure_topics(&config);
    for t in topics.all() {
        assert!(
            first.contains(&format!("created  {t} (4 partitions")),
            "{first}"
        );
        assert!(
            first.contains(&format!("created  {t}.dlq (4 partitions")),
            "{first}"
        );
    }
    let second = ensure_topics(&config);
    assert_eq!(second.matches("exists ").count(), 6, "{second}");
    assert!(
        !second.lines().any(|l| l.starts_with("created")),
        "{second}"
    );
}

#[test]
fn published_events_have_the_spring_schema_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("publish");
    let config = write_config(dir.path(), &topics, 3);
    ensure_topics(&config);

    let publish = |args: &[&str]| -> serde_json::Value {
        let out = kaftop()
            .arg("--config")
            .arg(&config)
            .arg("publish")
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        common::assert_success(&out);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let c = publish(&[
        "created",
        "--message-id",
        "1",
        "--sender-id",
        "100",
        "--receiver-id",
        "200",
        "--content",
        "HelloKafka",
        "--created-at",
        "2026-11-24T10:15:30.123",
    ]);
    let r = publish(&[
        "read",
        "--message-id",
        "1",
        "--receiver-id",
        "200",
        "--read-at",
        "2026-11-24T10:16:00",
    ]);
    let d = publish(&[
        "deleted",
        "--message-id",
        "1",
        "--sender-id",
        "100",
        "--receiver-id",
        "200",
        "--deleted-at",
        "2026-11-24T19:17:00+09:00",
    ]);
    assert_eq!(c["topic"], topics.created.as_str());
    assert_eq!(c["key"], "1");
    assert_eq!(c["offset"], 0);

    let expect = [
        (
            &topics.created,
            &c,
            r#"{"messageId":1,"senderId":100,"receiverId":200,"content":"HelloKafka","createdAt":"2026-11-24T10:15:30.123"}"#,
        ),
        (
            &topics.read,
            &r,
            r#"{"messageId":1,"receiverId":200,"readAt":"2026-11-24T10:16:00"}"#,
        ),
        (
            &topics.deleted,
            &d,
            r#"{"messageId":1,"senderId":100,"receiverId":200,"deletedAt":"2026-11-24T10:17:00"}"#,
        ),
    ];
    for (topic, reported, json) in expect {
        let records = read_all(topic, 3, 1);
        assert_eq!(records.len(), 1);
        let (partition, key, value) = &records[0];
        assert_eq!(key, "1");
        assert_eq!(value, json);
        assert_eq!(
            i64::from(*partition),
            reported["partition"].as_i64().unwrap()
        );
        // murmur2_random: the partition a Java (Spring) producer would choose.
        assert_eq!(*partition, java_partition("1", 3));
    }
}

#[test]
fn bulk_delivers_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("bulk");
    let config = write_config(dir.path(), &topics, 3);
    ensure_topics(&config);

    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args([
            "bulk",
            "--count",
            "3000",
            "--type",
            "mixed",
            "--start-id",
            "5000",
            "--json",
        ])
        .output()
        .unwrap();
    common::assert_success(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["requested"], 3000);
    assert_eq!(report["delivered"], 3000);
    assert_eq!(report["failed"], 0);
    for t in topics.all() {
        assert_eq!(report["per_topic"][t], 1000, "{report}");
    }
    assert!(report["events_per_sec"].as_f64().unwrap() > 0.0);
    assert!(
        report["latency_ms"]["p50"].as_f64().unwrap()
            <= report["latency_ms"]["max"].as_f64().unwrap()
    );

    // Every message id 5000..6000 exactly once per topic, each on its Java partition.
    for t in topics.all() {
        let records = read_all(t, 3, 1000);
        let mut ids = BTreeSet::new();
        let mut per_partition: BTreeMap<i32, usize> = BTreeMap::new();
        for (partition, key, value) in &records {
            let v: serde_json::Value = serde_json::from_str(value).unwrap();
            assert_eq!(v["messageId"].to_string(), *key);
            assert_eq!(*partition, java_partition(key, 3), "key {key}");
            assert!(ids.insert(key.parse::<i64>().unwrap()), "duplicate {key}");
            *per_partition.entry(*partition).or_default() += 1;
        }
        assert_eq!(ids, (5000..6000).collect::<BTreeSet<i64>>());
        assert_eq!(per_partition.len(), 3, "keys spread over all partitions");
    }
}

#[test]
fn human_bulk_output_is_the_seed_line() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("bulkline");
    let config = write_config(dir.path(), &topics, 1);
    ensure_topics(&config);
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args([
            "bulk", "--count", "200", "--type", "read", "--rate", "2000/s",
        ])
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    let rest = first.strip_prefix("Sent 200 events in ").expect(first);
    let (ms, rate) = rest.split_once(" ms (").expect(first);
    let ms: f64 = ms.parse().unwrap();
    let rate: f64 = rate
        .strip_suffix(" events/sec)")
        .expect(first)
        .parse()
        .unwrap();
    // --rate 2000/s paces 200 events over at least ~100 ms.
    assert!(ms >= 99.0, "{first}");
    assert!(
        (rate - 200.0 / (ms / 1000.0)).abs() / rate < 0.02,
        "{first}"
    );
    assert!(lines.next().unwrap().starts_with("Delivery latency: p50 "));
}

#[test]
fn publishing_to_a_missing_topic_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("missing");
    let config = write_config(dir.path(), &topics, 1);
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args(["publish", "read", "--message-id", "1", "--receiver-id", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "topic `{}` does not exist (create it with `kaftop topics ensure`)",
            topics.read
        )),
        "{stderr}"
    );
}

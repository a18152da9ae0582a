//! Bad and edge-case input against the real test broker: errors name each cause
//! once, `tail --since` and the Messages view's "from a time" find records by
//! their timestamps (ListOffsets by time, checked against Kafka's own
//! `kafka-get-offsets`), times before the log start read from the beginning, and
//! the dashboard says why it has no data when the cluster is unreachable.

#![allow(clippy::unwrap_used)]

mod common;
mod tui_support;

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

use common::cluster::create_topic;
use common::live_dashboard::LiveDashboard;
use common::{assert_success, bootstrap, kafka_tool, kaftop, unique, TestTopics};
use kaftop::tui::app::{Source, ViewId};
use kaftop_core::kafka::sampler::{PartitionStart, SamplerEvent, StartAt};

/// 2020-01-01T00:00:00Z: old enough for any broker's timestamp checks.
const T0: i64 = 1_577_836_800_000;
const PER_PARTITION: i64 = 5;

fn stderr_line(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "succeeded: {out:?}");
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn a_rejected_delivery_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("input-size");
    let cfg = common::write_config(dir.path(), &topics, 1);
    create_topic(&bootstrap(), &topics.created, 1);
    // Valid content (the rule allows 100 000 bytes) in a record larger than
    // this producer's limit: librdkafka refuses the delivery.
    let content = "a".repeat(3000);
    let out = kaftop()
        .arg("--config")
        .arg(&cfg)
        .args(["-X", "message.max.bytes=1000", "publish", "created"])
        .args([
            "--message-id",
            "1",
            "--sender-id",
            "2",
            "--receiver-id",
            "3",
        ])
        .args(["--content", &content])
        .output()
        .unwrap();
    assert_eq!(
        stderr_line(&out),
        "kaftop: error: delivery failed: Message production error: MessageSizeTooLarge (Broker: Message size too large)\n"
    );
}

#[test]
fn a_store_that_cannot_open_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("input-store");
    let cfg = common::write_config(dir.path(), &topics, 1);
    let ensure = kaftop()
        .arg("--config")
        .arg(&cfg)
        .args(["topics", "ensure"])
        .output()
        .unwrap();
    assert_success(&ensure);

    // The database path is a directory.
    let data = dir.path().join("data-with-dir");
    let db = data.join("services.db");
    std::fs::create_dir_all(&db).unwrap();
    // A file where the data directory should be.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    for (data_dir, want) in [
        (
            data,
            format!(
                "kaftop: error: services store: {}: unable to open database file\n",
                db.display()
            ),
        ),
        (
            file.clone(),
            format!(
                "kaftop: error: services store: {}: cannot create the directory: File exists (os error 17)\n",
                file.display()
            ),
        ),
    ] {
        let out = kaftop()
            .arg("--config")
            .arg(&cfg)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["consumers", "--duration", "1s"])
            .output()
            .unwrap();
        assert_eq!(stderr_line(&out), want);
    }
}

/// A topic with two partitions; record `i` of partition `p` has the timestamp
/// T0 + (2i + p) s, so the partitions interleave: p0 at 0, 2, 4, 6, 8 s and p1 at
/// 1, 3, 5, 7, 9 s.
fn timed_topic() -> String {
    let topic = unique("input-times");
    create_topic(&bootstrap(), &topic, 2);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    for i in 0..PER_PARTITION {
        for p in 0..2 {
            let key = format!("k{p}-{i}");
            let value = format!("v{p}-{i}");
            producer
                .send(
                    BaseRecord::to(&topic)
                        .partition(p)
                        .key(&key)
                        .payload(&value)
                        .timestamp(T0 + (2 * i + p as i64) * 1000),
                )
                .unwrap();
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    topic
}

/// Kafka's own answer: the first offset of each partition at or after `ms`
/// (`kafka-get-offsets --time`); the tool leaves out partitions with none.
fn oracle_offsets(topic: &str, ms: i64) -> BTreeMap<i32, i64> {
    let out = kafka_tool(
        "kafka-get-offsets",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--topic",
            topic,
            "--time",
            &ms.to_string(),
        ],
    );
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(topic)?.strip_prefix(':')?;
            let (p, o) = rest.split_once(':')?;
            Some((p.parse().ok()?, o.parse().ok()?))
        })
        .collect()
}

/// (partition, offset) of every record at or after `ms`, by construction.
fn expected_records(ms: i64) -> Vec<(i32, i64)> {
    let mut v: Vec<(i32, i64)> = (0..2)
        .flat_map(|p| (0..PER_PARTITION).map(move |i| (p, i)))
        .filter(|&(p, i)| T0 + (2 * i + p as i64) * 1000 >= ms)
        .collect();
    v.sort_unstable();
    v
}

/// The text block `kaftop tail` prints for record `i` of partition `p`.
fn text_block(topic: &str, p: i32, i: i64) -> String {
    let ts = chrono::DateTime::from_timestamp_millis(T0 + (2 * i + p as i64) * 1000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    format!("{topic} [{p}] @{i}  {ts}  key: k{p}-{i}\nv{p}-{i}\n")
}

fn tail(topic: &str, since: &str, json: bool) -> String {
    let mut cmd = kaftop();
    cmd.env("KAFTOP_CONFIG", "/dev/null").args([
        "-b",
        &bootstrap(),
        "tail",
        topic,
        "--since",
        since,
    ]);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tail_since_reads_by_timestamp_in_text_and_json() {
    let topic = timed_topic();
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let cases: Vec<(String, Vec<(i32, i64)>)> = vec![
        // Between records: p0 from 6 s (offset 3), p1 from 5 s (offset 2).
        (at(T0 + 4_500), vec![(0, 3), (0, 4), (1, 2), (1, 3), (1, 4)]),
        // Exactly at a record's time: that record is included.
        (at(T0 + 6_000), vec![(0, 3), (0, 4), (1, 3), (1, 4)]),
        // After the last record: nothing.
        (at(T0 + 9_001), vec![]),
        // Before the log start, before the epoch, and further back than the
        // epoch: everything, from the beginning.
        (at(T0 - 3_600_000), expected_records(0)),
        ("1000-01-01T00:00:00Z".into(), expected_records(0)),
        ("99999999999d".into(), expected_records(0)),
    ];
    for (since, want) in &cases {
        // The cases by construction agree with Kafka's own lookup.
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(since) {
            let ms = t.timestamp_millis().max(0);
            assert_eq!(&expected_records(ms), want, "{since}");
            let oracle = oracle_offsets(&topic, ms);
            let firsts: BTreeMap<i32, i64> = (0..2)
                .filter_map(|p| want.iter().find(|r| r.0 == p).map(|r| (p, r.1)))
                .collect();
            assert_eq!(oracle, firsts, "kafka-get-offsets --time {ms}");
        }

        let mut blocks: Vec<String> = tail(&topic, since, false)
            .split_terminator("\n\n")
            .map(|b| format!("{b}\n"))
            .collect();
        blocks.sort();
        let want_blocks: Vec<String> = want
            .iter()
            .map(|&(p, i)| text_block(&topic, p, i))
            .collect();
        assert_eq!(blocks, want_blocks, "text, --since {since}");

        let mut got: Vec<(i32, i64, i64, String)> = tail(&topic, since, true)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["partition"].as_i64().unwrap() as i32,
                    v["offset"].as_i64().unwrap(),
                    v["timestamp_ms"].as_i64().unwrap(),
                    v["key"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let want_json: Vec<(i32, i64, i64, String)> = want
            .iter()
            .map(|&(p, i)| (p, i, T0 + (2 * i + p as i64) * 1000, format!("k{p}-{i}")))
            .collect();
        assert_eq!(got, want_json, "--json, --since {since}");
    }
}

#[test]
fn messages_view_from_a_time_starts_at_the_right_offsets() {
    let topic = timed_topic();
    let since_ms = T0 + 4_500;
    let want = expected_records(since_ms);
    let mut d = LiveDashboard::on(&bootstrap());

    // Open the topic's messages, then restart "from a time" (`t`) as a person would.
    d.keys(&format!(":messages {topic}"));
    d.enter();
    assert_eq!(d.app.view(), ViewId::Messages);
    d.until("the first tail to show all ten records", |a| {
        a.views().messages().len() == 10
    });
    d.keys("t2020-01-01T00:00:04.500Z");
    d.enter();
    let session = d.app.views().messages().session;
    assert_eq!(d.app.views().messages().start, StartAt::Timestamp(since_ms));
    d.until("the records from the time", |a| {
        a.views().messages().len() == want.len()
    });

    // The sampler started each partition at Kafka's answer for that time.
    let starts: Vec<PartitionStart> = d
        .sampler_events
        .iter()
        .find_map(|(s, e)| match e {
            SamplerEvent::Started(starts) if *s == session => Some(starts.clone()),
            _ => None,
        })
        .expect("the restarted tail started");
    let oracle = oracle_offsets(&topic, since_ms);
    assert_eq!(
        starts
            .iter()
            .map(|s| (s.partition, s.start))
            .collect::<BTreeMap<_, _>>(),
        oracle
    );
    assert_eq!(oracle, BTreeMap::from([(0, 3), (1, 2)]));
    // A set holds each once: a record shown twice leaves it short of `want`.
    assert_eq!(d.shown().into_iter().collect::<Vec<_>>(), want);

    // A time before 1970 is the beginning: every record again.
    d.keys("t1000-01-01T00:00:00Z");
    d.enter();
    assert_eq!(d.app.views().messages().start, StartAt::Beginning);
    d.until("every record from the beginning", |a| {
        a.views().messages().len() == 10
    });
}

#[test]
fn an_unreachable_cluster_is_shown_with_its_reason() {
    // Port 1 on loopback: nothing listens there.
    let mut d = LiveDashboard::on("127.0.0.1:1");
    assert_eq!(d.app.unreachable_text(), None);
    d.until("the first refresh to fail", |a| {
        a.unreachable_text().is_some()
    });
    let text = d.app.unreachable_text().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The reason is librdkafka's, as `kaftop topics` gives it.
    let first = "Cannot reach the cluster at 127.0.0.1:1: BrokerTransportFailure (Local: Broker transport failure)";
    assert_eq!(lines[0], first, "{text}");
    let when = lines[1]
        .strip_prefix("Last attempt ")
        .and_then(|l| l.strip_suffix("; retrying."))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        chrono::NaiveTime::parse_from_str(when, "%H:%M:%S").is_ok(),
        "{text}"
    );
    assert_eq!(d.app.error_source(), Some(Source::Cluster));
    // The views say it instead of waiting.
    let screen = tui_support::render_app(&d.app, 120, 32);
    assert!(
        !screen.contains("Waiting for the first refresh"),
        "{screen}"
    );
    assert!(screen.contains(first), "{screen}");
    assert!(screen.contains(lines[1]), "{screen}");
    assert!(screen.contains("✗ unreachable"), "{screen}");
}

//! `kaftop groups reset-offsets` on Apache Kafka, with Apache Kafka's own
//! `kafka-consumer-groups --reset-offsets --dry-run` as the oracle: for each kind
//! of reset kaftop's plan equals the tool's row for row (and the exact offsets
//! expected), and `--execute` leaves exactly those committed offsets. A group with
//! a member is refused (the member named, offsets unchanged), and so is
//! `--execute` in read-only mode, where the dry run still works.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{commit_offsets, create_topic};
use common::{bootstrap, kafka_tool, kaftop, unique, wait_for};
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

const HOUR_MS: i64 = 3_600_000;

/// (topic, partition) → offset.
type Offsets = BTreeMap<(String, i32), i64>;

/// A topic of three partitions whose records have known timestamps:
/// - partition 0: records at base + 0h, 2h, … 10h (offsets 0..6), the first two
///   deleted, so its log runs 2..6;
/// - partition 1: records at base + 1h, 3h, 5h, 7h (offsets 0..4);
/// - partition 2: empty.
///
/// `base` is 20 hours ago, so `--by-duration PT11H` lands between records
/// whichever second the tool and kaftop each read the clock.
struct Fixture {
    bootstrap: String,
    topic: String,
    base_ms: i64,
}

impl Fixture {
    fn new() -> Fixture {
        let bootstrap = bootstrap();
        let topic = unique("reset");
        create_topic(&bootstrap, &topic, 3);
        let now = chrono::Utc::now().timestamp_millis();
        let base_ms = now - now % 1000 - 20 * HOUR_MS;
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .unwrap();
        for (partition, count, first_hour) in [(0, 6, 0), (1, 4, 1)] {
            for i in 0..count {
                let ts = base_ms + (first_hour + 2 * i) * HOUR_MS;
                producer
                    .send(
                        BaseRecord::to(&topic)
                            .partition(partition)
                            .key("k")
                            .payload("v")
                            .timestamp(ts),
                    )
                    .unwrap();
            }
        }
        producer.flush(Duration::from_secs(30)).unwrap();
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .unwrap();
        let mut before = TopicPartitionList::new();
        before
            .add_partition_offset(&topic, 0, Offset::Offset(2))
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(admin.delete_records(&before, &AdminOptions::new()))
            .unwrap();
        Fixture {
            bootstrap,
            topic,
            base_ms,
        }
    }

    /// A new group with committed offsets 4 on partition 0 and 1 on partition 1
    /// (none on partition 2).
    fn group(&self) -> String {
        let group = unique("reset-group");
        commit_offsets(
            &self.bootstrap,
            &group,
            &[(&self.topic, 0, 4), (&self.topic, 1, 1)],
        );
        group
    }

    fn offsets(&self, rows: &[(i32, i64)]) -> Offsets {
        rows.iter()
            .map(|&(p, o)| ((self.topic.clone(), p), o))
            .collect()
    }

    /// `kaftop [global] groups reset-offsets --group G ARGS --json`.
    fn kaftop(&self, global: &[&str], group: &str, args: &[&str]) -> std::process::Output {
        kaftop()
            .args(["-b", &self.bootstrap])
            .args(global)
            .args(["groups", "reset-offsets", "--group", group])
            .args(args)
            .env("KAFTOP_CONFIG", "/dev/null")
            .output()
            .unwrap()
    }

    /// kaftop's plan (new offsets) from `--json`.
    fn kaftop_plan(&self, group: &str, args: &[&str]) -> Offsets {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.kaftop(&[], group, &all);
        common::assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["group"], group);
        v["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    (
                        p["topic"].as_str().unwrap().to_string(),
                        p["partition"].as_i64().unwrap() as i32,
                    ),
                    p["new_offset"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    /// The tool's plan: its dry-run table GROUP TOPIC PARTITION NEW-OFFSET.
    fn tool_plan(&self, group: &str, args: &[&str]) -> Offsets {
        let mut all = vec![
            "--bootstrap-server",
            &self.bootstrap,
            "--group",
            group,
            "--reset-offsets",
            "--dry-run",
        ];
        all.extend_from_slice(args);
        let out = kafka_tool("kafka-consumer-groups", &all);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        let mut rows = Offsets::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 4 && f[0] == group {
                rows.insert(
                    (f[1].to_string(), f[2].parse().unwrap()),
                    f[3].parse().unwrap(),
                );
            }
        }
        assert!(text.contains("NEW-OFFSET"), "{text}");
        rows
    }

    /// The group's committed offsets as `kafka-consumer-groups --describe` shows
    /// them (partitions without one left out).
    fn committed(&self, group: &str) -> Offsets {
        let out = kafka_tool(
            "kafka-consumer-groups",
            &[
                "--bootstrap-server",
                &self.bootstrap,
                "--describe",
                "--group",
                group,
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        let mut rows = Offsets::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() >= 4 && f[0] == group {
                if let Ok(o) = f[3].parse() {
                    rows.insert((f[1].to_string(), f[2].parse().unwrap()), o);
                }
            }
        }
        rows
    }

    /// Checks one kind of reset: kaftop's dry run equals the tool's and
    /// `expected`; `--execute` commits exactly that.
    fn check(&self, args: &[&str], expected: &[(i32, i64)]) {
        let group = self.group();
        let expected = self.offsets(expected);
        let tool = self.tool_plan(&group, args);
        let ours = self.kaftop_plan(&group, args);
        assert_eq!(ours, tool, "{args:?}: kaftop's plan against the tool's");
        assert_eq!(ours, expected, "{args:?}");
        // The dry runs changed nothing.
        assert_eq!(self.committed(&group), self.offsets(&[(0, 4), (1, 1)]));
        let mut all = args.to_vec();
        all.push("--execute");
        let out = self.kaftop(&[], &group, &all);
        common::assert_success(&out);
        assert_eq!(self.committed(&group), expected, "{args:?} executed");
    }
}

#[test]
fn every_kind_of_reset_plans_as_kafka_consumer_groups_and_commits_its_plan() {
    let f = Fixture::new();
    let t = f.topic.as_str();
    let p01 = format!("{t}:0,1");
    f.check(&["--topic", t, "--to-earliest"], &[(0, 2), (1, 0), (2, 0)]);
    f.check(&["--all-topics", "--to-latest"], &[(0, 6), (1, 4)]);
    f.check(&["--topic", t, "--to-current"], &[(0, 4), (1, 1), (2, 0)]);
    // Clamped to the log start (partition 0) and end (partition 2).
    f.check(
        &["--topic", t, "--to-offset", "1"],
        &[(0, 2), (1, 1), (2, 0)],
    );
    f.check(
        &["--topic", t, "--to-offset", "5"],
        &[(0, 5), (1, 4), (2, 0)],
    );
    f.check(&["--topic", &p01, "--shift-by", "-3"], &[(0, 2), (1, 0)]);
    f.check(&["--topic", &p01, "--shift-by", "3"], &[(0, 6), (1, 4)]);
    // base + 5h, written in another zone: partition 0's record at 6h (offset 3),
    // partition 1's at 5h (offset 2); the empty partition falls back to its end.
    let at = chrono::DateTime::from_timestamp_millis(f.base_ms + 5 * HOUR_MS)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string();
    f.check(
        &["--topic", t, "--to-datetime", &at],
        &[(0, 3), (1, 2), (2, 0)],
    );
    // Now - 11h is base + 9h (and some seconds): partition 0's record at 10h
    // (offset 5); partition 1 has none after it, so its log end.
    f.check(
        &["--topic", t, "--by-duration", "PT11H"],
        &[(0, 5), (1, 4), (2, 0)],
    );
}

/// A member that joined `group` and keeps polling (never committing) until dropped.
struct Member {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Member {
    fn join(bootstrap: &str, group: &str, client_id: &str, topic: &str) -> Member {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("client.id", client_id)
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        consumer.subscribe(&[topic]).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
            }
        });
        Member {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_group_with_members_is_refused_and_its_offsets_stay() {
    let f = Fixture::new();
    let group = f.group();
    let before = f.committed(&group);
    let _member = Member::join(&f.bootstrap, &group, "reset-test-member", &f.topic);
    wait_for("the member in the group", Duration::from_secs(90), || {
        let out = kafka_tool(
            "kafka-consumer-groups",
            &[
                "--bootstrap-server",
                &f.bootstrap,
                "--describe",
                "--members",
                "--group",
                &group,
            ],
        );
        String::from_utf8_lossy(&out.stdout)
            .contains("reset-test-member")
            .then_some(())
    });
    for execute in [false, true] {
        let mut args = vec!["--topic", f.topic.as_str(), "--to-earliest"];
        if execute {
            args.push("--execute");
        }
        let out = f.kaftop(&[], &group, &args);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "kaftop: error: group {group} has active members ("
            )),
            "{err}"
        );
        assert!(err.contains("client reset-test-member"), "{err}");
        assert!(
            err.contains("stop them before resetting its offsets"),
            "{err}"
        );
    }
    // The tool refuses too.
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &f.bootstrap,
            "--group",
            &group,
            "--reset-offsets",
            "--topic",
            &f.topic,
            "--to-earliest",
            "--dry-run",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("can only be reset if the group"), "{text}");
    assert_eq!(f.committed(&group), before);
    assert_eq!(before, f.offsets(&[(0, 4), (1, 1)]));
}

#[test]
fn read_only_mode_refuses_execute_but_prints_the_plan() {
    let f = Fixture::new();
    let group = f.group();
    let args = ["--topic", f.topic.as_str(), "--to-earliest", "--execute"];
    let out = f.kaftop(&["--read-only"], &group, &args);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kaftop: error: read-only mode (profile `default` or --read-only): \
         refusing to reset a group's offsets; nothing was changed\n"
    );
    assert_eq!(f.committed(&group), f.offsets(&[(0, 4), (1, 1)]));
    // The dry run is not a change: it prints the plan.
    let out = f.kaftop(&["--read-only"], &group, &args[..3]);
    common::assert_success(&out);
    let t = &f.topic;
    let pad = " ".repeat(t.len().saturating_sub(5));
    // The empty PARTITION, CURRENT-OFFSET and NEW-OFFSET cells and their gaps.
    let gap = " ".repeat(2 + 9 + 2 + 14 + 2 + 10 + 2);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "TOPIC{pad}  PARTITION  CURRENT-OFFSET  NEW-OFFSET  LAG-CHANGE\n\
             {t}  0          4               2           +2\n\
             {t}  1          1               0           +1\n\
             {t}  2          -               0           -\n\
             TOTAL{pad}{gap}+3\n"
        )
    );
    assert_eq!(f.committed(&group), f.offsets(&[(0, 4), (1, 1)]));
}

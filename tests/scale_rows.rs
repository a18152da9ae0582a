//! The refresh at scale on the single test node: 2 000 partitions (20 topics ×
//! 100) and 200 groups each committed on 10 partitions. Every row of `kaftop lag
//! --json` equals Apache Kafka's `kafka-consumer-groups --describe --all-groups`
//! for every group and partition, and a warm refresh sends exactly the requests
//! that do not grow with groups: one per coordinator for descriptions and
//! committed offsets, two ListOffsets per leader.
//!
//! Costs ~20 s: creating the topics (~5 s), the tool's JVM (~5 s), two kaftop
//! refreshes; the offsets are committed with one OffsetCommit per group.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::OffsetCommitRequest;
use kafka_protocol::protocol::StrBytes;
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::admin::GroupType;
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::kafka::wire::{Node, WireClient};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

const TOPICS: usize = 20;
const PARTITIONS: i32 = 100;
const GROUPS: usize = 200;
const PER_GROUP: i32 = 10;

/// (group, topic, partition) → (current offset, log end offset, lag), as text.
type Rows = BTreeMap<(String, String, i32), (String, String, String)>;

struct Fixture {
    bootstrap: String,
    topic_count: usize,
    prefix: String,
    topics: Vec<String>,
    groups: Vec<String>,
    admin: AdminClient<DefaultClientContext>,
    rt: tokio::runtime::Runtime,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let groups: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        let _ = self.rt.block_on(self.admin.delete_groups(&groups, &opts));
        let _ = self.rt.block_on(self.admin.delete_topics(&topics, &opts));
    }
}

fn resolved(bootstrap: &str) -> config::Resolved {
    let overrides = Overrides {
        bootstrap_servers: Some(bootstrap.to_string()),
        ..Default::default()
    };
    config::resolve(None, None, &overrides).unwrap()
}

/// Group `g` commits on 10 partitions of one of `topics` topics, offset `g % 3`
/// behind records written `p % 4 + 1` times.
fn commits(g: usize, topics: usize) -> (usize, Vec<(i32, i64)>) {
    let topic = g % topics;
    let first = ((g / topics) as i32 * PER_GROUP) % PARTITIONS;
    let offsets = (first..first + PER_GROUP)
        .map(|p| (p, (i64::from(p % 4) + 1 - (g % 3) as i64).max(0)))
        .collect();
    (topic, offsets)
}

fn setup(bootstrap: String, topic_count: usize, group_count: usize) -> Fixture {
    let prefix = common::unique("scale");
    let topics: Vec<String> = (0..topic_count)
        .map(|i| format!("{prefix}-t{i:03}"))
        .collect();
    let groups: Vec<String> = (0..group_count)
        .map(|i| format!("{prefix}-g{i:04}"))
        .collect();
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fixture = Fixture {
        bootstrap: bootstrap.clone(),
        topic_count,
        prefix,
        topics: topics.clone(),
        groups: groups.clone(),
        admin,
        rt,
    };
    let new: Vec<NewTopic> = topics
        .iter()
        // One replica: a cluster whose min.insync.replicas is higher refuses it.
        .map(|t| {
            NewTopic::new(t, PARTITIONS, TopicReplication::Fixed(1)).set("min.insync.replicas", "1")
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(60)));
    // KRaft refuses one operation of more than 10 000 records (PolicyViolation).
    for batch in new.chunks(20) {
        for r in fixture
            .rt
            .block_on(fixture.admin.create_topics(batch, &opts))
            .unwrap()
        {
            r.unwrap();
        }
    }
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("linger.ms", "20")
        .create()
        .unwrap();
    for t in &topics {
        for p in 0..PARTITIONS {
            for _ in 0..=(p % 4) {
                producer
                    .send(BaseRecord::to(t).partition(p).key("k").payload("v"))
                    .unwrap();
            }
        }
    }
    producer.flush(Duration::from_secs(300)).unwrap();
    commit_all(&fixture);
    fixture
}

/// One OffsetCommit per group (a simple group: no member, generation -1).
fn commit_all(f: &Fixture) {
    let wire = WireClient::new(&resolved(&f.bootstrap), Duration::from_secs(30)).unwrap();
    wire.metadata().unwrap();
    let coordinators = wire.coordinators(&f.groups);
    for (g, name) in f.groups.iter().enumerate() {
        let (topic, offsets) = commits(g, f.topic_count);
        let at = *coordinators[name].as_ref().unwrap();
        // A new topic reaches every broker's metadata a little later.
        common::wait_for("the commit accepted", Duration::from_secs(60), || {
            let (_, answer) = wire
                .send(Node::Broker(at), 2, |_| {
                    let mut t = OffsetCommitRequestTopic::default();
                    t.name = StrBytes::from_string(f.topics[topic].clone()).into();
                    t.partitions = offsets
                        .iter()
                        .map(|&(p, o)| {
                            let mut c = OffsetCommitRequestPartition::default();
                            c.partition_index = p;
                            c.committed_offset = o;
                            c
                        })
                        .collect();
                    let mut r = OffsetCommitRequest::default();
                    r.group_id = StrBytes::from_string(name.clone()).into();
                    r.generation_id_or_member_epoch = -1;
                    r.topics = vec![t];
                    r
                })
                .unwrap();
            let codes: Vec<i16> = answer
                .topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| p.error_code))
                .collect();
            // 3: UNKNOWN_TOPIC_OR_PARTITION, not there yet.
            assert!(
                codes.iter().all(|c| *c == 0 || *c == 3),
                "{name}: {codes:?}"
            );
            codes.iter().all(|c| *c == 0).then_some(())
        });
    }
}

/// The rows of `kafka-consumer-groups --describe --all-groups` for our groups.
fn tool_rows(f: &Fixture) -> Rows {
    let out = common::kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &f.bootstrap,
            "--describe",
            "--all-groups",
        ],
    );
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 6 && w[0].starts_with(&f.prefix))
        .map(|w| {
            (
                (w[0].to_string(), w[1].to_string(), w[2].parse().unwrap()),
                (w[3].to_string(), w[4].to_string(), w[5].to_string()),
            )
        })
        .collect()
}

/// The rows of `kaftop lag --json` for our groups, as the tool prints them.
fn kaftop_rows(f: &Fixture) -> Rows {
    kaftop_rows_timed(f).0
}

/// [`kaftop_rows`] and how long the command took.
fn kaftop_rows_timed(f: &Fixture) -> (Rows, Duration) {
    let started = Instant::now();
    let out = common::kaftop()
        .args(["-b", &f.bootstrap, "lag", "--json"])
        .output()
        .unwrap();
    let took = started.elapsed();
    common::assert_success(&out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |v: &serde_json::Value| match v.as_i64() {
        Some(n) => n.to_string(),
        None => "-".to_string(),
    };
    let rows = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["group"].as_str().unwrap().starts_with(&f.prefix))
        .map(|r| {
            (
                (
                    r["group"].as_str().unwrap().to_string(),
                    r["topic"].as_str().unwrap().to_string(),
                    r["partition"].as_i64().unwrap() as i32,
                ),
                (
                    text(&r["current_offset"]),
                    text(&r["log_end_offset"]),
                    text(&r["raw_lag"]),
                ),
            )
        })
        .collect();
    (rows, took)
}

#[test]
fn every_row_equals_kafkas_tool_and_a_warm_refresh_sends_a_fixed_number_of_requests() {
    let f = setup(common::bootstrap(), TOPICS, GROUPS);
    let ours = kaftop_rows(&f);
    let tool = tool_rows(&f);
    assert_eq!(ours.len(), GROUPS * PER_GROUP as usize);
    assert_eq!(ours, tool);

    // Our groups by name: no ListGroups (nor the typed one: each was described as
    // a classic group); all are classic (simple) groups on the
    // one coordinator. Metadata, FindCoordinator, DescribeGroups, OffsetFetch and
    // two ListOffsets to the one leader.
    let cfg = resolved(&f.bootstrap);
    let mut opts = PollerOptions::from_config(&cfg, []);
    opts.exact_time_lag = None;
    opts.only_groups = Some(f.groups.clone());
    let mut r = Refresher::new(&cfg, opts.clone()).unwrap();
    r.refresh();
    assert!(r.reads_on_wire());
    let warm = r.refresh();
    assert!(warm.errors.is_empty(), "{:?}", warm.errors);
    assert_eq!(warm.groups.len(), GROUPS);
    assert!(warm
        .groups
        .iter()
        .all(|g| g.offsets.len() == PER_GROUP as usize));
    assert_eq!(warm.requests, 6);

    // Every group listed: one ListGroups per broker, and ConsumerGroupDescribe per
    // coordinator of KIP-848 groups (other tests' groups may be such).
    opts.only_groups = None;
    let mut r = Refresher::new(&cfg, opts).unwrap();
    r.refresh();
    let warm = r.refresh();
    let coordinators = |consumer: bool| -> BTreeSet<i32> {
        warm.groups
            .iter()
            .filter(|g| (g.group_type == Some(GroupType::Consumer)) == consumer)
            .filter_map(|g| g.coordinator)
            .collect()
    };
    let leaders: BTreeSet<i32> = warm
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| p.leader))
        .filter(|l| *l >= 0)
        .collect();
    // Share and Streams groups are listed apart (ListGroups with their types, one
    // per broker); when other tests left such groups, describing them adds
    // requests per coordinator (and per Streams group, its committed offsets).
    let expected = 1
        + warm.brokers.len()
        + 1
        + coordinators(false).len()
        + coordinators(true).len()
        + coordinators(false).union(&coordinators(true)).count()
        + 2 * leaders.len()
        + warm.brokers.len();
    let typed = warm
        .groups
        .iter()
        .filter(|g| matches!(g.group_type, Some(GroupType::Share | GroupType::Streams)))
        .count();
    if typed == 0 {
        assert_eq!(warm.requests, expected as u64, "{:?}", warm.errors);
    } else {
        eprintln!("{typed} share/Streams groups of other tests: the count is a lower bound");
        assert!(warm.requests > expected as u64, "{:?}", warm.errors);
    }
}

/// Not a CI test: the figures of the protocol client against librdkafka at
/// SCALE_PARTITIONS (default 10 000) / SCALE_GROUPS (default 1 000) on
/// SCALE_BOOTSTRAP (default the test node). Run with
/// `cargo test --test scale_rows -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_both_read_paths() {
    let env = |k: &str, d: usize| std::env::var(k).map_or(d, |v| v.parse().unwrap());
    let partitions = env("SCALE_PARTITIONS", 10_000);
    let group_count = env("SCALE_GROUPS", 1_000);
    let bootstrap = std::env::var("SCALE_BOOTSTRAP").unwrap_or_else(|_| common::bootstrap());
    let f = setup(bootstrap, partitions / PARTITIONS as usize, group_count);
    let cfg = resolved(&f.bootstrap);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "{partitions} partitions, {group_count} groups at {}",
        f.bootstrap
    );
    for wire in [false, true] {
        let mut opts = PollerOptions::from_config(&cfg, []);
        opts.exact_time_lag = None;
        opts.protocol_client = wire;
        let started = Instant::now();
        let mut r = Refresher::new(&cfg, opts).unwrap();
        let cold = r.refresh();
        let cold_took = started.elapsed();
        assert_eq!(r.reads_on_wire(), wire);
        let mut warm = Vec::new();
        let mut requests = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let s = r.refresh();
            warm.push(t.elapsed());
            requests = s.requests;
            let ours = s
                .groups
                .iter()
                .filter(|g| g.group_id.starts_with(&f.prefix));
            assert_eq!(ours.count(), group_count, "{:?}", s.errors);
        }
        println!(
            "{}: cold refresh {:.0} ms ({} requests), warm refresh median {:.0} ms ({requests} requests)",
            if wire { "protocol client" } else { "librdkafka" },
            ms(cold_took),
            cold.requests,
            ms(median(warm)),
        );
    }
    let wire = WireClient::new(&cfg, Duration::from_secs(30)).unwrap();
    let admin = kaftop_core::kafka::admin::Admin::from_resolved(&cfg).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        wire.metadata().unwrap();
        a.push(t.elapsed());
        let t = Instant::now();
        admin
            .client()
            .fetch_metadata(None, Duration::from_secs(30))
            .unwrap();
        b.push(t.elapsed());
    }
    println!(
        "metadata of every topic, median of 5: protocol client {:.0} ms, librdkafka {:.0} ms",
        ms(median(a)),
        ms(median(b))
    );
    let (rows, took) = kaftop_rows_timed(&f);
    let t = Instant::now();
    let tool = tool_rows(&f);
    let tool_took = t.elapsed();
    println!(
        "cold `kaftop lag --json` {:.0} ms; kafka-consumer-groups --describe --all-groups {:.0} ms",
        ms(took),
        ms(tool_took)
    );
    assert_eq!(rows, tool);
}

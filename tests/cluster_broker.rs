//! What only a real multi-node cluster shows: the 3-node Apache Kafka cluster of
//! `scripts/test-broker.sh start --nodes 3` (replication factor 3,
//! `min.insync.replicas=2`) loses a node, and `kaftop topics`, the TUI, `kaftop bulk`
//! and `kaftop consumers` are checked against what Apache Kafka's own tools say and
//! against the topics' contents. The whole-cluster outage runs on a private broker.
//!
//! Every test holds [`Cluster::exclusive`]; a stopped node is started again by a
//! guard, also when the test fails.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cluster::create_topic_with;
use common::tmux::Tmux;
use common::{
    broker_script, cluster, kafka_tool, kaftop, kaftop_process, report_json, spawn_consumers,
    try_broker_script, unique, wait_for, ChildGuard, Cluster, TestTopics,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};

/// The node the tests stop.
const VICTIM: u32 = 2;
const PARTITIONS: i32 = 6;
const DEADLINE: Duration = Duration::from_secs(90);

/// Node `n` is stopped while this lives; dropping it starts the node again and
/// waits until it answers (without panicking: it may run while a test unwinds; if
/// the node does not start, the next test's [`Cluster::exclusive`] says so).
struct NodeDown<'a> {
    cluster: &'a Cluster,
    node: u32,
}

impl<'a> NodeDown<'a> {
    fn stop(cluster: &'a Cluster, node: u32) -> Self {
        let guard = NodeDown { cluster, node };
        cluster.stop_node(node);
        guard
    }
}

impl Drop for NodeDown<'_> {
    fn drop(&mut self) {
        if let Err(e) =
            try_broker_script(&self.cluster.dir, &["start-node", &self.node.to_string()])
        {
            eprintln!("could not start node {} again: {e}", self.node);
        }
    }
}

/// A private single broker in a tempdir, stopped on drop.
struct PrivateBroker {
    dir: tempfile::TempDir,
    bootstrap: String,
}

impl PrivateBroker {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = broker_script(&dir.path().join("kafka"), &["start"]);
        let bootstrap = value(&out, "BOOTSTRAP");
        PrivateBroker { dir, bootstrap }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("kafka")
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        if let Err(e) = try_broker_script(&self.state(), &["stop"]) {
            eprintln!("could not stop the private broker: {e}");
        }
    }
}

fn value(lines: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    lines
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {key} in {lines}"))
        .to_string()
}

/// A config file for `bootstrap` with this test's topics (replication factor
/// `replication`) and a 1 s refresh.
fn config(dir: &Path, bootstrap: &str, topics: &TestTopics, partitions: i32, rf: i32) -> PathBuf {
    let path = dir.join("kaftop.toml");
    let topic = |key: &str, name: &str| {
        format!("[topics.{key}]\nname = \"{name}\"\npartitions = {partitions}\nreplication_factor = {rf}\n")
    };
    let text = format!(
        "default_profile = \"test\"\ndata_dir = \"{data}\"\n{c}{r}{d}\
         [profiles.test]\nbootstrap_servers = \"{bootstrap}\"\npoll_interval = \"1s\"\n",
        data = dir.join("data").display(),
        c = topic("created", &topics.created),
        r = topic("read", &topics.read),
        d = topic("deleted", &topics.deleted),
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn ensure_topics(config: &Path) {
    let out = kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .output()
        .unwrap();
    common::assert_success(&out);
}

/// Waits until every partition of `topic` has a leader and its whole replica set
/// in sync, as the cluster's metadata says.
fn wait_healthy(bootstrap: &str, topic: &str, partitions: i32) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    wait_for(&format!("{topic} fully replicated"), DEADLINE, || {
        let md = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()?;
        let t = md.topics().iter().find(|t| t.name() == topic)?;
        let ok = t.error().is_none()
            && t.partitions().len() == partitions as usize
            && t.partitions().iter().all(|p| {
                p.leader() >= 0 && p.isr().len() == p.replicas().len() && p.replicas().len() == 3
            });
        ok.then_some(())
    });
}

/// (leader, replicas, ISR) per partition.
type Layout = BTreeMap<i32, (i32, Vec<i32>, Vec<i32>)>;

fn id_list(s: &str) -> Vec<i32> {
    s.split(',')
        .filter(|x| !x.is_empty() && *x != "-")
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

/// Apache Kafka's `kafka-topics --describe --topic T`.
fn oracle(bootstrap: &str, topic: &str) -> Layout {
    let out = kafka_tool(
        "kafka-topics",
        &[
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--topic",
            topic,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter(|l| l.contains("Partition: "))
        .map(|l| {
            let kv: BTreeMap<&str, &str> = l
                .split('\t')
                .filter_map(|f| f.trim().split_once(": "))
                .collect();
            let leader = kv["Leader"].trim();
            let leader = if leader == "none" {
                -1
            } else {
                leader.parse().unwrap()
            };
            (
                kv["Partition"].parse().unwrap(),
                (leader, id_list(kv["Replicas"]), id_list(kv["Isr"])),
            )
        })
        .collect()
}

/// The oracle once it has settled on `pred` for every partition.
fn oracle_when(bootstrap: &str, topic: &str, what: &str, pred: impl Fn(&Layout) -> bool) -> Layout {
    wait_for(what, DEADLINE, || {
        let l = oracle(bootstrap, topic);
        (l.len() == PARTITIONS as usize && pred(&l)).then_some(l)
    })
}

/// `kaftop topics --json`: the topic's JSON object.
fn topics_json(bootstrap: &str, topic: &str) -> Value {
    let out = kaftop()
        .args(["-b", bootstrap, "topics", "--json", "--interval", "1s"])
        .output()
        .unwrap();
    common::assert_success(&out);
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    all.into_iter()
        .find(|t| t["name"] == topic)
        .unwrap_or_else(|| panic!("{topic} not in kaftop topics --json"))
}

fn layout_of_json(t: &Value) -> Layout {
    let ids = |v: &Value| -> Vec<i32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as i32)
            .collect()
    };
    t["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap() as i32,
                (
                    p["leader"].as_i64().unwrap() as i32,
                    ids(&p["replicas"]),
                    ids(&p["isr"]),
                ),
            )
        })
        .collect()
}

/// `kaftop topics --partitions` (text): the summary row's ISR column, the
/// "Brokers down" line and the topic's partition lines.
struct TopicsText {
    isr: String,
    brokers_down: Option<String>,
    layout: Layout,
    problems: BTreeMap<i32, String>,
    attention: bool,
}

fn topics_text(bootstrap: &str, topic: &str) -> TopicsText {
    let out = kaftop()
        .args([
            "-b",
            bootstrap,
            "topics",
            "--partitions",
            "--interval",
            "1s",
        ])
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    let (isr_at, msg_at) = (
        header.find("ISR").unwrap(),
        header.find("MESSAGES").unwrap(),
    );
    let row = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(topic))
        .unwrap_or_else(|| panic!("{topic} not in\n{text}"));
    let isr = row[isr_at..msg_at].trim().to_string();
    let brokers_down = text
        .lines()
        .find_map(|l| l.strip_prefix("Brokers down (holding replicas, missing from the cluster): "))
        .map(str::to_string);
    let mut layout = Layout::new();
    let mut problems = BTreeMap::new();
    let section = text.split("\nPartitions:\n").nth(1).unwrap_or("");
    for l in section.lines().skip(1) {
        let c: Vec<&str> = l.split_whitespace().collect();
        if c.first() != Some(&topic) {
            continue;
        }
        let p: i32 = c[1].parse().unwrap();
        let leader = if c[2] == "none" {
            -1
        } else {
            c[2].parse().unwrap()
        };
        layout.insert(p, (leader, id_list(c[3]), id_list(c[4])));
        problems.insert(p, c[5..].join(" "));
    }
    TopicsText {
        isr,
        brokers_down,
        layout,
        problems,
        attention: text.contains("Partitions needing attention"),
    }
}

fn without(v: &[i32], n: i32) -> Vec<i32> {
    v.iter().copied().filter(|&x| x != n).collect()
}

/// Stop a node: `kaftop topics` (text and JSON) shows the under-replicated
/// partitions, the shrunken ISR and the moved leaders exactly as
/// `kafka-topics --describe` does; start it again: fully replicated again.
#[test]
fn a_stopped_node_shows_in_topics_as_kafka_topics_describes_it() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let topic = unique("urp");
    create_topic_with(&c.bootstrap, &topic, PARTITIONS, 3, &[]);

    let before = oracle(&c.bootstrap, &topic);
    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), before);
    assert_eq!(json["under_replicated"], 0);
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, before);
    assert_eq!(text.isr, "3/3");
    assert_eq!(text.brokers_down, None);
    let led_by_victim: BTreeSet<i32> = before
        .iter()
        .filter(|(_, (l, _, _))| *l == VICTIM as i32)
        .map(|(p, _)| *p)
        .collect();
    assert!(
        !led_by_victim.is_empty(),
        "node {VICTIM} leads none of {before:?}"
    );

    let down = NodeDown::stop(&c, VICTIM);
    let v = VICTIM as i32;
    let after = oracle_when(&c.bootstrap, &topic, "ISR without the stopped node", |l| {
        l.values()
            .all(|(leader, _, isr)| *leader != v && !isr.contains(&v))
    });
    // Kafka's view: replicas unchanged, the node gone from every ISR, its partitions
    // led by another node.
    for (p, (leader, replicas, isr)) in &after {
        let (_, replicas0, isr0) = &before[p];
        assert_eq!(replicas, replicas0);
        assert_eq!(isr, &without(isr0, v));
        assert!(isr.contains(leader));
    }

    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), after);
    assert_eq!(json["under_replicated"], PARTITIONS);
    assert_eq!(json["under_min_isr"], 0);
    assert_eq!(json["offline"], 0);
    assert_eq!(json["min_insync_replicas"], 2);
    for p in json["partitions"].as_array().unwrap() {
        assert_eq!(p["under_replicated"], true);
        assert_eq!(p["problem"], "under_replicated");
        assert_eq!(p["offline_replicas"], json!([VICTIM]));
    }
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, after);
    assert_eq!(text.isr, format!("2/3 ({PARTITIONS} under-replicated)"));
    assert_eq!(
        text.brokers_down.as_deref(),
        Some(VICTIM.to_string().as_str())
    );
    assert!(
        text.problems.values().all(|p| p == "under-replicated"),
        "{:?}",
        text.problems
    );

    drop(down);
    let healed = oracle_when(&c.bootstrap, &topic, "the node back in every ISR", |l| {
        l.values().all(|(_, r, isr)| isr.len() == r.len())
    });
    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), healed);
    assert_eq!(json["under_replicated"], 0);
    assert_eq!(json["min_insync_replicas"], Value::Null);
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, healed);
    assert_eq!(text.isr, "3/3");
    assert_eq!(text.brokers_down, None);
    assert!(text.problems.values().all(|p| p == "-"));
    // Without --partitions a healthy cluster prints no partition lines.
    assert!(!text.attention);
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

fn start_tui(tmux: &Tmux, config: &Path) {
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(config)
    );
    tmux.start_program(&cmd, 160, 40);
}

/// The time of the dashboard's last refresh, from its header ("refreshed 10:15:30").
fn refreshed_stamp(screen: &str) -> Option<String> {
    let at = screen.find("refreshed ")? + "refreshed ".len();
    let stamp: String = screen[at..].chars().take(8).collect();
    (stamp.len() == 8 && stamp.as_bytes()[2] == b':').then_some(stamp)
}

/// The partition rows of the topic view: partition → (leader, replicas, ISR).
fn tui_rows(screen: &str) -> Layout {
    screen
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.trim_matches('│').split_whitespace().collect();
            if c.len() < 4 {
                return None;
            }
            let p: i32 = c[0].parse().ok()?;
            let leader = if c[1] == "none" {
                -1
            } else {
                c[1].parse().ok()?
            };
            c[2].contains(',')
                .then(|| (p, (leader, id_list(c[2]), id_list(c[3]))))
        })
        .collect()
}

/// The running TUI loses a node: it stays up, its header says which broker is
/// down, and the topic view shows the under-replicated partitions with the ISR and
/// leaders Kafka reports; the node comes back and so does "all in sync".
#[test]
fn the_tui_shows_a_stopped_node_and_its_return() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tui-urp");
    let config = config(dir.path(), &c.bootstrap, &topics, PARTITIONS, 3);
    ensure_topics(&config);
    let topic = topics.created.as_str();
    wait_healthy(&c.bootstrap, topic, PARTITIONS);

    let tmux = Tmux::new();
    start_tui(&tmux, &config);
    tmux.wait_for_text("the dashboard", "● connected");
    tmux.keys(&[":"]);
    tmux.text(&format!("topic {topic}"));
    tmux.keys(&["Enter"]);
    let before = oracle(&c.bootstrap, topic);
    tmux.wait("the topic view, all in sync", |s| {
        (s.contains("all in sync") && tui_rows(s) == before).then_some(())
    });

    let down = NodeDown::stop(&c, VICTIM);
    let v = VICTIM as i32;
    let after = oracle_when(&c.bootstrap, topic, "ISR without the stopped node", |l| {
        l.values()
            .all(|(leader, _, isr)| *leader != v && !isr.contains(&v))
    });
    // The ISR shrinks during the node's controlled shutdown, before the cluster
    // drops it from its brokers: wait until the cluster reports both.
    wait_for("the cluster to report the node down", DEADLINE, || {
        topics_text(&c.bootstrap, topic)
            .brokers_down
            .is_some_and(|d| d == VICTIM.to_string())
            .then_some(())
    });
    // From here the dashboard must show it within two refreshes, counted by the
    // "refreshed HH:MM:SS" stamps it shows: the one on screen now, a refresh that
    // may have been under way, and the next.
    let mut stamps = std::collections::BTreeSet::new();
    let screen = tmux.wait("the outage on screen", |s| {
        let shown = tui_rows(s) == after
            && s.contains(&format!("{PARTITIONS} under-replicated"))
            && s.contains(&format!("✗ broker {VICTIM} down"));
        if let Some(stamp) = refreshed_stamp(s) {
            stamps.insert(stamp);
        }
        assert!(
            shown || stamps.len() <= 2,
            "not shown after two refreshes ({stamps:?}):\n{s}"
        );
        shown.then(|| s.to_string())
    });
    assert!(
        screen.contains(&format!("✗ broker {VICTIM} down")),
        "{screen}"
    );
    assert!(screen.contains("● connected"), "{screen}");

    drop(down);
    let healed = oracle_when(&c.bootstrap, topic, "the node back in every ISR", |l| {
        l.values().all(|(_, r, isr)| isr.len() == r.len())
    });
    let screen = tmux.wait("the recovery on screen", |s| {
        (s.contains("all in sync") && tui_rows(s) == healed).then(|| s.to_string())
    });
    assert!(!screen.contains("down"), "{screen}");
    assert!(!screen.contains("kaftop-exit="), "the TUI is still running");
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

/// The whole cluster (a private broker) stops under the TUI: it says unreachable
/// and keeps running; the cluster starts again and the TUI reconnects by itself.
#[test]
fn the_tui_survives_the_whole_cluster_restarting() {
    let _lock = Cluster::exclusive();
    let broker = PrivateBroker::start();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tui-restart");
    let config = config(dir.path(), &broker.bootstrap, &topics, 1, 1);
    ensure_topics(&config);

    let tmux = Tmux::new();
    start_tui(&tmux, &config);
    tmux.wait_for_text("the dashboard", "● connected");
    tmux.keys(&["/"]);
    tmux.text(&topics.created);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the test's topic", &topics.created);

    broker_script(&broker.state(), &["stop"]);
    let screen = tmux.wait_for_text("unreachable", "✗ unreachable");
    // The last data stays on screen while the cluster is away.
    assert!(screen.contains(&topics.created), "{screen}");
    assert!(!screen.contains("kaftop-exit="), "{screen}");

    broker_script(&broker.state(), &["start-node", "1"]);
    let screen = tmux.wait_for_text("connected again", "● connected");
    assert!(screen.contains(&topics.created), "{screen}");
    assert!(!screen.contains("unreachable"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

/// Every message id in `topic` (read from the beginning, all partitions), with
/// how often it occurs.
fn ids_in(bootstrap: &str, topic: &str, partitions: i32, expected: usize) -> BTreeMap<i64, u32> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    // A leader that just took over answers OffsetNotAvailable until its high
    // watermark has caught up: ask again until every partition answers.
    let high: i64 = wait_for(&format!("the end offsets of {topic}"), DEADLINE, || {
        (0..partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(10))
                    .ok()
                    .map(|w| w.1)
            })
            .sum::<Option<i64>>()
    });
    assert!(
        high as usize >= expected,
        "{high} records in {topic}, {expected} expected"
    );
    let mut ids = BTreeMap::new();
    let mut read = 0i64;
    wait_for(&format!("{high} records of {topic}"), DEADLINE, || {
        while let Some(m) = consumer.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            let v: Value = serde_json::from_slice(m.payload().unwrap()).unwrap();
            *ids.entry(v["messageId"].as_i64().unwrap()).or_insert(0) += 1;
            read += 1;
        }
        (read >= high).then_some(())
    });
    ids
}

/// Records in `topic` now (sum of high watermarks).
fn records_in(consumer: &BaseConsumer, topic: &str, partitions: i32) -> i64 {
    (0..partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .map(|w| w.1)
                .unwrap_or(0)
        })
        .sum()
}

/// `kaftop --config CONFIG GLOBAL.. bulk --json --count COUNT --start-id START
/// BULK..`, running.
fn spawn_bulk(config: &Path, global: &[&str], bulk: &[&str], count: i64, start: i64) -> ChildGuard {
    let mut cmd = kaftop_process();
    cmd.arg("--config")
        .arg(config)
        .args(global)
        .args(["bulk", "--json", "--count", &count.to_string()])
        .args(["--start-id", &start.to_string()])
        .args(bulk);
    ChildGuard::spawn("kaftop bulk", &mut cmd)
}

/// A node stops in the middle of `kaftop bulk`: leaders move, the idempotent
/// producer retries, and every event is delivered exactly once.
#[test]
fn bulk_survives_a_stopped_node_without_loss_or_duplicates() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("bulk-node");
    let config = config(dir.path(), &c.bootstrap, &topics, 3, 3);
    ensure_topics(&config);
    wait_healthy(&c.bootstrap, &topics.created, 3);
    const COUNT: i64 = 12_000;
    const START: i64 = 5_000_000;

    let child = spawn_bulk(&config, &[], &["--rate", "1500"], COUNT, START);
    let watcher: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &c.bootstrap)
        .create()
        .unwrap();
    wait_for("a fifth of the events delivered", DEADLINE, || {
        (records_in(&watcher, &topics.created, 3) >= COUNT / 5).then_some(())
    });
    let down = NodeDown::stop(&c, VICTIM);
    let out = child.wait(DEADLINE);
    drop(down);
    common::assert_success(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["requested"], COUNT);
    assert_eq!(report["delivered"], COUNT);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["errors"], json!({}));
    assert_eq!(report["per_topic"], json!({ &topics.created: COUNT }));

    let ids = ids_in(&c.bootstrap, &topics.created, 3, COUNT as usize);
    let expected: BTreeMap<i64, u32> = (START..START + COUNT).map(|id| (id, 1)).collect();
    assert_eq!(ids.len(), expected.len());
    assert!(ids == expected, "lost or duplicated ids");
}

/// A topic that needs all three replicas in sync: `kaftop bulk` delivers every
/// event while all nodes run; once a node has stopped and left the ISR, every write
/// is refused. Bulk then reports exactly that many failures, says why (not a bare
/// timeout) and exits non-zero, and the topic holds exactly the events delivered.
#[test]
fn bulk_reports_failures_and_their_cause_when_writes_are_refused() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("bulk-minisr");
    let config = config(dir.path(), &c.bootstrap, &topics, 1, 3);
    create_topic_with(
        &c.bootstrap,
        &topics.created,
        1,
        3,
        &[("min.insync.replicas", "3")],
    );
    const DELIVERED: i64 = 500;
    const REFUSED: i64 = 300;
    const START: i64 = 7_000_000;
    let timeout = ["-X", "message.timeout.ms=5000"];

    // All replicas in sync: every event is written.
    let out = spawn_bulk(&config, &timeout, &["--rate", "1000"], DELIVERED, START).wait(DEADLINE);
    common::assert_success(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["delivered"], &report["failed"]),
        (&json!(DELIVERED), &json!(0)),
        "{report}"
    );

    // The node is out of the topic's ISR (Kafka's own view) before bulk starts, so
    // the leader refuses each write: min.insync.replicas=3, 2 in sync.
    let down = NodeDown::stop(&c, VICTIM);
    let v = VICTIM as i32;
    let layout = wait_for("ISR without the stopped node", DEADLINE, || {
        let l = oracle(&c.bootstrap, &topics.created);
        (l.len() == 1
            && l.values()
                .all(|(_, _, isr)| isr.len() == 2 && !isr.contains(&v)))
        .then_some(l)
    });
    assert_eq!(layout[&0].1.len(), 3, "{layout:?}");
    let out = spawn_bulk(
        &config,
        &timeout,
        &["--rate", "1000"],
        REFUSED,
        START + DELIVERED,
    )
    .wait(DEADLINE);
    drop(down);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["requested"], REFUSED, "{report}");
    assert_eq!(report["delivered"], 0, "{report}");
    assert_eq!(report["failed"], REFUSED, "{report}");
    // Each refused write is retried until its message timeout; the cause says why.
    assert_eq!(
        report["errors"],
        json!({ "MessageTimedOut (Local: Message timed out)": REFUSED }),
        "{report}"
    );
    assert_eq!(report["unconfirmed"], 0);
    assert_eq!(report["per_topic"], json!({}), "{report}");
    assert_eq!(
        stderr.trim_end().lines().last().unwrap_or(""),
        format!("kaftop: error: {REFUSED} of {REFUSED} events were not delivered")
    );
    assert_eq!(
        report["cause"],
        json!([
            format!("broker {VICTIM} is down"),
            format!(
                "{}: 1 of 1 partitions under min.insync.replicas=3 (2 of 3 replicas in sync)",
                topics.created
            ),
        ]),
        "{report}"
    );

    // The topic holds exactly the delivered events, each once, and none refused.
    let ids = ids_in(&c.bootstrap, &topics.created, 1, DELIVERED as usize);
    let expected: BTreeMap<i64, u32> = (START..START + DELIVERED).map(|id| (id, 1)).collect();
    assert!(ids == expected, "{} ids, {ids:?}", ids.len());
}

/// An independent producer on the cluster (acks=all, idempotent).
struct Producer {
    producer: FutureProducer,
    rt: tokio::runtime::Runtime,
}

impl Producer {
    fn new(bootstrap: &str) -> Self {
        Producer {
            producer: ClientConfig::new()
                .set("bootstrap.servers", bootstrap)
                .set("enable.idempotence", "true")
                .set("linger.ms", "5")
                .create()
                .unwrap(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn send(&self, recs: &[(String, String, String)]) {
        self.rt.block_on(async {
            let mut pending = Vec::new();
            for (topic, key, value) in recs {
                pending.push(
                    self.producer.send_result(
                        FutureRecord::to(topic)
                            .key(key.as_str())
                            .payload(value.as_str()),
                    ),
                );
            }
            for p in pending {
                p.unwrap().await.unwrap().unwrap();
            }
        });
    }
}

fn created(t: &TestTopics, id: i64) -> (String, String, String) {
    let v = json!({"messageId": id, "senderId": 100 + id % 9, "receiverId": 500,
                   "content": format!("message {id}"), "createdAt": "2026-11-24T08:00:00"});
    (t.created.clone(), id.to_string(), v.to_string())
}

fn read(t: &TestTopics, id: i64) -> (String, String, String) {
    let v = json!({"messageId": id, "receiverId": 500, "readAt": "2026-11-24T09:00:00"});
    (t.read.clone(), id.to_string(), v.to_string())
}

fn deleted(t: &TestTopics, id: i64) -> (String, String, String) {
    let v = json!({"messageId": id, "senderId": 100 + id % 9, "receiverId": 500,
                   "deletedAt": "2026-11-24T10:00:00"});
    (t.deleted.clone(), id.to_string(), v.to_string())
}

fn counter(r: &Value, service: &str, name: &str) -> u64 {
    r["services"][service][name].as_u64().unwrap_or(0)
}

/// A node stops while `kaftop consumers` runs and more events arrive: the
/// services lose and double nothing. Every effect is counted exactly once,
/// consumed = processed + dead-lettered + deduplicated, and the dead-letter
/// topic holds exactly the dead letters the report counts.
#[test]
fn consumers_lose_and_double_nothing_when_a_node_stops() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("svc-node");
    let config = config(dir.path(), &c.bootstrap, &topics, 3, 3);
    ensure_topics(&config);
    for t in topics.all() {
        wait_healthy(&c.bootstrap, t, 3);
    }
    const CREATED: i64 = 900;
    const READS: i64 = 300;
    const DELETES: i64 = 100;
    const DUPLICATES: i64 = 20;
    const POISON: i64 = 4;
    let p = Producer::new(&c.bootstrap);
    let t = &topics;
    // Phase A: before the outage.
    let mut a: Vec<_> = (1..=600).map(|id| created(t, id)).collect();
    a.extend((1..=200).map(|id| read(t, id)));
    a.extend((1..=50).map(|id| deleted(t, id)));
    a.extend((1..=DUPLICATES).map(|id| created(t, id)));
    a.extend((0..POISON).map(|i| {
        (
            t.created.clone(),
            format!("bad-{i}"),
            "{not json".to_string(),
        )
    }));
    p.send(&a);

    let child = spawn_consumers(&config, &["--concurrency", "2"], &[]);
    wait_for("the services under way", DEADLINE, || {
        let r = report_json(&config, &[]);
        (counter(&r, "analytics", "consumed") >= 300).then_some(())
    });

    // Phase B: a node stops, events keep coming.
    let down = NodeDown::stop(&c, VICTIM);
    let mut b: Vec<_> = (601..=CREATED).map(|id| created(t, id)).collect();
    b.extend((201..=READS).map(|id| read(t, id)));
    b.extend((51..=DELETES).map(|id| deleted(t, id)));
    for chunk in b.chunks(50) {
        p.send(chunk);
    }
    let total_created = (CREATED + DUPLICATES + POISON) as u64;
    let done = |r: &Value| {
        counter(r, "notification", "consumed") >= total_created
            && counter(r, "analytics", "consumed") >= total_created + READS as u64
            && counter(r, "read-receipt", "consumed") >= total_created + READS as u64
            && counter(r, "archive", "consumed") >= DELETES as u64
    };
    wait_for("every event consumed during the outage", DEADLINE, || {
        done(&report_json(&config, &[])).then_some(())
    });
    drop(down);

    let out = child.terminate();
    common::assert_success(&out);

    let r = report_json(&config, &[]);
    let (c_, rd, dl) = (CREATED as u64, READS as u64, DELETES as u64);
    // Effects: exactly once each.
    assert_eq!(r["notifications"], c_, "{r:#}");
    assert_eq!(r["receipts"], rd, "{r:#}");
    assert_eq!(r["pending_receipts"], 0, "{r:#}");
    assert_eq!(r["archived"], dl, "{r:#}");
    assert_eq!(
        r["daily"],
        json!([{"date": "2026-11-24", "messages": c_, "distinct_senders": 9, "reads": rd}])
    );
    // Per service: what was processed, dead-lettered, and that the books balance.
    // (service, processed, dead-lettered, duplicates sent to its topics)
    let (dup, poison) = (DUPLICATES as u64, POISON as u64);
    let expect = [
        ("notification", c_, poison, dup),
        ("analytics", c_ + rd, poison, dup),
        ("read-receipt", c_ + rd, poison, dup),
        ("archive", dl, 0, 0),
    ];
    for (s, processed, dead, duplicates) in expect {
        let get = |n| counter(&r, s, n);
        assert_eq!(get("processed"), processed, "{s}: {r:#}");
        assert_eq!(get("dead_lettered"), dead, "{s}: {r:#}");
        // Dedupe hits cannot be exact here: a record consumed before the node stopped
        // whose offset commit did not reach the group coordinator (which may move
        // with the stop) is delivered again, and is then a dedupe hit. What is exact:
        // every record sent was consumed at least once, and each consumption beyond
        // that (a redelivery) is a dedupe hit, beside the duplicates sent.
        let sent = processed + dead + duplicates;
        let consumed = get("consumed");
        assert!(
            consumed >= sent,
            "{s}: {consumed} of {sent} consumed: {r:#}"
        );
        let redelivered = consumed - sent;
        assert_eq!(get("dedupe_hits"), duplicates + redelivered, "{s}: {r:#}");
        assert_eq!(
            consumed,
            get("processed") + get("dead_lettered") + get("dedupe_hits"),
            "{s}: {r:#}"
        );
    }
    // The dead-letter topic holds each poison record once per service that read it.
    let dlq = format!("{}.dlq", t.created);
    assert_eq!(r["dead_lettered"][&t.created], 3 * POISON as u64);
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &c.bootstrap)
        .create()
        .unwrap();
    assert_eq!(records_in(&consumer, &dlq, 3), 3 * POISON);
}

//! Consumer groups described by the real broker, with Apache Kafka's own
//! `kafka-consumer-groups` as the oracle: a classic group and a KIP-848
//! (`group.protocol=consumer`) group, each with real members polling in threads.
//! For a quiet group kaftop's rows equal the tool's row for row; states and
//! members equal the tool's `--state` and `--members` views in every state the
//! test can hold still (Stable, PreparingRebalance, Reconciling, Empty).

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use common::cluster::{create_topic, produce_counts};
use common::tmux::Tmux;
use common::{bootstrap, kafka_tool, kaftop, unique, wait_for};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

/// Records per partition of every test topic; partition 3 stays empty, so it
/// never gets a committed offset.
const COUNTS: [usize; 4] = [3, 2, 1, 0];

/// Long enough for a JVM tool run and a group to settle, several times over.
const SETTLE: Duration = Duration::from_secs(90);
/// The dashboard's group view on the real broker, driven in tmux: a KIP-848 group
/// while it reconciles and a classic group, each with the type, state, member count
/// and per-member partition counts that `kafka-consumer-groups` gives.
#[test]
fn the_dashboard_group_view_equals_kafka_consumer_groups() {
    if skipped_before_kafka_4("the_dashboard_group_view_equals_kafka_consumer_groups") {
        return;
    }
    let b = bootstrap();
    let topic = unique("grp-tui");
    let kip = unique("grp-tui-kip848");
    let classic = unique("grp-tui-classic");
    create_topic(&b, &topic, COUNTS.len() as i32);
    produce_counts(&b, &topic, &COUNTS);

    let a = Member::join(&b, &kip, "tui-kip-a", "consumer", &topic);
    wait_quiet(&b, &kip, 1);
    wait_state(&b, &kip, "Stable");
    a.pause();
    let c = Member::join(&b, &kip, "tui-kip-b", "consumer", &topic);
    wait_state(&b, &kip, "Reconciling");
    wait_for("the second member in the group", SETTLE, || {
        (tool_state(&b, &kip).1 == 2).then_some(())
    });
    let x = Member::join(&b, &classic, "tui-classic-x", "classic", &topic);
    let y = Member::join(&b, &classic, "tui-classic-y", "classic", &topic);
    wait_quiet(&b, &classic, 2);
    wait_state(&b, &classic, "Stable");

    let tmux = Tmux::new();
    tmux.start_program(
        &format!(
            "env KAFTOP_CONFIG=/dev/null {} -b {b}",
            env!("CARGO_BIN_EXE_kaftop")
        ),
        200,
        50,
    );
    tmux.wait_for_text("the dashboard", "● connected");
    for (group, ty, client_ids) in [
        (&kip, "Consumer", ["tui-kip-a", "tui-kip-b"]),
        (&classic, "Classic", ["tui-classic-x", "tui-classic-y"]),
    ] {
        let (state, count) = tool_state(&b, group);
        let by_client: Vec<(String, String)> = tool_members(&b, group)
            .into_iter()
            .map(|m| (m[2].clone(), m[3].clone()))
            .collect();
        tmux.keys(&[":"]);
        tmux.text(&format!("group {group}"));
        tmux.keys(&["Enter"]);
        let summary = format!("{group}  {state} · {ty} · {count} members");
        let screen = tmux.wait(&format!("{group} in the group view"), |s| {
            (s.contains(&summary) && client_ids.iter().all(|c| s.contains(c)))
                .then(|| s.to_string())
        });
        // The Members pane (below the offsets table, which shows client ids too).
        let pane = screen
            .split_once("Members (")
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no Members pane:\n{screen}"));
        for (client, partitions) in &by_client {
            let row: Vec<&str> = pane
                .lines()
                .find(|l| l.contains(client.as_str()))
                .unwrap_or("")
                .split_whitespace()
                .collect();
            let at = row.iter().position(|t| t == client);
            assert_eq!(
                at.and_then(|i| row.get(i + 1)).copied(),
                Some(partitions.as_str()),
                "{client}'s partition count; screen:\n{screen}"
            );
        }
        tmux.keys(&["Escape"]);
        // Back on the overview before typing on: an Escape and a `:` sent at once
        // read as Alt-`:`, and the group view would take the letters as keys.
        tmux.wait_for_text("the overview again", "Throughput msg/s");
    }
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
    for m in [a, c, x, y] {
        m.leave();
    }
}

// ---- members: real consumers polling in threads ----

/// A group member polling on its own thread. Each record's own offset is
/// committed (not the next one), so every non-empty partition keeps a lag of
/// exactly 1 once consumed: a quiet group with lag to compare.
struct Member {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Member {
    fn join(bootstrap: &str, group: &str, client_id: &str, protocol: &str, topic: &str) -> Self {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("client.id", client_id)
            .set("group.protocol", protocol)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .expect("member consumer");
        consumer.subscribe(&[topic]).expect("subscribe");
        let stop = Arc::new(AtomicBool::new(false));
        let paused = Arc::new(AtomicBool::new(false));
        let (s, p) = (stop.clone(), paused.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if p.load(Ordering::Relaxed) {
                    // Not polling: rebalance callbacks are not served.
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                    let mut tpl = TopicPartitionList::new();
                    tpl.add_partition_offset(m.topic(), m.partition(), Offset::Offset(m.offset()))
                        .expect("offset");
                    // A commit racing a rebalance may fail; the next poll retries.
                    let _ = consumer.commit(&tpl, CommitMode::Sync);
                }
            }
            // Leaves the group.
            consumer.unsubscribe();
            drop(consumer);
        });
        Member {
            stop,
            paused,
            thread: Some(thread),
        }
    }

    fn pause(&self) {
        self.paused.store(true, Ordering::Relaxed);
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::Relaxed);
    }

    /// Stops polling, leaves the group and closes the consumer.
    fn leave(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("member thread");
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

// ---- the oracle: kafka-consumer-groups ----

fn tool(b: &str, args: &[&str]) -> String {
    let mut all = vec!["--bootstrap-server", b];
    all.extend_from_slice(args);
    let out = kafka_tool("kafka-consumer-groups", &all);
    assert!(
        out.status.success(),
        "kafka-consumer-groups {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The rows of the tool's table for `group` (lines that start with the group id,
/// split on whitespace), sorted.
fn tool_rows(text: &str, group: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(group))
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect();
    rows.sort();
    rows
}

/// `--describe`: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG
/// CONSUMER-ID HOST CLIENT-ID, sorted by (topic, partition).
fn tool_offsets(b: &str, group: &str) -> Vec<Vec<String>> {
    let mut rows = tool_rows(&tool(b, &["--describe", "--group", group]), group);
    rows.sort_by_key(|r| (r[1].clone(), r[2].parse::<i32>().unwrap_or(-1)));
    rows
}

/// `--describe --state`: (STATE, #MEMBERS), the last two columns (the
/// coordinator column holds a space).
fn tool_state(b: &str, group: &str) -> (String, usize) {
    let rows = tool_rows(
        &tool(b, &["--describe", "--group", group, "--state"]),
        group,
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    (
        r[r.len() - 2].clone(),
        r[r.len() - 1].parse().expect("#MEMBERS"),
    )
}

/// `--describe --members --verbose`: per member (CONSUMER-ID, HOST, CLIENT-ID,
/// #PARTITIONS, CURRENT-ASSIGNMENT, TARGET-ASSIGNMENT), sorted. Classic groups
/// have no target ("-").
fn tool_members(b: &str, group: &str) -> Vec<[String; 6]> {
    let text = tool(
        b,
        &["--describe", "--group", group, "--members", "--verbose"],
    );
    let mut rows: Vec<[String; 6]> = tool_rows(&text, group)
        .into_iter()
        .map(|r| match r.len() {
            // Kafka 4: GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS CURRENT-EPOCH
            // CURRENT-ASSIGNMENT TARGET-EPOCH TARGET-ASSIGNMENT.
            9 => [
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                r[6].clone(),
                r[8].clone(),
            ],
            // Kafka 3.x has no epochs and no target: GROUP CONSUMER-ID HOST CLIENT-ID
            // #PARTITIONS ASSIGNMENT.
            // Its ASSIGNMENT is the partitions only, `(0,1)`.
            6 => [
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                r[5].clone(),
                "-".to_string(),
            ],
            _ => panic!("unexpected --members --verbose row {r:?}"),
        })
        .collect();
    rows.sort();
    rows
}

// ---- kaftop ----

fn kaftop_out(b: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["-b", b, "lag"];
    all.extend_from_slice(args);
    kaftop()
        .args(&all)
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .expect("run kaftop")
}

fn kaftop_json(b: &str, args: &[&str]) -> serde_json::Value {
    let out = kaftop_out(b, args);
    common::assert_success(&out);
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `kaftop lag --group G --json` in the tool's columns.
fn kaftop_offsets_json(b: &str, group: &str) -> Vec<Vec<String>> {
    let rows = kaftop_json(b, &["--group", group, "--json"]);
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            [
                "group",
                "topic",
                "partition",
                "current_offset",
                "log_end_offset",
                "lag",
                "consumer_id",
                "host",
                "client_id",
            ]
            .iter()
            .map(|k| cell(&r[*k]))
            .collect()
        })
        .collect()
}

/// `kaftop lag --group G` (text): the tool's nine columns of each row.
fn kaftop_offsets_text(b: &str, group: &str) -> Vec<Vec<String>> {
    let out = kaftop_out(b, &["--group", group]);
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    text.lines()
        .filter(|l| l.split_whitespace().next() == Some(group))
        .map(|l| l.split_whitespace().take(9).map(String::from).collect())
        .collect()
}

/// `kaftop lag --group G --state --json`: (type, state, members).
fn kaftop_state(b: &str, group: &str) -> (String, String, usize) {
    let rows = kaftop_json(b, &["--group", group, "--state", "--json"]);
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    (
        cell(&r["group_type"]),
        cell(&r["state"]),
        r["members"].as_u64().expect("members") as usize,
    )
}

/// Partitions as the tool prints an assignment: `topic:0,1`, `-` when none.
fn assignment(v: &serde_json::Value) -> String {
    let Some(parts) = v.as_array() else {
        return "-".into();
    };
    let mut parts: Vec<(String, i64)> = parts
        .iter()
        .map(|p| (cell(&p[0]), p[1].as_i64().expect("partition")))
        .collect();
    parts.sort();
    match parts.first() {
        None => "-".into(),
        Some((topic, _)) => {
            let ids: Vec<String> = parts.iter().map(|(_, p)| p.to_string()).collect();
            format!("{topic}:{}", ids.join(","))
        }
    }
}

/// `kaftop lag --group G --members --json` in the tool's `--members --verbose`
/// columns.
fn kaftop_members(b: &str, group: &str) -> Vec<[String; 6]> {
    let rows = kaftop_json(b, &["--group", group, "--members", "--json"]);
    let mut rows: Vec<[String; 6]> = rows
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            [
                cell(&m["consumer_id"]),
                cell(&m["host"]),
                cell(&m["client_id"]),
                cell(&m["partitions"]),
                assignment(&m["assignment"]),
                assignment(&m["target_assignment"]),
            ]
        })
        .collect();
    rows.sort();
    rows
}

/// The release scripts/compat-old-kafka.sh runs these tests on, when older than 4
/// (`KAFTOP_TEST_KAFKA_VERSION`); `None` on the suite's own broker.
fn older_kafka() -> Option<String> {
    std::env::var("KAFTOP_TEST_KAFKA_VERSION")
        .ok()
        .filter(|v| v.starts_with("3."))
}

/// KIP-848 consumer groups are a preview before Kafka 4.0 (off by default, and
/// librdkafka's consumer protocol does not settle on 3.9): said and skipped there.
fn skipped_before_kafka_4(test: &str) -> bool {
    let Some(v) = older_kafka() else {
        return false;
    };
    eprintln!("SKIPPED {test}: Kafka {v} has no KIP-848 consumer groups (preview before 4.0)");
    true
}

// ---- checks ----

/// The quiet group's expected (CURRENT-OFFSET, LOG-END-OFFSET, LAG) per
/// partition: each consumed partition committed its last record's offset.
fn expected_offsets() -> Vec<[String; 3]> {
    COUNTS
        .iter()
        .map(|&n| match n {
            0 => ["-".into(), "0".into(), "-".into()],
            n => [(n - 1).to_string(), n.to_string(), "1".to_string()],
        })
        .collect()
}

/// Waits until the tool shows the group quiet: every partition owned by one of
/// `members` distinct consumers, every non-empty one consumed; returns its rows.
fn wait_quiet(b: &str, group: &str, members: usize) -> Vec<Vec<String>> {
    wait_for(
        &format!("{group} quiet with {members} members"),
        SETTLE,
        || {
            let rows = tool_offsets(b, group);
            let offsets: Vec<[String; 3]> = rows
                .iter()
                .map(|r| [r[3].clone(), r[4].clone(), r[5].clone()])
                .collect();
            let mut owners: Vec<&String> = rows.iter().map(|r| &r[6]).collect();
            owners.sort();
            owners.dedup();
            let owned = rows.iter().all(|r| r[6] != "-");
            (offsets == expected_offsets() && owned && owners.len() == members).then_some(rows)
        },
    )
}

/// kaftop's rows (JSON and text) equal the tool's, read before and after them.
fn assert_rows_equal_the_tool(b: &str, group: &str) {
    let before = tool_offsets(b, group);
    let json = kaftop_offsets_json(b, group);
    let text = kaftop_offsets_text(b, group);
    let after = tool_offsets(b, group);
    assert_eq!(before, after, "the group moved during the comparison");
    assert_eq!(json, before, "kaftop lag --json vs kafka-consumer-groups");
    assert_eq!(text, before, "kaftop lag vs kafka-consumer-groups");
}

/// kaftop's state, member count and members equal the tool's `--state` and
/// `--members --verbose`.
fn assert_state_equals_the_tool(b: &str, group: &str, ty: &str, state: &str, members: usize) {
    assert_eq!(tool_state(b, group), (state.to_string(), members));
    assert_eq!(
        kaftop_state(b, group),
        (ty.to_string(), state.to_string(), members)
    );
    let tool = tool_members(b, group);
    assert_eq!(tool.len(), members, "{tool:?}");
    let mut kaftop = kaftop_members(b, group);
    if older_kafka().is_some() {
        // Kafka 3.x's tool prints an assignment `topic:0,1` as `(0,1)`.
        for m in &mut kaftop {
            if let Some((_, parts)) = m[4].split_once(':') {
                m[4] = format!("({parts})");
            }
        }
    }
    assert_eq!(kaftop, tool);
}

fn wait_state(b: &str, group: &str, state: &str) {
    wait_for(&format!("{group} {state}"), SETTLE, || {
        (tool_state(b, group).0 == state).then_some(())
    });
}

// ---- the tests ----

#[test]
fn classic_group_equals_kafka_consumer_groups() {
    let b = bootstrap();
    let topic = unique("grp-classic");
    let group = unique("grp-classic-g");
    create_topic(&b, &topic, COUNTS.len() as i32);
    produce_counts(&b, &topic, &COUNTS);

    let a = Member::join(&b, &group, "classic-a", "classic", &topic);
    let c = Member::join(&b, &group, "classic-b", "classic", &topic);
    let rows = wait_quiet(&b, &group, 2);
    let clients: Vec<&str> = rows.iter().map(|r| r[8].as_str()).collect();
    assert!(
        clients.contains(&"classic-a") && clients.contains(&"classic-b"),
        "{rows:?}"
    );
    assert_rows_equal_the_tool(&b, &group);
    assert_state_equals_the_tool(&b, &group, "Classic", "Stable", 2);

    // A third member joins while the first one does not poll: the group waits
    // in PreparingRebalance for the first one to rejoin.
    a.pause();
    let d = Member::join(&b, &group, "classic-c", "classic", &topic);
    wait_state(&b, &group, "PreparingRebalance");
    assert_eq!(
        kaftop_state(&b, &group).1,
        "PreparingRebalance",
        "kaftop vs kafka-consumer-groups --state"
    );
    assert_eq!(tool_state(&b, &group).0, "PreparingRebalance");
    a.resume();
    wait_state(&b, &group, "Stable");
    wait_quiet(&b, &group, 3);
    assert_rows_equal_the_tool(&b, &group);
    assert_state_equals_the_tool(&b, &group, "Classic", "Stable", 3);

    // Everyone leaves: Empty, offsets kept, no owners.
    a.leave();
    c.leave();
    d.leave();
    wait_state(&b, &group, "Empty");
    assert_state_equals_the_tool(&b, &group, "Classic", "Empty", 0);
    assert_rows_equal_the_tool(&b, &group);
    let rows = kaftop_offsets_json(&b, &group);
    assert!(rows.iter().all(|r| r[6] == "-"), "{rows:?}");
}

#[test]
fn consumer_protocol_group_equals_kafka_consumer_groups() {
    if skipped_before_kafka_4("consumer_protocol_group_equals_kafka_consumer_groups") {
        return;
    }
    let b = bootstrap();
    let topic = unique("grp-kip848");
    let group = unique("grp-kip848-g");
    create_topic(&b, &topic, COUNTS.len() as i32);
    produce_counts(&b, &topic, &COUNTS);

    // One member owns every partition.
    let a = Member::join(&b, &group, "kip848-a", "consumer", &topic);
    wait_quiet(&b, &group, 1);
    wait_state(&b, &group, "Stable");
    assert_rows_equal_the_tool(&b, &group);
    assert_state_equals_the_tool(&b, &group, "Consumer", "Stable", 1);

    // It stops polling, so it cannot give partitions up, while a second member
    // joins: the second's target differs from what it owns → Reconciling.
    a.pause();
    let c = Member::join(&b, &group, "kip848-b", "consumer", &topic);
    wait_state(&b, &group, "Reconciling");
    wait_for("the second member in the group", SETTLE, || {
        (tool_state(&b, &group).1 == 2).then_some(())
    });
    assert_state_equals_the_tool(&b, &group, "Consumer", "Reconciling", 2);
    let members = kaftop_members(&b, &group);
    let waiting = members
        .iter()
        .find(|m| m[2] == "kip848-b")
        .expect("second member");
    assert_eq!(waiting[3], "0", "{members:?}");
    assert_eq!(waiting[4], "-", "{members:?}");
    assert_ne!(waiting[5], "-", "{members:?}");
    // The first member still owns every partition: the rows say so, as the tool's.
    assert_rows_equal_the_tool(&b, &group);
    // ListGroups names the state too (librdkafka reports it as unknown).
    let admin = kaftop_core::kafka::admin::Admin::new(
        ClientConfig::new().set("bootstrap.servers", b.as_str()),
    )
    .expect("admin");
    let list = admin.list_groups(Duration::from_secs(10)).expect("list");
    let listed = list
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .expect("listed");
    let tool_list = tool(&b, &["--list", "--type", "--state"]);
    let tool_listed = tool_rows(&tool_list, &group);
    assert_eq!(
        tool_listed,
        [vec![group.clone(), "Consumer".into(), "Reconciling".into()]]
    );
    assert_eq!(
        (listed.group_type.to_string(), listed.state.to_string()),
        ("Consumer".to_string(), "Reconciling".to_string())
    );

    // It polls again, gives up its share, and both own two partitions.
    a.resume();
    wait_state(&b, &group, "Stable");
    wait_quiet(&b, &group, 2);
    assert_rows_equal_the_tool(&b, &group);
    assert_state_equals_the_tool(&b, &group, "Consumer", "Stable", 2);

    a.leave();
    c.leave();
    wait_state(&b, &group, "Empty");
    assert_state_equals_the_tool(&b, &group, "Consumer", "Empty", 0);
    assert_rows_equal_the_tool(&b, &group);
}

#[test]
fn a_group_that_does_not_exist_is_an_error() {
    let b = bootstrap();
    let group = unique("no-such-group");
    // Kafka's own tool agrees that it does not exist.
    let out = kafka_tool(
        "kafka-consumer-groups",
        &["--bootstrap-server", &b, "--describe", "--group", &group],
    );
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // Kafka 4's words, and 3.x's (scripts/compat-old-kafka.sh).
    assert!(
        said.contains(&format!("Group {group} not found."))
            || said.contains(&format!("Consumer group '{group}' does not exist.")),
        "{said}"
    );

    let expected =
        format!("kaftop: error: consumer group `{group}` does not exist (no members and no committed offsets)");
    for args in [vec!["--group", &group], vec!["--group", &group, "--json"]] {
        let out = kaftop_out(&b, &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("kaftop: error"))
            .collect();
        assert_eq!(errors, [expected.as_str()], "{args:?}: {stderr}");
    }
}

//! `kaftop bulk` while a node stops: nothing lost or duplicated, and refused
//! writes reported with their cause.

use std::collections::BTreeMap;
use std::path::Path;

use rdkafka::consumer::BaseConsumer;
use rdkafka::ClientConfig;
use serde_json::{json, Value};

use crate::common::cluster::create_topic_with;
use crate::common::{self, cluster, kaftop_process, wait_for, ChildGuard, Cluster, TestTopics};
use crate::layouts::oracle;
use crate::outages::NodeDown;
use crate::topic_contents::{ids_in, records_in};
use crate::{config, ensure_topics, wait_healthy, DEADLINE, VICTIM};

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

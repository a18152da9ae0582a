//! What only a real multi-node cluster shows: the 3-node Apache Kafka cluster of
//! `scripts/test-broker.sh start --nodes 3` (replication factor 3,
//! `min.insync.replicas=2`) loses a node, and `kaftop topics`, the TUI, `kaftop bulk`
//! and `kaftop consumers` are checked against what Apache Kafka's own tools say and
//! against the topics' contents. The whole-cluster outage runs on a private broker.
//!
//! Every test holds [`Cluster::exclusive`](common::Cluster::exclusive); a stopped
//! node is started again by a guard, also when the test fails.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod bulk;
mod consumers;
mod layouts;
mod outages;
mod topic_contents;
mod topics_command;
mod tui;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{kaftop, wait_for, TestTopics};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

/// The node the tests stop.
const VICTIM: u32 = 2;
const PARTITIONS: i32 = 6;
const DEADLINE: Duration = Duration::from_secs(90);

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

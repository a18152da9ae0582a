//! Running the Java peer (scripts/java-peer.sh): its `produce` and `consume`, and
//! the class names its `__TypeId__` headers carry.

use std::process::Command as StdCommand;

use serde_json::Value;

use crate::common::{self, assert_success};

/// The fully qualified names the Java peer's classes have (and its `__TypeId__`s carry).
pub(crate) const CREATED_CLASS: &str = "dev.kaftop.peer.event.MessageCreatedEvent";
pub(crate) const READ_CLASS: &str = "dev.kaftop.peer.event.MessageReadEvent";
pub(crate) const DELETED_CLASS: &str = "dev.kaftop.peer.event.MessageDeletedEvent";

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
pub(crate) fn java_produce(
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
pub(crate) fn java_consume(topic: &str, kind: &str, count: usize, jackson: &str) -> Vec<Value> {
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
pub(crate) fn nanos(kaftop_time: &str) -> String {
    let t = kaftop_core::events::EventTime::parse(kaftop_time)
        .unwrap_or_else(|e| panic!("{kaftop_time}: {e}"));
    t.0.format("%Y-%m-%dT%H:%M:%S%.9f").to_string()
}

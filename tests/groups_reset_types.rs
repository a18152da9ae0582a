//! `kaftop groups reset-offsets` follows the group's type, on the real broker:
//! a share group's start offsets (AlterShareGroupOffsets) with
//! `kafka-share-groups --reset-offsets` as the oracle, a Streams group's committed
//! offsets with `kafka-streams-groups --reset-offsets`; both refused while a Java
//! peer is a member. Costs about 40 s (two JVM peers, a dozen tool runs).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::{create_topic, produce_counts};
use common::peer::Peer;
use common::{bootstrap, kafka_tool, kaftop, unique, wait_for};
use serde_json::Value;

const SETTLE: Duration = Duration::from_secs(90);

/// A row: (topic, partition, offset), as text.
type Row = [String; 3];

fn tool(name: &str, args: &[&str]) -> String {
    let out = kafka_tool(name, args);
    common::assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// The tool's rows for `group` (GROUP TOPIC PARTITION X ...): (topic, partition,
/// the column `col`), sorted.
fn tool_rows(text: &str, group: &str, col: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|r| r.first() == Some(&group))
        .map(|r| [r[1].to_string(), r[2].to_string(), r[col].to_string()])
        .collect();
    rows.sort();
    rows
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `kaftop groups reset-offsets --group G ARGS --json`.
fn reset(b: &str, group: &str, args: &[&str]) -> std::process::Output {
    kaftop()
        .args([
            "-b",
            b,
            "groups",
            "reset-offsets",
            "--group",
            group,
            "--json",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// The plan kaftop printed: its group type and (topic, partition, new offset) rows.
fn plan(b: &str, group: &str, args: &[&str]) -> (String, Vec<Row>) {
    let out = reset(b, group, args);
    common::assert_success(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows: Vec<Row> = v["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [s(&p["topic"]), s(&p["partition"]), s(&p["new_offset"])])
        .collect();
    rows.sort();
    (s(&v["group_type"]), rows)
}

fn refused_while_a_member_runs(b: &str, group: &str, args: &[&str]) {
    let out = reset(b, group, args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has active members"), "{err}");
}

/// `kaftop lag --group G --json`: (topic, partition, current offset) rows.
fn lag_rows(b: &str, group: &str, extra: &[&str]) -> Vec<Value> {
    let out = kaftop()
        .args(["-b", b, "lag", "--group", group, "--json"])
        .args(extra)
        .output()
        .unwrap();
    common::assert_success(&out);
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn wait_empty(b: &str, group: &str) {
    wait_for("the group to have no members", SETTLE, || {
        let s = lag_rows(b, group, &["--state"]);
        (s[0]["members"] == 0).then_some(())
    });
}

#[test]
fn share_group_start_offsets_reset_as_kafka_share_groups_does() {
    let b = bootstrap();
    let topic = unique("reset-share");
    let group = unique("reset-share-g");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[12, 8]);
    let peer = Peer::start(&[
        "share-consume",
        "--bootstrap",
        &b,
        "--topic",
        &topic,
        "--group",
        &group,
        "--accept",
        "7",
    ]);
    peer.wait_line("\"done\"");
    wait_for("a share-partition initialised", SETTLE, || {
        let rows = lag_rows(&b, &group, &[]);
        rows.iter()
            .any(|r| r["current_offset"] != Value::Null)
            .then_some(())
    });
    refused_while_a_member_runs(&b, &group, &["--all-topics", "--to-earliest"]);
    drop(peer);
    wait_empty(&b, &group);

    let share_tool = |args: &[&str]| {
        let mut all = vec!["--bootstrap-server", &b, "--group", &group];
        all.extend_from_slice(args);
        tool("kafka-share-groups", &all)
    };
    let described = || {
        let text = share_tool(&["--describe", "--offsets"]);
        tool_rows(&text, &group, 3)
    };
    let before = described();

    // The dry run: kaftop's plan is the tool's; --to-offset is clamped to the log
    // end as the tool clamps it (12 and 8).
    let (kind, ours) = plan(&b, &group, &["--topic", &topic, "--to-offset", "10"]);
    assert_eq!(kind, "Share");
    let theirs = share_tool(&[
        "--reset-offsets",
        "--topic",
        &topic,
        "--to-offset",
        "10",
        "--dry-run",
    ]);
    assert_eq!(ours, tool_rows(&theirs, &group, 3));
    let new: Vec<&str> = ours.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(new, ["10", "8"]);
    assert_eq!(described(), before, "a dry run changes nothing");
    // --execute: the tool's describe shows the new start offsets.
    let out = reset(
        &b,
        &group,
        &["--topic", &topic, "--to-offset", "10", "--execute"],
    );
    common::assert_success(&out);
    assert_eq!(described(), ours);

    // --to-earliest over every share-partition of the group, back to 0.
    let (_, ours) = plan(&b, &group, &["--all-topics", "--to-earliest"]);
    let theirs = share_tool(&[
        "--reset-offsets",
        "--all-topics",
        "--to-earliest",
        "--dry-run",
    ]);
    assert_eq!(ours, tool_rows(&theirs, &group, 3));
    assert_eq!(ours.len(), 2, "{ours:?}");
    let out = reset(&b, &group, &["--all-topics", "--to-earliest", "--execute"]);
    common::assert_success(&out);
    assert_eq!(described(), ours);
    assert!(ours.iter().all(|r| r[2] == "0"), "{ours:?}");

    // The one target the tool lacks is refused with the ones it has.
    let out = reset(&b, &group, &["--all-topics", "--shift-by", "-1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no --shift-by"));
}

#[test]
fn streams_group_offsets_reset_as_kafka_streams_groups_does() {
    let b = bootstrap();
    let app = unique("reset-streams");
    let (in1, in2, out) = (unique("rs-in1"), unique("rs-in2"), unique("rs-out"));
    for t in [&in1, &in2, &out] {
        create_topic(&b, t, 2);
    }
    produce_counts(&b, &in1, &[3, 2]);
    produce_counts(&b, &in2, &[1, 4]);
    let peer = Peer::start(&[
        "streams",
        "--bootstrap",
        &b,
        "--app-id",
        &app,
        "--input",
        &in1,
        "--input2",
        &in2,
        "--output",
        &out,
    ]);
    peer.wait_line("RUNNING");
    wait_for("every input partition committed at its end", SETTLE, || {
        let rows = lag_rows(&b, &app, &[]);
        (rows.len() == 4 && rows.iter().all(|r| r["lag"] == 0)).then_some(())
    });
    refused_while_a_member_runs(&b, &app, &["--all-topics", "--to-earliest"]);
    drop(peer);
    wait_empty(&b, &app);

    let streams_tool = |args: &[&str]| {
        let mut all = vec!["--bootstrap-server", &b, "--group", &app, "--reset-offsets"];
        all.extend_from_slice(args);
        all.push("--dry-run");
        tool("kafka-streams-groups", &all)
    };
    let (kind, ours) = plan(&b, &app, &["--all-topics", "--to-earliest"]);
    assert_eq!(kind, "Streams");
    let theirs = streams_tool(&["--all-input-topics", "--to-earliest"]);
    assert_eq!(ours, tool_rows(&theirs, &app, 3));
    assert_eq!(ours.len(), 4, "{ours:?}");

    // --execute commits (OffsetCommit, which the coordinator takes from an empty
    // Streams group); the tool's --to-current plan shows the committed offsets.
    let out = reset(&b, &app, &["--all-topics", "--to-earliest", "--execute"]);
    common::assert_success(&out);
    let current = streams_tool(&["--all-input-topics", "--to-current"]);
    assert_eq!(tool_rows(&current, &app, 3), ours);

    // --shift-by, which the Streams tool has too.
    let (_, ours) = plan(&b, &app, &["--topic", &in2, "--shift-by", "3"]);
    let theirs = streams_tool(&["--input-topic", &in2, "--shift-by", "3"]);
    assert_eq!(ours, tool_rows(&theirs, &app, 3));
    let new: Vec<&str> = ours.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(new, ["1", "3"]);
}

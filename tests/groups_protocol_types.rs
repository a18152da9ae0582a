//! Classic groups that are not consumer groups, on the real broker: a member
//! joins a group with protocol type `connect` as a Kafka Connect worker does
//! (JoinGroup, SyncGroup, Heartbeats). `kaftop lag --state` lists it with its
//! protocol type, state and member, `kafka-groups --list` is the oracle for its
//! type and protocol, and a consumer group beside it is still described fully.
//! The librdkafka read path, which refuses to describe such a group, says so for
//! it alone.

#![allow(clippy::unwrap_used)]

mod classic_member;
mod common;

use classic_member::ClassicMember;
use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{bootstrap, kafka_tool, kaftop, unique};
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use serde_json::Value;

fn lag_json(b: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["-b", b, "lag", "--json"];
    all.extend(args);
    let out = kaftop().args(&all).output().unwrap();
    common::assert_success(&out);
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], group: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["group"] == group)
        .unwrap_or_else(|| panic!("{group} not in {rows:#?}"))
}

#[test]
fn a_connect_group_is_listed_with_its_protocol_type_beside_a_consumer_group() {
    let b = bootstrap();
    let connect = unique("connect-workers");
    let consumers = unique("consumers");
    let topic = unique("protocol-types");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[5, 3]);
    commit_offsets(&b, &consumers, &[(&topic, 0, 2), (&topic, 1, 3)]);
    let worker = ClassicMember::join(&b, &connect, "connect", "sessioned", "connect-worker-1");

    // The oracle: Kafka's own tool lists the group as classic, protocol `connect`.
    let out = kafka_tool("kafka-groups", &["--bootstrap-server", &b, "--list"]);
    common::assert_success(&out);
    let listed = String::from_utf8(out.stdout).unwrap();
    let tool_row: Vec<&str> = listed
        .lines()
        .find(|l| l.split_whitespace().next() == Some(connect.as_str()))
        .unwrap_or_else(|| panic!("{connect} not in:\n{listed}"))
        .split_whitespace()
        .collect();
    assert_eq!(
        tool_row,
        [connect.as_str(), "Classic", "connect"],
        "{listed}"
    );

    // Listed (no --group): every group of the cluster, this one among them.
    let states = lag_json(&b, &["--state"]);
    let w = row(&states, &connect);
    assert_eq!(w["group_type"], tool_row[1]);
    assert_eq!(w["protocol_type"], tool_row[2]);
    assert_eq!(w["state"], "Stable");
    assert_eq!(w["members"], 1);
    let c = row(&states, &consumers);
    assert_eq!(
        c["protocol_type"], "",
        "committed without joining: a simple group"
    );

    let members = lag_json(&b, &["--members", "--group", &connect]);
    assert_eq!(members.len(), 1, "{members:#?}");
    assert_eq!(members[0]["consumer_id"], worker.member_id.as_str());
    assert_eq!(members[0]["client_id"], "connect-worker-1");
    assert_eq!(members[0]["protocol_type"], "connect");
    assert!(members[0]["host"].as_str().unwrap().contains("127.0.0.1"));

    // The text table says the type, and the consumer group beside it keeps its
    // partitions and lag in the same run.
    let out = kaftop()
        .args(["-b", &b, "lag", "--state", "--group", &connect])
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with(connect.as_str()) && l.contains("Classic (connect)")),
        "{text}"
    );
    let rows = lag_json(&b, &["--group", &connect, "--group", &consumers]);
    let lags: Vec<(i64, i64)> = rows
        .iter()
        .filter(|r| r["group"] == consumers.as_str())
        .map(|r| (r["partition"].as_i64().unwrap(), r["lag"].as_i64().unwrap()))
        .collect();
    assert_eq!(lags, [(0, 3), (1, 0)], "{rows:#?}");
    assert!(rows.iter().all(|r| r["group"] != connect.as_str()));

    // librdkafka's DescribeConsumerGroups refuses the group: the librdkafka read
    // path names its protocol type and says why for it alone.
    let overrides = Overrides {
        bootstrap_servers: Some(b.clone()),
        ..Default::default()
    };
    let cfg = config::resolve(None, None, &overrides).unwrap();
    let mut opts = PollerOptions::from_config(&cfg, []);
    opts.protocol_client = false;
    opts.exact_time_lag = None;
    opts.only_groups = Some(vec![connect.clone(), consumers.clone()]);
    let mut r = Refresher::new(&cfg, opts).unwrap();
    let snap = r.refresh();
    assert!(!r.reads_on_wire());
    let g = snap.groups.iter().find(|g| g.group_id == connect).unwrap();
    assert_eq!(g.protocol_type.as_deref(), Some("connect"));
    assert_eq!(g.group_type, Some(GroupType::Classic));
    assert!(g.members.is_none());
    let why = g.error.as_deref().unwrap();
    assert!(why.contains("`connect` group"), "{why}");
    let c = snap
        .groups
        .iter()
        .find(|g| g.group_id == consumers)
        .unwrap();
    assert_eq!(c.error, None);
    assert_eq!(c.state, Some(GroupState::Empty));
    assert_eq!(c.offsets.len(), 2);
    drop(worker);
}

//! The cluster of issue 20's largest preset as a snapshot: 400 topics of 100
//! partitions, 2 000 groups each committed on 20 of them, and one group on all
//! 40 000 ("everything"), the `i`-th refresh's offsets moving on. Included with
//! `#[path]` by the benchmarks at that scale.
#![allow(dead_code)] // each benchmark uses its own subset

use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};

pub(crate) const TOPICS: i32 = 400;
pub(crate) const PER_TOPIC: i32 = 100;
pub(crate) const GROUPS: i32 = 2_000;
pub(crate) const PER_GROUP: i32 = 20;

fn topic_name(t: i32) -> String {
    format!("scale.t{t:04}")
}

fn offsets(first: i32, n: i32, i: u64) -> Vec<GroupOffset> {
    (first..first + n)
        .map(|k| GroupOffset {
            topic: topic_name(k / PER_TOPIC),
            partition: k % PER_TOPIC,
            committed: Some(900 + 5 * i as i64),
            share_lag: None,
        })
        .collect()
}

fn group(name: String, offsets: Vec<GroupOffset>) -> GroupInfo {
    GroupInfo {
        group_id: name,
        state: Some(GroupState::Empty),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(Vec::new()),
        offsets,
        coordinator: Some(1),
        error: None,
        detail: None,
    }
}

pub(crate) fn snapshot(i: u64) -> ClusterSnapshot {
    let topics = (0..TOPICS)
        .map(|t| TopicInfo {
            name: topic_name(t),
            internal: false,
            partitions: (0..PER_TOPIC)
                .map(|p| PartitionInfo {
                    id: p,
                    leader: 1 + (t + p) % 3,
                    replicas: vec![1 + (t + p) % 3],
                    isr: vec![1 + (t + p) % 3],
                    low: Some(0),
                    high: Some(1_000 + 10 * i as i64),
                    error: None,
                })
                .collect(),
            min_insync_replicas: None,
            error: None,
        })
        .collect();
    let mut groups: Vec<GroupInfo> = (0..GROUPS)
        .map(|g| {
            let first = (g * PER_GROUP) % (TOPICS * PER_TOPIC);
            group(format!("scale.g{g:05}"), offsets(first, PER_GROUP, i))
        })
        .collect();
    groups.push(group(
        "everything".into(),
        offsets(0, TOPICS * PER_TOPIC, i),
    ));
    ClusterSnapshot {
        taken_at_ms: 1_795_515_330_000 + i as i64 * 5000,
        mono_ms: i * 5000,
        connected: true,
        cluster_id: Some("bench".into()),
        brokers: (1..=3)
            .map(|id| BrokerInfo {
                id,
                host: format!("kafka-{id}"),
                port: 9092,
            })
            .collect(),
        topics,
        groups,
        ..Default::default()
    }
}

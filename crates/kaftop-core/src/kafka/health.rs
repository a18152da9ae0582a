//! Replication health as an on-call engineer reads it: which brokers the cluster
//! has lost, and per partition whether it is offline (no leader), below
//! `min.insync.replicas` (producers with `acks=all` fail) or merely
//! under-replicated (ISR smaller than the replica set).
//!
//! Read from metadata alone, so it sits with the snapshot types: the metrics
//! engine judges every partition with it, and the bulk test says why its writes
//! failed.

use std::collections::BTreeSet;

use serde::Serialize;

use super::snapshot::{BrokerInfo, TopicInfo};

/// The worst thing wrong with a partition, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionProblem {
    /// No leader: neither readable nor writable.
    Offline,
    /// Fewer in-sync replicas than the topic's `min.insync.replicas`.
    UnderMinIsr,
    /// Fewer in-sync replicas than replicas.
    UnderReplicated,
}

impl PartitionProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionProblem::Offline => "offline",
            PartitionProblem::UnderMinIsr => "under min ISR",
            PartitionProblem::UnderReplicated => "under-replicated",
        }
    }
}

/// What is wrong with a partition with this leader, replicas and ISR, if anything.
/// `min_isr`: the topic's `min.insync.replicas`, when known.
pub fn partition_problem(
    leader: i32,
    replicas: &[i32],
    isr: &[i32],
    min_isr: Option<i32>,
) -> Option<PartitionProblem> {
    if leader < 0 {
        Some(PartitionProblem::Offline)
    } else if min_isr.is_some_and(|m| (isr.len() as i64) < i64::from(m)) {
        Some(PartitionProblem::UnderMinIsr)
    } else if isr.len() < replicas.len() {
        Some(PartitionProblem::UnderReplicated)
    } else {
        None
    }
}

/// Replicas on brokers the cluster does not list (stopped, crashed, fenced).
pub fn offline_replicas(replicas: &[i32], live: &BTreeSet<i32>) -> Vec<i32> {
    replicas
        .iter()
        .copied()
        .filter(|r| !live.contains(r))
        .collect()
}

/// Brokers that hold replicas but are missing from the cluster's broker list:
/// the brokers that are down, as far as metadata can tell.
pub fn brokers_down(brokers: &[BrokerInfo], topics: &[TopicInfo]) -> Vec<i32> {
    let live: BTreeSet<i32> = brokers.iter().map(|b| b.id).collect();
    let down: BTreeSet<i32> = topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .flat_map(|p| p.replicas.iter().copied())
        .filter(|r| *r >= 0 && !live.contains(r))
        .collect();
    down.into_iter().collect()
}

/// Why writes to `topics` (with `acks=all`) fail, as far as metadata tells, one
/// line per finding: brokers down, partitions without a leader, partitions below
/// their topic's `min.insync.replicas`. Empty when every partition is writable.
pub fn write_problems(brokers: &[BrokerInfo], topics: &[TopicInfo]) -> Vec<String> {
    let mut out: Vec<String> = brokers_down(brokers, topics)
        .into_iter()
        .map(|b| format!("broker {b} is down"))
        .collect();
    for t in topics {
        let n = t.partitions.len();
        let problems: Vec<_> = t
            .partitions
            .iter()
            .map(|p| {
                (
                    p,
                    partition_problem(p.leader, &p.replicas, &p.isr, t.min_insync_replicas),
                )
            })
            .collect();
        let offline = problems
            .iter()
            .filter(|(_, pr)| *pr == Some(PartitionProblem::Offline))
            .count();
        if offline > 0 {
            out.push(format!(
                "{}: {offline} of {n} partitions offline (no leader)",
                t.name
            ));
        }
        let under: Vec<_> = problems
            .iter()
            .filter(|(_, pr)| *pr == Some(PartitionProblem::UnderMinIsr))
            .map(|(p, _)| *p)
            .collect();
        if let (Some(worst), Some(min)) = (
            under.iter().min_by_key(|p| p.isr.len()),
            t.min_insync_replicas,
        ) {
            out.push(format!(
                "{}: {} of {n} partitions under min.insync.replicas={min} ({} of {} replicas in sync)",
                t.name,
                under.len(),
                worst.isr.len(),
                worst.replicas.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::snapshot::PartitionInfo;

    #[test]
    fn problems_worst_first() {
        use PartitionProblem::*;
        assert_eq!(partition_problem(1, &[1, 2, 3], &[1, 2, 3], Some(2)), None);
        assert_eq!(
            partition_problem(1, &[1, 2, 3], &[1, 2], Some(2)),
            Some(UnderReplicated)
        );
        assert_eq!(
            partition_problem(1, &[1, 2, 3], &[1], Some(2)),
            Some(UnderMinIsr)
        );
        // min.insync.replicas unknown: only under-replicated can be told.
        assert_eq!(
            partition_problem(1, &[1, 2, 3], &[1], None),
            Some(UnderReplicated)
        );
        assert_eq!(
            partition_problem(-1, &[1, 2, 3], &[1], Some(2)),
            Some(Offline)
        );
        // A topic with replication factor 1 and min ISR 2 is under min ISR with
        // every replica in sync (Kafka refuses acks=all writes to it).
        assert_eq!(partition_problem(1, &[1], &[1], Some(2)), Some(UnderMinIsr));
        assert!(Offline < UnderMinIsr && UnderMinIsr < UnderReplicated);
    }

    #[test]
    fn down_brokers_are_replicas_without_a_broker() {
        let b = |id| BrokerInfo {
            id,
            host: "h".into(),
            port: 1,
        };
        let p = |replicas: Vec<i32>| PartitionInfo {
            replicas,
            ..Default::default()
        };
        let topics = vec![TopicInfo {
            name: "t".into(),
            partitions: vec![p(vec![3, 1, 2]), p(vec![1, 4])],
            ..Default::default()
        }];
        assert_eq!(brokers_down(&[b(1), b(2)], &topics), vec![3, 4]);
        assert!(brokers_down(&[b(1), b(2), b(3), b(4)], &topics).is_empty());
        let live = BTreeSet::from([1, 2]);
        assert_eq!(offline_replicas(&[3, 1, 2], &live), vec![3]);
        assert!(offline_replicas(&[1, 2], &live).is_empty());
    }

    #[test]
    fn write_problems_name_brokers_and_partitions() {
        let b = |id| BrokerInfo {
            id,
            host: "h".into(),
            port: 1,
        };
        let p = |leader, replicas: &[i32], isr: &[i32]| PartitionInfo {
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            ..Default::default()
        };
        let topics = vec![
            TopicInfo {
                name: "a".into(),
                partitions: vec![p(1, &[1, 2, 3], &[1, 2]), p(2, &[2, 3, 1], &[2, 1])],
                min_insync_replicas: Some(3),
                ..Default::default()
            },
            TopicInfo {
                name: "b".into(),
                partitions: vec![p(-1, &[3], &[]), p(1, &[1], &[1])],
                min_insync_replicas: Some(1),
                ..Default::default()
            },
            TopicInfo {
                name: "fine".into(),
                partitions: vec![p(1, &[1, 2, 3], &[1, 2])],
                min_insync_replicas: Some(2),
                ..Default::default()
            },
        ];
        assert_eq!(
            write_problems(&[b(1), b(2)], &topics),
            vec![
                "broker 3 is down",
                "a: 2 of 2 partitions under min.insync.replicas=3 (2 of 3 replicas in sync)",
                "b: 1 of 2 partitions offline (no leader)",
            ]
        );
        assert!(write_problems(&[b(1), b(2), b(3)], &topics[2..]).is_empty());
    }
}

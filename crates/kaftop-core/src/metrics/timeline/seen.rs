//! What the timeline remembers of the snapshots so far: only the fields it compares,
//! each at its last known value.

use std::collections::BTreeMap;

use smallvec::SmallVec;

use super::groups::rebalancing;
use super::tasks::TasksSeen;
use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
use crate::kafka::group_types::TypedDetail;
use crate::kafka::snapshot::{ClusterSnapshot, GroupInfo, PartitionInfo, TopicInfo};

#[derive(Debug, Clone, Default)]
pub(super) struct Seen {
    /// Live brokers: id → `host:port`.
    pub(super) brokers: BTreeMap<i32, String>,
    pub(super) controller: Option<i32>,
    pub(super) topics: BTreeMap<String, TopicSeen>,
    pub(super) groups: BTreeMap<String, GroupSeen>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct TopicSeen {
    pub(super) partitions: BTreeMap<i32, PartitionSeen>,
}

/// Broker ids, inline up to a replication factor of 4.
pub(super) type Brokers = SmallVec<[i32; 4]>;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct PartitionSeen {
    pub(super) leader: i32,
    pub(super) replicas: Brokers,
    pub(super) isr: Brokers,
    /// Log start offset, when it was ever read.
    pub(super) low: Option<i64>,
}

impl PartitionSeen {
    pub(super) fn under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct GroupSeen {
    pub(super) state: Option<GroupState>,
    pub(super) coordinator: Option<i32>,
    /// By member id; `None` while the group has never been described.
    pub(super) members: Option<BTreeMap<String, MemberSeen>>,
    pub(super) kind: Option<GroupType>,
    /// Streams groups: who owns their active tasks.
    pub(super) tasks: Option<TasksSeen>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct MemberSeen {
    pub(super) client_id: String,
    pub(super) host: String,
    /// Sorted.
    pub(super) assignment: Vec<(String, i32)>,
}

impl MemberSeen {
    /// `client-1 (/10.0.0.1)`.
    pub(super) fn who(&self) -> String {
        format!("{} ({})", self.client_id, self.host)
    }
}

impl Seen {
    /// The first snapshot, as it is.
    pub(super) fn baseline(snap: &ClusterSnapshot) -> Seen {
        Seen {
            brokers: brokers(snap),
            controller: snap.controller,
            topics: snap
                .topics
                .iter()
                .filter_map(|t| Some((t.name.clone(), TopicSeen::read(t)?)))
                .collect(),
            groups: snap
                .groups
                .iter()
                .map(|g| (g.group_id.clone(), GroupSeen::read(g, None)))
                .collect(),
        }
    }
}

pub(super) fn brokers(snap: &ClusterSnapshot) -> BTreeMap<i32, String> {
    snap.brokers
        .iter()
        .map(|b| (b.id, format!("{}:{}", b.host, b.port)))
        .collect()
}

impl TopicSeen {
    /// The topic as this snapshot shows it; `None` when its metadata could not
    /// be read at all (an error, no partitions).
    pub(super) fn read(t: &TopicInfo) -> Option<TopicSeen> {
        if t.partitions.is_empty() && t.error.is_some() {
            return None;
        }
        let partitions = t
            .partitions
            .iter()
            .map(|p| (p.id, PartitionSeen::read(p, None)))
            .collect();
        Some(TopicSeen { partitions })
    }
}

impl PartitionSeen {
    /// The partition as this snapshot shows it, its log start taken from `prev`
    /// when this snapshot did not read it.
    pub(super) fn read(p: &PartitionInfo, prev: Option<&PartitionSeen>) -> PartitionSeen {
        PartitionSeen {
            leader: p.leader,
            replicas: Brokers::from_slice(&p.replicas),
            isr: Brokers::from_slice(&p.isr),
            low: p.low.or(prev.and_then(|s| s.low)),
        }
    }
}

impl GroupSeen {
    /// The group as this snapshot shows it, unknown parts taken from `prev`.
    pub(super) fn read(g: &GroupInfo, prev: Option<&GroupSeen>) -> GroupSeen {
        let state = g.state.or(prev.and_then(|s| s.state));
        let prev_tasks = prev.and_then(|s| s.tasks.as_ref());
        let tasks = match &g.detail {
            Some(TypedDetail::Streams(d)) if g.members.is_some() => {
                Some(TasksSeen::read(d, rebalancing(state), prev_tasks))
            }
            _ => prev_tasks.cloned(),
        };
        GroupSeen {
            state,
            kind: g.group_type.or(prev.and_then(|s| s.kind)),
            tasks,
            coordinator: g.coordinator.or(prev.and_then(|s| s.coordinator)),
            members: match &g.members {
                Some(list) => Some(list.iter().map(MemberSeen::entry).collect()),
                None => prev.and_then(|s| s.members.clone()),
            },
        }
    }
}

impl MemberSeen {
    fn entry(m: &MemberDescription) -> (String, MemberSeen) {
        let mut assignment = m.assignment.clone();
        assignment.sort();
        (
            m.member_id.clone(),
            MemberSeen {
                client_id: m.client_id.clone(),
                host: m.host.clone(),
                assignment,
            },
        )
    }
}

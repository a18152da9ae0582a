//! What changed in the cluster: a bounded, time-stamped log of events found by
//! comparing each snapshot with what the snapshots before it showed (members,
//! assignments, group states, rebalances, coordinators, brokers, the controller,
//! leaders, ISR, under-replication, topics, partitions, log-start jumps, Streams
//! tasks moving).
//!
//! The first snapshot is the baseline and yields no events. Whatever a refresh
//! could not read (members of a group it could not describe, a topic whose
//! metadata failed, a watermark) keeps its last known value, so that a failed read
//! never shows as a change; a refresh that could not reach the cluster changes
//! nothing.

use std::collections::VecDeque;

use serde::Serialize;

use crate::kafka::snapshot::ClusterSnapshot;

mod cluster;
mod fold;
mod groups;
mod seen;
mod tasks;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_typed;

use groups::Rebalances;
use seen::Seen;

/// Events the engine keeps by default (the oldest are dropped first).
pub const DEFAULT_CAPACITY: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    Crit,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Crit => "crit",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    MemberJoined,
    MemberLeft,
    AssignmentChanged,
    GroupStateChanged,
    Rebalance,
    CoordinatorMoved,
    BrokerDown,
    BrokerUp,
    ControllerChanged,
    LeaderChanged,
    IsrShrank,
    IsrExpanded,
    UrpBegan,
    UrpEnded,
    TopicCreated,
    TopicDeleted,
    PartitionsAdded,
    LogStartJump,
    /// A group's lag status changed (found by the metrics engine).
    StatusChanged,
    /// A Streams group's active tasks moved between members (one event per
    /// rebalance, when the group has settled).
    TasksMoved,
}

impl TimelineKind {
    /// Its name in `--json` (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::MemberJoined => "member_joined",
            TimelineKind::MemberLeft => "member_left",
            TimelineKind::AssignmentChanged => "assignment_changed",
            TimelineKind::GroupStateChanged => "group_state_changed",
            TimelineKind::Rebalance => "rebalance",
            TimelineKind::CoordinatorMoved => "coordinator_moved",
            TimelineKind::BrokerDown => "broker_down",
            TimelineKind::BrokerUp => "broker_up",
            TimelineKind::ControllerChanged => "controller_changed",
            TimelineKind::LeaderChanged => "leader_changed",
            TimelineKind::IsrShrank => "isr_shrank",
            TimelineKind::IsrExpanded => "isr_expanded",
            TimelineKind::UrpBegan => "urp_began",
            TimelineKind::UrpEnded => "urp_ended",
            TimelineKind::TopicCreated => "topic_created",
            TimelineKind::TopicDeleted => "topic_deleted",
            TimelineKind::PartitionsAdded => "partitions_added",
            TimelineKind::LogStartJump => "log_start_jump",
            TimelineKind::StatusChanged => "status_changed",
            TimelineKind::TasksMoved => "tasks_moved",
        }
    }

    /// A few words for people ("ISR shrank").
    pub fn label(self) -> &'static str {
        match self {
            TimelineKind::MemberJoined => "member joined",
            TimelineKind::MemberLeft => "member left",
            TimelineKind::AssignmentChanged => "assignment",
            TimelineKind::GroupStateChanged => "group state",
            TimelineKind::Rebalance => "rebalance",
            TimelineKind::CoordinatorMoved => "coordinator moved",
            TimelineKind::BrokerDown => "broker down",
            TimelineKind::BrokerUp => "broker up",
            TimelineKind::ControllerChanged => "controller",
            TimelineKind::LeaderChanged => "leader changed",
            TimelineKind::IsrShrank => "ISR shrank",
            TimelineKind::IsrExpanded => "ISR expanded",
            TimelineKind::UrpBegan => "URP began",
            TimelineKind::UrpEnded => "URP ended",
            TimelineKind::TopicCreated => "topic created",
            TimelineKind::TopicDeleted => "topic deleted",
            TimelineKind::PartitionsAdded => "partitions added",
            TimelineKind::LogStartJump => "log start jump",
            TimelineKind::StatusChanged => "status",
            TimelineKind::TasksMoved => "tasks moved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    pub at_ms: i64,
    pub kind: TimelineKind,
    pub severity: Severity,
    pub group: Option<String>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub broker: Option<i32>,
    /// One line for people: "member consumer-1 (/127.0.0.1) left", "4 rebalances in 10 min".
    pub text: String,
}

impl TimelineEvent {
    /// What the event is about, for a column: `group`, `topic[3]`, `topic`,
    /// `broker 2`, or "" for the cluster.
    pub fn subject(&self) -> String {
        match (&self.group, &self.topic, self.partition, self.broker) {
            (Some(g), _, _, _) => g.clone(),
            (None, Some(t), Some(p), _) => format!("{t}[{p}]"),
            (None, Some(t), None, _) => t.clone(),
            (None, None, _, Some(b)) => format!("broker {b}"),
            (None, None, _, None) => String::new(),
        }
    }
}

/// The log and what it needs to find the next events.
#[derive(Debug)]
pub struct Timeline {
    capacity: usize,
    events: VecDeque<TimelineEvent>,
    seen: Option<Seen>,
    rebalances: Rebalances,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new(DEFAULT_CAPACITY)
    }
}

impl Timeline {
    /// A log that keeps the last `capacity` events (at least one).
    pub fn new(capacity: usize) -> Self {
        Timeline {
            capacity: capacity.max(1),
            events: VecDeque::new(),
            seen: None,
            rebalances: Rebalances::default(),
        }
    }

    /// Folds in one refresh and returns the events it found (also appended to the
    /// log). A refresh that could not reach the cluster finds nothing.
    pub fn observe(&mut self, snap: &ClusterSnapshot) -> Vec<TimelineEvent> {
        if !snap.connected {
            return Vec::new();
        }
        let Some(seen) = self.seen.as_mut() else {
            self.seen = Some(Seen::baseline(snap));
            return Vec::new();
        };
        let mut found = Vec::new();
        let brokers = cluster::brokers(seen, snap, &mut found);
        seen.controller = cluster::controller(seen, snap, &brokers, &mut found);
        seen.brokers = brokers;
        cluster::topics(&mut seen.topics, snap, &mut found);
        fold::fold_churn(&mut found);
        groups::groups(&mut seen.groups, snap, &mut self.rebalances, &mut found);
        self.record(&found);
        found
    }

    /// Appends events found elsewhere (the engine's status changes) to the log.
    pub(crate) fn record(&mut self, found: &[TimelineEvent]) {
        for e in found {
            if self.events.len() == self.capacity {
                fold::evict(&mut self.events);
            }
            self.events.push_back(e.clone());
        }
    }

    /// The whole log, oldest first.
    pub fn events(&self) -> impl ExactSizeIterator<Item = &TimelineEvent> + '_ {
        self.events.iter()
    }

    /// The whole log, oldest first, as `ClusterMetrics::timeline` carries it.
    pub fn to_vec(&self) -> Vec<TimelineEvent> {
        self.events.iter().cloned().collect()
    }

    /// Rebalances of `group` seen in the last ten minutes before `now_ms`.
    pub fn rebalances(&self, group: &str, now_ms: i64) -> usize {
        self.rebalances.count(group, now_ms)
    }
}

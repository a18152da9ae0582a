//! What changed in the cluster: a bounded, time-stamped log of events found by
//! comparing each snapshot with the one before (members, assignments, group states,
//! rebalances, brokers, controller, leaders, ISR, under-replication, topics,
//! partitions, log-start jumps).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    Crit,
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

//! One refresh of cluster state: plain data sent from the poller to whoever draws
//! or prints it. Nothing here is derived; rates, lag and status live in `metrics`.

use serde::Serialize;

use super::admin::types::{GroupState, GroupType, MemberDescription};
use super::group_detail::TypedDetail;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterSnapshot {
    /// Wall-clock time of the refresh (ms since the epoch), for display.
    pub taken_at_ms: i64,
    /// Monotonic time of the refresh (ms since the poller started), for rates.
    pub mono_ms: u64,
    /// False when the cluster could not be reached at all in this refresh.
    pub connected: bool,
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicInfo>,
    pub groups: Vec<GroupInfo>,
    /// Non-fatal problems of this refresh, one line each (unreachable broker,
    /// unsupported API and what was used instead, authorization errors...).
    pub errors: Vec<String>,
    /// Group types the cluster's brokers do not have (share groups before Kafka
    /// 4.0, Streams groups before 4.1): "not supported by this broker", not an
    /// error or an empty table.
    pub unsupported_group_types: Vec<GroupType>,
    /// Kafka requests this refresh made (admin calls and metadata requests;
    /// through the protocol client every request, connection setup aside).
    pub requests: u64,
    /// The record at each lagging partition's committed offset (once per distinct
    /// offset, whichever groups sit there), for exact time lag.
    pub committed_records: Vec<CommittedRecord>,
}

/// What was read at a committed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommittedRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub read: RecordRead,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordRead {
    /// The record's timestamp, ms since the epoch.
    Timestamp { ms: i64 },
    /// No record could be read there; `reason` says why. `later_ms`: the timestamp
    /// of the first record after the offset, when one was read (a lower bound of
    /// the age).
    Missing {
        reason: String,
        later_ms: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerInfo {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

/// Kafka's own topics (`__consumer_offsets`, `__share_group_state`) and
/// Confluent's (`_confluent-…`), hidden unless asked for.
pub fn is_internal_topic(name: &str) -> bool {
    name.starts_with("__") || name.starts_with("_confluent")
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TopicInfo {
    pub name: String,
    pub internal: bool,
    pub partitions: Vec<PartitionInfo>,
    /// The topic's `min.insync.replicas`; read only for topics with
    /// under-replicated partitions (`None`: not read, or the cluster would not say).
    pub min_insync_replicas: Option<i32>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionInfo {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    /// Log start offset (low watermark); `None` when it could not be read.
    pub low: Option<i64>,
    /// Log end offset (high watermark); `None` when it could not be read.
    pub high: Option<i64>,
    pub error: Option<String>,
}

impl PartitionInfo {
    /// Records currently in the partition.
    pub fn messages(&self) -> Option<i64> {
        Some((self.high? - self.low?).max(0))
    }

    pub fn under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupInfo {
    pub group_id: String,
    /// `None`: the cluster could not describe the group (see `error`).
    pub state: Option<GroupState>,
    /// The group's protocol; `None` when it could not be described.
    pub group_type: Option<GroupType>,
    /// A classic group's protocol type (`consumer`, `connect`, empty for a simple
    /// group); `None` for other types or when the cluster would not say.
    pub protocol_type: Option<String>,
    /// `None`: members unknown (the broker cannot describe groups).
    pub members: Option<Vec<MemberDescription>>,
    /// Committed offsets, one per partition the group has committed to.
    pub offsets: Vec<GroupOffset>,
    /// Broker id of the group's coordinator, when the description named it.
    pub coordinator: Option<i32>,
    pub error: Option<String>,
    /// Share and Streams groups: what their own describe requests add.
    pub detail: Option<TypedDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOffset {
    pub topic: String,
    pub partition: i32,
    /// `None`: no committed offset for this partition. A share group's
    /// share-partition start offset.
    pub committed: Option<i64>,
    /// A share-partition's lag as the broker counts it (KIP-1226), used instead
    /// of log end − start offset: records acknowledged past the start offset do
    /// not count.
    pub share_lag: Option<i64>,
}

impl ClusterSnapshot {
    pub fn topic(&self, name: &str) -> Option<&TopicInfo> {
        self.topics.iter().find(|t| t.name == name)
    }

    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionInfo> {
        self.topic(topic)?
            .partitions
            .iter()
            .find(|p| p.id == partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_topics() {
        assert!(is_internal_topic("__consumer_offsets"));
        assert!(is_internal_topic("_confluent-metrics"));
        assert!(!is_internal_topic("message.created"));
    }
}

//! What an ingest produces: the metrics of the cluster, its topics, partitions and
//! groups, as the dashboard and the headless commands show them.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
use crate::kafka::group_detail::{StreamsDetail, StreamsMember, TypedDetail};
use crate::kafka::health::PartitionProblem;
use crate::kafka::snapshot::BrokerInfo;
use crate::metrics::data_loss::DataLoss;
use crate::metrics::distribution::Distribution;
use crate::metrics::lag::Eta;
use crate::metrics::status::{History, LagStatus, StatusReason};
use crate::metrics::stuck::Stuck;
use crate::metrics::time_lag::TimeLag;
use crate::metrics::timeline::TimelineEvent;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterMetrics {
    pub taken_at_ms: i64,
    pub connected: bool,
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicMetrics>,
    pub groups: Vec<GroupMetrics>,
    /// Brokers that hold replicas but are missing from the broker list (down).
    pub brokers_down: Vec<i32>,
    pub errors: Vec<String>,
    /// Group types the cluster's brokers do not have ("not supported by this
    /// broker").
    pub unsupported_group_types: Vec<GroupType>,
    /// Cluster-wide produce and consume rates of the last 10 minutes, oldest first.
    pub throughput: Vec<ThroughputPoint>,
    /// What changed, the whole bounded log, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// The groups and topics whose partition rows were left out (a dashboard of
    /// a large cluster keeps only those it shows: `monitor::keep_rows_shown`).
    #[serde(skip)]
    pub not_held: NotHeld,
}

/// Groups without their partition rows and topics without their partitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotHeld {
    pub groups: BTreeSet<String>,
    pub topics: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicMetrics {
    pub name: String,
    pub internal: bool,
    pub replication: usize,
    pub messages: i64,
    /// Messages per second (smoothed), summed over partitions.
    pub rate: Option<f64>,
    /// Recent rates, oldest first, for a sparkline.
    pub rate_history: Vec<f64>,
    pub under_replicated: usize,
    /// Partitions with fewer in-sync replicas than `min.insync.replicas`.
    pub under_min_isr: usize,
    /// Partitions without a leader.
    pub offline: usize,
    /// `None`: not read (every partition fully replicated) or unknown.
    pub min_insync_replicas: Option<i32>,
    pub distribution: Distribution,
    /// How many partitions the topic has: `partitions` may hold fewer rows (the
    /// dashboard of a large cluster keeps only those of the topics it shows).
    pub partition_count: usize,
    pub partitions: Vec<PartitionMetrics>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionMetrics {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub low: Option<i64>,
    pub high: Option<i64>,
    pub messages: Option<i64>,
    pub rate: Option<f64>,
    pub under_replicated: bool,
    /// Replicas on brokers that are down.
    pub offline_replicas: Vec<i32>,
    /// The worst thing wrong with the partition, if anything.
    pub problem: Option<PartitionProblem>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupMetrics {
    pub group_id: String,
    pub state: Option<GroupState>,
    /// The group's protocol; `None` when it could not be described.
    pub group_type: Option<GroupType>,
    /// A classic group's protocol type (`consumer`, `connect`, empty for a simple
    /// group); `None` for other types or when the cluster would not say.
    pub protocol_type: Option<String>,
    /// `None`: the cluster could not tell.
    pub members: Option<usize>,
    /// The members with what each owns (and, for consumer-protocol groups, what
    /// each should own); empty when unknown.
    pub member_details: Vec<MemberDescription>,
    /// What a share or Streams group has beyond that (a Streams group's
    /// subtopologies and each member's tasks); `None` for other groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<TypedDetail>,
    pub total_lag: u64,
    pub max_lag: u64,
    /// Committed offsets per second over all partitions.
    pub consume_rate: Option<f64>,
    /// Produce rate of the partitions the group consumes.
    pub produce_rate: Option<f64>,
    pub time_lag_secs: Option<f64>,
    /// The worst partition's time lag.
    pub time_lag: Option<TimeLag>,
    /// The configured time-lag threshold, if any.
    pub max_time_lag_secs: Option<f64>,
    /// Partitions whose committed offset is stuck.
    pub stuck: usize,
    /// Lost records summed if any, else the soonest forecast.
    pub data_loss: Option<DataLoss>,
    /// Partitions with records and no commit.
    pub uncommitted: usize,
    pub eta: Eta,
    /// The worst partition's status, with its reason.
    pub status: LagStatus,
    pub status_reason: Option<StatusReason>,
    /// How much history the status rests on.
    pub history: History,
    pub threshold: u64,
    /// Total lag above the configured threshold, time lag above its threshold, a
    /// stuck partition, data loss (or its forecast), or a growing uncommitted
    /// partition.
    pub alerting: bool,
    /// Recent total lag, oldest first.
    pub lag_history: Vec<u64>,
    pub rows: Vec<GroupPartitionRow>,
    pub error: Option<String>,
}

impl GroupMetrics {
    /// The group's type as every surface names it: a classic group of another
    /// protocol type than `consumer` says which (`Classic (connect)`); `None`
    /// when unknown.
    pub fn type_label(&self) -> Option<String> {
        let other = self
            .protocol_type
            .as_deref()
            .filter(|p| !p.is_empty() && *p != "consumer");
        match (self.group_type, other) {
            (t, Some(p)) => Some(format!("{} ({p})", t.unwrap_or(GroupType::Classic))),
            (Some(t), None) => Some(t.as_str().to_string()),
            (None, None) => None,
        }
    }

    /// A Streams group's topology and tasks; `None` for other groups.
    pub fn streams(&self) -> Option<&StreamsDetail> {
        match &self.detail {
            Some(TypedDetail::Streams(d)) => Some(d),
            _ => None,
        }
    }

    /// The Streams member `member_id` (its process and tasks), in a Streams group.
    pub fn streams_member(&self, member_id: &str) -> Option<&StreamsMember> {
        self.streams()?
            .members
            .iter()
            .find(|m| m.member_id == member_id)
    }
}

/// One line of `kafka-consumer-groups --describe`, plus what we derive.
///
/// One is held for every group partition, twice while the next refresh is folded
/// (80 000 at issue 20's largest preset): the topic is the engine's one copy of the
/// name and the owner's strings are shared by the member's rows, not copied per row.
#[derive(Debug, Clone, Serialize)]
pub struct GroupPartitionRow {
    #[serde(serialize_with = "shared_str")]
    pub topic: Arc<str>,
    pub partition: i32,
    pub current_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    pub lag: Option<u64>,
    /// Unclamped lag; negative when the offsets were read at different moments.
    pub raw_lag: Option<i64>,
    #[serde(serialize_with = "shared_opt_str")]
    pub consumer_id: Option<Arc<str>>,
    #[serde(serialize_with = "shared_opt_str")]
    pub host: Option<Arc<str>>,
    #[serde(serialize_with = "shared_opt_str")]
    pub client_id: Option<Arc<str>>,
    pub consume_rate: Option<f64>,
    pub time_lag_secs: Option<f64>,
    pub time_lag: Option<TimeLag>,
    /// Boxed: rarely set, and 32 bytes in every row when inline.
    pub stuck: Option<Box<Stuck>>,
    pub data_loss: Option<DataLoss>,
    /// Records in the partition when the group never committed to it.
    pub uncommitted_waiting: Option<u64>,
    pub status: LagStatus,
    pub status_reason: Option<StatusReason>,
}

/// A shared name written as the string it holds (as the `String` it replaced).
fn shared_str<S: Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

fn shared_opt_str<S: Serializer>(s: &Option<Arc<str>>, ser: S) -> Result<S::Ok, S::Error> {
    s.as_deref().serialize(ser)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThroughputPoint {
    pub at_ms: i64,
    /// Messages produced per second, all non-internal topics.
    pub produced: f64,
    /// Offsets committed per second, all groups.
    pub consumed: f64,
}

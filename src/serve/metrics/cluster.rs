//! The cluster's metric families: consumer groups and their partitions, topics and
//! their partitions, brokers. Written on each scrape straight from the latest
//! refresh's [`ClusterMetrics`], so a group, topic or partition that is gone from
//! the cluster is gone from `/metrics`, and nothing per partition is held besides
//! the refresh itself (at 40 000 partitions and 80 000 group partitions a
//! prometheus-client family per metric held a label set and a gauge for each, and
//! the encoded text twice; BENCHMARKS.md "Scale"). prometheus-client still writes
//! every description, label and value, so both formats and their escaping are its.
//!
//! Names follow kafka-lag-exporter (`kafka_consumergroup_group_*`,
//! `kafka_partition_*_offset`) and, where it has none, kminion's topic and broker
//! families without its `kminion_` prefix; what only kaftop knows is `kaftop_*`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeGaugeValue, EncodeLabelSet, EncodeLabelValue, LabelValueEncoder,
};
use prometheus_client::metrics::MetricType;

use super::insight;
use kaftop_core::kafka::admin::GroupType;
use kaftop_core::metrics::{ClusterMetrics, GroupMetrics, GroupPartitionRow, LagStatus};

/// Every lag status, in the order they are exported.
const STATUSES: [LagStatus; 5] = [
    LagStatus::Ok,
    LagStatus::Warn,
    LagStatus::Stall,
    LagStatus::Stop,
    LagStatus::Rewind,
];

/// A label value borrowed from the refresh.
#[derive(Clone, Copy)]
pub(super) enum Value<'a> {
    Str(&'a str),
    Int(i32),
}

impl EncodeLabelValue for Value<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        match self {
            Value::Str(s) => EncodeLabelValue::encode(s, encoder),
            Value::Int(i) => EncodeLabelValue::encode(i, encoder),
        }
    }
}

pub(super) type Labels<'a, const N: usize> = [(&'static str, Value<'a>); N];

/// A group's partition: the group, topic and partition labels.
pub(super) fn part<'a>(g: &'a GroupMetrics, r: &'a GroupPartitionRow) -> Labels<'a, 3> {
    [
        ("group", Value::Str(&g.group_id)),
        ("topic", Value::Str(&r.topic)),
        ("partition", Value::Int(r.partition)),
    ]
}

/// One partition of one group, with its owner as kafka-lag-exporter labels it
/// (empty when no member owns it).
fn owned<'a>(g: &'a GroupMetrics, r: &'a GroupPartitionRow) -> Labels<'a, 6> {
    let [group, topic, partition] = part(g, r);
    let or_empty = |v: &'a Option<Arc<str>>| Value::Str(v.as_deref().unwrap_or(""));
    [
        group,
        topic,
        partition,
        ("member_host", or_empty(&r.host)),
        ("consumer_id", or_empty(&r.consumer_id)),
        ("client_id", or_empty(&r.client_id)),
    ]
}

pub(super) fn group(g: &GroupMetrics) -> Labels<'_, 1> {
    [("group", Value::Str(&g.group_id))]
}

/// Writes one gauge family of `samples`; nothing when it has none (as
/// prometheus-client leaves out an empty family).
pub(super) fn gauges<L, V>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, V)>,
) -> fmt::Result
where
    L: EncodeLabelSet,
    V: EncodeGaugeValue,
{
    let mut samples = samples.into_iter().peekable();
    if samples.peek().is_none() {
        return Ok(());
    }
    // prometheus-client's registry ends every help text with a full stop.
    let help = format!("{help}.");
    let mut family = enc.encode_descriptor(name, &help, None, MetricType::Gauge)?;
    for (labels, v) in samples {
        family.encode_family(&labels)?.encode_gauge(&v)?;
    }
    Ok(())
}

/// A gauge without labels.
fn gauge(enc: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> fmt::Result {
    let help = format!("{help}.");
    enc.encode_descriptor(name, &help, None, MetricType::Gauge)?
        .encode_gauge(&v)
}

pub(super) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Every group partition with its group.
pub(super) fn rows(
    m: &ClusterMetrics,
) -> impl Iterator<Item = (&GroupMetrics, &GroupPartitionRow)> {
    m.groups
        .iter()
        .flat_map(|g| g.rows.iter().map(move |r| (g, r)))
}

/// One refresh's families, written when a scrape encodes its registry.
#[derive(Debug)]
pub(super) struct ClusterWriter(pub(super) Arc<ClusterMetrics>);

impl Collector for ClusterWriter {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        let m = &*self.0;
        write_cluster(&mut enc, m)?;
        write_groups(&mut enc, m)?;
        write_topics(&mut enc, m)?;
        insight::write(&mut enc, m)
    }
}

/// The cluster and its brokers.
fn write_cluster(enc: &mut DescriptorEncoder, m: &ClusterMetrics) -> fmt::Result {
    gauge(
        enc,
        "kafka_cluster_up",
        "Whether the last refresh reached the cluster (1) or not (0)",
        i64::from(m.connected),
    )?;
    gauge(
        enc,
        "kafka_cluster_brokers",
        "Brokers the cluster lists",
        count(m.brokers.len()),
    )?;
    let broker = |id: i32| [("broker_id", Value::Int(id))];
    let down = |id: i32| m.brokers_down.contains(&id);
    let listed = m.brokers.iter().map(|b| b.id);
    gauges(
        enc,
        "kafka_broker_up",
        "1 for a broker the cluster lists, 0 for one that holds replicas but is missing (down)",
        listed
            .clone()
            .filter(|&id| !down(id))
            .map(|id| (broker(id), 1i64))
            .chain(m.brokers_down.iter().map(|&id| (broker(id), 0))),
    )?;
    // Every listed broker, and any other that leads an under-replicated partition.
    let mut urp: BTreeMap<i32, i64> = listed.map(|id| (id, 0)).collect();
    for p in m.topics.iter().flat_map(|t| &t.partitions) {
        if p.under_replicated && p.leader >= 0 {
            *urp.entry(p.leader).or_default() += 1;
        }
    }
    gauges(
        enc,
        "kafka_broker_under_replicated_partitions",
        "Under-replicated partitions this broker leads",
        urp.into_iter().map(|(id, n)| (broker(id), n)),
    )
}

/// Consumer groups and their partitions.
fn write_groups(enc: &mut DescriptorEncoder, m: &ClusterMetrics) -> fmt::Result {
    gauges(
        enc,
        "kafka_consumergroup_group_offset",
        "Committed offset of a group's partition",
        rows(m).filter_map(|(g, r)| Some((owned(g, r), r.current_offset?))),
    )?;
    gauges(
        enc,
        "kafka_consumergroup_group_lag",
        "Log end offset minus committed offset (never negative)",
        rows(m).filter_map(|(g, r)| Some((owned(g, r), int(r.lag?)))),
    )?;
    gauges(
        enc,
        "kafka_consumergroup_group_lag_seconds",
        "Time lag: the age of the record at the committed offset, or (when it cannot be read) the lag over the produce rate",
        rows(m).filter_map(|(g, r)| Some((owned(g, r), r.time_lag_secs?))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_status",
        "Lag status of a group's partition: 1 for the current status",
        rows(m).map(|(g, r)| {
            let [group, topic, partition] = part(g, r);
            let status = ("status", Value::Str(r.status.as_str()));
            ([group, topic, partition, status], 1i64)
        }),
    )?;
    let groups = || m.groups.iter();
    gauges(
        enc,
        "kafka_consumergroup_group_max_lag",
        "Largest lag of a group's partitions",
        groups().map(|g| (group(g), int(g.max_lag))),
    )?;
    gauges(
        enc,
        "kafka_consumergroup_group_sum_lag",
        "Total lag of a group",
        groups().map(|g| (group(g), int(g.total_lag))),
    )?;
    gauges(
        enc,
        "kafka_consumergroup_group_max_lag_seconds",
        "Largest time lag of a group's partitions",
        groups().filter_map(|g| Some((group(g), g.time_lag_secs?))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_status",
        "Lag status of a group (its worst partition's): 1 for the current status, 0 for the others",
        groups().flat_map(|g| {
            STATUSES.iter().map(move |&s| {
                let labels = [
                    ("group", Value::Str(&g.group_id)),
                    ("status", Value::Str(s.as_str())),
                ];
                (labels, i64::from(s == g.status))
            })
        }),
    )?;
    gauges(
        enc,
        "kafka_consumergroup_members",
        "Members of a group",
        groups().filter_map(|g| Some((group(g), count(g.members?)))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_consume_rate",
        "Committed offsets per second over a group's partitions",
        groups().filter_map(|g| Some((group(g), g.consume_rate?))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_over_threshold",
        "1 when a group's total lag is above its configured threshold",
        groups().map(|g| (group(g), i64::from(g.total_lag > g.threshold))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_type",
        "1 for every group, with its type (consumer, classic, share, streams) and a classic group's protocol type",
        groups().map(|g| {
            // A classic group's protocol when it is not a consumer's (`connect`).
            let protocol = g.protocol_type.as_deref().filter(|p| !p.is_empty() && *p != "consumer");
            let labels = [
                ("group", Value::Str(&g.group_id)),
                ("type", Value::Str(type_name(g.group_type))),
                ("protocol_type", Value::Str(protocol.unwrap_or(""))),
            ];
            (labels, 1)
        }),
    )
}

/// A group type as a label value, lower case as Kafka's tools name it; `unknown`
/// when the cluster could not describe the group.
fn type_name(t: Option<GroupType>) -> &'static str {
    match t {
        Some(GroupType::Consumer) => "consumer",
        Some(GroupType::Classic) => "classic",
        Some(GroupType::Share) => "share",
        Some(GroupType::Streams) => "streams",
        Some(GroupType::Unknown) | None => "unknown",
    }
}

/// Topics and their partitions.
fn write_topics(enc: &mut DescriptorEncoder, m: &ClusterMetrics) -> fmt::Result {
    let partitions = || {
        m.topics.iter().flat_map(|t| {
            t.partitions.iter().map(move |p| {
                let labels = [
                    ("topic", Value::Str(&t.name)),
                    ("partition", Value::Int(p.id)),
                ];
                (labels, p)
            })
        })
    };
    gauges(
        enc,
        "kafka_partition_latest_offset",
        "Log end offset (high watermark) of a partition",
        partitions().filter_map(|(l, p)| Some((l, p.high?))),
    )?;
    gauges(
        enc,
        "kafka_partition_earliest_offset",
        "Log start offset (low watermark) of a partition",
        partitions().filter_map(|(l, p)| Some((l, p.low?))),
    )?;
    let topics = || {
        m.topics
            .iter()
            .map(|t| ([("topic", Value::Str(&t.name))], t))
    };
    gauges(
        enc,
        "kafka_topic_partitions",
        "Partitions of a topic",
        topics().map(|(l, t)| (l, count(t.partition_count))),
    )?;
    let sum = |v: &mut dyn Iterator<Item = i64>| v.fold(0i64, i64::wrapping_add);
    gauges(
        enc,
        "kafka_topic_high_water_mark_sum",
        "Sum of a topic's partitions' log end offsets",
        topics().map(|(l, t)| (l, sum(&mut t.partitions.iter().filter_map(|p| p.high)))),
    )?;
    gauges(
        enc,
        "kafka_topic_low_water_mark_sum",
        "Sum of a topic's partitions' log start offsets",
        topics().map(|(l, t)| (l, sum(&mut t.partitions.iter().filter_map(|p| p.low)))),
    )?;
    gauges(
        enc,
        "kaftop_topic_produce_rate",
        "Records produced per second to a topic (smoothed)",
        topics().filter_map(|(l, t)| Some((l, t.rate?))),
    )?;
    gauges(
        enc,
        "kafka_topic_under_replicated_partitions",
        "Partitions of a topic with fewer in-sync replicas than replicas",
        topics().map(|(l, t)| (l, count(t.under_replicated))),
    )?;
    gauges(
        enc,
        "kafka_topic_under_min_isr_partitions",
        "Partitions of a topic below its min.insync.replicas",
        topics().map(|(l, t)| (l, count(t.under_min_isr))),
    )?;
    gauges(
        enc,
        "kafka_topic_offline_partitions",
        "Partitions of a topic without a leader",
        topics().map(|(l, t)| (l, count(t.offline))),
    )
}

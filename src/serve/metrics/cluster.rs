//! The cluster's metric families: consumer groups and their partitions, topics and
//! their partitions, brokers. Rebuilt from each refresh's [`ClusterMetrics`], so a
//! group, topic or partition that is gone from the cluster is gone from `/metrics`.
//!
//! Names follow kafka-lag-exporter (`kafka_consumergroup_group_*`,
//! `kafka_partition_*_offset`) and, where it has none, kminion's topic and broker
//! families without its `kminion_` prefix; what only kaftop knows is `kaftop_*`.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::insight::InsightFamilies;
use kaftop_core::kafka::admin::GroupType;
use kaftop_core::metrics::{ClusterMetrics, GroupMetrics, LagStatus, TopicMetrics};

type IntGauge = Gauge<i64>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Every lag status, in the order they are exported.
const STATUSES: [LagStatus; 5] = [
    LagStatus::Ok,
    LagStatus::Warn,
    LagStatus::Stall,
    LagStatus::Stop,
    LagStatus::Rewind,
];

/// One partition of one group, with its owner as kafka-lag-exporter labels it
/// (empty when no member owns it). The names are shared: several families hold
/// a label set for each of tens of thousands of group partitions, and a
/// `String` each would copy the group's and the topic's name into every one.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupPartitionLabels {
    group: Arc<str>,
    topic: Arc<str>,
    partition: i32,
    member_host: Option<Arc<str>>,
    consumer_id: Option<Arc<str>>,
    client_id: Option<Arc<str>>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupPartitionStatusLabels {
    group: Arc<str>,
    topic: Arc<str>,
    partition: i32,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupLabels {
    group: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupStatusLabels {
    group: String,
    status: &'static str,
}

/// A group's type (`consumer`, `classic`, `share`, `streams`; `unknown` when the
/// cluster could not describe it) and, for a classic group of another protocol
/// than `consumer`'s, that protocol (`connect`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupTypeLabels {
    group: String,
    r#type: &'static str,
    protocol_type: Option<String>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartitionLabels {
    topic: Arc<str>,
    partition: i32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BrokerLabels {
    broker_id: i32,
}

/// The families filled from one refresh.
#[derive(Default)]
pub(super) struct ClusterFamilies {
    cluster_up: IntGauge,
    brokers: IntGauge,
    broker_up: Family<BrokerLabels, IntGauge>,
    broker_urp: Family<BrokerLabels, IntGauge>,
    group_offset: Family<GroupPartitionLabels, IntGauge>,
    group_lag: Family<GroupPartitionLabels, IntGauge>,
    group_lag_seconds: Family<GroupPartitionLabels, FloatGauge>,
    group_partition_status: Family<GroupPartitionStatusLabels, IntGauge>,
    group_max_lag: Family<GroupLabels, IntGauge>,
    group_sum_lag: Family<GroupLabels, IntGauge>,
    group_max_lag_seconds: Family<GroupLabels, FloatGauge>,
    group_status: Family<GroupStatusLabels, IntGauge>,
    group_members: Family<GroupLabels, IntGauge>,
    group_consume_rate: Family<GroupLabels, FloatGauge>,
    group_over_threshold: Family<GroupLabels, IntGauge>,
    group_type: Family<GroupTypeLabels, IntGauge>,
    partition_latest: Family<PartitionLabels, IntGauge>,
    partition_earliest: Family<PartitionLabels, IntGauge>,
    topic_partitions: Family<TopicLabels, IntGauge>,
    topic_high_sum: Family<TopicLabels, IntGauge>,
    topic_low_sum: Family<TopicLabels, IntGauge>,
    topic_produce_rate: Family<TopicLabels, FloatGauge>,
    topic_urp: Family<TopicLabels, IntGauge>,
    topic_under_min_isr: Family<TopicLabels, IntGauge>,
    topic_offline: Family<TopicLabels, IntGauge>,
    insight: InsightFamilies,
}

impl ClusterFamilies {
    pub(super) fn register(&self, r: &mut Registry) {
        self.register_cluster(r);
        self.register_groups(r);
        self.register_topics(r);
        self.insight.register(r);
    }

    /// The cluster and its brokers.
    fn register_cluster(&self, r: &mut Registry) {
        r.register(
            "kafka_cluster_up",
            "Whether the last refresh reached the cluster (1) or not (0)",
            self.cluster_up.clone(),
        );
        r.register(
            "kafka_cluster_brokers",
            "Brokers the cluster lists",
            self.brokers.clone(),
        );
        r.register(
            "kafka_broker_up",
            "1 for a broker the cluster lists, 0 for one that holds replicas but is missing (down)",
            self.broker_up.clone(),
        );
        r.register(
            "kafka_broker_under_replicated_partitions",
            "Under-replicated partitions this broker leads",
            self.broker_urp.clone(),
        );
    }

    /// Consumer groups and their partitions.
    fn register_groups(&self, r: &mut Registry) {
        r.register(
            "kafka_consumergroup_group_offset",
            "Committed offset of a group's partition",
            self.group_offset.clone(),
        );
        r.register(
            "kafka_consumergroup_group_lag",
            "Log end offset minus committed offset (never negative)",
            self.group_lag.clone(),
        );
        r.register(
            "kafka_consumergroup_group_lag_seconds",
            "Time lag: the age of the record at the committed offset, or (when it cannot be read) the lag over the produce rate",
            self.group_lag_seconds.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_status",
            "Lag status of a group's partition: 1 for the current status",
            self.group_partition_status.clone(),
        );
        r.register(
            "kafka_consumergroup_group_max_lag",
            "Largest lag of a group's partitions",
            self.group_max_lag.clone(),
        );
        r.register(
            "kafka_consumergroup_group_sum_lag",
            "Total lag of a group",
            self.group_sum_lag.clone(),
        );
        r.register(
            "kafka_consumergroup_group_max_lag_seconds",
            "Largest time lag of a group's partitions",
            self.group_max_lag_seconds.clone(),
        );
        r.register(
            "kaftop_consumergroup_status",
            "Lag status of a group (its worst partition's): 1 for the current status, 0 for the others",
            self.group_status.clone(),
        );
        r.register(
            "kafka_consumergroup_members",
            "Members of a group",
            self.group_members.clone(),
        );
        r.register(
            "kaftop_consumergroup_consume_rate",
            "Committed offsets per second over a group's partitions",
            self.group_consume_rate.clone(),
        );
        r.register(
            "kaftop_consumergroup_over_threshold",
            "1 when a group's total lag is above its configured threshold",
            self.group_over_threshold.clone(),
        );
        r.register(
            "kaftop_consumergroup_type",
            "1 for every group, with its type (consumer, classic, share, streams) and a classic group's protocol type",
            self.group_type.clone(),
        );
    }

    /// Topics and their partitions.
    fn register_topics(&self, r: &mut Registry) {
        r.register(
            "kafka_partition_latest_offset",
            "Log end offset (high watermark) of a partition",
            self.partition_latest.clone(),
        );
        r.register(
            "kafka_partition_earliest_offset",
            "Log start offset (low watermark) of a partition",
            self.partition_earliest.clone(),
        );
        r.register(
            "kafka_topic_partitions",
            "Partitions of a topic",
            self.topic_partitions.clone(),
        );
        r.register(
            "kafka_topic_high_water_mark_sum",
            "Sum of a topic's partitions' log end offsets",
            self.topic_high_sum.clone(),
        );
        r.register(
            "kafka_topic_low_water_mark_sum",
            "Sum of a topic's partitions' log start offsets",
            self.topic_low_sum.clone(),
        );
        r.register(
            "kaftop_topic_produce_rate",
            "Records produced per second to a topic (smoothed)",
            self.topic_produce_rate.clone(),
        );
        r.register(
            "kafka_topic_under_replicated_partitions",
            "Partitions of a topic with fewer in-sync replicas than replicas",
            self.topic_urp.clone(),
        );
        r.register(
            "kafka_topic_under_min_isr_partitions",
            "Partitions of a topic below its min.insync.replicas",
            self.topic_under_min_isr.clone(),
        );
        r.register(
            "kafka_topic_offline_partitions",
            "Partitions of a topic without a leader",
            self.topic_offline.clone(),
        );
    }

    fn clear(&self) {
        self.broker_up.clear();
        self.broker_urp.clear();
        self.group_offset.clear();
        self.group_lag.clear();
        self.group_lag_seconds.clear();
        self.group_partition_status.clear();
        self.group_max_lag.clear();
        self.group_sum_lag.clear();
        self.group_max_lag_seconds.clear();
        self.group_status.clear();
        self.group_members.clear();
        self.group_consume_rate.clear();
        self.group_over_threshold.clear();
        self.group_type.clear();
        self.partition_latest.clear();
        self.partition_earliest.clear();
        self.topic_partitions.clear();
        self.topic_high_sum.clear();
        self.topic_low_sum.clear();
        self.topic_produce_rate.clear();
        self.topic_urp.clear();
        self.topic_under_min_isr.clear();
        self.topic_offline.clear();
        self.insight.clear();
    }

    /// Replaces every family's label sets with the refresh's.
    pub(super) fn fill(&self, m: &ClusterMetrics) {
        self.clear();
        self.cluster_up.set(i64::from(m.connected));
        self.brokers.set(m.brokers.len() as i64);
        for b in &m.brokers {
            let l = BrokerLabels { broker_id: b.id };
            self.broker_up.get_or_create(&l).set(1);
            self.broker_urp.get_or_create(&l).set(0);
        }
        for &id in &m.brokers_down {
            self.broker_up
                .get_or_create(&BrokerLabels { broker_id: id })
                .set(0);
        }
        // Each topic's name once, for the label sets of all its partitions.
        let topics: HashMap<&str, Arc<str>> = m
            .topics
            .iter()
            .map(|t| (t.name.as_str(), Arc::from(t.name.as_str())))
            .collect();
        for t in &m.topics {
            self.fill_topic(t, &topics[t.name.as_str()]);
        }
        for g in &m.groups {
            self.fill_group(g, &topics);
        }
    }

    fn fill_topic(&self, t: &TopicMetrics, name: &Arc<str>) {
        let tl = TopicLabels {
            topic: t.name.clone(),
        };
        let (mut high, mut low) = (0i64, 0i64);
        for p in &t.partitions {
            let pl = PartitionLabels {
                topic: Arc::clone(name),
                partition: p.id,
            };
            if let Some(h) = p.high {
                self.partition_latest.get_or_create(&pl).set(h);
                high += h;
            }
            if let Some(l) = p.low {
                self.partition_earliest.get_or_create(&pl).set(l);
                low += l;
            }
            if p.under_replicated && p.leader >= 0 {
                self.broker_urp
                    .get_or_create(&BrokerLabels {
                        broker_id: p.leader,
                    })
                    .inc();
            }
        }
        let count = |n: usize| n as i64;
        self.topic_partitions
            .get_or_create(&tl)
            .set(count(t.partitions.len()));
        self.topic_high_sum.get_or_create(&tl).set(high);
        self.topic_low_sum.get_or_create(&tl).set(low);
        if let Some(r) = t.rate {
            self.topic_produce_rate.get_or_create(&tl).set(r);
        }
        self.topic_urp
            .get_or_create(&tl)
            .set(count(t.under_replicated));
        self.topic_under_min_isr
            .get_or_create(&tl)
            .set(count(t.under_min_isr));
        self.topic_offline.get_or_create(&tl).set(count(t.offline));
    }

    fn fill_group(&self, g: &GroupMetrics, topics: &HashMap<&str, Arc<str>>) {
        let group: Arc<str> = Arc::from(g.group_id.as_str());
        for r in &g.rows {
            // A group's row on a topic the refresh did not list: its own copy.
            let topic = topics
                .get(r.topic.as_str())
                .cloned()
                .unwrap_or_else(|| Arc::from(r.topic.as_str()));
            let l = GroupPartitionLabels {
                group: Arc::clone(&group),
                topic,
                partition: r.partition,
                member_host: r.host.as_deref().map(Arc::from),
                consumer_id: r.consumer_id.as_deref().map(Arc::from),
                client_id: r.client_id.as_deref().map(Arc::from),
            };
            if let Some(c) = r.current_offset {
                self.group_offset.get_or_create(&l).set(c);
            }
            if let Some(lag) = r.lag {
                self.group_lag
                    .get_or_create(&l)
                    .set(i64::try_from(lag).unwrap_or(i64::MAX));
            }
            if let Some(s) = r.time_lag_secs {
                self.group_lag_seconds.get_or_create(&l).set(s);
            }
            self.group_partition_status
                .get_or_create(&GroupPartitionStatusLabels {
                    group: Arc::clone(&l.group),
                    topic: Arc::clone(&l.topic),
                    partition: r.partition,
                    status: r.status.as_str(),
                })
                .set(1);
            self.insight.fill_partition(&l.group, &l.topic, r);
        }
        let gl = GroupLabels {
            group: g.group_id.clone(),
        };
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.group_max_lag.get_or_create(&gl).set(int(g.max_lag));
        self.group_sum_lag.get_or_create(&gl).set(int(g.total_lag));
        if let Some(s) = g.time_lag_secs {
            self.group_max_lag_seconds.get_or_create(&gl).set(s);
        }
        for s in STATUSES {
            self.group_status
                .get_or_create(&GroupStatusLabels {
                    group: g.group_id.clone(),
                    status: s.as_str(),
                })
                .set(i64::from(s == g.status));
        }
        if let Some(n) = g.members {
            self.group_members.get_or_create(&gl).set(n as i64);
        }
        if let Some(r) = g.consume_rate {
            self.group_consume_rate.get_or_create(&gl).set(r);
        }
        self.group_over_threshold
            .get_or_create(&gl)
            .set(i64::from(g.total_lag > g.threshold));
        self.group_type
            .get_or_create(&GroupTypeLabels {
                group: g.group_id.clone(),
                r#type: type_name(g.group_type),
                protocol_type: g
                    .protocol_type
                    .clone()
                    .filter(|p| !p.is_empty() && p != "consumer"),
            })
            .set(1);
        self.insight.fill_group(g);
    }
}

/// A group type as a label value, lower case as Kafka's tools name it.
fn type_name(t: Option<GroupType>) -> &'static str {
    match t {
        Some(GroupType::Consumer) => "consumer",
        Some(GroupType::Classic) => "classic",
        Some(GroupType::Share) => "share",
        Some(GroupType::Streams) => "streams",
        Some(GroupType::Unknown) | None => "unknown",
    }
}

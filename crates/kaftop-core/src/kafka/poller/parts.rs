//! The plain pieces of a refresh: the snapshot's topics and brokers from a
//! librdkafka metadata answer, the partitions and committed offsets a step
//! works on, and the scoped-thread map the librdkafka path fans out with.

use std::collections::HashMap;

use rdkafka::metadata::{Metadata, MetadataTopic};

use super::is_internal_topic;
use crate::kafka::committed_records::RecordKey;
use crate::kafka::snapshot::{BrokerInfo, ClusterSnapshot, PartitionInfo, TopicInfo};

/// The topics a snapshot shows (internal ones only when asked), sorted by name;
/// each topic's error also in `errors`.
pub(super) fn keep_topics(
    all: Vec<TopicInfo>,
    include_internal: bool,
    errors: &mut Vec<String>,
) -> Vec<TopicInfo> {
    let mut topics: Vec<TopicInfo> = all
        .into_iter()
        .filter(|t| include_internal || !is_internal_topic(&t.name))
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &topics {
        if let Some(e) = &t.error {
            errors.push(format!("topic {}: {e}", t.name));
        }
    }
    topics
}

/// The brokers of a metadata response, by id.
pub fn broker_infos(md: &Metadata) -> Vec<BrokerInfo> {
    let mut brokers: Vec<BrokerInfo> = md
        .brokers()
        .iter()
        .map(|b| BrokerInfo {
            id: b.id(),
            host: b.host().to_string(),
            port: b.port(),
        })
        .collect();
    brokers.sort_by_key(|b| b.id);
    brokers
}

/// One topic of a metadata response, partitions by id (watermarks not read).
pub fn topic_info(t: &MetadataTopic) -> TopicInfo {
    let mut partitions: Vec<PartitionInfo> = t
        .partitions()
        .iter()
        .map(|p| PartitionInfo {
            id: p.id(),
            leader: p.leader(),
            replicas: p.replicas().to_vec(),
            isr: p.isr().to_vec(),
            low: None,
            high: None,
            error: p
                .error()
                .map(|e| format!("{:?}", rdkafka::types::RDKafkaErrorCode::from(e))),
        })
        .collect();
    partitions.sort_by_key(|p| p.id);
    TopicInfo {
        name: t.name().to_string(),
        internal: is_internal_topic(t.name()),
        partitions,
        min_insync_replicas: None,
        error: t
            .error()
            .map(|e| format!("{:?}", rdkafka::types::RDKafkaErrorCode::from(e))),
    }
}

/// (topic, partition, committed offset) of every group's partition that has
/// records to consume at its committed offset: lag, and not deleted yet.
pub(super) fn lagging_offsets(snap: &ClusterSnapshot) -> Vec<RecordKey> {
    let bounds: HashMap<(&str, i32), &PartitionInfo> = snap
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| ((t.name.as_str(), p.id), p))
        })
        .collect();
    let mut wanted: Vec<RecordKey> = snap
        .groups
        .iter()
        .flat_map(|g| &g.offsets)
        .filter_map(|o| {
            let c = o.committed?;
            let p = bounds.get(&(o.topic.as_str(), o.partition))?;
            (c >= p.low? && c < p.high?).then(|| (o.topic.clone(), o.partition, c))
        })
        .collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// (topic, partition) of every partition of `topics`.
pub(super) fn every_partition(topics: &[TopicInfo]) -> Vec<(String, i32)> {
    topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), p.id)))
        .collect()
}

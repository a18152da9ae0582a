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

/// Concurrent committed-offset fetches per refresh.
pub(crate) const OFFSET_FETCH_WORKERS: usize = 8;

/// `f` over `items` on up to `workers` scoped threads; results in input order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 || workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let per_worker = items.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per_worker)
            .map(|chunk| s.spawn(|| chunk.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..37).collect();
        let out = parallel_map(&items, 8, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(parallel_map(&[5u32], 8, |x| x + 1), vec![6]);
        assert!(parallel_map(&[] as &[u32], 8, |x| *x).is_empty());
    }

    #[test]
    fn internal_topics() {
        assert!(is_internal_topic("__consumer_offsets"));
        assert!(is_internal_topic("_confluent-metrics"));
        assert!(!is_internal_topic("message.created"));
    }
}

//! What a topic holds, read directly: its message ids and its record count.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::common::{unique, wait_for};
use crate::DEADLINE;

/// Every message id in `topic` (read from the beginning, all partitions), with
/// how often it occurs.
pub(crate) fn ids_in(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
) -> BTreeMap<i64, u32> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    // A leader that just took over answers OffsetNotAvailable until its high
    // watermark has caught up: ask again until every partition answers.
    let high: i64 = wait_for(&format!("the end offsets of {topic}"), DEADLINE, || {
        (0..partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(10))
                    .ok()
                    .map(|w| w.1)
            })
            .sum::<Option<i64>>()
    });
    assert!(
        high as usize >= expected,
        "{high} records in {topic}, {expected} expected"
    );
    let mut ids = BTreeMap::new();
    let mut read = 0i64;
    wait_for(&format!("{high} records of {topic}"), DEADLINE, || {
        while let Some(m) = consumer.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            let v: Value = serde_json::from_slice(m.payload().unwrap()).unwrap();
            *ids.entry(v["messageId"].as_i64().unwrap()).or_insert(0) += 1;
            read += 1;
        }
        (read >= high).then_some(())
    });
    ids
}

/// Records in `topic` now (sum of high watermarks).
pub(crate) fn records_in(consumer: &BaseConsumer, topic: &str, partitions: i32) -> i64 {
    (0..partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .map(|w| w.1)
                .unwrap_or(0)
        })
        .sum()
}

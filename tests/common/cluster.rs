//! Direct Kafka helpers for integration tests: an independent client that creates
//! topics, writes known records and commits known offsets.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

pub fn create_topic(bootstrap: &str, name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let res = rt
        .block_on(admin.create_topics(
            &[NewTopic::new(name, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topics");
    for r in res {
        r.expect("topic created");
    }
}

/// Writes `counts[p]` records to partition `p`, waiting for every delivery.
pub fn produce_counts(bootstrap: &str, topic: &str, counts: &[usize]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let records: Vec<(i32, String, String)> = counts
        .iter()
        .enumerate()
        .flat_map(|(p, &n)| {
            (0..n).map(move |i| {
                let payload = format!(
                    "{{\"messageId\":{i},\"receiverId\":1,\"readAt\":\"2026-11-24T10:00:00\"}}"
                );
                (p as i32, i.to_string(), payload)
            })
        })
        .collect();
    rt.block_on(async {
        let mut pending = Vec::new();
        for (p, key, payload) in &records {
            let record = FutureRecord::to(topic)
                .partition(*p)
                .key(key)
                .payload(payload);
            let queued = producer
                .send_result(record)
                .map_err(|(e, _)| e)
                .expect("queued");
            pending.push(queued);
        }
        for f in pending {
            f.await.expect("delivery").expect("delivered");
        }
    });
}

/// Commits `offsets` (partition, offset) for `group` without joining it, as an
/// independent client (a consumer of another service) would have.
pub fn commit_offsets(bootstrap: &str, group: &str, topic: &str, offsets: &[(i32, i64)]) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for &(p, o) in offsets {
        tpl.add_partition_offset(topic, p, Offset::Offset(o))
            .unwrap();
    }
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

//! Direct Kafka helpers for integration tests: an independent client that creates
//! topics, writes known records and commits known offsets.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// Creates `name` (replication factor 1) and waits until its partitions show in
/// metadata.
pub(crate) fn create_topic(bootstrap: &str, name: &str, partitions: i32) {
    create_topic_with(bootstrap, name, partitions, 1, &[]);
}

/// Creates `name` with `partitions`, replication factor `replication` and topic
/// `configs`, and waits until the metadata shows every partition with a leader and
/// all `replication` replicas in sync.
pub(crate) fn create_topic_with(
    bootstrap: &str,
    name: &str,
    partitions: i32,
    replication: i32,
    configs: &[(&str, &str)],
) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(replication));
    for (k, v) in configs {
        topic = topic.set(k, v);
    }
    let res = rt
        .block_on(admin.create_topics(
            &[topic],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topics");
    for r in res {
        r.expect("topic created");
    }
    super::wait_for(
        &format!("{partitions} partitions of {name}, {replication} replicas in sync, in metadata"),
        Duration::from_secs(90),
        || {
            let md = admin
                .inner()
                .fetch_metadata(Some(name), Duration::from_secs(5))
                .ok()?;
            let t = md.topics().iter().find(|t| t.name() == name)?;
            let healthy = t.error().is_none()
                && t.partitions().len() == partitions as usize
                && t.partitions().iter().all(|p| {
                    p.leader() >= 0
                        && p.replicas().len() == replication as usize
                        && p.isr().len() == p.replicas().len()
                });
            healthy.then_some(())
        },
    );
}

/// Writes `counts[p]` records to partition `p` (a small read event each, keyed by
/// its index) and waits until every one is acknowledged.
pub(crate) fn produce_counts(bootstrap: &str, topic: &str, counts: &[usize]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    for (p, &n) in counts.iter().enumerate() {
        for i in 0..n {
            let key = i.to_string();
            let payload =
                format!(r#"{{"messageId":{i},"receiverId":1,"readAt":"2026-11-24T10:00:00"}}"#);
            producer
                .send(
                    BaseRecord::to(topic)
                        .partition(p as i32)
                        .key(&key)
                        .payload(&payload),
                )
                .expect("enqueue");
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
    assert_eq!(producer.in_flight_count(), 0);
}

/// Commits `offsets` (topic, partition, offset) for `group` without joining it
/// (assign, never subscribe), as an independent client would have.
pub(crate) fn commit_offsets(bootstrap: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for &(t, p, o) in offsets {
        tpl.add_partition_offset(t, p, Offset::Offset(o)).unwrap();
    }
    consumer.assign(&tpl).expect("assign");
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

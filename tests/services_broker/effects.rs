//! Reading back what the services did: dead-letter records, committed offsets and
//! the report's counters and daily figures.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kaftop_services::store::Report;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::common::{self, unique, wait_for};
use crate::PARTITIONS;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DlqRecord {
    pub(crate) partition: i32,
    pub(crate) key: String,
    pub(crate) value: Vec<u8>,
    pub(crate) headers: BTreeMap<String, String>,
}

/// Every record of a DLQ topic, read from the beginning without a group. Waits for
/// `expected` records, then checks that no more arrive.
pub(crate) fn read_dlq(topic: &str, expected: usize) -> Vec<DlqRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", unique("dlq-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let take = |m: rdkafka::message::BorrowedMessage<'_>| {
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|x| {
                        (
                            x.key.to_string(),
                            String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        DlqRecord {
            partition: m.partition(),
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            value: m.payload().unwrap_or_default().to_vec(),
            headers,
        }
    };
    wait_for(
        &format!("{expected} records on {topic}"),
        Duration::from_secs(60),
        || {
            while let Some(r) = consumer.poll(Duration::from_millis(200)) {
                out.push(take(r.expect("consume")));
            }
            (out.len() >= expected).then_some(())
        },
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if let Some(r) = consumer.poll(Duration::from_millis(100)) {
            out.push(take(r.expect("consume")));
        }
    }
    assert_eq!(out.len(), expected, "{topic}: {out:#?}");
    out.sort();
    out
}

/// Committed offsets of `group` on `topic`, summed over partitions (OffsetFetch).
pub(crate) fn committed_total(group: &str, topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(topic, p);
    }
    let c = consumer
        .committed_offsets(tpl, Duration::from_secs(10))
        .unwrap();
    c.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => o,
            _ => 0,
        })
        .sum()
}

pub(crate) fn counters(r: &Report, s: &str) -> kaftop_services::store::StoredCounters {
    r.services.get(s).copied().unwrap_or_default()
}

/// consumed = processed + dead_lettered + dedupe_hits (+ pending for read receipts).
pub(crate) fn assert_conservation(r: &Report) {
    for (name, c) in &r.services {
        let pending = if name == "read-receipt" {
            r.pending_receipts
        } else {
            0
        };
        assert_eq!(
            c.consumed,
            c.processed + c.dead_lettered + c.dedupe_hits + pending,
            "{name}: {c:?}"
        );
    }
}

pub(crate) fn day(r: &Report, date: &str) -> (u64, u64, u64) {
    r.daily
        .iter()
        .find(|d| d.date == date)
        .map(|d| (d.messages, d.distinct_senders, d.reads))
        .unwrap_or_default()
}

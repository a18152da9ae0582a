//! The DLQ of a test's private topics, filled by the real archive service, and the
//! readers the assertions use.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::common::{
    self, assert_success, kaftop, spawn_consumers, unique, wait_for, write_config, TestTopics,
};

/// Keys of the poison records (not JSON) the archive service dead-letters whole.
pub(crate) const POISON: [&str; 5] = ["poison-a", "poison-b", "poison-c", "poison-d", "poison-e"];
const PARTITIONS: i32 = 3;

/// A record to produce: key, value, headers.
type Out = (String, Vec<u8>, Vec<(String, String)>);

pub(crate) struct Env {
    _dir: tempfile::TempDir,
    pub(crate) config: PathBuf,
    pub(crate) topics: TestTopics,
    pub(crate) dlq: String,
    /// Each poison record's key and (partition, offset) on the source topic.
    pub(crate) poison: Vec<(String, (i32, i64))>,
}

impl Env {
    /// Private topics whose deleted-topic DLQ holds the [`POISON`] records and a
    /// truncated one (key `big`), dead-lettered by `kaftop consumers --service
    /// archive`, and one record without source headers (key `no-source`).
    pub(crate) fn with_dead_letters(prefix: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let topics = TestTopics::new(prefix);
        let config = write_config(dir.path(), &topics, PARTITIONS);
        let out = kaftop()
            .arg("--config")
            .arg(&config)
            .args(["topics", "ensure"])
            .output()
            .unwrap();
        assert_success(&out);
        let dlq = format!("{}.dlq", topics.deleted);
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", common::bootstrap())
            .create()
            .unwrap();
        let mut recs: Vec<Out> = POISON
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    format!("<<{k}>>").into_bytes(),
                    vec![("trace".to_string(), format!("trace-{k}"))],
                )
            })
            .collect();
        let big = vec![b'x'; kaftop_services::DLQ_MAX_VALUE + 100];
        recs.push(("big".into(), big, Vec::new()));
        let sent = produce(&producer, &topics.deleted, &recs);
        let poison = POISON.iter().map(|k| k.to_string()).zip(sent).collect();

        let consumers = spawn_consumers(&config, &["--service", "archive"], &[]);
        wait_for(
            "every poison record in the DLQ",
            Duration::from_secs(60),
            || (end_offsets(&dlq).iter().sum::<i64>() == recs.len() as i64).then_some(()),
        );
        assert_success(&consumers.terminate());
        produce(
            &producer,
            &dlq,
            &[("no-source".into(), b"lost".to_vec(), Vec::new())],
        );
        Env {
            _dir: dir,
            config,
            topics,
            dlq,
            poison,
        }
    }
}

/// Produces `recs` (key, value, headers) in order and waits for each; returns
/// their (partition, offset).
fn produce(producer: &BaseProducer, topic: &str, recs: &[Out]) -> Vec<(i32, i64)> {
    recs.iter()
        .map(|(k, v, hs)| {
            let mut h = OwnedHeaders::new();
            for (hk, hv) in hs {
                h = h.insert(Header {
                    key: hk,
                    value: Some(hv),
                });
            }
            producer
                .send(
                    BaseRecord::<_, _, ()>::to(topic)
                        .key(k)
                        .payload(v)
                        .headers(h),
                )
                .unwrap();
            producer.flush(Duration::from_secs(30)).unwrap();
            // The new record is the last one of its partition.
            let reader = read_topic(topic, false);
            let r = reader.iter().rev().find(|r| &r.key == k).unwrap();
            (r.partition, r.offset)
        })
        .collect()
}

fn end_offsets(topic: &str) -> Vec<i64> {
    let c = consumer("read_uncommitted");
    (0..PARTITIONS)
        .map(|p| {
            c.fetch_watermarks(topic, p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .collect()
}

fn consumer(isolation: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("group.id", unique("dlq-reader"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", isolation)
        .create()
        .unwrap()
}

/// A record as the assertions compare it.
#[derive(Debug, Clone)]
pub(crate) struct Rec {
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) key: String,
    pub(crate) value: Vec<u8>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Rec {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every record of `topic` up to its current end, `read_committed` or not.
pub(crate) fn read_topic(topic: &str, committed: bool) -> Vec<Rec> {
    let c = consumer(if committed {
        "read_committed"
    } else {
        "read_uncommitted"
    });
    let ends = end_offsets(topic);
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut out = Vec::new();
    loop {
        let reached = c
            .position()
            .unwrap()
            .elements()
            .iter()
            .all(|e| match e.offset() {
                Offset::Offset(o) => o >= ends[e.partition() as usize],
                _ => ends[e.partition() as usize] == 0,
            });
        if reached {
            break;
        }
        assert!(Instant::now() < deadline, "reading {topic} to its end");
        let Some(m) = c.poll(Duration::from_millis(200)) else {
            continue;
        };
        let m = m.unwrap();
        out.push(Rec {
            partition: m.partition(),
            offset: m.offset(),
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            value: m.payload().unwrap_or_default().to_vec(),
            headers: m
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
                .unwrap_or_default(),
        });
    }
    out.sort_by_key(|r| (r.partition, r.offset));
    out
}

/// `kaftop dlq redrive DLQ --json ARGS`, which must succeed.
pub(crate) fn redrive_json(env: &Env, args: &[&str]) -> Value {
    let out = kaftop()
        .arg("--config")
        .arg(&env.config)
        .args(["dlq", "redrive", &env.dlq, "--json"])
        .args(args)
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

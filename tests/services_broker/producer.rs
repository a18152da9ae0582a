//! The workload's records and the independent producer that writes them.

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use serde_json::json;

use crate::common::{self, TestTopics};

pub(crate) struct Rec {
    pub(crate) topic: String,
    pub(crate) key: String,
    pub(crate) value: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, &'static str)>,
}

pub(crate) fn rec(topic: &str, key: impl ToString, value: impl Into<Vec<u8>>) -> Rec {
    Rec {
        topic: topic.to_string(),
        key: key.to_string(),
        value: value.into(),
        headers: Vec::new(),
    }
}

pub(crate) fn created(t: &TestTopics, id: i64, sender: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "senderId": sender, "receiverId": receiver,
                   "content": format!("message {id}"), "createdAt": at});
    rec(&t.created, id, v.to_string())
}

pub(crate) fn read(t: &TestTopics, id: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "receiverId": receiver, "readAt": at});
    rec(&t.read, id, v.to_string())
}

pub(crate) fn deleted(t: &TestTopics, id: i64, sender: i64, receiver: i64, at: &str) -> Rec {
    let v = json!({"messageId": id, "senderId": sender, "receiverId": receiver, "deletedAt": at});
    rec(&t.deleted, id, v.to_string())
}

/// An independent producer (plain rdkafka, not kaftop's publisher).
pub(crate) struct Producer {
    producer: FutureProducer,
    rt: tokio::runtime::Runtime,
}

impl Producer {
    pub(crate) fn new() -> Self {
        Producer {
            producer: ClientConfig::new()
                .set("bootstrap.servers", common::bootstrap())
                .set("linger.ms", "5")
                .create()
                .unwrap(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Sends in order, waits for every delivery; returns (partition, offset) of each.
    pub(crate) fn send(&self, recs: &[Rec]) -> Vec<(i32, i64)> {
        self.rt.block_on(async {
            let mut pending = Vec::new();
            for r in recs {
                let mut h = OwnedHeaders::new();
                for (k, v) in &r.headers {
                    h = h.insert(Header {
                        key: k,
                        value: Some(*v),
                    });
                }
                let record = FutureRecord::to(&r.topic)
                    .key(&r.key)
                    .payload(&r.value)
                    .headers(h);
                pending.push(
                    self.producer
                        .send_result(record)
                        .map_err(|(e, _)| e)
                        .expect("queued"),
                );
            }
            let mut out = Vec::new();
            for f in pending {
                let d = f.await.expect("delivery").expect("delivered");
                out.push((d.partition, d.offset));
            }
            out
        })
    }
}

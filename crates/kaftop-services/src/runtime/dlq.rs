//! The dead-letter producer: poison records go to `<source topic>.dlq` with headers
//! that say why and where from, and a batch waits for every acknowledgement.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::{DeliveryResult, Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};

use crate::{
    service_id, RawRecord, ServiceName, DLQ_MAX_VALUE, HEADER_ERROR, HEADER_SERVICE,
    HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION, HEADER_SOURCE_TOPIC, HEADER_TRUNCATED_FROM,
};
use kaftop_core::config::Resolved;
use kaftop_core::events::dlq_topic;
use kaftop_core::kafka::client::{log_client_error, Diagnosis, KafkaError};
use kaftop_core::kafka::publisher::{producer_config, queue_waiting};

/// How long a DLQ produce may take before the batch is retried.
const DLQ_TIMEOUT: Duration = Duration::from_secs(15);

/// Why records could not be dead-lettered (the batch is then retried).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DlqError {
    #[error("stopping with the producer queue full")]
    Stopping,
    #[error("producing to {topic}: {error}")]
    Produce { topic: String, error: RdError },
    #[error("dead-lettering {topic} offset {offset}: {error}")]
    Delivery {
        topic: String,
        offset: i64,
        error: RdError,
    },
    #[error("{missing} of {total} dead-letter records not acknowledged in time")]
    Unacknowledged { missing: usize, total: usize },
}

/// A record bound for `<source topic>.dlq`.
#[derive(Debug)]
pub(super) struct DeadLetter<'a> {
    pub(super) source: &'a RawRecord,
    pub(super) error: &'a str,
    pub(super) service: ServiceName,
}

/// Where dead letters go: the DLQ producer, or a test's list.
pub(super) trait DeadLetters {
    /// Produces every record and waits for all acknowledgements; `stop` ends a wait
    /// for room in a full queue.
    fn send(&self, records: &[DeadLetter<'_>], stop: &AtomicBool) -> Result<(), DlqError>;
}

/// A dead letter's place in its batch, and where its delivery report goes.
pub(super) struct Ack {
    idx: usize,
    tx: mpsc::SyncSender<(usize, Result<(), RdError>)>,
}

pub(super) struct DlqContext {
    pub(super) diagnosis: Diagnosis,
}

impl ClientContext for DlqContext {
    fn error(&self, error: RdError, reason: &str) {
        log_client_error(&self.diagnosis, &error, reason);
    }
}

impl ProducerContext for DlqContext {
    type DeliveryOpaque = Box<Ack>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Box<Ack>) {
        let r = match result {
            Ok(_) => Ok(()),
            Err((e, _)) => Err(e.clone()),
        };
        // The waiter may have given up (timeout); nothing to do then.
        let _ = ack.tx.send((ack.idx, r));
    }
}

pub(super) struct DlqProducer {
    pub(super) producer: ThreadedProducer<DlqContext>,
    /// Partition counts of the DLQ topics: a dead letter goes to the partition number
    /// of its source record when the DLQ topic has it (as Spring's
    /// `DeadLetterPublishingRecoverer` does), else where its key hashes.
    pub(super) partitions: HashMap<String, i32>,
}

impl DlqProducer {
    pub(super) fn new(cfg: &Resolved) -> Result<Self, KafkaError> {
        let mut c = producer_config(cfg);
        if !cfg.properties.contains_key("message.timeout.ms") {
            c.set(
                "message.timeout.ms",
                (DLQ_TIMEOUT.as_millis() - 1000).to_string(),
            );
        }
        let producer = c
            .create_with_context(DlqContext {
                diagnosis: Diagnosis::default(),
            })
            .map_err(KafkaError::client("creating the dead-letter producer"))?;
        Ok(DlqProducer {
            producer,
            partitions: HashMap::new(),
        })
    }

    pub(super) fn flush(&self) {
        let _ = self.producer.flush(Duration::from_secs(5));
    }

    /// Queues one dead letter (waiting for room while the queue is full).
    fn queue(
        &self,
        idx: usize,
        d: &DeadLetter<'_>,
        tx: &mpsc::SyncSender<(usize, Result<(), RdError>)>,
        stop: &AtomicBool,
    ) -> Result<(), DlqError> {
        let topic = dlq_topic(&d.source.topic);
        let partition = d.source.partition.to_string();
        let offset = d.source.offset.to_string();
        // A value too big for the producer would fail forever and block its
        // partition: dead-letter its head, say so, and point at the original
        // (source topic, partition and offset are in the headers).
        let value = d.source.value.as_deref();
        let truncated_from = value
            .filter(|v| v.len() > DLQ_MAX_VALUE)
            .map(|v| v.len().to_string());
        let value = value.map(|v| &v[..v.len().min(DLQ_MAX_VALUE)]);
        let mut h = OwnedHeaders::new_with_capacity(d.source.headers.len() + 6);
        for (k, v) in &d.source.headers {
            h = h.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        for (k, v) in [
            (HEADER_ERROR, d.error),
            (HEADER_SERVICE, service_id(d.service)),
            (HEADER_SOURCE_TOPIC, d.source.topic.as_str()),
            (HEADER_SOURCE_PARTITION, partition.as_str()),
            (HEADER_SOURCE_OFFSET, offset.as_str()),
        ] {
            h = h.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            });
        }
        let mut rec = BaseRecord::<[u8], [u8], Box<Ack>>::with_opaque_to(
            &topic,
            Box::new(Ack {
                idx,
                tx: tx.clone(),
            }),
        )
        .headers(h);
        if self
            .partitions
            .get(&topic)
            .is_some_and(|&n| (0..n).contains(&d.source.partition))
        {
            rec = rec.partition(d.source.partition);
        }
        if let Some(k) = &d.source.key {
            rec = rec.key(k.as_slice());
        }
        if let Some(size) = &truncated_from {
            rec.headers = rec.headers.map(|h| {
                h.insert(Header {
                    key: HEADER_TRUNCATED_FROM,
                    value: Some(size.as_bytes()),
                })
            });
        }
        if let Some(v) = value {
            rec = rec.payload(v);
        }
        queue_waiting(&self.producer, rec, Duration::from_millis(10), stop).map_err(|error| {
            if stop.load(Ordering::Relaxed) {
                DlqError::Stopping
            } else {
                DlqError::Produce { topic, error }
            }
        })
    }
}

impl DeadLetters for DlqProducer {
    fn send(&self, records: &[DeadLetter<'_>], stop: &AtomicBool) -> Result<(), DlqError> {
        if records.is_empty() {
            return Ok(());
        }
        let (tx, rx) = mpsc::sync_channel(records.len());
        for (idx, d) in records.iter().enumerate() {
            self.queue(idx, d, &tx, stop)?;
        }
        drop(tx);
        let deadline = Instant::now() + DLQ_TIMEOUT + Duration::from_secs(5);
        let mut acked = 0;
        let mut failure = None;
        while acked < records.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((idx, r)) => {
                    acked += 1;
                    if let Err(error) = r {
                        failure.get_or_insert(DlqError::Delivery {
                            topic: records[idx].source.topic.clone(),
                            offset: records[idx].source.offset,
                            error,
                        });
                    }
                }
                Err(_) => {
                    return Err(DlqError::Unacknowledged {
                        missing: records.len() - acked,
                        total: records.len(),
                    })
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

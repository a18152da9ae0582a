//! Publishing single records: the `publish` subcommand and, later, the TUI's
//! publisher panel. Bulk publishing lives in [`super::bulk`].

use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};

use rdkafka::error::KafkaError as RdError;
use rdkafka::message::{Header, OwnedHeaders, ToBytes};
use rdkafka::producer::{
    BaseRecord, FutureProducer, FutureRecord, Producer, ProducerContext, ThreadedProducer,
};
use rdkafka::types::RDKafkaErrorCode;
use serde::Serialize;

use super::client::{base_config, require_topics, Diagnosis, KafkaError, KaftopContext};
use crate::config::Resolved;
use crate::events::MessageEvent;

/// How long one delivery may take before it is reported as failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Producer settings of the seed's service: idempotent, acks from all replicas, and
/// the Java client's key hashing so keys land where a Spring producer puts them.
pub fn producer_config(cfg: &Resolved) -> rdkafka::ClientConfig {
    let mut c = base_config(cfg);
    for (k, v) in [
        ("enable.idempotence", "true"),
        ("acks", "all"),
        ("partitioner", "murmur2_random"),
        ("message.timeout.ms", "30000"),
    ] {
        // Explicit user properties win over our defaults.
        if !cfg.properties.contains_key(k) {
            c.set(k, v);
        }
    }
    c
}

/// Where a record landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl Delivered {
    /// The one-line report of `event` landing here, as `kaftop publish` and
    /// `kaftop serve` print it.
    pub fn report(&self, event: &MessageEvent) -> String {
        format!(
            "Delivered {} event (messageId {}) to {} partition {} offset {}",
            event.kind(),
            event.message_id(),
            self.topic,
            self.partition,
            self.offset
        )
    }
}

pub struct Publisher {
    producer: FutureProducer<KaftopContext>,
    diagnosis: Diagnosis,
    cfg: Resolved,
}

impl Publisher {
    pub fn new(cfg: &Resolved) -> Result<Self, KafkaError> {
        let diagnosis = Diagnosis::default();
        let producer = producer_config(cfg)
            .create_with_context(KaftopContext::new(diagnosis.clone()))
            .map_err(KafkaError::client("creating producer"))?;
        Ok(Publisher {
            producer,
            diagnosis,
            cfg: cfg.clone(),
        })
    }

    /// Checks that the cluster answers and `topic` exists (blocking).
    pub fn check_topic(&self, topic: &str) -> Result<(), KafkaError> {
        require_topics(
            self.producer.client(),
            &self.diagnosis,
            &self.cfg,
            &[topic],
            &|| {},
        )
    }

    /// Publishes one service event keyed by its message id.
    pub async fn publish_event(
        &self,
        topic: &str,
        event: &MessageEvent,
    ) -> Result<Delivered, KafkaError> {
        let key = event.message_id().to_string();
        self.publish(topic, Some(key.as_bytes()), &[], event.to_json().as_bytes())
            .await
    }

    /// Publishes any record: the free-form publish of the TUI.
    pub async fn publish(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        headers: &[(String, String)],
        value: &[u8],
    ) -> Result<Delivered, KafkaError> {
        let mut record = FutureRecord::<[u8], [u8]>::to(topic).payload(value);
        if let Some(k) = key {
            record = record.key(k);
        }
        if !headers.is_empty() {
            let mut h = OwnedHeaders::new_with_capacity(headers.len());
            for (k, v) in headers {
                h = h.insert(Header {
                    key: k,
                    value: Some(v.as_bytes()),
                });
            }
            record = record.headers(h);
        }
        match self.producer.send(record, DELIVERY_TIMEOUT).await {
            Ok(d) => Ok(Delivered {
                topic: topic.to_string(),
                partition: d.partition,
                offset: d.offset,
            }),
            // A refused password or certificate is the cause of a timed-out delivery.
            Err((source, _)) if self.diagnosis.get().is_some() => Err(self
                .diagnosis
                .connect_error(&self.cfg.bootstrap_servers, &source)),
            Err((source, _)) => Err(KafkaError::Client {
                context: "delivery failed",
                source,
            }),
        }
    }
}

/// Queues `record`, waiting `pause` at a time while librdkafka's queue is full
/// (deliveries drain it). Gives up, with the queue-full error, once `stop` is set.
pub fn queue_waiting<C, K, P>(
    producer: &ThreadedProducer<C>,
    mut record: BaseRecord<'_, K, P, C::DeliveryOpaque>,
    pause: Duration,
    stop: &AtomicBool,
) -> Result<(), RdError>
where
    C: ProducerContext + 'static,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((e @ RdError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                if stop.load(Ordering::Relaxed) {
                    return Err(e);
                }
                record = r;
                std::thread::sleep(pause);
            }
            Err((e, _)) => return Err(e),
        }
    }
}

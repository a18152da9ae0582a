//! The bulk test: publish N service events as fast as the cluster takes them (or at
//! a set rate) and report throughput and delivery latency, as the seed's
//! `Sent 1000 events in 543 ms (1841.62 events/sec)`.
//!
//! The hot loop reuses one event and one buffer per kind (no per-record allocation),
//! and delivery reports are handled on the producer's polling thread, never here.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Message};
use serde::Serialize;

use super::client::{describe, log_client_error, require_topics, Diagnosis, KafkaError};
use super::publisher::{producer_config, queue_waiting};
use crate::config::Resolved;
use crate::events::{
    EventKind, EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};

/// Which events a bulk run sends, by name: `created`, `read`, `deleted`, `mixed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BulkType {
    Created,
    Read,
    Deleted,
    /// created → read → deleted for each message id, in that order.
    Mixed,
}

impl BulkType {
    /// Every type by its name, in the order offered to a user, with what it sends.
    pub const CHOICES: [(&'static str, BulkType, &'static str); 4] = [
        ("created", BulkType::Created, "MessageCreatedEvents"),
        ("read", BulkType::Read, "MessageReadEvents"),
        ("deleted", BulkType::Deleted, "MessageDeletedEvents"),
        (
            "mixed",
            BulkType::Mixed,
            "created → read → deleted for each message id, in that order",
        ),
    ];

    /// The kind of the `i`-th event and the offset of its message id from the start id.
    fn event_at(self, i: u64) -> (EventKind, u64) {
        match self {
            BulkType::Created => (EventKind::Created, i),
            BulkType::Read => (EventKind::Read, i),
            BulkType::Deleted => (EventKind::Deleted, i),
            BulkType::Mixed => (EventKind::ALL[(i % 3) as usize], i / 3),
        }
    }
}

impl std::str::FromStr for BulkType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::CHOICES
            .iter()
            .find(|(name, _, _)| *name == s)
            .map(|&(_, kind, _)| kind)
            .ok_or_else(|| {
                format!("unknown bulk type `{s}` (one of: created, read, deleted, mixed)")
            })
    }
}

#[derive(Debug, Clone)]
pub struct BulkSpec {
    pub count: u64,
    pub kind: BulkType,
    /// Events per second; `None` sends as fast as possible.
    pub rate: Option<f64>,
    /// Message id of the first event.
    pub start_id: i64,
}

/// Live counters a caller (the TUI's progress gauge) may watch during a run.
#[derive(Debug, Default)]
pub struct BulkProgress {
    pub queued: AtomicU64,
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    /// Set by the caller to stop queueing; what is already queued is still delivered.
    pub cancel: AtomicBool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BulkReport {
    pub requested: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Queued events without a delivery report when kaftop stopped waiting: maybe
    /// written, maybe not (neither delivered nor failed).
    pub unconfirmed: u64,
    /// Failure reasons with their counts.
    pub errors: BTreeMap<String, u64>,
    /// When events failed: why, as the cluster looked at the end of the run
    /// (brokers down, partitions offline or under `min.insync.replicas`).
    pub cause: Vec<String>,
    /// Delivered events per topic.
    pub per_topic: BTreeMap<String, u64>,
    pub elapsed_ms: f64,
    pub events_per_sec: f64,
    pub latency_ms: LatencySummary,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl BulkReport {
    /// The seed's line, with our numbers.
    pub fn summary_line(&self) -> String {
        format!(
            "Sent {} events in {:.0} ms ({:.2} events/sec)",
            self.delivered, self.elapsed_ms, self.events_per_sec
        )
    }

    /// What went wrong, one line each; empty when everything was delivered.
    pub fn failure_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .errors
            .iter()
            .map(|(reason, n)| format!("Failed: {n} events: {reason}"))
            .collect();
        if self.unconfirmed > 0 {
            out.push(format!(
                "Not confirmed: {} events had no delivery report when kaftop stopped waiting",
                self.unconfirmed
            ));
        }
        out.extend(self.cause.iter().map(|c| format!("Cause: {c}")));
        out
    }

    pub fn latency_line(&self) -> String {
        format!(
            "Delivery latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.latency_ms.p50, self.latency_ms.p99, self.latency_ms.max
        )
    }
}

/// Percentiles over latencies in microseconds (sorted in place).
pub fn latency_summary(latencies_us: &mut [u32]) -> LatencySummary {
    if latencies_us.is_empty() {
        return LatencySummary::default();
    }
    latencies_us.sort_unstable();
    let at = |q: f64| {
        let idx = ((latencies_us.len() as f64 * q).ceil() as usize).clamp(1, latencies_us.len());
        latencies_us[idx - 1] as f64 / 1000.0
    };
    LatencySummary {
        p50: at(0.50),
        p99: at(0.99),
        max: latencies_us[latencies_us.len() - 1] as f64 / 1000.0,
    }
}

/// Collects delivery reports on the producer's polling thread.
struct DeliveryTally {
    start: Instant,
    progress: Arc<BulkProgress>,
    tallies: Mutex<Tallies>,
    diagnosis: Diagnosis,
}

#[derive(Default)]
struct Tallies {
    latencies_us: Vec<u32>,
    /// Delivered records per topic (three entries at most: a linear scan is cheapest).
    per_topic: Vec<(String, u64)>,
    errors: BTreeMap<String, u64>,
}

impl ClientContext for DeliveryTally {
    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        log_client_error(&self.diagnosis, &error, reason);
    }
}

impl ProducerContext for DeliveryTally {
    /// Microseconds since `start` when the record was queued: a plain integer, so
    /// tracking latency costs no allocation.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, queued_at_us: usize) {
        let mut t = self.tallies.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(msg) => {
                let now_us = self.start.elapsed().as_micros() as usize;
                let lat = now_us.saturating_sub(queued_at_us).min(u32::MAX as usize) as u32;
                t.latencies_us.push(lat);
                let topic = msg.topic();
                match t.per_topic.iter_mut().find(|(name, _)| name == topic) {
                    Some((_, n)) => *n += 1,
                    None => t.per_topic.push((topic.to_string(), 1)),
                }
                self.progress.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                *t.errors.entry(describe(e)).or_default() += 1;
                self.progress.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Reusable per-kind event values and their encoding buffer.
struct EventScratch {
    created: MessageEvent,
    read: MessageEvent,
    deleted: MessageEvent,
    value: Vec<u8>,
}

impl EventScratch {
    fn new() -> Self {
        let now = EventTime::now();
        EventScratch {
            created: MessageEvent::Created(MessageCreatedEvent {
                message_id: 0,
                sender_id: 0,
                receiver_id: 0,
                content: String::with_capacity(64),
                created_at: now,
            }),
            read: MessageEvent::Read(MessageReadEvent {
                message_id: 0,
                receiver_id: 0,
                read_at: now,
            }),
            deleted: MessageEvent::Deleted(MessageDeletedEvent {
                message_id: 0,
                sender_id: 0,
                receiver_id: 0,
                deleted_at: now,
            }),
            value: Vec::with_capacity(256),
        }
    }

    /// Fills in the event for `id` and encodes it into `self.value`.
    fn encode(&mut self, kind: EventKind, id: i64, now: EventTime) -> &[u8] {
        // A small, deterministic user population: senders 1..=1000, receivers 1001..=2000.
        let sender = 1 + id.rem_euclid(1000);
        let receiver = 1001 + (id / 7).rem_euclid(1000);
        let ev = match kind {
            EventKind::Created => {
                if let MessageEvent::Created(e) = &mut self.created {
                    e.message_id = id;
                    e.sender_id = sender;
                    e.receiver_id = receiver;
                    e.created_at = now;
                    e.content.clear();
                    let _ = write!(e.content, "bulk test message {id}");
                }
                &self.created
            }
            EventKind::Read => {
                if let MessageEvent::Read(e) = &mut self.read {
                    e.message_id = id;
                    e.receiver_id = receiver;
                    e.read_at = now;
                }
                &self.read
            }
            EventKind::Deleted => {
                if let MessageEvent::Deleted(e) = &mut self.deleted {
                    e.message_id = id;
                    e.sender_id = sender;
                    e.receiver_id = receiver;
                    e.deleted_at = now;
                }
                &self.deleted
            }
        };
        self.value.clear();
        ev.encode_into(&mut self.value);
        &self.value
    }
}

/// Runs a bulk test to completion (blocking: call from a blocking thread).
pub fn run(
    cfg: &Resolved,
    spec: &BulkSpec,
    progress: Arc<BulkProgress>,
) -> Result<BulkReport, KafkaError> {
    let start = Instant::now();
    let producer = bulk_producer(cfg, spec, progress.clone(), start)?;
    let needed: Vec<&str> = match spec.kind {
        BulkType::Mixed => EventKind::ALL.iter().map(|&k| cfg.topic_for(k)).collect(),
        other => vec![cfg.topic_for(other.event_at(0).0)],
    };
    require_topics(
        producer.client(),
        &producer.context().diagnosis,
        cfg,
        &needed,
        &|| {},
    )?;
    let run_start = Instant::now();
    queue_all(cfg, spec, &progress, &producer, start, run_start)?;
    // Every queued record ends delivered or failed within message.timeout.ms (plus a
    // request in flight); what is still unreported after that is counted, not lost.
    if let Err(e) = producer.flush(flush_timeout(cfg)) {
        tracing::warn!(error = %e, "bulk: deliveries still pending after the flush timeout");
    }
    let elapsed = run_start.elapsed();
    Ok(report(cfg, spec, &progress, &producer, &needed, elapsed))
}

/// The producer, tuned for throughput, with a tally of its delivery reports.
fn bulk_producer(
    cfg: &Resolved,
    spec: &BulkSpec,
    progress: Arc<BulkProgress>,
    start: Instant,
) -> Result<ThreadedProducer<DeliveryTally>, KafkaError> {
    let tally = DeliveryTally {
        start,
        progress,
        tallies: Mutex::new(Tallies {
            latencies_us: Vec::with_capacity(spec.count.min(50_000_000) as usize),
            ..Tallies::default()
        }),
        diagnosis: Diagnosis::default(),
    };
    let mut config = producer_config(cfg);
    // Fuller batches, fewer produce requests: throughput over single-record latency.
    // Measured on the test broker: linger 10 ms → ~40k events/s and 2.1 CPU-s per
    // 100k; 50 ms → ~55k/s and 1.5 CPU-s (BENCHMARKS.md).
    for (k, v) in [("linger.ms", "50"), ("batch.num.messages", "100000")] {
        if !cfg.properties.contains_key(k) {
            config.set(k, v);
        }
    }
    config
        .create_with_context(tally)
        .map_err(KafkaError::client("creating producer"))
}

/// Queues the spec's records, at its rate if it has one, until all are queued or
/// the run is cancelled.
fn queue_all(
    cfg: &Resolved,
    spec: &BulkSpec,
    progress: &BulkProgress,
    producer: &ThreadedProducer<DeliveryTally>,
    start: Instant,
    run_start: Instant,
) -> Result<(), KafkaError> {
    let mut scratch = EventScratch::new();
    let mut key = itoa::Buffer::new();
    let mut now = EventTime::now();
    let mut now_refreshed = Instant::now();
    for i in 0..spec.count {
        if progress.cancel.load(Ordering::Relaxed) {
            break;
        }
        if let Some(rate) = spec.rate {
            if !wait_for_turn(i, rate, run_start, progress) {
                break;
            }
        }
        // Millisecond timestamps: refresh the clock reading at most once per ms.
        if now_refreshed.elapsed() >= Duration::from_millis(1) {
            now = EventTime::now();
            now_refreshed = Instant::now();
        }
        let (kind, id_offset) = spec.kind.event_at(i);
        let id = spec.start_id.wrapping_add(id_offset as i64);
        let value = scratch.encode(kind, id, now);
        let key = key.format(id);
        let queued_at_us = start.elapsed().as_micros() as usize;
        let record = BaseRecord::with_opaque_to(cfg.topic_for(kind), queued_at_us)
            .key(key)
            .payload(value);
        match queue_waiting(
            producer,
            record,
            Duration::from_micros(200),
            &progress.cancel,
        ) {
            Ok(()) => {}
            Err(_) if progress.cancel.load(Ordering::Relaxed) => break,
            Err(e) => {
                return Err(KafkaError::Client {
                    context: "queueing a record",
                    source: e,
                })
            }
        }
        progress.queued.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Sleeps until record `i` is due at `rate` per second, in short slices so a
/// cancel is seen at any rate. False when the run was cancelled.
fn wait_for_turn(i: u64, rate: f64, run_start: Instant, progress: &BulkProgress) -> bool {
    let offset = Duration::try_from_secs_f64(i as f64 / rate).unwrap_or(Duration::MAX);
    let due = run_start.checked_add(offset);
    while let Some(wait) = due.map(|d| d.saturating_duration_since(Instant::now())) {
        if wait.is_zero() || progress.cancel.load(Ordering::Relaxed) {
            break;
        }
        std::thread::sleep(wait.min(Duration::from_millis(100)));
    }
    !progress.cancel.load(Ordering::Relaxed)
}

/// The run's outcome from the tallies, with the cluster's word on why records
/// failed when some did.
fn report(
    cfg: &Resolved,
    spec: &BulkSpec,
    progress: &BulkProgress,
    producer: &ThreadedProducer<DeliveryTally>,
    needed: &[&str],
    elapsed: Duration,
) -> BulkReport {
    let mut tallies = std::mem::take(
        &mut *producer
            .context()
            .tallies
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    let delivered = progress.delivered.load(Ordering::Relaxed);
    let failed = progress.failed.load(Ordering::Relaxed);
    let unconfirmed = progress
        .queued
        .load(Ordering::Relaxed)
        .saturating_sub(delivered + failed);
    let cause = if failed + unconfirmed > 0 {
        diagnose(cfg, producer.client(), needed)
    } else {
        Vec::new()
    };
    let secs = elapsed.as_secs_f64();
    BulkReport {
        requested: spec.count,
        delivered,
        failed,
        unconfirmed,
        errors: tallies.errors,
        cause,
        per_topic: tallies.per_topic.into_iter().collect(),
        elapsed_ms: secs * 1000.0,
        events_per_sec: if secs > 0.0 {
            delivered as f64 / secs
        } else {
            0.0
        },
        latency_ms: latency_summary(&mut tallies.latencies_us),
    }
}

/// How long to wait for the last delivery reports: the producer's message timeout
/// (ours, or the user's `message.timeout.ms` / `delivery.timeout.ms`) and a margin
/// for a request in flight.
fn flush_timeout(cfg: &Resolved) -> Duration {
    let configured = ["message.timeout.ms", "delivery.timeout.ms"]
        .iter()
        .find_map(|k| cfg.properties.get(*k))
        .and_then(|v| v.value().parse::<u64>().ok())
        .map(Duration::from_millis);
    configured.unwrap_or(super::publisher::DELIVERY_TIMEOUT) + Duration::from_secs(5)
}

/// Why deliveries failed, from the cluster's metadata now: brokers down and the
/// topics' partitions that cannot take `acks=all` writes.
fn diagnose<C: rdkafka::client::ClientContext>(
    cfg: &Resolved,
    client: &rdkafka::client::Client<C>,
    topics: &[&str],
) -> Vec<String> {
    let md = match client.fetch_metadata(None, super::client::METADATA_TIMEOUT) {
        Ok(md) => md,
        Err(e) => {
            return vec![format!(
                "cannot reach the cluster at {}: {}",
                cfg.bootstrap_servers,
                describe(&e)
            )]
        }
    };
    let brokers = super::poller::broker_infos(&md);
    let mut infos: Vec<_> = md
        .topics()
        .iter()
        .filter(|t| topics.contains(&t.name()))
        .map(super::poller::topic_info)
        .collect();
    let (_, errors) =
        super::topics::MinIsrReader::new(cfg).fill(&mut infos, super::client::METADATA_TIMEOUT);
    for e in errors {
        tracing::warn!(error = %e, "bulk: cannot read min.insync.replicas");
    }
    super::health::write_problems(&brokers, &infos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_runs_created_read_deleted_per_id() {
        let seq: Vec<_> = (0..6).map(|i| BulkType::Mixed.event_at(i)).collect();
        assert_eq!(
            seq,
            vec![
                (EventKind::Created, 0),
                (EventKind::Read, 0),
                (EventKind::Deleted, 0),
                (EventKind::Created, 1),
                (EventKind::Read, 1),
                (EventKind::Deleted, 1),
            ]
        );
        assert_eq!(BulkType::Read.event_at(5), (EventKind::Read, 5));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut l: Vec<u32> = (1..=100).rev().map(|ms| ms * 1000).collect();
        let s = latency_summary(&mut l);
        assert_eq!((s.p50, s.p99, s.max), (50.0, 99.0, 100.0));
        let mut one = vec![1500];
        let s = latency_summary(&mut one);
        assert_eq!((s.p50, s.p99, s.max), (1.5, 1.5, 1.5));
        assert_eq!(latency_summary(&mut []).max, 0.0);
    }

    #[test]
    fn scratch_encodes_valid_events_without_stale_fields() {
        let mut s = EventScratch::new();
        let now = EventTime::parse("2026-11-24T10:15:30.123").unwrap();
        let long = s.encode(EventKind::Created, 123456, now).to_vec();
        let short = s.encode(EventKind::Created, 7, now).to_vec();
        assert_eq!(
            String::from_utf8(short).unwrap(),
            r#"{"messageId":7,"senderId":8,"receiverId":1002,"content":"bulk test message 7","createdAt":"2026-11-24T10:15:30.123"}"#
        );
        let back = MessageEvent::decode(EventKind::Created, &long).unwrap();
        assert_eq!(back.message_id(), 123456);
        let read = s.encode(EventKind::Read, 7, now).to_vec();
        assert_eq!(
            String::from_utf8(read).unwrap(),
            r#"{"messageId":7,"receiverId":1002,"readAt":"2026-11-24T10:15:30.123"}"#
        );
    }
}

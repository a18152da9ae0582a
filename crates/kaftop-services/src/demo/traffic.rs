//! The demo's traffic generator: a believable message-service day. Messages are
//! created at a rate that swells and ebbs with bursts; most are read a few seconds
//! later, some deleted; a few users are VIPs; now and then a poison record (not
//! JSON, a missing field, a wrong type) goes out so the dead-letter topics have
//! something to show.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use serde::Serialize;

use kaftop_core::config::Resolved;
use kaftop_core::events::{
    EventKind, EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};
use kaftop_core::kafka::publisher::{producer_config, queue_waiting};
use kaftop_core::kafka::KafkaError;
use kaftop_core::worker::FlagWorker;

#[derive(Debug, Clone)]
pub struct TrafficOptions {
    /// Mean created events per second (reads and deletes follow them).
    pub rate: f64,
    pub vip_user_ids: Vec<i64>,
    /// One poison record per this many events (0: none).
    pub poison_every: u64,
    pub seed: u64,
}

/// Delivered records per topic, counted from delivery reports.
#[derive(Debug, Default)]
pub struct TrafficStats {
    /// Valid events delivered, per kind (created, read, deleted).
    pub delivered: [AtomicU64; 3],
    /// Poison records delivered, per kind of the topic they went to.
    pub poison: [AtomicU64; 3],
    pub failed: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrafficTotals {
    pub delivered: [u64; 3],
    pub poison: [u64; 3],
    pub failed: u64,
}

impl TrafficStats {
    pub fn totals(&self) -> TrafficTotals {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        TrafficTotals {
            delivered: [
                l(&self.delivered[0]),
                l(&self.delivered[1]),
                l(&self.delivered[2]),
            ],
            poison: [l(&self.poison[0]), l(&self.poison[1]), l(&self.poison[2])],
            failed: l(&self.failed),
        }
    }
}

impl TrafficTotals {
    /// Records (valid and poison) that reached the topic of `kind`.
    pub fn records(&self, kind: EventKind) -> u64 {
        self.delivered[kind as usize] + self.poison[kind as usize]
    }
}

struct Tally(Arc<TrafficStats>);

impl ClientContext for Tally {}

impl ProducerContext for Tally {
    /// `kind * 2 + poison`.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, tag: usize) {
        let (kind, poison) = (tag / 2, tag % 2 == 1);
        match result {
            Ok(_) if poison => {
                self.0.poison[kind].fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => {
                self.0.delivered[kind].fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                tracing::warn!(error = %e, "demo traffic delivery failed");
                self.0.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The rate multiplier at `t` seconds: a two-minute swell with a burst every 90 s.
pub fn rate_factor(t: f64) -> f64 {
    let swell = 0.6 + 0.4 * (t * std::f64::consts::TAU / 120.0).sin();
    let burst = if t % 90.0 >= 60.0 && t % 90.0 < 66.0 {
        3.0
    } else {
        1.0
    };
    swell * burst
}

/// A follow-up event due later: (due ms, kind, message id, sender, receiver).
type Due = Reverse<(u64, u8, i64, i64, i64)>;

/// The running generator; dropping it stops the generator as [`Traffic::stop`] does.
pub struct Traffic {
    pub stats: Arc<TrafficStats>,
    worker: FlagWorker,
}

impl Traffic {
    /// Stops generating, delivers what is queued, and returns the totals.
    pub fn stop(self) -> TrafficTotals {
        self.worker.stop();
        self.stats.totals()
    }
}

pub fn start(cfg: &Resolved, opts: TrafficOptions) -> Result<Traffic, KafkaError> {
    let stats = Arc::new(TrafficStats::default());
    let producer: ThreadedProducer<Tally> = producer_config(cfg)
        .set("linger.ms", "20")
        .create_with_context(Tally(stats.clone()))
        .map_err(KafkaError::client("creating the demo producer"))?;
    let topics = [
        cfg.topics.created.name.clone(),
        cfg.topics.read.name.clone(),
        cfg.topics.deleted.name.clone(),
    ];
    let worker = FlagWorker::try_spawn("kaftop-demo-traffic", move |stop| {
        generate(producer, topics, opts, stop)
    })
    .map_err(|e| KafkaError::Unreachable {
        bootstrap: "demo".into(),
        reason: format!("cannot start the traffic thread: {e}"),
    })?;
    Ok(Traffic { stats, worker })
}

const TICK: Duration = Duration::from_millis(50);

fn generate(
    producer: ThreadedProducer<Tally>,
    topics: [String; 3],
    opts: TrafficOptions,
    stop: Arc<AtomicBool>,
) {
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let start = Instant::now();
    let mut next_id = kaftop_core::events::fresh_message_id(chrono::Utc::now().timestamp_millis());
    let mut due: BinaryHeap<Due> = BinaryHeap::new();
    let mut owed = 0.0;
    let mut sent = 0u64;
    let mut buf = Vec::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        let tick_start = Instant::now();
        let t = start.elapsed().as_secs_f64();
        let now_ms = start.elapsed().as_millis() as u64;
        owed += opts.rate * rate_factor(t) * TICK.as_secs_f64();
        while owed >= 1.0 {
            owed -= 1.0;
            next_id += 1;
            let vip = !opts.vip_user_ids.is_empty() && rng.u32(0..50) == 0;
            let sender = if vip {
                opts.vip_user_ids[rng.usize(0..opts.vip_user_ids.len())]
            } else {
                rng.i64(1..=500)
            };
            let receiver = rng.i64(501..=1000);
            let ev = MessageEvent::Created(MessageCreatedEvent {
                message_id: next_id,
                sender_id: sender,
                receiver_id: receiver,
                content: format!("hello from {sender} ({})", next_id % 1000),
                created_at: EventTime::now(),
            });
            send(&producer, &topics, &ev, &mut buf, &stop);
            if rng.f64() < 0.85 {
                let at = now_ms + rng.u64(500..5000);
                due.push(Reverse((at, 1, next_id, sender, receiver)));
            }
            if rng.f64() < 0.15 {
                let at = now_ms + rng.u64(5000..30_000);
                due.push(Reverse((at, 2, next_id, sender, receiver)));
            }
            sent += 1;
            if opts.poison_every > 0 && sent % opts.poison_every == 0 {
                send_poison(&producer, &topics, rng.usize(0..3), rng.u8(0..3), &stop);
            }
        }
        while due.peek().is_some_and(|Reverse(d)| d.0 <= now_ms) {
            let Some(Reverse((_, kind, id, sender, receiver))) = due.pop() else {
                break;
            };
            let ev = if kind == 1 {
                MessageEvent::Read(MessageReadEvent {
                    message_id: id,
                    receiver_id: receiver,
                    read_at: EventTime::now(),
                })
            } else {
                MessageEvent::Deleted(MessageDeletedEvent {
                    message_id: id,
                    sender_id: sender,
                    receiver_id: receiver,
                    deleted_at: EventTime::now(),
                })
            };
            send(&producer, &topics, &ev, &mut buf, &stop);
        }
        if let Some(rest) = TICK.checked_sub(tick_start.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    // Follow-ups not yet due are dropped: the demo day ends here.
    if let Err(e) = producer.flush(Duration::from_secs(30)) {
        tracing::warn!(error = %e, "demo traffic: flush failed");
    }
}

fn send(
    producer: &ThreadedProducer<Tally>,
    topics: &[String; 3],
    ev: &MessageEvent,
    buf: &mut Vec<u8>,
    stop: &AtomicBool,
) {
    buf.clear();
    ev.encode_into(buf);
    let kind = ev.kind() as usize;
    let key = ev.message_id().to_string();
    queue(producer, &topics[kind], &key, buf, kind * 2, stop);
}

/// A record the services must dead-letter: `variant` picks not-JSON, a missing
/// field, or a wrong type.
fn send_poison(
    producer: &ThreadedProducer<Tally>,
    topics: &[String; 3],
    kind: usize,
    variant: u8,
    stop: &AtomicBool,
) {
    let value: &[u8] = match variant {
        0 => b"\x00\x01 not json at all",
        1 => br#"{"messageId":1}"#,
        _ => br#"{"messageId":"seven","senderId":1,"receiverId":2,"content":"x","readAt":"2026-11-24T10:00:00","createdAt":"2026-11-24T10:00:00","deletedAt":"2026-11-24T10:00:00"}"#,
    };
    queue(producer, &topics[kind], "poison", value, kind * 2 + 1, stop);
}

fn queue(
    producer: &ThreadedProducer<Tally>,
    topic: &str,
    key: &str,
    value: &[u8],
    tag: usize,
    stop: &AtomicBool,
) {
    let record = BaseRecord::with_opaque_to(topic, tag)
        .key(key)
        .payload(value);
    if let Err(e) = queue_waiting(producer, record, Duration::from_millis(5), stop) {
        tracing::warn!(error = %e, topic, "demo traffic: not queued");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_swells_and_bursts() {
        assert!((rate_factor(0.0) - 0.6).abs() < 1e-9);
        assert!((rate_factor(30.0) - 1.0).abs() < 1e-9);
        assert!((rate_factor(90.0) - 0.2).abs() < 1e-9);
        // Burst window 60..66 s of every 90.
        assert!(
            (rate_factor(61.0) / (0.6 + 0.4 * (61.0 * std::f64::consts::TAU / 120.0).sin()) - 3.0)
                .abs()
                < 1e-9
        );
        assert!(rate_factor(t_after_burst()) < 1.1);
    }

    fn t_after_burst() -> f64 {
        66.5
    }
}

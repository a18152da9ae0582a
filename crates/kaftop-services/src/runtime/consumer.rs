//! The consumer threads: poll a batch, process it (see `batch`), run the
//! after-commit effects, commit the offsets; on failure rewind and back off.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::batch::BatchProcessor;
use super::faults::{batch_fault, panic_message, store_fault};
use super::{lock, sleep_unless, Shared};
use crate::stats::Counters;
use crate::store::{BatchOutcome, Store, StoreError};
use crate::{commit_offsets, service_id, Backoff, RawRecord, ServiceName};
use kaftop_core::kafka::client::base_config;
use kaftop_core::kafka::record::header_pairs;

/// Why a consumer thread ended before it was told to stop.
#[derive(Debug, thiserror::Error)]
enum ConsumerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("creating consumer: {0}")]
    Create(RdError),
    #[error("subscribing to {topics:?}: {error}")]
    Subscribe { topics: Vec<String>, error: RdError },
    #[error(
        "cannot seek {topic} [{partition}] back to offset {offset} after a failed batch: {error}"
    )]
    Rewind {
        topic: String,
        partition: i32,
        offset: i64,
        error: RdError,
    },
}

/// Attempts at seeking a partition back before the consumer is recreated instead
/// (a new consumer starts at the committed offset, which is before the batch).
const SEEK_ATTEMPTS: u32 = 5;

/// A consumer that ran this long before failing starts its restart backoff afresh.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// One consumer's group membership, written by its rebalance callback.
#[derive(Default)]
pub(super) struct Membership {
    /// The partitions assigned now.
    pub(super) parts: Mutex<Vec<(String, i32)>>,
    /// The consumer's `client.id`.
    pub(super) client_id: String,
}

/// The `client.id` of consumer `idx` of service `s`, unless the config sets one.
pub(super) fn client_id(shared: &Shared, s: ServiceName, idx: u32) -> String {
    match shared.cfg.properties.get("client.id") {
        Some(v) => v.value().to_string(),
        // The process id tells two instances on one host apart (`services report`).
        None => format!("kaftop-{}-{idx}-{}", service_id(s), std::process::id()),
    }
}

pub(super) type Assignment = Arc<Membership>;

struct ServiceContext {
    assigned: Assignment,
    service: ServiceName,
}

impl ClientContext for ServiceContext {}

impl ConsumerContext for ServiceContext {
    fn post_rebalance(&self, _c: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                let parts: Vec<(String, i32)> = tpl
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_string(), e.partition()))
                    .collect();
                tracing::info!(service = service_id(self.service), ?parts, "assigned");
                *lock(&self.assigned.parts) = parts;
            }
            Rebalance::Revoke(_) => {
                lock(&self.assigned.parts).clear();
            }
            Rebalance::Error(e) => {
                tracing::warn!(service = service_id(self.service), error = %e, "rebalance error")
            }
        }
    }
}

fn consumer_config(shared: &Shared, s: ServiceName, idx: u32) -> ClientConfig {
    let mut c = base_config(&shared.cfg);
    c.set("group.id", shared.opts.group(s))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false");
    let session = shared.opts.session_timeout.as_millis().max(1000);
    let poll = shared.opts.max_poll_interval.as_millis().max(session);
    // Rebalances complete after every member's next heartbeat: keep it short.
    let heartbeat = (session / 10).clamp(100, 3000);
    for (k, v) in [
        ("client.id", client_id(shared, s, idx)),
        // A new group starts at the beginning: the services see the topics' history.
        ("auto.offset.reset", "earliest".to_string()),
        ("session.timeout.ms", session.to_string()),
        ("heartbeat.interval.ms", heartbeat.to_string()),
        ("max.poll.interval.ms", poll.to_string()),
        // librdkafka prefetches up to 100 000 records per partition and 64 MB per
        // consumer: with the seed's small events behind a backlog that held about
        // 100 MB per process. A batch is 500 records; 10 000 keep the next ready.
        ("queued.min.messages", "10000".to_string()),
        ("queued.max.messages.kbytes", "16384".to_string()),
    ] {
        if !shared.cfg.properties.contains_key(k) {
            c.set(k, v);
        }
    }
    c
}

fn raw_record<M: Message>(m: &M) -> RawRecord {
    let headers = header_pairs(m);
    RawRecord {
        topic: m.topic().to_string(),
        partition: m.partition(),
        offset: m.offset(),
        key: m.key().map(<[u8]>::to_vec),
        value: m.payload().map(<[u8]>::to_vec),
        headers,
    }
}

fn poll_batch(
    consumer: &BaseConsumer<ServiceContext>,
    shared: &Shared,
    s: ServiceName,
) -> Vec<RawRecord> {
    let mut out = Vec::new();
    let mut timeout = shared.opts.poll_timeout;
    while out.len() < shared.opts.batch_size.max(1) {
        match consumer.poll(timeout) {
            None => break,
            Some(Ok(m)) => out.push(raw_record(&m)),
            Some(Err(e)) => {
                shared.error(s, format!("poll: {e}"));
                if out.is_empty() {
                    // Do not spin on a persistent error.
                    std::thread::sleep(Duration::from_millis(200));
                }
                break;
            }
        }
        timeout = Duration::ZERO;
    }
    out
}

/// After the batch is stored: notifiers, the receipts feed and sinks, the archive
/// backup.
fn after_commit(shared: &Shared, s: ServiceName, outcome: BatchOutcome) {
    let c = shared.counters(s);
    for n in &outcome.notifications {
        for notifier in &shared.notifiers {
            if let Err(e) = notifier.send(n) {
                Counters::add(&c.notify_failures, 1);
                shared.error(s, format!("notifier {}: {e}", notifier.name()));
            }
        }
    }
    for r in outcome.receipts {
        shared.deliver_receipt(r);
    }
    if !outcome.archived.is_empty() {
        if let Some(b) = lock(&shared.backup).as_mut() {
            if let Err(e) = b.append(&outcome.archived) {
                shared.error(s, format!("archive backup {}: {e}", b.path().display()));
            }
        }
    }
}

fn commit(consumer: &BaseConsumer<ServiceContext>, batch: &[RawRecord]) -> Result<(), RdError> {
    let offsets = commit_offsets(
        batch
            .iter()
            .map(|r| (r.topic.as_str(), r.partition, r.offset)),
    );
    let mut tpl = TopicPartitionList::with_capacity(offsets.len());
    for ((t, p), o) in offsets {
        tpl.add_partition_offset(&t, p, Offset::Offset(o))?;
    }
    consumer.commit(&tpl, CommitMode::Sync)
}

/// Seeks each partition of a failed batch back to its first record, retrying a
/// failed seek. Skipping one would let the next batch's commit pass over records that
/// were never stored, so a seek that keeps failing on a partition still assigned is
/// an error: the consumer is then recreated without committing.
fn rewind(
    consumer: &BaseConsumer<ServiceContext>,
    batch: &[RawRecord],
    stop: &AtomicBool,
) -> Result<(), ConsumerError> {
    let mut first: BTreeMap<(&str, i32), i64> = BTreeMap::new();
    for r in batch {
        first
            .entry((r.topic.as_str(), r.partition))
            .and_modify(|o| *o = (*o).min(r.offset))
            .or_insert(r.offset);
    }
    for ((t, p), o) in first {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        while let Err(error) = consumer.seek(t, p, Offset::Offset(o), Duration::from_secs(5)) {
            // Revoked meanwhile: its new owner starts from the committed offset,
            // which is before this batch.
            if !still_assigned(consumer, t, p) || stop.load(Ordering::Relaxed) {
                break;
            }
            if backoff.attempts() >= SEEK_ATTEMPTS {
                return Err(ConsumerError::Rewind {
                    topic: t.to_string(),
                    partition: p,
                    offset: o,
                    error,
                });
            }
            tracing::warn!(topic = t, partition = p, error = %error, "seek back failed; retrying");
            sleep_unless(stop, backoff.next_delay());
        }
    }
    Ok(())
}

fn still_assigned(consumer: &BaseConsumer<ServiceContext>, topic: &str, partition: i32) -> bool {
    consumer
        .assignment()
        .map(|a| a.find_partition(topic, partition).is_some())
        // Not knowing is treated as assigned: retrying costs a little time, skipping
        // could lose records.
        .unwrap_or(true)
}

/// The body of a consumer thread: counted alive while it runs. A consumer that
/// panics or fails (its store cannot be opened, a seek-back keeps failing) is
/// reported and recreated after a backoff, until the thread is told to stop.
pub(super) fn consumer_thread(
    shared: Arc<Shared>,
    s: ServiceName,
    idx: u32,
    stop: Arc<AtomicBool>,
    assigned: Assignment,
) {
    let alive = shared.alive[&s].clone();
    alive.fetch_add(1, Ordering::SeqCst);
    let c = shared.counters(s);
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        // The consumer is dropped while unwinding: it leaves its group without
        // committing, so the batch in flight is polled again.
        let run = catch_unwind(AssertUnwindSafe(|| {
            run_consumer(&shared, s, idx, &stop, assigned.clone())
        }));
        lock(&assigned.parts).clear();
        match run {
            Ok(Ok(())) => break,
            Ok(Err(e)) => {
                let fault = match &e {
                    ConsumerError::Store(se) => store_fault(se),
                    _ => None,
                };
                match fault {
                    Some(f) => shared.stall(s, f, &e.to_string()),
                    None => shared.report_fault(s, format!("consumer {idx}: {e}; restarting")),
                }
            }
            Err(payload) => {
                Counters::add(&c.panics, 1);
                shared.report_fault(
                    s,
                    format!(
                        "consumer {idx} panicked: {}; restarting",
                        panic_message(payload.as_ref())
                    ),
                );
            }
        }
        if started.elapsed() >= HEALTHY_RUN {
            backoff.reset();
        }
        sleep_unless(&stop, backoff.next_delay());
        if !stop.load(Ordering::Relaxed) {
            Counters::add(&c.restarts, 1);
        }
    }
    alive.fetch_sub(1, Ordering::SeqCst);
}

fn run_consumer(
    shared: &Shared,
    s: ServiceName,
    idx: u32,
    stop: &AtomicBool,
    assigned: Assignment,
) -> Result<(), ConsumerError> {
    let mut store = Store::connect(&shared.opts.store)?;
    let consumer: BaseConsumer<ServiceContext> = consumer_config(shared, s, idx)
        .create_with_context(ServiceContext {
            assigned: assigned.clone(),
            service: s,
        })
        .map_err(ConsumerError::Create)?;
    let topics = shared.topics(s);
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    if let Err(error) = consumer.subscribe(&refs) {
        return Err(ConsumerError::Subscribe { topics, error });
    }
    tracing::info!(service = service_id(s), idx, group = %shared.opts.group(s), "consumer started");

    let c = shared.counters(s);
    let pause = |d| sleep_unless(stop, d);
    let processor = BatchProcessor {
        service: s,
        kinds: &shared.kinds,
        max_record_bytes: shared.opts.max_record_bytes,
        vips: &shared.opts.vip_user_ids,
        dlq: &shared.dlq,
        counters: c,
        stop,
        pause: &pause,
        dead_unstored: Default::default(),
    };
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    while !stop.load(Ordering::Relaxed) {
        let batch = poll_batch(&consumer, shared, s);
        if batch.is_empty() {
            continue;
        }
        if let Some(hook) = &shared.opts.before_batch {
            hook(s, &batch);
        }
        match processor.process(&mut store, &batch) {
            Ok(outcome) => {
                shared.resume(s);
                after_commit(shared, s, outcome);
                backoff.reset();
                if let Err(e) = commit(&consumer, &batch) {
                    // The batch is stored; a redelivery will be deduplicated.
                    Counters::add(&c.commit_failures, 1);
                    shared.error(s, format!("offset commit: {e}"));
                }
            }
            Err(e) => {
                Counters::add(&c.retries, 1);
                // Lock contention (another process writing) or a failure to look at.
                tracing::debug!(
                    service = service_id(s),
                    busy = e.is_busy(),
                    "rewinding a batch"
                );
                match batch_fault(&e) {
                    Some(fault) => shared.stall(s, fault, &e.to_string()),
                    None => shared.error(s, format!("batch will be retried: {e}")),
                }
                rewind(&consumer, &batch, stop)?;
                sleep_unless(stop, backoff.next_delay());
            }
        }
    }
    lock(&assigned.parts).clear();
    tracing::info!(service = service_id(s), idx, "consumer leaving its group");
    // Dropping the consumer closes it: it leaves the group at once.
    drop(consumer);
    Ok(())
}

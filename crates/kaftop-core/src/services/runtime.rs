//! The runtime the four services share: consumer threads (one `BaseConsumer` each),
//! batch processing, the DLQ producer, offset commits, and a maintenance thread
//! (expired read receipts, purge, rate samples).
//!
//! A consumer thread loops: poll a batch (up to `batch_size` records, waiting at most
//! `poll_timeout` for the first), decode it, produce its poison records to their DLQ
//! and wait for the acks, store the batch in one transaction (retrying "database busy"
//! with backoff), run the after-commit effects (notifiers, feeds, backup), then commit
//! the offsets synchronously. If a batch cannot be stored or dead-lettered, the thread
//! seeks its partitions back to the batch's first offsets, backs off (bounded), and
//! polls again, so nothing is skipped and the consumer keeps polling (it never exceeds
//! `max.poll.interval.ms` while waiting). Stopping finishes the batch in flight,
//! commits, and closes the consumer, which leaves the group.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::{DeliveryResult, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::archive::Backup;
use super::notification::{FeedNotifier, Notifier, PushNotification};
use super::read_receipt::{PendingReceipt, ReadReceipt};
use super::stats::{Counters, Feed, RateWindow, ServiceSnapshot, ServiceState, ServicesSnapshot};
use super::store::{Item, Store};
use super::{
    classify, commit_offsets, is_vip, service_id, subscriptions, Backoff, RawRecord, ServicesError,
    ServicesOptions, ALL_SERVICES, DLQ_MAX_VALUE, HEADER_ERROR, HEADER_SERVICE,
    HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION, HEADER_SOURCE_TOPIC, HEADER_TRUNCATED_FROM,
};
use crate::config::Resolved;
use crate::events::{dlq_topic, EventKind, MessageEvent};
use crate::kafka::client::{
    base_config, log_client_error, require_topics, Diagnosis, KafkaError, METADATA_TIMEOUT,
};
use crate::kafka::publisher::{producer_config, queue_waiting};
use crate::services::ServiceName;

/// How long a DLQ produce may take before the batch is retried.
const DLQ_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts at storing a batch while the database is busy before the batch is
/// rewound and retried later.
const BUSY_ATTEMPTS: u32 = 8;
/// The maintenance thread's tick.
const TICK: Duration = Duration::from_millis(250);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sleeps up to `d`, waking early when `stop` is set.
fn sleep_unless(stop: &AtomicBool, d: Duration) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= end {
            break;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

// ---------------------------------------------------------------------------------
// DLQ producer

struct Ack {
    idx: usize,
    tx: mpsc::SyncSender<(usize, Result<(), String>)>,
}

struct DlqContext {
    diagnosis: Diagnosis,
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
            Err((e, _)) => Err(e.to_string()),
        };
        // The waiter may have given up (timeout); nothing to do then.
        let _ = ack.tx.send((ack.idx, r));
    }
}

/// A record bound for `<source topic>.dlq`.
struct DeadLetter<'a> {
    source: &'a RawRecord,
    error: &'a str,
    service: ServiceName,
}

struct DlqProducer {
    producer: ThreadedProducer<DlqContext>,
    /// Partition counts of the DLQ topics: a dead letter goes to the partition number
    /// of its source record when the DLQ topic has it (as Spring's
    /// `DeadLetterPublishingRecoverer` does), else where its key hashes.
    partitions: HashMap<String, i32>,
}

impl DlqProducer {
    fn new(cfg: &Resolved) -> Result<Self, KafkaError> {
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

    /// Produces every record and waits for all acknowledgements.
    fn produce(&self, records: &[DeadLetter<'_>], stop: &AtomicBool) -> Result<(), String> {
        if records.is_empty() {
            return Ok(());
        }
        let (tx, rx) = mpsc::sync_channel(records.len());
        for (idx, d) in records.iter().enumerate() {
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
                .is_some_and(|&n| d.source.partition < n)
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
            if let Err(e) = queue_waiting(&self.producer, rec, Duration::from_millis(10), stop) {
                return Err(if stop.load(Ordering::Relaxed) {
                    "stopping with the producer queue full".into()
                } else {
                    format!("producing to {topic}: {e}")
                });
            }
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
                    if let Err(e) = r {
                        failure.get_or_insert(format!(
                            "dead-lettering {} offset {}: {e}",
                            records[idx].source.topic, records[idx].source.offset
                        ));
                    }
                }
                Err(_) => {
                    return Err(format!(
                        "{} of {} dead-letter records not acknowledged in time",
                        records.len() - acked,
                        records.len()
                    ))
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn flush(&self) {
        let _ = self.producer.flush(Duration::from_secs(5));
    }
}

// ---------------------------------------------------------------------------------
// Shared state

/// One consumer's group membership, written by its rebalance callback.
#[derive(Default)]
struct Membership {
    /// The partitions assigned now.
    parts: Mutex<Vec<(String, i32)>>,
}

type Assignment = Arc<Membership>;

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

/// One consumer thread of a running service.
struct Member {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    membership: Assignment,
}

struct Running {
    members: Vec<Member>,
}

impl Running {
    /// Stops every member at once: each finishes its batch, commits and leaves the
    /// group; returns when all have.
    fn stop(self) {
        for m in &self.members {
            m.stop.store(true, Ordering::SeqCst);
        }
        for m in self.members {
            let _ = m.thread.join();
        }
    }
}

struct Shared {
    cfg: Resolved,
    opts: ServicesOptions,
    kinds: HashMap<String, EventKind>,
    dlq: DlqProducer,
    counters: BTreeMap<ServiceName, Arc<Counters>>,
    alive: BTreeMap<ServiceName, Arc<AtomicUsize>>,
    notifiers: Vec<Arc<dyn Notifier>>,
    notifications: Arc<Feed<PushNotification>>,
    receipts: Arc<Feed<ReadReceipt>>,
    reader: Mutex<Store>,
    rates: Mutex<BTreeMap<ServiceName, RateWindow>>,
    last_error: Mutex<BTreeMap<ServiceName, String>>,
    running: Mutex<BTreeSet<ServiceName>>,
    next_purge: Mutex<Option<DateTime<Utc>>>,
    backup: Mutex<Option<Backup>>,
}

impl Shared {
    fn counters(&self, s: ServiceName) -> &Counters {
        &self.counters[&s]
    }

    fn error(&self, s: ServiceName, msg: String) {
        tracing::warn!(service = service_id(s), error = %msg);
        lock(&self.last_error).insert(s, msg);
    }

    fn topics(&self, s: ServiceName) -> Vec<String> {
        subscriptions(s)
            .iter()
            .map(|k| self.cfg.topic_for(*k).to_string())
            .collect()
    }

    fn consumer_config(&self, s: ServiceName, idx: u32) -> ClientConfig {
        let mut c = base_config(&self.cfg);
        c.set("group.id", self.opts.group(s))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false");
        let session = self.opts.session_timeout.as_millis().max(1000);
        let poll = self.opts.max_poll_interval.as_millis().max(session);
        // Rebalances complete after every member's next heartbeat: keep it short.
        let heartbeat = (session / 10).clamp(100, 3000);
        for (k, v) in [
            ("client.id", format!("kaftop-{}-{idx}", service_id(s))),
            // A new group starts at the beginning: the services see the topics' history.
            ("auto.offset.reset", "earliest".to_string()),
            ("session.timeout.ms", session.to_string()),
            ("heartbeat.interval.ms", heartbeat.to_string()),
            ("max.poll.interval.ms", poll.to_string()),
        ] {
            if !self.cfg.properties.contains_key(k) {
                c.set(k, v);
            }
        }
        c
    }
}

// ---------------------------------------------------------------------------------
// Consumer threads

fn raw_record<M: Message>(m: &M) -> RawRecord {
    let headers = m
        .headers()
        .map(|h| {
            h.iter()
                .map(|x| (x.key.to_string(), x.value.map(<[u8]>::to_vec)))
                .collect()
        })
        .unwrap_or_default();
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

/// Stores one batch: DLQ first, then one transaction, then after-commit effects.
fn process_batch(
    shared: &Shared,
    s: ServiceName,
    store: &mut Store,
    batch: &[RawRecord],
    stop: &AtomicBool,
) -> Result<(), String> {
    let opts = &shared.opts;
    let decoded: Vec<Result<MessageEvent, String>> = batch
        .iter()
        .map(|r| match shared.kinds.get(&r.topic) {
            Some(&k) => classify(k, r.value.as_deref(), opts.max_record_bytes),
            None => Err(format!("record from unexpected topic {}", r.topic)),
        })
        .collect();

    // Poison records: to the DLQ (unless an earlier delivery already put them there).
    let mut dead = Vec::new();
    for (raw, d) in batch.iter().zip(&decoded) {
        if let Err(error) = d {
            let done = store
                .already_dead_lettered(s, raw)
                .map_err(|e| e.to_string())?;
            if !done {
                dead.push(DeadLetter {
                    source: raw,
                    error,
                    service: s,
                });
            }
        }
    }
    shared.dlq.produce(&dead, stop)?;

    let items: Vec<Item<'_>> = batch
        .iter()
        .zip(&decoded)
        .map(|(raw, d)| match d {
            Ok(event) => Item::Event {
                event,
                vip: is_vip(event, &opts.vip_user_ids),
                raw,
            },
            Err(error) => Item::Poison { raw, error },
        })
        .collect();

    let c = shared.counters(s);
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
    let mut busy_retries = 0u64;
    let outcome = loop {
        match store.apply_batch(s, &items, &opts.vip_user_ids, busy_retries, Utc::now()) {
            Ok(o) => break o,
            Err(e) if e.is_busy() && backoff.attempts() < BUSY_ATTEMPTS => {
                busy_retries += 1;
                Counters::add(&c.retries, 1);
                sleep_unless(stop, backoff.next_delay());
                if stop.load(Ordering::Relaxed) {
                    return Err(format!("stopping while the store is busy: {e}"));
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    };

    Counters::add(&c.consumed, outcome.consumed);
    Counters::add(&c.processed, outcome.processed);
    Counters::add(&c.dead_lettered, outcome.dead_lettered);
    Counters::add(&c.dedupe_hits, outcome.dedupe_hits);
    Counters::add(&c.retries, outcome.parked);

    for n in &outcome.notifications {
        for notifier in &shared.notifiers {
            if let Err(e) = notifier.send(n) {
                Counters::add(&c.notify_failures, 1);
                shared.error(s, format!("notifier {}: {e}", notifier.name()));
            }
        }
    }
    for r in outcome.receipts {
        shared.receipts.push(r);
    }
    if !outcome.archived.is_empty() {
        if let Some(b) = lock(&shared.backup).as_mut() {
            if let Err(e) = b.append(&outcome.archived) {
                shared.error(s, format!("archive backup {}: {e}", b.path().display()));
            }
        }
    }
    Ok(())
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

/// Seeks each partition of a failed batch back to its first record.
fn rewind(consumer: &BaseConsumer<ServiceContext>, batch: &[RawRecord]) {
    let mut first: BTreeMap<(&str, i32), i64> = BTreeMap::new();
    for r in batch {
        first
            .entry((r.topic.as_str(), r.partition))
            .and_modify(|o| *o = (*o).min(r.offset))
            .or_insert(r.offset);
    }
    for ((t, p), o) in first {
        // Fails when the partition was revoked meanwhile: its new owner starts from
        // the committed offset, which is before this batch.
        if let Err(e) = consumer.seek(t, p, Offset::Offset(o), Duration::from_secs(5)) {
            tracing::debug!(topic = t, partition = p, error = %e, "seek back failed");
        }
    }
}

fn consumer_thread(
    shared: Arc<Shared>,
    s: ServiceName,
    idx: u32,
    stop: Arc<AtomicBool>,
    assigned: Assignment,
) {
    let alive = shared.alive[&s].clone();
    alive.fetch_add(1, Ordering::SeqCst);
    if let Err(e) = run_consumer(&shared, s, idx, &stop, assigned) {
        shared.error(s, e);
    }
    alive.fetch_sub(1, Ordering::SeqCst);
}

fn run_consumer(
    shared: &Shared,
    s: ServiceName,
    idx: u32,
    stop: &AtomicBool,
    assigned: Assignment,
) -> Result<(), String> {
    let mut store = Store::open(&shared.opts.store_path).map_err(|e| e.to_string())?;
    let consumer: BaseConsumer<ServiceContext> = shared
        .consumer_config(s, idx)
        .create_with_context(ServiceContext {
            assigned: assigned.clone(),
            service: s,
        })
        .map_err(|e| format!("creating consumer: {e}"))?;
    let topics = shared.topics(s);
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&refs)
        .map_err(|e| format!("subscribing to {topics:?}: {e}"))?;
    tracing::info!(service = service_id(s), idx, group = %shared.opts.group(s), "consumer started");

    let c = shared.counters(s);
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    while !stop.load(Ordering::Relaxed) {
        let batch = poll_batch(&consumer, shared, s);
        if batch.is_empty() {
            continue;
        }
        match process_batch(shared, s, &mut store, &batch, stop) {
            Ok(()) => {
                backoff.reset();
                if let Err(e) = commit(&consumer, &batch) {
                    // The batch is stored; a redelivery will be deduplicated.
                    Counters::add(&c.commit_failures, 1);
                    shared.error(s, format!("offset commit: {e}"));
                }
            }
            Err(e) => {
                Counters::add(&c.retries, 1);
                shared.error(s, format!("batch will be retried: {e}"));
                rewind(&consumer, &batch);
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

// ---------------------------------------------------------------------------------
// Maintenance: expired receipts, purge, rates

fn maintenance(shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let mut store = match Store::open(&shared.opts.store_path) {
        Ok(s) => s,
        Err(e) => {
            shared.error(ServiceName::ReadReceipt, format!("maintenance: {e}"));
            return;
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let now = Utc::now();
        if lock(&shared.running).contains(&ServiceName::ReadReceipt) {
            if let Err(e) = sweep_receipts(&shared, &mut store, now, &stop) {
                shared.error(ServiceName::ReadReceipt, e);
            }
        }
        let due = lock(&shared.next_purge).is_none_or(|t| now >= t);
        if due {
            match store.purge(now, shared.opts.dedupe_retention) {
                Ok(p) => {
                    if p.archived > 0 || p.dedupe > 0 {
                        tracing::info!(archived = p.archived, dedupe = p.dedupe, "purged");
                    }
                }
                Err(e) => shared.error(ServiceName::Archive, format!("purge: {e}")),
            }
            let next = now
                + TimeDelta::from_std(shared.opts.purge_interval).unwrap_or(TimeDelta::hours(1));
            *lock(&shared.next_purge) = Some(next);
        }
        sample_rates(&shared);
        sleep_unless(&stop, TICK);
    }
}

fn sweep_receipts(
    shared: &Shared,
    store: &mut Store,
    now: DateTime<Utc>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let s = ServiceName::ReadReceipt;
    let c = shared.counters(s);
    let resolved = store
        .resolve_indexed(&shared.opts.vip_user_ids, now)
        .map_err(|e| e.to_string())?;
    Counters::add(&c.processed, resolved.len() as u64);
    for r in resolved {
        shared.receipts.push(r);
    }
    let window = TimeDelta::from_std(shared.opts.receipt_retry_window).unwrap_or(TimeDelta::MAX);
    let cutoff = now
        .checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let expired: Vec<PendingReceipt> = store.expired_receipts(cutoff).map_err(|e| e.to_string())?;
    for p in expired {
        let error = format!(
            "unknown message: no created event for messageId {} was indexed within {}",
            p.message_id,
            humantime::format_duration(shared.opts.receipt_retry_window)
        );
        shared.dlq.produce(
            &[DeadLetter {
                source: &p.source,
                error: &error,
                service: s,
            }],
            stop,
        )?;
        if store.finish_expired(&p).map_err(|e| e.to_string())? {
            Counters::add(&c.dead_lettered, 1);
        }
    }
    Ok(())
}

fn sample_rates(shared: &Shared) {
    let now = Instant::now();
    let mut rates = lock(&shared.rates);
    for s in ALL_SERVICES {
        let v = shared.counters(s).processed.load(Ordering::Relaxed);
        rates
            .entry(s)
            .or_insert_with(|| RateWindow::new(Duration::from_secs(5)))
            .sample(now, v);
    }
}

// ---------------------------------------------------------------------------------
// The handle

/// The running services. Dropping it stops them like [`ServicesHandle::shutdown`].
pub struct ServicesHandle {
    shared: Arc<Shared>,
    running: Mutex<BTreeMap<ServiceName, Running>>,
    maintenance: Mutex<Option<(Arc<AtomicBool>, JoinHandle<()>)>>,
}

impl std::fmt::Debug for ServicesHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicesHandle")
            .field("running", &lock(&self.shared.running))
            .finish_non_exhaustive()
    }
}

pub(super) fn start(
    cfg: &Resolved,
    opts: ServicesOptions,
    which: &[ServiceName],
) -> Result<ServicesHandle, ServicesError> {
    super::check_concurrency(opts.concurrency)
        .map_err(|e| ServicesError::Invalid(format!("concurrency {e}")))?;
    let which: Vec<ServiceName> = if which.is_empty() {
        ALL_SERVICES.to_vec()
    } else {
        which.to_vec()
    };
    let mut dlq = DlqProducer::new(cfg)?;
    // Fail fast, with a one-line reason, when the cluster or a topic is missing.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for s in &which {
        for k in subscriptions(*s) {
            let t = cfg.topic_for(*k);
            needed.insert(t.to_string());
            needed.insert(dlq_topic(t));
        }
    }
    let refs: Vec<&str> = needed.iter().map(String::as_str).collect();
    require_topics(
        dlq.producer.client(),
        &dlq.producer.context().diagnosis,
        &cfg.bootstrap_servers,
        &refs,
        &|| {},
    )?;
    for t in needed
        .iter()
        .filter(|t| t.ends_with(crate::events::DLQ_SUFFIX))
    {
        let md = dlq
            .producer
            .client()
            .fetch_metadata(Some(t), METADATA_TIMEOUT)
            .map_err(KafkaError::client("reading dead-letter topic metadata"))?;
        if let Some(mt) = md.topics().iter().find(|m| m.name() == t) {
            dlq.partitions
                .insert(t.clone(), mt.partitions().len() as i32);
        }
    }

    let reader = Store::open(&opts.store_path)?;
    let backup =
        match &opts.archive_backup {
            Some(p) => Some(Backup::open(p).map_err(|e| {
                ServicesError::Invalid(format!("archive backup {}: {e}", p.display()))
            })?),
            None => None,
        };
    let notifications = Arc::new(Feed::new(opts.feed_capacity));
    let receipts = Arc::new(Feed::new(opts.feed_capacity));
    let mut notifiers: Vec<Arc<dyn Notifier>> =
        vec![Arc::new(FeedNotifier::new(notifications.clone()))];
    notifiers.extend(opts.notifiers.iter().cloned());
    let kinds = EventKind::ALL
        .into_iter()
        .map(|k| (cfg.topic_for(k).to_string(), k))
        .collect();
    let shared = Arc::new(Shared {
        cfg: cfg.clone(),
        kinds,
        dlq,
        counters: ALL_SERVICES
            .into_iter()
            .map(|s| (s, Arc::new(Counters::default())))
            .collect(),
        alive: ALL_SERVICES
            .into_iter()
            .map(|s| (s, Arc::new(AtomicUsize::new(0))))
            .collect(),
        notifiers,
        notifications,
        receipts,
        reader: Mutex::new(reader),
        rates: Mutex::new(BTreeMap::new()),
        last_error: Mutex::new(BTreeMap::new()),
        running: Mutex::new(BTreeSet::new()),
        next_purge: Mutex::new(None),
        backup: Mutex::new(backup),
        opts,
    });

    let handle = ServicesHandle {
        shared: shared.clone(),
        running: Mutex::new(BTreeMap::new()),
        maintenance: Mutex::new(None),
    };
    for s in which {
        handle.start_service(s)?;
    }
    handle.ensure_maintenance()?;
    Ok(handle)
}

impl ServicesHandle {
    /// Starts the maintenance thread (expired receipts, purge) unless it runs.
    fn ensure_maintenance(&self) -> Result<(), ServicesError> {
        let mut slot = lock(&self.maintenance);
        if slot.is_some() {
            return Ok(());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, flag) = (self.shared.clone(), stop.clone());
        let t = std::thread::Builder::new()
            .name("svc-maintenance".into())
            .spawn(move || maintenance(shared, flag))
            .map_err(ServicesError::Thread)?;
        *slot = Some((stop, t));
        Ok(())
    }

    /// Starts a service's consumers (no-op when it runs already), and the
    /// maintenance thread if [`ServicesHandle::stop_all`] ended it.
    pub fn start_service(&self, s: ServiceName) -> Result<(), ServicesError> {
        self.ensure_maintenance()?;
        let mut running = lock(&self.running);
        if running.contains_key(&s) {
            return Ok(());
        }
        let mut members = Vec::new();
        for idx in 0..self.shared.opts.concurrency {
            let membership: Assignment = Arc::default();
            let stop = Arc::new(AtomicBool::new(false));
            let (shared, stop2, m2) = (self.shared.clone(), stop.clone(), membership.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("svc-{}-{idx}", service_id(s)))
                .spawn(move || consumer_thread(shared, s, idx, stop2, m2));
            match spawned {
                Ok(thread) => members.push(Member {
                    stop,
                    thread,
                    membership,
                }),
                Err(e) => {
                    Running { members }.stop();
                    return Err(ServicesError::Thread(e));
                }
            }
        }
        running.insert(s, Running { members });
        lock(&self.shared.running).insert(s);
        tracing::info!(service = service_id(s), "service started");
        Ok(())
    }

    /// Stops a service: its consumers finish their batch, commit and leave the group,
    /// all at once. Blocks until they have: about a poll timeout plus a batch.
    pub fn stop_service(&self, s: ServiceName) {
        let r = lock(&self.running).remove(&s);
        if let Some(r) = r {
            lock(&self.shared.running).remove(&s);
            r.stop();
            tracing::info!(service = service_id(s), "service stopped");
        }
    }

    /// Stops every service (in parallel) and the maintenance thread; for a handle
    /// shared behind an `Arc`. [`ServicesHandle::start_service`] starts both again.
    pub fn stop_all(&self) {
        let all: Vec<(ServiceName, Running)> = std::mem::take(&mut *lock(&self.running))
            .into_iter()
            .collect();
        lock(&self.shared.running).clear();
        std::thread::scope(|scope| {
            for (_, r) in all {
                scope.spawn(move || r.stop());
            }
        });
        if let Some((stop, t)) = lock(&self.maintenance).take() {
            stop.store(true, Ordering::SeqCst);
            let _ = t.join();
        }
        self.shared.dlq.flush();
    }

    /// Stops every service gracefully and returns the final snapshot.
    pub fn shutdown(self) -> ServicesSnapshot {
        self.stop_all();
        self.stats()
    }

    /// Group name of a service, as this handle's consumers join it.
    pub fn group(&self, s: ServiceName) -> String {
        self.shared.opts.group(s)
    }

    /// The services' state now. Reads a few rows from the store (milliseconds): call it
    /// from an I/O task, not the render path.
    pub fn stats(&self) -> ServicesSnapshot {
        let sh = &self.shared;
        sample_rates(sh);
        let running = lock(&self.running);
        let errors = lock(&sh.last_error).clone();
        let rates = lock(&sh.rates);
        let today = Utc::now().date_naive().to_string();
        let reader = lock(&sh.reader);
        let pending = reader.pending_receipts().unwrap_or(0);
        let services = ALL_SERVICES
            .into_iter()
            .map(|s| {
                let r = running.get(&s);
                let mut assigned: Vec<(String, i32)> = r
                    .map(|r| {
                        r.members
                            .iter()
                            .flat_map(|m| lock(&m.membership.parts).clone())
                            .collect()
                    })
                    .unwrap_or_default();
                assigned.sort();
                ServiceSnapshot {
                    name: s,
                    group: sh.opts.group(s),
                    topics: sh.topics(s),
                    state: if r.is_some() {
                        ServiceState::Running
                    } else {
                        ServiceState::Stopped
                    },
                    consumers: sh.alive[&s].load(Ordering::SeqCst),
                    assigned,
                    counters: sh.counters(s).values(),
                    pending: if s == ServiceName::ReadReceipt {
                        pending
                    } else {
                        0
                    },
                    processed_per_sec: rates.get(&s).map(RateWindow::rate).unwrap_or(0.0),
                    last_error: errors.get(&s).cloned(),
                }
            })
            .collect();
        ServicesSnapshot {
            taken_at: Utc::now(),
            services,
            notifications: sh.notifications.snapshot(),
            receipts: sh.receipts.snapshot(),
            today: reader.day(&today).unwrap_or_default(),
            archived: reader.archived_count().unwrap_or(0),
            next_purge: *lock(&sh.next_purge),
            last_purge: reader.last_purge().unwrap_or(None),
        }
    }

    /// The store's all-time report (same as `kaftop services report`).
    pub fn report(&self) -> Result<super::Report, ServicesError> {
        Ok(lock(&self.shared.reader).report()?)
    }

    /// Which services run now.
    pub fn running(&self) -> Vec<ServiceName> {
        lock(&self.running).keys().copied().collect()
    }

    /// VIP users, as configured.
    pub fn vip_user_ids(&self) -> &HashSet<i64> {
        &self.shared.opts.vip_user_ids
    }
}

impl Drop for ServicesHandle {
    fn drop(&mut self) {
        self.stop_all();
    }
}

//! The record at each lagging partition's committed offset: its timestamp is the age
//! of the oldest unconsumed record, the exact time lag.
//!
//! One consumer that joins no group is assigned every wanted (partition, offset) at
//! once, so librdkafka sends one Fetch per partition leader, and each partition is
//! paused as soon as its first record arrives. Outcomes are cached by (topic,
//! partition, offset): a refresh pays only for the committed offsets that moved. A
//! refresh reads at most [`ReadLimits::max_partitions`] offsets within
//! [`ReadLimits::budget`]; the rest are read by the next refreshes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::Message;
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use serde::Deserialize;

use super::admin::serve_events;
use super::client::{base_config, log_client_error, Diagnosis};
use super::snapshot::{CommittedRecord, RecordRead};
use super::KafkaError;
use crate::config::Resolved;

/// How much one refresh may spend on reading records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Offsets read (not answered from the cache) per refresh.
    pub max_partitions: usize,
    /// Wall-clock time per refresh.
    pub budget: Duration,
    /// Count the Fetch requests sent ([`CommittedRecordReader::fetch_requests`]),
    /// from librdkafka's statistics every 100 ms (for benchmarks: the statistics
    /// of every partition cost time to produce and parse).
    pub count_fetches: bool,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_partitions: 5_000,
            budget: Duration::from_millis(300),
            count_fetches: false,
        }
    }
}

/// A wanted record: (topic, partition, committed offset).
pub type RecordKey = (String, i32, i64);

/// Why a record was not read this refresh (not cached: the next refresh tries again).
const NOT_READ: &str = "not read yet (bounded per refresh)";

/// The reader's context: librdkafka's statistics give the Fetch requests sent.
#[derive(Clone, Default)]
struct ReaderContext {
    diagnosis: Diagnosis,
    fetches: Arc<Mutex<Option<u64>>>,
}

/// The part of librdkafka's statistics read here: requests sent per broker.
#[derive(Deserialize)]
struct RequestStats {
    brokers: HashMap<String, BrokerRequests>,
}

#[derive(Deserialize)]
struct BrokerRequests {
    #[serde(default)]
    req: HashMap<String, i64>,
}

impl ClientContext for ReaderContext {
    fn stats_raw(&self, statistics: &[u8]) {
        let Ok(stats) = serde_json::from_slice::<RequestStats>(statistics) else {
            return;
        };
        let sent: i64 = stats
            .brokers
            .values()
            .filter_map(|b| b.req.get("Fetch"))
            .sum();
        self.set_fetches(Some(sent.max(0) as u64));
    }

    fn error(&self, error: RdError, reason: &str) {
        log_client_error(&self.diagnosis, &error, reason);
    }
}

impl ConsumerContext for ReaderContext {}

impl ReaderContext {
    /// Fetch requests sent, as the latest statistics count them.
    fn fetches(&self) -> Option<u64> {
        *self.fetches_sent()
    }

    fn set_fetches(&self, sent: Option<u64>) {
        *self.fetches_sent() = sent;
    }

    fn fetches_sent(&self) -> MutexGuard<'_, Option<u64>> {
        self.fetches.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads records at committed offsets; owns its cache across refreshes, and its
/// consumer while refreshes need it.
///
/// The consumer is dropped after a refresh that fetched nothing (every offset
/// answered from the cache) and made again when one has to: librdkafka keeps a
/// partition object (~1 KB with its queues) for every partition of every topic
/// the consumer was ever assigned, ~30 MB at issue 20's 40 000 partitions with
/// 200 lagging groups, for as long as the consumer lives.
pub struct CommittedRecordReader {
    consumer: Option<BaseConsumer<ReaderContext>>,
    config: ClientConfig,
    context: ReaderContext,
    /// Fetch requests sent by the consumers dropped before this one.
    fetches_before: u64,
    cache: HashMap<RecordKey, RecordRead>,
    limits: ReadLimits,
}

/// What one [`CommittedRecordReader::read`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    pub records: Vec<CommittedRecord>,
    /// Offsets answered from the cache.
    pub cached: usize,
    /// Offsets fetched from the cluster.
    pub fetched: usize,
    /// Assignment rounds (one Fetch per leader each): a partition wanted at two
    /// offsets (two groups) takes two.
    pub rounds: usize,
}

impl CommittedRecordReader {
    pub fn new(cfg: &Resolved, limits: ReadLimits) -> Result<Self, KafkaError> {
        let mut config = base_config(cfg);
        // librdkafka wants a group id even to assign; assign() never joins it, and
        // nothing is ever committed.
        config
            .set("group.id", format!("kaftop-records-{}", std::process::id()))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            // A deleted offset is an error to report, not a jump to the log start.
            .set("auto.offset.reset", "error")
            // The record there, whatever became of its transaction.
            .set("isolation.level", "read_uncommitted")
            .set("enable.partition.eof", "true")
            // One record batch or so per partition, not megabytes of prefetch; no
            // refetch while the consumer queue holds anything (librdkafka measures
            // the queue all partitions share), and a quick retry once it is empty.
            .set("fetch.message.max.bytes", "16384")
            .set("queued.min.messages", "1")
            .set("fetch.queue.backoff.ms", "5")
            .set("fetch.wait.max.ms", "50");
        if limits.count_fetches {
            config.set("statistics.interval.ms", "100");
        }
        let context = ReaderContext::default();
        // Made now, so that a configuration librdkafka refuses fails here.
        let consumer = make_consumer(&config, &context)?;
        Ok(CommittedRecordReader {
            consumer: Some(consumer),
            config,
            context,
            fetches_before: 0,
            cache: HashMap::new(),
            limits,
        })
    }

    /// The consumer, made again if it was dropped; `None` (logged) when
    /// librdkafka refuses to make it.
    fn consumer(&mut self) -> Option<&BaseConsumer<ReaderContext>> {
        if self.consumer.is_none() {
            match make_consumer(&self.config, &self.context) {
                Ok(c) => self.consumer = Some(c),
                Err(e) => tracing::warn!("record reader: {e}"),
            }
        }
        self.consumer.as_ref()
    }

    /// Whether the reader holds a consumer now: not after a refresh that
    /// fetched nothing.
    pub fn holds_consumer(&self) -> bool {
        self.consumer.is_some()
    }

    /// Drops the consumer and what librdkafka holds for it, keeping the count
    /// of the Fetch requests it sent.
    fn drop_consumer(&mut self) {
        if let Some(consumer) = self.consumer.take() {
            serve_events(&consumer);
            self.fetches_before += self.context.fetches().unwrap_or(0);
            self.context.set_fetches(None);
        }
    }

    /// Fetch requests this reader has sent, as librdkafka's latest statistics
    /// (every 100 ms) count them; `None` before the first statistics, or when
    /// [`ReadLimits::count_fetches`] is off.
    pub fn fetch_requests(&self) -> Option<u64> {
        // Statistics arrive through the consumer's queue, served by a poll.
        if let Some(consumer) = &self.consumer {
            serve_events(consumer);
        }
        match self.context.fetches() {
            Some(n) => Some(self.fetches_before + n),
            None => (self.fetches_before > 0).then_some(self.fetches_before),
        }
    }

    /// The record at each wanted offset: from the cache, else read now. The cache
    /// keeps only what was wanted this time, so it stays as large as the lag is wide.
    pub fn read(&mut self, wanted: &[RecordKey]) -> ReadReport {
        let wanted_set: HashSet<&RecordKey> = wanted.iter().collect();
        self.cache.retain(|k, _| wanted_set.contains(k));
        let mut report = ReadReport::default();
        let mut misses: Vec<&RecordKey> = wanted_set
            .iter()
            .copied()
            .filter(|k| !self.cache.contains_key(*k))
            .collect();
        misses.sort();
        misses.truncate(self.limits.max_partitions);
        report.cached = wanted_set.len() - misses.len();
        report.fetched = misses.len();
        let deadline = Instant::now() + self.limits.budget;
        let mut left: Vec<RecordKey> = misses.into_iter().cloned().collect();
        if left.is_empty() {
            self.drop_consumer();
        }
        while !left.is_empty() && Instant::now() < deadline {
            let Some(consumer) = self.consumer() else {
                break;
            };
            let (round, later) = one_per_partition(left);
            left = later;
            report.rounds += 1;
            for (key, read) in read_round(consumer, &round, deadline) {
                self.cache.insert(key, read);
            }
        }
        let mut keys: Vec<&RecordKey> = wanted_set.into_iter().collect();
        keys.sort();
        report.records = keys
            .into_iter()
            .map(|k| CommittedRecord {
                topic: k.0.clone(),
                partition: k.1,
                offset: k.2,
                read: self.cache.get(k).cloned().unwrap_or(RecordRead::Missing {
                    reason: NOT_READ.into(),
                    later_ms: None,
                }),
            })
            .collect();
        report
    }
}

/// Assigns `round` (one offset per partition) to `consumer` and reads until each
/// partition gave its first record or the deadline passed. Returns the outcomes
/// worth caching: a record, or a gap at the offset.
fn read_round(
    consumer: &BaseConsumer<ReaderContext>,
    round: &[RecordKey],
    deadline: Instant,
) -> Vec<(RecordKey, RecordRead)> {
    let mut tpl = TopicPartitionList::new();
    for (t, p, o) in round {
        if tpl.add_partition_offset(t, *p, Offset::Offset(*o)).is_err() {
            return Vec::new();
        }
    }
    // Statistics and log events queued since the last read would hold the
    // first fetch back (see `queued.min.messages`): serve them first.
    serve_events(consumer);
    if let Err(e) = consumer.assign(&tpl) {
        tracing::warn!("record reader: assigning {} partitions: {e}", round.len());
        return Vec::new();
    }
    let mut pending: HashMap<(String, i32), i64> = round
        .iter()
        .map(|(t, p, o)| ((t.clone(), *p), *o))
        .collect();
    let mut out = Vec::with_capacity(round.len());
    // Ends of log reached per partition id: librdkafka's end-of-partition event
    // names no topic (see `settle_log_ends`).
    let mut log_ends: HashMap<i32, usize> = HashMap::new();
    while !pending.is_empty() {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let Some(polled) = consumer.poll(deadline - now) else {
            continue;
        };
        let (id, mut done) = match polled {
            Ok(m) => {
                let key = (m.topic().to_string(), m.partition());
                let read = pending.remove(&key).map(|wanted| {
                    let ts = m.timestamp().to_millis();
                    (key, wanted, outcome(wanted, m.offset(), ts))
                });
                (m.partition(), read.into_iter().collect::<Vec<_>>())
            }
            Err(RdError::PartitionEOF(p)) => {
                *log_ends.entry(p).or_default() += 1;
                (p, Vec::new())
            }
            Err(e) => {
                tracing::debug!("record reader: {e}");
                continue;
            }
        };
        done.extend(settle_log_ends(id, &mut pending, &mut log_ends));
        for ((topic, partition), wanted, read) in done {
            let mut one = TopicPartitionList::new();
            one.add_partition(&topic, partition);
            let _ = consumer.pause(&one);
            out.push(((topic, partition, wanted), read));
        }
    }
    release(consumer);
    out
}

/// Ends a round: resumes what was paused (librdkafka keeps a partition paused
/// across assignments, and the next round may want it again), then unassigns.
fn release(consumer: &BaseConsumer<ReaderContext>) {
    let resumed = consumer.assignment().and_then(|all| consumer.resume(&all));
    if let Err(e) = resumed.and_then(|_| consumer.unassign()) {
        tracing::warn!("record reader: releasing partitions: {e}");
    }
}

/// The reader's consumer, made from its configuration.
fn make_consumer(
    config: &ClientConfig,
    context: &ReaderContext,
) -> Result<BaseConsumer<ReaderContext>, KafkaError> {
    config
        .create_with_context(context.clone())
        .map_err(|source| KafkaError::Client {
            context: "creating the record reader",
            source,
        })
}

/// A partition read to its end without a record: its fetch held only transaction
/// markers or aborted records.
type Settled = ((String, i32), i64, RecordRead);

/// Settles the pending partitions with id `id` once as many of them reached the end
/// of their log as are still pending: the event names the partition id, not the
/// topic, so with several topics pending at that id, which one ended is known only
/// when the others have given a record. Paused partitions send no stale events.
fn settle_log_ends(
    id: i32,
    pending: &mut HashMap<(String, i32), i64>,
    log_ends: &mut HashMap<i32, usize>,
) -> Vec<Settled> {
    let ended = log_ends.get(&id).copied().unwrap_or(0);
    let keys: Vec<(String, i32)> = pending.keys().filter(|(_, p)| *p == id).cloned().collect();
    if ended == 0 || ended < keys.len() {
        return Vec::new();
    }
    log_ends.insert(id, ended - keys.len());
    keys.into_iter()
        .filter_map(|key| {
            let wanted = pending.remove(&key)?;
            let read = RecordRead::Missing {
                reason: format!(
                    "no record at offset {wanted}: only transaction markers or aborted \
                     records up to the log end"
                ),
                later_ms: None,
            };
            Some((key, wanted, read))
        })
        .collect()
}

/// The outcome of reading from `wanted` when the first record that came is at
/// `offset` with timestamp `ts` (`None`: the record has none).
fn outcome(wanted: i64, offset: i64, ts: Option<i64>) -> RecordRead {
    match ts {
        Some(ms) if offset == wanted => RecordRead::Timestamp { ms },
        None if offset == wanted => RecordRead::Missing {
            reason: format!("the record at offset {wanted} has no timestamp"),
            later_ms: None,
        },
        later_ms => RecordRead::Missing {
            reason: format!(
                "no record at offset {wanted} (compacted away or a transaction marker); \
                 the next is at {offset}"
            ),
            later_ms,
        },
    }
}

/// Splits `keys` (sorted) into one offset per partition (the lowest) and the rest:
/// a consumer is assigned a partition once.
fn one_per_partition(keys: Vec<RecordKey>) -> (Vec<RecordKey>, Vec<RecordKey>) {
    let mut seen: HashSet<(String, i32)> = HashSet::new();
    keys.into_iter()
        .partition(|(t, p, _)| seen.insert((t.clone(), *p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_at_the_offset_or_why_not() {
        assert_eq!(
            outcome(7, 7, Some(1_000)),
            RecordRead::Timestamp { ms: 1_000 }
        );
        let RecordRead::Missing { reason, later_ms } = outcome(7, 9, Some(2_000)) else {
            panic!("a gap is not a record");
        };
        assert!(reason.contains("offset 7") && reason.contains("next is at 9"));
        assert_eq!(later_ms, Some(2_000));
        assert!(matches!(
            outcome(7, 7, None),
            RecordRead::Missing { later_ms: None, .. }
        ));
    }

    #[test]
    fn log_ends_settle_once_the_partition_id_is_unambiguous() {
        let mut pending: HashMap<(String, i32), i64> =
            [(("a".to_string(), 0), 5), (("b".to_string(), 0), 7)].into();
        let mut ends: HashMap<i32, usize> = [(0, 1)].into();
        // a[0] or b[0] ended: which one is not known yet.
        assert!(settle_log_ends(0, &mut pending, &mut ends).is_empty());
        // a[0] gave its record: b[0] is the one that ended.
        pending.remove(&("a".to_string(), 0));
        let settled = settle_log_ends(0, &mut pending, &mut ends);
        assert_eq!(settled.len(), 1);
        assert_eq!(
            (settled[0].0.clone(), settled[0].1),
            (("b".to_string(), 0), 7)
        );
        assert!(pending.is_empty() && ends[&0] == 0);
    }

    #[test]
    fn a_partition_wanted_twice_takes_two_rounds() {
        let k = |t: &str, p, o| (t.to_string(), p, o);
        let (first, rest) = one_per_partition(vec![k("a", 0, 5), k("a", 0, 9), k("a", 1, 3)]);
        assert_eq!(first, vec![k("a", 0, 5), k("a", 1, 3)]);
        assert_eq!(rest, vec![k("a", 0, 9)]);
    }
}

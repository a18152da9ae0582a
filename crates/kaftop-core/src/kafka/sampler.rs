//! Reading a topic without joining a consumer group: partitions are assigned
//! directly, so the reader never rebalances anyone and never commits offsets.
//! Shared by `kaftop tail` ([`open`]) and the TUI's live tail ([`spawn`]).

use std::collections::HashMap;
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::admin::{serve_events, Admin, AdminError, OffsetSpec};
use super::client::{
    base_config, describe, require_topics, KafkaError, KaftopContext, METADATA_TIMEOUT,
};
use super::record::RecordView;
use crate::config::Resolved;
use crate::events::EventTime;
use crate::worker::{Control, Worker};

#[derive(Debug, thiserror::Error)]
pub enum SamplerError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("topic `{topic}` has no partition {partition} (it has {count} partitions: 0..{})", count.saturating_sub(1))]
    NoPartition {
        topic: String,
        partition: i32,
        count: usize,
    },
    #[error("{context}: {reason}")]
    Client {
        context: &'static str,
        reason: String,
    },
}

fn admin_error(context: &'static str) -> impl FnOnce(AdminError) -> SamplerError {
    move |e| SamplerError::Client {
        context,
        reason: e.to_string(),
    }
}

fn client_error(context: &'static str) -> impl FnOnce(rdkafka::error::KafkaError) -> SamplerError {
    move |e| SamplerError::Client {
        context,
        reason: describe(&e),
    }
}

/// Where reading starts, resolved per partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAt {
    /// The log start offset (low watermark).
    Beginning,
    /// Only records written from now on.
    End,
    /// This offset in every partition; negative: that many before the end.
    Offset(i64),
    /// The first record at or after this time (ms since the epoch).
    Timestamp(i64),
    /// The last N records of every partition.
    LastN(u64),
}

impl StartAt {
    /// Records at or after `ms` (see [`parse_since`]); at or before the epoch,
    /// every record: the beginning, with no timestamp lookup.
    pub fn since(ms: i64) -> StartAt {
        if ms <= 0 {
            StartAt::Beginning
        } else {
            StartAt::Timestamp(ms)
        }
    }

    /// The start offset in a partition with these watermarks; `None` means "look it
    /// up by timestamp".
    pub fn resolve(&self, low: i64, high: i64) -> Option<i64> {
        Some(match *self {
            StartAt::Beginning => low,
            StartAt::End => high,
            StartAt::Offset(o) if o >= 0 => o.clamp(low, high),
            StartAt::Offset(o) => high.saturating_add(o).max(low),
            StartAt::LastN(n) => high
                .saturating_sub(i64::try_from(n).unwrap_or(i64::MAX))
                .max(low),
            StartAt::Timestamp(_) => return None,
        })
    }

    /// A short phrase for a status line: "from the beginning", "last 100 per partition".
    pub fn describe(&self) -> String {
        match self {
            StartAt::Beginning => "from the beginning".into(),
            StartAt::End => "new records only".into(),
            StartAt::Offset(o) if *o >= 0 => format!("from offset {o}"),
            StartAt::Offset(o) => format!("from {} before the end", -o),
            StartAt::Timestamp(ms) => format!(
                "since {}",
                chrono::DateTime::from_timestamp_millis(*ms)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_else(|| ms.to_string())
            ),
            StartAt::LastN(n) => format!("last {n} per partition"),
        }
    }
}

/// A start time: a duration back from `now_ms` (`10m`) or a timestamp
/// (`2026-11-24T10:15:30Z`, or zone-less, read as UTC). Milliseconds since the epoch.
///
/// Kafka's record timestamps count from the epoch, so an earlier time (a date
/// before 1970, a duration reaching back further, even one too long to count)
/// is the epoch itself, which [`StartAt::since`] reads as the beginning.
pub fn parse_since(s: &str, now_ms: i64) -> Option<i64> {
    let s = s.trim();
    let ms = match humantime::parse_duration(s) {
        Ok(d) => now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        Err(humantime::DurationError::NumberOverflow) => 0,
        Err(_) => EventTime::parse(s).ok()?.0.and_utc().timestamp_millis(),
    };
    Some(ms.max(0))
}

/// One assigned partition: where reading started and where the log ended then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionStart {
    pub partition: i32,
    pub start: i64,
    /// High watermark when reading started.
    pub end: i64,
}

/// A consumer assigned to a topic's partitions at their start offsets.
pub struct Reader {
    pub consumer: BaseConsumer<KaftopContext>,
    pub starts: Vec<PartitionStart>,
}

/// Creates a consumer and assigns `topic`'s partitions (or only `partition`) at
/// the offsets `start` resolves to. Blocking.
pub fn open(
    cfg: &Resolved,
    topic: &str,
    partition: Option<i32>,
    start: &StartAt,
) -> Result<Reader, SamplerError> {
    let consumer = reader_consumer(cfg)?;
    require_topics(
        consumer.client(),
        &consumer.context().diagnosis,
        cfg,
        &[topic],
        &|| serve_events(&consumer),
    )?;
    let md = consumer
        .fetch_metadata(Some(topic), METADATA_TIMEOUT)
        .map_err(client_error("reading metadata"))?;
    let mut partitions = super::client::partition_ids(&md);
    if let Some(p) = partition {
        if !partitions.contains(&p) {
            return Err(SamplerError::NoPartition {
                topic: topic.to_string(),
                partition: p,
                count: partitions.len(),
            });
        }
        partitions = vec![p];
    }

    // Watermarks in two batched requests per leader, not two per partition.
    let admin = Admin::from_resolved(cfg).map_err(admin_error("reading watermarks"))?;
    let parts: Vec<(String, i32)> = partitions.iter().map(|&p| (topic.to_string(), p)).collect();
    let lows = watermarks(&admin, &parts, OffsetSpec::Earliest)?;
    let highs = watermarks(&admin, &parts, OffsetSpec::Latest)?;
    let by_time = match *start {
        StartAt::Timestamp(ms) => Some(offsets_for_time(&consumer, topic, &partitions, ms)?),
        _ => None,
    };

    let mut starts = Vec::with_capacity(partitions.len());
    let mut tpl = TopicPartitionList::new();
    for (i, &p) in partitions.iter().enumerate() {
        let (low, high) = (lows[i], highs[i]);
        let offset = match start.resolve(low, high) {
            Some(o) => o,
            // The first offset at or after the time; the end when nothing is that new.
            None => by_time
                .as_ref()
                .and_then(|t| t.get(&p).copied())
                .filter(|&o| o >= 0)
                .unwrap_or(high),
        };
        tpl.add_partition_offset(topic, p, Offset::Offset(offset))
            .map_err(client_error("assigning partitions"))?;
        starts.push(PartitionStart {
            partition: p,
            start: offset,
            end: high,
        });
    }
    consumer
        .assign(&tpl)
        .map_err(client_error("assigning partitions"))?;
    Ok(Reader { consumer, starts })
}

/// Where [`open`] would start each partition and where its log ends now, for a
/// caller that reads with consumers of its own ([`assigned`]). The consumer that
/// found out is closed on a thread of its own: closing waits for librdkafka's
/// threads (~0.2 s), which the caller need not.
pub fn starts(
    cfg: &Resolved,
    topic: &str,
    partition: Option<i32>,
    start: &StartAt,
) -> Result<Vec<PartitionStart>, SamplerError> {
    let Reader { consumer, starts } = open(cfg, topic, partition, start)?;
    std::thread::spawn(move || drop(consumer));
    Ok(starts)
}

/// A consumer that only reads what it is assigned.
fn reader_consumer(cfg: &Resolved) -> Result<BaseConsumer<KaftopContext>, SamplerError> {
    let mut config = base_config(cfg);
    // librdkafka needs a group id even to assign partitions; with assign() the
    // consumer never joins that group, and with auto-commit off it never commits.
    config
        .set("group.id", format!("kaftop-tail-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("fetch.message.max.bytes", "10485760");
    config
        .create_with_context(KaftopContext::default())
        .map_err(client_error("creating consumer"))
}

/// A consumer reading `parts` (partition, first offset) of `topic`: one of the
/// readers a parallel scan splits a topic's partitions among, after [`open`]
/// resolved where each starts. Blocking.
pub fn assigned(
    cfg: &Resolved,
    topic: &str,
    parts: &[(i32, i64)],
) -> Result<BaseConsumer<KaftopContext>, SamplerError> {
    let consumer = reader_consumer(cfg)?;
    let mut tpl = TopicPartitionList::new();
    for &(p, offset) in parts {
        tpl.add_partition_offset(topic, p, Offset::Offset(offset))
            .map_err(client_error("assigning partitions"))?;
    }
    consumer
        .assign(&tpl)
        .map_err(client_error("assigning partitions"))?;
    Ok(consumer)
}

/// Offsets of `parts` by `spec`, in order; any partition's error fails the open.
fn watermarks(
    admin: &Admin,
    parts: &[(String, i32)],
    spec: OffsetSpec,
) -> Result<Vec<i64>, SamplerError> {
    admin
        .list_offsets(parts, spec, METADATA_TIMEOUT)
        .map_err(admin_error("reading watermarks"))?
        .into_iter()
        .map(|o| {
            o.offset.map_err(|reason| SamplerError::Client {
                context: "reading watermarks",
                reason: format!("partition {}: {reason}", o.partition),
            })
        })
        .collect()
}

/// Per partition, the first offset at or after `ms` (negative: none), in one call.
fn offsets_for_time(
    consumer: &BaseConsumer<KaftopContext>,
    topic: &str,
    partitions: &[i32],
    ms: i64,
) -> Result<HashMap<i32, i64>, SamplerError> {
    let mut q = TopicPartitionList::new();
    for &p in partitions {
        q.add_partition_offset(topic, p, Offset::Offset(ms))
            .map_err(client_error("looking up offsets by time"))?;
    }
    let found = consumer
        .offsets_for_times(q, METADATA_TIMEOUT)
        .map_err(client_error("looking up offsets by time"))?;
    Ok(found
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => (e.partition(), o),
            _ => (e.partition(), -1),
        })
        .collect())
}

/// What a live sampler reports.
#[derive(Debug, Clone)]
pub enum SamplerEvent {
    /// Partitions are assigned; records follow.
    Started(Vec<PartitionStart>),
    /// Records read since the last batch, oldest first. `skipped` records were read
    /// but not rendered because the topic runs faster than the sample rate.
    Records {
        records: Vec<RecordView>,
        skipped: u64,
    },
    /// A problem: fatal when it comes before `Started`, otherwise a warning.
    Error(String),
}

#[derive(Debug, Clone)]
pub struct SamplerOptions {
    /// Values longer than this are truncated (see [`RecordView::from_message`]).
    pub max_value_bytes: usize,
    /// At most this many records per second are rendered and sent; the rest are
    /// counted as skipped. Keeps a busy topic from flooding the screen.
    pub max_per_sec: u32,
    /// Records are sent in batches at most this often.
    pub batch_interval: Duration,
    /// Decodes records in the schema registry's wire format (none: shown as bytes).
    pub decoder: Option<std::sync::Arc<crate::schema::Decoder>>,
}

impl Default for SamplerOptions {
    fn default() -> Self {
        SamplerOptions {
            max_value_bytes: 4096,
            max_per_sec: 500,
            batch_interval: Duration::from_millis(100),
            decoder: None,
        }
    }
}

pub enum SamplerControl {
    Pause,
    Resume,
    Stop,
}

impl Control for SamplerControl {
    const STOP: Self = SamplerControl::Stop;
}

/// A running live tail; dropping it stops the thread.
pub struct SamplerHandle(Worker<SamplerControl>);

impl SamplerHandle {
    /// Stops fetching; nothing is lost, reading resumes where it paused.
    pub fn pause(&self) {
        self.0.send(SamplerControl::Pause);
    }

    pub fn resume(&self) {
        self.0.send(SamplerControl::Resume);
    }

    pub fn stop(self) {
        self.0.stop();
    }
}

/// How long a poll waits when there is nothing to send: bounds the latency of
/// pause/stop requests while keeping an idle tail cheap.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Tails `topic` from `start` on its own thread, passing batches to `sink` until
/// it returns false or the handle is dropped.
pub fn spawn(
    cfg: Resolved,
    topic: String,
    start: StartAt,
    opts: SamplerOptions,
    mut sink: impl FnMut(SamplerEvent) -> bool + Send + 'static,
) -> SamplerHandle {
    SamplerHandle(Worker::spawn("kaftop-sampler", move |rx| {
        let reader = match open(&cfg, &topic, None, &start) {
            Ok(r) => r,
            Err(e) => {
                sink(SamplerEvent::Error(e.to_string()));
                return;
            }
        };
        if sink(SamplerEvent::Started(reader.starts.clone())) {
            run(reader, &opts, &rx, &mut sink);
        }
    }))
}

fn run(
    reader: Reader,
    opts: &SamplerOptions,
    rx: &mpsc::Receiver<SamplerControl>,
    sink: &mut impl FnMut(SamplerEvent) -> bool,
) {
    let consumer = reader.consumer;
    let mut batch: Vec<RecordView> = Vec::new();
    let mut skipped = 0u64;
    let mut batch_started: Option<Instant> = None;
    let mut window_start = Instant::now();
    let mut sent_in_window = 0u32;
    let mut last_error: Option<String> = None;
    loop {
        let control = match rx.try_recv() {
            Ok(c) => Some(c),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => return,
        };
        match control {
            Some(SamplerControl::Stop) => return,
            Some(SamplerControl::Resume) => {}
            Some(SamplerControl::Pause) => {
                // Stop fetching, then wait for a control message without polling.
                if let Ok(assignment) = consumer.assignment() {
                    let _ = consumer.pause(&assignment);
                }
                let resumed = loop {
                    match rx.recv() {
                        Ok(SamplerControl::Resume) => break true,
                        Ok(SamplerControl::Pause) => continue,
                        Ok(SamplerControl::Stop) | Err(_) => break false,
                    }
                };
                if !resumed {
                    return;
                }
                if let Ok(assignment) = consumer.assignment() {
                    let _ = consumer.resume(&assignment);
                }
            }
            None => {}
        }

        let wait = match batch_started {
            Some(t) => opts.batch_interval.saturating_sub(t.elapsed()),
            None => IDLE_POLL,
        };
        match consumer.poll(wait) {
            Some(Ok(msg)) => {
                if window_start.elapsed() >= Duration::from_secs(1) {
                    window_start = Instant::now();
                    sent_in_window = 0;
                }
                if sent_in_window < opts.max_per_sec {
                    sent_in_window += 1;
                    batch.push(RecordView::from_message_with(
                        &msg,
                        opts.max_value_bytes,
                        opts.decoder.as_deref(),
                    ));
                } else {
                    skipped += 1;
                }
                batch_started.get_or_insert_with(Instant::now);
            }
            Some(Err(e)) => {
                let text = describe(&e);
                if last_error.as_deref() != Some(text.as_str()) {
                    last_error = Some(text.clone());
                    if !sink(SamplerEvent::Error(text)) {
                        return;
                    }
                }
            }
            None => {}
        }
        let due = batch_started.is_some_and(|t| t.elapsed() >= opts.batch_interval);
        if due {
            batch_started = None;
            let records = std::mem::take(&mut batch);
            let n = std::mem::take(&mut skipped);
            if !sink(SamplerEvent::Records {
                records,
                skipped: n,
            }) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_positions() {
        assert_eq!(StartAt::Beginning.resolve(5, 100), Some(5));
        assert_eq!(StartAt::End.resolve(5, 100), Some(100));
        assert_eq!(StartAt::Offset(50).resolve(5, 100), Some(50));
        assert_eq!(StartAt::Offset(500).resolve(5, 100), Some(100));
        assert_eq!(StartAt::Offset(1).resolve(5, 100), Some(5));
        assert_eq!(StartAt::Offset(-3).resolve(5, 100), Some(97));
        assert_eq!(StartAt::Offset(-300).resolve(5, 100), Some(5));
        assert_eq!(StartAt::LastN(10).resolve(5, 100), Some(90));
        assert_eq!(StartAt::LastN(u64::MAX).resolve(5, 100), Some(5));
        assert_eq!(StartAt::Timestamp(1).resolve(5, 100), None);
    }

    #[test]
    fn descriptions() {
        assert_eq!(StartAt::Offset(-3).describe(), "from 3 before the end");
        assert_eq!(
            StartAt::Timestamp(1000).describe(),
            "since 1970-01-01T00:00:01Z"
        );
        assert_eq!(StartAt::LastN(100).describe(), "last 100 per partition");
    }

    #[test]
    fn since_forms() {
        let now = 1_000_000_000;
        assert_eq!(parse_since("10m", now), Some(now - 600_000));
        assert_eq!(parse_since("1970-01-01T00:00:01Z", now), Some(1000));
        assert_eq!(parse_since("1970-01-01T00:00:02", now), Some(2000));
        assert_eq!(parse_since("yesterday", now), None);
    }

    #[test]
    fn times_before_the_epoch_are_the_beginning() {
        let now = 1_795_515_330_000; // 2026-11-24T10:15:30Z
        for s in [
            "99999999999d",          // fits a Duration, reaches before 1970
            "99999999999999999999d", // too long to count
            "1000-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_since(s, now), Some(0), "{s}");
            assert_eq!(
                parse_since(s, now).map(StartAt::since),
                Some(StartAt::Beginning),
                "{s}"
            );
        }
        assert_eq!(StartAt::since(1), StartAt::Timestamp(1));
        assert_eq!(
            parse_since("1d", now).map(StartAt::since),
            Some(StartAt::Timestamp(now - 86_400_000))
        );
        assert_eq!(StartAt::since(0).describe(), "from the beginning");
        assert_eq!(parse_since("10x", now), None);
    }
}

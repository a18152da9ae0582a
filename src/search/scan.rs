//! A search's scan: a topic's partitions split among one reader thread per core,
//! each with its own consumer and its own compiled filter (jaq's values are
//! reference-counted without atomics, so a filter and its values stay on one
//! thread), each record decoded straight into the filter's value. Matching records
//! come back to the caller's thread, which writes them out.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use rdkafka::message::{Message as _, OwnedMessage};

use super::{scope_val_noting, JqFilter};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::sampler::{self, PartitionStart};
use kaftop_core::schema::Decoder;

/// A reader gives up when nothing arrives for this long before its partitions end.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// How often the caller hears the counts.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Distinct reasons for undecoded records a reader reports; after that they are
/// scanned without a word.
const MAX_REASONS: usize = 20;
/// A reader adds to the shared counts this often (records), not on every record.
const COUNT_EVERY: u64 = 512;

/// Where one partition's scan starts and ends (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) partition: i32,
    pub(crate) start: i64,
    pub(crate) end: i64,
}

impl From<PartitionStart> for Range {
    fn from(s: PartitionStart) -> Range {
        Range {
            partition: s.partition,
            start: s.start,
            end: s.end,
        }
    }
}

/// What to scan and how.
pub(crate) struct Scan {
    pub(crate) cfg: Resolved,
    pub(crate) topic: String,
    pub(crate) ranges: Vec<Range>,
    /// The filter's source: each reader compiles its own.
    pub(crate) filter: String,
    pub(crate) decoder: Option<Arc<Decoder>>,
    /// Stop after this many matches.
    pub(crate) limit: u64,
    /// Hand the matching records back; without, they are only counted (`--count`).
    pub(crate) keep: bool,
    /// Set by the caller to end the scan early (a dashboard's Esc).
    pub(crate) cancel: Arc<AtomicBool>,
}

/// What the readers hand back.
pub(crate) enum Found {
    Record(OwnedMessage),
    /// A consumer's error that did not end the scan.
    Warning(String),
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) scanned: u64,
    pub(crate) matched: u64,
}

/// The shared state of one scan's readers.
struct Shared {
    scanned: AtomicU64,
    matched: AtomicU64,
    limit: u64,
    /// The limit was reached, the caller failed or a reader did: readers stop.
    done: AtomicBool,
    cancel: Arc<AtomicBool>,
}

impl Shared {
    fn over(&self) -> bool {
        self.done.load(Relaxed) || self.cancel.load(Relaxed)
    }

    fn counts(&self) -> Counts {
        Counts {
            scanned: self.scanned.load(Relaxed),
            matched: self.matched.load(Relaxed).min(self.limit),
        }
    }
}

/// Runs `scan` to its end offsets, its limit or its cancel, blocking: `found` gets
/// each matching record (and the consumers' warnings) on this thread, `progress`
/// the counts a few times a second. An error from `found` ends the scan with it.
pub(crate) fn run(
    scan: Scan,
    found: &mut dyn FnMut(Found) -> Result<()>,
    progress: &mut dyn FnMut(Counts),
) -> Result<Counts> {
    let shared = Arc::new(Shared {
        scanned: AtomicU64::new(0),
        matched: AtomicU64::new(0),
        limit: scan.limit,
        done: AtomicBool::new(scan.limit == 0),
        cancel: Arc::clone(&scan.cancel),
    });
    let ranges: Vec<Range> = scan
        .ranges
        .iter()
        .copied()
        .filter(|r| r.start < r.end)
        .collect();
    let readers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(ranges.len());
    let (tx, rx) = mpsc::sync_channel::<Found>(1024);
    let mut handles = Vec::with_capacity(readers);
    for i in 0..readers {
        let job = Job {
            cfg: scan.cfg.clone(),
            topic: scan.topic.clone(),
            ranges: ranges.iter().copied().skip(i).step_by(readers).collect(),
            filter: scan.filter.clone(),
            decoder: scan.decoder.clone(),
            keep: scan.keep,
            shared: Arc::clone(&shared),
            tx: tx.clone(),
        };
        let handle = std::thread::Builder::new()
            .name(format!("kaftop-search-{i}"))
            .spawn(move || job.read())?;
        handles.push(handle);
    }
    drop(tx);
    let mut failed = None;
    let mut reported = Instant::now();
    loop {
        match rx.recv_timeout(PROGRESS_EVERY) {
            Ok(f) => {
                if failed.is_none() {
                    if let Err(e) = found(f) {
                        shared.done.store(true, Relaxed);
                        failed = Some(e);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            progress(shared.counts());
            reported = Instant::now();
        }
    }
    for handle in handles {
        let result = handle
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("a search reader panicked")));
        if let (Err(e), None) = (result, &failed) {
            failed = Some(e);
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(shared.counts()),
    }
}

/// One reader's share of a scan.
struct Job {
    cfg: Resolved,
    topic: String,
    ranges: Vec<Range>,
    filter: String,
    decoder: Option<Arc<Decoder>>,
    keep: bool,
    shared: Arc<Shared>,
    tx: mpsc::SyncSender<Found>,
}

impl Job {
    fn read(self) -> Result<()> {
        let result = self.scan();
        if result.is_err() {
            // One reader failing ends the others' work too: the result is the error.
            self.shared.done.store(true, Relaxed);
        }
        result
    }

    fn scan(&self) -> Result<()> {
        let filter = JqFilter::new(&self.filter)?;
        let starts: Vec<(i32, i64)> = self.ranges.iter().map(|r| (r.partition, r.start)).collect();
        let consumer = sampler::assigned(&self.cfg, &self.topic, &starts)?;
        let mut end: HashMap<i32, i64> = self.ranges.iter().map(|r| (r.partition, r.end)).collect();
        let decoder = self.decoder.as_deref();
        // When polls started coming back empty (no clock read per record).
        let mut idle_since: Option<Instant> = None;
        let mut scanned = 0u64;
        let (mut failed, mut said) = (Vec::new(), HashSet::new());
        let flush = |n: &mut u64| {
            self.shared.scanned.fetch_add(*n, Relaxed);
            *n = 0;
        };
        while !end.is_empty() && !self.shared.over() {
            let msg = match consumer.poll(Duration::from_millis(100)) {
                None => {
                    if idle_since.get_or_insert_with(Instant::now).elapsed() > IDLE_LIMIT {
                        bail!(
                            "no records received for {IDLE_LIMIT:?} before reaching the end of {}",
                            self.topic
                        );
                    }
                    continue;
                }
                Some(Err(e)) => {
                    let _ = self.tx.send(Found::Warning(e.to_string()));
                    continue;
                }
                Some(Ok(m)) => m,
            };
            idle_since = None;
            let Some(&stop) = end.get(&msg.partition()) else {
                continue;
            };
            if msg.offset() >= stop {
                end.remove(&msg.partition());
                continue;
            }
            if msg.offset() + 1 >= stop {
                end.remove(&msg.partition());
            }
            scanned += 1;
            if scanned == COUNT_EVERY {
                flush(&mut scanned);
            }
            let scope = scope_val_noting(&msg, decoder, filter.needs(), &mut failed);
            for reason in failed.drain(..) {
                // Each reason once per reader: a registry that is down fails every record.
                if said.len() < MAX_REASONS && said.insert(reason.clone()) {
                    let at = format!("partition {} offset {}", msg.partition(), msg.offset());
                    let line = format!("{at}: not decoded, filtered as bytes: {reason}");
                    let _ = self.tx.send(Found::Warning(line));
                }
            }
            if !filter.matches_val(scope) {
                continue;
            }
            let nth = self.shared.matched.fetch_add(1, Relaxed) + 1;
            if nth > self.shared.limit {
                break;
            }
            if nth == self.shared.limit {
                self.shared.done.store(true, Relaxed);
            }
            if self.keep && self.tx.send(Found::Record(msg.detach())).is_err() {
                break;
            }
        }
        flush(&mut scanned);
        // Closing a consumer waits for its threads; the scan's result does not.
        std::thread::spawn(move || drop(consumer));
        Ok(())
    }
}

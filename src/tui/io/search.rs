//! The Messages view's search, off the UI thread: the parallel scan of
//! `crate::search::scan` from the start to the end offsets taken when it starts,
//! then the topic followed live from those end offsets with the same filter, so
//! no record written after the scan's end is missed. Matches go back as
//! `Event::Search` in batches; setting the cancel flag ends it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::search::scan::{self, Counts, Found, Range, Scan};
use crate::search::{scope_val, JqFilter};
use crate::tui::event::{Event, SearchEvent};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::{self, SamplerOptions, StartAt};
use kaftop_core::schema::Decoder;
use kaftop_core::worker::Job;

/// Matches are sent at most this often (one event per batch).
const BATCH_EVERY: Duration = Duration::from_millis(100);
/// How long a live poll waits: bounds how late a cancel is noticed.
const LIVE_POLL: Duration = Duration::from_millis(250);

/// What one search needs.
pub(super) struct SearchJob {
    pub(super) cfg: Resolved,
    pub(super) topic: String,
    pub(super) filter: String,
    pub(super) since_ms: Option<i64>,
    pub(super) keep: usize,
    pub(super) decoder: Option<Arc<Decoder>>,
    pub(super) session: u64,
    pub(super) tx: Sender<Event>,
}

/// Starts `job` on its own thread; the flag returned cancels it.
pub(super) fn spawn(job: SearchJob) -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    Job::spawn("kaftop-search", move || {
        let (tx, session) = (job.tx.clone(), job.session);
        let mut out = Out::new(&job, &cancel);
        if let Err(e) = job.run(&cancel, &mut out) {
            out.flush();
            if !cancel.load(Relaxed) {
                let _ = tx.send(Event::Search {
                    search: session,
                    event: SearchEvent::Failed(format!("{e:#}")),
                });
            }
        }
    });
    flag
}

/// The matches waiting to be sent, at most `keep` of them (the newest).
struct Out {
    tx: Sender<Event>,
    session: u64,
    keep: usize,
    max_value_bytes: usize,
    pending: VecDeque<RecordView>,
    dropped: u64,
    sent_at: Instant,
    /// The counts last sent in `SearchEvent::Progress`.
    reported: Counts,
    cancel: Arc<AtomicBool>,
}

impl Out {
    fn new(job: &SearchJob, cancel: &Arc<AtomicBool>) -> Out {
        Out {
            tx: job.tx.clone(),
            session: job.session,
            keep: job.keep.max(1),
            max_value_bytes: SamplerOptions::default().max_value_bytes,
            pending: VecDeque::new(),
            dropped: 0,
            sent_at: Instant::now(),
            reported: Counts::default(),
            cancel: Arc::clone(cancel),
        }
    }

    /// Sends `event`; false when the dashboard is gone.
    fn send(&self, event: SearchEvent) -> bool {
        self.tx
            .send(Event::Search {
                search: self.session,
                event,
            })
            .is_ok()
    }

    /// The matches waiting, then the counts that include them when they moved
    /// since the last sent.
    fn progress(&mut self, counts: Counts, per_sec: Option<f64>) {
        self.flush();
        if counts != self.reported {
            self.send_counts(counts, per_sec);
        }
    }

    fn send_counts(&mut self, counts: Counts, per_sec: Option<f64>) {
        self.reported = counts;
        self.send(SearchEvent::Progress {
            scanned: counts.scanned,
            matched: counts.matched,
            per_sec,
        });
    }

    fn add<M: rdkafka::message::Message>(&mut self, m: &M, decoder: Option<&Decoder>) {
        self.pending.push_back(RecordView::from_message_with(
            m,
            self.max_value_bytes,
            decoder,
        ));
        if self.pending.len() > self.keep {
            self.pending.pop_front();
            self.dropped += 1;
        }
        if self.sent_at.elapsed() >= BATCH_EVERY {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.sent_at = Instant::now();
        if self.pending.is_empty() && self.dropped == 0 {
            return;
        }
        let records = std::mem::take(&mut self.pending).into();
        let dropped = std::mem::take(&mut self.dropped);
        if !self.send(SearchEvent::Records { records, dropped }) {
            // Nobody listens any more: stop reading.
            self.cancel.store(true, Relaxed);
        }
    }
}

fn per_sec(scanned: u64, started: Instant) -> Option<f64> {
    let secs = started.elapsed().as_secs_f64();
    (secs > 0.0).then(|| scanned as f64 / secs)
}

impl SearchJob {
    fn run(&self, cancel: &Arc<AtomicBool>, out: &mut Out) -> Result<()> {
        let start = self.since_ms.map_or(StartAt::Beginning, StartAt::since);
        let ranges: Vec<Range> = sampler::starts(&self.cfg, &self.topic, None, &start)?
            .into_iter()
            .map(Range::from)
            .collect();
        let total = ranges
            .iter()
            .map(|r| u64::try_from(r.end - r.start).unwrap_or(0))
            .sum();
        out.send(SearchEvent::Started {
            partitions: ranges.len(),
            total,
        });
        let started = Instant::now();
        let scan = Scan {
            cfg: self.cfg.clone(),
            topic: self.topic.clone(),
            ranges: ranges.clone(),
            filter: self.filter.clone(),
            decoder: self.decoder.clone(),
            limit: u64::MAX,
            keep: true,
            cancel: Arc::clone(cancel),
        };
        let decoder = self.decoder.as_deref();
        // Both callbacks run on this thread, one at a time.
        let shared_out = RefCell::new(out);
        let mut found = |f: Found| -> Result<()> {
            let mut out = shared_out.borrow_mut();
            match f {
                Found::Record(m) => out.add(&m, decoder),
                Found::Warning(w) => {
                    out.send(SearchEvent::Warning(w));
                }
            }
            Ok(())
        };
        // A match found a while ago is not held back until the next one.
        let mut progress = |c: Counts| {
            shared_out
                .borrow_mut()
                .progress(c, per_sec(c.scanned, started));
        };
        let counts = scan::run(scan, &mut found, &mut progress)?;
        let out = shared_out.into_inner();
        out.flush();
        if cancel.load(Relaxed) {
            return Ok(());
        }
        // The final rate, even when the counts have not moved since.
        out.send_counts(counts, per_sec(counts.scanned, started));
        out.send(SearchEvent::ScanDone {
            scanned: counts.scanned,
            matched: counts.matched,
        });
        self.follow(&ranges, counts, cancel, out)
    }

    /// Reads every partition from the scan's end offsets on, as records arrive.
    fn follow(
        &self,
        ranges: &[Range],
        mut counts: Counts,
        cancel: &AtomicBool,
        out: &mut Out,
    ) -> Result<()> {
        let filter = JqFilter::new(&self.filter)?;
        let ends: Vec<(i32, i64)> = ranges.iter().map(|r| (r.partition, r.end)).collect();
        let consumer = sampler::assigned(&self.cfg, &self.topic, &ends)?;
        let decoder = self.decoder.as_deref();
        let mut last_error = None;
        while !cancel.load(Relaxed) {
            let idle = match consumer.poll(LIVE_POLL) {
                Some(Ok(m)) => {
                    counts.scanned += 1;
                    if filter.matches_val(scope_val(&m, decoder, filter.needs())) {
                        counts.matched += 1;
                        out.add(&m, decoder);
                    }
                    false
                }
                Some(Err(e)) => {
                    let text = e.to_string();
                    if last_error.as_ref() != Some(&text) {
                        last_error = Some(text.clone());
                        out.send(SearchEvent::Warning(text));
                    }
                    false
                }
                None => true,
            };
            // The matches first, then the counts that include them.
            if idle || out.sent_at.elapsed() >= BATCH_EVERY {
                out.progress(counts, None);
            }
        }
        Ok(())
    }
}

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
//!
//! The files: `dlq` (the dead-letter producer), `batch` (one batch from records to
//! stored effects, with no Kafka consumer in it), `consumer` (the consumer threads:
//! poll, commit, rewind), `maintenance` (the maintenance thread) and `handle`
//! ([`ServicesHandle`]: start, stop, snapshots).
//!
//! The threads are [`kaftop_core::worker::FlagWorker`]s: their stop flag is also read deep
//! inside a batch (the DLQ producer's full-queue wait, the busy-store backoff), and a
//! service's consumers are all asked to stop before any is joined.

mod batch;
mod consumer;
mod dlq;
mod faults;
mod handle;
mod maintenance;
mod pusher;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::archive::Backup;
use super::notification::{FeedNotifier, Notifier, PushNotification};
use super::read_receipt::ReadReceipt;
use super::stats::{Counters, Feed, RateWindow};
use super::store::Store;
use super::{service_id, subscriptions, ServiceName, ServicesOptions, ALL_SERVICES};
use dlq::DlqProducer;
use kaftop_core::config::Resolved;
use kaftop_core::events::EventKind;

pub(super) use handle::start;
pub use handle::ServicesHandle;

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

/// What every thread of the runtime shares.
struct Shared {
    cfg: Resolved,
    opts: ServicesOptions,
    /// Topic → the event kind its records hold.
    kinds: HashMap<String, EventKind>,
    dlq: DlqProducer,
    counters: BTreeMap<ServiceName, Arc<Counters>>,
    /// Consumer threads alive per service.
    alive: BTreeMap<ServiceName, Arc<AtomicUsize>>,
    notifiers: Vec<Arc<dyn Notifier>>,
    notifications: Arc<Feed<PushNotification>>,
    receipts: Arc<Feed<ReadReceipt>>,
    /// The snapshots' connection to the store.
    reader: Mutex<Store>,
    rates: Mutex<BTreeMap<ServiceName, RateWindow>>,
    last_error: Mutex<BTreeMap<ServiceName, String>>,
    /// Services stalled by a fault outside kaftop, with its short name (`faults`).
    stalled: Mutex<BTreeMap<ServiceName, String>>,
    running: Mutex<BTreeSet<ServiceName>>,
    next_purge: Mutex<Option<DateTime<Utc>>>,
    backup: Mutex<Option<Backup>>,
}

impl Shared {
    fn new(
        cfg: &Resolved,
        opts: ServicesOptions,
        dlq: DlqProducer,
        reader: Store,
        backup: Option<Backup>,
    ) -> Shared {
        let notifications = Arc::new(Feed::new(opts.feed_capacity));
        let receipts = Arc::new(Feed::new(opts.feed_capacity));
        let mut notifiers: Vec<Arc<dyn Notifier>> =
            vec![Arc::new(FeedNotifier::new(notifications.clone()))];
        notifiers.extend(opts.notifiers.iter().cloned());
        let kinds = EventKind::ALL
            .into_iter()
            .map(|k| (cfg.topic_for(k).to_string(), k))
            .collect();
        Shared {
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
            stalled: Mutex::new(BTreeMap::new()),
            running: Mutex::new(BTreeSet::new()),
            next_purge: Mutex::new(None),
            backup: Mutex::new(backup),
            opts,
        }
    }

    fn counters(&self, s: ServiceName) -> &Counters {
        &self.counters[&s]
    }

    /// Logs an error and keeps it as the service's last error.
    fn error(&self, s: ServiceName, msg: String) {
        tracing::warn!(service = service_id(s), error = %msg);
        lock(&self.last_error).insert(s, msg);
    }

    /// A stored receipt: to the TUI feed and every sink.
    fn deliver_receipt(&self, r: ReadReceipt) {
        for sink in &self.opts.receipt_sinks {
            sink.deliver(&r);
        }
        self.receipts.push(r);
    }

    fn topics(&self, s: ServiceName) -> Vec<String> {
        subscriptions(s)
            .iter()
            .map(|k| self.cfg.topic_for(*k).to_string())
            .collect()
    }
}

//! What the services show: live counters (atomics written by the consumer threads),
//! bounded feeds of recent notifications and receipts, and the plain-data snapshot the
//! TUI draws ([`ServicesSnapshot`]). No UI types here.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::analytics::DailyStats;
use super::notification::PushNotification;
use super::read_receipt::ReadReceipt;
use crate::ServiceName;

/// A bounded, newest-first list shared between the consumer threads and snapshots.
#[derive(Debug)]
pub struct Feed<T> {
    cap: usize,
    items: Mutex<VecDeque<T>>,
}

impl<T: Clone> Feed<T> {
    pub fn new(cap: usize) -> Self {
        Feed {
            cap: cap.max(1),
            items: Mutex::new(VecDeque::new()),
        }
    }

    pub fn push(&self, item: T) {
        let mut q = self.items.lock().unwrap_or_else(|p| p.into_inner());
        q.push_front(item);
        q.truncate(self.cap);
    }

    /// Newest first.
    pub fn snapshot(&self) -> Vec<T> {
        let q = self.items.lock().unwrap_or_else(|p| p.into_inner());
        q.iter().cloned().collect()
    }
}

/// One service's counters since [`super::start`] (the store keeps the all-time totals).
#[derive(Debug, Default)]
pub struct Counters {
    pub consumed: AtomicU64,
    pub processed: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub dedupe_hits: AtomicU64,
    pub retries: AtomicU64,
    pub notify_failures: AtomicU64,
    pub commit_failures: AtomicU64,
    /// Consumer threads that panicked (each was restarted).
    pub panics: AtomicU64,
    /// Consumers restarted after a panic or an error.
    pub restarts: AtomicU64,
    /// Pushes the HTTP notifier delivered, attempts that failed, pushes dead-lettered.
    pub pushes_sent: AtomicU64,
    pub push_failures: AtomicU64,
    pub pushes_dead: AtomicU64,
}

/// A plain copy of [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CounterValues {
    pub consumed: u64,
    pub processed: u64,
    pub dead_lettered: u64,
    pub dedupe_hits: u64,
    pub retries: u64,
    pub notify_failures: u64,
    pub commit_failures: u64,
    pub panics: u64,
    pub restarts: u64,
    pub pushes_sent: u64,
    pub push_failures: u64,
    pub pushes_dead: u64,
}

impl Counters {
    pub fn values(&self) -> CounterValues {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CounterValues {
            consumed: l(&self.consumed),
            processed: l(&self.processed),
            dead_lettered: l(&self.dead_lettered),
            dedupe_hits: l(&self.dedupe_hits),
            retries: l(&self.retries),
            notify_failures: l(&self.notify_failures),
            commit_failures: l(&self.commit_failures),
            panics: l(&self.panics),
            restarts: l(&self.restarts),
            pushes_sent: l(&self.pushes_sent),
            push_failures: l(&self.push_failures),
            pushes_dead: l(&self.pushes_dead),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Whether a service's consumers are running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Running,
    Stopped,
}

/// One service in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceSnapshot {
    pub name: ServiceName,
    pub group: String,
    pub topics: Vec<String>,
    pub state: ServiceState,
    /// Consumer threads running now.
    pub consumers: usize,
    /// Partitions assigned to this process's consumers (topic, partition).
    pub assigned: Vec<(String, i32)>,
    /// Counters since the services were started.
    #[serde(flatten)]
    pub counters: CounterValues,
    /// Read receipts waiting for their message (read-receipt service only; from the
    /// store): `None` when the store could not be read ([`ServicesSnapshot::store`]
    /// says why).
    pub pending: Option<u64>,
    /// Records processed per second over the last few seconds.
    pub processed_per_sec: f64,
    /// The last error a consumer reported (cleared by nothing; informational).
    pub last_error: Option<String>,
    /// Why the service cannot make progress now ("disk full", "store unwritable"),
    /// while it retries by itself; `None` when it is not stalled.
    pub stalled: Option<String>,
}

/// Everything the TUI's Services view draws. Plain data: cheap to clone and send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicesSnapshot {
    pub taken_at: DateTime<Utc>,
    pub services: Vec<ServiceSnapshot>,
    /// Recent notifications, newest first.
    pub notifications: Vec<PushNotification>,
    /// Recent read receipts, newest first.
    pub receipts: Vec<ReadReceipt>,
    /// What the store holds, or why it could not be read: a broken store is an
    /// error to show, not "0 archived".
    pub store: Result<StoreFigures, String>,
    pub next_purge: Option<DateTime<Utc>>,
}

/// The figures a snapshot reads from the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreFigures {
    /// Analytics of today's date in `services.zone`.
    pub today: DailyStats,
    /// Archived messages in the store.
    pub archived: u64,
    pub last_purge: Option<DateTime<Utc>>,
}

impl ServicesSnapshot {
    pub fn service(&self, name: ServiceName) -> Option<&ServiceSnapshot> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// Samples of a monotonic counter, for a rate over a sliding window.
#[derive(Debug, Clone)]
pub struct RateWindow {
    window: Duration,
    samples: VecDeque<(Instant, u64)>,
}

impl RateWindow {
    pub fn new(window: Duration) -> Self {
        RateWindow {
            window,
            samples: VecDeque::new(),
        }
    }

    /// The rate over the samples kept.
    pub fn rate(&self) -> f64 {
        rate_per_sec(&self.samples)
    }

    /// Records a sample and returns the rate over the window.
    pub fn sample(&mut self, at: Instant, value: u64) -> f64 {
        // A counter that went backwards was reset: start over.
        if self.samples.back().is_some_and(|&(_, v)| v > value) {
            self.samples.clear();
        }
        self.samples.push_back((at, value));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|&(t, _)| at.duration_since(t) >= self.window)
        {
            self.samples.pop_front();
        }
        rate_per_sec(&self.samples)
    }
}

/// Δcounter/Δt between the first and last sample; 0 when Δt is 0 or there are fewer
/// than two samples.
fn rate_per_sec(samples: &VecDeque<(Instant, u64)>) -> f64 {
    match (samples.front(), samples.back()) {
        (Some(&(t0, v0)), Some(&(t1, v1))) if t1 > t0 && v1 >= v0 => {
            (v1 - v0) as f64 / t1.duration_since(t0).as_secs_f64()
        }
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_is_bounded_newest_first() {
        let f = Feed::new(3);
        for i in 0..5 {
            f.push(i);
        }
        assert_eq!(f.snapshot(), vec![4, 3, 2]);
    }

    #[test]
    fn rate_over_window_with_guards() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(Duration::from_secs(5));
        assert_eq!(w.sample(t0, 0), 0.0);
        // Same instant: Δt = 0.
        assert_eq!(w.sample(t0, 10), 0.0);
        assert_eq!(w.sample(t0 + Duration::from_secs(2), 100), 50.0);
        // Old samples leave the window: rate over the last ~5 s only.
        let r = w.sample(t0 + Duration::from_secs(10), 200);
        assert!((r - 100.0 / 8.0).abs() < 1e-9, "{r}");
        // Reset (counter went backwards).
        assert_eq!(w.sample(t0 + Duration::from_secs(11), 5), 0.0);
        assert_eq!(w.sample(t0 + Duration::from_secs(12), 15), 10.0);
    }
}

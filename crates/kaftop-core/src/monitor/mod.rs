//! The monitor: the one owner of the refresh. It reads the cluster (the
//! [`Refresher`]), folds each snapshot into the metrics engine (which keeps the
//! history), and decides when the next refresh runs (the interval, the backoff
//! while the cluster is unreachable). One interval value sets all of it: the
//! wait between refreshes, the engine's ring sizes and its status windows.
//!
//! The dashboard and `kaftop serve` subscribe ([`Monitor::spawn`]); one-shot
//! commands call [`Monitor::once`] or [`Monitor::watch`].
//!
//! A refresh is a sequence of named steps ([`Step`]), each timed in what the
//! monitor reports. [`Focus`] names what is on screen (the dashboard sends it):
//! when the last full refresh took at least `focus_first_after`, each tick
//! first reads only the focused groups and topics (on the protocol client:
//! their descriptions, committed offsets and watermarks, a few requests whatever
//! the cluster's size) and hands their metrics on as a [`FocusRefresh`], then
//! runs the full refresh as before. The focused metrics come from the engine's
//! `peek`, which changes none of its state: windows, histories and the
//! timeline move once per full refresh.

use std::time::{Duration, Instant};

use crate::config::{LagConfig, Resolved};
use crate::kafka::poller::{PollerOptions, Refresher};
use crate::kafka::snapshot::ClusterSnapshot;
use crate::kafka::KafkaError;
use crate::metrics::engine::EngineConfig;
use crate::metrics::{ClusterMetrics, MetricsEngine, TimelineEvent};

mod focus;
mod held;
mod pacing;
mod run;

use focus::{keep_what_was_read, Layout};
pub use focus::{Focus, FocusRefresh};
pub use held::{keep_rows_shown, ALL_ROWS_HELD_UP_TO};

pub use crate::kafka::poller::{Step, StepTiming};
pub use pacing::{next_wait, stretched, Pace, Window, MAX_BACKOFF};
pub use run::MonitorHandle;

/// Everything a monitor is built from, besides the resolved config.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// Time between refreshes, and the unit of every window that counts them.
    pub interval: Duration,
    /// What a refresh reads.
    pub read: PollerOptions,
    pub lag: LagConfig,
    /// With a focus set, read it first when the last full refresh took at
    /// least this long (a small cluster's refresh is quick enough on its own,
    /// and pays no extra requests).
    pub focus_first_after: Duration,
    /// Above this many group-partition rows or topic partitions, keep only the
    /// rows the focus draws and of the alerting groups (`held::rows_kept`): the
    /// dashboard, which shows one table at a time ([`ALL_ROWS_HELD_UP_TO`]).
    /// `None` (`serve`, the commands): every row.
    pub shown_rows_only_above: Option<usize>,
}

/// The default of [`MonitorOptions::focus_first_after`].
pub const FOCUS_FIRST_AFTER: Duration = Duration::from_millis(200);

impl MonitorOptions {
    /// The config's interval and lag thresholds. `watch` names groups always
    /// looked for (callers pass the embedded services' groups).
    pub fn from_config(cfg: &Resolved, watch: impl IntoIterator<Item = String>) -> Self {
        MonitorOptions {
            interval: cfg.poll_interval,
            read: PollerOptions::from_config(cfg, watch),
            lag: cfg.lag.clone(),
            focus_first_after: FOCUS_FIRST_AFTER,
            shown_rows_only_above: None,
        }
    }

    /// The engine's settings, all derived from the interval.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig::for_interval(self.interval)
    }
}

/// What one refresh produced.
#[derive(Debug, Clone)]
pub struct Refresh {
    pub snapshot: ClusterSnapshot,
    pub metrics: ClusterMetrics,
    /// The timeline events this refresh found.
    pub events: Vec<TimelineEvent>,
    /// Each step of the read, in the order it ran.
    pub steps: Vec<StepTiming>,
    /// The whole read (every step).
    pub took: Duration,
    /// Folding the snapshot into the metrics.
    pub fold: Duration,
    /// This refresh's number, from 1.
    pub seq: u64,
    /// Consecutive refreshes that could not reach the cluster, this one included.
    pub failures: u32,
    /// The interval, this refresh's time and the wait before the next one.
    pub pace: Pace,
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The first refresh of a watch could not reach the cluster: its errors.
    #[error("{0}")]
    Unreachable(String),
}

/// The refresh loop's state: the reader, the engine, the pacing.
pub struct Monitor {
    refresher: Refresher,
    engine: MetricsEngine,
    interval: Duration,
    focus: Focus,
    focus_first_after: Duration,
    shown_rows_only_above: Option<usize>,
    /// What the last full refresh found of the focus.
    layout: Layout,
    /// The size of the cluster the last full refresh found (what a focused
    /// read keeps of its rows follows it).
    size: held::Size,
    seq: u64,
    failures: u32,
    /// How long the last refresh took (stretches the wait after it).
    last_took: Duration,
}

impl Monitor {
    pub fn new(cfg: &Resolved, opts: MonitorOptions) -> Result<Self, KafkaError> {
        let engine = MetricsEngine::new(opts.engine_config(), opts.lag);
        Ok(Monitor {
            refresher: Refresher::new(cfg, opts.read)?,
            engine,
            interval: opts.interval,
            focus: Focus::default(),
            focus_first_after: opts.focus_first_after,
            shown_rows_only_above: opts.shown_rows_only_above,
            layout: Layout::default(),
            size: held::Size::default(),
            seq: 0,
            failures: 0,
            last_took: Duration::ZERO,
        })
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn refresher(&self) -> &Refresher {
        &self.refresher
    }

    pub fn focus(&self) -> &Focus {
        &self.focus
    }

    pub fn set_focus(&mut self, focus: Focus) {
        self.focus = focus;
    }

    /// One refresh, folded into the metrics. Never fails: a cluster that could
    /// not be reached gives metrics with `connected: false` and the errors.
    pub fn once(&mut self) -> Refresh {
        // What the last refresh freed (its snapshot, responses, the metrics it
        // replaced) goes back to the system before this one reads.
        crate::memory::release_freed();
        let started = Instant::now();
        let (snapshot, steps) = self.refresher.refresh_timed();
        let took = started.elapsed();
        let folding = Instant::now();
        if snapshot.connected {
            self.size = held::Size::of(&snapshot);
        }
        let rows = held::rows_kept(self.shown_rows_only_above, self.size, &self.focus);
        let (metrics, events) = self.engine.ingest_keeping(&snapshot, rows);
        let fold = folding.elapsed();
        if snapshot.connected {
            self.layout = Layout::of(&snapshot, &self.focus);
        }
        self.seq += 1;
        self.failures = if snapshot.connected {
            0
        } else {
            self.failures + 1
        };
        self.last_took = took;
        let pace = Pace {
            interval: self.interval,
            took,
            wait: self.next_wait(),
        };
        if pace.is_behind() {
            tracing::info!(took = ?took, wait = ?pace.wait, "refresh slower than the interval");
        }
        Refresh {
            snapshot,
            metrics,
            events,
            steps,
            took,
            fold,
            seq: self.seq,
            failures: self.failures,
            pace,
        }
    }

    /// The focused read, when a focus is set, the last full refresh took at
    /// least `focus_first_after` and the refresh reads on the protocol client;
    /// `None` otherwise or when nothing of the focus could be read.
    pub fn focus_first(&mut self) -> Option<FocusRefresh> {
        // Not while the cluster is unreachable: the full refresh says so.
        if self.focus.is_empty() || self.failures > 0 || self.last_took < self.focus_first_after {
            return None;
        }
        let want = self.layout.read_of(&self.focus)?;
        let started = Instant::now();
        let mut part = self.refresher.read_focus(want)?;
        let took = started.elapsed();
        let requests = part.requests;
        keep_what_was_read(&mut part);
        if part.groups.is_empty() && part.topics.is_empty() {
            return None;
        }
        Some(FocusRefresh {
            metrics: self.engine.peek(
                &part,
                held::rows_kept(self.shown_rows_only_above, self.size, &self.focus),
            ),
            took,
            requests,
        })
    }

    /// The wait before the next refresh.
    pub fn next_wait(&self) -> Duration {
        next_wait(self.interval, self.failures, self.last_took)
    }

    /// Refreshes for `window`, waiting the interval between refreshes (backing
    /// off while the cluster is unreachable), and hands each refresh to
    /// `on_refresh`; returns the last. Fails when the first refresh cannot reach
    /// the cluster, or with the first error of `on_refresh`.
    pub fn watch<E: From<MonitorError>>(
        &mut self,
        window: Window,
        mut on_refresh: impl FnMut(&Refresh) -> Result<(), E>,
    ) -> Result<Refresh, E> {
        let started = Instant::now();
        let first = self.once();
        if !first.metrics.connected {
            return Err(MonitorError::Unreachable(first.metrics.errors.join("; ")).into());
        }
        on_refresh(&first)?;
        let mut last = first;
        loop {
            let wait = self.next_wait();
            if !window.wants_another(started.elapsed(), self.seq, wait) {
                return Ok(last);
            }
            std::thread::sleep(wait);
            last = self.once();
            on_refresh(&last)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Overrides};

    /// A monitor of a cluster that is not there (nothing listens on port 1).
    fn unreachable(interval: Duration) -> Monitor {
        let ov = Overrides {
            bootstrap_servers: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let cfg = config::resolve(None, None, &ov).unwrap();
        let mut opts = MonitorOptions::from_config(&cfg, Vec::new());
        opts.interval = interval;
        opts.read.timeout = Duration::from_millis(100);
        opts.read.exact_time_lag = None;
        Monitor::new(&cfg, opts).unwrap()
    }

    #[test]
    fn one_interval_sets_the_wait_and_the_engine() {
        let ov = Overrides::default();
        let cfg = config::resolve(None, None, &ov).unwrap();
        let mut opts = MonitorOptions::from_config(&cfg, Vec::new());
        assert_eq!(opts.interval, cfg.poll_interval);
        opts.interval = Duration::from_secs(3);
        let engine = opts.engine_config();
        assert_eq!(engine.poll_interval, Duration::from_secs(3));
        assert_eq!(engine.status_window, Duration::from_secs(30));
    }

    #[test]
    fn failures_back_off_and_a_watch_fails_on_an_unreachable_cluster() {
        let mut m = unreachable(Duration::from_millis(10));
        let r = m.once();
        assert!(!r.metrics.connected && !r.metrics.errors.is_empty());
        assert_eq!((r.seq, r.failures), (1, 1));
        // The read stopped at its first step, timed.
        assert_eq!(
            r.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
            [Step::Metadata]
        );
        assert_eq!(m.next_wait(), Duration::from_millis(10));
        let r = m.once();
        assert_eq!((r.seq, r.failures), (2, 2));
        assert_eq!(m.next_wait(), Duration::from_millis(20));

        let mut calls = 0;
        let err = m
            .watch(Window::span(Duration::from_secs(60)), |_| {
                calls += 1;
                Ok::<_, MonitorError>(())
            })
            .unwrap_err();
        assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
        assert_eq!(calls, 0);
    }
}

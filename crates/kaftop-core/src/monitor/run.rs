//! The monitor on a thread of its own, for subscribers (the dashboard, `kaftop
//! serve`): a refresh every interval, each handed to a sink.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::{Focus, FocusRefresh, Monitor, Refresh};
use crate::metrics::ClusterMetrics;
use crate::worker::{Control, Worker};

/// Messages to the monitor's thread.
enum MonitorControl {
    Stop,
    RefreshNow,
    Focus(Focus),
    Interval(Duration),
    Replaced(Box<ClusterMetrics>),
}

impl Control for MonitorControl {
    const STOP: Self = MonitorControl::Stop;
}

/// A running monitor; dropping it stops the thread.
pub struct MonitorHandle(Worker<MonitorControl>);

impl MonitorHandle {
    /// Asks for a refresh now instead of at the next tick.
    pub fn refresh_now(&self) {
        self.0.send(MonitorControl::RefreshNow);
    }

    /// Tells the monitor what is on screen, for the refreshes after this one.
    pub fn focus(&self, focus: Focus) {
        self.0.send(MonitorControl::Focus(focus));
    }

    /// A new wait between refreshes (the dashboard's `+`/`-`), from now on: a
    /// wait under way ends by the new interval at the latest. The engine keeps
    /// the windows it was built with.
    pub fn interval(&self, interval: Duration) {
        self.0.send(MonitorControl::Interval(interval));
    }

    /// Hands back metrics of this monitor's that a newer refresh replaced, to be
    /// dropped on the monitor's thread. That thread allocated them: there their
    /// memory is reused and returned at once, where from another thread it would
    /// wait for the monitor's next refresh (mimalloc takes back a block freed by
    /// another thread only when the thread that allocated it collects).
    pub fn replaced(&self, metrics: ClusterMetrics) {
        self.0.send(MonitorControl::Replaced(Box::new(metrics)));
    }

    pub fn stop(self) {
        self.0.stop();
    }
}

/// What ends a wait between refreshes.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Refresh,
    Stop,
}

impl Monitor {
    /// Runs the monitor on its own thread: a refresh every interval (backing off
    /// while the cluster is unreachable), each handed to `sink`. Stops when `sink`
    /// returns false or the handle is dropped.
    pub fn spawn(self, sink: impl FnMut(Refresh) -> bool + Send + 'static) -> MonitorHandle {
        self.spawn_focused(sink, |_| true)
    }

    /// [`Monitor::spawn`], and before each refresh the focused read (see
    /// [`Monitor::focus_first`]), when there is one, handed to `on_focus`.
    pub fn spawn_focused(
        mut self,
        mut sink: impl FnMut(Refresh) -> bool + Send + 'static,
        mut on_focus: impl FnMut(FocusRefresh) -> bool + Send + 'static,
    ) -> MonitorHandle {
        MonitorHandle(Worker::spawn("kaftop-poller", move |rx| loop {
            if let Some(focused) = self.focus_first() {
                if !on_focus(focused) {
                    return;
                }
            }
            let refresh = self.once();
            if !refresh.metrics.connected {
                tracing::warn!(errors = ?refresh.metrics.errors, failures = refresh.failures, "refresh failed");
            }
            let wait = self.next_wait();
            if !sink(refresh) {
                return;
            }
            let next = wait_between(&rx, Instant::now() + wait, |setting| match setting {
                Setting::Focus(f) => self.set_focus(f),
                Setting::Interval(d) => self.interval = d,
            });
            if next == Next::Stop {
                return;
            }
        }))
    }
}

/// A setting changed during a wait.
enum Setting {
    Focus(Focus),
    Interval(Duration),
}

/// Waits until `until` or a control message that ends the wait; a new focus is
/// taken on the way without cutting the wait short, a new interval shortens it
/// to at most that interval from now.
fn wait_between(
    rx: &Receiver<MonitorControl>,
    mut until: Instant,
    mut on_setting: impl FnMut(Setting),
) -> Next {
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(MonitorControl::Stop) | Err(RecvTimeoutError::Disconnected) => return Next::Stop,
            Ok(MonitorControl::RefreshNow) | Err(RecvTimeoutError::Timeout) => {
                return Next::Refresh
            }
            Ok(MonitorControl::Focus(f)) => on_setting(Setting::Focus(f)),
            Ok(MonitorControl::Replaced(metrics)) => {
                drop(metrics);
                crate::memory::release_freed();
            }
            Ok(MonitorControl::Interval(d)) => {
                until = until.min(Instant::now() + d);
                on_setting(Setting::Interval(d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_wait_ends_at_its_time_or_when_told() {
        let (tx, rx) = mpsc::channel();
        let soon = || Instant::now() + Duration::from_millis(20);
        assert_eq!(wait_between(&rx, soon(), |_| {}), Next::Refresh);
        tx.send(MonitorControl::RefreshNow).unwrap();
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(wait_between(&rx, far, |_| {}), Next::Refresh);
        tx.send(MonitorControl::Stop).unwrap();
        assert_eq!(wait_between(&rx, far, |_| {}), Next::Stop);
    }

    #[test]
    fn a_new_focus_is_taken_without_ending_the_wait() {
        let (tx, rx) = mpsc::channel();
        let focus = Focus {
            groups: ["g".to_string()].into(),
            ..Focus::default()
        };
        tx.send(MonitorControl::Focus(focus.clone())).unwrap();
        let mut seen = Vec::new();
        let started = Instant::now();
        let next = wait_between(&rx, started + Duration::from_millis(50), |s| {
            if let Setting::Focus(f) = s {
                seen.push(f);
            }
        });
        assert_eq!(next, Next::Refresh);
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(seen, vec![focus]);
        drop(tx);
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(wait_between(&rx, far, |_| {}), Next::Stop);
    }

    #[test]
    fn metrics_handed_back_are_dropped_without_ending_the_wait() {
        let (tx, rx) = mpsc::channel();
        tx.send(MonitorControl::Replaced(Box::default())).unwrap();
        let started = Instant::now();
        let next = wait_between(&rx, started + Duration::from_millis(50), |_| {
            panic!("no setting changed")
        });
        assert_eq!(next, Next::Refresh);
        assert!(started.elapsed() >= Duration::from_millis(50));
        // Taken from the channel (and dropped) on the waiting thread.
        assert!(matches!(rx.try_recv(), Err(mpsc::TryRecvError::Empty)));
    }

    #[test]
    fn a_new_interval_is_taken_and_shortens_the_wait() {
        let (tx, rx) = mpsc::channel();
        tx.send(MonitorControl::Interval(Duration::from_millis(10)))
            .unwrap();
        let mut seen = Vec::new();
        // Without the new interval this wait would last a minute.
        let far = Instant::now() + Duration::from_secs(60);
        let next = wait_between(&rx, far, |s| {
            if let Setting::Interval(d) = s {
                seen.push(d);
            }
        });
        assert_eq!(next, Next::Refresh);
        assert_eq!(seen, vec![Duration::from_millis(10)]);
    }
}

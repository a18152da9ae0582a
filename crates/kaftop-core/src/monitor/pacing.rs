//! When the next refresh runs: pure functions of the interval, the last refresh's
//! time, the failures so far and the window a one-shot command watches for,
//! tested without a cluster.

use std::time::Duration;

use crate::present;
use crate::retry::Backoff;

/// Longest wait between attempts while the cluster is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait after a refresh that took `took`: the interval while healthy
/// (stretched by a slow refresh, [`stretched`]), doubling per consecutive
/// failure up to [`MAX_BACKOFF`] (never below the interval).
///
/// The wait starts when a refresh ends, so a refresh slower than the interval
/// never runs back to back: a struggling cluster is never asked again before it
/// has had at least a full interval, and at least as long as it took to answer.
pub fn next_wait(interval: Duration, consecutive_failures: u32, took: Duration) -> Duration {
    if consecutive_failures == 0 {
        return stretched(interval, took);
    }
    // A failed refresh's time is its timeouts: the backoff alone paces it.
    Backoff::new(interval, MAX_BACKOFF.max(interval)).delay(consecutive_failures - 1)
}

/// The interval, or when a refresh took longer than it, the refresh's own time
/// rounded up to a whole number of intervals: with a 5 s interval a cluster
/// that takes 14.3 s to read is asked again 15 s later, so the reader spends at
/// most half its time reading.
pub fn stretched(interval: Duration, took: Duration) -> Duration {
    if took <= interval || interval.is_zero() {
        return interval.max(took);
    }
    let n = took.as_nanos().div_ceil(interval.as_nanos());
    interval.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
}

/// How one refresh was paced: what the dashboard's header and `/metrics` say
/// when the cluster takes longer to read than the interval allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pace {
    /// The configured interval.
    pub interval: Duration,
    /// How long the refresh took.
    pub took: Duration,
    /// The wait before the next refresh.
    pub wait: Duration,
}

impl Pace {
    /// Whether the refresh outlasted the interval (the wait was stretched).
    pub fn is_behind(&self) -> bool {
        self.took > self.interval
    }

    /// "refresh 14.3s > interval 5s: refreshing every 15s" when the refresh
    /// outlasted the interval; `None` while the interval holds.
    pub fn behind(&self) -> Option<String> {
        self.is_behind().then(|| {
            format!(
                "refresh {} > interval {}: refreshing every {}",
                present::tenths(self.took.as_secs_f64()),
                present::tenths(self.interval.as_secs_f64()),
                present::tenths(self.wait.as_secs_f64()),
            )
        })
    }
}

/// How long a one-shot command watches the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// No refresh starts after this long; `None`: until stopped.
    pub span: Option<Duration>,
    /// Refreshes made whatever the span (rates need two).
    pub min_refreshes: u64,
}

impl Window {
    /// Refreshes for `span`: no refresh starts after it; at least one.
    pub fn span(span: Duration) -> Self {
        Window {
            span: Some(span),
            min_refreshes: 1,
        }
    }

    /// Refreshes until the process is stopped.
    pub fn until_stopped() -> Self {
        Window {
            span: None,
            min_refreshes: 1,
        }
    }

    /// Exactly `n` refreshes, one interval apart.
    pub fn refreshes(n: u64) -> Self {
        Window {
            span: Some(Duration::ZERO),
            min_refreshes: n,
        }
    }

    /// At least `n` refreshes even when the span is over.
    pub fn at_least(self, n: u64) -> Self {
        Window {
            min_refreshes: n,
            ..self
        }
    }

    /// Whether another refresh belongs in the window: `done` refreshes made,
    /// `elapsed` since the first began, the next one `wait` from now.
    pub fn wants_another(&self, elapsed: Duration, done: u64, wait: Duration) -> bool {
        done < self.min_refreshes || self.span.is_none_or(|s| elapsed + wait <= s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn backoff_doubles_and_caps() {
        let i = S(2);
        let z = Duration::ZERO;
        assert_eq!(next_wait(i, 0, z), i);
        assert_eq!(next_wait(i, 1, z), i);
        assert_eq!(next_wait(i, 2, z), S(4));
        assert_eq!(next_wait(i, 4, z), S(16));
        assert_eq!(next_wait(i, 5, z), MAX_BACKOFF);
        assert_eq!(next_wait(i, 1000, z), MAX_BACKOFF);
        // An interval longer than the cap is never shortened.
        assert_eq!(next_wait(S(60), 3, z), S(60));
    }

    #[test]
    fn a_refresh_slower_than_the_interval_stretches_the_wait_and_says_so() {
        let i = S(5);
        let slow = Duration::from_millis(14_300);
        // Never back to back: the wait covers the refresh's own time.
        assert_eq!(next_wait(i, 0, slow), S(15));
        assert!(next_wait(i, 0, slow) >= slow);
        assert_eq!(next_wait(i, 0, S(15)), S(15));
        assert_eq!(next_wait(i, 0, Duration::from_millis(4_900)), i);
        assert_eq!(next_wait(i, 0, Duration::from_millis(5_100)), S(10));
        // A failing cluster is paced by the backoff alone.
        assert_eq!(next_wait(i, 2, slow), S(10));
        let pace = Pace {
            interval: i,
            took: slow,
            wait: next_wait(i, 0, slow),
        };
        assert_eq!(
            pace.behind().as_deref(),
            Some("refresh 14.3s > interval 5s: refreshing every 15s")
        );
        let on_time = Pace {
            took: Duration::from_millis(900),
            wait: i,
            ..pace
        };
        assert_eq!(on_time.behind(), None);
    }

    #[test]
    fn a_window_ends_before_a_refresh_that_would_start_after_it() {
        let w = Window::span(S(10));
        assert!(w.wants_another(S(1), 1, S(2)));
        assert!(w.wants_another(S(8), 5, S(2)));
        assert!(!w.wants_another(S(9), 5, S(2)));
        // A backoff that reaches past the window ends it too.
        assert!(!w.wants_another(S(3), 2, next_wait(S(2), 4, Duration::ZERO)));
    }

    #[test]
    fn minimum_refreshes_outlast_the_span() {
        // `kaftop snapshot` with its default window of one interval: two refreshes.
        let w = Window::span(S(2)).at_least(2);
        assert!(w.wants_another(S(1), 1, S(2)));
        assert!(!w.wants_another(S(3), 2, S(2)));
        // `kaftop topics`: exactly two, one interval apart.
        let w = Window::refreshes(2);
        assert!(w.wants_another(S(0), 1, S(5)));
        assert!(!w.wants_another(S(5), 2, S(5)));
    }

    #[test]
    fn until_stopped_never_ends() {
        let w = Window::until_stopped();
        assert!(w.wants_another(S(1_000_000), 1_000, MAX_BACKOFF));
    }
}

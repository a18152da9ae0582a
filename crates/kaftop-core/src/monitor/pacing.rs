//! When the next refresh runs: pure functions of the interval, the failures so far
//! and the window a one-shot command watches for, tested without a cluster.

use std::time::Duration;

use crate::retry::Backoff;

/// Longest wait between attempts while the cluster is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait after a refresh: the interval while healthy, doubling per consecutive
/// failure up to [`MAX_BACKOFF`] (never below the interval).
///
/// The wait starts when a refresh ends, so a refresh slower than the interval
/// stretches the period (refresh + interval) instead of running back to back: a
/// struggling cluster is never asked again before it has had a full interval.
pub fn next_wait(interval: Duration, consecutive_failures: u32) -> Duration {
    if consecutive_failures == 0 {
        return interval;
    }
    Backoff::new(interval, MAX_BACKOFF.max(interval)).delay(consecutive_failures - 1)
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
        assert_eq!(next_wait(i, 0), i);
        assert_eq!(next_wait(i, 1), i);
        assert_eq!(next_wait(i, 2), S(4));
        assert_eq!(next_wait(i, 4), S(16));
        assert_eq!(next_wait(i, 5), MAX_BACKOFF);
        assert_eq!(next_wait(i, 1000), MAX_BACKOFF);
        // An interval longer than the cap is never shortened.
        assert_eq!(next_wait(S(60), 3), S(60));
    }

    #[test]
    fn a_window_ends_before_a_refresh_that_would_start_after_it() {
        let w = Window::span(S(10));
        assert!(w.wants_another(S(1), 1, S(2)));
        assert!(w.wants_another(S(8), 5, S(2)));
        assert!(!w.wants_another(S(9), 5, S(2)));
        // A backoff that reaches past the window ends it too.
        assert!(!w.wants_another(S(3), 2, next_wait(S(2), 4)));
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

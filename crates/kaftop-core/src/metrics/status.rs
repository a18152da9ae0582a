//! Lag status per partition and group, in the spirit of Burrow's evaluation rules,
//! computed over a sliding window of refreshes.

use std::fmt;

use serde::Serialize;

/// Ordered by severity: a group's status is its worst partition's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LagStatus {
    /// Caught up, or lag not growing.
    Ok,
    /// Lag grew at every step across the window.
    Warn,
    /// Committed offset frozen for half the window while lag > 0.
    Stall,
    /// No commit for longer than the window while lag > 0.
    Stop,
    /// The committed offset moved backwards (a reset or a rewinding consumer).
    Rewind,
}

impl LagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LagStatus::Ok => "OK",
            LagStatus::Warn => "WARN",
            LagStatus::Stall => "STALL",
            LagStatus::Stop => "STOP",
            LagStatus::Rewind => "REWIND",
        }
    }
}

impl fmt::Display for LagStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why a status is not plain OK, in words every surface shares (`report::words`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// No member to consume, lag behind the log end, and the committed offset
    /// has not moved while watched: one read shows it.
    NoMembers,
    /// The committed offset stood still while lag > 0 (STALL, then STOP).
    Frozen,
    /// Lag grew at every step across the window.
    Growing,
    /// The committed offset moved backwards.
    Rewound,
    /// Records in a partition the group never committed to.
    NeverCommitted,
}

impl StatusReason {
    /// A few words for people.
    pub fn words(self) -> &'static str {
        match self {
            StatusReason::NoMembers => "no members, lag behind the log end",
            StatusReason::Frozen => "committed offset not moving, lag behind the log end",
            StatusReason::Growing => "lag growing",
            StatusReason::Rewound => "committed offset moved back",
            StatusReason::NeverCommitted => "records waiting, never committed",
        }
    }
}

/// A status and why: what every surface shows for a partition or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: LagStatus,
    /// `None` for OK.
    pub reason: Option<StatusReason>,
}

impl Verdict {
    pub const OK: Verdict = Verdict {
        status: LagStatus::Ok,
        reason: None,
    };

    fn new(status: LagStatus, reason: StatusReason) -> Self {
        Verdict {
            status,
            reason: Some(reason),
        }
    }

    /// The worse of the two (the first on a tie).
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.status > self.status {
            other
        } else {
            self
        }
    }
}

/// How much history a group's verdict rests on. STALL and STOP from a frozen
/// offset, WARN from growing lag, rates, stuck partitions and forecasts need
/// more than one read; no members with lag does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct History {
    /// Refreshes that saw the group.
    pub reads: u64,
    /// From the first of them to this one, ms.
    pub span_ms: u64,
    /// The status window, ms.
    pub window_ms: u64,
}

impl History {
    /// Shorter than the status window: a frozen offset cannot be called STOP yet.
    pub fn short(&self) -> bool {
        self.span_ms < self.window_ms
    }
}

/// One refresh's view of a group's partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LagPoint {
    pub committed: Option<i64>,
    pub lag: Option<u64>,
}

/// What the status rules read of a window of points: the engine keeps these
/// facts for every group partition instead of the points themselves
/// (`engine/window.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowFacts {
    /// Points in the window.
    pub len: usize,
    /// The newest point; meaningless while `len` is 0.
    pub last: LagPoint,
    /// The committed offset went down between two consecutive points.
    pub rewound: bool,
    /// Every point's committed offset is the newest one's.
    pub unmoved: bool,
    /// Points whose lag is known.
    pub known_lags: usize,
    /// The known lags, oldest first, never fell and ended higher than they began.
    pub lag_rose: bool,
}

impl WindowFacts {
    /// The facts of `points`, oldest first: the rules' definition.
    pub fn of(points: &[LagPoint]) -> WindowFacts {
        let Some(&last) = points.last() else {
            return WindowFacts::default();
        };
        let lags: Vec<u64> = points.iter().filter_map(|p| p.lag).collect();
        WindowFacts {
            len: points.len(),
            last,
            rewound: points
                .windows(2)
                .any(|w| matches!((w[0].committed, w[1].committed), (Some(a), Some(b)) if b < a)),
            unmoved: points.iter().all(|p| p.committed == last.committed),
            known_lags: lags.len(),
            lag_rose: lags.windows(2).all(|w| w[1] >= w[0]) && lags.last() > lags.first(),
        }
    }
}

/// Evaluates the facts of the last window, the last point read at `at_ms` (the
/// rules need no other point's time). `frozen_since_ms` is when the committed
/// offset last changed (it may lie before the window); `members`: the group's,
/// `None` when the cluster could not tell.
pub fn partition_status(
    window: &WindowFacts,
    at_ms: u64,
    frozen_since_ms: u64,
    window_ms: u64,
    members: Option<usize>,
) -> Verdict {
    if window.len == 0 {
        return Verdict::OK;
    }
    let last = window.last;
    if window.rewound {
        return Verdict::new(LagStatus::Rewind, StatusReason::Rewound);
    }
    let lag = last.lag.unwrap_or(0);
    if lag == 0 {
        return Verdict::OK;
    }
    // Nobody to consume and nothing consumed while watched: stopped, whatever
    // the history's length (a consumer that commits without joining the group
    // moves its offset, and is judged by the rules below).
    if members == Some(0) && last.committed.is_some() && window.unmoved {
        return Verdict::new(LagStatus::Stop, StatusReason::NoMembers);
    }
    let frozen_for = at_ms.saturating_sub(frozen_since_ms);
    if last.committed.is_some() || window.len > 1 {
        if frozen_for >= window_ms {
            return Verdict::new(LagStatus::Stop, StatusReason::Frozen);
        }
        if frozen_for >= window_ms / 2 && window.len >= 3 {
            return Verdict::new(LagStatus::Stall, StatusReason::Frozen);
        }
    }
    if window.known_lags >= 3 && window.lag_rose {
        Verdict::new(LagStatus::Warn, StatusReason::Growing)
    } else {
        Verdict::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points read at the given times, and the time of the last.
    struct Pts(Vec<LagPoint>, u64);

    fn pts(v: &[(u64, i64, u64)]) -> Pts {
        let points = v
            .iter()
            .map(|&(_, c, lag)| LagPoint {
                committed: Some(c),
                lag: Some(lag),
            })
            .collect();
        Pts(points, v.last().map_or(0, |p| p.0))
    }

    const W: u64 = 10_000;

    fn eval(p: &Pts, frozen_since_ms: u64, members: Option<usize>) -> Verdict {
        partition_status(&WindowFacts::of(&p.0), p.1, frozen_since_ms, W, members)
    }

    /// The status of a partition of a group with one member.
    fn status(p: &Pts, frozen_since_ms: u64) -> LagStatus {
        eval(p, frozen_since_ms, Some(1)).status
    }

    #[test]
    fn caught_up_is_ok() {
        let p = pts(&[(0, 10, 0), (2000, 10, 0), (4000, 10, 0), (30_000, 10, 0)]);
        assert_eq!(status(&p, 0), LagStatus::Ok);
        assert_eq!(status(&pts(&[]), 0), LagStatus::Ok);
    }

    #[test]
    fn progressing_with_steady_lag_is_ok() {
        let p = pts(&[(0, 10, 5), (2000, 20, 5), (4000, 30, 6), (6000, 40, 5)]);
        assert_eq!(status(&p, 6000), LagStatus::Ok);
    }

    #[test]
    fn growing_lag_warns() {
        let p = pts(&[(0, 10, 5), (2000, 20, 8), (4000, 30, 8), (6000, 40, 12)]);
        assert_eq!(status(&p, 6000), LagStatus::Warn);
    }

    #[test]
    fn frozen_offset_stalls_then_stops() {
        let p = pts(&[(0, 10, 5), (2000, 10, 6), (5000, 10, 7)]);
        assert_eq!(status(&p, 0), LagStatus::Stall);
        let p = pts(&[(6000, 10, 5), (8000, 10, 5), (10_500, 10, 5)]);
        assert_eq!(status(&p, 0), LagStatus::Stop);
        // Frozen, but too short to say.
        let p = pts(&[(0, 10, 5), (2000, 10, 5), (4000, 10, 5)]);
        assert_eq!(status(&p, 0), LagStatus::Ok);
    }

    #[test]
    fn backwards_offset_is_rewind() {
        let p = pts(&[(0, 100, 0), (2000, 40, 60), (4000, 50, 50)]);
        assert_eq!(status(&p, 2000), LagStatus::Rewind);
    }

    #[test]
    fn no_members_and_lag_is_stop_from_one_read() {
        let one = pts(&[(0, 10, 5)]);
        assert_eq!(
            eval(&one, 0, Some(0)),
            Verdict::new(LagStatus::Stop, StatusReason::NoMembers)
        );
        // Caught up, or members unknown: no verdict from one read.
        assert_eq!(eval(&pts(&[(0, 10, 0)]), 0, Some(0)), Verdict::OK);
        assert_eq!(eval(&one, 0, None), Verdict::OK);
        // A consumer that commits without joining: its offset moves, so the
        // usual rules judge it.
        let moving = pts(&[(0, 10, 5), (2000, 20, 5), (4000, 30, 5)]);
        assert_eq!(eval(&moving, 4000, Some(0)), Verdict::OK);
        // An offset reset while the group was empty is still a rewind.
        let reset = pts(&[(0, 100, 0), (2000, 40, 60)]);
        assert_eq!(eval(&reset, 2000, Some(0)).status, LagStatus::Rewind);
    }

    #[test]
    fn severity_order() {
        let mut v = [
            LagStatus::Warn,
            LagStatus::Rewind,
            LagStatus::Ok,
            LagStatus::Stop,
        ];
        v.sort();
        assert_eq!(v.last(), Some(&LagStatus::Rewind));
        assert_eq!(format!("{:<6}|", LagStatus::Ok), "OK    |");
    }
}

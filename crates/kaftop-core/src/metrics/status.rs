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

/// One refresh's view of a group's partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagPoint {
    pub at_ms: u64,
    pub committed: Option<i64>,
    pub lag: Option<u64>,
}

/// Evaluates the points of the last window (oldest first). `frozen_since_ms` is
/// when the committed offset last changed (it may lie before the window).
pub fn partition_status(points: &[LagPoint], frozen_since_ms: u64, window_ms: u64) -> LagStatus {
    let Some(last) = points.last() else {
        return LagStatus::Ok;
    };
    let rewound = points
        .windows(2)
        .any(|w| match (w[0].committed, w[1].committed) {
            (Some(a), Some(b)) => b < a,
            _ => false,
        });
    if rewound {
        return LagStatus::Rewind;
    }
    let lag = last.lag.unwrap_or(0);
    if lag == 0 {
        return LagStatus::Ok;
    }
    let frozen_for = last.at_ms.saturating_sub(frozen_since_ms);
    if last.committed.is_some() || points.len() > 1 {
        if frozen_for >= window_ms {
            return LagStatus::Stop;
        }
        if frozen_for >= window_ms / 2 && points.len() >= 3 {
            return LagStatus::Stall;
        }
    }
    let lags: Vec<u64> = points.iter().filter_map(|p| p.lag).collect();
    let growing =
        lags.len() >= 3 && lags.windows(2).all(|w| w[1] >= w[0]) && lags.last() > lags.first();
    if growing {
        LagStatus::Warn
    } else {
        LagStatus::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(u64, i64, u64)]) -> Vec<LagPoint> {
        v.iter()
            .map(|&(at_ms, c, lag)| LagPoint {
                at_ms,
                committed: Some(c),
                lag: Some(lag),
            })
            .collect()
    }

    const W: u64 = 10_000;

    #[test]
    fn caught_up_is_ok() {
        let p = pts(&[(0, 10, 0), (2000, 10, 0), (4000, 10, 0), (30_000, 10, 0)]);
        assert_eq!(partition_status(&p, 0, W), LagStatus::Ok);
        assert_eq!(partition_status(&[], 0, W), LagStatus::Ok);
    }

    #[test]
    fn progressing_with_steady_lag_is_ok() {
        let p = pts(&[(0, 10, 5), (2000, 20, 5), (4000, 30, 6), (6000, 40, 5)]);
        assert_eq!(partition_status(&p, 6000, W), LagStatus::Ok);
    }

    #[test]
    fn growing_lag_warns() {
        let p = pts(&[(0, 10, 5), (2000, 20, 8), (4000, 30, 8), (6000, 40, 12)]);
        assert_eq!(partition_status(&p, 6000, W), LagStatus::Warn);
    }

    #[test]
    fn frozen_offset_stalls_then_stops() {
        let p = pts(&[(0, 10, 5), (2000, 10, 6), (5000, 10, 7)]);
        assert_eq!(partition_status(&p, 0, W), LagStatus::Stall);
        let p = pts(&[(6000, 10, 5), (8000, 10, 5), (10_500, 10, 5)]);
        assert_eq!(partition_status(&p, 0, W), LagStatus::Stop);
        // Frozen, but too short to say.
        let p = pts(&[(0, 10, 5), (2000, 10, 5), (4000, 10, 5)]);
        assert_eq!(partition_status(&p, 0, W), LagStatus::Ok);
    }

    #[test]
    fn backwards_offset_is_rewind() {
        let p = pts(&[(0, 100, 0), (2000, 40, 60), (4000, 50, 50)]);
        assert_eq!(partition_status(&p, 2000, W), LagStatus::Rewind);
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

//! Consumer lag from one consistent pair of reads.

use serde::Serialize;

/// Lag of one partition for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartitionLag {
    /// `log_end - committed`, clamped at 0. `None` when either is unknown.
    pub lag: Option<u64>,
    /// The unclamped difference. Negative when the committed offset was read after
    /// the log end offset and overtook it (the two are read at different moments).
    pub raw: Option<i64>,
}

impl PartitionLag {
    pub fn negative(&self) -> bool {
        self.raw.is_some_and(|r| r < 0)
    }
}

pub fn partition_lag(committed: Option<i64>, log_end: Option<i64>) -> PartitionLag {
    match (committed, log_end) {
        (Some(c), Some(e)) if c >= 0 && e >= 0 => {
            let raw = e - c;
            PartitionLag {
                lag: Some(raw.max(0) as u64),
                raw: Some(raw),
            }
        }
        _ => PartitionLag {
            lag: None,
            raw: None,
        },
    }
}

/// Seconds behind, estimated from the partition's produce rate: the records in
/// the lag took about `lag / produce_rate` seconds to be written.
pub fn time_lag_secs(lag: u64, produce_rate: Option<f64>) -> Option<f64> {
    if lag == 0 {
        return Some(0.0);
    }
    match produce_rate {
        Some(r) if r > 0.0 => Some(lag as f64 / r),
        _ => None,
    }
}

/// When the group will have caught up at current rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "secs", rename_all = "snake_case")]
pub enum Eta {
    CaughtUp,
    In(f64),
    /// Consuming as fast as records arrive: the lag holds.
    Steady,
    /// Lag, and nothing is being consumed.
    NotConsuming,
    FallingBehind,
    /// No consumption measured yet.
    Unknown,
}

pub fn eta(lag: u64, consume_rate: Option<f64>, produce_rate: Option<f64>) -> Eta {
    if lag == 0 {
        return Eta::CaughtUp;
    }
    let Some(consume) = consume_rate else {
        return Eta::Unknown;
    };
    if consume <= 0.0 {
        return Eta::NotConsuming;
    }
    let produce = produce_rate.unwrap_or(0.0);
    let net = consume - produce;
    // Rates are smoothed estimates: within 1 % of each other they are equal.
    let tolerance = 0.01 * consume.max(produce);
    if net > tolerance {
        Eta::In(lag as f64 / net)
    } else if net < -tolerance {
        Eta::FallingBehind
    } else {
        Eta::Steady
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_clamped_with_raw_kept() {
        let l = partition_lag(Some(90), Some(100));
        assert_eq!((l.lag, l.raw, l.negative()), (Some(10), Some(10), false));
        let n = partition_lag(Some(105), Some(100));
        assert_eq!((n.lag, n.raw, n.negative()), (Some(0), Some(-5), true));
        assert_eq!(partition_lag(None, Some(100)).lag, None);
        assert_eq!(partition_lag(Some(-1001), Some(100)).lag, None);
        assert_eq!(partition_lag(Some(1), None).raw, None);
    }

    #[test]
    fn time_lag_and_eta() {
        assert_eq!(time_lag_secs(0, None), Some(0.0));
        assert_eq!(time_lag_secs(100, Some(50.0)), Some(2.0));
        assert_eq!(time_lag_secs(100, Some(0.0)), None);
        assert_eq!(eta(0, None, None), Eta::CaughtUp);
        assert_eq!(eta(100, None, Some(1.0)), Eta::Unknown);
        assert_eq!(eta(100, Some(30.0), Some(10.0)), Eta::In(5.0));
        assert_eq!(eta(100, Some(10.0), Some(10.0)), Eta::Steady);
        assert_eq!(eta(100, Some(10.0), Some(10.05)), Eta::Steady);
        assert_eq!(eta(100, Some(10.0), Some(12.0)), Eta::FallingBehind);
        assert_eq!(eta(100, Some(0.0), None), Eta::NotConsuming);
    }
}

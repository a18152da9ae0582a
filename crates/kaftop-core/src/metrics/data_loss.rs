//! Data-loss forecast: from the history of a partition's log-start offset (moved by
//! retention or deleteRecords), when will it pass a group's committed offset? Once it
//! has, how many records went unconsumed?

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataLoss {
    /// The log start will pass the committed offset in about this many seconds.
    Forecast { in_secs: f64 },
    /// The committed offset is below the log start: these records were never consumed.
    Lost { records: u64 },
}

/// A partition's log-start offsets over the last `span`: at most 11 samples, one per
/// tenth of the span, so memory does not grow with the poll rate.
#[derive(Debug, Clone)]
pub struct LogStartHistory {
    samples: VecDeque<(u64, i64)>,
    span_ms: u64,
}

impl LogStartHistory {
    pub fn new(span: Duration) -> Self {
        LogStartHistory {
            // Its most (one per tenth of the span, and the one past it until the
            // oldest is dropped): growing by doubling would reserve 16.
            samples: VecDeque::with_capacity(12),
            span_ms: (span.as_millis() as u64).max(1),
        }
    }

    /// Records the log start `low` seen at `at_ms` (monotonic).
    pub fn observe(&mut self, at_ms: u64, low: i64) {
        // A log start that went back: the partition was recreated; start over.
        if self.samples.back().is_some_and(|&(_, l)| low < l) {
            self.samples.clear();
        }
        let step = self.span_ms / 10;
        if self
            .samples
            .back()
            .is_none_or(|&(t, _)| at_ms >= t.saturating_add(step))
        {
            self.samples.push_back((at_ms, low));
        }
        while self.samples.len() > 1
            && self
                .samples
                .front()
                .is_some_and(|&(t, _)| at_ms.saturating_sub(t) > self.span_ms)
        {
            self.samples.pop_front();
        }
    }

    /// Records per second the log start advanced by, from the oldest sample kept to
    /// (`at_ms`, `low`); `None` before two distinct moments.
    pub fn rate(&self, at_ms: u64, low: i64) -> Option<f64> {
        let &(t0, l0) = self.samples.front()?;
        let secs = at_ms.checked_sub(t0)? as f64 / 1000.0;
        (secs > 0.0).then(|| (low - l0).max(0) as f64 / secs)
    }
}

/// A group's data loss on a partition: records already lost when its committed
/// offset is below the log start; else, while it lags, when the log start (moving at
/// `rate` records/s) will have deleted the record at the committed offset.
pub fn data_loss(committed: i64, low: i64, lag: u64, rate: Option<f64>) -> Option<DataLoss> {
    if committed < low {
        return Some(DataLoss::Lost {
            records: (low - committed) as u64,
        });
    }
    match rate {
        Some(r) if r > 0.0 && lag > 0 => Some(DataLoss::Forecast {
            in_secs: (committed + 1 - low) as f64 / r,
        }),
        _ => None,
    }
}

/// A group's summary: lost records summed when any were lost, else the soonest
/// forecast.
pub fn worst<'a>(losses: impl IntoIterator<Item = &'a DataLoss>) -> Option<DataLoss> {
    let mut lost: Option<u64> = None;
    let mut soonest: Option<f64> = None;
    for l in losses {
        match *l {
            DataLoss::Lost { records } => *lost.get_or_insert(0) += records,
            DataLoss::Forecast { in_secs } => {
                soonest = Some(soonest.map_or(in_secs, |s: f64| s.min(in_secs)));
            }
        }
    }
    lost.map(|records| DataLoss::Lost { records })
        .or(soonest.map(|in_secs| DataLoss::Forecast { in_secs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forecast_from_the_pace_of_the_log_start() {
        let mut h = LogStartHistory::new(Duration::from_secs(600));
        assert_eq!(h.rate(0, 0), None);
        h.observe(0, 0);
        h.observe(10_000, 100);
        // 200 records in 20 s.
        let rate = h.rate(20_000, 200);
        assert_eq!(rate, Some(10.0));
        // Committed at 500, log start at 200: 301 records to go at 10/s.
        assert_eq!(
            data_loss(500, 200, 40, rate),
            Some(DataLoss::Forecast { in_secs: 30.1 })
        );
        // Caught up: nothing to lose.
        assert_eq!(data_loss(500, 200, 0, rate), None);
        assert_eq!(data_loss(500, 200, 40, Some(0.0)), None);
        assert_eq!(
            data_loss(150, 200, 40, rate),
            Some(DataLoss::Lost { records: 50 })
        );
    }

    #[test]
    fn history_is_bounded_and_restarts_on_a_new_partition() {
        let mut h = LogStartHistory::new(Duration::from_secs(100));
        for i in 0..1_000u64 {
            h.observe(i * 1_000, i as i64);
        }
        assert!(h.samples.len() <= 11);
        assert_eq!(h.rate(1_000_000, 1_000), Some(1.0));
        h.observe(1_001_000, 0);
        assert_eq!(h.samples.len(), 1);
    }

    #[test]
    fn a_group_sums_losses_or_names_the_soonest() {
        let f = |s| DataLoss::Forecast { in_secs: s };
        assert_eq!(worst(&[f(30.0), f(10.0)]), Some(f(10.0)));
        let l = |r| DataLoss::Lost { records: r };
        assert_eq!(worst(&[f(3.0), l(5), l(7)]), Some(l(12)));
        assert_eq!(worst(&[]), None);
    }
}

//! Data-loss forecast: from the pace of a partition's log-start offset (moved by
//! retention or deleteRecords; [`super::log_start`] keeps it), when will it pass a
//! group's committed offset? Once it has, how many records went unconsumed?

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataLoss {
    /// The log start will pass the committed offset in about this many seconds.
    Forecast { in_secs: f64 },
    /// The committed offset is below the log start: these records were never consumed.
    Lost { records: u64 },
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
    use std::time::Duration;

    use super::*;
    use crate::metrics::log_start::LogStartHistory;

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
    fn a_group_sums_losses_or_names_the_soonest() {
        let f = |s| DataLoss::Forecast { in_secs: s };
        assert_eq!(worst(&[f(30.0), f(10.0)]), Some(f(10.0)));
        let l = |r| DataLoss::Lost { records: r };
        assert_eq!(worst(&[f(3.0), l(5), l(7)]), Some(l(12)));
        assert_eq!(worst(&[]), None);
    }
}

//! Time lag: exact from the record at the committed offset when it was read, else
//! the estimate from rates, marked as one and saying why.

use std::borrow::Cow;

use crate::kafka::snapshot::RecordRead;
use serde::Serialize;

/// How old the oldest unconsumed record of a partition (or group) is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeLag {
    pub secs: f64,
    /// Read from the record at the committed offset; false: estimated from rates.
    pub exact: bool,
    /// Why the exact figure is missing (compacted away, transaction marker, deleted,
    /// not read yet this refresh...). None when exact. Mostly one of a few fixed
    /// sentences, borrowed rather than allocated for each lagging partition.
    pub note: Option<Cow<'static, str>>,
}

/// What is known of a lagging partition's committed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtCommitted<'a> {
    /// The record there was read (or could not be).
    Read(&'a RecordRead),
    /// The offset is below the log start: the record was deleted.
    Deleted,
    /// Not asked for (exact time lag off, or not read this refresh).
    Unread,
}

/// The time lag of a partition with `lag` at wall-clock `now_ms`; `estimate`: from
/// the produce rate.
pub fn time_lag(
    lag: Option<u64>,
    estimate: Option<f64>,
    at: AtCommitted<'_>,
    now_ms: i64,
) -> Option<TimeLag> {
    let lag = lag?;
    let age = |ms: i64| (now_ms - ms).max(0) as f64 / 1000.0;
    let estimated = |secs: Option<f64>, note: Cow<'static, str>| {
        secs.map(|secs| TimeLag {
            secs,
            exact: false,
            note: Some(note),
        })
    };
    if lag == 0 {
        return Some(TimeLag {
            secs: 0.0,
            exact: true,
            note: None,
        });
    }
    match at {
        AtCommitted::Read(RecordRead::Timestamp { ms }) => Some(TimeLag {
            secs: age(*ms),
            exact: true,
            note: None,
        }),
        AtCommitted::Read(RecordRead::Missing { reason, later_ms }) => {
            estimated(estimate.or(later_ms.map(age)), reason.clone().into())
        }
        AtCommitted::Deleted => estimated(
            estimate,
            Cow::Borrowed("the record at the committed offset was deleted (below the log start)"),
        ),
        AtCommitted::Unread => estimated(
            estimate,
            Cow::Borrowed("record at the committed offset not read"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_when_read_else_an_estimate_that_says_why() {
        let read = RecordRead::Timestamp { ms: 1_000 };
        let exact = time_lag(Some(5), Some(99.0), AtCommitted::Read(&read), 61_500).unwrap();
        assert_eq!((exact.secs, exact.exact, exact.note), (60.5, true, None));

        let gap = RecordRead::Missing {
            reason: "compacted".into(),
            later_ms: Some(50_000),
        };
        let est = time_lag(Some(5), Some(7.0), AtCommitted::Read(&gap), 61_000).unwrap();
        assert_eq!((est.secs, est.exact), (7.0, false));
        assert_eq!(est.note.as_deref(), Some("compacted"));
        // No rate: the next record's age, a lower bound.
        let est = time_lag(Some(5), None, AtCommitted::Read(&gap), 61_000).unwrap();
        assert_eq!(est.secs, 11.0);

        assert_eq!(time_lag(Some(5), None, AtCommitted::Deleted, 0), None);
        assert!(time_lag(Some(5), Some(1.0), AtCommitted::Unread, 0)
            .is_some_and(|t| !t.exact && t.note.is_some()));
        assert_eq!(
            time_lag(Some(0), None, AtCommitted::Unread, 0).map(|t| t.exact),
            Some(true)
        );
        assert_eq!(time_lag(None, Some(1.0), AtCommitted::Unread, 0), None);
    }
}

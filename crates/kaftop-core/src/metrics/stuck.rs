//! Stuck partitions: the consumer is alive (other partitions of its group move) but
//! one partition's committed offset stands still while its log grows: the classic
//! poison pill, which a total-lag alert misses.

use std::time::Duration;

use serde::Serialize;

/// A partition whose committed offset has not moved while its log end advanced and
/// other partitions of the group moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stuck {
    /// The committed offset that has not moved: the record there is the likely culprit.
    pub offset: i64,
    /// Wall-clock ms since the epoch when it last moved (or was first seen there).
    pub since_ms: i64,
    pub for_secs: f64,
}

/// Where a group's partition has stood since its committed offset last moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standstill {
    pub committed: Option<i64>,
    /// When the committed offset last moved (or was first seen), monotonic ms.
    pub since_ms: u64,
    /// The same moment, wall clock (ms since the epoch).
    pub since_wall_ms: i64,
    /// The log end then and now.
    pub log_end_then: Option<i64>,
    pub log_end_now: Option<i64>,
}

/// For each of a group's partitions, whether it is stuck at `now_ms`: its committed
/// offset has not moved for `after`, its log end advanced meanwhile, and another
/// partition of the group moved since.
pub fn stuck_partitions(parts: &[Standstill], now_ms: u64, after: Duration) -> Vec<Option<Stuck>> {
    let after_ms = after.as_millis() as u64;
    let last_move = |skip: usize| {
        parts
            .iter()
            .enumerate()
            .filter(|&(i, p)| i != skip && p.committed.is_some())
            .map(|(_, p)| p.since_ms)
            .max()
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let offset = p.committed?;
            let frozen_for = now_ms.checked_sub(p.since_ms)?;
            let grew = matches!((p.log_end_then, p.log_end_now), (Some(a), Some(b)) if b > a);
            let others_moved = last_move(i).is_some_and(|t| t > p.since_ms);
            (frozen_for >= after_ms && grew && others_moved && p.log_end_now > Some(offset)).then(
                || Stuck {
                    offset,
                    since_ms: p.since_wall_ms,
                    for_secs: frozen_for as f64 / 1000.0,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(committed: i64, since_ms: u64, then: i64, now: i64) -> Standstill {
        Standstill {
            committed: Some(committed),
            since_ms,
            since_wall_ms: 1_000_000 + since_ms as i64,
            log_end_then: Some(then),
            log_end_now: Some(now),
        }
    }

    #[test]
    fn one_partition_stands_while_the_others_move() {
        let after = Duration::from_secs(60);
        let parts = [at(10, 0, 20, 90), at(80, 70_000, 85, 90)];
        let out = stuck_partitions(&parts, 70_000, after);
        assert_eq!(
            out,
            [
                Some(Stuck {
                    offset: 10,
                    since_ms: 1_000_000,
                    for_secs: 70.0
                }),
                None
            ]
        );
        // Not long enough yet.
        assert_eq!(stuck_partitions(&parts, 59_000, after)[0], None);
    }

    #[test]
    fn a_stopped_group_or_an_idle_log_is_not_stuck() {
        let after = Duration::from_secs(60);
        // Nothing else moved: the whole consumer stopped (STOP, not STUCK).
        let parts = [at(10, 0, 20, 90), at(80, 0, 85, 90)];
        assert_eq!(stuck_partitions(&parts, 70_000, after), [None, None]);
        // The log did not grow: nothing new to consume.
        let parts = [at(10, 0, 20, 20), at(80, 70_000, 85, 90)];
        assert_eq!(stuck_partitions(&parts, 70_000, after)[0], None);
        // A partition without a commit is not stuck (it is uncommitted).
        let mut none = at(0, 0, 20, 90);
        none.committed = None;
        assert_eq!(
            stuck_partitions(&[none, at(80, 70_000, 85, 90)], 70_000, after)[0],
            None
        );
    }
}

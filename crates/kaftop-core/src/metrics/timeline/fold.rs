//! Partition churn at scale. A broker that restarts under 40 000 partitions
//! shrinks and grows thousands of ISRs in one refresh: one topic's churn of one
//! kind in one refresh becomes one event, and when the log is full partition
//! churn goes first, so the broker going down is never pushed out by its own
//! consequences.

use std::collections::{BTreeSet, VecDeque};

use super::{TimelineEvent, TimelineKind};
use crate::present;

/// More partition events of one kind in one topic in one refresh are folded.
pub(super) const FOLD_ABOVE: usize = 10;

/// Kinds that are about partitions.
pub(super) fn is_partition_churn(kind: TimelineKind) -> bool {
    use TimelineKind::*;
    matches!(
        kind,
        LeaderChanged | IsrShrank | IsrExpanded | UrpBegan | UrpEnded | LogStartJump
    )
}

/// Replaces, for each topic and churn kind with more than [`FOLD_ABOVE`]
/// partition events in `found`, those events by one at the place of the first:
/// "ISR shrank on 100 partitions (t[0]: ISR 1,2,3 → 1,3 (2 out), …)", with the
/// highest severity among them, and the broker when all share it.
pub(super) fn fold_churn(found: &mut Vec<TimelineEvent>) {
    let keys: BTreeSet<(&'static str, String)> = found
        .iter()
        .filter(|e| is_partition_churn(e.kind) && e.partition.is_some())
        .filter_map(|e| Some((e.kind.as_str(), e.topic.clone()?)))
        .collect();
    for (kind, topic) in keys {
        let of_key = |e: &TimelineEvent| {
            e.kind.as_str() == kind && e.partition.is_some() && e.topic.as_deref() == Some(&topic)
        };
        let folded: Vec<&TimelineEvent> = found.iter().filter(|e| of_key(e)).collect();
        let n = folded.len();
        if n <= FOLD_ABOVE {
            continue;
        }
        let one = folded[0];
        let brokers: BTreeSet<Option<i32>> = folded.iter().map(|e| e.broker).collect();
        let e = TimelineEvent {
            at_ms: one.at_ms,
            kind: one.kind,
            severity: folded
                .iter()
                .map(|e| e.severity)
                .max()
                .unwrap_or(one.severity),
            group: None,
            topic: one.topic.clone(),
            partition: None,
            broker: (brokers.len() == 1).then_some(one.broker).flatten(),
            text: format!(
                "{} on {} partitions ({}: {}, …)",
                one.kind.label(),
                present::count_u(n as u64),
                one.subject(),
                one.text
            ),
        };
        let Some(first) = found.iter().position(of_key) else {
            continue;
        };
        // Nothing before the first folded event is folded: it keeps its place.
        found.retain(|x| !of_key(x));
        found.insert(first, e);
    }
}

/// Makes room in a full log: the oldest partition churn event goes, or, when
/// there is none, the oldest event.
pub(super) fn evict(events: &mut VecDeque<TimelineEvent>) {
    match events.iter().position(|e| is_partition_churn(e.kind)) {
        Some(i) => {
            events.remove(i);
        }
        None => {
            events.pop_front();
        }
    }
}

//! One refresh's partition churn folded into one event per kind: at 40 000
//! partitions a broker that restarts shrinks and grows thousands of ISRs in one
//! refresh, which would push everything else (the broker going down itself) out
//! of the bounded log.

use std::collections::BTreeSet;

use super::{TimelineEvent, TimelineKind};
use crate::present;

/// More partition events of one kind than this in one refresh are folded.
pub(super) const FOLD_ABOVE: usize = 10;

/// Kinds that are about one partition.
fn is_partition_churn(kind: TimelineKind) -> bool {
    use TimelineKind::*;
    matches!(
        kind,
        LeaderChanged | IsrShrank | IsrExpanded | UrpBegan | UrpEnded | LogStartJump
    )
}

/// Replaces, for each churn kind with more than [`FOLD_ABOVE`] partition events
/// in `found`, those events by one at the place of the first: "ISR shrank on
/// 2,000 partitions of 40 topics (t[0]: ISR 1,2,3 → 1,3 (2 out), …)", with the
/// highest severity among them, and the topic or broker when all share it.
pub(super) fn fold_churn(found: &mut Vec<TimelineEvent>) {
    let kinds: BTreeSet<&'static str> = found
        .iter()
        .filter(|e| is_partition_churn(e.kind) && e.partition.is_some())
        .map(|e| e.kind.as_str())
        .collect();
    for kind in kinds {
        let of_kind = |e: &TimelineEvent| e.kind.as_str() == kind && e.partition.is_some();
        let n = found.iter().filter(|e| of_kind(e)).count();
        if n <= FOLD_ABOVE {
            continue;
        }
        let Some(first) = found.iter().position(of_kind) else {
            continue;
        };
        let folded: Vec<&TimelineEvent> = found.iter().filter(|e| of_kind(e)).collect();
        let topics: BTreeSet<&str> = folded.iter().filter_map(|e| e.topic.as_deref()).collect();
        let brokers: BTreeSet<Option<i32>> = folded.iter().map(|e| e.broker).collect();
        let one = folded[0];
        let mut e = TimelineEvent {
            at_ms: one.at_ms,
            kind: one.kind,
            severity: folded
                .iter()
                .map(|e| e.severity)
                .max()
                .unwrap_or(one.severity),
            group: None,
            topic: (topics.len() == 1).then(|| one.topic.clone()).flatten(),
            partition: None,
            broker: (brokers.len() == 1).then_some(one.broker).flatten(),
            text: String::new(),
        };
        let s = if topics.len() == 1 { "" } else { "s" };
        e.text = format!(
            "{} on {} partitions of {} topic{s} ({}: {}, …)",
            one.kind.label(),
            present::count_u(n as u64),
            present::count_u(topics.len() as u64),
            one.subject(),
            one.text
        );
        // Nothing before the first folded event is folded: it keeps its place.
        found.retain(|x| !of_kind(x));
        found.insert(first, e);
    }
}

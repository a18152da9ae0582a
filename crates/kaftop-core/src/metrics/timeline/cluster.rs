//! Events of the cluster and its topics: brokers, the controller, topics,
//! partitions, leaders, ISR, under-replication and log starts.

use std::collections::{BTreeMap, BTreeSet};

use super::seen::{self, PartitionSeen, Seen, TopicSeen};
use super::{Severity, TimelineEvent, TimelineKind};
use crate::kafka::snapshot::ClusterSnapshot;

/// An event at the snapshot's time, about nothing yet (set its subject fields).
pub(super) fn event(
    snap: &ClusterSnapshot,
    kind: TimelineKind,
    severity: Severity,
    text: String,
) -> TimelineEvent {
    TimelineEvent {
        at_ms: snap.taken_at_ms,
        kind,
        severity,
        group: None,
        topic: None,
        partition: None,
        broker: None,
        text,
    }
}

/// Brokers that left or joined the metadata's broker list.
pub(super) fn brokers(
    prev: &Seen,
    snap: &ClusterSnapshot,
    out: &mut Vec<TimelineEvent>,
) -> BTreeMap<i32, String> {
    let now = seen::brokers(snap);
    for (id, addr) in &prev.brokers {
        if !now.contains_key(id) {
            let text = format!("broker {id} ({addr}) down");
            let mut e = event(snap, TimelineKind::BrokerDown, Severity::Crit, text);
            e.broker = Some(*id);
            out.push(e);
        }
    }
    for (id, addr) in &now {
        if !prev.brokers.contains_key(id) {
            let text = format!("broker {id} ({addr}) up");
            let mut e = event(snap, TimelineKind::BrokerUp, Severity::Info, text);
            e.broker = Some(*id);
            out.push(e);
        }
    }
    now
}

/// The controller, changed only when the one remembered is no longer a live
/// broker: a KRaft broker names a random live broker as the controller in its
/// metadata, so a different id alone is no change.
pub(super) fn controller(
    prev: &Seen,
    snap: &ClusterSnapshot,
    live: &BTreeMap<i32, String>,
    out: &mut Vec<TimelineEvent>,
) -> Option<i32> {
    let Some(now) = snap.controller else {
        return prev.controller;
    };
    match prev.controller {
        Some(before) if before != now && !live.contains_key(&before) => {
            let text = format!("controller {before} → {now}");
            let mut e = event(snap, TimelineKind::ControllerChanged, Severity::Warn, text);
            e.broker = Some(now);
            out.push(e);
            Some(now)
        }
        Some(before) => Some(before),
        None => Some(now),
    }
}

/// Topics created and deleted, and the changes of each partition. `seen` is
/// brought to `snap` in place: a partition that did not change keeps the blocks
/// it holds, so the baseline is not allocated again among each refresh's
/// passing allocations (40 000 partitions at issue 20's largest preset).
pub(super) fn topics(
    seen: &mut BTreeMap<String, TopicSeen>,
    snap: &ClusterSnapshot,
    out: &mut Vec<TimelineEvent>,
) {
    for t in &snap.topics {
        let topic_event = |kind, severity, text| {
            let mut e = event(snap, kind, severity, text);
            e.topic = Some(t.name.clone());
            e
        };
        if t.partitions.is_empty() && t.error.is_some() {
            // Unreadable this time: remembered as it was.
            continue;
        }
        let Some(before) = seen.get_mut(&t.name) else {
            let Some(created) = TopicSeen::read(t) else {
                continue;
            };
            let rf = created.partitions.values().map(|p| p.replicas.len()).max();
            let text = format!(
                "topic created: {} partitions, replication {}",
                created.partitions.len(),
                rf.unwrap_or(0)
            );
            out.push(topic_event(
                TimelineKind::TopicCreated,
                Severity::Info,
                text,
            ));
            seen.insert(t.name.clone(), created);
            continue;
        };
        let ids: BTreeSet<i32> = t.partitions.iter().map(|p| p.id).collect();
        if ids.len() > before.partitions.len() {
            let text = format!("partitions {} → {}", before.partitions.len(), ids.len());
            out.push(topic_event(
                TimelineKind::PartitionsAdded,
                Severity::Info,
                text,
            ));
        }
        before.partitions.retain(|id, _| ids.contains(id));
        let mut by_id: Vec<_> = t.partitions.iter().collect();
        by_id.sort_by_key(|p| p.id);
        for p in by_id {
            let Some(held) = before.partitions.get_mut(&p.id) else {
                before.partitions.insert(p.id, PartitionSeen::read(p, None));
                continue;
            };
            let now = PartitionSeen::read(p, Some(held));
            partition(held, &now, &mut |kind, severity, broker, text| {
                let mut e = topic_event(kind, severity, text);
                e.partition = Some(p.id);
                e.broker = broker;
                out.push(e);
            });
            if *held != now {
                *held = now;
            }
        }
    }
    let live: BTreeSet<&str> = snap.topics.iter().map(|t| t.name.as_str()).collect();
    seen.retain(|name, _| {
        let kept = live.contains(name.as_str());
        if !kept {
            let mut e = event(
                snap,
                TimelineKind::TopicDeleted,
                Severity::Warn,
                "topic deleted".into(),
            );
            e.topic = Some(name.clone());
            out.push(e);
        }
        kept
    });
}

/// `1,2,3`, or `none`.
fn ids(list: &[i32]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn leader_name(id: i32) -> String {
    if id < 0 {
        "none".into()
    } else {
        id.to_string()
    }
}

/// The one broker of `set`, if it holds exactly one.
fn single(set: &BTreeSet<i32>) -> Option<i32> {
    (set.len() == 1).then(|| set.first().copied()).flatten()
}

/// Changes of one partition: `emit(kind, severity, broker, text)`.
fn partition(
    before: &PartitionSeen,
    now: &PartitionSeen,
    emit: &mut dyn FnMut(TimelineKind, Severity, Option<i32>, String),
) {
    if before.leader != now.leader {
        let severity = if now.leader < 0 {
            Severity::Crit
        } else if now.replicas.first() == Some(&now.leader) {
            // Back on its preferred replica: a recovery, not a loss.
            Severity::Info
        } else {
            Severity::Warn
        };
        let text = format!(
            "leader {} → {}",
            leader_name(before.leader),
            leader_name(now.leader)
        );
        let broker = (now.leader >= 0).then_some(now.leader);
        emit(TimelineKind::LeaderChanged, severity, broker, text);
    }
    let was: BTreeSet<i32> = before.isr.iter().copied().collect();
    let is: BTreeSet<i32> = now.isr.iter().copied().collect();
    let left: BTreeSet<i32> = was.difference(&is).copied().collect();
    let joined: BTreeSet<i32> = is.difference(&was).copied().collect();
    let change = format!("ISR {} → {}", ids(&before.isr), ids(&now.isr));
    if !left.is_empty() {
        let text = format!(
            "{change} ({} out)",
            ids(&Vec::from_iter(left.iter().copied()))
        );
        emit(TimelineKind::IsrShrank, Severity::Warn, single(&left), text);
    }
    if !joined.is_empty() {
        let text = format!(
            "{change} ({} back in sync)",
            ids(&Vec::from_iter(joined.iter().copied()))
        );
        emit(
            TimelineKind::IsrExpanded,
            Severity::Info,
            single(&joined),
            text,
        );
    }
    let in_sync = format!(
        "{} of {} replicas in sync",
        now.isr.len(),
        now.replicas.len()
    );
    match (before.under_replicated(), now.under_replicated()) {
        (false, true) => emit(
            TimelineKind::UrpBegan,
            Severity::Warn,
            None,
            format!("under-replicated: {in_sync}"),
        ),
        (true, false) => emit(
            TimelineKind::UrpEnded,
            Severity::Info,
            None,
            format!("fully replicated again: {in_sync}"),
        ),
        _ => {}
    }
    if let (Some(from), Some(to)) = (before.low, now.low) {
        if to > from {
            let removed = crate::present::count(to - from);
            let text = format!("log start {from} → {to}: {removed} records removed");
            emit(TimelineKind::LogStartJump, Severity::Info, None, text);
        }
    }
}

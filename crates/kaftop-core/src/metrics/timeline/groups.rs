//! Events of groups: members joining and leaving (named as share or Streams group
//! members where they are), assignments, states, coordinators, rebalances with how
//! many the last ten minutes saw, and Streams tasks moving (see `tasks`).
//!
//! Snapshots only sample a group, so a rebalance is counted once per episode seen:
//! when the group enters a rebalancing state, or, when no refresh caught it
//! rebalancing, when its members or their assignments changed between two
//! refreshes (a classic group rebalances for every join and leave).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::cluster::event;
use super::seen::{GroupSeen, MemberSeen};
use super::tasks;
use super::{Severity, TimelineEvent, TimelineKind};
use crate::kafka::admin::types::{GroupState, GroupType};
use crate::kafka::snapshot::ClusterSnapshot;
use crate::present::assignment;

/// How far back the rebalance count reaches.
pub(super) const REBALANCE_WINDOW_MS: i64 = 10 * 60 * 1000;
/// This many rebalances in the window make a rebalance a warning.
const REBALANCE_STORM: usize = 3;

/// The times of each group's recent rebalances.
#[derive(Debug, Default)]
pub(super) struct Rebalances {
    at: HashMap<String, VecDeque<i64>>,
}

impl Rebalances {
    /// Records one at `at_ms`; returns how many the window holds.
    fn record(&mut self, group: &str, at_ms: i64) -> usize {
        let times = self.at.entry(group.to_string()).or_default();
        times.push_back(at_ms);
        prune(times, at_ms);
        times.len()
    }

    pub(super) fn count(&self, group: &str, now_ms: i64) -> usize {
        self.at.get(group).map_or(0, |t| {
            t.iter()
                .filter(|&&at| at > now_ms - REBALANCE_WINDOW_MS)
                .count()
        })
    }

    /// Forgets groups the cluster no longer has and times out of the window.
    fn retain(&mut self, groups: &BTreeMap<String, GroupSeen>, now_ms: i64) {
        self.at.retain(|g, times| {
            prune(times, now_ms);
            groups.contains_key(g) && !times.is_empty()
        });
    }
}

fn prune(times: &mut VecDeque<i64>, now_ms: i64) {
    while times
        .front()
        .is_some_and(|&t| t <= now_ms - REBALANCE_WINDOW_MS)
    {
        times.pop_front();
    }
}

pub(super) fn rebalancing(state: Option<GroupState>) -> bool {
    matches!(
        state,
        Some(
            GroupState::PreparingRebalance
                | GroupState::CompletingRebalance
                | GroupState::Assigning
                | GroupState::Reconciling
        )
    )
}

/// The events of every group of `snap`; `seen` is brought to it in place (a
/// group that did not change keeps the blocks it holds). A group the snapshot
/// lacks (or shows Dead) is forgotten; one it shows for the first time is
/// compared with an empty group, so its members are seen joining.
pub(super) fn groups(
    seen: &mut BTreeMap<String, GroupSeen>,
    snap: &ClusterSnapshot,
    rebalances: &mut Rebalances,
    out: &mut Vec<TimelineEvent>,
) {
    let empty = GroupSeen {
        members: Some(BTreeMap::new()),
        ..GroupSeen::default()
    };
    let mut live = BTreeSet::new();
    for g in &snap.groups {
        let before = seen.get(&g.group_id).unwrap_or(&empty);
        let now = GroupSeen::read(g, Some(before));
        let mut emit = |kind, severity, broker, text| {
            let mut e = event(snap, kind, severity, text);
            e.group = Some(g.group_id.clone());
            e.broker = broker;
            out.push(e);
        };
        let members_changed = group(before, &now, &mut emit);
        let entered = rebalancing(now.state) && !rebalancing(before.state);
        let settled = !rebalancing(now.state) && !rebalancing(before.state);
        if entered || (settled && members_changed) {
            let n = rebalances.record(&g.group_id, snap.taken_at_ms);
            let plural = if n == 1 { "" } else { "s" };
            let members = now.members.as_ref().map_or(0, BTreeMap::len);
            let text = format!(
                "rebalance, {members} member{}: {n} rebalance{plural} in 10 min",
                if members == 1 { "" } else { "s" }
            );
            let severity = if n >= REBALANCE_STORM {
                Severity::Warn
            } else {
                Severity::Info
            };
            emit(TimelineKind::Rebalance, severity, None, text);
        }
        if let (Some(was), Some(is)) = (&before.tasks, &now.tasks) {
            if let Some(text) = tasks::moved(was, is) {
                emit(TimelineKind::TasksMoved, Severity::Info, None, text);
            }
        }
        // Kafka describes a group it does not know as Dead: remembered as absent,
        // so that a group forming under that name is seen forming.
        if now.state == Some(GroupState::Dead) {
            continue;
        }
        live.insert(g.group_id.as_str());
        match seen.get_mut(&g.group_id) {
            Some(held) if *held == now => {}
            Some(held) => *held = now,
            None => {
                seen.insert(g.group_id.clone(), now);
            }
        }
    }
    seen.retain(|g, _| live.contains(g.as_str()));
    rebalances.retain(seen, snap.taken_at_ms);
}

/// The changes of one group but its rebalances: `emit(kind, severity, broker,
/// text)`. Returns whether its members or their assignments changed.
fn group(
    before: &GroupSeen,
    now: &GroupSeen,
    emit: &mut dyn FnMut(TimelineKind, Severity, Option<i32>, String),
) -> bool {
    if let (Some(from), Some(to)) = (before.state, now.state) {
        if from != to {
            let severity = match to {
                GroupState::Empty | GroupState::Dead => Severity::Warn,
                _ => Severity::Info,
            };
            let text = format!("state {from} → {to}");
            emit(TimelineKind::GroupStateChanged, severity, None, text);
        }
    }
    if let (Some(from), Some(to)) = (before.coordinator, now.coordinator) {
        if from != to {
            let text = format!("coordinator broker {from} → {to}");
            emit(
                TimelineKind::CoordinatorMoved,
                Severity::Warn,
                Some(to),
                text,
            );
        }
    }
    let (Some(was), Some(is)) = (&before.members, &now.members) else {
        return false;
    };
    // Share and Streams groups are named: their members are no consumers of a
    // consumer group.
    let of = match now.kind {
        Some(GroupType::Share) => " the share group",
        Some(GroupType::Streams) => " the Streams group",
        _ => "",
    };
    let mut changed = false;
    for (id, m) in was {
        if !is.contains_key(id) {
            emit(
                TimelineKind::MemberLeft,
                Severity::Info,
                None,
                format!("member {} left{of}", m.who()),
            );
            changed = true;
        }
    }
    for (id, m) in is {
        match was.get(id) {
            None => {
                emit(
                    TimelineKind::MemberJoined,
                    Severity::Info,
                    None,
                    format!("member {} joined{of}", m.who()),
                );
                changed = true;
            }
            Some(old) if old.assignment != m.assignment => {
                emit(
                    TimelineKind::AssignmentChanged,
                    Severity::Info,
                    None,
                    assignment_text(old, m),
                );
                changed = true;
            }
            Some(_) => {}
        }
    }
    changed
}

fn assignment_text(old: &MemberSeen, new: &MemberSeen) -> String {
    format!(
        "member {}: {} → {}",
        new.who(),
        assignment(&old.assignment),
        assignment(&new.assignment)
    )
}

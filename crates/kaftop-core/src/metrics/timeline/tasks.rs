//! Streams groups' task moves (KIP-1071). Moving a task takes several refreshes:
//! its old owner revokes it, then the new owner takes it (a warm-up first when it
//! has state). So owners are compared between refreshes that find the group
//! settled, and one settling is one event listing every task that changed owner.

use std::collections::{BTreeMap, BTreeSet};

use crate::kafka::group_types::{StreamsDetail, TaskId};

/// Task ids one event lists at most; the rest are counted, so a rebalance of a
/// large topology stays one readable line.
pub(super) const LISTED_TASKS: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Owner {
    member_id: String,
    /// `client-1 (/10.0.0.1)`, as member events name members.
    who: String,
}

/// Who owns each active task of one Streams group.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct TasksSeen {
    /// At the last refresh that found the group settled.
    settled: BTreeMap<TaskId, Owner>,
    /// At this refresh.
    now: BTreeMap<TaskId, Owner>,
    /// No rebalance in progress and every member owns its target tasks.
    is_settled: bool,
}

impl TasksSeen {
    /// The group as `d` shows it; what it was settled on is kept from `prev`
    /// while it is still moving tasks.
    pub(super) fn read(d: &StreamsDetail, rebalancing: bool, prev: Option<&TasksSeen>) -> Self {
        let mut now = BTreeMap::new();
        for m in &d.members {
            for t in &m.tasks.active {
                let who = format!("{} ({})", m.client_id, m.host);
                let member_id = m.member_id.clone();
                now.insert(t.clone(), Owner { member_id, who });
            }
        }
        let is_settled = !rebalancing
            && d.members.iter().all(|m| {
                let owned: BTreeSet<&TaskId> = m.tasks.active.iter().collect();
                owned == m.target_tasks.active.iter().collect()
            });
        let settled = match prev {
            Some(p) if !is_settled => p.settled.clone(),
            _ => now.clone(),
        };
        TasksSeen {
            settled,
            now,
            is_settled,
        }
    }
}

/// When `now` finds the group settled: the tasks whose owner changed since
/// `before` last found it settled, as one line ("3 tasks moved: 0_1, 1_1 from
/// a (/h) to b (/h); 0_0 from a (/h) to c (/h)"). Tasks that appeared or went
/// unowned are no moves.
pub(super) fn moved(before: &TasksSeen, now: &TasksSeen) -> Option<String> {
    if !now.is_settled {
        return None;
    }
    // (from, to) → tasks, in member-id order.
    let mut moves: BTreeMap<(&str, &str), Vec<&TaskId>> = BTreeMap::new();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for (task, to) in &now.now {
        let Some(from) = before.settled.get(task) else {
            continue;
        };
        if from.member_id != to.member_id {
            names.insert(&from.member_id, &from.who);
            names.insert(&to.member_id, &to.who);
            moves
                .entry((&from.member_id, &to.member_id))
                .or_default()
                .push(task);
        }
    }
    let total: usize = moves.values().map(Vec::len).sum();
    if total == 0 {
        return None;
    }
    let name = |id: &str| -> String {
        let who = names.get(id).copied().unwrap_or_default();
        // Instances that share a client id are told apart by their member ids.
        if names.iter().filter(|(_, w)| **w == who).count() > 1 {
            format!("{who} [{}]", id.chars().take(8).collect::<String>())
        } else {
            who.to_string()
        }
    };
    let mut listed = 0;
    let mut parts = Vec::new();
    for ((from, to), tasks) in &moves {
        if listed == LISTED_TASKS {
            break;
        }
        let shown: Vec<String> = tasks
            .iter()
            .take(LISTED_TASKS - listed)
            .map(|t| t.to_string())
            .collect();
        listed += shown.len();
        let more = if shown.len() < tasks.len() {
            ", …"
        } else {
            ""
        };
        parts.push(format!(
            "{}{more} from {} to {}",
            shown.join(", "),
            name(from),
            name(to)
        ));
    }
    let rest = if listed < total {
        format!("; {} more", total - listed)
    } else {
        String::new()
    };
    let plural = if total == 1 { "" } else { "s" };
    Some(format!(
        "{total} task{plural} moved: {}{rest}",
        parts.join("; ")
    ))
}

//! What a dashboard keeps of a large cluster's refresh: the partition rows of the
//! groups and topics it shows, and of the alerting groups (the incident snapshot
//! writes theirs). At issue 20's 40 000 partitions each kind is ~10 MB, for the
//! one group's or topic's table shown at a time; one opened without its rows
//! gets them from the refresh it asks for.
//!
//! The monitor tells the engine which rows to keep ([`rows_kept`]): a topic's
//! rows not kept are not built, a group's are dropped as soon as its totals are
//! summed, on the monitor's thread, which allocated them. Dropped on the
//! dashboard's thread they went back to the allocator lazily (mimalloc returns a
//! block freed on another thread when its owner next collects, the start of the
//! next refresh), so the whole rows stayed resident between refreshes.
//! [`keep_rows_shown`] does the same to metrics already made: the dashboard
//! applies it with the view on screen when a refresh arrives.

use std::collections::BTreeSet;

use super::Focus;
use crate::kafka::snapshot::ClusterSnapshot;
use crate::metrics::{ClusterMetrics, RowsKept};

/// The dashboard's: up to this many group-partition rows, or topic partitions,
/// in a refresh every row is kept.
pub const ALL_ROWS_HELD_UP_TO: usize = 10_000;

/// A cluster's size as the rows a dashboard keeps depend on it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Size {
    partitions: usize,
    /// Committed group partitions.
    group_rows: usize,
}

impl Size {
    pub(super) fn of(snap: &ClusterSnapshot) -> Size {
        Size {
            partitions: snap.topics.iter().map(|t| t.partitions.len()).sum(),
            group_rows: snap.groups.iter().map(|g| g.offsets.len()).sum(),
        }
    }
}

/// Whose partition rows a refresh of a cluster of `size` keeps: every row
/// without `only_above` (`MonitorOptions::shown_rows_only_above`); else every
/// topic's up to that many partitions, every group's up to that many committed
/// group partitions, and above only those `shown` draws (and the alerting
/// groups').
pub(super) fn rows_kept(only_above: Option<usize>, size: Size, shown: &Focus) -> RowsKept<'_> {
    static NONE: BTreeSet<String> = BTreeSet::new();
    let Some(up_to) = only_above else {
        return RowsKept::default();
    };
    let drawn = |names| if shown.draws_rows { names } else { &NONE };
    RowsKept {
        topics: (size.partitions > up_to).then(|| drawn(&shown.topics)),
        groups: (size.group_rows > up_to).then(|| drawn(&shown.groups)),
    }
}

/// Drops the partition rows of the groups whose rows `shown` does not draw and
/// that are not alerting, when `m` holds more than `up_to` of them, and the
/// partitions of the topics whose rows `shown` does not draw, when it holds more
/// than `up_to`; each is added to `m.not_held`. A list's focus draws no rows:
/// its totals are the group's or topic's own.
pub fn keep_rows_shown(m: &mut ClusterMetrics, shown: &Focus, up_to: usize) {
    let drawn = |names: &BTreeSet<String>, name: &String| shown.draws_rows && names.contains(name);
    let rows: usize = m.groups.iter().map(|g| g.rows.len()).sum();
    if rows > up_to {
        for g in &mut m.groups {
            if !g.alerting && !g.rows.is_empty() && !drawn(&shown.groups, &g.group_id) {
                g.rows = Vec::new();
                m.not_held.groups.insert(g.group_id.clone());
            }
        }
    }
    let partitions: usize = m.topics.iter().map(|t| t.partitions.len()).sum();
    if partitions > up_to {
        for t in &mut m.topics {
            if !t.partitions.is_empty() && !drawn(&shown.topics, &t.name) {
                t.partitions = Vec::new();
                m.not_held.topics.insert(t.name.clone());
            }
        }
    }
}

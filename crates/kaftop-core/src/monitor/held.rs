//! What a dashboard keeps of a large cluster's refresh: the partition rows of the
//! groups and topics it shows, and of the alerting groups (the incident snapshot
//! writes theirs). At issue 20's 40 000 partitions each kind is ~10 MB, for the
//! one group's or topic's table shown at a time; one opened without its rows
//! gets them from the refresh it asks for.
//!
//! The monitor drops them on its own thread, which allocated them, as soon as a
//! refresh is folded. Dropped on the dashboard's thread, they went back to the
//! allocator lazily (mimalloc returns a block freed on another thread when its
//! owner next collects, the start of the next refresh), so the whole rows stayed
//! resident between refreshes.

use super::Focus;
use crate::metrics::ClusterMetrics;

/// The dashboard's: up to this many group-partition rows, or topic partitions,
/// in a refresh every row is kept.
pub const ALL_ROWS_HELD_UP_TO: usize = 10_000;

/// Drops the partition rows of the groups neither in `shown` nor alerting, when
/// `m` holds more than `up_to` of them, and the partitions of the topics not in
/// `shown`, when it holds more than `up_to`; each is added to `m.not_held`.
pub fn keep_rows_shown(m: &mut ClusterMetrics, shown: &Focus, up_to: usize) {
    let rows: usize = m.groups.iter().map(|g| g.rows.len()).sum();
    if rows > up_to {
        for g in &mut m.groups {
            if !g.alerting && !g.rows.is_empty() && !shown.groups.contains(&g.group_id) {
                g.rows = Vec::new();
                m.not_held.groups.insert(g.group_id.clone());
            }
        }
    }
    let partitions: usize = m.topics.iter().map(|t| t.partitions.len()).sum();
    if partitions > up_to {
        for t in &mut m.topics {
            if !t.partitions.is_empty() && !shown.topics.contains(&t.name) {
                t.partitions = Vec::new();
                m.not_held.topics.insert(t.name.clone());
            }
        }
    }
}

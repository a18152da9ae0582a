//! A look at a few groups and topics between full refreshes (what is on screen,
//! read first): their metrics from fresh offsets against the state the last
//! full refresh left, without changing that state. A partial snapshot is not
//! the cluster: what it lacks is not gone, and status windows, histories, rates
//! and the timeline move once per full refresh only, so the status rules'
//! window keeps its time span.

use super::{GroupMetrics, MetricsEngine, NotHeld, RowsKept, TopicMetrics};
use crate::kafka::snapshot::ClusterSnapshot;

/// The metrics of the focused groups and topics, read ahead of a full refresh.
#[derive(Debug, Clone, Default)]
pub struct FocusMetrics {
    /// Wall-clock time of the read (ms since the epoch).
    pub taken_at_ms: i64,
    pub topics: Vec<TopicMetrics>,
    pub groups: Vec<GroupMetrics>,
}

impl MetricsEngine {
    /// The metrics of `part`'s topics and groups (a partial snapshot: fresh
    /// offsets and watermarks, the rest as the last full refresh found it),
    /// computed on a copy of their state: rates are against the last full
    /// read; nothing of this engine changes. It keeps the partition rows of
    /// `rows` only, as a full refresh does.
    pub fn peek(&self, part: &ClusterSnapshot, rows: RowsKept<'_>) -> FocusMetrics {
        let (topics, groups) =
            self.scratch_for(part)
                .topics_and_groups(part, rows, &mut NotHeld::default());
        FocusMetrics {
            taken_at_ms: part.taken_at_ms,
            topics,
            groups,
        }
    }

    /// An engine holding a copy of the state of `part`'s topics and groups
    /// (with their partitions), and nothing else.
    fn scratch_for(&self, part: &ClusterSnapshot) -> MetricsEngine {
        let mut s = MetricsEngine::new(self.cfg.clone(), self.lag.clone());
        s.generation = self.generation;
        for t in &part.topics {
            if let Some(st) = self.names.find(&t.name).and_then(|n| self.topics.get(&n)) {
                s.topics.insert(s.names.get(&t.name), st.clone());
            }
        }
        for g in &part.groups {
            if let Some(st) = self
                .names
                .find(&g.group_id)
                .and_then(|n| self.groups.get(&n))
            {
                s.groups.insert(s.names.get(&g.group_id), st.clone());
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{engine, snap};
    use super::*;

    /// Topic `t` at `high`, group `g` committed at `g` and `h` frozen at 10.
    fn two_groups(mono_ms: u64, high: i64, g: i64) -> ClusterSnapshot {
        let mut s = snap(mono_ms, &[high], &[Some(g)]);
        s.taken_at_ms = mono_ms as i64;
        let mut h = s.groups[0].clone();
        h.group_id = "h".into();
        h.offsets[0].committed = Some(10);
        s.groups.push(h);
        s
    }

    fn json(m: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(m).unwrap()
    }

    #[test]
    fn peeks_change_nothing_a_full_refresh_produces() {
        // Two engines fed the same full refreshes, one peeking between them:
        // every full refresh comes out the same (statuses over the window,
        // histories, rates, the timeline with h's status changes).
        let (mut plain, mut peeking) = (engine(), engine());
        let mut changes = 0;
        for i in 0..14u64 {
            let full = two_groups(i * 1000, 100 + 20 * i as i64, 95 + 10 * i as i64);
            let a = plain.ingest(&full);
            let b = peeking.ingest(&full);
            assert_eq!(json(&a), json(&b), "refresh {i}");
            changes = a.timeline.len();

            // Between the two: only g, committed further, and t's new end.
            let mut part = two_groups(i * 1000 + 500, 110 + 20 * i as i64, 100 + 10 * i as i64);
            part.groups.retain(|g| g.group_id == "g");
            let seen = peeking.peek(&part, RowsKept::default());
            assert_eq!(seen.groups.len(), 1);
            let g = &seen.groups[0];
            assert_eq!(g.group_id, "g");
            assert_eq!(
                g.total_lag,
                (110 + 20 * i as i64 - (100 + 10 * i as i64)) as u64
            );
            assert_eq!(seen.topics[0].partitions[0].high, Some(110 + 20 * i as i64));
            if i > 0 {
                // Rates against the last full read: 20 records in 0.5 s.
                assert!(seen.topics[0].rate.is_some());
            }
            // Nothing forgotten: h and its partition are still held.
            assert_eq!(
                (peeking.groups.len(), peeking.group_partition_count()),
                (2, 2)
            );
        }
        assert!(changes > 0, "h's frozen consumer changed its status");
    }

    #[test]
    fn a_peek_of_what_was_never_read_is_computed_and_not_kept() {
        let mut e = engine();
        e.ingest(&two_groups(0, 100, 90));
        let mut part = two_groups(500, 120, 100);
        part.groups[1].group_id = "new".into();
        let seen = e.peek(&part, RowsKept::default());
        assert_eq!(seen.groups[1].group_id, "new");
        assert_eq!(seen.groups[1].total_lag, 110);
        assert!(e.names.find("new").is_none());
        assert_eq!(e.groups.len(), 2);
    }
}

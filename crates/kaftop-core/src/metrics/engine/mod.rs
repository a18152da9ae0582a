//! Folds successive snapshots into the metrics the dashboard and the headless
//! commands show. All state is bounded: per-key state of topics, partitions and
//! groups that vanish from the cluster is dropped, and histories are ring buffers.
//!
//! `topics` and `groups` fold each part of a snapshot; `output` holds what comes out.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

mod groups;
mod names;
mod output;
mod partition_states;
mod peek;
mod topics;
mod window;

pub use output::{
    ClusterMetrics, GroupMetrics, GroupPartitionRow, NotHeld, PartitionMetrics, ThroughputPoint,
    TopicMetrics,
};
pub use peek::FocusMetrics;

use super::history::Ring;
use super::log_start::LogStartHistory;
use super::rate::CounterRate;
use super::status::LagStatus;
use super::timeline::{Severity, Timeline, TimelineEvent, TimelineKind};
use crate::config::LagConfig;
use crate::kafka::health::brokers_down;
use crate::kafka::snapshot::ClusterSnapshot;
use names::Names;
use window::LagWindow;

/// Whose partition rows an ingest keeps (`None`: everyone's); the others are
/// named in [`ClusterMetrics::not_held`]. Every topic's and group's totals are
/// there either way, and an alerting group's rows always. A dashboard of a large
/// cluster shows one group's or topic's rows at a time: a topic's rows not kept
/// are not built (40 000 `PartitionMetrics` were most of a refresh's small
/// allocations), a group's are dropped as soon as its totals are summed.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowsKept<'a> {
    pub topics: Option<&'a BTreeSet<String>>,
    pub groups: Option<&'a BTreeSet<String>>,
}

impl RowsKept<'_> {
    fn topic(&self, name: &str) -> bool {
        self.topics.is_none_or(|kept| kept.contains(name))
    }

    fn group(&self, g: &GroupMetrics) -> bool {
        g.alerting || self.groups.is_none_or(|kept| kept.contains(&g.group_id))
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Window of the lag status rules (Burrow evaluates ~10 refreshes).
    pub status_window: Duration,
    /// How far back sparklines reach.
    pub history_span: Duration,
    pub poll_interval: Duration,
    /// Smoothing time constant of rates.
    pub smoothing: Duration,
}

impl EngineConfig {
    pub fn for_interval(poll_interval: Duration) -> Self {
        EngineConfig {
            status_window: poll_interval * 10,
            history_span: Duration::from_secs(600),
            poll_interval,
            smoothing: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
struct PartitionState {
    id: i32,
    produce: CounterRate,
    log_start: LogStartHistory,
    seen: u64,
}

#[derive(Clone)]
struct TopicState {
    rates: Ring<f64>,
    seen: u64,
    /// Its partitions' state, by id (`partition_states`).
    partitions: Vec<PartitionState>,
}

impl partition_states::PartitionKeyed for PartitionState {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
    fn seen(&self) -> u64 {
        self.seen
    }
}

impl partition_states::PartitionKeyed for GroupPartitionState {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        (&self.topic, self.partition).cmp(&(&other.topic, other.partition))
    }
    fn seen(&self) -> u64 {
        self.seen
    }
}

impl TopicState {
    fn partition(&self, id: i32) -> Option<&PartitionState> {
        let i = self.partitions.binary_search_by_key(&id, |p| p.id).ok()?;
        self.partitions.get(i)
    }
}

#[derive(Clone)]
struct GroupPartitionState {
    topic: Arc<str>,
    partition: i32,
    consume: CounterRate,
    points: LagWindow,
    last_committed: Option<i64>,
    frozen_since_ms: u64,
    /// When the committed offset last moved, wall clock.
    frozen_since_wall_ms: i64,
    /// The log end when the committed offset last moved.
    log_end_then: Option<i64>,
    seen: u64,
}

#[derive(Clone)]
struct GroupHistory {
    lags: Ring<u64>,
    seen: u64,
    /// When first seen, monotonic ms, and the refreshes that saw it since.
    first_seen_ms: u64,
    reads: u64,
    /// The status of the refresh before, for the timeline.
    status: Option<LagStatus>,
    /// Its partitions' state, by topic and partition (`partition_states`).
    partitions: Vec<GroupPartitionState>,
}

pub struct MetricsEngine {
    cfg: EngineConfig,
    lag: LagConfig,
    generation: u64,
    /// The topic and group names the maps below are keyed by, one copy each.
    names: Names,
    /// Topics and their partitions.
    topics: HashMap<Arc<str>, TopicState>,
    /// Groups and their partitions.
    groups: HashMap<Arc<str>, GroupHistory>,
    throughput: Ring<ThroughputPoint>,
    timeline: Timeline,
}

impl MetricsEngine {
    pub fn new(cfg: EngineConfig, lag: LagConfig) -> Self {
        MetricsEngine {
            lag,
            generation: 0,
            names: Names::default(),
            topics: HashMap::new(),
            groups: HashMap::new(),
            throughput: Ring::for_span(cfg.history_span, cfg.poll_interval),
            timeline: Timeline::default(),
            cfg,
        }
    }

    fn tau(&self) -> f64 {
        self.cfg.smoothing.as_secs_f64().max(0.001)
    }

    fn history_ring<T>(&self) -> Ring<T> {
        Ring::for_span(self.cfg.history_span, self.cfg.poll_interval)
    }

    fn lag_window(&self) -> LagWindow {
        LagWindow::new(
            (self.cfg.status_window.as_millis() / self.cfg.poll_interval.as_millis().max(1))
                as usize
                + 1,
        )
    }

    /// Folds in one refresh. A refresh that could not reach the cluster changes
    /// no state; its metrics carry only the errors and the timeline so far.
    pub fn ingest(&mut self, snap: &ClusterSnapshot) -> ClusterMetrics {
        self.ingest_with_events(snap).0
    }

    /// [`Self::ingest`], and the timeline events this refresh found.
    pub fn ingest_with_events(
        &mut self,
        snap: &ClusterSnapshot,
    ) -> (ClusterMetrics, Vec<TimelineEvent>) {
        self.ingest_keeping(snap, RowsKept::default())
    }

    /// [`Self::ingest_with_events`], keeping the partition rows of `rows` only.
    pub fn ingest_keeping(
        &mut self,
        snap: &ClusterSnapshot,
        rows: RowsKept<'_>,
    ) -> (ClusterMetrics, Vec<TimelineEvent>) {
        let mut found = self.timeline.observe(snap);
        let mut out = self.fold(snap, rows);
        let changed = self.status_changes(&out);
        if !changed.is_empty() {
            self.timeline.record(&changed);
            out.timeline = self.timeline.to_vec();
            found.extend(changed);
        }
        (out, found)
    }

    /// The groups whose status differs from the refresh before (a group seen
    /// for the first time has no change).
    fn status_changes(&mut self, out: &ClusterMetrics) -> Vec<TimelineEvent> {
        let mut found = Vec::new();
        for g in &out.groups {
            let Some(h) = self.groups.get_mut(g.group_id.as_str()) else {
                continue;
            };
            match h.status.replace(g.status) {
                Some(was) if was != g.status => found.push(TimelineEvent {
                    at_ms: out.taken_at_ms,
                    kind: TimelineKind::StatusChanged,
                    severity: match g.status {
                        LagStatus::Ok => Severity::Info,
                        LagStatus::Warn | LagStatus::Stall => Severity::Warn,
                        LagStatus::Stop | LagStatus::Rewind => Severity::Crit,
                    },
                    group: Some(g.group_id.clone()),
                    topic: None,
                    partition: None,
                    broker: None,
                    text: match g.status_reason {
                        Some(why) => format!("status {was} → {}: {}", g.status, why.words()),
                        None => format!("status {was} → {}", g.status),
                    },
                }),
                _ => {}
            }
        }
        found
    }

    fn fold(&mut self, snap: &ClusterSnapshot, rows: RowsKept<'_>) -> ClusterMetrics {
        let mut out = ClusterMetrics {
            taken_at_ms: snap.taken_at_ms,
            connected: snap.connected,
            cluster_id: snap.cluster_id.clone(),
            controller: snap.controller,
            brokers: snap.brokers.clone(),
            topics: Vec::new(),
            groups: Vec::new(),
            brokers_down: Vec::new(),
            errors: snap.errors.clone(),
            unsupported_group_types: snap.unsupported_group_types.clone(),
            throughput: Vec::new(),
            timeline: self.timeline.to_vec(),
            not_held: NotHeld::default(),
        };
        if !snap.connected {
            return out;
        }
        out.brokers_down = brokers_down(&snap.brokers, &snap.topics);
        self.generation += 1;
        let generation = self.generation;
        (out.topics, out.groups) = self.topics_and_groups(snap, rows, &mut out.not_held);
        out.throughput = self.throughput_point(&out);

        // Forget what the cluster no longer has (deleted topics, gone groups;
        // each topic and group forgot its own gone partitions when folded).
        self.topics.retain(|_, s| s.seen == generation);
        self.groups.retain(|_, s| s.seen == generation);
        self.names.forget_unused();
        out
    }

    /// The metrics of `snap`'s topics and groups, folded into this engine's
    /// state (a full refresh's, or a peek's scratch copy).
    fn topics_and_groups(
        &mut self,
        snap: &ClusterSnapshot,
        rows: RowsKept<'_>,
        not_held: &mut NotHeld,
    ) -> (Vec<TopicMetrics>, Vec<GroupMetrics>) {
        let live: BTreeSet<i32> = snap.brokers.iter().map(|b| b.id).collect();
        let now = snap.mono_ms;
        let mut topics = Vec::with_capacity(snap.topics.len());
        for t in &snap.topics {
            let with_rows = rows.topic(&t.name);
            if !with_rows && !t.partitions.is_empty() {
                not_held.topics.insert(t.name.clone());
            }
            topics.push(self.topic_metrics(t, &live, now, with_rows));
        }
        let partitions: groups::PartitionIndex<'_> = snap
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(move |p| ((t.name.as_str(), p.id), p))
            })
            .collect();
        let records: groups::RecordIndex<'_> = snap
            .committed_records
            .iter()
            .map(|r| ((r.topic.as_str(), r.partition, r.offset), &r.read))
            .collect();
        let at = groups::Refresh {
            partitions: &partitions,
            records: &records,
            now,
            wall_ms: snap.taken_at_ms,
        };
        let mut groups = Vec::with_capacity(snap.groups.len());
        for g in &snap.groups {
            let mut m = self.group_metrics(g, &at);
            if !m.rows.is_empty() && !rows.group(&m) {
                // Dropped now: the next group's rows reuse the memory.
                m.rows = Vec::new();
                not_held.groups.insert(m.group_id.clone());
            }
            groups.push(m);
        }
        (topics, groups)
    }
}

#[cfg(test)]
impl MetricsEngine {
    /// The group partitions whose state is held.
    fn group_partition_count(&self) -> usize {
        self.groups.values().map(|g| g.partitions.len()).sum()
    }
}

impl MetricsEngine {
    /// Adds this refresh's cluster-wide rates to the throughput history (once any
    /// rate is known) and returns the history.
    fn throughput_point(&mut self, out: &ClusterMetrics) -> Vec<ThroughputPoint> {
        let produced: Vec<f64> = out
            .topics
            .iter()
            .filter(|t| !t.internal)
            .filter_map(|t| t.rate)
            .collect();
        let consumed: Vec<f64> = out.groups.iter().filter_map(|g| g.consume_rate).collect();
        if !produced.is_empty() || !consumed.is_empty() {
            self.throughput.push(ThroughputPoint {
                at_ms: out.taken_at_ms,
                produced: produced.iter().sum(),
                consumed: consumed.iter().sum(),
            });
        }
        self.throughput.to_vec()
    }
}

#[cfg(test)]
mod insight_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
    use crate::kafka::snapshot::{GroupInfo, GroupOffset, PartitionInfo, TopicInfo};
    use crate::metrics::lag::Eta;
    use crate::metrics::status::LagStatus;

    pub(super) fn snap(mono_ms: u64, highs: &[i64], committed: &[Option<i64>]) -> ClusterSnapshot {
        ClusterSnapshot {
            mono_ms,
            connected: true,
            topics: vec![TopicInfo {
                name: "t".into(),
                partitions: highs
                    .iter()
                    .enumerate()
                    .map(|(i, &h)| PartitionInfo {
                        id: i as i32,
                        leader: 1 + (i as i32 % 2),
                        replicas: vec![1, 2],
                        isr: if i == 0 { vec![1] } else { vec![1, 2] },
                        low: Some(0),
                        high: Some(h),
                        error: None,
                    })
                    .collect(),
                ..Default::default()
            }],
            groups: vec![GroupInfo {
                group_id: "g".into(),
                state: Some(GroupState::Stable),
                group_type: Some(GroupType::Classic),
                protocol_type: None,
                members: Some(vec![MemberDescription {
                    member_id: "m-1".into(),
                    client_id: "c-1".into(),
                    host: "/10.0.0.1".into(),
                    assignment: vec![("t".into(), 0)],
                    target_assignment: None,
                }]),
                offsets: committed
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| GroupOffset {
                        topic: "t".into(),
                        partition: i as i32,
                        committed: c,
                        share_lag: None,
                    })
                    .collect(),
                coordinator: None,
                error: None,
                detail: None,
            }],
            ..Default::default()
        }
    }

    pub(super) fn engine() -> MetricsEngine {
        let mut lag = LagConfig::default();
        lag.groups.insert("g".into(), 25);
        MetricsEngine::new(EngineConfig::for_interval(Duration::from_secs(1)), lag)
    }

    #[test]
    fn assigned_partitions_without_a_commit_are_rows() {
        let mut e = engine();
        // m-1 owns partition 0, which has no committed offset; 1 has one, unowned.
        let mut s = snap(0, &[100, 50], &[None, Some(40)]);
        s.groups[0].offsets.remove(0);
        let m = e.ingest(&s);
        let g = &m.groups[0];
        let rows: Vec<_> = g
            .rows
            .iter()
            .map(|r| {
                (
                    r.partition,
                    r.current_offset,
                    r.log_end_offset,
                    r.lag,
                    r.consumer_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (0, None, Some(100), None, Some("m-1")),
                (1, Some(40), Some(50), Some(10), None)
            ]
        );
        assert_eq!(g.total_lag, 10);
        assert_eq!(g.member_details.len(), 1);
        assert_eq!(g.group_type, Some(GroupType::Classic));
    }

    #[test]
    fn topic_rates_lag_and_owners() {
        let mut e = engine();
        let m = e.ingest(&snap(0, &[100, 50], &[Some(90), Some(50)]));
        assert_eq!(m.topics[0].rate, None);
        assert_eq!(m.topics[0].messages, 150);
        assert_eq!(m.topics[0].under_replicated, 1);
        let g = &m.groups[0];
        assert_eq!((g.total_lag, g.max_lag, g.alerting), (10, 10, false));
        // Lagging, but no produce rate yet to turn lag into time: unknown, not 0 s.
        assert_eq!(g.time_lag_secs, None);
        assert_eq!(g.rows[0].consumer_id.as_deref(), Some("m-1"));
        assert_eq!(g.rows[1].consumer_id, None);

        let m = e.ingest(&snap(2000, &[300, 50], &[Some(140), Some(50)]));
        let t = &m.topics[0];
        assert_eq!(t.partitions[0].rate, Some(100.0));
        assert_eq!(t.partitions[1].rate, Some(0.0));
        assert_eq!(t.rate, Some(100.0));
        assert_eq!(t.rate_history, vec![0.0, 100.0]);
        let g = &m.groups[0];
        assert_eq!(g.total_lag, 160);
        assert!(g.alerting);
        assert_eq!(g.consume_rate, Some(25.0));
        assert_eq!(g.rows[0].time_lag_secs, Some(1.6));
        assert_eq!(g.time_lag_secs, Some(1.6));
        assert_eq!(g.eta, Eta::FallingBehind);
        assert_eq!(g.lag_history, vec![10, 160]);
    }

    #[test]
    fn partition_rows_are_built_for_the_topics_asked_only() {
        let mut two = snap(0, &[100, 50], &[Some(90), Some(50)]);
        let mut other = two.topics[0].clone();
        other.name = "u".into();
        two.topics.push(other);
        // Under the default threshold, where `g` (25) alerts.
        let mut quiet = two.groups[0].clone();
        quiet.group_id = "h".into();
        two.groups.push(quiet);
        let later = |mut s: ClusterSnapshot| {
            s.mono_ms = 1_000;
            for p in s.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                p.high = p.high.map(|h| h + 10);
            }
            s
        };
        let (mut all, mut some) = (engine(), engine());
        all.ingest(&two);
        some.ingest(&two);
        let every = all.ingest(&later(two.clone()));
        let wanted = BTreeSet::from(["u".to_string()]);
        let no_group = BTreeSet::new();
        let kept = RowsKept {
            topics: Some(&wanted),
            groups: Some(&no_group),
        };
        let (held, _) = some.ingest_keeping(&later(two), kept);
        for (full, kept) in every.topics.iter().zip(&held.topics) {
            let rows = if kept.name == "u" { 2 } else { 0 };
            assert_eq!(kept.partitions.len(), rows, "{}", kept.name);
            // The totals are the same with or without the rows.
            let totals = |t: &TopicMetrics| {
                let rate = t.rate.map(|r| (r * 1000.0).round());
                (
                    t.messages,
                    rate,
                    t.under_replicated,
                    t.offline,
                    t.partition_count,
                )
            };
            assert_eq!(totals(kept), totals(full), "{}", kept.name);
            let (messages, rate, under_replicated, offline, count) = totals(kept);
            assert_eq!((messages, under_replicated, offline, count), (170, 1, 0, 2));
            assert!(rate.is_some_and(|r| r > 0.0), "{rate:?}");
            assert_eq!(kept.distribution, full.distribution, "{}", kept.name);
        }
        assert_eq!(held.not_held.topics, BTreeSet::from(["t".to_string()]));
        assert!(every.not_held.topics.is_empty());
        // A group's rows go unless it alerts; its totals stay.
        for (full, kept) in every.groups.iter().zip(&held.groups) {
            let rows = if kept.group_id == "g" { 2 } else { 0 };
            assert_eq!(
                (full.rows.len(), kept.rows.len()),
                (2, rows),
                "{}",
                kept.group_id
            );
            assert_eq!(kept.alerting, kept.group_id == "g");
            assert_eq!(
                (kept.total_lag, kept.max_lag),
                (full.total_lag, full.max_lag)
            );
            assert_eq!((kept.status, kept.alerting), (full.status, full.alerting));
            assert_eq!(kept.total_lag, 30);
        }
        assert_eq!(held.not_held.groups, BTreeSet::from(["h".to_string()]));
    }

    #[test]
    fn negative_lag_is_clamped_and_kept() {
        let mut e = engine();
        let m = e.ingest(&snap(0, &[100], &[Some(103)]));
        let r = &m.groups[0].rows[0];
        assert_eq!((r.lag, r.raw_lag), (Some(0), Some(-3)));
        assert_eq!(m.groups[0].total_lag, 0);
    }

    #[test]
    fn statuses_over_the_window() {
        let mut e = engine(); // window: 10 s
                              // Consumer frozen at 10 while the log grows: STALL after 5 s, STOP after 10 s.
        let mut statuses = Vec::new();
        for i in 0..12u64 {
            let m = e.ingest(&snap(i * 1000, &[20 + i as i64], &[Some(10)]));
            statuses.push(m.groups[0].status);
        }
        assert_eq!(statuses[1], LagStatus::Ok); // two points: too few to call a trend
        assert_eq!(statuses[2], LagStatus::Warn);
        assert_eq!(statuses[5], LagStatus::Stall);
        assert_eq!(statuses[10], LagStatus::Stop);
        // The offset moves backwards: REWIND.
        let m = e.ingest(&snap(12_000, &[40], &[Some(2)]));
        assert_eq!(m.groups[0].status, LagStatus::Rewind);
    }

    #[test]
    fn recreated_topic_resets_rate_and_vanished_keys_are_dropped() {
        let mut e = engine();
        e.ingest(&snap(0, &[1000], &[Some(1000)]));
        let m = e.ingest(&snap(1000, &[5], &[Some(5)]));
        assert_eq!(m.topics[0].rate, None);
        // Its rows share the engine's names: held, they keep them in the set.
        drop(m);
        let mut empty = snap(2000, &[], &[]);
        empty.topics.clear();
        empty.groups.clear();
        e.ingest(&empty);
        assert!(e.topics.is_empty() && e.groups.is_empty());
        assert_eq!(e.names.len(), 0);
    }

    #[test]
    fn a_topics_and_a_groups_gone_partitions_are_dropped_and_start_over() {
        let mut e = engine();
        e.ingest(&snap(0, &[10, 20, 30], &[Some(1), Some(2), Some(3)]));
        assert_eq!(e.topics["t"].partitions.len(), 3);
        assert_eq!(e.group_partition_count(), 3);
        // Recreated with one partition; the group committed on it alone.
        e.ingest(&snap(1000, &[10], &[Some(1)]));
        let ids: Vec<i32> = e.topics["t"].partitions.iter().map(|p| p.id).collect();
        assert_eq!(ids, [0]);
        assert_eq!(e.group_partition_count(), 1);
        // A partition back again has no state from before: no rate yet.
        let m = e.ingest(&snap(2000, &[10, 50], &[Some(1), Some(2)]));
        let rates: Vec<_> = m.topics[0].partitions.iter().map(|p| p.rate).collect();
        assert_eq!(rates, [Some(0.0), None]);
        let consumed: Vec<_> = m.groups[0].rows.iter().map(|r| r.consume_rate).collect();
        assert_eq!(consumed, [Some(0.0), None]);
    }

    #[test]
    fn a_groups_partitions_keep_their_state_whatever_order_they_come_in() {
        let mut e = engine();
        let order = |mono_ms: u64, step: i64, reversed: bool| {
            let mut s = snap(mono_ms, &[1000, 1000, 1000], &[Some(0), Some(0), Some(0)]);
            let mut other = s.topics[0].clone();
            other.name = "a".into();
            s.topics.push(other);
            let g = &mut s.groups[0];
            let more: Vec<_> = g
                .offsets
                .iter()
                .map(|o| GroupOffset {
                    topic: "a".into(),
                    ..o.clone()
                })
                .collect();
            g.offsets.extend(more);
            for (i, o) in g.offsets.iter_mut().enumerate() {
                o.committed = Some(step * (i as i64 + 1));
            }
            if reversed {
                g.offsets.reverse();
            }
            s
        };
        e.ingest(&order(0, 10, false));
        let m = e.ingest(&order(1000, 20, true));
        // Each of the six moved by its own amount in one second: its state was
        // found, not made anew (a new state has no rate).
        let mut rates: Vec<f64> = m.groups[0]
            .rows
            .iter()
            .filter_map(|r| r.consume_rate)
            .collect();
        rates.sort_by(f64::total_cmp);
        assert_eq!(rates, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        assert_eq!(e.group_partition_count(), 6);
    }

    #[test]
    fn disconnected_refresh_changes_nothing() {
        let mut e = engine();
        e.ingest(&snap(0, &[10], &[Some(0)]));
        let down = ClusterSnapshot {
            mono_ms: 1000,
            errors: vec!["cannot reach".into()],
            ..Default::default()
        };
        let m = e.ingest(&down);
        assert!(!m.connected && m.topics.is_empty());
        assert_eq!(m.errors, vec!["cannot reach".to_string()]);
        let m = e.ingest(&snap(2000, &[30], &[Some(0)]));
        assert_eq!(m.topics[0].rate, Some(10.0));
    }

    #[test]
    fn history_is_bounded() {
        let mut cfg = EngineConfig::for_interval(Duration::from_secs(1));
        cfg.history_span = Duration::from_secs(5);
        let mut e = MetricsEngine::new(cfg, LagConfig::default());
        let mut m = ClusterMetrics::default();
        for i in 0..100u64 {
            m = e.ingest(&snap(i * 1000, &[i as i64], &[Some(0)]));
        }
        assert_eq!(m.topics[0].rate_history.len(), 5);
        assert_eq!(m.groups[0].lag_history, vec![95, 96, 97, 98, 99]);
    }
}

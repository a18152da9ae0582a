//! Folds successive snapshots into the metrics the dashboard and the headless
//! commands show. All state is bounded: per-key state of topics, partitions and
//! groups that vanish from the cluster is dropped, and histories are ring buffers.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;

use super::distribution::{distribution, Distribution};
use super::health::{brokers_down, offline_replicas, partition_problem, PartitionProblem};
use super::history::Ring;
use super::lag::{eta, partition_lag, time_lag_secs, Eta};
use super::rate::{CounterRate, Sample};
use super::status::{partition_status, LagPoint, LagStatus};
use crate::config::LagConfig;
use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
use crate::kafka::snapshot::{BrokerInfo, ClusterSnapshot, GroupOffset, PartitionInfo};

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

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterMetrics {
    pub taken_at_ms: i64,
    pub connected: bool,
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicMetrics>,
    pub groups: Vec<GroupMetrics>,
    /// Brokers that hold replicas but are missing from the broker list (down).
    pub brokers_down: Vec<i32>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicMetrics {
    pub name: String,
    pub internal: bool,
    pub replication: usize,
    pub messages: i64,
    /// Messages per second (smoothed), summed over partitions.
    pub rate: Option<f64>,
    /// Recent rates, oldest first, for a sparkline.
    pub rate_history: Vec<f64>,
    pub under_replicated: usize,
    /// Partitions with fewer in-sync replicas than `min.insync.replicas`.
    pub under_min_isr: usize,
    /// Partitions without a leader.
    pub offline: usize,
    /// `None`: not read (every partition fully replicated) or unknown.
    pub min_insync_replicas: Option<i32>,
    pub distribution: Distribution,
    pub partitions: Vec<PartitionMetrics>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionMetrics {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub low: Option<i64>,
    pub high: Option<i64>,
    pub messages: Option<i64>,
    pub rate: Option<f64>,
    pub under_replicated: bool,
    /// Replicas on brokers that are down.
    pub offline_replicas: Vec<i32>,
    /// The worst thing wrong with the partition, if anything.
    pub problem: Option<PartitionProblem>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupMetrics {
    pub group_id: String,
    pub state: Option<GroupState>,
    /// The group's protocol; `None` when it could not be described.
    pub group_type: Option<GroupType>,
    /// `None`: the cluster could not tell.
    pub members: Option<usize>,
    /// The members with what each owns (and, for consumer-protocol groups, what
    /// each should own); empty when unknown.
    pub member_details: Vec<MemberDescription>,
    pub total_lag: u64,
    pub max_lag: u64,
    /// Committed offsets per second over all partitions.
    pub consume_rate: Option<f64>,
    /// Produce rate of the partitions the group consumes.
    pub produce_rate: Option<f64>,
    pub time_lag_secs: Option<f64>,
    pub eta: Eta,
    pub status: LagStatus,
    pub threshold: u64,
    /// Total lag above the configured threshold.
    pub alerting: bool,
    /// Recent total lag, oldest first.
    pub lag_history: Vec<u64>,
    pub rows: Vec<GroupPartitionRow>,
    pub error: Option<String>,
}

/// One line of `kafka-consumer-groups --describe`, plus what we derive.
#[derive(Debug, Clone, Serialize)]
pub struct GroupPartitionRow {
    pub topic: String,
    pub partition: i32,
    pub current_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    pub lag: Option<u64>,
    /// Unclamped lag; negative when the offsets were read at different moments.
    pub raw_lag: Option<i64>,
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
    pub consume_rate: Option<f64>,
    pub time_lag_secs: Option<f64>,
    pub status: LagStatus,
}

/// The largest time lag of a group's partitions; unknown when a lagging partition's
/// is unknown (no produce rate to estimate it from), rather than understated.
fn group_time_lag(rows: &[GroupPartitionRow]) -> Option<f64> {
    if rows.is_empty() {
        return None;
    }
    rows.iter()
        .filter(|r| r.lag.is_some_and(|l| l > 0) || r.time_lag_secs.is_some())
        .map(|r| r.time_lag_secs)
        .try_fold(0.0f64, |m, v| v.map(|v| m.max(v)))
}

struct PartitionState {
    produce: CounterRate,
    seen: u64,
}

struct TopicState {
    rates: Ring<f64>,
    seen: u64,
}

struct GroupPartitionState {
    consume: CounterRate,
    points: Ring<LagPoint>,
    last_committed: Option<i64>,
    frozen_since_ms: u64,
    seen: u64,
}

struct GroupHistory {
    lags: Ring<u64>,
    seen: u64,
}

pub struct MetricsEngine {
    cfg: EngineConfig,
    lag: LagConfig,
    generation: u64,
    partitions: HashMap<(String, i32), PartitionState>,
    topics: HashMap<String, TopicState>,
    group_partitions: HashMap<(String, String, i32), GroupPartitionState>,
    groups: HashMap<String, GroupHistory>,
}

impl MetricsEngine {
    pub fn new(cfg: EngineConfig, lag: LagConfig) -> Self {
        MetricsEngine {
            cfg,
            lag,
            generation: 0,
            partitions: HashMap::new(),
            topics: HashMap::new(),
            group_partitions: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    fn tau(&self) -> f64 {
        self.cfg.smoothing.as_secs_f64().max(0.001)
    }

    fn history_ring<T>(&self) -> Ring<T> {
        Ring::for_span(self.cfg.history_span, self.cfg.poll_interval)
    }

    fn window_ring(&self) -> Ring<LagPoint> {
        Ring::new(
            (self.cfg.status_window.as_millis() / self.cfg.poll_interval.as_millis().max(1))
                as usize
                + 1,
        )
    }

    /// Folds in one refresh. A refresh that could not reach the cluster changes
    /// no state; its metrics carry only the errors.
    pub fn ingest(&mut self, snap: &ClusterSnapshot) -> ClusterMetrics {
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
        };
        if !snap.connected {
            return out;
        }
        out.brokers_down = brokers_down(&snap.brokers, &snap.topics);
        let live: std::collections::BTreeSet<i32> = snap.brokers.iter().map(|b| b.id).collect();
        self.generation += 1;
        let generation = self.generation;
        let now = snap.mono_ms;
        let tau = self.tau();

        for t in &snap.topics {
            let mut partitions = Vec::with_capacity(t.partitions.len());
            let mut topic_rate: Option<f64> = None;
            for p in &t.partitions {
                let st = self
                    .partitions
                    .entry((t.name.clone(), p.id))
                    .or_insert_with(|| PartitionState {
                        produce: CounterRate::new(tau),
                        seen: generation,
                    });
                st.seen = generation;
                let rate = match p.high {
                    Some(h) => st.produce.observe(Sample {
                        at_ms: now,
                        value: h,
                    }),
                    None => st.produce.value(),
                };
                if let Some(r) = rate {
                    *topic_rate.get_or_insert(0.0) += r;
                }
                partitions.push(PartitionMetrics {
                    id: p.id,
                    leader: p.leader,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    low: p.low,
                    high: p.high,
                    messages: p.messages(),
                    rate,
                    under_replicated: p.under_replicated(),
                    offline_replicas: offline_replicas(&p.replicas, &live),
                    problem: partition_problem(
                        p.leader,
                        &p.replicas,
                        &p.isr,
                        t.min_insync_replicas,
                    ),
                    error: p.error.clone(),
                });
            }
            let ring = self.history_ring();
            let ts = self
                .topics
                .entry(t.name.clone())
                .or_insert_with(|| TopicState {
                    rates: ring,
                    seen: generation,
                });
            ts.seen = generation;
            ts.rates.push(topic_rate.unwrap_or(0.0));
            let loads: Vec<_> = partitions
                .iter()
                .map(|p| (p.id, p.messages.unwrap_or(0), p.rate, p.leader))
                .collect();
            out.topics.push(TopicMetrics {
                name: t.name.clone(),
                internal: t.internal,
                replication: t
                    .partitions
                    .iter()
                    .map(|p| p.replicas.len())
                    .max()
                    .unwrap_or(0),
                messages: partitions.iter().filter_map(|p| p.messages).sum(),
                rate: topic_rate,
                rate_history: ts.rates.to_vec(),
                under_replicated: partitions.iter().filter(|p| p.under_replicated).count(),
                under_min_isr: partitions
                    .iter()
                    .filter(|p| p.problem == Some(PartitionProblem::UnderMinIsr))
                    .count(),
                offline: partitions
                    .iter()
                    .filter(|p| p.problem == Some(PartitionProblem::Offline))
                    .count(),
                min_insync_replicas: t.min_insync_replicas,
                distribution: distribution(&loads),
                partitions,
                error: t.error.clone(),
            });
        }

        // Looked up once per group row: index them (10 000 rows × 10 000 partitions
        // by linear search would be 10⁸ comparisons per refresh).
        let partitions: HashMap<(&str, i32), &PartitionInfo> = snap
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(move |p| ((t.name.as_str(), p.id), p))
            })
            .collect();
        for g in &snap.groups {
            let owners: HashMap<(&str, i32), &MemberDescription> = g
                .members
                .iter()
                .flatten()
                .flat_map(|m| m.assignment.iter().map(move |(t, p)| ((t.as_str(), *p), m)))
                .collect();
            // As kafka-consumer-groups does, an assigned partition without a
            // committed offset is a row too (CURRENT-OFFSET and LAG unknown).
            let committed: HashSet<(&str, i32)> = g
                .offsets
                .iter()
                .map(|o| (o.topic.as_str(), o.partition))
                .collect();
            let uncommitted: Vec<GroupOffset> = owners
                .keys()
                .filter(|k| !committed.contains(*k))
                .map(|&(topic, partition)| GroupOffset {
                    topic: topic.to_string(),
                    partition,
                    committed: None,
                })
                .collect();
            let mut rows = Vec::with_capacity(g.offsets.len() + uncommitted.len());
            let (mut consume, mut produce): (Option<f64>, Option<f64>) = (None, None);
            for o in g.offsets.iter().chain(&uncommitted) {
                let part = partitions.get(&(o.topic.as_str(), o.partition));
                let log_end = part.and_then(|p| p.high);
                let lag = partition_lag(o.committed, log_end);
                let window = self.window_ring();
                let st = self
                    .group_partitions
                    .entry((g.group_id.clone(), o.topic.clone(), o.partition))
                    .or_insert_with(|| GroupPartitionState {
                        consume: CounterRate::new(tau),
                        points: window,
                        last_committed: o.committed,
                        frozen_since_ms: now,
                        seen: generation,
                    });
                st.seen = generation;
                if st.last_committed != o.committed {
                    st.last_committed = o.committed;
                    st.frozen_since_ms = now;
                }
                let rate = match o.committed {
                    Some(c) if c >= 0 => st.consume.observe(Sample {
                        at_ms: now,
                        value: c,
                    }),
                    _ => st.consume.value(),
                };
                if st.points.last().is_none_or(|p| p.at_ms < now) {
                    st.points.push(LagPoint {
                        at_ms: now,
                        committed: o.committed,
                        lag: lag.lag,
                    });
                }
                let points: Vec<LagPoint> = st.points.to_vec();
                let status = partition_status(
                    &points,
                    st.frozen_since_ms,
                    self.cfg.status_window.as_millis() as u64,
                );
                let prate = self
                    .partitions
                    .get(&(o.topic.clone(), o.partition))
                    .and_then(|p| p.produce.value());
                if let Some(r) = rate {
                    *consume.get_or_insert(0.0) += r;
                }
                if let Some(r) = prate {
                    *produce.get_or_insert(0.0) += r;
                }
                let owner = owners.get(&(o.topic.as_str(), o.partition));
                rows.push(GroupPartitionRow {
                    topic: o.topic.clone(),
                    partition: o.partition,
                    current_offset: o.committed,
                    log_end_offset: log_end,
                    lag: lag.lag,
                    raw_lag: lag.raw,
                    consumer_id: owner.map(|m| m.member_id.clone()),
                    host: owner.map(|m| m.host.clone()),
                    client_id: owner.map(|m| m.client_id.clone()),
                    consume_rate: rate,
                    time_lag_secs: lag.lag.and_then(|l| time_lag_secs(l, prate)),
                    status,
                });
            }
            rows.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
            let total_lag: u64 = rows.iter().filter_map(|r| r.lag).sum();
            let ring = self.history_ring();
            let gs = self
                .groups
                .entry(g.group_id.clone())
                .or_insert_with(|| GroupHistory {
                    lags: ring,
                    seen: generation,
                });
            gs.seen = generation;
            gs.lags.push(total_lag);
            let threshold = self.lag.threshold_for(&g.group_id);
            out.groups.push(GroupMetrics {
                group_id: g.group_id.clone(),
                state: g.state,
                group_type: g.group_type,
                members: g.members.as_ref().map(Vec::len),
                member_details: g.members.clone().unwrap_or_default(),
                total_lag,
                max_lag: rows.iter().filter_map(|r| r.lag).max().unwrap_or(0),
                consume_rate: consume,
                produce_rate: produce,
                time_lag_secs: group_time_lag(&rows),
                eta: eta(total_lag, consume, produce),
                status: rows.iter().map(|r| r.status).max().unwrap_or(LagStatus::Ok),
                threshold,
                alerting: total_lag > threshold,
                lag_history: gs.lags.to_vec(),
                rows,
                error: g.error.clone(),
            });
        }

        // Forget what the cluster no longer has (deleted topics, gone groups).
        self.partitions.retain(|_, s| s.seen == generation);
        self.topics.retain(|_, s| s.seen == generation);
        self.group_partitions.retain(|_, s| s.seen == generation);
        self.groups.retain(|_, s| s.seen == generation);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::snapshot::{GroupInfo, TopicInfo};

    fn snap(mono_ms: u64, highs: &[i64], committed: &[Option<i64>]) -> ClusterSnapshot {
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
                    })
                    .collect(),
                error: None,
            }],
            ..Default::default()
        }
    }

    fn engine() -> MetricsEngine {
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
        let mut empty = snap(2000, &[], &[]);
        empty.topics.clear();
        empty.groups.clear();
        e.ingest(&empty);
        assert!(e.partitions.is_empty() && e.topics.is_empty());
        assert!(e.group_partitions.is_empty() && e.groups.is_empty());
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

//! Folding a snapshot's consumer groups: one row per partition (as
//! `kafka-consumer-groups --describe` prints it) with lag, rates and status, and
//! the group's totals and lag history.

use std::collections::{HashMap, HashSet};

use super::output::{GroupMetrics, GroupPartitionRow};
use super::{GroupHistory, GroupPartitionState, MetricsEngine};
use crate::kafka::admin::types::MemberDescription;
use crate::kafka::snapshot::{GroupInfo, GroupOffset, PartitionInfo};
use crate::metrics::lag::{eta, partition_lag, time_lag_secs};
use crate::metrics::rate::{CounterRate, Sample};
use crate::metrics::status::{partition_status, LagPoint, LagStatus};

/// The snapshot's partitions by (topic, partition): looked up once per group row
/// (10 000 rows × 10 000 partitions by linear search would be 10⁸ comparisons per
/// refresh).
pub(super) type PartitionIndex<'a> = HashMap<(&'a str, i32), &'a PartitionInfo>;

impl MetricsEngine {
    /// One group's metrics at `now`.
    pub(super) fn group_metrics(
        &mut self,
        g: &GroupInfo,
        partitions: &PartitionIndex<'_>,
        now: u64,
    ) -> GroupMetrics {
        let generation = self.generation;
        let tau = self.tau();
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
                time_lag: None,
                stuck: None,
                data_loss: None,
                uncommitted_waiting: None,
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
        GroupMetrics {
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
            time_lag: None,
            max_time_lag_secs: None,
            stuck: 0,
            data_loss: None,
            uncommitted: 0,
            eta: eta(total_lag, consume, produce),
            status: rows.iter().map(|r| r.status).max().unwrap_or(LagStatus::Ok),
            threshold,
            alerting: total_lag > threshold,
            lag_history: gs.lags.to_vec(),
            rows,
            error: g.error.clone(),
        }
    }
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

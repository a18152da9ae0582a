//! Folding a snapshot's consumer groups: one row per partition (as
//! `kafka-consumer-groups --describe` prints it) with lag, rates and status, and
//! the group's totals and lag history.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::output::{GroupMetrics, GroupPartitionRow};
use super::partition_states::PartitionStates;
use super::{GroupHistory, GroupPartitionState, MetricsEngine};
use crate::kafka::admin::types::MemberDescription;
use crate::kafka::snapshot::{GroupInfo, GroupOffset, PartitionInfo, RecordRead};
use crate::metrics::data_loss::{data_loss, worst};
use crate::metrics::lag::{eta, partition_lag, time_lag_secs, PartitionLag};
use crate::metrics::rate::{CounterRate, Sample};
use crate::metrics::status::{
    partition_status, History, LagPoint, LagStatus, StatusReason, Verdict,
};
use crate::metrics::stuck::{stuck_partitions, Standstill};
use crate::metrics::time_lag::{time_lag, AtCommitted, TimeLag};

/// The snapshot's partitions by (topic, partition): looked up once per group row
/// (10 000 rows × 10 000 partitions by linear search would be 10⁸ comparisons per
/// refresh).
pub(super) type PartitionIndex<'a> = HashMap<(&'a str, i32), &'a PartitionInfo>;

/// The records read at committed offsets, by (topic, partition, offset).
pub(super) type RecordIndex<'a> = HashMap<(&'a str, i32, i64), &'a RecordRead>;

/// What every group of one refresh is folded against.
pub(super) struct Refresh<'a> {
    pub(super) partitions: &'a PartitionIndex<'a>,
    pub(super) records: &'a RecordIndex<'a>,
    /// Monotonic ms.
    pub(super) now: u64,
    /// Wall-clock ms since the epoch.
    pub(super) wall_ms: i64,
}

/// One partition row of a group, with what the group's totals need of it.
struct RowOut {
    row: GroupPartitionRow,
    standstill: Standstill,
    /// The partition's produce rate.
    produce_rate: Option<f64>,
}

/// A member as its rows name it: one copy of each string for all its rows.
struct Owner {
    consumer_id: Arc<str>,
    host: Arc<str>,
    client_id: Arc<str>,
}

impl Owner {
    fn of(m: &MemberDescription) -> Self {
        Owner {
            consumer_id: Arc::from(m.member_id.as_str()),
            host: Arc::from(m.host.as_str()),
            client_id: Arc::from(m.client_id.as_str()),
        }
    }
}

/// The members by the partitions they own.
fn owners(g: &GroupInfo) -> HashMap<(&str, i32), Arc<Owner>> {
    g.members
        .iter()
        .flatten()
        .flat_map(|m| {
            let owner = Arc::new(Owner::of(m));
            m.assignment
                .iter()
                .map(move |(t, p)| ((t.as_str(), *p), Arc::clone(&owner)))
        })
        .collect()
}

/// As kafka-consumer-groups does, an assigned partition without a committed
/// offset is a row too (CURRENT-OFFSET and LAG unknown).
fn assigned_without_commit(
    g: &GroupInfo,
    owners: &HashMap<(&str, i32), Arc<Owner>>,
) -> Vec<GroupOffset> {
    let committed: HashSet<(&str, i32)> = g
        .offsets
        .iter()
        .map(|o| (o.topic.as_str(), o.partition))
        .collect();
    owners
        .keys()
        .filter(|k| !committed.contains(*k))
        .map(|&(topic, partition)| GroupOffset {
            topic: topic.to_string(),
            partition,
            committed: None,
            share_lag: None,
        })
        .collect()
}

impl MetricsEngine {
    /// One group's metrics at `now`.
    pub(super) fn group_metrics(&mut self, g: &GroupInfo, at: &Refresh<'_>) -> GroupMetrics {
        let owners = owners(g);
        let uncommitted = assigned_without_commit(g, &owners);
        let mut rows = Vec::with_capacity(g.offsets.len() + uncommitted.len());
        let mut standstills = Vec::with_capacity(rows.capacity());
        let (mut consume, mut produce): (Option<f64>, Option<f64>) = (None, None);
        // The group's partitions' state, taken out of its history while the rows
        // are folded (they read the rest of the engine) and put back with it.
        let mut states = PartitionStates::new(
            self.groups
                .get_mut(g.group_id.as_str())
                .map(|h| std::mem::take(&mut h.partitions))
                .unwrap_or_default(),
        );
        for o in g.offsets.iter().chain(&uncommitted) {
            let owner = owners.get(&(o.topic.as_str(), o.partition));
            let out = self.partition_row(g, o, owner.map(|o| &**o), at, &mut states);
            if let Some(r) = out.row.consume_rate {
                *consume.get_or_insert(0.0) += r;
            }
            if let Some(r) = out.produce_rate {
                *produce.get_or_insert(0.0) += r;
            }
            rows.push(out.row);
            standstills.push(out.standstill);
        }
        for (row, stuck) in
            rows.iter_mut()
                .zip(stuck_partitions(&standstills, at.now, self.lag.stuck_after))
        {
            row.stuck = stuck.map(Box::new);
        }
        // Uncommitted partitions whose log grew since first seen.
        let uncommitted_growing = rows
            .iter()
            .zip(&standstills)
            .any(|(r, s)| r.uncommitted_waiting.is_some() && s.log_end_now > s.log_end_then);
        rows.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let states = states.kept(self.generation);
        self.group_totals(
            g,
            rows,
            states,
            (consume, produce),
            uncommitted_growing,
            at.now,
        )
    }

    /// Folds one committed offset (or an assigned partition without one) of group
    /// `g` into its state and derives the row.
    fn partition_row(
        &mut self,
        g: &GroupInfo,
        o: &GroupOffset,
        owner: Option<&Owner>,
        at: &Refresh<'_>,
        states: &mut PartitionStates<GroupPartitionState>,
    ) -> RowOut {
        let now = at.now;
        let topic = self.names.get(&o.topic);
        let part = at.partitions.get(&(o.topic.as_str(), o.partition));
        let log_end = part.and_then(|p| p.high);
        // A share-partition's lag is the broker's (KIP-1226): records acknowledged
        // past the start offset do not count.
        let lag = match o.share_lag {
            Some(l) => PartitionLag {
                lag: Some(l.max(0) as u64),
                raw: Some(l),
            },
            None => partition_lag(o.committed, log_end),
        };
        let (rate, verdict, standstill) = self.track(g, o, &topic, log_end, lag.lag, at, states);
        let pstate = self
            .topics
            .get(&topic)
            .and_then(|t| t.partition(o.partition));
        let prate = pstate.and_then(|p| p.produce.value());
        let low = part.and_then(|p| p.low);
        let loss = match (o.committed, low, lag.lag) {
            (Some(c), Some(l), Some(n)) if c >= 0 => {
                data_loss(c, l, n, pstate.and_then(|p| p.log_start.rate(now, l)))
            }
            _ => None,
        };
        let at_committed = match (o.committed, low) {
            (Some(c), Some(l)) if c < l => AtCommitted::Deleted,
            (Some(c), _) => at
                .records
                .get(&(o.topic.as_str(), o.partition, c))
                .map_or(AtCommitted::Unread, |r| AtCommitted::Read(r)),
            (None, _) => AtCommitted::Unread,
        };
        let estimate = lag.lag.and_then(|l| time_lag_secs(l, prate));
        let tl = time_lag(lag.lag, estimate, at_committed, at.wall_ms);
        // Records waiting where the group never committed: a warning, not "OK".
        let waiting = match o.committed {
            None => part.and_then(|p| p.messages()).map(|n| n as u64),
            Some(_) => None,
        };
        let verdict = if waiting.is_some_and(|n| n > 0) {
            verdict.worst(Verdict {
                status: LagStatus::Warn,
                reason: Some(StatusReason::NeverCommitted),
            })
        } else {
            verdict
        };
        let row = GroupPartitionRow {
            topic,
            partition: o.partition,
            current_offset: o.committed,
            log_end_offset: log_end,
            lag: lag.lag,
            raw_lag: lag.raw,
            consumer_id: owner.map(|m| Arc::clone(&m.consumer_id)),
            host: owner.map(|m| Arc::clone(&m.host)),
            client_id: owner.map(|m| Arc::clone(&m.client_id)),
            consume_rate: rate,
            time_lag_secs: tl.as_ref().map(|t| t.secs).or(estimate),
            time_lag: tl,
            stuck: None,
            data_loss: loss,
            uncommitted_waiting: waiting,
            status: verdict.status,
            status_reason: verdict.reason,
        };
        RowOut {
            row,
            standstill,
            produce_rate: prate,
        }
    }

    /// Updates the state of one of a group's partitions: its consume rate, its
    /// lag points and where its committed offset has stood since it last moved.
    #[allow(clippy::too_many_arguments)]
    fn track(
        &self,
        g: &GroupInfo,
        o: &GroupOffset,
        topic: &Arc<str>,
        log_end: Option<i64>,
        lag: Option<u64>,
        at: &Refresh<'_>,
        states: &mut PartitionStates<GroupPartitionState>,
    ) -> (Option<f64>, Verdict, Standstill) {
        let (now, generation, tau) = (at.now, self.generation, self.tau());
        let status_window_ms = self.cfg.status_window.as_millis() as u64;
        let wanted = (&**topic, o.partition);
        let probe = |s: &GroupPartitionState| (&*s.topic, s.partition).cmp(&wanted);
        let st = states.get_or_insert(probe, || GroupPartitionState {
            topic: Arc::clone(topic),
            partition: o.partition,
            consume: CounterRate::new(tau),
            points: self.lag_window(),
            last_committed: o.committed,
            frozen_since_ms: now,
            frozen_since_wall_ms: at.wall_ms,
            log_end_then: log_end,
            seen: generation,
        });
        st.seen = generation;
        if st.last_committed != o.committed {
            st.last_committed = o.committed;
            st.frozen_since_ms = now;
            st.frozen_since_wall_ms = at.wall_ms;
            st.log_end_then = log_end;
        }
        let standstill = Standstill {
            committed: o.committed,
            since_ms: st.frozen_since_ms,
            since_wall_ms: st.frozen_since_wall_ms,
            log_end_then: st.log_end_then,
            log_end_now: log_end,
        };
        let rate = match o.committed {
            Some(c) if c >= 0 => st.consume.observe(Sample {
                at_ms: now,
                value: c,
            }),
            _ => st.consume.value(),
        };
        if st.points.last_at_ms().is_none_or(|at| at < now) {
            st.points.push(
                now,
                LagPoint {
                    committed: o.committed,
                    lag,
                },
            );
        }
        let members = g.members.as_ref().map(Vec::len);
        let verdict = partition_status(
            &st.points.facts(),
            st.points.last_at_ms().unwrap_or(now),
            st.frozen_since_ms,
            status_window_ms,
            members,
        );
        (rate, verdict, standstill)
    }

    /// The group's totals over its sorted rows, and its lag history.
    fn group_totals(
        &mut self,
        g: &GroupInfo,
        rows: Vec<GroupPartitionRow>,
        partitions: Vec<GroupPartitionState>,
        (consume, produce): (Option<f64>, Option<f64>),
        uncommitted_growing: bool,
        now: u64,
    ) -> GroupMetrics {
        let generation = self.generation;
        let window_ms = self.cfg.status_window.as_millis() as u64;
        let total_lag: u64 = rows.iter().filter_map(|r| r.lag).sum();
        let ring = self.history_ring();
        let gs = self
            .groups
            .entry(self.names.get(&g.group_id))
            .or_insert_with(|| GroupHistory {
                lags: ring,
                seen: generation,
                first_seen_ms: now,
                reads: 0,
                status: None,
                partitions: Vec::new(),
            });
        gs.seen = generation;
        gs.partitions = partitions;
        gs.reads += 1;
        gs.lags.push(total_lag);
        let history = History {
            reads: gs.reads,
            span_ms: now.saturating_sub(gs.first_seen_ms),
            window_ms,
        };
        let verdict = rows
            .iter()
            .map(|r| Verdict {
                status: r.status,
                reason: r.status_reason,
            })
            .fold(Verdict::OK, Verdict::worst);
        let lag_history = gs.lags.to_vec();
        let threshold = self.lag.threshold_for(&g.group_id);
        let max_time_lag_secs = self
            .lag
            .max_time_lag_for(&g.group_id)
            .map(|d| d.as_secs_f64());
        let time_lag_secs = group_time_lag(&rows);
        let time_lag = time_lag_secs.and(worst_time_lag(&rows));
        let stuck = rows.iter().filter(|r| r.stuck.is_some()).count();
        let data_loss = worst(rows.iter().filter_map(|r| r.data_loss.as_ref()));
        let uncommitted = rows
            .iter()
            .filter(|r| r.uncommitted_waiting.is_some_and(|n| n > 0))
            .count();
        let over_time =
            matches!((&time_lag, max_time_lag_secs), (Some(t), Some(max)) if t.secs > max);
        let alerting = total_lag > threshold
            || over_time
            || stuck > 0
            || data_loss.is_some()
            || uncommitted_growing;
        GroupMetrics {
            group_id: g.group_id.clone(),
            state: g.state,
            group_type: g.group_type,
            protocol_type: g.protocol_type.clone(),
            members: g.members.as_ref().map(Vec::len),
            member_details: g.members.clone().unwrap_or_default(),
            detail: g.detail.clone(),
            total_lag,
            max_lag: rows.iter().filter_map(|r| r.lag).max().unwrap_or(0),
            consume_rate: consume,
            produce_rate: produce,
            time_lag_secs,
            time_lag,
            max_time_lag_secs,
            stuck,
            data_loss,
            uncommitted,
            eta: eta(total_lag, consume, produce),
            status: verdict.status,
            status_reason: verdict.reason,
            history,
            threshold,
            alerting,
            lag_history,
            rows,
            error: g.error.clone(),
        }
    }
}

/// The time lag of the group's worst partition.
fn worst_time_lag(rows: &[GroupPartitionRow]) -> Option<TimeLag> {
    rows.iter()
        .filter_map(|r| r.time_lag.as_ref())
        .max_by(|a, b| a.secs.total_cmp(&b.secs))
        .cloned()
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

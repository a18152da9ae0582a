//! The order of severity: which consumer group needs someone first, and which
//! topics carry the traffic. The overview and the incident snapshot list them
//! the same way.

use std::cmp::Reverse;

use crate::metrics::DataLoss;
use crate::metrics::{GroupMetrics, LagStatus, TopicMetrics};

/// How bad a group's state is, worst last (so it sorts descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Ok,
    /// Lag growing, partitions nobody ever committed to, or an error.
    Watch,
    /// Over a threshold, stalled or rewound.
    Alert,
    /// Stopped, stuck on a record, or data about to be (or already) lost.
    Critical,
}

pub fn severity(g: &GroupMetrics) -> Severity {
    if g.stuck > 0 || g.status == LagStatus::Stop || g.data_loss.is_some() {
        Severity::Critical
    } else if g.alerting || matches!(g.status, LagStatus::Stall | LagStatus::Rewind) {
        Severity::Alert
    } else if g.status == LagStatus::Warn || g.uncommitted > 0 || g.error.is_some() {
        Severity::Watch
    } else {
        Severity::Ok
    }
}

/// Records already lost first (the most first), then the soonest forecast
/// loss, then no loss; as an orderable key.
fn loss_key(l: &Option<DataLoss>) -> (u8, i64) {
    match l {
        Some(DataLoss::Lost { records }) => (0, -i64::try_from(*records).unwrap_or(i64::MAX)),
        Some(DataLoss::Forecast { in_secs }) => (1, millis(*in_secs)),
        None => (2, 0),
    }
}

/// Seconds as orderable milliseconds.
fn millis(secs: f64) -> i64 {
    if secs.is_finite() {
        (secs * 1000.0).round() as i64
    } else {
        i64::MAX
    }
}

fn time_lag(g: &GroupMetrics) -> f64 {
    g.time_lag
        .as_ref()
        .map(|t| t.secs)
        .or(g.time_lag_secs)
        .unwrap_or(0.0)
}

/// The worst first: severity, data loss, stuck partitions, time lag, lag; then
/// by name. Each group's key is computed once (a frame ranks every group).
pub fn groups_by_severity(groups: &[GroupMetrics]) -> Vec<&GroupMetrics> {
    let mut out: Vec<&GroupMetrics> = groups.iter().collect();
    out.sort_by_cached_key(|g| {
        (
            Reverse(severity(g)),
            loss_key(&g.data_loss),
            Reverse(g.stuck),
            Reverse(millis(time_lag(g))),
            Reverse(g.total_lag),
            g.group_id.clone(),
        )
    });
    out
}

/// Non-internal topics, the busiest first (unknown rates last), then by name.
pub fn topics_by_rate(topics: &[TopicMetrics]) -> Vec<&TopicMetrics> {
    let mut out: Vec<&TopicMetrics> = topics.iter().filter(|t| !t.internal).collect();
    out.sort_by_key(|t| (Reverse(rate_key(t.rate)), t.name.as_str()));
    out
}

/// A rate as an orderable integer (milli-messages per second); unknown is -1.
fn rate_key(r: Option<f64>) -> i64 {
    r.filter(|r| r.is_finite())
        .map_or(-1, |r| (r * 1000.0).round() as i64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::lag::Eta;

    /// A healthy group with no partitions.
    pub(crate) fn group(id: &str) -> GroupMetrics {
        GroupMetrics {
            group_id: id.into(),
            state: None,
            group_type: None,
            protocol_type: None,
            members: None,
            member_details: vec![],
            detail: None,
            total_lag: 0,
            max_lag: 0,
            consume_rate: None,
            produce_rate: None,
            time_lag_secs: None,
            time_lag: None,
            max_time_lag_secs: None,
            stuck: 0,
            data_loss: None,
            uncommitted: 0,
            eta: Eta::CaughtUp,
            status: LagStatus::Ok,
            status_reason: None,
            history: crate::metrics::History::default(),
            threshold: 0,
            alerting: false,
            lag_history: vec![],
            rows: vec![],
            error: None,
        }
    }

    #[test]
    fn worst_group_first() {
        let ok = group("a-ok");
        let mut lagging = group("b-lagging");
        lagging.status = LagStatus::Warn;
        let mut alert = group("c-alert");
        alert.alerting = true;
        let mut stuck = group("d-stuck");
        stuck.stuck = 1;
        let mut soon = group("e-soon");
        soon.data_loss = Some(DataLoss::Forecast { in_secs: 60.0 });
        let mut later = group("e-later");
        later.data_loss = Some(DataLoss::Forecast { in_secs: 600.0 });
        let mut lost = group("f-lost");
        lost.data_loss = Some(DataLoss::Lost { records: 5 });
        let all = vec![ok, lagging, alert, stuck, later, soon, lost];
        let order: Vec<&str> = groups_by_severity(&all)
            .iter()
            .map(|g| g.group_id.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "f-lost",
                "e-soon",
                "e-later",
                "d-stuck",
                "c-alert",
                "b-lagging",
                "a-ok"
            ]
        );
        assert_eq!(severity(&all[0]), Severity::Ok);
        assert_eq!(severity(&all[1]), Severity::Watch);
    }
}

//! One row per cluster, for watching several at once (`--all-profiles`): whether
//! it answered, brokers up of total, partitions under-replicated and offline, the
//! groups alerting and the worst of them, and what is produced per second.

use serde::Serialize;

use super::rank::{groups_by_severity, severity, Severity};
use crate::metrics::ClusterMetrics;

/// A cluster at a glance. Counts are `None` when the cluster did not answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterRow {
    /// The profile that names the cluster.
    pub cluster: String,
    pub reachable: bool,
    pub brokers_up: Option<usize>,
    /// Brokers listed plus brokers that hold replicas and are missing (down).
    pub brokers_total: Option<usize>,
    pub under_replicated: Option<usize>,
    pub offline_partitions: Option<usize>,
    pub alerting_groups: Option<usize>,
    /// The group that needs someone first, if any group is not OK.
    pub worst_group: Option<String>,
    /// Messages produced per second, all non-internal topics (from the second read on).
    pub produced_per_sec: Option<f64>,
    /// Why it did not answer, or what it could not read.
    pub error: Option<String>,
}

impl ClusterRow {
    /// The row of `cluster` from its latest metrics.
    pub fn of(cluster: &str, m: &ClusterMetrics) -> ClusterRow {
        if !m.connected {
            return ClusterRow::unreachable(cluster, m.errors.join("; "));
        }
        let up = m.brokers.len();
        let worst = groups_by_severity(&m.groups)
            .into_iter()
            .next()
            .filter(|g| severity(g) > Severity::Ok)
            .map(|g| g.group_id.clone());
        ClusterRow {
            cluster: cluster.to_string(),
            reachable: true,
            brokers_up: Some(up),
            brokers_total: Some(up + m.brokers_down.len()),
            under_replicated: Some(m.topics.iter().map(|t| t.under_replicated).sum()),
            offline_partitions: Some(m.topics.iter().map(|t| t.offline).sum()),
            alerting_groups: Some(m.groups.iter().filter(|g| g.alerting).count()),
            worst_group: worst,
            produced_per_sec: m.throughput.last().map(|p| p.produced),
            error: m.errors.first().cloned(),
        }
    }

    /// A cluster that could not be read at all.
    pub fn unreachable(cluster: &str, error: String) -> ClusterRow {
        ClusterRow {
            cluster: cluster.to_string(),
            reachable: false,
            brokers_up: None,
            brokers_total: None,
            under_replicated: None,
            offline_partitions: None,
            alerting_groups: None,
            worst_group: None,
            produced_per_sec: None,
            error: Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::snapshot::BrokerInfo;
    use crate::metrics::ThroughputPoint;
    use crate::report::rank::tests::group;

    #[test]
    fn a_cluster_at_a_glance() {
        let mut lagging = group("lagging");
        lagging.alerting = true;
        let mut stuck = group("stuck");
        stuck.stuck = 1;
        stuck.alerting = true;
        let m = ClusterMetrics {
            connected: true,
            brokers: vec![BrokerInfo {
                id: 1,
                host: "h".into(),
                port: 9092,
            }],
            brokers_down: vec![2, 3],
            groups: vec![group("fine"), lagging, stuck],
            throughput: vec![ThroughputPoint {
                at_ms: 1,
                produced: 12.5,
                consumed: 3.0,
            }],
            ..ClusterMetrics::default()
        };
        let row = ClusterRow::of("prod", &m);
        assert_eq!(row.brokers_up, Some(1));
        assert_eq!(row.brokers_total, Some(3));
        assert_eq!(row.alerting_groups, Some(2));
        assert_eq!(row.worst_group.as_deref(), Some("stuck"));
        assert_eq!(row.produced_per_sec, Some(12.5));
        assert!(row.reachable);
    }

    #[test]
    fn a_healthy_cluster_names_no_worst_group_and_one_down_no_counts() {
        let m = ClusterMetrics {
            connected: true,
            groups: vec![group("fine")],
            ..ClusterMetrics::default()
        };
        assert_eq!(ClusterRow::of("a", &m).worst_group, None);
        let down = ClusterMetrics {
            errors: vec!["connection refused".into()],
            ..ClusterMetrics::default()
        };
        let row = ClusterRow::of("b", &down);
        assert!(!row.reachable);
        assert_eq!(row.brokers_up, None);
        assert_eq!(row.error.as_deref(), Some("connection refused"));
    }
}

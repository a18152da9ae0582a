//! What only kaftop tells about a group's partitions: whether the time lag is exact,
//! stuck partitions, the data-loss forecast and lost records, partitions never
//! committed to, and the group's alert as a whole.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use kaftop_core::metrics::{DataLoss, GroupMetrics, GroupPartitionRow};

type IntGauge = Gauge<i64>;
type FloatGauge = Gauge<f64, AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartLabels {
    group: Arc<str>,
    topic: Arc<str>,
    partition: i32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupLabels {
    group: String,
}

#[derive(Default)]
pub(super) struct InsightFamilies {
    time_lag_exact: Family<PartLabels, IntGauge>,
    stuck: Family<PartLabels, IntGauge>,
    stuck_seconds: Family<PartLabels, FloatGauge>,
    stuck_offset: Family<PartLabels, IntGauge>,
    loss_in: Family<PartLabels, FloatGauge>,
    lost: Family<PartLabels, IntGauge>,
    waiting: Family<PartLabels, IntGauge>,
    group_stuck: Family<GroupLabels, IntGauge>,
    group_loss_in: Family<GroupLabels, FloatGauge>,
    group_lost: Family<GroupLabels, IntGauge>,
    group_uncommitted: Family<GroupLabels, IntGauge>,
    group_max_time_lag: Family<GroupLabels, FloatGauge>,
    group_alerting: Family<GroupLabels, IntGauge>,
}

impl InsightFamilies {
    pub(super) fn register(&self, r: &mut Registry) {
        r.register(
            "kaftop_consumergroup_partition_time_lag_exact",
            "1 when the partition's time lag was read from the record at its committed offset, 0 for an estimate",
            self.time_lag_exact.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_stuck",
            "1 when the committed offset stands still while the log grows and the group's other partitions move",
            self.stuck.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_stuck_seconds",
            "How long a stuck partition's committed offset has stood still",
            self.stuck_seconds.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_stuck_offset",
            "The offset a stuck partition stands at (the record there is the likely culprit)",
            self.stuck_offset.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_data_loss_seconds",
            "Forecast: seconds until the log start passes the committed offset",
            self.loss_in.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_lost_records",
            "Records deleted before the group consumed them (committed offset below the log start)",
            self.lost.clone(),
        );
        r.register(
            "kaftop_consumergroup_partition_uncommitted_records",
            "Records in a partition the group consumes but never committed to",
            self.waiting.clone(),
        );
        r.register(
            "kaftop_consumergroup_stuck_partitions",
            "Stuck partitions of a group",
            self.group_stuck.clone(),
        );
        r.register(
            "kaftop_consumergroup_data_loss_seconds",
            "Soonest data-loss forecast of a group's partitions",
            self.group_loss_in.clone(),
        );
        r.register(
            "kaftop_consumergroup_lost_records",
            "Records a group lost, summed over its partitions",
            self.group_lost.clone(),
        );
        r.register(
            "kaftop_consumergroup_uncommitted_partitions",
            "Partitions with records that the group never committed to",
            self.group_uncommitted.clone(),
        );
        r.register(
            "kaftop_consumergroup_max_time_lag_seconds",
            "The group's configured time-lag threshold",
            self.group_max_time_lag.clone(),
        );
        r.register(
            "kaftop_consumergroup_alerting",
            "1 when the group alerts: lag or time lag over threshold, a stuck partition, data loss or its forecast, or a growing uncommitted partition",
            self.group_alerting.clone(),
        );
    }

    pub(super) fn clear(&self) {
        self.time_lag_exact.clear();
        self.stuck.clear();
        self.stuck_seconds.clear();
        self.stuck_offset.clear();
        self.loss_in.clear();
        self.lost.clear();
        self.waiting.clear();
        self.group_stuck.clear();
        self.group_loss_in.clear();
        self.group_lost.clear();
        self.group_uncommitted.clear();
        self.group_max_time_lag.clear();
        self.group_alerting.clear();
    }

    /// One of a group's partitions, its names shared with the other families.
    pub(super) fn fill_partition(&self, group: &Arc<str>, topic: &Arc<str>, r: &GroupPartitionRow) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let l = PartLabels {
            group: Arc::clone(group),
            topic: Arc::clone(topic),
            partition: r.partition,
        };
        if let Some(t) = &r.time_lag {
            self.time_lag_exact
                .get_or_create(&l)
                .set(i64::from(t.exact));
        }
        if r.current_offset.is_some() {
            self.stuck
                .get_or_create(&l)
                .set(i64::from(r.stuck.is_some()));
        }
        if let Some(s) = &r.stuck {
            self.stuck_seconds.get_or_create(&l).set(s.for_secs);
            self.stuck_offset.get_or_create(&l).set(s.offset);
        }
        match r.data_loss {
            Some(DataLoss::Forecast { in_secs }) => {
                self.loss_in.get_or_create(&l).set(in_secs);
            }
            Some(DataLoss::Lost { records }) => {
                self.lost.get_or_create(&l).set(int(records));
            }
            None => {}
        }
        if let Some(n) = r.uncommitted_waiting {
            self.waiting.get_or_create(&l).set(int(n));
        }
    }

    /// The group's own families; its partitions' come from
    /// [`fill_partition`](Self::fill_partition).
    pub(super) fn fill_group(&self, g: &GroupMetrics) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let gl = GroupLabels {
            group: g.group_id.clone(),
        };
        self.group_stuck.get_or_create(&gl).set(g.stuck as i64);
        match g.data_loss {
            Some(DataLoss::Forecast { in_secs }) => {
                self.group_loss_in.get_or_create(&gl).set(in_secs);
            }
            Some(DataLoss::Lost { records }) => {
                self.group_lost.get_or_create(&gl).set(int(records));
            }
            None => {}
        }
        self.group_uncommitted
            .get_or_create(&gl)
            .set(g.uncommitted as i64);
        if let Some(max) = g.max_time_lag_secs {
            self.group_max_time_lag.get_or_create(&gl).set(max);
        }
        self.group_alerting
            .get_or_create(&gl)
            .set(i64::from(g.alerting));
    }
}

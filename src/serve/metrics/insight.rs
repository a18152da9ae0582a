//! What only kaftop tells about a group's partitions: whether the time lag is exact,
//! stuck partitions, the data-loss forecast and lost records, partitions never
//! committed to, and the group's alert as a whole.

use std::fmt;

use prometheus_client::encoding::DescriptorEncoder;

use super::cluster::{gauges, group, int, part, rows};
use kaftop_core::metrics::{ClusterMetrics, DataLoss};

/// The group partitions' families, then the groups'.
pub(super) fn write(enc: &mut DescriptorEncoder, m: &ClusterMetrics) -> fmt::Result {
    gauges(
        enc,
        "kaftop_consumergroup_partition_time_lag_exact",
        "1 when the partition's time lag was read from the record at its committed offset, 0 for an estimate",
        rows(m).filter_map(|(g, r)| Some((part(g, r), i64::from(r.time_lag.as_ref()?.exact)))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_stuck",
        "1 when the committed offset stands still while the log grows and the group's other partitions move",
        rows(m)
            .filter(|(_, r)| r.current_offset.is_some())
            .map(|(g, r)| (part(g, r), i64::from(r.stuck.is_some()))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_stuck_seconds",
        "How long a stuck partition's committed offset has stood still",
        rows(m).filter_map(|(g, r)| Some((part(g, r), r.stuck.as_ref()?.for_secs))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_stuck_offset",
        "The offset a stuck partition stands at (the record there is the likely culprit)",
        rows(m).filter_map(|(g, r)| Some((part(g, r), r.stuck.as_ref()?.offset))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_data_loss_seconds",
        "Forecast: seconds until the log start passes the committed offset",
        rows(m).filter_map(|(g, r)| match r.data_loss {
            Some(DataLoss::Forecast { in_secs }) => Some((part(g, r), in_secs)),
            _ => None,
        }),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_lost_records",
        "Records deleted before the group consumed them (committed offset below the log start)",
        rows(m).filter_map(|(g, r)| match r.data_loss {
            Some(DataLoss::Lost { records }) => Some((part(g, r), int(records))),
            _ => None,
        }),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_partition_uncommitted_records",
        "Records in a partition the group consumes but never committed to",
        rows(m).filter_map(|(g, r)| Some((part(g, r), int(r.uncommitted_waiting?)))),
    )?;
    write_groups(enc, m)
}

fn write_groups(enc: &mut DescriptorEncoder, m: &ClusterMetrics) -> fmt::Result {
    let groups = || m.groups.iter();
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    gauges(
        enc,
        "kaftop_consumergroup_stuck_partitions",
        "Stuck partitions of a group",
        groups().map(|g| (group(g), n(g.stuck))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_data_loss_seconds",
        "Soonest data-loss forecast of a group's partitions",
        groups().filter_map(|g| match g.data_loss {
            Some(DataLoss::Forecast { in_secs }) => Some((group(g), in_secs)),
            _ => None,
        }),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_lost_records",
        "Records a group lost, summed over its partitions",
        groups().filter_map(|g| match g.data_loss {
            Some(DataLoss::Lost { records }) => Some((group(g), int(records))),
            _ => None,
        }),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_uncommitted_partitions",
        "Partitions with records that the group never committed to",
        groups().map(|g| (group(g), n(g.uncommitted))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_max_time_lag_seconds",
        "The group's configured time-lag threshold",
        groups().filter_map(|g| Some((group(g), g.max_time_lag_secs?))),
    )?;
    gauges(
        enc,
        "kaftop_consumergroup_alerting",
        "1 when the group alerts: lag or time lag over threshold, a stuck partition, data loss or its forecast, or a growing uncommitted partition",
        groups().map(|g| (group(g), i64::from(g.alerting))),
    )
}

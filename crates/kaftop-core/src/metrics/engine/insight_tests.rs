//! The engine's exact time lag, stuck partitions, data loss, uncommitted partitions
//! and throughput history, over hand-made snapshots.

use std::time::Duration;

use super::*;
use crate::kafka::snapshot::{
    CommittedRecord, GroupInfo, GroupOffset, PartitionInfo, RecordRead, TopicInfo,
};
use crate::metrics::status::LagStatus;
use crate::metrics::{DataLoss, Stuck, TimeLag};

/// Topic `t` with partitions of (low, high), group `g` committed at `committed`.
fn snap(secs: u64, parts: &[(i64, i64)], committed: &[Option<i64>]) -> ClusterSnapshot {
    ClusterSnapshot {
        mono_ms: secs * 1000,
        taken_at_ms: 1_700_000_000_000 + secs as i64 * 1000,
        connected: true,
        topics: vec![TopicInfo {
            name: "t".into(),
            partitions: parts
                .iter()
                .enumerate()
                .map(|(i, &(low, high))| PartitionInfo {
                    id: i as i32,
                    leader: 1,
                    replicas: vec![1],
                    isr: vec![1],
                    low: Some(low),
                    high: Some(high),
                    error: None,
                })
                .collect(),
            ..Default::default()
        }],
        groups: vec![GroupInfo {
            group_id: "g".into(),
            state: None,
            group_type: None,
            protocol_type: None,
            members: Some(Vec::new()),
            offsets: committed
                .iter()
                .enumerate()
                .filter_map(|(i, &c)| {
                    c.map(|c| GroupOffset {
                        topic: "t".into(),
                        partition: i as i32,
                        committed: Some(c),
                        share_lag: None,
                    })
                })
                .collect(),
            coordinator: None,
            error: None,
            detail: None,
        }],
        ..Default::default()
    }
}

fn engine(lag: LagConfig) -> MetricsEngine {
    MetricsEngine::new(EngineConfig::for_interval(Duration::from_secs(10)), lag)
}

#[test]
fn exact_time_lag_from_the_record_at_the_committed_offset() {
    let mut e = engine(LagConfig {
        default_max_time_lag: Some(Duration::from_secs(60)),
        ..Default::default()
    });
    let mut s = snap(0, &[(0, 100), (0, 50)], &[Some(40), Some(50)]);
    s.committed_records = vec![CommittedRecord {
        topic: "t".into(),
        partition: 0,
        offset: 40,
        read: RecordRead::Timestamp {
            ms: s.taken_at_ms - 90_500,
        },
    }];
    let g = &e.ingest(&s).groups[0];
    let exact = TimeLag {
        secs: 90.5,
        exact: true,
        note: None,
    };
    assert_eq!(g.rows[0].time_lag, Some(exact.clone()));
    assert_eq!(g.rows[0].time_lag_secs, Some(90.5));
    assert_eq!(g.rows[1].time_lag.as_ref().map(|t| t.secs), Some(0.0));
    assert_eq!(g.time_lag, Some(exact));
    assert_eq!(g.max_time_lag_secs, Some(60.0));
    // 60 lagging records are under the default threshold; 90 s is over 60 s.
    assert!(g.alerting);
}

#[test]
fn one_partition_stuck_while_the_other_moves() {
    let mut e = engine(LagConfig {
        stuck_after: Duration::from_secs(30),
        ..Default::default()
    });
    let mut last = None;
    for i in 0..5u64 {
        let high = 100 + i as i64 * 10;
        let s = snap(i * 10, &[(0, high), (0, high)], &[Some(7), Some(high - 1)]);
        last = Some(e.ingest(&s));
    }
    let g = &last.unwrap().groups[0];
    assert_eq!(
        g.rows[0].stuck.as_deref().cloned(),
        Some(Stuck {
            offset: 7,
            since_ms: 1_700_000_000_000,
            for_secs: 40.0
        })
    );
    assert_eq!(g.rows[1].stuck, None);
    assert_eq!(g.stuck, 1);
    assert!(g.alerting);
}

#[test]
fn data_loss_forecast_then_records_lost() {
    let mut e = engine(LagConfig::default());
    // The log start moves 100 records per 10 s; the group sits at 500.
    for i in 0..3u64 {
        let low = i as i64 * 100;
        e.ingest(&snap(i * 10, &[(low, 1_000)], &[Some(500)]));
    }
    let m = e.ingest(&snap(30, &[(300, 1_000)], &[Some(500)]));
    // 201 records to go at 10 records/s.
    let forecast = DataLoss::Forecast { in_secs: 20.1 };
    assert_eq!(m.groups[0].rows[0].data_loss, Some(forecast.clone()));
    assert_eq!(m.groups[0].data_loss, Some(forecast));
    assert!(m.groups[0].alerting);
    let m = e.ingest(&snap(60, &[(620, 1_000)], &[Some(500)]));
    assert_eq!(m.groups[0].data_loss, Some(DataLoss::Lost { records: 120 }));
    // Deleted records have no age to read, and nothing is produced to estimate one.
    assert_eq!(m.groups[0].rows[0].time_lag, None);
}

#[test]
fn an_uncommitted_partition_with_records_is_a_warning() {
    let mut e = engine(LagConfig::default());
    let with_member = |mut s: ClusterSnapshot| {
        s.groups[0].members = Some(vec![crate::kafka::admin::types::MemberDescription {
            member_id: "m".into(),
            client_id: "c".into(),
            host: "/h".into(),
            assignment: vec![("t".into(), 0)],
            target_assignment: None,
        }]);
        s
    };
    let g = e.ingest(&with_member(snap(0, &[(10, 30)], &[None]))).groups[0].clone();
    assert_eq!(g.rows[0].uncommitted_waiting, Some(20));
    assert_eq!(g.rows[0].status, LagStatus::Warn);
    assert_eq!(g.uncommitted, 1);
    assert!(!g.alerting, "not growing yet");
    let g = e
        .ingest(&with_member(snap(10, &[(10, 35)], &[None])))
        .groups[0]
        .clone();
    assert!(g.alerting, "the log grows and nothing is committed");
}

#[test]
fn throughput_history_of_produce_and_commit_rates() {
    let mut e = engine(LagConfig::default());
    let m = e.ingest(&snap(0, &[(0, 100)], &[Some(50)]));
    assert!(m.throughput.is_empty(), "no rate after one refresh");
    let m = e.ingest(&snap(10, &[(0, 200)], &[Some(100)]));
    assert_eq!(
        m.throughput,
        vec![ThroughputPoint {
            at_ms: 1_700_000_010_000,
            produced: 10.0,
            consumed: 5.0
        }]
    );
}

/// A share group (KIP-932): its start offset is where a committed offset would
/// be. Partition 0's stands at 7 while its log grows and partition 1's moves:
/// stuck by the same rule as a consumer group's. Each row's lag is the broker's
/// share lag (records acknowledged past the start offset do not count), not the
/// log end minus the start offset.
#[test]
fn a_share_group_whose_start_offset_stands_while_the_log_grows_is_stuck() {
    use crate::kafka::admin::types::GroupType;
    let mut e = engine(LagConfig {
        stuck_after: Duration::from_secs(30),
        ..Default::default()
    });
    let mut last = None;
    for i in 0..5u64 {
        let high = 100 + i as i64 * 10;
        let mut s = snap(i * 10, &[(0, high), (0, high)], &[Some(7), Some(high - 4)]);
        let g = &mut s.groups[0];
        g.group_type = Some(GroupType::Share);
        // Partition 0: 20 records past the start offset acknowledged (out of
        // order, as share consumers may); partition 1: 4 records still in flight.
        g.offsets[0].share_lag = Some(high - 7 - 20);
        g.offsets[1].share_lag = Some(4);
        last = Some(e.ingest(&s));
    }
    let g = &last.unwrap().groups[0];
    assert_eq!(g.group_type, Some(GroupType::Share));
    assert_eq!(
        g.rows[0].stuck.as_deref().cloned(),
        Some(Stuck {
            offset: 7,
            since_ms: 1_700_000_000_000,
            for_secs: 40.0
        })
    );
    assert_eq!(g.rows[1].stuck, None);
    assert_eq!(g.stuck, 1);
    assert!(g.alerting);
    // 140 - 7 - 20 and 4: the broker's, not 133 and 4.
    assert_eq!((g.rows[0].lag, g.rows[0].raw_lag), (Some(113), Some(113)));
    assert_eq!(g.rows[0].current_offset, Some(7));
    assert_eq!(g.rows[1].lag, Some(4));
    assert_eq!(g.total_lag, 117);
}

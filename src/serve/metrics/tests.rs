//! The exporter on a fixed cluster folded through the real metrics engine: exact
//! values and label sets in the text Prometheus reads.

use std::time::Duration;

use super::*;
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;
use kaftop_services::stats::CounterValues;
use kaftop_services::{ServiceName, ServiceSnapshot, ServiceState, ServicesSnapshot, StoreFigures};

fn partition(
    id: i32,
    leader: i32,
    replicas: &[i32],
    isr: &[i32],
    low: i64,
    high: i64,
) -> PartitionInfo {
    PartitionInfo {
        id,
        leader,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        low: Some(low),
        high: Some(high),
        error: None,
    }
}

fn group(id: &str, members: Vec<MemberDescription>, offsets: &[(i32, i64)]) -> GroupInfo {
    GroupInfo {
        group_id: id.into(),
        state: Some(GroupState::Stable),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(members),
        offsets: offsets
            .iter()
            .map(|&(partition, c)| GroupOffset {
                topic: "orders".into(),
                partition,
                committed: Some(c),
                share_lag: None,
            })
            .collect(),
        coordinator: None,
        error: None,
        detail: None,
    }
}

/// Step 0 or 1 (two seconds apart) of a cluster with brokers 1 and 2 up and 3
/// down: `orders` partition 0 (under-replicated, led by 1) takes 20 records/s,
/// partition 1 none. `billing` (one member owning partition 0) is 20 behind on
/// partition 0 at step 1; `audit` (no members) 5 behind on partition 1.
fn snapshot(step: i64) -> ClusterSnapshot {
    let billing = group(
        "billing",
        vec![MemberDescription {
            member_id: "m-1".into(),
            client_id: "c-1".into(),
            host: "/10.0.0.1".into(),
            assignment: vec![("orders".into(), 0)],
            target_assignment: None,
        }],
        &[(0, 90 + 30 * step), (1, 50)],
    );
    ClusterSnapshot {
        taken_at_ms: 1_795_515_330_000 + 2000 * step,
        mono_ms: 2000 * step as u64,
        connected: true,
        cluster_id: Some("c".into()),
        controller: Some(1),
        brokers: (1..=2)
            .map(|id| BrokerInfo {
                id,
                host: format!("kafka-{id}"),
                port: 9092,
            })
            .collect(),
        topics: vec![TopicInfo {
            name: "orders".into(),
            partitions: vec![
                partition(0, 1, &[1, 2, 3], &[1, 2], 5, 100 + 40 * step),
                partition(1, 2, &[2, 1], &[2, 1], 0, 50),
            ],
            ..Default::default()
        }],
        groups: vec![billing, group("audit", vec![], &[(1, 45)])],
        errors: vec![],
        unsupported_group_types: Vec::new(),
        requests: 3,
        committed_records: vec![],
    }
}

fn cluster() -> (MetricsEngine, ClusterMetrics) {
    let mut e = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(2)),
        LagConfig::default(),
    );
    e.ingest(&snapshot(0));
    let m = e.ingest(&snapshot(1));
    (e, m)
}

fn text(e: &Exporter) -> String {
    let body = e.encode(Format::Prometheus).unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

/// The sample lines of `name` (without its `_total`/`_bucket` relatives), sorted.
fn samples(text: &str, name: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with(['{', ' ']))
        })
        .map(String::from)
        .collect();
    v.sort();
    v
}

const BILLING_0: &str = r#"group="billing",topic="orders",partition="0",member_host="/10.0.0.1",consumer_id="m-1",client_id="c-1""#;
const BILLING_1: &str =
    r#"group="billing",topic="orders",partition="1",member_host="",consumer_id="",client_id="""#;
const AUDIT_1: &str =
    r#"group="audit",topic="orders",partition="1",member_host="",consumer_id="",client_id="""#;

#[test]
fn group_partitions_carry_offsets_lag_and_time_lag() {
    let (_, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let t = text(&e);
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_offset"),
        [
            format!("kafka_consumergroup_group_offset{{{AUDIT_1}}} 45"),
            format!("kafka_consumergroup_group_offset{{{BILLING_0}}} 120"),
            format!("kafka_consumergroup_group_offset{{{BILLING_1}}} 50"),
        ]
    );
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_lag"),
        [
            format!("kafka_consumergroup_group_lag{{{AUDIT_1}}} 5"),
            format!("kafka_consumergroup_group_lag{{{BILLING_0}}} 20"),
            format!("kafka_consumergroup_group_lag{{{BILLING_1}}} 0"),
        ]
    );
    // 20 behind at 20 records/s; audit's partition has no produce rate to tell.
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_lag_seconds"),
        [
            format!("kafka_consumergroup_group_lag_seconds{{{BILLING_0}}} 1.0"),
            format!("kafka_consumergroup_group_lag_seconds{{{BILLING_1}}} 0.0"),
        ]
    );
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_sum_lag"),
        [
            r#"kafka_consumergroup_group_sum_lag{group="audit"} 5"#,
            r#"kafka_consumergroup_group_sum_lag{group="billing"} 20"#,
        ]
    );
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_max_lag_seconds"),
        [r#"kafka_consumergroup_group_max_lag_seconds{group="billing"} 1.0"#]
    );
    assert_eq!(
        samples(&t, "kafka_consumergroup_members"),
        [
            r#"kafka_consumergroup_members{group="audit"} 0"#,
            r#"kafka_consumergroup_members{group="billing"} 1"#,
        ]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_consume_rate"),
        [
            r#"kaftop_consumergroup_consume_rate{group="audit"} 0.0"#,
            r#"kaftop_consumergroup_consume_rate{group="billing"} 15.0"#,
        ]
    );
}

#[test]
fn status_is_one_labelled_gauge_per_status() {
    let (_, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let t = text(&e);
    let billing: Vec<String> = samples(&t, "kaftop_consumergroup_status")
        .into_iter()
        .filter(|l| l.contains("billing"))
        .collect();
    assert_eq!(
        billing,
        [
            r#"kaftop_consumergroup_status{group="billing",status="OK"} 1"#,
            r#"kaftop_consumergroup_status{group="billing",status="REWIND"} 0"#,
            r#"kaftop_consumergroup_status{group="billing",status="STALL"} 0"#,
            r#"kaftop_consumergroup_status{group="billing",status="STOP"} 0"#,
            r#"kaftop_consumergroup_status{group="billing",status="WARN"} 0"#,
        ]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_partition_status").len(),
        3,
        "one series per group partition: its current status"
    );
    assert!(t.contains(
        r#"kaftop_consumergroup_partition_status{group="billing",topic="orders",partition="0",status="OK"} 1"#
    ));
}

#[test]
fn topics_partitions_and_brokers() {
    let (_, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let t = text(&e);
    assert_eq!(
        samples(&t, "kafka_partition_latest_offset"),
        [
            r#"kafka_partition_latest_offset{topic="orders",partition="0"} 140"#,
            r#"kafka_partition_latest_offset{topic="orders",partition="1"} 50"#,
        ]
    );
    assert_eq!(
        samples(&t, "kafka_partition_earliest_offset"),
        [
            r#"kafka_partition_earliest_offset{topic="orders",partition="0"} 5"#,
            r#"kafka_partition_earliest_offset{topic="orders",partition="1"} 0"#,
        ]
    );
    for line in [
        r#"kafka_topic_high_water_mark_sum{topic="orders"} 190"#,
        r#"kafka_topic_low_water_mark_sum{topic="orders"} 5"#,
        r#"kafka_topic_partitions{topic="orders"} 2"#,
        r#"kaftop_topic_produce_rate{topic="orders"} 20.0"#,
        r#"kafka_topic_under_replicated_partitions{topic="orders"} 1"#,
        r#"kafka_topic_offline_partitions{topic="orders"} 0"#,
        "kafka_cluster_up 1",
        "kafka_cluster_brokers 2",
    ] {
        assert!(t.lines().any(|l| l == line), "{line} in\n{t}");
    }
    assert_eq!(
        samples(&t, "kafka_broker_up"),
        [
            r#"kafka_broker_up{broker_id="1"} 1"#,
            r#"kafka_broker_up{broker_id="2"} 1"#,
            r#"kafka_broker_up{broker_id="3"} 0"#,
        ]
    );
    assert_eq!(
        samples(&t, "kafka_broker_under_replicated_partitions"),
        [
            r#"kafka_broker_under_replicated_partitions{broker_id="1"} 1"#,
            r#"kafka_broker_under_replicated_partitions{broker_id="2"} 0"#,
        ]
    );
}

#[test]
fn vanished_groups_and_partitions_leave_and_failures_count() {
    let (mut engine, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let mut s = snapshot(2);
    s.groups.retain(|g| g.group_id == "audit");
    s.topics[0].partitions.truncate(1);
    s.groups[0].offsets.clear();
    let m = engine.ingest(&s);
    e.observe_cluster(&m, Duration::from_millis(20), true);
    let t = text(&e);
    assert!(!t.contains("billing"), "{t}");
    assert!(!t.contains(r#"partition="1""#), "{t}");
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_sum_lag"),
        [r#"kafka_consumergroup_group_sum_lag{group="audit"} 0"#]
    );

    // Unreachable: the cluster's families empty, the failure counted.
    let down = engine.ingest(&ClusterSnapshot::default());
    e.observe_cluster(&down, Duration::from_secs(5), false);
    let t = text(&e);
    assert!(t.lines().any(|l| l == "kafka_cluster_up 0"), "{t}");
    assert!(samples(&t, "kafka_partition_latest_offset").is_empty());
    assert!(t.lines().any(|l| l == "kaftop_refreshes_total 3"), "{t}");
    assert!(
        t.lines().any(|l| l == "kaftop_refresh_errors_total 1"),
        "{t}"
    );
    assert!(t
        .lines()
        .any(|l| l == "kaftop_refresh_duration_seconds_count 3"));
    assert!(t
        .lines()
        .any(|l| l == r#"kaftop_refresh_duration_seconds_bucket{le="0.04"} 2"#));
}

fn services_snapshot(consumed: u64) -> ServicesSnapshot {
    let svc = |name: ServiceName, group: &str, state, counters, pending| ServiceSnapshot {
        name,
        group: group.into(),
        topics: vec!["message.created".into()],
        state,
        consumers: 2,
        assigned: vec![("message.created".into(), 0), ("message.created".into(), 1)],
        counters,
        pending,
        processed_per_sec: 0.0,
        last_error: None,
        // The stopped read-receipt service stands for one waiting for its store.
        stalled: (state == ServiceState::Stopped).then(|| "disk full".to_string()),
    };
    ServicesSnapshot {
        taken_at: chrono::DateTime::UNIX_EPOCH,
        services: vec![
            svc(
                ServiceName::Notification,
                "notification-service-group",
                ServiceState::Running,
                CounterValues {
                    consumed,
                    processed: 9,
                    dead_lettered: 1,
                    dedupe_hits: 2,
                    retries: 3,
                    notify_failures: 0,
                    commit_failures: 0,
                    panics: 1,
                    restarts: 1,
                    pushes_sent: 7,
                    push_failures: 2,
                    pushes_dead: 1,
                },
                None,
            ),
            svc(
                ServiceName::ReadReceipt,
                "read-receipt-service-group",
                ServiceState::Stopped,
                CounterValues::default(),
                Some(4),
            ),
        ],
        notifications: vec![],
        receipts: vec![],
        store: Ok(StoreFigures::default()),
        next_purge: None,
    }
}

#[test]
fn services_counters_and_state() {
    let e = Exporter::new();
    e.observe_services(&services_snapshot(10));
    e.observe_services(&services_snapshot(12));
    let t = text(&e);
    const N: &str = r#"service="notification",group="notification-service-group""#;
    const R: &str = r#"service="read-receipt",group="read-receipt-service-group""#;
    for line in [
        format!("kaftop_service_consumed_total{{{N}}} 12"),
        format!("kaftop_service_processed_total{{{N}}} 9"),
        format!("kaftop_service_dead_lettered_total{{{N}}} 1"),
        format!("kaftop_service_deduplicated_total{{{N}}} 2"),
        format!("kaftop_service_retries_total{{{N}}} 3"),
        format!("kaftop_service_running{{{N}}} 1"),
        format!("kaftop_service_running{{{R}}} 0"),
        format!("kaftop_service_panics_total{{{N}}} 1"),
        format!("kaftop_service_restarts_total{{{N}}} 1"),
        format!("kaftop_service_pushes_sent_total{{{N}}} 7"),
        format!("kaftop_service_push_failures_total{{{N}}} 2"),
        format!("kaftop_service_pushes_dead_lettered_total{{{N}}} 1"),
        format!("kaftop_service_stalled{{{N}}} 0"),
        format!("kaftop_service_stalled{{{R}}} 1"),
        format!("kaftop_service_consumers{{{N}}} 2"),
        format!("kaftop_service_assigned_partitions{{{N}}} 2"),
        format!("kaftop_service_pending_receipts{{{R}}} 4"),
    ] {
        assert!(t.lines().any(|l| l == line), "{line} in\n{t}");
    }
    assert_eq!(samples(&t, "kaftop_service_pending_receipts").len(), 1);
    assert!(t.contains("# TYPE kaftop_service_consumed_total counter"));
}

#[test]
fn receipt_clients_connected_and_dropped() {
    let e = Exporter::new();
    e.observe_receipt_clients(3, 2);
    e.observe_receipt_clients(1, 5);
    // The same running total again adds nothing.
    e.observe_receipt_clients(1, 5);
    let t = text(&e);
    assert_eq!(
        samples(&t, "kaftop_receipt_clients"),
        ["kaftop_receipt_clients 1"]
    );
    assert_eq!(
        samples(&t, "kaftop_receipt_clients_dropped_total"),
        ["kaftop_receipt_clients_dropped_total 5"]
    );
}

#[test]
fn each_scrape_writes_the_latest_change_in_either_format() {
    let (_, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let a = e.encode(Format::Prometheus).unwrap();
    let b = e.encode(Format::Prometheus).unwrap();
    assert_eq!(a, b, "nothing changed between the scrapes");
    let om = e.encode(Format::OpenMetrics).unwrap();
    assert!(om.ends_with(b"# EOF\n"));
    e.observe_services(&services_snapshot(1));
    let c = e.encode(Format::Prometheus).unwrap();
    assert_ne!(a, c);
    assert_eq!(
        Format::from_accept("application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"),
        Format::OpenMetrics
    );
    assert_eq!(Format::from_accept("*/*"), Format::Prometheus);
    assert_eq!(Format::from_accept(""), Format::Prometheus);
}

#[test]
fn the_grafana_dashboard_names_only_exported_metrics() {
    let dashboard = include_str!("../../../dashboards/kaftop.json");
    let (_, mut m) = cluster();
    // Families without samples are not exported: give each one a sample.
    with_insight(&mut m);
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    e.observe_services(&services_snapshot(1));
    let t = text(&e);
    let exported: Vec<&str> = t
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let mut used: Vec<&str> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("kafka_") || w.starts_with("kaftop_"))
        .collect();
    used.sort();
    used.dedup();
    assert!(used.len() > 15, "{used:?}");
    for name in used {
        let base = name.strip_suffix("_bucket").unwrap_or(name);
        assert!(exported.contains(&base), "{name} is not exported");
    }
}

/// Billing stuck on partition 0 at offset 120 with a data-loss forecast in 5 min;
/// audit lost 7 records.
fn with_insight(m: &mut ClusterMetrics) {
    use kaftop_core::metrics::{DataLoss, Stuck, TimeLag};
    let billing = m
        .groups
        .iter_mut()
        .find(|g| g.group_id == "billing")
        .unwrap();
    billing.rows[0].stuck = Some(Box::new(Stuck {
        offset: 120,
        since_ms: 1_795_515_300_000,
        for_secs: 75.0,
    }));
    billing.rows[0].time_lag = Some(TimeLag {
        secs: 90.0,
        exact: true,
        note: None,
    });
    billing.rows[0].data_loss = Some(DataLoss::Forecast { in_secs: 300.0 });
    billing.stuck = 1;
    billing.data_loss = Some(DataLoss::Forecast { in_secs: 300.0 });
    billing.alerting = true;
    let audit = m.groups.iter_mut().find(|g| g.group_id == "audit").unwrap();
    audit.rows[0].data_loss = Some(DataLoss::Lost { records: 7 });
    audit.data_loss = Some(DataLoss::Lost { records: 7 });
    audit.alerting = true;
}

#[test]
fn stuck_partitions_and_data_loss_are_exported() {
    let (_, mut m) = cluster();
    with_insight(&mut m);
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let t = text(&e);
    let b0 = r#"group="billing",topic="orders",partition="0""#;
    let b1 = r#"group="billing",topic="orders",partition="1""#;
    assert_eq!(
        samples(&t, "kaftop_consumergroup_partition_stuck"),
        [
            r#"kaftop_consumergroup_partition_stuck{group="audit",topic="orders",partition="1"} 0"#
                .to_string(),
            format!("kaftop_consumergroup_partition_stuck{{{b0}}} 1"),
            format!("kaftop_consumergroup_partition_stuck{{{b1}}} 0"),
        ]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_partition_stuck_offset"),
        [format!(
            "kaftop_consumergroup_partition_stuck_offset{{{b0}}} 120"
        )]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_partition_time_lag_exact"),
        [
            format!("kaftop_consumergroup_partition_time_lag_exact{{{b0}}} 1"),
            format!("kaftop_consumergroup_partition_time_lag_exact{{{b1}}} 1"),
        ]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_data_loss_seconds"),
        [r#"kaftop_consumergroup_data_loss_seconds{group="billing"} 300.0"#]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_lost_records"),
        [r#"kaftop_consumergroup_lost_records{group="audit"} 7"#]
    );
    assert_eq!(
        samples(&t, "kaftop_consumergroup_alerting"),
        [
            r#"kaftop_consumergroup_alerting{group="audit"} 1"#,
            r#"kaftop_consumergroup_alerting{group="billing"} 1"#,
        ]
    );
    // Over the lag threshold is still only about the total lag.
    assert_eq!(
        samples(&t, "kaftop_consumergroup_over_threshold"),
        [
            r#"kaftop_consumergroup_over_threshold{group="audit"} 0"#,
            r#"kaftop_consumergroup_over_threshold{group="billing"} 0"#,
        ]
    );
}

/// Every group's type on one gauge beside the others (whose labels stay as they
/// were): a share group, a Connect worker group and a group the cluster could
/// not describe.
#[test]
fn every_group_is_exported_with_its_type() {
    let mut snap = snapshot(0);
    snap.groups[0].group_type = Some(GroupType::Share);
    snap.groups[1].protocol_type = Some("connect".into());
    let mut unknown = group("gone", vec![], &[(0, 1)]);
    unknown.group_type = None;
    snap.groups.push(unknown);
    let mut eng = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(2)),
        LagConfig::default(),
    );
    let m = eng.ingest(&snap);
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    let t = text(&e);
    assert_eq!(
        samples(&t, "kaftop_consumergroup_type"),
        [
            r#"kaftop_consumergroup_type{group="audit",type="classic",protocol_type="connect"} 1"#,
            r#"kaftop_consumergroup_type{group="billing",type="share",protocol_type=""} 1"#,
            r#"kaftop_consumergroup_type{group="gone",type="unknown",protocol_type=""} 1"#,
        ]
    );
    assert_eq!(
        samples(&t, "kafka_consumergroup_group_sum_lag"),
        [
            r#"kafka_consumergroup_group_sum_lag{group="audit"} 5"#,
            r#"kafka_consumergroup_group_sum_lag{group="billing"} 10"#,
            r#"kafka_consumergroup_group_sum_lag{group="gone"} 99"#,
        ]
    );
}

#[test]
fn the_last_refresh_steps_requests_and_wait_are_exported() {
    use kaftop_core::monitor::{Step, StepTiming};
    let (_, m) = cluster();
    let e = Exporter::new();
    let steps = [
        StepTiming {
            step: Step::Metadata,
            took: Duration::from_millis(250),
        },
        StepTiming {
            step: Step::Watermarks,
            took: Duration::from_millis(1_500),
        },
    ];
    e.observe_read(&steps, 42, Duration::from_secs(15));
    e.observe_cluster(&m, Duration::from_millis(1_750), true);
    let t = text(&e);
    assert!(
        t.lines()
            .any(|l| l == r#"kaftop_refresh_step_seconds{step="metadata"} 0.25"#),
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l == r#"kaftop_refresh_step_seconds{step="watermarks"} 1.5"#),
        "{t}"
    );
    assert!(t.lines().any(|l| l == "kaftop_refresh_requests 42"), "{t}");
    assert!(
        t.lines().any(|l| l == "kaftop_refresh_wait_seconds 15.0"),
        "{t}"
    );
    // A refresh that stopped early: only its own steps are left.
    e.observe_read(&steps[..1], 1, Duration::from_secs(5));
    e.observe_cluster(&m, Duration::from_millis(250), true);
    let t = text(&e);
    assert!(!t.contains(r#"step="watermarks""#), "{t}");
    assert!(t.lines().any(|l| l == "kaftop_refresh_requests 1"), "{t}");
}

#[test]
fn a_chunked_scrape_is_the_whole_text_and_stops_when_the_client_leaves() {
    let (_, m) = cluster();
    let e = Exporter::new();
    e.observe_cluster(&m, Duration::from_millis(30), true);
    e.observe_services(&services_snapshot(1));
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let mut chunks = Vec::new();
        e.encode_chunked(format, 100, |c| {
            chunks.push(c);
            true
        })
        .unwrap();
        assert!(chunks.len() > 2, "{}", chunks.len());
        assert_eq!(chunks.concat(), e.encode(format).unwrap());
    }
    let mut sent = 0;
    let left = e.encode_chunked(Format::Prometheus, 100, |_| {
        sent += 1;
        false
    });
    assert!(left.is_err());
    assert_eq!(sent, 1);
}

mod clusters;
mod golden;

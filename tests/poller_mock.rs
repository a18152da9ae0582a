//! The poller against librdkafka's in-process mock cluster: its missing group APIs
//! degrade to known groups, injected request errors and downed brokers land in the
//! snapshot, and the poller recovers when brokers return.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::{commit_offsets, produce_counts};
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;
use rdkafka::mocking::MockCluster;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

fn refresher(bootstrap: &str, groups: &[&str]) -> Refresher {
    let cfg = config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut opts = PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg));
    opts.known_groups = groups.iter().map(|g| g.to_string()).collect();
    opts.timeout = Duration::from_secs(2);
    Refresher::new(&cfg, opts).unwrap()
}

#[test]
fn missing_group_apis_degrade_to_known_groups() {
    let mock = MockCluster::new(3).unwrap();
    mock.create_topic("orders", 4, 3).unwrap();
    let b = mock.bootstrap_servers();
    produce_counts(&b, "orders", &[5, 6, 7, 8]);
    commit_offsets(
        &b,
        "billing",
        &[
            ("orders", 0, 5),
            ("orders", 1, 1),
            ("orders", 2, 7),
            ("orders", 3, 0),
        ],
    );

    let mut r = refresher(&b, &["billing", "not-on-this-cluster"]);
    let snap = r.refresh();
    assert!(snap.connected, "{:?}", snap.errors);
    assert_eq!(snap.brokers.len(), 3);
    assert!(
        snap.errors
            .iter()
            .any(|e| e.contains("listing groups is not supported here")),
        "{:?}",
        snap.errors
    );
    // Leaders spread over the three brokers: watermarks came from all of them.
    let t = snap.topic("orders").unwrap();
    let highs: Vec<_> = t.partitions.iter().map(|p| p.high).collect();
    assert_eq!(highs, vec![Some(5), Some(6), Some(7), Some(8)]);
    let groups: Vec<_> = snap.groups.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(
        groups,
        vec!["billing"],
        "a known group without offsets is not shown: {:?}",
        snap.errors
    );
    assert!(
        snap.groups[0].members.is_none(),
        "members are unknown, not empty"
    );
    assert!(
        snap.errors
            .iter()
            .any(|e| e.starts_with("describing groups failed (")),
        "{:?}",
        snap.errors
    );
    // The next refresh asks again (nothing is skipped): the same requests.
    let again = r.refresh();
    assert_eq!(again.requests, snap.requests, "{:?}", again.errors);

    let m = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(2)),
        Default::default(),
    )
    .ingest(&snap);
    let lags: Vec<_> = m.groups[0].rows.iter().map(|r| r.lag).collect();
    assert_eq!(lags, vec![Some(0), Some(5), Some(0), Some(8)]);
}

#[test]
fn injected_errors_are_reported_not_fatal() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("t", 2, 1).unwrap();
    let b = mock.bootstrap_servers();
    produce_counts(&b, "t", &[1, 1]);
    let mut r = refresher(&b, &[]);
    assert!(r.refresh().errors.iter().all(|e| !e.contains("watermarks")));

    // Every ListOffsets attempt fails with a non-retriable error.
    mock.request_errors(
        RDKafkaApiKey::ListOffsets,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 8],
    );
    let snap = r.refresh();
    assert!(snap.connected);
    assert!(
        snap.errors
            .iter()
            .any(|e| e.starts_with("watermarks:") && e.contains("uthoriz")),
        "{:?}",
        snap.errors
    );
    assert_eq!(
        snap.topic("t").unwrap().partitions.len(),
        2,
        "topics still shown"
    );
    mock.clear_request_errors(RDKafkaApiKey::ListOffsets);
}

#[test]
fn brokers_down_then_up() {
    let mock = MockCluster::new(2).unwrap();
    mock.create_topic("t", 2, 2).unwrap();
    let b = mock.bootstrap_servers();
    let mut r = refresher(&b, &[]);
    assert!(r.refresh().connected);
    for id in 1..=2 {
        mock.broker_down(id).unwrap();
    }
    let down = r.refresh();
    assert!(!down.connected);
    assert!(
        down.errors[0].starts_with(&format!("cannot reach the cluster at {b}")),
        "{:?}",
        down.errors
    );
    for id in 1..=2 {
        mock.broker_up(id).unwrap();
    }
    let back = common::wait_for("the poller to reconnect", Duration::from_secs(30), || {
        let s = r.refresh();
        s.connected.then_some(s)
    });
    assert_eq!(back.topic("t").unwrap().partitions.len(), 2);
}

#[test]
fn the_monitor_times_each_step_of_a_refresh() {
    use kaftop_core::monitor::{Monitor, MonitorOptions, Step, Window};

    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("orders", 2, 1).unwrap();
    let b = mock.bootstrap_servers();
    produce_counts(&b, "orders", &[3, 4]);
    commit_offsets(&b, "billing", &[("orders", 0, 1), ("orders", 1, 4)]);
    let cfg = config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(b.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut opts = MonitorOptions::from_config(&cfg, ["billing".to_string()]);
    opts.interval = Duration::from_millis(200);
    opts.read.timeout = Duration::from_secs(2);
    let mut monitor = Monitor::new(&cfg, opts).unwrap();
    let mut seen = Vec::new();
    let last = monitor
        .watch(Window::refreshes(2), |r| {
            seen.push(r.seq);
            Ok::<_, kaftop_core::monitor::MonitorError>(())
        })
        .unwrap();
    assert_eq!(seen, [1, 2]);
    assert!(last.metrics.connected, "{:?}", last.metrics.errors);
    assert_eq!(last.metrics.groups[0].total_lag, 2);
    // Every step ran, in order (a list the mock refuses is timed too), and
    // together they are the refresh.
    let steps: Vec<Step> = last.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [
            Step::Metadata,
            Step::TopicConfigs,
            Step::GroupList,
            Step::GroupDescriptions,
            Step::CommittedOffsets,
            Step::Watermarks,
            Step::CommittedRecords,
        ]
    );
    let sum: Duration = last.steps.iter().map(|s| s.took).sum();
    assert!(sum <= last.took, "{sum:?} > {:?}", last.took);
}

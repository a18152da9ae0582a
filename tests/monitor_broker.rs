//! The monitor core against the real test broker: groups and offsets written by an
//! independent client, checked exactly through the poller, the metrics and the
//! headless commands; and an outage of a private broker, with recovery.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{bootstrap, kaftop, unique};
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;
use kaftop_core::monitor::{Monitor, MonitorOptions};

fn resolved(bootstrap: &str) -> kaftop_core::config::Resolved {
    config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.to_string()),
            ..Default::default()
        },
    )
    .unwrap()
}

fn options(cfg: &kaftop_core::config::Resolved, groups: &[&str]) -> PollerOptions {
    let mut o = PollerOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    o.known_groups = groups.iter().map(|g| g.to_string()).collect();
    o
}

#[test]
fn lag_watermarks_and_rates_are_exact() {
    let b = bootstrap();
    let topic = unique("lag");
    let group = unique("lag-group");
    create_topic(&b, &topic, 3);
    produce_counts(&b, &topic, &[10, 20, 5]);
    commit_offsets(
        &b,
        &group,
        &[
            (topic.as_str(), 0, 4),
            (topic.as_str(), 1, 20),
            (topic.as_str(), 2, 0),
        ],
    );

    let cfg = resolved(&b);
    let mut refresher = Refresher::new(&cfg, options(&cfg, &[&group])).unwrap();
    let mut engine = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(1)),
        cfg.lag.clone(),
    );
    let first = refresher.refresh();
    assert!(first.connected, "{:?}", first.errors);
    let highs: Vec<_> = first
        .topic(&topic)
        .unwrap()
        .partitions
        .iter()
        .map(|p| (p.low, p.high))
        .collect();
    assert_eq!(
        highs,
        vec![(Some(0), Some(10)), (Some(0), Some(20)), (Some(0), Some(5))]
    );
    let m = engine.ingest(&first);
    let g = m
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .expect("group listed");
    let lags: Vec<_> = g
        .rows
        .iter()
        .map(|r| (r.partition, r.current_offset, r.log_end_offset, r.lag))
        .collect();
    assert_eq!(
        lags,
        vec![
            (0, Some(4), Some(10), Some(6)),
            (1, Some(20), Some(20), Some(0)),
            (2, Some(0), Some(5), Some(5))
        ]
    );
    assert_eq!((g.total_lag, g.max_lag), (11, 6));
    assert_eq!(
        m.topics.iter().find(|t| t.name == topic).unwrap().messages,
        35
    );

    // 30 more records on partition 1 and a commit: exact rates from the two refreshes.
    produce_counts(&b, &topic, &[0, 30]);
    commit_offsets(&b, &group, &[(topic.as_str(), 1, 35)]);
    let second = refresher.refresh();
    let m = engine.ingest(&second);
    let dt = (second.mono_ms - first.mono_ms) as f64 / 1000.0;
    let t = m.topics.iter().find(|t| t.name == topic).unwrap();
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9 * b.max(1.0));
    assert!(
        close(t.partitions[1].rate, 30.0 / dt),
        "{:?} vs {}",
        t.partitions[1].rate,
        30.0 / dt
    );
    assert_eq!(t.partitions[0].rate, Some(0.0));
    let g = m.groups.iter().find(|g| g.group_id == group).unwrap();
    assert!(
        close(g.rows[1].consume_rate, 15.0 / dt),
        "{:?}",
        g.rows[1].consume_rate
    );
    assert_eq!(g.rows[1].lag, Some(15));
    assert_eq!(g.total_lag, 26);
}

#[test]
fn lag_command_prints_the_describe_table_and_json() {
    let b = bootstrap();
    let topic = unique("lagcmd");
    let group = unique("lagcmd-group");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[7, 3]);
    commit_offsets(
        &b,
        &group,
        &[(topic.as_str(), 0, 2), (topic.as_str(), 1, 3)],
    );

    let out = kaftop()
        .args(["-b", &b, "lag", "--group", &group, "--json"])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    common::assert_success(&out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    // No members: the partition behind its log end is stopped, from one read.
    for (row, (p, cur, end, lag, status)) in
        rows.iter().zip([(0, 2, 7, 5, "STOP"), (1, 3, 3, 0, "OK")])
    {
        assert_eq!(row["group"], group.as_str());
        assert_eq!(row["topic"], topic.as_str());
        assert_eq!(row["partition"], p);
        assert_eq!(row["current_offset"], cur);
        assert_eq!(row["log_end_offset"], end);
        assert_eq!(row["lag"], lag);
        assert_eq!(row["status"], status);
    }

    let out = kaftop()
        .args(["-b", &b, "lag", "-g", &group])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().find(|l| l.starts_with("GROUP")).expect(&text);
    let cols: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        cols,
        [
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID",
            "STATUS"
        ]
    );
    let row0 = text
        .lines()
        .find(|l| l.starts_with(&group) && l.contains(&topic))
        .expect(&text);
    let cells: Vec<&str> = row0.split_whitespace().collect();
    assert_eq!(&cells[2..6], ["0", "2", "7", "5"]);
    assert!(text.contains("total lag 5"), "{text}");
}

#[test]
fn group_without_members_and_many_partitions() {
    let b = bootstrap();
    let topic = unique("wide");
    let group = unique("idle-group");
    create_topic(&b, &topic, 64);
    let counts: Vec<usize> = (0..64).map(|p| p % 5).collect();
    produce_counts(&b, &topic, &counts);
    commit_offsets(&b, &group, &[(topic.as_str(), 63, 1)]);

    let cfg = resolved(&b);
    let mut opts = options(&cfg, &[]);
    let mut refresher = Refresher::new(&cfg, opts.clone()).unwrap();
    let snap = refresher.refresh();
    let t = snap.topic(&topic).unwrap();
    assert_eq!(t.partitions.len(), 64);
    for p in &t.partitions {
        assert_eq!(p.high, Some((p.id % 5) as i64), "partition {}", p.id);
    }
    let g = snap
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .expect("group with offsets but no members is listed");
    // Members are empty, or unknown where the broker cannot describe groups.
    assert!(g.members.as_ref().is_none_or(|m| m.is_empty()), "{g:?}");
    assert_eq!(g.offsets.len(), 1);

    // Batched: the number of requests does not grow with partitions.
    opts.only_groups = Some(Vec::new());
    let mut topics_only = Refresher::new(&cfg, opts).unwrap();
    let before = topics_only.refresh().requests;
    create_topic(&b, &unique("wide2"), 64);
    let after = topics_only.refresh().requests;
    assert_eq!(before, after);
    assert!(after <= 5, "{after} requests for a refresh");
}

#[test]
fn tail_reads_without_joining_or_committing() {
    let b = bootstrap();
    let topic = unique("tail");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[3, 2]);
    let out = kaftop()
        .args([
            "-b",
            &b,
            "tail",
            &topic,
            "--from-beginning",
            "-n",
            "100",
            "--json",
        ])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    common::assert_success(&out);
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut seen: Vec<(i64, i64)> = records
        .iter()
        .map(|r| {
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(seen, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]);
    assert_eq!(records[0]["value"]["receiverId"], 1);
    assert_eq!(records[0]["value_encoding"], "json");

    // No group was left behind by the tail.
    let cfg = resolved(&b);
    let mut refresher = Refresher::new(&cfg, options(&cfg, &[])).unwrap();
    let snap = refresher.refresh();
    assert!(
        !snap
            .groups
            .iter()
            .any(|g| g.group_id.starts_with("kaftop-tail") && !g.offsets.is_empty()),
        "tail committed offsets: {:?}",
        snap.groups
    );

    // --offset and --partition.
    let out = kaftop()
        .args([
            "-b",
            &b,
            "tail",
            &topic,
            "--partition",
            "0",
            "--offset",
            "-1",
            "--json",
        ])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0]["partition"].as_i64(), lines[0]["offset"].as_i64()),
        (Some(0), Some(2))
    );
}

/// Runs `scripts/test-broker.sh` for a private broker in `dir`.
fn private_broker(action: &str, dir: &std::path::Path, port: Option<u16>) -> String {
    let port = port.map(|p| p.to_string());
    let env: Vec<(&str, &str)> = port
        .iter()
        .map(|p| ("KAFTOP_BROKER_PORT", p.as_str()))
        .collect();
    common::broker_script_with(dir, &[action], &env)
}

/// Stops the private broker in its directory when the test ends, also on failure.
struct StopOnDrop<'a>(&'a std::path::Path);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        if let Err(e) = common::try_broker_script(self.0, &["stop"]) {
            eprintln!("could not stop the private broker: {e}");
        }
    }
}

#[test]
fn poller_reports_an_outage_and_recovers() {
    bootstrap(); // this test also needs the broker set-up, and says how
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("broker");
    let started = private_broker("start", &state, None);
    let _stop = StopOnDrop(&state);
    let addr = started
        .trim()
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("BOOTSTRAP=")
        .to_string();
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();

    let cfg = resolved(&addr);
    let mut opts = options(&cfg, &[]);
    opts.timeout = Duration::from_secs(2);
    let monitor = MonitorOptions {
        interval: Duration::from_millis(300),
        read: opts,
        lag: cfg.lag.clone(),
        focus_first_after: kaftop_core::monitor::FOCUS_FIRST_AFTER,
        shown_rows_only_above: None,
    };
    let monitor = Monitor::new(&cfg, monitor).unwrap();
    let (tx, rx) = mpsc::channel();
    let handle = monitor.spawn(move |r| tx.send(r.snapshot).is_ok());
    let wait = |what: &str, connected: bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let s = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no snapshot: {what}"));
            if s.connected == connected {
                return s;
            }
        }
    };
    let up = wait("first connected refresh", true);
    assert!(
        up.errors.iter().all(|e| !e.contains("cannot reach")),
        "{:?}",
        up.errors
    );

    private_broker("stop", &state, None);
    let down = wait("outage", false);
    assert!(
        down.errors
            .iter()
            .any(|e| e.contains(&format!("cannot reach the cluster at {addr}"))),
        "{:?}",
        down.errors
    );

    private_broker("start", &state, Some(port));
    let back = wait("recovery", true);
    assert!(back.brokers.iter().any(|b| b.port == i32::from(port)));
    handle.stop();
    private_broker("stop", &state, None);
}

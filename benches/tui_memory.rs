//! Memory of the dashboard's state with 1 000 partitions and 10 minutes of
//! history: 300 refreshes (2 s apart) of a 1 000-partition topic consumed by one
//! group, folded through the metrics engine into the app and drawn each time,
//! as the running TUI does. Prints the process's RSS; a second 10 minutes shows
//! that nothing grows once the history rings are full.
//!
//!     cargo bench --bench tui_memory

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;

const PARTITIONS: i32 = 1_000;
const INTERVAL_MS: u64 = 2_000;
/// 10 minutes at one refresh every 2 s.
const REFRESHES: u64 = 300;

fn snapshot(i: u64) -> ClusterSnapshot {
    let rf = |p: i32| vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3];
    ClusterSnapshot {
        taken_at_ms: 1_795_515_330_000 + (i * INTERVAL_MS) as i64,
        mono_ms: i * INTERVAL_MS,
        connected: true,
        cluster_id: Some("bench".into()),
        brokers: (1..=3)
            .map(|id| BrokerInfo {
                id,
                host: format!("kafka-{id}"),
                port: 9092,
            })
            .collect(),
        topics: vec![TopicInfo {
            name: "big".into(),
            internal: false,
            partitions: (0..PARTITIONS)
                .map(|p| PartitionInfo {
                    id: p,
                    leader: 1 + p % 3,
                    replicas: rf(p),
                    isr: rf(p),
                    low: Some(0),
                    high: Some(1_000 + (p as i64 % 7 + 1) * i as i64),
                    error: None,
                })
                .collect(),
            min_insync_replicas: None,
            error: None,
        }],
        groups: vec![GroupInfo {
            group_id: "big-group".into(),
            state: Some(GroupState::Stable),
            group_type: Some(GroupType::Classic),
            protocol_type: None,
            members: Some(
                (0..10)
                    .map(|m| MemberDescription {
                        member_id: format!("consumer-{m}-0f1e2d3c"),
                        client_id: format!("consumer-{m}"),
                        host: format!("/10.0.0.{m}"),
                        assignment: (0..PARTITIONS)
                            .filter(|p| p % 10 == m)
                            .map(|p| ("big".to_string(), p))
                            .collect(),
                        target_assignment: None,
                    })
                    .collect(),
            ),
            offsets: (0..PARTITIONS)
                .map(|p| GroupOffset {
                    topic: "big".into(),
                    partition: p,
                    committed: Some(900 + (p as i64 % 5) * i as i64),
                    share_lag: None,
                })
                .collect(),
            coordinator: None,
            error: None,
            detail: None,
        }],
        ..Default::default()
    }
}

fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let (start_rss, _) = rss_kib();
    let mut engine = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_millis(INTERVAL_MS)),
        LagConfig::default(),
    );
    let mut app = support::app(200, 50);
    support::run_command(&mut app, "group big-group");
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");

    let mut report = |label: &str,
                      from: u64,
                      to: u64,
                      app: &mut App,
                      term: &mut Terminal<TestBackend>| {
        let t = Instant::now();
        for i in from..to {
            let m = engine.ingest(&snapshot(i));
            app.update(Event::Cluster(Box::new(m)));
            term.draw(|f| kaftop::tui::app::draw(f, app)).expect("draw");
        }
        let per = t.elapsed() / (to - from) as u32;
        let (rss, hwm) = rss_kib();
        let history = app
            .cluster()
            .map(|c| c.topics[0].rate_history.len())
            .unwrap_or(0);
        println!(
            "{label}: RSS {:.1} MiB (peak {:.1} MiB), {history} samples of history, {:.2} ms per refresh (ingest + update + draw)",
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0,
            per.as_secs_f64() * 1000.0
        );
    };
    println!(
        "tui_memory: {PARTITIONS} partitions, one group on all of them, a refresh every {} s",
        INTERVAL_MS / 1000
    );
    println!("start: RSS {:.1} MiB", start_rss as f64 / 1024.0);
    report("after 10 min of history", 0, REFRESHES, &mut app, &mut term);
    report(
        "after 20 min (rings full)",
        REFRESHES,
        2 * REFRESHES,
        &mut app,
        &mut term,
    );
}

//! Serves `/metrics` over synthetic state for `scripts/bench-serve.sh metrics`:
//! 10 000 partitions (20 topics × 500) and two groups that each commit on ten of
//! the topics, so 10 000 group partitions too, folded through the real metrics
//! engine. A simulated poller refreshes every 2 s (every partition moves), so the
//! load generator also meets the re-encoding that follows each refresh.
//!
//! Usage: `metrics_bench_server [ADDR]` (default 127.0.0.1:0); prints
//! `listening on ADDR` on its first line and serves until killed.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use kaftop::serve::metrics::{router, Exporter};
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;

const TOPICS: usize = 20;
const PARTITIONS: i32 = 500;
const STEP_MS: u64 = 2000;

fn snapshot(step: u64) -> ClusterSnapshot {
    let topic = |t: usize| format!("bench.topic-{t:02}");
    let topics = (0..TOPICS)
        .map(|t| TopicInfo {
            name: topic(t),
            partitions: (0..PARTITIONS)
                .map(|p| PartitionInfo {
                    id: p,
                    leader: 1 + p % 3,
                    replicas: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
                    isr: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
                    low: Some(0),
                    high: Some(1_000_000 + (step * 50) as i64 + i64::from(p)),
                    error: None,
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let group = |name: &str, from: usize| GroupInfo {
        group_id: name.into(),
        state: Some(GroupState::Stable),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(vec![]),
        offsets: (from..from + TOPICS / 2)
            .flat_map(|t| {
                (0..PARTITIONS).map(move |p| GroupOffset {
                    topic: topic(t),
                    partition: p,
                    committed: Some(1_000_000 + (step * 45) as i64),
                    share_lag: None,
                })
            })
            .collect(),
        coordinator: None,
        error: None,
        detail: None,
    };
    ClusterSnapshot {
        taken_at_ms: 1_795_515_330_000 + (step * STEP_MS) as i64,
        mono_ms: step * STEP_MS,
        connected: true,
        cluster_id: Some("bench".into()),
        controller: Some(1),
        brokers: (1..=3)
            .map(|id| BrokerInfo {
                id,
                host: format!("kafka-{id}"),
                port: 9092,
            })
            .collect(),
        topics,
        groups: vec![group("bench-a", 0), group("bench-b", TOPICS / 2)],
        errors: vec![],
        unsupported_group_types: Vec::new(),
        requests: 0,
        committed_records: vec![],
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let exporter = Arc::new(Exporter::new());
    let poller = exporter.clone();
    std::thread::spawn(move || {
        let mut engine = MetricsEngine::new(
            EngineConfig::for_interval(Duration::from_millis(STEP_MS)),
            LagConfig::default(),
        );
        for step in 0.. {
            let started = Instant::now();
            let m = engine.ingest(&snapshot(step));
            poller.observe_cluster(&m, started.elapsed(), true);
            std::thread::sleep(Duration::from_millis(STEP_MS));
        }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, router(exporter)).await.unwrap();
}

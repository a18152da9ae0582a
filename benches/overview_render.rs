//! Frame time of the overview, the start screen, with a big cluster's state:
//! 10 000 partitions (100 topics of 100) and 1 000 consumer groups (10 000
//! describe rows), folded through the real metrics engine, with a full
//! timeline and ticker. Every frame ranks the groups and topics again, so
//! this is the cost of the ranking as well as of drawing.
//!
//!     cargo bench --bench overview_render

#![allow(clippy::unwrap_used)]

#[allow(dead_code)] // the overview needs only the app
mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::record::{render, RecordView};
use kaftop_core::kafka::sampler::SamplerEvent;
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{
    ClusterMetrics, MetricsEngine, Severity, ThroughputPoint, TimelineEvent, TimelineKind,
};

const TOPICS: i32 = 100;
const PARTITIONS: i32 = 100;
const GROUPS: i32 = 1_000;
/// Partitions each group consumes (10 groups per topic).
const PER_GROUP: i32 = 10;
const T0: i64 = 1_795_515_330_000;

fn snapshot(i: u64) -> ClusterSnapshot {
    let topics = (0..TOPICS)
        .map(|t| TopicInfo {
            name: format!("topic-{t:03}"),
            internal: false,
            partitions: (0..PARTITIONS)
                .map(|p| PartitionInfo {
                    id: p,
                    leader: 1 + p % 3,
                    replicas: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
                    isr: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
                    low: Some(0),
                    high: Some(10_000 + (t * p) as i64 + (t as i64 + 1) * 10 * i as i64),
                    error: None,
                })
                .collect(),
            min_insync_replicas: None,
            error: None,
        })
        .collect();
    let groups = (0..GROUPS)
        .map(|g| {
            let topic = g % TOPICS;
            let first = (g / TOPICS) * PER_GROUP;
            GroupInfo {
                group_id: format!("group-{g:04}"),
                state: Some(GroupState::Stable),
                group_type: Some(GroupType::Classic),
                protocol_type: None,
                members: Some(Vec::new()),
                offsets: (first..first + PER_GROUP)
                    .map(|p| GroupOffset {
                        topic: format!("topic-{topic:03}"),
                        partition: p,
                        // Some groups keep up, some fall behind.
                        committed: Some(9_000 + (g % 7) as i64 * 100 * i as i64),
                        share_lag: None,
                    })
                    .collect(),
                coordinator: Some(1),
                error: None,
                detail: None,
            }
        })
        .collect();
    ClusterSnapshot {
        taken_at_ms: T0 + i as i64 * 2000,
        mono_ms: i * 2000,
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
        groups,
        ..Default::default()
    }
}

fn metrics() -> ClusterMetrics {
    let mut e = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(2)),
        LagConfig::default(),
    );
    let mut m = ClusterMetrics::default();
    for i in 0..5 {
        m = e.ingest(&snapshot(i));
    }
    // A full 10 minutes of throughput and a long timeline, whatever the engine
    // derived from five refreshes.
    m.throughput = (0..300)
        .map(|k| ThroughputPoint {
            at_ms: m.taken_at_ms - (300 - k) * 2000,
            produced: 5_000.0 + (k % 17) as f64 * 100.0,
            consumed: 4_800.0 + (k % 13) as f64 * 100.0,
        })
        .collect();
    m.timeline = (0..1_000)
        .map(|k| TimelineEvent {
            at_ms: m.taken_at_ms - (1_000 - k) * 600,
            kind: TimelineKind::MemberLeft,
            severity: Severity::Warn,
            group: Some(format!("group-{:04}", k % GROUPS as i64)),
            topic: None,
            partition: None,
            broker: None,
            text: format!("member consumer-{k} (/10.0.0.{}) left", k % 250),
        })
        .collect();
    m
}

fn app(m: &ClusterMetrics, w: u16, h: u16) -> App {
    let mut app = support::app(w, h);
    let cmds = app.update(Event::Cluster(Box::new(m.clone())));
    let session = cmds
        .iter()
        .find_map(|c| match c {
            Command::StartTicker { session, .. } => Some(*session),
            _ => None,
        })
        .unwrap();
    let records = (0..100)
        .map(|o| RecordView {
            topic: "topic-099".into(),
            partition: (o % PARTITIONS as i64) as i32,
            offset: 20_000 + o,
            timestamp_ms: Some(m.taken_at_ms - 1000 + o),
            key: render(Some(b"k"), 64),
            headers: vec![],
            value: render(
                Some(format!(r#"{{"n":{o},"text":"hello"}}"#).as_bytes()),
                512,
            ),
        })
        .collect();
    app.update(Event::Ticker {
        session,
        event: SamplerEvent::Records {
            records,
            skipped: 0,
        },
    });
    app
}

fn render_overview(c: &mut Criterion) {
    let m = metrics();
    assert_eq!(
        m.topics.iter().map(|t| t.partitions.len()).sum::<usize>(),
        10_000
    );
    assert_eq!(m.groups.len(), GROUPS as usize);
    let mut group = c.benchmark_group("overview");
    for (w, h) in [(80u16, 24u16), (160, 48), (200, 50)] {
        let app = app(&m, w, h);
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_function(format!("frame_{w}x{h}_10k_partitions_1k_groups"), |b| {
            b.iter(|| term.draw(|f| kaftop::tui::app::draw(f, &app)).unwrap().area)
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = render_overview
}
criterion_main!(benches);

//! Render time of the dashboard's biggest tables into a 200×50 TestBackend:
//! a group with 10 000 partition rows (the `kafka-consumer-groups --describe`
//! table), a topic with 10 000 partitions, and — side by side — the same group
//! drawn the naive way, building a ratatui `Table` row for every partition.
//!
//!     cargo bench --bench tui_render

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;
use ratatui::widgets::{Block, Row, Table, TableState};
use ratatui::Terminal;

use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, MetricsEngine};

const ROWS: i32 = 10_000;
const W: u16 = 200;
const H: u16 = 50;

fn snapshot(i: u64) -> ClusterSnapshot {
    let partitions: Vec<PartitionInfo> = (0..ROWS)
        .map(|p| PartitionInfo {
            id: p,
            leader: 1 + p % 3,
            replicas: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
            isr: vec![1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3],
            low: Some(0),
            high: Some(10_000 + p as i64 + 50 * i as i64),
            error: None,
        })
        .collect();
    let members: Vec<MemberDescription> = (0..10)
        .map(|m| MemberDescription {
            member_id: format!("consumer-{m}-0f1e2d3c"),
            client_id: format!("consumer-{m}"),
            host: format!("/10.0.0.{m}"),
            assignment: (0..ROWS)
                .filter(|p| p % 10 == m)
                .map(|p| ("big".to_string(), p))
                .collect(),
            target_assignment: None,
        })
        .collect();
    ClusterSnapshot {
        taken_at_ms: 1_795_515_330_000 + i as i64 * 2000,
        mono_ms: i * 2000,
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
            partitions,
            min_insync_replicas: None,
            error: None,
        }],
        groups: vec![GroupInfo {
            group_id: "big-group".into(),
            state: Some(GroupState::Stable),
            group_type: Some(GroupType::Classic),
            protocol_type: None,
            members: Some(members),
            offsets: (0..ROWS)
                .map(|p| GroupOffset {
                    topic: "big".into(),
                    partition: p,
                    committed: Some(9_000 + p as i64 + 40 * i as i64),
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

fn metrics() -> ClusterMetrics {
    let mut e = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(2)),
        LagConfig::default(),
    );
    e.ingest(&snapshot(0));
    e.ingest(&snapshot(1))
}

fn app(metrics: &ClusterMetrics, command: &str) -> App {
    let mut app = support::app(W, H);
    app.update(Event::Cluster(Box::new(metrics.clone())));
    support::run_command(&mut app, command);
    // Somewhere in the middle: scrolling is part of the work.
    for _ in 0..(ROWS / 2 / 40) {
        app.update(Event::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::NONE,
        )));
    }
    app
}

fn render(c: &mut Criterion) {
    let m = metrics();
    let mut group = c.benchmark_group("render_200x50");

    let group_app = app(&m, "group big-group");
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    group.bench_function("group_detail_10k_rows", |b| {
        b.iter(|| {
            term.draw(|f| kaftop::tui::app::draw(f, &group_app))
                .unwrap()
                .area
        })
    });

    let topic_app = app(&m, "topic big");
    group.bench_function("topic_detail_10k_partitions", |b| {
        b.iter(|| {
            term.draw(|f| kaftop::tui::app::draw(f, &topic_app))
                .unwrap()
                .area
        })
    });

    // The same 10 000 rows as a plain ratatui Table that is given every row:
    // what the dashboard would cost without building only the visible rows.
    let rows = &m.groups[0].rows;
    group.bench_function("naive_table_all_10k_rows", |b| {
        b.iter_batched(
            || TableState::default().with_selected(Some(5_000)),
            |mut state| {
                term.draw(|f| {
                    let table = Table::new(
                        rows.iter().map(|r| {
                            Row::new(vec![
                                r.topic.to_string(),
                                r.partition.to_string(),
                                r.current_offset.map_or("-".into(), |v| v.to_string()),
                                r.log_end_offset.map_or("-".into(), |v| v.to_string()),
                                r.lag.map_or("-".into(), |v| v.to_string()),
                                r.consumer_id.as_deref().unwrap_or_default().to_string(),
                                r.host.as_deref().unwrap_or_default().to_string(),
                                r.client_id.as_deref().unwrap_or_default().to_string(),
                                r.status.as_str().to_string(),
                            ])
                        }),
                        [Constraint::Fill(1); 9],
                    )
                    .block(Block::bordered());
                    f.render_stateful_widget(table, f.area(), &mut state);
                })
                .unwrap()
                .area
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = render
}
criterion_main!(benches);

//! Filtering as you type at the scale of issue 20: each iteration is two
//! keystrokes — a character typed into the filter, then erased — each followed
//! by a 200×50 frame, so one keystroke costs half an iteration.
//!
//! - `group_detail_40k_rows`: one group on 40 000 partitions (400 topics × 100),
//!   filtered by topic name;
//! - `groups_view_2k_groups`: the Groups view with 2 000 groups, each on 20 of
//!   those partitions, filtered by group name.
//!
//!     cargo bench --bench tui_filter

#![allow(clippy::unwrap_used)]

#[path = "support/scale.rs"]
mod scale;
mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::config::LagConfig;
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, MetricsEngine};

const W: u16 = 200;
const H: u16 = 50;

fn metrics() -> ClusterMetrics {
    let mut e = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(5)),
        LagConfig::default(),
    );
    e.ingest(&scale::snapshot(0));
    e.ingest(&scale::snapshot(1))
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// `command`'s view with the filter open and `typed` in it.
fn filtering(m: &ClusterMetrics, command: &str, typed: &str) -> App {
    let mut app = support::app(W, H);
    app.update(Event::Cluster(Box::new(m.clone())));
    support::run_command(&mut app, command);
    key(&mut app, KeyCode::Char('/'));
    for c in typed.chars() {
        key(&mut app, KeyCode::Char(c));
    }
    app
}

/// The screen as text, to check that the filter applied.
fn screen(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kaftop::tui::app::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    buf.content().iter().map(|c| c.symbol()).collect()
}

fn filter(c: &mut Criterion) {
    let m = metrics();
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    let mut bench = c.benchmark_group("filter_keystroke_pair_200x50");
    for (name, command, typed, next) in [
        ("group_detail_40k_rows", "group everything", "t02", '1'),
        ("groups_view_2k_groups", "groups", "g01", '5'),
    ] {
        let mut app = filtering(&m, command, typed);
        let shown = screen(&app);
        assert!(
            shown.contains(&format!("scale.{typed}"))
                && !shown.contains("scale.t0000")
                && !shown.contains("scale.g00000"),
            "the filter did not apply:\n{shown}"
        );
        bench.bench_function(name, |b| {
            b.iter(|| {
                key(&mut app, KeyCode::Char(next));
                term.draw(|f| kaftop::tui::app::draw(f, &app)).unwrap();
                key(&mut app, KeyCode::Backspace);
                term.draw(|f| kaftop::tui::app::draw(f, &app)).unwrap().area
            })
        });
    }
    bench.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(20);
    targets = filter
}
criterion_main!(benches);

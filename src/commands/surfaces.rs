//! The same values through every surface that shows them: `kaftop lag` and
//! `kaftop topics`, the dashboard's views, the incident snapshot and `/metrics`.
//! Each must print a value as `kaftop_core::present` does.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::serve::metrics::{Exporter, Format};
use crate::tui::event::Event;
use crate::tui::keymap::Keymap;
use crate::tui::views::publish::EventTopics;
use crate::tui::{app, App, AppConfig};
use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::sampler::StartAt;
use kaftop_core::metrics::distribution::distribution;
use kaftop_core::metrics::lag::Eta;
use kaftop_core::metrics::{
    ClusterMetrics, DataLoss, GroupMetrics, GroupPartitionRow, History, LagStatus,
    PartitionMetrics, StatusReason, Stuck, TimeLag, TopicMetrics,
};
use kaftop_core::present;
use kaftop_core::report::Incident;

/// 2026-11-24T10:15:30Z.
const NOW: i64 = 1_795_515_330_000;

fn row(partition: i32, committed: i64, end: i64) -> GroupPartitionRow {
    GroupPartitionRow {
        topic: "orders".into(),
        partition,
        current_offset: Some(committed),
        log_end_offset: Some(end),
        lag: Some((end - committed) as u64),
        raw_lag: Some(end - committed),
        consumer_id: Some("c-1".into()),
        host: Some("/10.0.0.1".into()),
        client_id: Some("client".into()),
        consume_rate: None,
        time_lag_secs: None,
        time_lag: None,
        stuck: None,
        data_loss: None,
        uncommitted_waiting: None,
        status: LagStatus::Ok,
        status_reason: None,
    }
}

/// One group with every kind of number: a lag in thousands, an exact time lag,
/// a stuck partition at a four-digit offset, a data-loss forecast of 700 s
/// (`kaftop lag` once printed it `~11m40s`, the others `~12 min`) and a
/// catch-up time; one topic with a count and a rate in thousands.
fn cluster() -> ClusterMetrics {
    let exact = TimeLag {
        secs: 140.0,
        exact: true,
        note: None,
    };
    let mut stuck = row(0, 1850, 5550);
    stuck.stuck = Some(Box::new(Stuck {
        offset: 1850,
        since_ms: NOW - 133_000,
        for_secs: 133.0,
    }));
    stuck.time_lag = Some(exact.clone());
    stuck.data_loss = Some(DataLoss::Forecast { in_secs: 700.0 });
    stuck.status = LagStatus::Stall;
    let billing = GroupMetrics {
        group_id: "billing".into(),
        state: Some(GroupState::Stable),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(1),
        member_details: Vec::new(),
        detail: None,
        total_lag: 3700,
        max_lag: 3700,
        consume_rate: Some(2.5),
        produce_rate: Some(12_345.0),
        time_lag_secs: Some(140.0),
        time_lag: Some(exact),
        max_time_lag_secs: None,
        stuck: 1,
        data_loss: Some(DataLoss::Forecast { in_secs: 700.0 }),
        uncommitted: 0,
        eta: Eta::In(185.0),
        status: LagStatus::Stall,
        status_reason: Some(StatusReason::Frozen),
        history: History::default(),
        threshold: 1000,
        alerting: true,
        lag_history: vec![1000, 2000, 3700],
        rows: vec![stuck],
        error: None,
    };
    let partition = PartitionMetrics {
        id: 0,
        leader: 1,
        replicas: vec![1],
        isr: vec![1],
        low: Some(0),
        high: Some(12_345),
        messages: Some(12_345),
        rate: Some(12_345.0),
        under_replicated: false,
        offline_replicas: Vec::new(),
        problem: None,
        error: None,
    };
    let orders = TopicMetrics {
        name: "orders".into(),
        internal: false,
        replication: 1,
        messages: 12_345,
        rate: Some(12_345.0),
        rate_history: vec![10_000.0, 12_345.0],
        under_replicated: 0,
        under_min_isr: 0,
        offline: 0,
        min_insync_replicas: None,
        distribution: distribution(&[]),
        partition_count: 1,
        partitions: vec![partition],
        error: None,
    };
    ClusterMetrics {
        taken_at_ms: NOW,
        connected: true,
        groups: vec![billing],
        topics: vec![orders],
        ..ClusterMetrics::default()
    }
}

pub(super) fn app_config() -> AppConfig {
    AppConfig {
        profile: "test".into(),
        bootstrap: "127.0.0.1:9092".into(),
        topics: EventTopics {
            created: "message.created".into(),
            read: "message.read".into(),
            deleted: "message.deleted".into(),
        },
        keymap: Keymap::defaults(),
        utc_offset_secs: 0,
        now_ms: NOW,
        first_message_id: 1000,
        max_records: 100,
        tail_start: StartAt::LastN(100),
        read_only: false,
        groups_reported_by: None,
        poll_interval: std::time::Duration::from_secs(2),
    }
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(200, 30)).expect("test terminal");
    t.draw(|f| app::draw(f, app)).expect("draw");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

pub(super) fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

/// The overview, the Groups and Topics tabs, and the group's and topic's details.
fn dashboard(c: &ClusterMetrics) -> String {
    let mut app = App::new(app_config());
    app.update(Event::Resize(200, 30));
    app.update(Event::Cluster(Box::new(c.clone())));
    let mut out = screen(&app);
    for (go, enter) in [("2", false), ("1", false), (":group billing", true)] {
        keys(&mut app, go);
        if enter {
            app.update(Event::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            )));
        }
        out.push_str(&screen(&app));
    }
    keys(&mut app, ":topic orders");
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    out + &screen(&app)
}

fn assert_shows(surface: &str, text: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(text.contains(w), "{surface} lacks {w:?}:\n{text}");
    }
}

#[test]
fn every_surface_prints_a_value_the_same_way() {
    let c = cluster();
    // What each kind of value looks like, from the one place that says so.
    let lag = present::count_u(3700);
    let threshold = present::count_u(1000);
    let time_lag = present::time_lag(140.0, true);
    let eta = present::secs(185.0);
    let forecast = format!("data loss in ~{}", present::minutes(700.0));
    let stuck = format!("stuck {} at offset {}", present::secs(133.0), 1850);
    let (committed, end) = (present::offset(Some(1850)), present::offset(Some(5550)));
    let messages = present::count(12_345);
    let rate = present::rate(Some(12_345.0));
    assert_eq!(
        [&lag, &time_lag, &eta, &forecast, &stuck, &committed, &messages, &rate],
        [
            "3,700",
            "2m20s",
            "3m05s",
            "data loss in ~12 min",
            "stuck 2m13s at offset 1850",
            "1850",
            "12,345",
            "12.3k"
        ]
    );
    let values = [
        lag.as_str(),
        &threshold,
        &time_lag,
        &eta,
        &forecast,
        &stuck,
        &committed,
        &end,
    ];

    // `kaftop lag`: all but the catch-up time (it has no column). Its partition
    // table copies `kafka-consumer-groups --describe`, plain digits included.
    let lag_text = super::lag::render_table(&c.groups);
    assert_shows("kaftop lag", &lag_text, &values[..3]);
    assert_shows("kaftop lag", &lag_text, &values[4..]);
    assert!(
        lag_text.contains("  1850            5550            3700  "),
        "{lag_text}"
    );
    assert!(!lag_text.contains("11m40s"), "{lag_text}");
    let topics_text = super::topics::render_table(&c.topics);
    assert_shows("kaftop topics", &topics_text, &[&messages, &rate]);

    let screens = dashboard(&c);
    assert_shows("the dashboard", &screens, &values);
    assert_shows("the dashboard", &screens, &[&messages, &rate]);

    let report = kaftop_core::report::markdown::render(&Incident::build(&c, &[]));
    assert_shows("the incident snapshot", &report, &values[..1]);
    assert_shows("the incident snapshot", &report, &values[2..]);
    assert_shows("the incident snapshot", &report, &[&messages, &rate]);

    // `/metrics` carries numbers as Prometheus reads them, and no formatted
    // number in its help text.
    let exporter = Exporter::new();
    exporter.observe_cluster(&c, Duration::from_millis(10), true);
    let body = exporter.encode(Format::Prometheus).expect("exposition");
    let exposition = String::from_utf8(body.to_vec()).expect("utf-8");
    for line in exposition.lines().filter(|l| l.starts_with("# HELP")) {
        for v in values.iter().chain([&messages.as_str(), &rate.as_str()]) {
            assert!(!line.contains(v), "{line}");
        }
    }
    assert!(
        exposition.contains("kafka_consumergroup_group_sum_lag{group=\"billing\"} 3700"),
        "{exposition}"
    );
}

//! Snapshot tests of the overview, the start screen, at the smallest size it is
//! drawn for (80×24) and a large one (160×48), from the fixture cluster with
//! the insight metrics set (`tui_support::overview`); and what its keys open.

#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use kaftop::tui::app::ViewId;
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::kafka::sampler::SamplerEvent;
use tui_support::overview::{overview_cluster, ticker_records};
use tui_support::*;

/// The app on the overview with the fixture cluster and a few ticker records.
fn overview_app() -> App {
    let mut app = bare_app();
    let cmds = app.update(Event::Cluster(Box::new(overview_cluster())));
    // The ticker follows the busiest topics while the overview is shown.
    let started = cmds.iter().find_map(|c| match c {
        Command::StartTicker { session, topics } => Some((*session, topics.clone())),
        _ => None,
    });
    let (session, topics) = started.expect("the ticker starts");
    assert_eq!(topics, ["message.created", "message.read"]);
    app.update(Event::Ticker {
        session,
        event: SamplerEvent::Records {
            records: ticker_records(),
            skipped: 0,
        },
    });
    app.update(Event::Tick {
        now_ms: overview_cluster().taken_at_ms,
    });
    app
}

#[test]
fn overview_is_the_start_screen() {
    let app = bare_app();
    assert_eq!(app.view(), ViewId::Overview);
}

#[test]
fn overview_at_80x24() {
    insta::assert_snapshot!(render_app(&overview_app(), 80, 24));
}

#[test]
fn overview_at_160x48() {
    insta::assert_snapshot!(render_app(&overview_app(), 160, 48));
}

#[test]
fn overview_waiting_for_the_first_refresh() {
    insta::assert_snapshot!(render_app(&bare_app(), 80, 24));
}

#[test]
fn enter_opens_the_worst_group_then_the_busiest_topic() {
    let mut app = overview_app();
    app.update(key(KeyCode::Enter));
    assert_eq!(app.view(), ViewId::GroupDetail);
    // The data already lost ranks first.
    assert_eq!(app.views().group_name(), Some("orders-audit"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.view(), ViewId::Overview);
    press(&mut app, &[KeyCode::Char('l'), KeyCode::Enter]);
    assert_eq!(app.view(), ViewId::TopicDetail);
    assert_eq!(app.views().topic_name(), Some("message.created"));
}

#[test]
fn enter_on_an_event_opens_its_group_and_on_a_record_its_topic() {
    let mut app = overview_app();
    press(&mut app, &[KeyCode::Char('l'), KeyCode::Char('l')]);
    // Newest first: the rebalance of the analytics group.
    app.update(key(KeyCode::Enter));
    assert_eq!(app.views().group_name(), Some("analytics-service-group"));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('l')));
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(app.view(), ViewId::Messages);
    // The newest record, from its offset.
    assert!(
        cmds.iter().any(|c| matches!(c,
            Command::StartTail { topic, start: kaftop_core::kafka::sampler::StartAt::Offset(2303), .. }
                if topic == "message.created")),
        "{cmds:?}"
    );
}

#[test]
fn the_ticker_stops_when_the_overview_is_left() {
    let mut app = overview_app();
    let cmds = app.update(key(KeyCode::Char('1')));
    assert!(
        cmds.iter().any(|c| matches!(c, Command::StopTicker)),
        "{cmds:?}"
    );
    let cmds = app.update(key(KeyCode::Char('0')));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::StartTicker { .. })),
        "{cmds:?}"
    );
}

#[test]
fn groups_view_with_time_lag_stuck_and_data_loss() {
    let mut app = overview_app();
    app.update(key(KeyCode::Char('2')));
    insta::assert_snapshot!(render_app(&app, 160, 20));
}

#[test]
fn group_detail_with_a_stuck_partition() {
    let mut app = overview_app();
    command(&mut app, "group read-receipt-service-group");
    insta::assert_snapshot!(render_app(&app, 160, 24));
}

#[test]
fn v_opens_the_record_at_the_stuck_committed_offset_in_messages() {
    let mut app = overview_app();
    command(&mut app, "group read-receipt-service-group");
    // Partition 1 is the stuck one; its committed offset is the culprit.
    let stuck = overview_cluster()
        .groups
        .iter()
        .find(|g| g.group_id == "read-receipt-service-group")
        .map(|g| g.rows[1].current_offset.unwrap())
        .unwrap();
    press(&mut app, &[KeyCode::Char('j')]);
    let cmds = press(&mut app, &[KeyCode::Char('v')]);
    assert_eq!(app.view(), ViewId::Messages);
    assert!(
        cmds.iter().any(|c| matches!(c,
            Command::StartTail { topic, start: kaftop_core::kafka::sampler::StartAt::Offset(o), .. }
                if topic == "message.read" && *o == stuck)),
        "{cmds:?}"
    );
    // The tail delivers the partitions from that offset: the culprit is selected.
    let mut culprit = record(1, stuck, Some(b"poison"), Some(b"{\"bad\":true}"));
    culprit.topic = "message.read".into();
    let mut other = record(0, stuck, None, Some(b"fine"));
    other.topic = "message.read".into();
    let mut later = record(1, stuck + 1, None, Some(b"later"));
    later.topic = "message.read".into();
    feed_records(&mut app, vec![other, culprit, later]);
    let selected = app.views().messages().selected().unwrap();
    assert_eq!((selected.partition, selected.offset), (1, stuck));
    assert!(app.views().messages().detail);
}

/// Every broker dead after data: the overview keeps the last figures but says
/// they are the last read, not what the cluster is now.
#[test]
fn with_every_broker_dead_the_figures_are_shown_stale() {
    let mut a = overview_app();
    a.update(Event::Cluster(Box::new(
        kaftop_core::metrics::ClusterMetrics {
            taken_at_ms: T0_MS + 90_000,
            connected: false,
            errors: vec![
                "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure".into(),
            ],
            ..Default::default()
        },
    )));
    let screen = render_app(&a, 160, 48);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[0].contains("✗ unreachable · stale: last read 10:15:52"),
        "{screen}"
    );
    assert!(
        lines[2].starts_with(" STALE  kafka-test-cluster"),
        "{screen}"
    );
    assert!(
        screen.contains("Throughput msg/s, last read produced"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

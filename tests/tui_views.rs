//! Snapshot tests of every view at a fixed size (120×32) from the fixed cluster
//! of `tui_support`, plus checks of colours that text snapshots cannot show and
//! of rendering at tiny sizes.

#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use kaftop::tui::event::Event;
use kaftop::tui::App;
use kaftop_core::kafka::bulk::{BulkReport, LatencySummary};
use kaftop_core::kafka::publisher::Delivered;
use ratatui::style::Color;
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

fn screen(app: &App) -> String {
    render_app(app, W, H)
}

#[test]
fn topics_view() {
    insta::assert_snapshot!(screen(&app()));
}

#[test]
fn topics_waiting_for_the_first_refresh() {
    let mut a = bare_app();
    a.update(key(KeyCode::Char('1')));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn topic_detail_view() {
    let mut a = app();
    command(&mut a, "topic message.created");
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn groups_view() {
    let mut a = app();
    a.update(key(KeyCode::Char('2')));
    insta::assert_snapshot!(screen(&a));
}

/// An older broker's missing group types are said in the view's title.
#[test]
fn groups_view_on_a_broker_without_share_and_streams_groups() {
    use kaftop_core::kafka::admin::GroupType;
    let mut a = app();
    let mut c = cluster();
    c.unsupported_group_types = vec![GroupType::Share, GroupType::Streams];
    a.update(Event::Cluster(Box::new(c)));
    a.update(key(KeyCode::Char('2')));
    let s = screen(&a);
    let title = s.lines().find(|l| l.contains("Consumer groups (")).unwrap();
    assert!(
        title.contains("share and Streams groups: not supported by this broker"),
        "{s}"
    );
    // The groups the broker has are still listed.
    assert!(s.contains("notification-service-group"), "{s}");
}

#[test]
fn group_detail_view() {
    let mut a = app();
    command(&mut a, "group notification-service-group");
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn reset_offsets_dialog_with_its_preview() {
    use kaftop::tui::ops::Planned;
    use kaftop_core::kafka::offsets_reset::{PlannedOffset, ResetPlan};
    let mut a = app();
    command(&mut a, "group notification-service-group");
    a.update(key(KeyCode::Char('R')));
    a.update(key(KeyCode::Enter));
    let id = match a.mode() {
        kaftop::tui::app::Mode::Dialog(d) => d.id,
        other => panic!("no dialog: {other:?}"),
    };
    let row = |partition, current, new| PlannedOffset {
        topic: "message.created".into(),
        partition,
        current_offset: Some(current),
        new_offset: new,
        log_end_offset: 120,
    };
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::ResetOffsets(ResetPlan {
            group: "notification-service-group".into(),
            group_type: kaftop_core::kafka::admin::GroupType::Consumer,
            partitions: vec![row(0, 118, 0), row(1, 97, 0), row(2, 120, 0)],
        })),
    });
    for c in "notification".chars() {
        a.update(key(KeyCode::Char(c)));
    }
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn consumer_protocol_group_reconciling() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(reconciling_group_cluster())));
    a.update(key(KeyCode::Char('2')));
    insta::assert_snapshot!("consumer_protocol_group_in_groups", screen(&a));
    command(&mut a, "group orders-kip848");
    insta::assert_snapshot!("consumer_protocol_group_detail", screen(&a));
}

#[test]
fn a_connect_group_names_its_protocol_type() {
    let cluster = connect_group_cluster();
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(cluster)));
    a.update(key(KeyCode::Char('2')));
    let groups = screen(&a);
    assert!(groups.contains("Classic (connect)"), "{groups}");
    insta::assert_snapshot!("connect_group_in_groups", groups);
    command(&mut a, "group connect-cluster");
    insta::assert_snapshot!("connect_group_detail", screen(&a));
}

/// A Streams group: its subtopologies with the topics they read, and each
/// member's tasks in kafka-streams-groups' notation.
#[test]
fn streams_group_detail() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(streams_group_cluster())));
    command(&mut a, "group clicks-app");
    let s = screen(&a);
    assert!(s.contains("ACTIVE: 0:[1]; 1:[1]; STANDBY: 0:[0];"), "{s}");
    insta::assert_snapshot!("streams_group_detail", s);
    // Smaller screens drop the panes, never panic.
    for (w, h) in [(10, 3), (40, 12), (80, 19), (80, 24)] {
        render_app(&a, w, h);
    }
}

#[test]
fn group_detail_with_negative_lag_and_stop() {
    let mut a = app();
    command(&mut a, "group archive-service-group");
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn messages_view_with_detail_pane() {
    let mut a = app();
    command(&mut a, "messages message.created beginning");
    feed_records(&mut a, records());
    // Select the record with headers.
    press(&mut a, &[KeyCode::Up, KeyCode::Up, KeyCode::Up]);
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn messages_view_filtered_and_paused() {
    let mut a = app();
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    type_str(&mut a, "/hellokafka 3");
    a.update(key(KeyCode::Enter));
    a.update(key(KeyCode::Char('p')));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn messages_view_binary_and_truncated_values() {
    let mut a = app();
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    // The last record is the huge one; one up is the binary one.
    let huge = screen(&a);
    a.update(key(KeyCode::Up));
    let binary = screen(&a);
    insta::assert_snapshot!("messages_huge_value", huge);
    insta::assert_snapshot!("messages_binary_value", binary);
}

#[test]
fn messages_view_without_a_topic() {
    let mut a = bare_app();
    a.update(key(KeyCode::Char('3')));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn publish_created_form_with_an_invalid_field() {
    let mut a = app();
    command(&mut a, "publish");
    // messageId := "12x", then try to send.
    a.update(key(KeyCode::Enter));
    a.update(ctrl('u'));
    type_str(&mut a, "12x");
    a.update(key(KeyCode::Esc));
    a.update(key(KeyCode::Char('s')));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn publish_after_a_delivery() {
    let mut a = app();
    command(&mut a, "publish read");
    a.update(key(KeyCode::Char('s')));
    a.update(Event::Published {
        request: 1,
        result: Ok(Delivered {
            topic: "message.read".into(),
            partition: 2,
            offset: 417,
        }),
    });
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn publish_free_form() {
    let mut a = app();
    command(&mut a, "publish free");
    // Headers "trace" (not key=value) shows its error inline while typing.
    press(&mut a, &[KeyCode::Down, KeyCode::Down, KeyCode::Enter]);
    type_str(&mut a, "trace");
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn publish_bulk_running_and_done() {
    let mut a = app();
    command(&mut a, "publish bulk");
    a.update(key(KeyCode::Char('s')));
    a.update(Event::BulkProgress {
        queued: 700,
        delivered: 420,
        failed: 0,
    });
    let running = screen(&a);
    a.update(Event::BulkDone(Ok(BulkReport {
        requested: 1000,
        delivered: 1000,
        failed: 0,
        unconfirmed: 0,
        errors: Default::default(),
        cause: Vec::new(),
        per_topic: [("message.created".to_string(), 1000)]
            .into_iter()
            .collect(),
        elapsed_ms: 543.0,
        events_per_sec: 1841.62,
        latency_ms: LatencySummary {
            p50: 3.1,
            p99: 12.75,
            max: 20.5,
        },
    })));
    insta::assert_snapshot!("publish_bulk_running", running);
    insta::assert_snapshot!("publish_bulk_done", screen(&a));
}

#[test]
fn help_overlay_lists_the_views_bindings() {
    let mut a = app();
    command(&mut a, "messages message.created");
    a.update(key(KeyCode::F(1)));
    insta::assert_snapshot!(screen(&a));
}

/// Messages searching `.value.messageId >= 1003`: two matches found in the scan,
/// one appended live, the newest in the detail pane.
fn search_results() -> App {
    use kaftop::tui::event::SearchEvent;
    let mut a = app();
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    type_str(&mut a, "?--since 2h .value.messageId >= 1003");
    a.update(key(KeyCode::Enter));
    let search = a.views().messages().search_session;
    let found: Vec<_> = records()
        .into_iter()
        .filter(|r| (3..=5).contains(&r.offset))
        .collect();
    for event in [
        SearchEvent::Started {
            partitions: 3,
            total: 1_234_567,
        },
        SearchEvent::Records {
            records: found[..2].to_vec(),
            dropped: 0,
        },
        SearchEvent::ScanDone {
            scanned: 1_234_567,
            matched: 2,
        },
        SearchEvent::Records {
            records: found[2..].to_vec(),
            dropped: 0,
        },
        SearchEvent::Progress {
            scanned: 1_234_570,
            matched: 3,
            per_sec: None,
        },
    ] {
        a.update(Event::Search { search, event });
    }
    a
}

#[test]
fn messages_search_results_at_80x24() {
    insta::assert_snapshot!(render_app(&search_results(), 80, 24));
}

#[test]
fn messages_search_in_progress() {
    use kaftop::tui::event::SearchEvent;
    let mut a = app();
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    type_str(&mut a, "?.key | test(\"^10\")");
    a.update(key(KeyCode::Enter));
    let search = a.views().messages().search_session;
    for event in [
        SearchEvent::Started {
            partitions: 3,
            total: 90_000,
        },
        SearchEvent::Records {
            records: records()[..2].to_vec(),
            dropped: 0,
        },
        SearchEvent::Progress {
            scanned: 40_000,
            matched: 2,
            per_sec: Some(81_234.5),
        },
    ] {
        a.update(Event::Search { search, event });
    }
    insta::assert_snapshot!(render_app(&a, 80, 24));
}

#[test]
fn services_view_when_not_running() {
    let mut a = app();
    a.update(key(KeyCode::Char('5')));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn command_line_and_error_in_the_status_bar() {
    let mut a = app();
    command(&mut a, "frobnicate");
    let error = screen(&a);
    assert!(error.contains("unknown command `:frobnicate`"), "{error}");
    type_str(&mut a, ":topic mess");
    insta::assert_snapshot!("command_line_typing", screen(&a));
}

#[test]
fn broker_unreachable_keeps_the_last_data() {
    let mut a = app();
    a.update(Event::Cluster(Box::new(
        kaftop_core::metrics::ClusterMetrics {
            taken_at_ms: T0_MS + 60_000,
            connected: false,
            errors: vec![
                "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure".into(),
            ],
            ..Default::default()
        },
    )));
    a.update(key(KeyCode::Char('1')));
    insta::assert_snapshot!(screen(&a));
}

/// Colours: under-replicated partitions are red; statuses have their colours.
#[test]
fn highlights_are_coloured() {
    let mut a = app();
    command(&mut a, "topic message.created");
    let mut t = terminal(W, H);
    t.draw(|f| kaftop::tui::app::draw(f, &a)).unwrap();
    let buf = t.backend().buffer().clone();
    let row_of = |prefix: &str| {
        (0..H)
            .find(|&y| {
                let line: String = (0..W).map(|x| buf[(x, y)].symbol()).collect();
                line.starts_with(prefix)
            })
            .unwrap_or_else(|| panic!("no row starting with {prefix:?}"))
    };
    // Partition 2 (ISR 3,1 of replicas 3,1,2) is under-replicated.
    let urp = row_of("│   2 ");
    assert_eq!(buf[(4, urp)].fg, Color::Red, "under-replicated row");
    let in_sync = row_of("│   3 ");
    assert_ne!(buf[(4, in_sync)].fg, Color::Red, "in-sync row");

    a.update(key(KeyCode::Char('2')));
    t.draw(|f| kaftop::tui::app::draw(f, &a)).unwrap();
    let buf = t.backend().buffer().clone();
    let colour_of = |word: &str| -> Color {
        for y in 0..H {
            let line: String = (0..W).map(|x| buf[(x, y)].symbol()).collect();
            if let Some(byte) = line.rfind(word) {
                let x = line[..byte].chars().count() as u16;
                return buf[(x, y)].fg;
            }
        }
        panic!("{word} not on screen");
    };
    assert_eq!(colour_of("STOP"), Color::Red);
    assert_eq!(colour_of("WARN"), Color::Yellow);
    assert_eq!(colour_of("STALL"), Color::Magenta);
    assert_eq!(colour_of("REWIND"), Color::Cyan);
    assert_eq!(colour_of("! 3,700"), Color::Red, "alerting lag");
}

/// Every view at every size from 1×1 to 24×8 (and some odd ones): no panic.
#[test]
fn tiny_terminals_never_panic() {
    let mut apps: Vec<App> = Vec::new();
    for cmd in [
        "topics",
        "topic message.created",
        "groups",
        "group notification-service-group",
        "messages message.created",
        "publish",
        "publish bulk",
        "services",
    ] {
        let mut a = app();
        command(&mut a, cmd);
        feed_records(&mut a, records());
        apps.push(a);
    }
    let mut help = app();
    help.update(key(KeyCode::Char('?')));
    apps.push(help);
    let mut editing = app();
    command(&mut editing, "publish");
    editing.update(key(KeyCode::Enter));
    apps.push(editing);
    let mut cmdline = app();
    type_str(&mut cmdline, ":topic message.created");
    apps.push(cmdline);
    apps.push(search_results());
    let mut refused = search_results();
    type_str(&mut refused, "?.value ==");
    refused.update(key(KeyCode::Enter));
    apps.push(refused);
    for a in &apps {
        for w in 1..=24 {
            for h in 1..=8 {
                render_app(a, w, h);
            }
        }
        render_app(a, 20, 6);
        render_app(a, 300, 3);
        render_app(a, 2, 100);
    }
}

/// The 20×6 screen still shows the tabs and a status line.
#[test]
fn smallest_supported_size() {
    let a = app();
    insta::assert_snapshot!(render_app(&a, 20, 6));
}

#[test]
fn services_view_running() {
    let mut a = app();
    a.update(key(KeyCode::Char('5')));
    a.update(Event::Services(Box::new(services_snapshot())));
    insta::assert_snapshot!(screen(&a));
}

/// A service stalled by a full disk says so in its row and below the table, and a
/// consumer's panic is counted there.
#[test]
fn services_view_stalled() {
    let mut snap = services_snapshot();
    let n = &mut snap.services[0];
    n.stalled = Some("disk full".into());
    n.counters.panics = 1;
    let mut a = app();
    a.update(key(KeyCode::Char('5')));
    a.update(Event::Services(Box::new(snap)));
    let text = screen(&a);
    let row = text
        .lines()
        .find(|l| l.contains("notification-service-group"))
        .unwrap();
    assert!(row.contains(" stalled "), "{text}");
    assert!(!row.contains("running"), "{text}");
    assert!(
        text.contains(" notification: stalled: disk full · retrying by itself"),
        "{text}"
    );
    assert!(
        text.contains(" notification: 1 consumer panic(s), restarted"),
        "{text}"
    );
    let others = text
        .lines()
        .filter(|l| l.contains("-service-group") && l.contains("running"))
        .count();
    assert_eq!(others, 3, "{text}");
}

/// Only the rows that fit are built: 10 000 rows in a 12-line table build 9
/// (12 minus two borders and the header), wherever the selection is.
#[test]
fn tables_build_only_visible_rows() {
    use kaftop::tui::widgets::cursor::ListCursor;
    use kaftop::tui::widgets::table::{self, Column};
    use ratatui::layout::Constraint;
    use ratatui::widgets::{Block, Cell};

    let mut cursor = ListCursor::default();
    for selected in [0, 5_000, 9_999] {
        cursor.select(selected);
        let mut built = Vec::new();
        let mut t = terminal(40, 12);
        t.draw(|f| {
            table::draw(
                f,
                f.area(),
                Block::bordered(),
                &[Column::right("N", Constraint::Length(6))],
                10_000,
                &cursor,
                |i, _| {
                    built.push(i);
                    vec![Cell::from(i.to_string())]
                },
            )
        })
        .unwrap();
        assert_eq!(built.len(), 9, "rows built with {selected} selected");
        assert!(built.contains(&selected));
        let screen = buffer_text(t.backend().buffer());
        assert!(
            screen.contains(&format!(" {}/10000 ", selected + 1)),
            "{screen}"
        );
    }
}

#[test]
fn topics_unreachable_before_the_first_refresh() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(kaftop_core::metrics::ClusterMetrics {
        taken_at_ms: T0_MS + 5_000,
        connected: false,
        errors: vec![
            "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure (Local: Broker transport failure)".into(),
        ],
        ..Default::default()
    })));
    a.update(key(KeyCode::Char('1')));
    insta::assert_snapshot!(screen(&a));
}

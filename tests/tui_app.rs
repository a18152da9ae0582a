//! `App::update` driven by synthetic key sequences and I/O events: navigation,
//! the command line, filters, form validation and submit (the commands it
//! returns), the live tail's controls, notices and redraw decisions.

#![allow(clippy::unwrap_used)]

mod tui_support;

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaftop::events::{EventTime, MessageEvent};
use kaftop::kafka::bulk::{BulkReport, BulkType, LatencySummary};
use kaftop::kafka::publisher::Delivered;
use kaftop::kafka::sampler::{SamplerEvent, StartAt};
use kaftop::tui::app::{Level, Mode, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::keymap::Keymap;
use kaftop::tui::views::publish::FormKind;
use kaftop::tui::App;
use tui_support::*;

fn notice(app: &App) -> (Level, String) {
    let n = app.notice().expect("a notice");
    (n.level, n.text.clone())
}

fn field(app: &App, form: FormKind, name: &str) -> (String, Option<String>) {
    let f = app
        .publish()
        .forms
        .iter()
        .find(|f| f.kind == form)
        .and_then(|f| f.fields.iter().find(|x| x.name == name))
        .expect("field");
    (f.input.text().to_string(), f.error.clone())
}

#[test]
fn tabs_number_keys_and_back() {
    let mut a = app();
    assert_eq!(a.view(), ViewId::Topics);
    a.update(key(KeyCode::Tab));
    assert_eq!(a.view(), ViewId::Groups);
    // The Messages tab starts tailing the configured created topic.
    let cmds = a.update(key(KeyCode::Tab));
    assert_eq!(a.view(), ViewId::Messages);
    assert!(
        matches!(&cmds[..], [Command::StartTail { topic, start: StartAt::LastN(100), .. }] if topic == "message.created"),
        "{cmds:?}"
    );
    a.update(key(KeyCode::BackTab));
    assert_eq!(a.view(), ViewId::Groups);
    a.update(key(KeyCode::Char('4')));
    assert_eq!(a.view(), ViewId::Publish);
    a.update(key(KeyCode::Char('5')));
    assert_eq!(a.view(), ViewId::Services);
    // Esc walks back through the history.
    for want in [
        ViewId::Publish,
        ViewId::Groups,
        ViewId::Messages,
        ViewId::Groups,
        ViewId::Topics,
    ] {
        a.update(key(KeyCode::Esc));
        assert_eq!(a.view(), want);
    }
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Topics);
    // Returning to Messages does not restart the tail.
    assert!(a.update(key(KeyCode::Char('3'))).is_empty());
}

#[test]
fn enter_drills_down_and_esc_returns() {
    let mut a = app();
    press(&mut a, &[KeyCode::Char('j'), KeyCode::Enter]);
    assert_eq!(a.view(), ViewId::TopicDetail);
    assert_eq!(a.topic_name(), Some("message.deleted"));
    a.update(key(KeyCode::Esc));
    assert_eq!((a.view(), a.selected_row()), (ViewId::Topics, 1));
    press(
        &mut a,
        &[KeyCode::Char('2'), KeyCode::Char('G'), KeyCode::Enter],
    );
    assert_eq!(a.view(), ViewId::GroupDetail);
    assert_eq!(a.group_name(), Some("orders-audit"));
    // `m` on a topic opens its messages.
    press(&mut a, &[KeyCode::Char('1'), KeyCode::Char('G')]);
    let cmds = press(&mut a, &[KeyCode::Char('m')]);
    assert!(
        matches!(&cmds[..], [Command::StartTail { topic, .. }] if topic == "orders"),
        "{cmds:?}"
    );
}

#[test]
fn command_line_commands() {
    let mut a = app();
    command(&mut a, "topic orders");
    assert_eq!(
        (a.view(), a.topic_name()),
        (ViewId::TopicDetail, Some("orders"))
    );
    command(&mut a, "group archive-service-group");
    assert_eq!(
        (a.view(), a.group_name()),
        (ViewId::GroupDetail, Some("archive-service-group"))
    );
    command(&mut a, "groups");
    assert_eq!(a.view(), ViewId::Groups);
    command(&mut a, "topics");
    assert_eq!(a.view(), ViewId::Topics);

    command(&mut a, "topic nope");
    assert_eq!(notice(&a), (Level::Error, "no topic `nope`".into()));
    assert_eq!(a.view(), ViewId::Topics);
    command(&mut a, "frobnicate");
    let (level, text) = notice(&a);
    assert_eq!(level, Level::Error);
    assert!(text.starts_with("unknown command `:frobnicate`"), "{text}");

    let cmds = command(&mut a, "messages message.read beginning");
    assert_eq!(a.view(), ViewId::Messages);
    assert!(
        matches!(&cmds[..], [Command::StartTail { topic, start: StartAt::Beginning, .. }] if topic == "message.read"),
        "{cmds:?}"
    );
    command(&mut a, "publish deleted");
    assert_eq!(a.view(), ViewId::Publish);
    assert_eq!(a.publish().form().kind, FormKind::Deleted);
    command(&mut a, "refresh");
    assert!(!a.should_quit());
    command(&mut a, "quit");
    assert!(a.should_quit());
}

#[test]
fn command_line_completion_and_cancel() {
    let mut a = app();
    type_str(&mut a, ":gr");
    a.update(key(KeyCode::Tab));
    type_str(&mut a, " arch");
    a.update(key(KeyCode::Tab));
    assert_eq!(
        a.mode(),
        &Mode::Command(kaftop::tui::app::line::LineInput::new(
            "group archive-service-group "
        ))
    );
    a.update(key(KeyCode::Enter));
    assert_eq!(a.group_name(), Some("archive-service-group"));
    // Esc leaves the command line without running it.
    type_str(&mut a, ":quit");
    a.update(key(KeyCode::Esc));
    assert_eq!(a.mode(), &Mode::Normal);
    assert!(!a.should_quit());
}

#[test]
fn filters_narrow_lists_and_esc_clears() {
    let mut a = app();
    type_str(&mut a, "/ORD");
    a.update(key(KeyCode::Enter));
    a.update(key(KeyCode::Enter));
    assert_eq!(a.topic_name(), Some("orders"));
    a.update(key(KeyCode::Esc));
    // First Esc clears the filter, the next one would go back.
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Topics);
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.topic_name(), Some("message.created"));

    // Messages: the filter matches key or value, case-insensitively.
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    assert_eq!(a.messages().len(), 9);
    type_str(&mut a, "/VIP");
    assert_eq!(a.messages().len(), 1, "filters while typing");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.messages().selected().map(|r| r.offset), Some(5));
    type_str(&mut a, "/");
    a.update(ctrl('u'));
    type_str(&mut a, "plain text");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.messages().selected().map(|r| r.offset), Some(6));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.messages().len(), 9);
}

#[test]
fn invalid_fields_block_sending() {
    let mut a = app();
    command(&mut a, "publish");
    set_field(&mut a, "messageId", "abc");
    assert_eq!(
        field(&a, FormKind::Created, "messageId").1.as_deref(),
        Some("`abc` is not an integer")
    );
    set_field(&mut a, "content", "");
    assert_eq!(
        field(&a, FormKind::Created, "content").1.as_deref(),
        Some("required")
    );
    set_field(&mut a, "createdAt", "tomorrow");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(
        notice(&a),
        (Level::Error, "3 invalid fields: nothing sent".into())
    );

    set_field(&mut a, "messageId", "77");
    set_field(&mut a, "content", "안녕 Kafka");
    set_field(&mut a, "createdAt", "2026-11-24T19:15:30+09:00");
    assert_eq!(field(&a, FormKind::Created, "messageId").1, None);
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishEvent { topic, event, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(topic, "message.created");
    assert_eq!(
        event.to_json(),
        r#"{"messageId":77,"senderId":100,"receiverId":200,"content":"안녕 Kafka","createdAt":"2026-11-24T10:15:30"}"#
    );
}

#[test]
fn send_delivery_and_next_ids() {
    let mut a = app();
    command(&mut a, "publish");
    let cmds = a.update(ctrl('s'));
    let [Command::PublishEvent { request, event, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    let MessageEvent::Created(c) = event else {
        panic!("{event:?}")
    };
    // Defaults: the next id and "now" (the app's clock).
    assert_eq!(c.message_id, 1000);
    assert_eq!(
        c.created_at,
        EventTime::parse("2026-11-24T10:15:54").unwrap()
    );
    // The id is taken at once: a second send uses the next one.
    assert_eq!(field(&a, FormKind::Created, "messageId").0, "1001");
    a.update(Event::Published {
        request: *request,
        result: Ok(Delivered {
            topic: "message.created".into(),
            partition: 1,
            offset: 5,
        }),
    });
    let line = "Delivered MessageCreated (messageId 1000) to message.created partition 1 offset 5";
    assert_eq!(a.publish().last, Some(Ok(line.to_string())));
    assert_eq!(notice(&a), (Level::Info, line.into()));
    // Read and deleted now refer to the created message.
    assert_eq!(field(&a, FormKind::Read, "messageId").0, "1000");
    assert_eq!(field(&a, FormKind::Deleted, "messageId").0, "1000");

    command(&mut a, "publish read");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishEvent { request, topic, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(topic, "message.read");
    a.update(Event::Published {
        request: *request,
        result: Err("delivery failed: Message timed out".into()),
    });
    assert_eq!(
        a.publish().last,
        Some(Err(
            "Delivery failed: delivery failed: Message timed out".into()
        ))
    );
    assert_eq!(notice(&a).0, Level::Error);
}

#[test]
fn free_form_validates_json_and_headers() {
    let mut a = app();
    command(&mut a, "publish free");
    set_field(&mut a, "value", "{bad");
    set_field(&mut a, "headers", "a=1, broken");
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    assert!(field(&a, FormKind::Free, "value")
        .1
        .unwrap()
        .starts_with("not JSON"));
    set_field(&mut a, "topic", "no-such-topic");
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    assert_eq!(
        field(&a, FormKind::Free, "topic").1.as_deref(),
        Some("no topic `no-such-topic` on the cluster")
    );

    set_field(&mut a, "topic", "orders");
    set_field(&mut a, "key", "order-7");
    set_field(&mut a, "headers", "traceId=abc, source = tui");
    set_field(&mut a, "value", r#"{"orderId":7}"#);
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishRecord {
        topic,
        key,
        headers,
        value,
        ..
    }] = &cmds[..]
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (topic.as_str(), key.as_deref()),
        ("orders", Some("order-7"))
    );
    assert_eq!(
        headers,
        &vec![
            ("traceId".to_string(), "abc".to_string()),
            ("source".to_string(), "tui".to_string())
        ]
    );
    assert_eq!(value, r#"{"orderId":7}"#);
}

#[test]
fn bulk_test_progress_cancel_and_report() {
    let mut a = app();
    command(&mut a, "publish bulk");
    set_field(&mut a, "count", "0");
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    set_field(&mut a, "count", "500");
    set_field(&mut a, "rate", "250/s");
    // The type is a choice: Enter cycles it.
    press(
        &mut a,
        &[
            KeyCode::Char('G'),
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
        ],
    );
    assert_eq!(field(&a, FormKind::Bulk, "type").0, "mixed");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::StartBulk(spec)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (spec.count, spec.kind, spec.rate, spec.start_id),
        (500, BulkType::Mixed, Some(250.0), 1000)
    );
    // One run at a time.
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    a.update(Event::BulkProgress {
        queued: 300,
        delivered: 250,
        failed: 0,
    });
    assert_eq!(a.publish().bulk.as_ref().map(|b| b.delivered), Some(250));
    let cmds = press(&mut a, &[KeyCode::Char('x')]);
    assert!(matches!(&cmds[..], [Command::CancelBulk]), "{cmds:?}");
    let report = BulkReport {
        requested: 500,
        delivered: 300,
        failed: 0,
        unconfirmed: 0,
        errors: BTreeMap::new(),
        cause: Vec::new(),
        per_topic: BTreeMap::new(),
        elapsed_ms: 1200.0,
        events_per_sec: 250.0,
        latency_ms: LatencySummary::default(),
    };
    a.update(Event::BulkDone(Ok(report.clone())));
    assert_eq!(notice(&a), (Level::Info, report.summary_line()));
    assert!(!a.publish().bulk_running());
    // The next created message id comes after the bulk run's ids.
    assert_eq!(a.publish().next_id, 1500);
}

#[test]
fn typing_in_a_field_is_not_a_command() {
    let mut a = app();
    command(&mut a, "publish");
    press(
        &mut a,
        &[
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Enter,
        ],
    );
    assert_eq!(a.mode(), &Mode::Edit);
    type_str(&mut a, "q?:1/");
    assert!(!a.should_quit());
    assert_eq!(a.view(), ViewId::Publish);
    assert_eq!(field(&a, FormKind::Created, "content").0, "HelloKafkaq?:1/");
    // Ctrl-C quits from anywhere.
    a.update(ctrl('c'));
    assert!(a.should_quit());
}

#[test]
fn tail_controls() {
    let mut a = app();
    let cmds = command(&mut a, "messages message.created");
    let [Command::StartTail { session: s1, .. }] = cmds[..] else {
        panic!("{cmds:?}")
    };
    assert!(matches!(
        &press(&mut a, &[KeyCode::Char('p')])[..],
        [Command::PauseTail]
    ));
    assert!(a.messages().paused);
    assert!(matches!(
        &press(&mut a, &[KeyCode::Char(' ')])[..],
        [Command::ResumeTail]
    ));
    let cmds = press(&mut a, &[KeyCode::Char('b')]);
    let [Command::StartTail {
        session: s2,
        start: StartAt::Beginning,
        ..
    }] = cmds[..]
    else {
        panic!("{cmds:?}")
    };
    assert!(s2 > s1);
    // Records of the old session are dropped.
    a.update(Event::Sampler {
        session: s1,
        event: SamplerEvent::Records {
            records: records(),
            skipped: 0,
        },
    });
    assert_eq!(a.messages().len(), 0);
    feed_records(&mut a, records());
    assert_eq!(a.messages().len(), 9);

    type_str(&mut a, "o-5");
    let cmds = a.update(key(KeyCode::Enter));
    assert!(
        matches!(
            &cmds[..],
            [Command::StartTail {
                start: StartAt::Offset(-5),
                ..
            }]
        ),
        "{cmds:?}"
    );
    type_str(&mut a, "t10m");
    let cmds = a.update(key(KeyCode::Enter));
    let want = T0_MS + 24_000 - 600_000;
    assert!(
        matches!(&cmds[..], [Command::StartTail { start: StartAt::Timestamp(ms), .. }] if *ms == want),
        "{cmds:?}"
    );
    type_str(&mut a, "oabc");
    assert!(a.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(notice(&a).0, Level::Error);
    // A tail that cannot start says why.
    let session = a.messages().session;
    a.update(Event::Sampler {
        session,
        event: SamplerEvent::Error("topic `x` does not exist".into()),
    });
    assert!(notice(&a).1.contains("does not exist"));
}

#[test]
fn redraws_only_after_a_change() {
    let mut a = app();
    assert!(a.take_dirty());
    assert!(!a.take_dirty());
    // A tick that changes nothing draws nothing.
    a.update(Event::Tick {
        now_ms: T0_MS + 25_000,
    });
    assert!(!a.take_dirty());
    // Records of a tail not on screen draw nothing either.
    command(&mut a, "messages message.created");
    a.update(key(KeyCode::Char('1')));
    a.take_dirty();
    feed_records(&mut a, records());
    assert!(!a.take_dirty());
    a.update(key(KeyCode::Char('j')));
    assert!(a.take_dirty());
    a.update(Event::Cluster(Box::new(cluster())));
    assert!(a.take_dirty());
}

#[test]
fn notices_expire() {
    let mut a = app();
    command(&mut a, "nope");
    assert_eq!(notice(&a).0, Level::Error);
    a.take_dirty();
    a.update(Event::Tick {
        now_ms: T0_MS + 30_000,
    });
    assert!(a.notice().is_some());
    a.update(Event::Tick {
        now_ms: T0_MS + 60_000,
    });
    assert!(a.notice().is_none());
    assert!(a.take_dirty(), "the status bar changed");
}

#[test]
fn an_outage_keeps_the_last_data_and_recovers() {
    let mut a = app();
    a.update(Event::Cluster(Box::new(kaftop::metrics::ClusterMetrics {
        taken_at_ms: T0_MS + 30_000,
        connected: false,
        errors: vec!["cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure".into()],
        ..Default::default()
    })));
    assert_eq!(a.cluster().map(|c| c.topics.len()), Some(4));
    assert_eq!(notice(&a).0, Level::Error);
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(notice(&a), (Level::Info, "reconnected".into()));
}

#[test]
fn keys_follow_the_config() {
    let mut overrides = BTreeMap::new();
    overrides.insert("quit".to_string(), vec!["ctrl-q".to_string()]);
    overrides.insert("down".to_string(), vec!["n".to_string()]);
    let mut cfg = config();
    cfg.keymap = Keymap::with_overrides(&overrides).unwrap();
    let mut a = App::new(cfg);
    a.update(Event::Cluster(Box::new(cluster())));
    press(&mut a, &[KeyCode::Char('n'), KeyCode::Char('j')]);
    assert_eq!(a.selected_row(), 1);
    a.update(key(KeyCode::Char('q')));
    assert!(!a.should_quit());
    a.update(ctrl('q'));
    assert!(a.should_quit());
}

#[test]
fn remapped_keys_reach_the_modal_modes() {
    let mut overrides = BTreeMap::new();
    overrides.insert("down".to_string(), vec!["n".to_string()]);
    overrides.insert("cancel".to_string(), vec!["ctrl-g".to_string()]);
    let mut cfg = config();
    cfg.keymap = Keymap::with_overrides(&overrides).unwrap();
    let mut a = App::new(cfg);
    a.update(Event::Cluster(Box::new(cluster())));
    a.update(key(KeyCode::Char('?')));
    press(
        &mut a,
        &[KeyCode::Char('n'), KeyCode::Char('n'), KeyCode::Char('j')],
    );
    assert_eq!(a.mode(), &Mode::Help { scroll: 2 });
    a.update(key(KeyCode::Esc));
    assert_eq!(a.mode(), &Mode::Normal);
    // Esc no longer cancels a typed line; ctrl-g does.
    a.update(key(KeyCode::Char(':')));
    a.update(key(KeyCode::Esc));
    assert!(matches!(a.mode(), Mode::Command(_)));
    a.update(ctrl('g'));
    assert_eq!(a.mode(), &Mode::Normal);
}

#[test]
fn paging_through_ten_thousand_rows() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(big_group_cluster(10_000))));
    command(&mut a, "group big-group");
    press(&mut a, &[KeyCode::Char('G')]);
    assert_eq!(a.selected_row(), 9_999);
    press(&mut a, &[KeyCode::PageUp]);
    assert_eq!(a.selected_row(), 9_999 - 24);
    a.update(Event::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(a.selected_row(), 9_999);
    press(&mut a, &[KeyCode::Char('g')]);
    assert_eq!(a.selected_row(), 0);
    // Rendering shows the selected rows' neighbourhood only.
    press(&mut a, &[KeyCode::Char('G')]);
    let screen = render_app(&a, 120, 32);
    assert!(
        screen.contains(" 9999 ") || screen.contains("9,999"),
        "{screen}"
    );
    assert!(screen.contains("10000/10000"), "{screen}");
}

#[test]
fn a_later_success_clears_an_old_error() {
    use kaftop::tui::app::Source;
    let mut a = app();
    // A bad command, then one that works: the old error goes.
    command(&mut a, "nope");
    assert_eq!(a.error_source(), Some(Source::Input));
    command(&mut a, "topic orders");
    assert_eq!(a.view(), ViewId::TopicDetail);
    assert_eq!(a.notice(), None);
    // A key that raises a new error shows the new one.
    command(&mut a, "nope");
    command(&mut a, "group no-such-group");
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "no consumer group `no-such-group` (with committed offsets)".into()
        )
    );

    // A failed delivery, then the user moves on: the error goes.
    command(&mut a, "publish");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishEvent { request, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    a.update(Event::Published {
        request: *request,
        result: Err("delivery failed: Message timed out".into()),
    });
    assert_eq!(a.error_source(), Some(Source::Publish));
    press(&mut a, &[KeyCode::Char('j')]);
    assert_eq!(a.notice(), None);

    // A tail that failed to start: moving about does not hide it, a tail that
    // starts does.
    command(&mut a, "messages message.created");
    let session = a.messages().session;
    a.update(Event::Sampler {
        session,
        event: SamplerEvent::Error("cannot reach the cluster".into()),
    });
    assert_eq!(
        notice(&a),
        (Level::Error, "tail: cannot reach the cluster".into())
    );
    press(&mut a, &[KeyCode::Char('j')]);
    assert_eq!(a.error_source(), Some(Source::Tail));
    press(&mut a, &[KeyCode::Char('b')]);
    feed_records(&mut a, records());
    assert_eq!(a.notice(), None);

    // Refresh errors stay while the cluster reports them, whatever the user
    // does, and go with the first clean refresh.
    let mut partial = cluster();
    partial.errors = vec!["describing groups: CoordinatorNotAvailable".into()];
    a.update(Event::Cluster(Box::new(partial.clone())));
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "describing groups: CoordinatorNotAvailable".into()
        )
    );
    press(&mut a, &[KeyCode::Char('1'), KeyCode::Char('j')]);
    a.update(Event::Cluster(Box::new(partial)));
    assert_eq!(a.error_source(), Some(Source::Cluster));
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(a.notice(), None);
}

#[test]
fn an_unreachable_cluster_says_so_before_any_data() {
    let mut a = bare_app();
    let waiting = "Waiting for the first refresh from 127.0.0.1:9092 …";
    assert_eq!(a.unreachable_text(), None);
    assert!(render_app(&a, 120, 32).contains(waiting));
    a.update(Event::Cluster(Box::new(kaftop::metrics::ClusterMetrics {
        taken_at_ms: T0_MS + 5_000,
        connected: false,
        errors: vec![
            "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure (Local: Broker transport failure)".into(),
        ],
        ..Default::default()
    })));
    let want = "Cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure (Local: Broker transport failure)\nLast attempt 10:15:35; retrying.";
    assert_eq!(a.unreachable_text().as_deref(), Some(want));
    // Every view that waits for data says so, long after the notice expired.
    a.update(Event::Tick {
        now_ms: T0_MS + 120_000,
    });
    assert_eq!(a.notice(), None);
    for view in ["topics", "groups", "topic message.created", "group g"] {
        command(&mut a, view);
        let screen = render_app(&a, 120, 32);
        assert!(
            !screen.contains("Waiting for the first refresh"),
            "{view}: {screen}"
        );
        for line in want.lines() {
            assert!(screen.contains(line), "{view}: {screen}");
        }
    }
    // The first refresh that reaches the cluster shows its data.
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(a.unreachable_text(), None);
    assert_eq!(notice(&a), (Level::Info, "reconnected".into()));
}

#[test]
fn a_client_that_cannot_be_created_is_shown_instead_of_waiting() {
    let mut a = bare_app();
    a.update(Event::IoError(
        "No such configuration property: \"foo\"".into(),
    ));
    assert_eq!(
        a.unreachable_text().as_deref(),
        Some("Cannot refresh: No such configuration property: \"foo\"")
    );
    assert!(render_app(&a, 120, 32).contains("Cannot refresh: No such configuration property"));
}

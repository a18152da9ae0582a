//! The Publish view: field validation, what a send returns, deliveries, the free
//! form and the bulk test.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, Mode, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::views::publish::FormKind;
use kaftop_core::events::{EventTime, MessageEvent};
use kaftop_core::kafka::bulk::{BulkReport, BulkType, LatencySummary};
use kaftop_core::kafka::publisher::Delivered;

use crate::tui_support::*;
use crate::{field, notice};

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
    assert_eq!(a.views().publish().last, Some(Ok(line.to_string())));
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
        a.views().publish().last,
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
fn free_form_with_a_schema_subject_and_its_refusal() {
    let mut a = app();
    command(&mut a, "publish free");
    set_field(&mut a, "topic", "orders");
    set_field(&mut a, "value", r#"{"id":"seven"}"#);
    set_field(&mut a, "version", "2");
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    assert_eq!(
        field(&a, FormKind::Free, "version").1.as_deref(),
        Some("needs a subject")
    );
    set_field(&mut a, "subject", "orders-value");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishRecord {
        request,
        schema: Some(choice),
        ..
    }] = &cmds[..]
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (choice.subject.as_str(), choice.version),
        ("orders-value", Some(2))
    );
    // The I/O side found the value does not fit: the field says why, the form
    // keeps what was typed, nothing is reported delivered.
    let reason = r#"does not fit Avro · subject orders-value v2 · id 3: field "id": expected a long, got "seven""#;
    a.update(Event::PublishRefused {
        request: *request,
        field: "value",
        reason: reason.into(),
    });
    assert_eq!(
        field(&a, FormKind::Free, "value"),
        (r#"{"id":"seven"}"#.to_string(), Some(reason.to_string()))
    );
    assert_eq!(
        notice(&a),
        (Level::Error, format!("Not sent: value: {reason}"))
    );
    assert_eq!(
        a.views().publish().last,
        Some(Err(format!("Not sent: value: {reason}")))
    );
    assert!(a.views().publish().in_flight.is_empty());
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
    assert_eq!(
        a.views().publish().bulk.as_ref().map(|b| b.delivered),
        Some(250)
    );
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
    assert!(!a.views().publish().bulk_running());
    // The next created message id comes after the bulk run's ids.
    assert_eq!(a.views().publish().next_id, 1500);
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

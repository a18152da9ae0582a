//! One rule per event field, whatever the front end: the same text typed into
//! `kaftop publish created` and into the TUI's MessageCreated form gets the same
//! verdict, the same value or the same reason.

#![allow(clippy::unwrap_used)]

mod tui_support;

use std::error::Error as _;

use clap::Parser;
use crossterm::event::KeyCode;
use kaftop::cli::{Cli, Command as CliCommand, PublishArgs, PublishCommand};
use kaftop::tui::command::Command;
use kaftop::tui::views::publish::{build, Form, FormKind, Request};
use kaftop::tui::App;
use kaftop_core::events::{EventTime, MessageCreatedEvent, MessageEvent};
use serde_json::{json, Value};
use tui_support::*;

/// Field name on the form, its flag, and the valid value the other cases keep.
const FIELDS: [(&str, &str, &str); 5] = [
    ("messageId", "--message-id", "1"),
    ("senderId", "--sender-id", "2"),
    ("receiverId", "--receiver-id", "3"),
    ("content", "--content", "x"),
    ("createdAt", "--created-at", "2026-01-01T00:00:00"),
];

/// "now" on the fixture app's clock (`tui_support::app`).
fn now() -> EventTime {
    EventTime::parse("2026-11-24T10:15:54").unwrap()
}

/// The value of the field in the published event, or the reason it is refused.
type Verdict = Result<Value, String>;

fn field_of(event: &MessageEvent, name: &str) -> Value {
    let v: Value = serde_json::from_str(&event.to_json()).unwrap();
    v[name].clone()
}

/// `kaftop publish created` with `field` set to `text` (`--flag text` when
/// `separate`, else `--flag=text`), as clap parses it.
fn cli(field: &str, text: &str, separate: bool) -> Verdict {
    let mut argv: Vec<String> = vec!["kaftop".into(), "publish".into(), "created".into()];
    for (name, flag, valid) in FIELDS {
        let value = if name == field { text } else { valid };
        if separate {
            argv.push(flag.into());
            argv.push(value.into());
        } else {
            argv.push(format!("{flag}={value}"));
        }
    }
    let cmd = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli.command,
        Err(e) => {
            return Err(e
                .source()
                .map(|s| s.to_string())
                .unwrap_or_else(|| e.to_string()))
        }
    };
    let Some(CliCommand::Publish(PublishArgs {
        event:
            Some(PublishCommand::Created {
                message_id,
                sender_id,
                receiver_id,
                content,
                created_at,
                ..
            }),
        ..
    })) = cmd
    else {
        panic!("not publish created: {cmd:?}")
    };
    let event = MessageEvent::Created(MessageCreatedEvent {
        message_id,
        sender_id,
        receiver_id,
        content,
        created_at: created_at.map_or(now(), |w| w.or(now())),
    });
    Ok(field_of(&event, field))
}

/// The TUI's MessageCreated form with `field` set to `text`: the field's error,
/// else the event the form builds.
fn tui_form(field: &str, text: &str) -> Verdict {
    let mut form = Form::new(
        FormKind::Created,
        &kaftop::tui::views::publish::Defaults {
            next_id: 1,
            last_created: None,
            now: now(),
            free_topic: "t".into(),
        },
    );
    for f in &mut form.fields {
        let (_, _, valid) = FIELDS.iter().find(|(n, _, _)| *n == f.name).unwrap();
        f.input.set(if f.name == field { text } else { valid });
    }
    form.validate(None);
    if let Some(err) = form
        .fields
        .iter()
        .find(|f| f.name == field)
        .unwrap()
        .error
        .clone()
    {
        return Err(err);
    }
    let topics = config().topics;
    match build(&form, &topics, now(), 0) {
        Ok(Request::Event { event, .. }) => Ok(field_of(&event, field)),
        other => panic!("{other:?}"),
    }
}

/// The same through the running App: the field typed key by key, then `s`.
fn tui_typed(field: &str, text: &str) -> Verdict {
    let mut a: App = app();
    command(&mut a, "publish");
    for (name, _, valid) in FIELDS {
        set_field(&mut a, name, if name == field { text } else { valid });
    }
    let f = a
        .views()
        .publish()
        .form()
        .fields
        .iter()
        .find(|f| f.name == field);
    if let Some(err) = f.and_then(|f| f.error.clone()) {
        return Err(err);
    }
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    match &cmds[..] {
        [Command::PublishEvent { event, .. }] => Ok(field_of(event, field)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cli_and_tui_give_the_same_verdict() {
    let long_ok = "a".repeat(100_000);
    let too_long = "a".repeat(100_001);
    let not_positive = Err("must be greater than 0".to_string());
    let cases: Vec<(&str, &str, Verdict)> = vec![
        ("messageId", "42", Ok(json!(42))),
        ("messageId", " 42 ", Ok(json!(42))),
        ("messageId", "+7", Ok(json!(7))),
        ("messageId", "9223372036854775807", Ok(json!(i64::MAX))),
        ("messageId", "0", not_positive.clone()),
        ("messageId", "-1", not_positive.clone()),
        ("messageId", "-9223372036854775809", not_positive.clone()),
        (
            "messageId",
            "9223372036854775808",
            Err("`9223372036854775808` is too large (at most 9223372036854775807)".into()),
        ),
        ("messageId", "abc", Err("`abc` is not an integer".into())),
        ("messageId", "1.5", Err("`1.5` is not an integer".into())),
        ("messageId", "", Err("required".into())),
        ("senderId", "-5", not_positive.clone()),
        ("senderId", "5", Ok(json!(5))),
        ("receiverId", "-0", not_positive),
        ("receiverId", "x", Err("`x` is not an integer".into())),
        ("content", "hi", Ok(json!("hi"))),
        ("content", " spaced ", Ok(json!(" spaced "))),
        ("content", "-dash", Ok(json!("-dash"))),
        ("content", "안녕 Kafka", Ok(json!("안녕 Kafka"))),
        ("content", "", Err("required".into())),
        ("content", "   ", Err("must not be blank".into())),
        ("content", &long_ok, Ok(json!(long_ok))),
        (
            "content",
            &too_long,
            Err("100001 bytes is too long (at most 100000)".into()),
        ),
        ("createdAt", "now", Ok(json!("2026-11-24T10:15:54"))),
        (
            "createdAt",
            "2026-11-24T19:15:30+09:00",
            Ok(json!("2026-11-24T10:15:30")),
        ),
        ("createdAt", "", Err("required".into())),
        (
            "createdAt",
            "noon",
            Err("`noon` is not an ISO-8601 date-time (e.g. 2026-11-24T10:15:30.123 or 2026-11-24T10:15:30Z)".into()),
        ),
        (
            "createdAt",
            "0000-01-01T00:00:00",
            Err("year 0 is out of range (1-9999)".into()),
        ),
    ];
    for (field, text, want) in &cases {
        let shown: String = text.chars().take(30).collect();
        assert_eq!(&cli(field, text, true), want, "CLI {field} `{shown}`");
        assert_eq!(&cli(field, text, false), want, "CLI {field}=`{shown}`");
        assert_eq!(&tui_form(field, text), want, "TUI form {field} `{shown}`");
        // Typing is one key at a time: long texts only through the form above.
        if text.len() <= 100 {
            assert_eq!(&tui_typed(field, text), want, "TUI keys {field} `{shown}`");
        }
    }
}

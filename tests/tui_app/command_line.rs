//! The `:` command line (its commands, completion and cancel) and the `/` filter
//! line.

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, Mode, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::views::publish::FormKind;
use kaftop_core::kafka::sampler::StartAt;

use crate::notice;
use crate::tui_support::*;

#[test]
fn command_line_commands() {
    let mut a = app();
    command(&mut a, "topic orders");
    assert_eq!(
        (a.view(), a.views().topic_name()),
        (ViewId::TopicDetail, Some("orders"))
    );
    command(&mut a, "group archive-service-group");
    assert_eq!(
        (a.view(), a.views().group_name()),
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
    assert_eq!(a.views().publish().form().kind, FormKind::Deleted);
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
        &Mode::Command(kaftop::tui::widgets::line::LineInput::new(
            "group archive-service-group "
        ))
    );
    a.update(key(KeyCode::Enter));
    assert_eq!(a.views().group_name(), Some("archive-service-group"));
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
    assert_eq!(a.views().topic_name(), Some("orders"));
    a.update(key(KeyCode::Esc));
    // First Esc clears the filter, the next one would go back.
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Topics);
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.views().topic_name(), Some("message.created"));

    // Messages: the filter matches key or value, case-insensitively.
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    assert_eq!(a.views().messages().len(), 9);
    type_str(&mut a, "/VIP");
    assert_eq!(a.views().messages().len(), 1, "filters while typing");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.views().messages().selected().map(|r| r.offset), Some(5));
    type_str(&mut a, "/");
    a.update(ctrl('u'));
    type_str(&mut a, "plain text");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.views().messages().selected().map(|r| r.offset), Some(6));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.views().messages().len(), 9);
}

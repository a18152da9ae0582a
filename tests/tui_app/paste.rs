//! Bracketed paste: a paste goes into the field being edited, whole, and is
//! never read as keys (a pasted newline is not Enter, a pasted `s` not a send);
//! outside a field it is ignored with a notice.

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, Mode, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::modes::dialog::Stage;
use kaftop::tui::views::publish::FormKind;
use kaftop::tui::App;

use crate::tui_support::*;
use crate::{field, notice};

const TWO_LINES: &str = "first line\nsecond line";

fn paste(app: &mut App, text: &str) -> Vec<Command> {
    app.update(Event::Paste(text.into()))
}

/// The publish form with its `content` field being edited and emptied.
fn editing_content() -> App {
    let mut a = app();
    command(&mut a, "publish");
    set_field(&mut a, "content", "");
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.mode(), &Mode::Edit);
    a
}

#[test]
fn a_pasted_newline_in_a_publish_field_neither_sends_nor_switches_forms() {
    let mut a = editing_content();
    let cmds = paste(&mut a, TWO_LINES);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(!a.should_quit());
    assert_eq!(a.mode(), &Mode::Edit, "still editing the field");
    assert_eq!(a.view(), ViewId::Publish);
    assert_eq!(a.views().publish().form().kind, FormKind::Created);
    assert_eq!(field(&a, FormKind::Created, "content").0, "");
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "content: a one-line field: the paste has 2 lines, nothing pasted".into()
        )
    );

    // One line (with the line break copied after it) goes in whole.
    assert!(paste(&mut a, "안녕 Kafka, send me\n").is_empty());
    assert_eq!(a.mode(), &Mode::Edit);
    assert_eq!(
        field(&a, FormKind::Created, "content"),
        ("안녕 Kafka, send me".into(), None)
    );
}

#[test]
fn the_same_text_as_keys_would_have_sent_and_switched_forms() {
    // What the terminal delivered before bracketed paste: the text as keys.
    let mut a = editing_content();
    let mut cmds = type_str(&mut a, "first line");
    cmds.extend(press(&mut a, &[KeyCode::Enter]));
    cmds.extend(type_str(&mut a, "second line"));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::PublishEvent { .. })),
        "{cmds:?}"
    );
    assert_ne!(a.views().publish().form().kind, FormKind::Created);
}

#[test]
fn a_json_field_folds_the_lines_of_a_paste() {
    let mut a = app();
    command(&mut a, "publish free");
    set_field(&mut a, "value", "");
    press(&mut a, &[KeyCode::Enter]);
    assert!(paste(&mut a, "{\n  \"orderId\": 7,\n  \"sku\": \"s\"\n}\n").is_empty());
    assert_eq!(
        field(&a, FormKind::Free, "value"),
        ("{   \"orderId\": 7,   \"sku\": \"s\" }".into(), None)
    );
    assert_eq!(a.mode(), &Mode::Edit);
}

#[test]
fn a_paste_outside_a_field_is_ignored_with_a_notice() {
    let mut a = app();
    let view = a.view();
    for text in ["q", ":quit\n", "2\n"] {
        assert!(paste(&mut a, text).is_empty());
        assert!(!a.should_quit());
        assert_eq!(a.view(), view);
        assert_eq!(a.mode(), &Mode::Normal);
        assert_eq!(
            notice(&a),
            (
                Level::Error,
                "paste ignored: no field is being edited (a paste is never read as keys)".into()
            )
        );
    }
}

#[test]
fn a_paste_into_the_command_line_is_typed_not_run() {
    let mut a = app();
    press(&mut a, &[KeyCode::Char(':')]);
    assert!(paste(&mut a, "quit\n").is_empty());
    assert!(!a.should_quit());
    let Mode::Command(line) = a.mode() else {
        panic!("{:?}", a.mode())
    };
    assert_eq!(line.text(), "quit");
}

#[test]
fn a_paste_fills_a_dialog_field_and_never_confirms() {
    let mut a = app();
    press(&mut a, &[KeyCode::Char('C')]);
    assert!(paste(&mut a, "orders.dlq\n").is_empty());
    assert!(paste(&mut a, "a\nb").is_empty());
    let Mode::Dialog(d) = a.mode() else {
        panic!("{:?}", a.mode())
    };
    assert_eq!(d.stage, Stage::Fields { focus: 0 });
    assert_eq!(d.fields[0].input.text(), "orders.dlq");
}

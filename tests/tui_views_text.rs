//! Text from the cluster is data, never terminal control: control characters,
//! bidirectional overrides and invisible format characters in a record's key,
//! value and headers, in topic and group names, are written out on screen.

#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use kaftop::tui::event::Event;
use kaftop_core::kafka::record::render;
use tui_support::*;

/// Characters that must never reach the terminal as they are.
const HIDDEN: [char; 8] = [
    '\x1b', '\u{9b}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{200d}', '\u{feff}', '\u{2028}',
];

fn assert_nothing_hidden(screen: &str) {
    for c in HIDDEN {
        assert!(
            !screen.contains(c),
            "U+{:04X} on screen:\n{screen}",
            c as u32
        );
    }
}

#[test]
fn a_record_with_hidden_characters_in_key_value_and_headers() {
    let mut a = app();
    command(&mut a, "messages message.created beginning");
    let mut r = record(
        0,
        0,
        Some("user\u{202e}1\u{200b}".as_bytes()),
        Some("{\"content\":\"invoice\u{2066}fdp.exe\u{2069} \u{feff}ok\"}".as_bytes()),
    );
    r.headers = vec![
        (
            "trace\u{200d}Id".into(),
            render(Some(b"a\x1b[31mred alert text"), 1024),
        ),
        ("src".into(), render(Some("x\u{2028}y".as_bytes()), 1024)),
    ];
    feed_records(&mut a, vec![r]);
    let screen = render_app(&a, 120, 32);
    assert_nothing_hidden(&screen);
    assert!(screen.contains(r"user\u{202e}1\u{200b}"), "{screen}");
    assert!(
        screen.contains(r"trace\u{200d}Id=a\u{1b}[31mred alert text"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn topic_and_group_names_with_hidden_characters() {
    let mut a = bare_app();
    let mut m = cluster();
    m.topics[0].name = "orders\u{202e}qld.\u{202c}".into();
    m.groups[0].group_id = "bill\u{200b}\x1b]0;x\x07".into();
    a.update(Event::Cluster(Box::new(m)));
    for view in ['0', '1', '2'] {
        a.update(key(KeyCode::Char(view)));
        let screen = render_app(&a, 160, 40);
        assert_nothing_hidden(&screen);
        assert!(!screen.contains('\x07'), "{screen}");
    }
    a.update(key(KeyCode::Char('1')));
    assert!(render_app(&a, 160, 40).contains(r"orders\u{202e}qld.\u{202c}"));
    a.update(key(KeyCode::Char('2')));
    let screen = render_app(&a, 160, 40);
    assert!(screen.contains(r"bill\u{200b}\u{1b}]0;x\u{7}"), "{screen}");
}

/// Names are cut so they stay told apart: a topic and its dead-letter topic,
/// groups that share a suffix.
#[test]
fn at_80x24_the_overview_keeps_a_topic_and_its_dlq_apart() {
    let mut a = bare_app();
    let mut m = cluster();
    let orders = m.topics.iter_mut().find(|t| t.name == "orders").unwrap();
    orders.name = "message.created.dlq".into();
    a.update(Event::Cluster(Box::new(m)));
    a.update(key(KeyCode::Char('0')));
    let screen = render_app(&a, 80, 24);
    assert!(screen.contains("messag…reated "), "{screen}");
    assert!(screen.contains("messag…ed.dlq "), "{screen}");
    assert!(screen.contains("archive-service… "), "{screen}");
}

/// Whole columns go before words are cut: every header and cell shown at
/// 80×24 is whole.
#[test]
fn groups_at_80x24_drop_columns_instead_of_cutting_words() {
    let mut a = app();
    a.update(key(KeyCode::Char('2')));
    let screen = render_app(&a, 80, 24);
    let header = screen.lines().nth(3).unwrap();
    let words: Vec<&str> = header.trim_matches('│').split_whitespace().collect();
    assert_eq!(
        words,
        ["GROUP", "MEMBERS", "LAG", "TIME", "LAG", "ETA", "STATUS"],
        "{screen}"
    );
    assert!(screen.contains(" falling behind "), "{screen}");
    assert!(screen.contains(" not consuming "), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn services_at_80x24_drop_columns_instead_of_cutting_words() {
    let mut a = app();
    a.update(key(KeyCode::Char('5')));
    a.update(Event::Services(Box::new(services_snapshot())));
    let screen = render_app(&a, 80, 24);
    let header = screen.lines().nth(4).unwrap();
    let words: Vec<&str> = header.trim_matches('│').split_whitespace().collect();
    assert_eq!(
        words,
        [
            "SERVICE",
            "STATE",
            "CONSUMED",
            "PROCESSED",
            "DLQ",
            "DUPES",
            "PENDING",
            "MSG/S"
        ],
        "{screen}"
    );
    assert_eq!(screen.matches("  running  ").count(), 4, "{screen}");
    insta::assert_snapshot!(screen);
}

/// The `W` notice at 80 columns keeps the snapshot's file name: a long line
/// is cut in the middle, not at the end.
#[test]
fn the_snapshot_notice_keeps_the_file_name_at_80_columns() {
    let mut a = app();
    let dir = std::path::Path::new("/home/oncall/.local/share/kaftop/incidents");
    let md = dir.join("kaftop-incident-20261124T101552Z.md");
    a.update(Event::IncidentWritten(Ok((
        md.clone(),
        md.with_extension("json"),
    ))));
    let screen = render_app(&a, 80, 24);
    let status = screen.lines().last().unwrap();
    assert!(status.starts_with("incident snapshot written"), "{status}");
    assert!(
        status
            .trim_end()
            .ends_with("kaftop-incident-20261124T101552Z.md (and .json)"),
        "{status}"
    );
}

//! Terminal habits through `App::update`: `+`/`-` step the refresh interval, and
//! mouse clicks and the wheel (a row needs the screen drawn once: the list
//! remembers where its rows are).

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::notice;
use super::tui_support::{app, command, key, render_app};
use kaftop::tui::app::ViewId;
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn plus_and_minus_step_the_refresh_interval() {
    let mut a = app();
    assert_eq!(a.interval(), Duration::from_secs(2));
    let cmds = a.update(key(KeyCode::Char('+')));
    assert!(matches!(cmds[..], [Command::SetInterval(d)] if d == Duration::from_secs(1)));
    assert_eq!(notice(&a).1, "refreshing every 1s");
    a.update(key(KeyCode::Char('+')));
    a.update(key(KeyCode::Char('+')));
    assert_eq!(a.interval(), Duration::from_millis(250));
    // The shortest: nothing more to ask of the monitor.
    assert!(a.update(key(KeyCode::Char('+'))).is_empty());
    assert!(notice(&a).1.contains("the shortest"), "{:?}", notice(&a));
    for _ in 0..10 {
        a.update(key(KeyCode::Char('-')));
    }
    assert_eq!(a.interval(), Duration::from_secs(60));
    assert_eq!(notice(&a).1, "refreshing every 1m00s: the longest interval");
}

#[test]
fn a_click_shows_a_tab_selects_a_row_and_the_wheel_scrolls() {
    let mut a = app();
    assert_eq!(a.view(), ViewId::Topics);
    // ` 0 Overview  1 Topics  2 Groups `: column 24 is in ` 2 Groups `.
    a.update(mouse(MouseEventKind::Down(MouseButton::Left), 24, 1));
    assert_eq!(a.view(), ViewId::Groups);
    a.update(key(KeyCode::Char('1')));
    render_app(&a, 120, 32);
    // Border on line 2, header on 3: line 5 is the second row.
    a.update(mouse(MouseEventKind::Down(MouseButton::Left), 10, 5));
    assert_eq!(a.selected_row(), 1);
    // Below the last row: nothing changes.
    a.update(mouse(MouseEventKind::Down(MouseButton::Left), 10, 30));
    assert_eq!(a.selected_row(), 1);
    a.update(mouse(MouseEventKind::ScrollDown, 10, 5));
    assert_eq!(a.selected_row(), 3);
    a.update(mouse(MouseEventKind::ScrollUp, 10, 5));
    assert_eq!(a.selected_row(), 0);
}

#[test]
fn y_copies_a_groups_partitions_as_the_describe_table() {
    let mut a = app();
    command(&mut a, "group notification-service-group");
    let cmds = a.update(key(KeyCode::Char('y')));
    let [Command::Copy(text)] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("GROUP\tTOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG\tCONSUMER-ID\tHOST\tCLIENT-ID")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.starts_with("notification-service-group\t")),
        "{text}"
    );
    assert!(notice(&a).1.starts_with("copied the partitions"));
}

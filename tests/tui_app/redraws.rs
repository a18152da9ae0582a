//! When the app asks to be drawn again.

use crossterm::event::KeyCode;
use kaftop::tui::event::Event;

use crate::tui_support::*;

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

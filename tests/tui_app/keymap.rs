//! Keys remapped in the config, in normal and in the modal modes.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use kaftop::tui::app::Mode;
use kaftop::tui::event::Event;
use kaftop::tui::keymap::Keymap;
use kaftop::tui::App;

use crate::tui_support::*;

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

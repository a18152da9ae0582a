//! Typing the current view's filter: it applies as it is typed; accept keeps
//! it, cancel clears it.

use crossterm::event::KeyEvent;

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::modes::Host;
use crate::tui::widgets::line::{Edit, LineInput};

pub(super) fn key(app: &mut impl Host, key: KeyEvent, mut line: LineInput) {
    match app.keymap().action(Scope::Input, &key) {
        Some(Action::Accept) => {}
        Some(Action::Cancel) => app.set_filter(""),
        _ => {
            if line.handle(&key) == Edit::Changed {
                app.set_filter(line.text());
            }
            app.set_mode(Mode::Filter(line));
        }
    }
}

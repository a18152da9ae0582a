//! Typing the current view's filter: it applies as it is typed; enter keeps
//! it, esc clears it.

use crossterm::event::{KeyCode, KeyEvent};

use super::Mode;
use crate::tui::app::line::{Edit, LineInput};
use crate::tui::app::App;

pub(super) fn key(app: &mut App, key: KeyEvent, mut line: LineInput) {
    match key.code {
        KeyCode::Enter => {}
        KeyCode::Esc => app.set_filter(""),
        _ => {
            if line.handle(&key) == Edit::Changed {
                app.set_filter(line.text());
            }
            app.mode = Mode::Filter(line);
        }
    }
}

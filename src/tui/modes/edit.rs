//! Editing in place (the publisher's form fields): every key goes to the
//! current view's `View::edit` until it says editing is over.

use crossterm::event::KeyEvent;

use super::Mode;
use crate::tui::app::App;
use crate::tui::command::Command;

pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let view = app.views.get_mut(app.view);
    let (editing, cmds) = view.edit(key, &mut app.shared);
    app.mode = if editing { Mode::Edit } else { Mode::Normal };
    cmds
}

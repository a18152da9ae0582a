//! Editing in place (the publisher's form fields): every key goes to the
//! current view's `View::edit` until it says editing is over.

use crossterm::event::KeyEvent;

use super::{Host, Mode};
use crate::tui::command::Command;

pub(super) fn key(app: &mut impl Host, key: KeyEvent) -> Vec<Command> {
    let (editing, cmds) = app.view_edit(key);
    app.set_mode(if editing { Mode::Edit } else { Mode::Normal });
    cmds
}

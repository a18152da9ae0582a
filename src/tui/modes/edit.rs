//! Editing the selected field of the publisher's form: keys are typed into
//! it, validated as typed; tab and the arrows move between fields, ctrl-s
//! sends, esc stops editing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Mode;
use crate::tui::app::line::Edit;
use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::views::publish::{check, FieldKind};

pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let topics = app.shared.topic_names();
    let publish = &mut app.views.publish;
    let form = publish.form_mut();
    let n = form.fields.len();
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Enter => form.cursor = (form.cursor + 1).min(n.saturating_sub(1)),
        KeyCode::Char('s') if ctrl => {
            publish.editing = false;
            return publish.submit(&mut app.shared);
        }
        KeyCode::Tab | KeyCode::Down => {
            form.cursor = (form.cursor + 1) % n.max(1);
            app.mode = Mode::Edit;
        }
        KeyCode::BackTab | KeyCode::Up => {
            form.cursor = (form.cursor + n.max(1) - 1) % n.max(1);
            app.mode = Mode::Edit;
        }
        _ => {
            if let Some(f) = form.fields.get_mut(form.cursor) {
                if f.input.handle(&key) == Edit::Changed {
                    f.touched = true;
                    f.error = check(f.kind, f.input.text(), topics.as_deref()).err();
                }
            }
            app.mode = Mode::Edit;
        }
    }
    // Choices are not typed into: leave editing when landing on one.
    let on_choice = form
        .fields
        .get(form.cursor)
        .is_some_and(|f| matches!(f.kind, FieldKind::Choice(_)));
    if on_choice {
        app.mode = Mode::Normal;
    }
    publish.editing = app.mode == Mode::Edit;
    Vec::new()
}

//! Editing the selected field of the publisher's form: keys are typed into
//! it, validated as typed; tab and the arrows move between fields, ctrl-s
//! sends, esc stops editing (the keys of [`Scope::Form`] and [`Scope::Input`]).

use crossterm::event::KeyEvent;

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::views::publish::{check, FieldKind};
use crate::tui::widgets::line::Edit;

pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let action = app.keymap().action(Scope::Form, &key);
    let topics = app.shared.topic_names();
    let publish = &mut app.views.publish;
    let form = publish.form_mut();
    let n = form.fields.len();
    match action {
        Some(Action::Cancel) => {}
        Some(Action::Accept) => form.cursor = (form.cursor + 1).min(n.saturating_sub(1)),
        Some(Action::SendFromField) => {
            publish.editing = false;
            return publish.submit(&mut app.shared);
        }
        Some(Action::NextField) => {
            form.cursor = (form.cursor + 1) % n.max(1);
            app.mode = Mode::Edit;
        }
        Some(Action::PrevField) => {
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

//! Editing the selected field of the form: keys are typed into it, validated
//! as typed; tab and the arrows move between fields, ctrl-s sends, esc stops
//! editing (the keys of [`Scope::Form`] and [`Scope::Input`]).

use crossterm::event::KeyEvent;

use super::{check, FieldKind, PublishState};
use crate::tui::action::{Action, Scope};
use crate::tui::command::Command;
use crate::tui::shared::Shared;
use crate::tui::widgets::line::{Breaks, Edit};

impl PublishState {
    /// A paste into the field being edited: JSON folds its line breaks into
    /// spaces (the same document), every other field refuses them.
    pub(super) fn paste_into_field(&mut self, text: &str, shared: &mut Shared) {
        let topics = shared.topic_names();
        let form = self.form_mut();
        let Some(f) = form.fields.get_mut(form.cursor) else {
            return;
        };
        let breaks = match f.kind {
            FieldKind::Json => Breaks::Fold,
            FieldKind::Choice(_) => {
                shared.error(format!("paste ignored: {} is a choice", f.name));
                return;
            }
            _ => Breaks::Refuse,
        };
        match f.input.paste(text, breaks) {
            Ok(()) => {
                f.touched = true;
                f.error = check(f.kind, f.input.text(), topics.as_deref()).err();
            }
            Err(e) => shared.error(format!("{}: {e}", f.name)),
        }
    }

    /// A key while a field is edited: whether editing goes on, and commands.
    pub(super) fn edit_key(&mut self, key: KeyEvent, shared: &mut Shared) -> (bool, Vec<Command>) {
        let action = shared.cfg.keymap.action(Scope::Form, &key);
        let topics = shared.topic_names();
        let form = self.form_mut();
        let n = form.fields.len();
        let mut editing = false;
        match action {
            Some(Action::Cancel) => {}
            Some(Action::Accept) => form.cursor = (form.cursor + 1).min(n.saturating_sub(1)),
            Some(Action::SendFromField) => {
                self.editing = false;
                return (false, self.submit(shared));
            }
            Some(Action::NextField) => {
                form.cursor = (form.cursor + 1) % n.max(1);
                editing = true;
            }
            Some(Action::PrevField) => {
                form.cursor = (form.cursor + n.max(1) - 1) % n.max(1);
                editing = true;
            }
            _ => {
                if let Some(f) = form.fields.get_mut(form.cursor) {
                    if f.input.handle(&key) == Edit::Changed {
                        f.touched = true;
                        f.error = check(f.kind, f.input.text(), topics.as_deref()).err();
                    }
                }
                editing = true;
            }
        }
        // Choices are not typed into: leave editing when landing on one.
        let on_choice = form
            .fields
            .get(form.cursor)
            .is_some_and(|f| matches!(f.kind, FieldKind::Choice(_)));
        self.editing = editing && !on_choice;
        (self.editing, Vec::new())
    }
}

//! A modal dialog for an operation that changes the cluster: a title, a few
//! fields, a preview of the plan the core computes (fetched through the I/O
//! side), and a confirmation typed exactly (the group's or topic's name)
//! before the execute command goes out. Esc cancels at any point.
//!
//! Stages: `Fields` → accept → `Planning` (a `Command::PlanOp` is out) →
//! `Event::OpPlanned` → `Confirm` → the name typed, accept → `Executing` (one
//! `Command::ExecuteOp`) → `Event::OpDone` closes it with a notice.

mod draw;

pub(crate) use draw::draw;

use crossterm::event::{KeyCode, KeyEvent};

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::modes::Host;
use crate::tui::ops::forms::{Field, Form};
use crate::tui::ops::{OpRequest, Planned};
use crate::tui::widgets::line::{Breaks, LineInput};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Filling in the fields; `focus` is the field being edited.
    Fields { focus: usize },
    /// The plan was asked for.
    Planning,
    /// The plan is shown; the confirmation is typed here.
    Confirm { plan: Planned, typed: LineInput },
    /// The execute command went out.
    Executing { plan: Planned },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub form: Form,
    pub fields: Vec<Field>,
    pub stage: Stage,
    /// The request planned (kept for the confirmation's text).
    pub request: Option<OpRequest>,
    /// Tags the commands of this dialog; reports of another are ignored.
    pub id: u64,
    /// The last error of the plan or the execution, or of the fields.
    pub error: Option<String>,
}

impl Dialog {
    pub fn new(form: Form, topic: Option<&str>, id: u64) -> Self {
        Dialog {
            fields: form.fields(topic),
            form,
            stage: Stage::Fields { focus: 0 },
            request: None,
            id,
            error: None,
        }
    }

    /// What must be typed to confirm.
    pub fn confirmation(&self) -> Option<String> {
        self.request.as_ref().map(|r| self.form.confirmation(r))
    }

    /// A paste into the focused field or the confirmation; nowhere else.
    pub(crate) fn paste(&mut self, text: &str) -> Result<(), String> {
        match &mut self.stage {
            Stage::Fields { focus } => match self.fields.get_mut(*focus) {
                Some(f) if f.choices.is_none() => f.input.paste(text, Breaks::Refuse),
                _ => Err("paste ignored: this field is a choice".into()),
            },
            Stage::Confirm { typed, .. } => typed.paste(text, Breaks::Refuse),
            Stage::Planning | Stage::Executing { .. } => {
                Err("paste ignored: no field is being edited".into())
            }
        }
    }

    /// The plan (or the error) for request `id` arrived.
    pub(crate) fn on_planned(&mut self, id: u64, result: Result<Planned, String>) {
        if id != self.id || self.stage != Stage::Planning {
            return;
        }
        match result {
            Ok(plan) => {
                self.error = None;
                self.stage = Stage::Confirm {
                    plan,
                    typed: LineInput::default(),
                };
            }
            Err(e) => {
                self.error = Some(e);
                self.stage = Stage::Fields { focus: 0 };
            }
        }
    }

    /// The execution of request `id` finished: `Some(text)` of the notice
    /// when the dialog closes (done), `None` when it stays with the error.
    pub(crate) fn on_done(&mut self, id: u64, result: Result<(), String>) -> Option<String> {
        if id != self.id {
            return None;
        }
        let Stage::Executing { plan } = &self.stage else {
            return None;
        };
        match result {
            Ok(()) => Some(plan.done_text()),
            Err(e) => {
                self.error = Some(e);
                self.stage = Stage::Confirm {
                    plan: plan.clone(),
                    typed: LineInput::default(),
                };
                None
            }
        }
    }
}

/// A key for the dialog.
pub(super) fn key(app: &mut impl Host, key: KeyEvent, mut d: Dialog) -> Vec<Command> {
    let action = app.keymap().action(Scope::Dialog, &key);
    if action == Some(Action::Cancel) {
        app.acted();
        app.shared().info("cancelled");
        return Vec::new();
    }
    let mut cmds = Vec::new();
    match &mut d.stage {
        Stage::Fields { focus } => {
            let n = d.fields.len();
            match action {
                Some(Action::NextField) if n > 0 => *focus = (*focus + 1) % n,
                Some(Action::PrevField) if n > 0 => *focus = (*focus + n - 1) % n,
                Some(Action::Confirm) => match d.form.request(&d.fields, app.shared().now_ms) {
                    Ok(req) => {
                        d.error = None;
                        d.request = Some(req.clone());
                        d.stage = Stage::Planning;
                        cmds.push(Command::PlanOp {
                            id: d.id,
                            request: req,
                        });
                    }
                    Err(e) => d.error = Some(e),
                },
                _ => {
                    let Some(field) = d.fields.get_mut(*focus) else {
                        return reopen(app, d, cmds);
                    };
                    if field.choices.is_some() {
                        match key.code {
                            KeyCode::Left => field.choose(-1),
                            KeyCode::Right | KeyCode::Char(' ') => field.choose(1),
                            _ => {}
                        }
                    } else {
                        field.input.handle(&key);
                    }
                }
            }
        }
        Stage::Planning => {}
        Stage::Confirm { plan, typed } => match action {
            Some(Action::Confirm) => {
                let expected = d
                    .request
                    .as_ref()
                    .map(|r| d.form.confirmation(r))
                    .unwrap_or_default();
                if typed.text() != expected {
                    d.error = Some(format!("type `{expected}` exactly to confirm"));
                } else if app.shared().refuse_in_read_only(d.form.verb()) {
                    d.error = Some(format!(
                        "read-only profile `{}`: nothing is changed",
                        app.shared().cfg.profile
                    ));
                } else {
                    d.error = None;
                    let plan = plan.clone();
                    cmds.push(Command::ExecuteOp {
                        id: d.id,
                        plan: plan.clone(),
                    });
                    d.stage = Stage::Executing { plan };
                }
            }
            _ => {
                typed.handle(&key);
            }
        },
        Stage::Executing { .. } => {}
    }
    reopen(app, d, cmds)
}

/// Puts the dialog back as the mode (a key leaves it open).
fn reopen(app: &mut impl Host, d: Dialog, cmds: Vec<Command>) -> Vec<Command> {
    app.acted();
    app.set_mode(Mode::Dialog(Box::new(d)));
    cmds
}

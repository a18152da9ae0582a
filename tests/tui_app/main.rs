//! `App::update` driven by synthetic key sequences and I/O events: navigation,
//! the command line, filters, form validation and submit (the commands it
//! returns), the live tail's controls, notices and redraw decisions.

#![allow(clippy::unwrap_used)]

#[path = "../tui_support/mod.rs"]
mod tui_support;

mod command_line;
mod dialogs;
mod focus;
mod habits;
mod keymap;
mod navigation;
mod notices;
mod outages;
mod pacing;
mod paste;
mod publish;
mod read_only;
mod redraws;
mod search;
mod tail;

use kaftop::tui::app::Level;
use kaftop::tui::views::publish::FormKind;
use kaftop::tui::App;

fn notice(app: &App) -> (Level, String) {
    let n = app.notice().expect("a notice");
    (n.level, n.text.clone())
}

fn field(app: &App, form: FormKind, name: &str) -> (String, Option<String>) {
    let f = app
        .views()
        .publish()
        .forms
        .iter()
        .find(|f| f.kind == form)
        .and_then(|f| f.fields.iter().find(|x| x.name == name))
        .expect("field");
    (f.input.text().to_string(), f.error.clone())
}

//! Modal modes: while one is active it gets every key, before the view. Each
//! mode is a module with its key handling and what it draws (a line in the
//! status bar, or an overlay); [`Mode`] is the one dispatch over them.
//!
//! The modes sit below the app and name no `App`: what a mode may do to the
//! dashboard is the [`Host`] trait, which the app implements. A view asks for
//! a mode with a [`Modal`]; [`open`] turns it into one.
//!
//! Adding a mode: a variant of [`Mode`] carrying its state, a module with
//! `key` (and `draw` if it shows something), and an arm in `key`,
//! `draw_status` or `draw_overlay`.

pub mod command_line;
pub mod dialog;
mod edit;
mod filter;
mod help;
mod prompt;
pub mod search;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::command::Command;
use crate::tui::keymap::Keymap;
use crate::tui::shared::Shared;
use crate::tui::views::{Go, Modal, Prompt, View};
use crate::tui::widgets::line::{Breaks, LineInput};
use kaftop_core::kafka::sampler::StartAt;
use kaftop_core::present::text;

/// What a mode may do to the dashboard (the app implements it).
pub(crate) trait Host {
    /// What every view sees: config, cluster, clock, notices.
    fn shared(&mut self) -> &mut Shared;
    fn keymap(&self) -> &Keymap;
    /// Hands the keys to `mode` (a key handler that does not call it leaves
    /// `Mode::Normal`).
    fn set_mode(&mut self, mode: Mode);
    /// The key did something (it clears the error of an earlier one).
    fn acted(&mut self);
    fn quit(&mut self);
    /// Ends the dashboard to show the clusters screen.
    fn clusters(&mut self);
    /// A key for the current view, through the keymap.
    fn view_key(&mut self, key: KeyEvent) -> Vec<Command>;
    /// A key for the current view while it edits in place: whether editing
    /// goes on, and the commands.
    fn view_edit(&mut self, key: KeyEvent) -> (bool, Vec<Command>);
    /// A paste for the current view while it edits in place.
    fn view_paste(&mut self, text: &str);
    /// Shows what `go` names.
    fn navigate(&mut self, go: Go) -> Vec<Command>;
    fn refresh(&mut self) -> Vec<Command>;
    /// The current view's filter.
    fn set_filter(&mut self, text: &str);
    /// The search prompt's answer for the current view: its commands, or why
    /// it is refused.
    fn search(&mut self, text: &str) -> Result<Vec<Command>, String>;
    /// A prompt's answer: where the current view's stream restarts.
    fn restart_at(&mut self, start: StartAt) -> Vec<Command>;
}

/// Who gets the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The current view.
    Normal,
    /// The `?` overlay.
    Help { scroll: u16 },
    /// The `:` command line.
    Command(LineInput),
    /// The current view's filter.
    Filter(LineInput),
    /// A question in the status bar (where the tail restarts).
    Prompt(Prompt, LineInput),
    /// The search prompt (a jq filter) in the status bar.
    Search(search::SearchPrompt),
    /// Editing the selected field of the publisher's form.
    Edit,
    /// An operation's dialog: fields, preview, typed confirmation.
    Dialog(Box<dialog::Dialog>),
}

/// The mode a view asked for; `dialogs` counts the dialogs opened so far (each
/// tags its commands with its number).
pub(crate) fn open(modal: Modal, dialogs: &mut u64) -> Mode {
    match modal {
        Modal::Prompt(p) => Mode::Prompt(p, LineInput::default()),
        Modal::Edit => Mode::Edit,
        Modal::Search(text) => Mode::Search(search::SearchPrompt::new(text)),
        Modal::Dialog { form, topic } => {
            *dialogs += 1;
            Mode::Dialog(Box::new(dialog::Dialog::new(
                form,
                topic.as_deref(),
                *dialogs,
            )))
        }
    }
}

/// A key for `mode` (taken out of the app; a handler puts back the mode that
/// follows, or leaves `Normal`).
pub(crate) fn key(app: &mut impl Host, mode: Mode, key: KeyEvent) -> Vec<Command> {
    match mode {
        Mode::Normal => app.view_key(key),
        Mode::Help { scroll } => {
            help::key(app, key, scroll);
            Vec::new()
        }
        Mode::Command(line) => command_line::key(app, key, line),
        Mode::Filter(line) => {
            filter::key(app, key, line);
            Vec::new()
        }
        Mode::Prompt(p, line) => prompt::key(app, key, p, line),
        Mode::Search(s) => search::key(app, key, s),
        Mode::Edit => edit::key(app, key),
        Mode::Dialog(d) => dialog::key(app, key, *d),
    }
}

/// A paste for `mode` (taken out of the app, put back unchanged): into the
/// line being edited, whole; outside a field it is ignored with a notice.
pub(crate) fn paste(app: &mut impl Host, mut mode: Mode, text: &str) {
    let result = match &mut mode {
        Mode::Command(line) | Mode::Prompt(_, line) => line.paste(text, Breaks::Refuse),
        Mode::Search(s) => s.line.paste(text, Breaks::Refuse),
        Mode::Filter(line) => {
            let pasted = line.paste(text, Breaks::Refuse);
            if pasted.is_ok() {
                app.set_filter(line.text());
            }
            pasted
        }
        Mode::Edit => {
            app.view_paste(text);
            Ok(())
        }
        Mode::Dialog(d) => d.paste(text),
        Mode::Normal | Mode::Help { .. } => {
            Err("paste ignored: no field is being edited (a paste is never read as keys)".into())
        }
    };
    app.set_mode(mode);
    match result {
        Ok(()) => app.acted(),
        Err(e) => app.shared().error(e),
    }
}

/// Draws the status bar when the mode owns it; false when it does not.
pub(crate) fn draw_status(f: &mut Frame, area: Rect, mode: &Mode) -> bool {
    let (prefix, line) = match mode {
        Mode::Command(line) => (":", line),
        Mode::Filter(line) => ("/", line),
        Mode::Prompt(p, line) => (prompt::text(*p), line),
        Mode::Search(s) => (search::PREFIX, &s.line),
        _ => return false,
    };
    input(f, area, prefix, line);
    true
}

/// Draws what the mode shows over the whole screen (`view`: the current one).
pub(crate) fn draw_overlay(
    f: &mut Frame,
    area: Rect,
    mode: &Mode,
    shared: &Shared,
    view: &dyn View,
) {
    match mode {
        Mode::Help { scroll } => help::draw(f, area, shared, view, *scroll),
        Mode::Dialog(d) => dialog::draw(f, area, d),
        Mode::Search(s) => search::draw_error(f, area, s),
        _ => {}
    }
}

/// Where an overlay (the help, a dialog) is drawn: 90 % of the screen, centred.
pub(crate) fn overlay_area(area: Rect) -> Rect {
    let [popup] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(popup);
    popup
}

/// A line editor in the status bar, with the terminal's cursor in it.
fn input(f: &mut Frame, area: Rect, prefix: &str, line: &LineInput) {
    let width = (area.width as usize).saturating_sub(text::width(prefix) + 1);
    let (shown, col) = line.visible(width);
    f.render_widget(Paragraph::new(format!("{prefix}{shown}")), area);
    let x = area.x + (text::width(prefix) + col).min(area.width as usize - 1) as u16;
    f.set_cursor_position(Position::new(x, area.y));
}

//! Modal modes: while one is active it gets every key, before the view. Each
//! mode is a module with its key handling and what it draws (a line in the
//! status bar, or an overlay); [`Mode`] is the one dispatch over them.
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

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::widgets::line::LineInput;
use kaftop_core::present::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Offset,
    Time,
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
    /// Editing the selected field of the publisher's form.
    Edit,
    /// An operation's dialog: fields, preview, typed confirmation.
    Dialog(Box<dialog::Dialog>),
}

/// A key for `mode` (taken out of the app; a handler puts back the mode that
/// follows, or leaves `Normal`).
pub(crate) fn key(app: &mut App, mode: Mode, key: KeyEvent) -> Vec<Command> {
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
        Mode::Edit => edit::key(app, key),
        Mode::Dialog(d) => dialog::key(app, key, *d),
    }
}

/// Draws the status bar when the mode owns it; false when it does not.
pub(crate) fn draw_status(f: &mut Frame, area: Rect, app: &App) -> bool {
    let (prefix, line) = match app.mode() {
        Mode::Command(line) => (":", line),
        Mode::Filter(line) => ("/", line),
        Mode::Prompt(p, line) => (prompt::text(*p), line),
        _ => return false,
    };
    input(f, area, prefix, line);
    true
}

/// Draws what the mode shows over the whole screen.
pub(crate) fn draw_overlay(f: &mut Frame, area: Rect, app: &App) {
    match app.mode() {
        Mode::Help { scroll } => help::draw(f, area, app, *scroll),
        Mode::Dialog(d) => dialog::draw(f, area, d),
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

//! The whole screen: the chrome around the current view (`views::chrome`), the
//! view's body, and what the modal mode shows over them.

use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

use super::App;
use crate::tui::modes;
use crate::tui::views::chrome;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    // Header and tabs only when there is room for a body under them.
    let chrome = if area.height >= 6 { 2 } else { 0 };
    let status = u16::from(area.height >= 2);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(chrome),
        Constraint::Min(0),
        Constraint::Length(status),
    ])
    .areas(area);
    let (shared, view) = (&app.shared, app.current());
    if chrome > 0 {
        let [header, tabs] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(top);
        chrome::draw_header(f, header, shared);
        chrome::draw_tabs(f, tabs, shared, &app.views, app.view);
    }
    view.draw(f, body, shared);
    if status > 0 && !modes::draw_status(f, bottom, &app.mode) {
        chrome::draw_status(f, bottom, shared, view);
    }
    modes::draw_overlay(f, area, &app.mode, shared, view);
}

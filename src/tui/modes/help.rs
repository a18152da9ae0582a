//! The `?` overlay: every binding of the current view, generated from the
//! keymap (so overrides from config.toml show), plus text-input keys and the
//! command line's commands. Its own keys scroll it or close it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::command_line::USAGE;
use super::Mode;
use crate::text;
use crate::tui::app::App;
use crate::tui::widgets::theme;

pub(super) fn key(app: &mut App, key: KeyEvent, scroll: u16) {
    let scroll = match key.code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') => return,
        KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(10),
        KeyCode::PageUp => scroll.saturating_sub(10),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => scroll,
    };
    app.mode = Mode::Help { scroll };
}

pub(super) fn draw(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let view = app.current();
    let [popup] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(popup);
    let mut lines: Vec<Line> = Vec::new();
    for (scope, rows) in app.keymap().help(view.scope()) {
        if rows.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(scope.title(), theme::header_row())));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", text::pad(&keys, 22)), theme::accent()),
                Span::raw(desc),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Text input (command line, filter, form fields)",
        theme::header_row(),
    )));
    for (k, d) in [
        ("enter", "accept"),
        ("esc", "cancel (filter: clear)"),
        ("tab", "complete (command line) / next field (form)"),
        ("ctrl-u ctrl-k ctrl-w", "delete to start / to end / word"),
        ("ctrl-a ctrl-e ← →", "move"),
        ("ctrl-c", "quit, always"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", text::pad(k, 22)), theme::accent()),
            Span::raw(d),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Commands (:)",
        theme::header_row(),
    )));
    for c in USAGE.split("  ") {
        lines.push(Line::from(format!("  {c}")));
    }
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Help · {} · esc closes, j/k scroll ", view.title()),
            theme::title(),
        ))
        .border_style(theme::accent());
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        popup,
    );
}

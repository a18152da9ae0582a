//! The `?` overlay: every binding of the current view, generated from the
//! keymap (so overrides from config.toml show), plus text-input keys and the
//! command line's commands.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::text;
use crate::tui::app::command_line::USAGE;
use crate::tui::app::App;
use crate::tui::widgets::theme;

pub fn draw(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let [popup] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(popup);
    let mut lines: Vec<Line> = Vec::new();
    for (scope, rows) in app.keymap().help(app.view.scope()) {
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
            format!(" Help · {} · esc closes, j/k scroll ", app.view.title()),
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

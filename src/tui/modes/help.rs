//! The `?` overlay: every binding of the current view, generated from the
//! keymap (so overrides from config.toml show), plus text-input keys and the
//! command line's commands. Its own keys scroll it or close it.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::command_line::USAGE;
use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::keymap::Keymap;
use crate::tui::modes::Host;
use crate::tui::shared::Shared;
use crate::tui::views::View;
use crate::tui::widgets::theme;
use kaftop_core::present::text;

pub(super) fn key(app: &mut impl Host, key: KeyEvent, scroll: u16) {
    let scroll = match app.keymap().action(Scope::Help, &key) {
        Some(Action::CloseHelp) => return,
        Some(Action::Down) => scroll.saturating_add(1),
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::PageDown) => scroll.saturating_add(10),
        Some(Action::PageUp) => scroll.saturating_sub(10),
        Some(Action::Top) => 0,
        _ => scroll,
    };
    app.set_mode(Mode::Help { scroll });
}

pub(super) fn draw(f: &mut Frame, area: Rect, shared: &Shared, view: &dyn View, scroll: u16) {
    let popup = super::overlay_area(area);
    let km = &shared.cfg.keymap;
    let read_only = shared.cfg.read_only;
    let mut lines: Vec<Line> = Vec::new();
    let row = |keys: &str, desc: &str| {
        Line::from(vec![
            Span::styled(format!("  {}", text::pad(keys, 22)), theme::accent()),
            Span::raw(desc.to_string()),
        ])
    };
    let action_row = |keys: &String, a: &Action| {
        if read_only && a.changes_the_cluster() {
            Line::from(vec![
                Span::styled(format!("  {}", text::pad(keys, 22)), theme::dim()),
                Span::styled(
                    format!("{} (disabled: read-only)", a.description()),
                    theme::dim(),
                ),
            ])
        } else {
            row(keys, a.description())
        }
    };
    for (scope, rows) in km.help(view.scope()) {
        if rows.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(scope.title(), theme::header_row())));
        lines.extend(rows.iter().map(|(keys, a)| action_row(keys, a)));
        lines.push(Line::from(""));
    }
    // The modal scopes: text input (with the line editor's fixed keys), then
    // this overlay's own keys.
    lines.push(Line::from(Span::styled(
        Scope::Input.title(),
        theme::header_row(),
    )));
    for scope in [Scope::Input, Scope::CommandLine, Scope::Form] {
        lines.extend(km.rows(scope).iter().map(|(keys, a)| action_row(keys, a)));
    }
    for (k, d) in [
        ("ctrl-u ctrl-k ctrl-w", "delete to start / to end / word"),
        ("ctrl-a ctrl-e ← →", "move"),
        ("ctrl-c", "quit, always"),
    ] {
        lines.push(row(k, d));
    }
    lines.push(Line::from(""));
    // The operation dialogs (their confirmation is disabled in read-only mode).
    lines.push(Line::from(Span::styled(
        Scope::Dialog.title(),
        theme::header_row(),
    )));
    lines.extend(
        km.rows(Scope::Dialog)
            .iter()
            .map(|(keys, a)| action_row(keys, a)),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        Scope::Help.title(),
        theme::header_row(),
    )));
    lines.extend(
        km.rows(Scope::Help)
            .iter()
            .map(|(keys, a)| action_row(keys, a)),
    );
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
            format!(" Help · {} · {} ", view.title(), title_keys(km)),
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

/// `esc closes, j/k scroll`, with the keys the keymap has.
fn title_keys(km: &Keymap) -> String {
    let key = |a| km.first_key(Scope::Help, a).unwrap_or_default();
    format!(
        "{} closes, {}/{} scroll",
        key(Action::CloseHelp),
        key(Action::Down),
        key(Action::Up)
    )
}

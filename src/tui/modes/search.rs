//! The search prompt (Messages' `?`): a jq filter, with an optional start
//! (`--since 10m`), typed in the status bar. Enter hands it to the view; one it
//! refuses (a bad filter, a bad time) keeps the prompt open with the reason on
//! the line above, so it can be corrected.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::modes::Host;
use crate::tui::widgets::line::LineInput;
use crate::tui::widgets::theme;
use kaftop_core::present::text;

/// The prompt before the typed text.
pub(super) const PREFIX: &str = "search [--since 1h] jq: ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPrompt {
    pub line: LineInput,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl SearchPrompt {
    pub(super) fn new(text: String) -> Self {
        SearchPrompt {
            line: LineInput::new(text),
            error: None,
        }
    }
}

pub(super) fn key(app: &mut impl Host, key: KeyEvent, mut prompt: SearchPrompt) -> Vec<Command> {
    match app.keymap().action(Scope::Input, &key) {
        Some(Action::Cancel) => Vec::new(),
        Some(Action::Accept) => {
            let text = prompt.line.text().to_string();
            match app.search(&text) {
                Ok(cmds) => {
                    app.acted();
                    cmds
                }
                Err(e) => {
                    prompt.error = Some(e);
                    app.set_mode(Mode::Search(prompt));
                    Vec::new()
                }
            }
        }
        _ => {
            prompt.line.handle(&key);
            app.set_mode(Mode::Search(prompt));
            Vec::new()
        }
    }
}

/// The refusal's reason, on the line above the status bar.
pub(super) fn draw_error(f: &mut Frame, area: Rect, prompt: &SearchPrompt) {
    let Some(e) = &prompt.error else {
        return;
    };
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 2, area.width, 1);
    let shown = text::one_line(e, area.width as usize);
    f.render_widget(
        Paragraph::new(Span::styled(
            text::pad(&shown, area.width as usize),
            theme::danger(),
        )),
        row,
    );
}

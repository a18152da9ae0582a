//! A question in the status bar: where the tail restarts (an offset, a time).

use crossterm::event::KeyEvent;

use super::Mode;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::modes::Host;
use crate::tui::views::Prompt;
use crate::tui::widgets::line::LineInput;
use kaftop_core::kafka::sampler::StartAt;

/// The question, shown before the answer.
pub(super) fn text(prompt: Prompt) -> &'static str {
    match prompt {
        Prompt::Offset => "start at offset (negative: before the end): ",
        Prompt::Time => "start at time (10m, 2026-11-24T10:00:00Z): ",
    }
}

pub(super) fn key(
    app: &mut impl Host,
    key: KeyEvent,
    prompt: Prompt,
    mut line: LineInput,
) -> Vec<Command> {
    match app.keymap().action(Scope::Input, &key) {
        Some(Action::Cancel) => Vec::new(),
        Some(Action::Accept) => {
            let text = line.text().trim().to_string();
            let start = match prompt {
                Prompt::Offset => text
                    .parse::<i64>()
                    .map(StartAt::Offset)
                    .map_err(|_| format!("`{text}` is not an offset (negative: from the end)")),
                Prompt::Time => {
                    kaftop_core::kafka::sampler::parse_since(&text, app.shared().now_ms)
                        .map(StartAt::since)
                        .ok_or_else(|| {
                            format!(
                        "`{text}` is neither a duration (10m) nor a time (2026-11-24T10:15:30Z)"
                    )
                        })
                }
            };
            match start {
                Ok(s) => {
                    app.acted();
                    app.restart_at(s)
                }
                Err(e) => {
                    app.shared().error(e);
                    Vec::new()
                }
            }
        }
        _ => {
            line.handle(&key);
            app.set_mode(Mode::Prompt(prompt, line));
            Vec::new()
        }
    }
}

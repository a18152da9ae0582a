//! Colours in one place. Plain 16-colour palette so any terminal shows them.

use ratatui::style::{Color, Modifier, Style};

use kaftop_core::metrics::LagStatus;

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn header_row() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn ok() -> Style {
    Style::new().fg(Color::Green)
}

pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn danger() -> Style {
    Style::new().fg(Color::Red)
}

pub fn accent() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn tab_active() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn status(s: LagStatus) -> Style {
    match s {
        LagStatus::Ok => ok(),
        LagStatus::Warn => warn(),
        LagStatus::Stall => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        LagStatus::Stop => danger().add_modifier(Modifier::BOLD),
        LagStatus::Rewind => accent().add_modifier(Modifier::BOLD),
    }
}

pub fn error() -> Style {
    Style::new().fg(Color::White).bg(Color::Red)
}

pub fn info() -> Style {
    Style::new().fg(Color::Black).bg(Color::Green)
}

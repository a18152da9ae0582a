//! What the TUI benchmarks share: a dashboard app as the binary would make it
//! (fixed clock and names), and typing a `:` command into it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kaftop::tui::event::Event;
use kaftop::tui::keymap::Keymap;
use kaftop::tui::views::publish::EventTopics;
use kaftop::tui::{App, AppConfig};
use kaftop_core::kafka::sampler::StartAt;

/// An app sized `width`×`height` with the default keymap and a fixed clock.
pub(crate) fn app(width: u16, height: u16) -> App {
    let mut app = App::new(AppConfig {
        profile: "bench".into(),
        bootstrap: "kafka-1:9092".into(),
        topics: EventTopics {
            created: "message.created".into(),
            read: "message.read".into(),
            deleted: "message.deleted".into(),
        },
        keymap: Keymap::defaults(),
        utc_offset_secs: 0,
        now_ms: 1_795_515_330_000,
        first_message_id: 1,
        max_records: 2000,
        tail_start: StartAt::LastN(100),
        read_only: false,
        groups_reported_by: None,
        poll_interval: std::time::Duration::from_secs(2),
    });
    app.update(Event::Resize(width, height));
    app
}

/// Types `:command` and Enter.
pub(crate) fn run_command(app: &mut App, command: &str) {
    for c in format!(":{command}").chars() {
        app.update(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
}

//! The dashboard's app and its real I/O side, wired as the runtime wires them
//! (one tokio runtime, the I/O side's events on a channel), for tests that drive
//! it by keys against the real test broker and wait for what the I/O reports.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::io::{Io, IoOptions};
use kaftop::tui::keymap::Keymap;
use kaftop::tui::{App, AppConfig};
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::SamplerEvent;

use super::wait_for;

/// How long a wait on the I/O side may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

pub(crate) struct LiveDashboard {
    pub app: App,
    pub io: Io,
    rx: mpsc::Receiver<Event>,
    /// The commands the app asked for, in order.
    pub commands: Vec<Command>,
    /// Sampler events as the I/O side reported them (before the app saw them).
    pub sampler_events: Vec<(u64, SamplerEvent)>,
    /// Declared last: dropped after the I/O side that runs on it.
    pub rt: tokio::runtime::Runtime,
}

impl LiveDashboard {
    /// At 120x32, on `cfg`.
    pub(crate) fn new(cfg: Resolved) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (tx, rx) = mpsc::channel();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut app = App::new(AppConfig::new(&cfg, Keymap::defaults(), now_ms, 0));
        app.update(Event::Resize(120, 32));
        let io = Io::start(
            cfg.clone(),
            IoOptions::for_config(&cfg),
            tx,
            rt.handle().clone(),
        );
        LiveDashboard {
            app,
            io,
            rx,
            commands: Vec::new(),
            sampler_events: Vec::new(),
            rt,
        }
    }

    /// On the cluster at `bootstrap`, no config file.
    pub(crate) fn on(bootstrap: &str) -> Self {
        let overrides = Overrides {
            bootstrap_servers: Some(bootstrap.to_string()),
            ..Default::default()
        };
        Self::new(config::resolve(None, None, &overrides).expect("config"))
    }

    /// On the default profile of the config file `text`.
    pub(crate) fn from_toml(text: &str) -> Self {
        let file = config::parse_str(text, "kaftop.toml").expect("config file");
        Self::new(config::resolve(Some(&file), None, &Overrides::default()).expect("config"))
    }

    /// The app takes `ev`; the I/O side runs the commands it asks for.
    pub(crate) fn update(&mut self, ev: Event) {
        for c in self.app.update(ev) {
            self.commands.push(c.clone());
            self.io.execute(c);
        }
    }

    pub(crate) fn press(&mut self, code: KeyCode) {
        self.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub(crate) fn ctrl(&mut self, c: char) {
        self.update(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// Types `text`, a key a character.
    pub(crate) fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    pub(crate) fn enter(&mut self) {
        self.press(KeyCode::Enter);
    }

    /// Feeds the I/O side's events to the app until `f` gives a value.
    pub(crate) fn wait<T>(&mut self, what: &str, mut f: impl FnMut(&App) -> Option<T>) -> T {
        wait_for(what, DEADLINE, || {
            while let Ok(ev) = self.rx.try_recv() {
                if let Event::Sampler { session, event } = &ev {
                    self.sampler_events.push((*session, event.clone()));
                }
                self.update(ev);
            }
            f(&self.app)
        })
    }

    /// Feeds the I/O side's events to the app until `done` holds.
    pub(crate) fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        self.wait(what, |a| done(a).then_some(()));
    }

    /// The Messages view's records, in its order.
    pub(crate) fn records(&self) -> Vec<RecordView> {
        let m = self.app.views().messages();
        (0..m.len()).filter_map(|i| m.get(i).cloned()).collect()
    }

    /// (partition, offset) of each record the Messages view shows.
    pub(crate) fn shown(&self) -> BTreeSet<(i32, i64)> {
        let m = self.app.views().messages();
        (0..m.len())
            .filter_map(|i| m.get(i).map(|r| (r.partition, r.offset)))
            .collect()
    }
}

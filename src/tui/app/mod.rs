//! The dashboard's state and its one entry point, [`App::update`]: it folds an
//! [`Event`] into the state and returns the [`Command`]s the I/O side should
//! carry out. It performs no I/O and reads no clock (time arrives in events),
//! so tests drive it with synthetic events and check state and commands.
//!
//! `App` holds only what is shared ([`Shared`]: config, cluster, notices), the
//! view registry, the navigation and the modal [`Mode`]; every view's state,
//! keys and drawing are in its module under [`crate::tui::views`], every mode's
//! in [`crate::tui::modes`] (which reach the app through [`modes::Host`]).
//! [`draw`] lays out the screen.

mod draw;
mod host;
pub(crate) mod nav;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use kaftop_core::metrics::ClusterMetrics;

use super::action::Action;
use super::command::{Command, Replaced};
use super::event::Event;
use super::keymap::Keymap;
use super::modes;
pub use super::modes::Mode;
use super::shared::Shared;
pub use super::shared::{AppConfig, EventTopics, Level, Notice, Source};
use super::views::{chrome, View, Views};
pub use super::views::{Prompt, ViewId};
use super::widgets::line;
pub use draw::draw;

fn interval_text(d: std::time::Duration) -> String {
    kaftop_core::present::wait(d)
}

pub struct App {
    pub(crate) shared: Shared,
    pub(crate) views: Views,
    pub(crate) view: ViewId,
    history: Vec<ViewId>,
    pub(crate) mode: Mode,
    /// Dialogs opened so far (each tags its commands with its number).
    dialogs: u64,
    /// Set by a key that did something (an action, a command, a prompt).
    pub(crate) acted: bool,
    pub(crate) quit: bool,
    /// Set when the dashboard ends to show the clusters screen (`exit`).
    pub(crate) leave: Option<Exit>,
    /// What the clusters screen is to this dashboard.
    clusters: Clusters,
    /// The wait between refreshes, as `+`/`-` left it.
    interval: std::time::Duration,
    /// What is on screen, as last told to the monitor.
    focus: kaftop_core::monitor::Focus,
}

/// Rows a turn of the mouse wheel scrolls.
const WHEEL: isize = 3;

/// Why the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `q`, `:quit`, Ctrl-C, a signal.
    Quit,
    /// `Esc` at the top level, opened from the clusters screen.
    Back,
    /// `:clusters`.
    Clusters,
}

/// What the clusters screen (`--all-profiles`) is to a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clusters {
    /// Not offered (the demo).
    Off,
    /// `:clusters` opens it.
    Available,
    /// The dashboard was opened from it: `Esc` at the top level goes back.
    Behind,
}

/// The intervals `+`/`-` step through.
const INTERVALS: [u64; 8] = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

impl App {
    pub fn new(cfg: AppConfig) -> Self {
        App {
            views: Views::new(&cfg),
            view: ViewId::START,
            history: Vec::new(),
            mode: Mode::Normal,
            dialogs: 0,
            acted: false,
            quit: false,
            leave: None,
            clusters: Clusters::Available,
            interval: cfg.poll_interval,
            focus: Default::default(),
            shared: Shared::new(cfg),
        }
    }

    // ---- what tests, the runtime and the views read ----

    pub fn view(&self) -> ViewId {
        self.view
    }

    /// The current view.
    pub(crate) fn current(&self) -> &dyn View {
        self.views.get(self.view)
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.shared.notice.as_ref()
    }

    /// What the error notice is about (`None`: no error shown).
    pub fn error_source(&self) -> Option<Source> {
        self.shared.error_source()
    }

    /// Why no cluster data can be shown yet (see `Shared::unreachable_text`).
    pub fn unreachable_text(&self) -> Option<String> {
        self.shared.unreachable_text()
    }

    pub fn read_only(&self) -> bool {
        self.shared.cfg.read_only
    }

    pub fn should_quit(&self) -> bool {
        self.quit || self.leave.is_some()
    }

    /// Why the dashboard ended (meaningful once [`App::should_quit`]).
    pub fn exit(&self) -> Exit {
        match self.leave {
            Some(leave) if !self.quit => leave,
            _ => Exit::Quit,
        }
    }

    /// What the clusters screen is to this dashboard (`Available` by default).
    pub fn set_clusters(&mut self, clusters: Clusters) {
        self.clusters = clusters;
    }

    /// The views' states (tests read them).
    pub fn views(&self) -> &Views {
        &self.views
    }

    pub fn cluster(&self) -> Option<&ClusterMetrics> {
        self.shared.cluster.as_ref()
    }

    pub fn keymap(&self) -> &Keymap {
        &self.shared.cfg.keymap
    }

    pub fn config(&self) -> &AppConfig {
        &self.shared.cfg
    }

    /// The selected row of the current view (its index in the filtered list).
    pub fn selected_row(&self) -> usize {
        self.current().selected()
    }

    /// True once after something visible changed: the runtime redraws then.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.shared.dirty)
    }

    // ---- update ----

    pub fn update(&mut self, event: Event) -> Vec<Command> {
        let tick = matches!(event, Event::Tick { .. });
        let mut cmds = self.fold(event);
        cmds.extend(self.views.steer(self.view, &self.shared));
        // A refresh asked for (a view opened without its rows) keeps what is on
        // screen now: the monitor is told that first.
        let refresh = cmds.iter().any(|c| matches!(c, Command::RefreshNow));
        if tick || refresh {
            if let Some(focus) = self.refocus() {
                cmds.insert(0, focus);
            }
        }
        cmds
    }

    /// What is on screen, when it changed since last said: checked once a
    /// second (the monitor takes it at its next tick anyway), after the frames
    /// that scrolled the lists were drawn.
    fn refocus(&mut self) -> Option<Command> {
        let focus = self.views.get(self.view).focus(&self.shared);
        (focus != self.focus).then(|| {
            self.focus = focus.clone();
            Command::Focus(focus)
        })
    }

    fn fold(&mut self, event: Event) -> Vec<Command> {
        let shared = &mut self.shared;
        match event {
            Event::Key(key) => {
                shared.dirty = true;
                return self.on_key(key);
            }
            Event::Paste(text) => {
                shared.dirty = true;
                let mode = std::mem::replace(&mut self.mode, Mode::Normal);
                modes::paste(self, mode, &text);
            }
            Event::Mouse(m) => return self.on_mouse(m),
            Event::Resize(w, h) => {
                shared.size = (w, h);
                shared.dirty = true;
            }
            Event::Tick { now_ms } => {
                shared.now_ms = now_ms;
                shared.expire_notice();
            }
            Event::Cluster(m) => {
                let shown = self.views.get(self.view).focus(shared);
                if let Some(old) = shared.on_cluster(*m, &shown) {
                    return vec![Command::Replaced(Replaced(Box::new(old)))];
                }
            }
            Event::Focus(m) => shared.on_focus(*m),
            Event::Pace(p) => {
                shared.dirty |= shared.pace.is_some_and(|old| old.is_behind()) || p.is_behind();
                shared.pace = Some(p);
            }
            Event::Reading(p) => {
                // Shown in the header only until the first refresh arrives.
                shared.dirty |= shared.cluster.is_none();
                shared.reading = Some(p);
            }
            Event::IncidentWritten(result) => shared.on_incident_written(result),
            Event::OpPlanned { id, result } => {
                if let Mode::Dialog(d) = &mut self.mode {
                    d.on_planned(id, result);
                    shared.dirty = true;
                }
            }
            Event::OpDone { id, result } => {
                if let Mode::Dialog(d) = &mut self.mode {
                    shared.dirty = true;
                    if let Some(done) = d.on_done(id, result) {
                        self.mode = Mode::Normal;
                        shared.info(done);
                        return vec![Command::RefreshNow];
                    }
                }
            }
            Event::Quit => self.quit = true,
            Event::IoError(e) => {
                shared.error_from(Source::Io, e.clone());
                shared.io_error = Some(e);
                shared.dirty = true;
            }
            // The rest is what the views asked for: each takes its own.
            other => {
                if let Some(e) = self.views.route(other, self.view, shared) {
                    tracing::debug!("no view takes {e:?}");
                }
            }
        }
        Vec::new()
    }

    // ---- keys ----

    /// A key; an action, command or prompt it carries out without raising a
    /// notice clears the error of an earlier one.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let notices = self.shared.notices;
        self.acted = false;
        // Ctrl-C always quits, whatever has the keys.
        let cmds =
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.quit = true;
                Vec::new()
            } else {
                let mode = std::mem::replace(&mut self.mode, Mode::Normal);
                modes::key(self, mode, key)
            };
        if self.acted && self.shared.notices == notices {
            self.shared.clear_errors(&[Source::Input, Source::Publish]);
        }
        cmds
    }

    /// A key for the current view, through the keymap.
    pub(crate) fn view_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match self.keymap().action(self.current().scope(), &key) {
            Some(a) => {
                self.acted = true;
                self.apply(a)
            }
            None => Vec::new(),
        }
    }

    pub(crate) fn refresh(&mut self) -> Vec<Command> {
        self.shared.info("refreshing");
        vec![Command::RefreshNow]
    }

    /// A click selects a tab, a pane or a row; the wheel scrolls the list.
    /// Only when no mode (a dialog, a prompt, the help) has the keys.
    fn on_mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        if self.mode != Mode::Normal {
            return Vec::new();
        }
        let shared = &mut self.shared;
        let changed = match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if m.kind == MouseEventKind::ScrollDown {
                    WHEEL
                } else {
                    -WHEEL
                };
                self.views.get_mut(self.view).move_by(delta, shared);
                true
            }
            // The tab row is the second line when the chrome is drawn (app::draw).
            MouseEventKind::Down(MouseButton::Left) if m.row == 1 && shared.size.1 >= 6 => {
                if let Some(tab) = chrome::tab_at(m.column, shared, &self.views, self.view) {
                    self.shared.dirty = true;
                    return self.show_tab(tab);
                }
                false
            }
            MouseEventKind::Down(MouseButton::Left) => {
                self.views.get_mut(self.view).click(m.column, m.row, shared)
            }
            _ => false,
        };
        self.shared.dirty |= changed;
        Vec::new()
    }

    /// The next interval of [`INTERVALS`] below (`faster`) or above the current one.
    fn step_interval(&mut self, faster: bool) -> Vec<Command> {
        let now = self.interval.as_millis();
        let next = if faster {
            INTERVALS.iter().rev().find(|&&ms| u128::from(ms) < now)
        } else {
            INTERVALS.iter().find(|&&ms| u128::from(ms) > now)
        };
        let Some(&ms) = next else {
            let end = if faster { "shortest" } else { "longest" };
            self.shared.info(format!(
                "refreshing every {}: the {end} interval",
                interval_text(self.interval)
            ));
            return Vec::new();
        };
        self.interval = std::time::Duration::from_millis(ms);
        self.shared
            .info(format!("refreshing every {}", interval_text(self.interval)));
        vec![Command::SetInterval(self.interval)]
    }

    /// The wait between refreshes now.
    pub fn interval(&self) -> std::time::Duration {
        self.interval
    }

    /// The shared actions are done here; the rest by the current view.
    fn apply(&mut self, action: Action) -> Vec<Command> {
        if let Some(view) = ViewId::shown_by(action) {
            return self.show_tab(view);
        }
        let page = self.shared.page();
        let delta = match action {
            Action::Quit => {
                self.quit = true;
                return Vec::new();
            }
            Action::Back => return self.back(),
            Action::Help => {
                self.mode = Mode::Help { scroll: 0 };
                return Vec::new();
            }
            Action::CommandLine => {
                self.mode = Mode::Command(line::LineInput::default());
                return Vec::new();
            }
            Action::NextView | Action::PrevView => return self.next_tab(action),
            Action::Refresh => return self.refresh(),
            Action::Faster | Action::Slower => return self.step_interval(action == Action::Faster),
            Action::IncidentSnapshot => return self.shared.write_incident(),
            Action::Filter => {
                match self.current().filter() {
                    Some(f) => self.mode = Mode::Filter(line::LineInput::new(f)),
                    None => self.shared.info("nothing to filter here"),
                }
                return Vec::new();
            }
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Top => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            other => {
                let out = self.views.get_mut(self.view).act(other, &mut self.shared);
                return self.follow(out);
            }
        };
        self.views.get_mut(self.view).move_by(delta, &self.shared);
        Vec::new()
    }
}

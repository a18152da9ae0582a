//! The dashboard's state and its one entry point, [`App::update`]: it folds an
//! [`Event`] into the state and returns the [`Command`]s the I/O side should
//! carry out. It performs no I/O and reads no clock (time arrives in events),
//! so tests drive it with synthetic events and check state and commands.

pub mod command_line;
pub mod cursor;
pub mod line;
pub mod messages;
pub mod publish;
pub mod view;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::Resolved;
use crate::events::EventTime;
use crate::kafka::bulk::BulkReport;
use crate::kafka::publisher::Delivered;
use crate::kafka::sampler::{SamplerEvent, StartAt};
use crate::metrics::{ClusterMetrics, GroupMetrics, GroupPartitionRow, TopicMetrics};
use crate::services::ServicesSnapshot;

use super::action::Action;
use super::command::Command;
use super::event::Event;
use super::keymap::Keymap;
use command_line::LineCommand;
use cursor::ListCursor;
use line::{Edit, LineInput};
use messages::{MessagesState, TailStatus};
use publish::{BulkRun, Defaults, EventTopics, Form, FormKind, InFlight, PublishState, Request};
pub use view::ViewId;

/// How long a notice stays in the status bar.
const INFO_TTL_MS: i64 = 8_000;
const ERROR_TTL_MS: i64 = 30_000;
/// Views remembered for `Esc`.
const HISTORY: usize = 32;

/// What the app needs to know from outside, fixed at start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub profile: String,
    pub bootstrap: String,
    pub topics: EventTopics,
    pub keymap: Keymap,
    /// Offset of local time from UTC, for clocks shown on screen.
    pub utc_offset_secs: i32,
    /// The wall clock at start (ms since the epoch).
    pub now_ms: i64,
    /// The message id the created form starts with.
    pub first_message_id: i64,
    /// Records the Messages view keeps.
    pub max_records: usize,
    /// Where a tail starts unless told otherwise.
    pub tail_start: StartAt,
}

impl AppConfig {
    pub fn new(cfg: &Resolved, keymap: Keymap, now_ms: i64, utc_offset_secs: i32) -> Self {
        AppConfig {
            profile: cfg.profile.clone(),
            bootstrap: cfg.bootstrap_servers.clone(),
            topics: EventTopics {
                created: cfg.topics.created.name.clone(),
                read: cfg.topics.read.name.clone(),
                deleted: cfg.topics.deleted.name.clone(),
            },
            keymap,
            utc_offset_secs,
            now_ms,
            first_message_id: crate::events::fresh_message_id(now_ms).max(1),
            max_records: 2000,
            tail_start: StartAt::LastN(100),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// A status-bar message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
    pub at_ms: i64,
    /// What an error is about (`None` for information).
    pub source: Option<Source>,
}

/// What an error notice is about, which decides what clears it: a later
/// success of the user's ([`Source::Input`], [`Source::Publish`]), or the
/// recovery of what failed (the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Something typed or asked for that could not be done.
    Input,
    /// A publish or bulk test that failed.
    Publish,
    /// A refresh that failed or reported errors.
    Cluster,
    /// The live tail.
    Tail,
    /// The embedded services.
    Services,
    /// A client the dashboard could not create.
    Io,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Offset,
    Time,
}

/// Who gets the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help {
        scroll: u16,
    },
    Command(LineInput),
    Filter(LineInput),
    Prompt(Prompt, LineInput),
    /// Editing the selected field of the publisher's form.
    Edit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServicesStatus {
    Stopped,
    Starting,
    Running,
    Stopping,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ServicesPane {
    pub status: ServicesStatus,
    pub snapshot: Option<ServicesSnapshot>,
    pub cursor: ListCursor,
}

/// A list view's selection and filter.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    pub cursor: ListCursor,
    pub filter: String,
}

pub struct App {
    pub(crate) cfg: AppConfig,
    pub(crate) view: ViewId,
    history: Vec<ViewId>,
    pub(crate) mode: Mode,
    /// The last refresh that reached the cluster.
    pub(crate) cluster: Option<ClusterMetrics>,
    /// `None` until the first refresh.
    pub(crate) connected: Option<bool>,
    pub(crate) last_attempt_ms: Option<i64>,
    cluster_errors: Vec<String>,
    pub(crate) now_ms: i64,
    pub(crate) size: (u16, u16),
    pub(crate) topics: ListState,
    pub(crate) topic_name: Option<String>,
    pub(crate) topic: ListState,
    pub(crate) groups: ListState,
    pub(crate) group_name: Option<String>,
    pub(crate) group: ListState,
    pub(crate) messages: MessagesState,
    pub(crate) publish: PublishState,
    pub(crate) services: ServicesPane,
    pub(crate) notice: Option<Notice>,
    /// Counts notices, so a key knows whether it raised one.
    notices: u64,
    /// Set by a key that did something (an action, a command, a prompt).
    acted: bool,
    /// Why the dashboard cannot refresh at all (no client could be created).
    io_error: Option<String>,
    quit: bool,
    dirty: bool,
}

fn event_time(ms: i64) -> EventTime {
    EventTime(
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .naive_utc(),
    )
}

impl App {
    pub fn new(cfg: AppConfig) -> Self {
        let defaults = Defaults {
            next_id: cfg.first_message_id,
            last_created: None,
            now: event_time(cfg.now_ms),
            free_topic: cfg.topics.created.clone(),
        };
        App {
            view: ViewId::Topics,
            history: Vec::new(),
            mode: Mode::Normal,
            cluster: None,
            connected: None,
            last_attempt_ms: None,
            cluster_errors: Vec::new(),
            now_ms: cfg.now_ms,
            size: (80, 24),
            topics: ListState::default(),
            topic_name: None,
            topic: ListState::default(),
            groups: ListState::default(),
            group_name: None,
            group: ListState::default(),
            messages: MessagesState::new(cfg.max_records, cfg.tail_start.clone()),
            publish: PublishState::new(&defaults),
            services: ServicesPane {
                status: ServicesStatus::Stopped,
                snapshot: None,
                cursor: ListCursor::default(),
            },
            notice: None,
            notices: 0,
            acted: false,
            io_error: None,
            quit: false,
            dirty: true,
            cfg,
        }
    }

    // ---- what tests and the runtime read ----

    pub fn view(&self) -> ViewId {
        self.view
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn messages(&self) -> &MessagesState {
        &self.messages
    }

    pub fn publish(&self) -> &PublishState {
        &self.publish
    }

    pub fn cluster(&self) -> Option<&ClusterMetrics> {
        self.cluster.as_ref()
    }

    pub fn keymap(&self) -> &Keymap {
        &self.cfg.keymap
    }

    pub fn config(&self) -> &AppConfig {
        &self.cfg
    }

    pub fn topic_name(&self) -> Option<&str> {
        self.topic_name.as_deref()
    }

    pub fn group_name(&self) -> Option<&str> {
        self.group_name.as_deref()
    }

    /// The selected row of the current view (its index in the filtered list).
    pub fn selected_row(&self) -> usize {
        match self.view {
            ViewId::Topics => self.topics.cursor.selected(),
            ViewId::TopicDetail => self.topic.cursor.selected(),
            ViewId::Groups => self.groups.cursor.selected(),
            ViewId::GroupDetail => self.group.cursor.selected(),
            ViewId::Messages => self.messages.cursor.selected(),
            ViewId::Publish => self.publish.form().cursor,
            ViewId::Services => self.services.cursor.selected(),
        }
    }

    /// True once after something visible changed: the runtime redraws then.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    // ---- derived lists (shared with the views) ----

    pub(crate) fn visible_topics(&self) -> Vec<&TopicMetrics> {
        let Some(c) = &self.cluster else {
            return Vec::new();
        };
        let f = self.topics.filter.to_lowercase();
        c.topics
            .iter()
            .filter(|t| f.is_empty() || t.name.to_lowercase().contains(&f))
            .collect()
    }

    pub(crate) fn current_topic(&self) -> Option<&TopicMetrics> {
        let name = self.topic_name.as_deref()?;
        self.cluster
            .as_ref()?
            .topics
            .iter()
            .find(|t| t.name == name)
    }

    pub(crate) fn visible_groups(&self) -> Vec<&GroupMetrics> {
        let Some(c) = &self.cluster else {
            return Vec::new();
        };
        let f = self.groups.filter.to_lowercase();
        c.groups
            .iter()
            .filter(|g| f.is_empty() || g.group_id.to_lowercase().contains(&f))
            .collect()
    }

    pub(crate) fn current_group(&self) -> Option<&GroupMetrics> {
        let name = self.group_name.as_deref()?;
        self.cluster
            .as_ref()?
            .groups
            .iter()
            .find(|g| g.group_id == name)
    }

    pub(crate) fn visible_group_rows(&self) -> Vec<&GroupPartitionRow> {
        let Some(g) = self.current_group() else {
            return Vec::new();
        };
        let f = self.group.filter.to_lowercase();
        g.rows
            .iter()
            .filter(|r| f.is_empty() || r.topic.to_lowercase().contains(&f))
            .collect()
    }

    fn topic_names(&self) -> Option<Vec<String>> {
        self.cluster
            .as_ref()
            .map(|c| c.topics.iter().map(|t| t.name.clone()).collect())
    }

    fn has_topic(&self, name: &str) -> Option<bool> {
        self.cluster
            .as_ref()
            .map(|c| c.topics.iter().any(|t| t.name == name))
    }

    fn list_len(&self) -> usize {
        match self.view {
            ViewId::Topics => self.visible_topics().len(),
            ViewId::TopicDetail => self.current_topic().map_or(0, |t| t.partitions.len()),
            ViewId::Groups => self.visible_groups().len(),
            ViewId::GroupDetail => self.visible_group_rows().len(),
            ViewId::Messages => self.messages.len(),
            ViewId::Publish => self.publish.form().fields.len(),
            ViewId::Services => self
                .services
                .snapshot
                .as_ref()
                .map_or(0, |s| s.services.len()),
        }
    }

    fn page(&self) -> isize {
        (self.size.1 as isize - 8).max(1)
    }

    // ---- notices ----

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: Level::Info,
            text: text.into(),
            at_ms: self.now_ms,
            source: None,
        });
        self.notices += 1;
    }

    /// An error about what the user typed or asked for.
    fn error(&mut self, text: impl Into<String>) {
        self.error_from(Source::Input, text);
    }

    fn error_from(&mut self, source: Source, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: Level::Error,
            text: text.into(),
            at_ms: self.now_ms,
            source: Some(source),
        });
        self.notices += 1;
    }

    /// What the error notice is about (`None`: no error shown).
    pub fn error_source(&self) -> Option<Source> {
        self.notice.as_ref().and_then(|n| n.source)
    }

    /// Removes the error notice if it is about one of `sources`: they succeeded
    /// since, so it is old news.
    fn clear_errors(&mut self, sources: &[Source]) {
        if self.error_source().is_some_and(|s| sources.contains(&s)) {
            self.notice = None;
            self.dirty = true;
        }
    }

    /// Why no cluster data can be shown yet, once a refresh failed: the reason
    /// and when it was last tried. `None` while the first refresh is pending or
    /// after one succeeded.
    pub fn unreachable_text(&self) -> Option<String> {
        if self.cluster.is_some() {
            return None;
        }
        let reason =
            match (&self.io_error, self.connected) {
                (Some(e), _) => format!("cannot refresh: {e}"),
                (None, Some(false)) => self.cluster_errors.first().cloned().unwrap_or_else(|| {
                    format!("cannot reach the cluster at {}", self.cfg.bootstrap)
                }),
                _ => return None,
            };
        let mut chars = reason.chars();
        let first: String = chars
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default();
        let mut text = format!("{first}{}", chars.as_str());
        if let (None, Some(at)) = (&self.io_error, self.last_attempt_ms) {
            text.push_str(&format!(
                "\nLast attempt {}; retrying.",
                crate::tui::widgets::format::clock(at, self.cfg.utc_offset_secs)
            ));
        }
        Some(text)
    }

    // ---- update ----

    pub fn update(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Key(key) => {
                self.dirty = true;
                self.on_key(key)
            }
            Event::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
                Vec::new()
            }
            Event::Tick { now_ms } => {
                self.now_ms = now_ms;
                self.expire_notice();
                Vec::new()
            }
            Event::Cluster(m) => {
                self.on_cluster(*m);
                Vec::new()
            }
            Event::Sampler { session, event } => {
                self.on_sampler(session, event);
                Vec::new()
            }
            Event::Published { request, result } => {
                self.on_published(request, result);
                Vec::new()
            }
            Event::BulkProgress {
                queued,
                delivered,
                failed,
            } => {
                if let Some(b) = self.publish.bulk.as_mut().filter(|b| b.running()) {
                    (b.queued, b.delivered, b.failed) = (queued, delivered, failed);
                    self.dirty |= self.view == ViewId::Publish;
                }
                Vec::new()
            }
            Event::BulkDone(result) => {
                self.on_bulk_done(result);
                Vec::new()
            }
            Event::Services(snap) => {
                if !matches!(self.services.status, ServicesStatus::Stopping) {
                    self.services.status = ServicesStatus::Running;
                    self.clear_errors(&[Source::Services]);
                }
                self.services.snapshot = Some(*snap);
                self.dirty |= self.view == ViewId::Services;
                Vec::new()
            }
            Event::ServicesStopped(reason) => {
                self.services.status = match reason {
                    Some(r) => {
                        self.error_from(Source::Services, format!("services: {r}"));
                        ServicesStatus::Failed(r)
                    }
                    None => {
                        self.info("services stopped");
                        ServicesStatus::Stopped
                    }
                };
                self.dirty = true;
                Vec::new()
            }
            Event::Quit => {
                self.quit = true;
                Vec::new()
            }
            Event::IoError(e) => {
                self.error_from(Source::Io, e.clone());
                self.io_error = Some(e);
                self.dirty = true;
                Vec::new()
            }
        }
    }

    fn expire_notice(&mut self) {
        let expired = self.notice.as_ref().is_some_and(|n| {
            let ttl = match n.level {
                Level::Info => INFO_TTL_MS,
                Level::Error => ERROR_TTL_MS,
            };
            self.now_ms - n.at_ms >= ttl
        });
        if expired {
            self.notice = None;
            self.dirty = true;
        }
    }

    fn on_cluster(&mut self, m: ClusterMetrics) {
        let was = self.connected;
        self.connected = Some(m.connected);
        self.last_attempt_ms = Some(m.taken_at_ms);
        if m.errors != self.cluster_errors {
            if let Some(first) = m.errors.first() {
                let more = m.errors.len() - 1;
                if more > 0 {
                    self.error_from(Source::Cluster, format!("{first} (+{more} more)"));
                } else {
                    self.error_from(Source::Cluster, first.clone());
                }
            }
            self.cluster_errors = m.errors.clone();
        }
        if m.connected && m.errors.is_empty() {
            self.clear_errors(&[Source::Cluster]);
        }
        if m.connected {
            if was == Some(false) {
                self.info("reconnected");
            }
            self.cluster = Some(m);
        }
        self.dirty = true;
    }

    fn on_sampler(&mut self, session: u64, event: SamplerEvent) {
        if session != self.messages.session {
            return;
        }
        let shown = self.view == ViewId::Messages;
        match event {
            SamplerEvent::Started(starts) => {
                self.messages.started(&starts);
                self.clear_errors(&[Source::Tail]);
            }
            SamplerEvent::Records { records, skipped } => {
                self.messages.push(records, skipped);
                self.clear_errors(&[Source::Tail]);
            }
            SamplerEvent::Error(e) => {
                if self.messages.status == TailStatus::Starting {
                    self.messages.status = TailStatus::Failed(e.clone());
                } else {
                    self.messages.warning = Some(e.clone());
                }
                self.error_from(Source::Tail, format!("tail: {e}"));
                self.dirty = true;
            }
        }
        self.dirty |= shown;
    }

    fn defaults(&self) -> Defaults {
        Defaults {
            next_id: self.publish.next_id,
            last_created: self.publish.last_created,
            now: event_time(self.now_ms),
            free_topic: self.cfg.topics.created.clone(),
        }
    }

    fn on_published(&mut self, request: u64, result: Result<Delivered, String>) {
        let pos = self
            .publish
            .in_flight
            .iter()
            .position(|f| f.request == request);
        let Some(flight) = pos.map(|i| self.publish.in_flight.remove(i)) else {
            return;
        };
        match result {
            Ok(d) => {
                let what = match flight.message_id {
                    Some(id) => format!("{} (messageId {id})", flight.kind.title()),
                    None => "record".to_string(),
                };
                let line = format!(
                    "Delivered {what} to {} partition {} offset {}",
                    d.topic, d.partition, d.offset
                );
                self.info(line.clone());
                self.publish.last = Some(Ok(line));
                if let (FormKind::Created, Some(id)) = (flight.kind, flight.message_id) {
                    // Read and deleted events now refer to this message.
                    self.publish.last_created = Some(id);
                }
                let d = self.defaults();
                for f in &mut self.publish.forms {
                    f.refresh_defaults(&d);
                }
            }
            Err(e) => {
                let line = format!("Delivery failed: {e}");
                self.error_from(Source::Publish, line.clone());
                self.publish.last = Some(Err(line));
            }
        }
        self.dirty = true;
    }

    fn on_bulk_done(&mut self, result: Result<BulkReport, String>) {
        let Some(b) = self.publish.bulk.as_mut() else {
            return;
        };
        match &result {
            Ok(r) => {
                (b.delivered, b.failed) = (r.delivered, r.failed);
                let line = r.summary_line();
                if r.failed + r.unconfirmed > 0 {
                    let mut msg = format!("{line}; {} failed", r.failed + r.unconfirmed);
                    if let Some(cause) = r.cause.first() {
                        msg.push_str(&format!(" ({cause})"));
                    }
                    self.error_from(Source::Publish, msg);
                } else {
                    self.info(line);
                }
            }
            Err(e) => self.error_from(Source::Publish, format!("bulk test failed: {e}")),
        }
        if let Some(b) = self.publish.bulk.as_mut() {
            b.outcome = Some(result);
        }
        self.dirty = true;
    }

    // ---- keys ----

    /// A key; an action, command or prompt it carries out without raising a
    /// notice clears the error of an earlier one.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let notices = self.notices;
        self.acted = false;
        let cmds = self.handle_key(key);
        if self.acted && self.notices == notices {
            self.clear_errors(&[Source::Input, Source::Publish]);
        }
        cmds
    }

    fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        // Ctrl-C always quits, whatever has the keys.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => match self.cfg.keymap.action(self.view.scope(), &key) {
                Some(a) => {
                    self.acted = true;
                    self.apply(a)
                }
                None => Vec::new(),
            },
            Mode::Help { scroll } => {
                self.help_key(key, scroll);
                Vec::new()
            }
            Mode::Command(line) => self.command_key(key, line),
            Mode::Filter(line) => {
                self.filter_key(key, line);
                Vec::new()
            }
            Mode::Prompt(p, line) => self.prompt_key(key, p, line),
            Mode::Edit => self.edit_key(key),
        }
    }

    fn help_key(&mut self, key: KeyEvent, scroll: u16) {
        let scroll = match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') => return,
            KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(10),
            KeyCode::PageUp => scroll.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => 0,
            _ => scroll,
        };
        self.mode = Mode::Help { scroll };
    }

    fn command_key(&mut self, key: KeyEvent, mut line: LineInput) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Backspace if line.text().is_empty() => Vec::new(),
            KeyCode::Enter => match command_line::parse(line.text(), self.now_ms) {
                Ok(cmd) => {
                    self.acted = true;
                    self.run_line(cmd)
                }
                Err(e) => {
                    self.error(e);
                    Vec::new()
                }
            },
            KeyCode::Tab => {
                let topics = self.topic_names().unwrap_or_default();
                let groups: Vec<String> = self
                    .cluster
                    .as_ref()
                    .map(|c| c.groups.iter().map(|g| g.group_id.clone()).collect())
                    .unwrap_or_default();
                let t: Vec<&str> = topics.iter().map(String::as_str).collect();
                let g: Vec<&str> = groups.iter().map(String::as_str).collect();
                if let Some(done) = command_line::complete(line.text(), &t, &g) {
                    line.set(done);
                }
                self.mode = Mode::Command(line);
                Vec::new()
            }
            _ => {
                line.handle(&key);
                self.mode = Mode::Command(line);
                Vec::new()
            }
        }
    }

    fn run_line(&mut self, cmd: LineCommand) -> Vec<Command> {
        match cmd {
            LineCommand::Topics => self.go(ViewId::Topics),
            LineCommand::Topic(name) => {
                if self.has_topic(&name) == Some(false) {
                    self.error(format!("no topic `{name}`"));
                } else {
                    self.open_topic(name);
                }
            }
            LineCommand::Groups => self.go(ViewId::Groups),
            LineCommand::Group(name) => {
                let known = self
                    .cluster
                    .as_ref()
                    .map(|c| c.groups.iter().any(|g| g.group_id == name));
                if known == Some(false) {
                    self.error(format!(
                        "no consumer group `{name}` (with committed offsets)"
                    ));
                } else {
                    self.open_group(name);
                }
            }
            LineCommand::Messages(topic, start) => return self.open_messages(topic, start),
            LineCommand::Publish(form) => {
                self.go(ViewId::Publish);
                if let Some(k) = form {
                    self.publish.select(k);
                }
            }
            LineCommand::Services => self.go(ViewId::Services),
            LineCommand::Refresh => {
                self.info("refreshing");
                return vec![Command::RefreshNow];
            }
            LineCommand::Help => self.mode = Mode::Help { scroll: 0 },
            LineCommand::Quit => self.quit = true,
        }
        Vec::new()
    }

    fn filter_key(&mut self, key: KeyEvent, mut line: LineInput) {
        match key.code {
            KeyCode::Enter => {}
            KeyCode::Esc => self.set_filter(""),
            _ => {
                if line.handle(&key) == Edit::Changed {
                    self.set_filter(line.text());
                }
                self.mode = Mode::Filter(line);
            }
        }
    }

    fn filter_of(&self) -> Option<&str> {
        Some(match self.view {
            ViewId::Topics => &self.topics.filter,
            ViewId::Groups => &self.groups.filter,
            ViewId::GroupDetail => &self.group.filter,
            ViewId::Messages => self.messages.filter(),
            _ => return None,
        })
    }

    fn set_filter(&mut self, text: &str) {
        match self.view {
            ViewId::Topics => {
                self.topics.filter = text.to_string();
                self.topics.cursor.top();
            }
            ViewId::Groups => {
                self.groups.filter = text.to_string();
                self.groups.cursor.top();
            }
            ViewId::GroupDetail => {
                self.group.filter = text.to_string();
                self.group.cursor.top();
            }
            ViewId::Messages => self.messages.set_filter(text),
            _ => {}
        }
    }

    fn prompt_key(&mut self, key: KeyEvent, prompt: Prompt, mut line: LineInput) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => {
                let text = line.text().trim().to_string();
                let start = match prompt {
                    Prompt::Offset => text
                        .parse::<i64>()
                        .map(StartAt::Offset)
                        .map_err(|_| format!("`{text}` is not an offset (negative: from the end)")),
                    Prompt::Time => crate::kafka::sampler::parse_since(&text, self.now_ms)
                        .map(StartAt::since)
                        .ok_or_else(|| {
                            format!("`{text}` is neither a duration (10m) nor a time (2026-11-24T10:15:30Z)")
                        }),
                };
                match start {
                    Ok(s) => {
                        self.acted = true;
                        self.restart_tail(s)
                    }
                    Err(e) => {
                        self.error(e);
                        Vec::new()
                    }
                }
            }
            _ => {
                line.handle(&key);
                self.mode = Mode::Prompt(prompt, line);
                Vec::new()
            }
        }
    }

    fn edit_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let topics = self.topic_names();
        let form = self.publish.form_mut();
        let n = form.fields.len();
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => form.cursor = (form.cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Char('s') if ctrl => {
                self.publish.editing = false;
                return self.submit();
            }
            KeyCode::Tab | KeyCode::Down => {
                form.cursor = (form.cursor + 1) % n.max(1);
                self.mode = Mode::Edit;
            }
            KeyCode::BackTab | KeyCode::Up => {
                form.cursor = (form.cursor + n.max(1) - 1) % n.max(1);
                self.mode = Mode::Edit;
            }
            _ => {
                if let Some(f) = form.fields.get_mut(form.cursor) {
                    if f.input.handle(&key) == Edit::Changed {
                        f.touched = true;
                        f.error = publish::check(f.kind, f.input.text(), topics.as_deref()).err();
                    }
                }
                self.mode = Mode::Edit;
            }
        }
        // Choices are not typed into: leave editing when landing on one.
        let on_choice = form
            .fields
            .get(form.cursor)
            .is_some_and(|f| matches!(f.kind, publish::FieldKind::Choice(_)));
        if on_choice {
            self.mode = Mode::Normal;
        }
        self.publish.editing = self.mode == Mode::Edit;
        Vec::new()
    }

    // ---- actions ----

    fn apply(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => self.quit = true,
            Action::Back => self.back(),
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::CommandLine => self.mode = Mode::Command(LineInput::default()),
            Action::NextView | Action::PrevView => {
                let tabs = ViewId::TABS;
                let at = tabs.iter().position(|v| *v == self.view.tab()).unwrap_or(0);
                let next = if action == Action::NextView {
                    (at + 1) % tabs.len()
                } else {
                    (at + tabs.len() - 1) % tabs.len()
                };
                return self.show_tab(tabs[next]);
            }
            Action::ShowTopics => return self.show_tab(ViewId::Topics),
            Action::ShowGroups => return self.show_tab(ViewId::Groups),
            Action::ShowMessages => return self.show_tab(ViewId::Messages),
            Action::ShowPublish => return self.show_tab(ViewId::Publish),
            Action::ShowServices => return self.show_tab(ViewId::Services),
            Action::Refresh => {
                self.info("refreshing");
                return vec![Command::RefreshNow];
            }
            Action::Up => self.move_cursor(-1),
            Action::Down => self.move_cursor(1),
            Action::PageUp => self.move_cursor(-self.page()),
            Action::PageDown => self.move_cursor(self.page()),
            Action::Top => self.move_cursor(isize::MIN / 2),
            Action::Bottom => self.move_cursor(isize::MAX / 2),
            Action::Open => return self.open_selected(),
            Action::Filter => match self.filter_of() {
                Some(f) => self.mode = Mode::Filter(LineInput::new(f)),
                None => self.info("nothing to filter here"),
            },
            Action::TailTopic => {
                let topic = match self.view {
                    ViewId::Topics => self
                        .visible_topics()
                        .get(self.topics.cursor.selected())
                        .map(|t| t.name.clone()),
                    _ => self.topic_name.clone(),
                };
                if let Some(t) = topic {
                    return self.open_messages(Some(t), None);
                }
            }
            Action::Pause => return self.toggle_pause(),
            Action::FromBeginning => return self.restart_tail(StartAt::Beginning),
            Action::FromEnd => return self.restart_tail(StartAt::End),
            Action::FromOffset | Action::FromTime if self.messages.topic.is_none() => {
                self.error("no topic: choose one with m on a topic or :messages TOPIC");
            }
            Action::FromOffset => self.mode = Mode::Prompt(Prompt::Offset, LineInput::default()),
            Action::FromTime => self.mode = Mode::Prompt(Prompt::Time, LineInput::default()),
            Action::ToggleDetail => self.messages.detail = !self.messages.detail,
            Action::DetailDown => {
                self.messages.detail_scroll = self.messages.detail_scroll.saturating_add(3)
            }
            Action::DetailUp => {
                self.messages.detail_scroll = self.messages.detail_scroll.saturating_sub(3)
            }
            Action::Clear => self.messages.clear(),
            Action::NextForm | Action::PrevForm => {
                let n = FormKind::ALL.len();
                let step = if action == Action::NextForm { 1 } else { n - 1 };
                self.publish.current = (self.publish.current + step) % n;
            }
            Action::Edit => {
                if !self.publish.form_mut().cycle_choice() {
                    self.publish.editing = true;
                    self.mode = Mode::Edit;
                }
            }
            Action::Send => return self.submit(),
            Action::ResetForm => {
                let d = self.defaults();
                let kind = self.publish.form().kind;
                *self.publish.form_mut() = Form::new(kind, &d);
            }
            Action::CancelBulk => {
                if let Some(b) = self.publish.bulk.as_mut().filter(|b| b.running()) {
                    b.cancelling = true;
                    return vec![Command::CancelBulk];
                }
                self.info("no bulk test is running");
            }
            Action::ToggleServices => return self.toggle_services(),
        }
        Vec::new()
    }

    fn go(&mut self, view: ViewId) {
        if view == ViewId::Publish && self.view != ViewId::Publish {
            let d = self.defaults();
            for f in &mut self.publish.forms {
                f.refresh_defaults(&d);
            }
        }
        if view != self.view {
            self.history.push(self.view);
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
            self.view = view;
        }
    }

    fn show_tab(&mut self, view: ViewId) -> Vec<Command> {
        if view == ViewId::Messages {
            return self.open_messages(None, None);
        }
        self.go(view);
        Vec::new()
    }

    fn back(&mut self) {
        if self.filter_of().is_some_and(|f| !f.is_empty()) {
            self.set_filter("");
            return;
        }
        if let Some(v) = self.history.pop() {
            self.view = v;
        }
    }

    fn move_cursor(&mut self, delta: isize) {
        let len = self.list_len();
        match self.view {
            ViewId::Topics => self.topics.cursor.move_by(delta, len),
            ViewId::TopicDetail => self.topic.cursor.move_by(delta, len),
            ViewId::Groups => self.groups.cursor.move_by(delta, len),
            ViewId::GroupDetail => self.group.cursor.move_by(delta, len),
            ViewId::Messages => {
                self.messages.cursor.move_by(delta, len);
                self.messages.detail_scroll = 0;
            }
            ViewId::Services => self.services.cursor.move_by(delta, len),
            ViewId::Publish => {
                let form = self.publish.form_mut();
                let last = form.fields.len().saturating_sub(1) as isize;
                form.cursor = (form.cursor as isize).saturating_add(delta).clamp(0, last) as usize;
            }
        }
    }

    fn open_selected(&mut self) -> Vec<Command> {
        match self.view {
            ViewId::Topics => {
                let name = self
                    .visible_topics()
                    .get(self.topics.cursor.selected())
                    .map(|t| t.name.clone());
                if let Some(n) = name {
                    self.open_topic(n);
                }
            }
            ViewId::Groups => {
                let name = self
                    .visible_groups()
                    .get(self.groups.cursor.selected())
                    .map(|g| g.group_id.clone());
                if let Some(n) = name {
                    self.open_group(n);
                }
            }
            ViewId::Messages => self.messages.detail = !self.messages.detail,
            _ => {}
        }
        Vec::new()
    }

    fn open_topic(&mut self, name: String) {
        if self.topic_name.as_deref() != Some(&name) {
            self.topic = ListState::default();
        }
        self.topic_name = Some(name);
        self.go(ViewId::TopicDetail);
    }

    fn open_group(&mut self, name: String) {
        if self.group_name.as_deref() != Some(&name) {
            self.group = ListState::default();
        }
        self.group_name = Some(name);
        self.go(ViewId::GroupDetail);
    }

    /// Shows the Messages view, (re)starting the tail when the topic or start changes.
    fn open_messages(&mut self, topic: Option<String>, start: Option<StartAt>) -> Vec<Command> {
        self.go(ViewId::Messages);
        let current = self.messages.topic.clone();
        let default =
            Some(self.cfg.topics.created.clone()).filter(|t| self.has_topic(t) == Some(true));
        let Some(topic) = topic.or(current.clone()).or(default) else {
            self.info("choose a topic: m on a topic, or :messages TOPIC");
            return Vec::new();
        };
        if self.has_topic(&topic) == Some(false) {
            self.error(format!("no topic `{topic}`"));
            return Vec::new();
        }
        let failed = matches!(self.messages.status, TailStatus::Failed(_));
        if current.as_deref() == Some(topic.as_str()) && start.is_none() && !failed {
            return Vec::new();
        }
        let start = start.unwrap_or_else(|| self.cfg.tail_start.clone());
        let session = self.messages.restart(topic.clone(), start.clone());
        vec![Command::StartTail {
            session,
            topic,
            start,
        }]
    }

    fn restart_tail(&mut self, start: StartAt) -> Vec<Command> {
        match self.messages.topic.clone() {
            Some(t) => self.open_messages(Some(t), Some(start)),
            None => {
                self.error("no topic: choose one with m on a topic or :messages TOPIC");
                Vec::new()
            }
        }
    }

    fn toggle_pause(&mut self) -> Vec<Command> {
        if self.messages.topic.is_none() {
            return Vec::new();
        }
        self.messages.paused = !self.messages.paused;
        vec![if self.messages.paused {
            Command::PauseTail
        } else {
            Command::ResumeTail
        }]
    }

    fn submit(&mut self) -> Vec<Command> {
        let kind = self.publish.form().kind;
        if kind == FormKind::Bulk && self.publish.bulk_running() {
            self.error("a bulk test is running (x cancels it)");
            return Vec::new();
        }
        // Untouched fields take fresh defaults: "now" is when it is sent.
        let d = self.defaults();
        self.publish.form_mut().refresh_defaults(&d);
        let topics = self.topic_names();
        let invalid = self.publish.form_mut().validate(topics.as_deref());
        if invalid > 0 {
            let s = if invalid == 1 { "" } else { "s" };
            self.error(format!("{invalid} invalid field{s}: nothing sent"));
            return Vec::new();
        }
        let now = event_time(self.now_ms);
        let request = match publish::build(
            self.publish.form(),
            &self.cfg.topics,
            now,
            self.publish.next_id,
        ) {
            Ok(r) => r,
            Err(e) => {
                self.error(e);
                return Vec::new();
            }
        };
        let target = match &request {
            Request::Event { topic, .. } => Some(topic.clone()),
            _ => None,
        };
        if let Some(t) = target.filter(|t| self.has_topic(t) == Some(false)) {
            self.error(format!(
                "topic `{t}` does not exist (create it with `kaftop topics ensure`)"
            ));
            return Vec::new();
        }
        match request {
            Request::Bulk(spec) => {
                self.publish.next_id = self
                    .publish
                    .next_id
                    .saturating_add(i64::try_from(spec.count).unwrap_or(i64::MAX));
                self.info(format!("bulk test: sending {} events", spec.count));
                self.publish.bulk = Some(BulkRun {
                    spec: spec.clone(),
                    queued: 0,
                    delivered: 0,
                    failed: 0,
                    cancelling: false,
                    outcome: None,
                });
                vec![Command::StartBulk(spec)]
            }
            other => {
                let id = self.publish.next_request;
                self.publish.next_request += 1;
                let message_id = match &other {
                    Request::Event { event, .. } => Some(event.message_id()),
                    _ => None,
                };
                self.publish.in_flight.push(InFlight {
                    request: id,
                    kind,
                    message_id,
                });
                if let (FormKind::Created, Some(mid)) = (kind, message_id) {
                    // Reserve the id at once, so a second send before the
                    // delivery report does not reuse it.
                    self.publish.next_id = self.publish.next_id.max(mid.saturating_add(1));
                    let d = self.defaults();
                    let form = self.publish.form_mut();
                    if let Some(f) = form.fields.first_mut() {
                        f.touched = false;
                    }
                    form.refresh_defaults(&d);
                }
                self.info("sending…");
                vec![other.into_command(id)]
            }
        }
    }

    fn toggle_services(&mut self) -> Vec<Command> {
        match self.services.status {
            ServicesStatus::Stopped | ServicesStatus::Failed(_) => {
                self.services.status = ServicesStatus::Starting;
                self.info("starting the services");
                vec![Command::StartServices]
            }
            ServicesStatus::Running => {
                self.services.status = ServicesStatus::Stopping;
                self.info("stopping the services");
                vec![Command::StopServices]
            }
            ServicesStatus::Starting | ServicesStatus::Stopping => Vec::new(),
        }
    }
}

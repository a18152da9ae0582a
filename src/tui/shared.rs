//! What every view may read or write besides its own state: the config, the
//! last cluster refresh, the clock, the screen size and the status-bar notice.
//! Views and modes get it as `&Shared` / `&mut Shared`, never the whole
//! [`App`](crate::tui::app::App), which holds it.

use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::keymap::Keymap;
use kaftop_core::config::Resolved;
use kaftop_core::events::{EventKind, EventTime};
use kaftop_core::kafka::progress::ProgressNow;
use kaftop_core::kafka::sampler::StartAt;
use kaftop_core::metrics::{ClusterMetrics, FocusMetrics};
use kaftop_core::monitor::{keep_rows_shown, Focus, Pace, ALL_ROWS_HELD_UP_TO};

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
    /// Read-only mode: publishing, bulk tests and starting the services are
    /// refused (and shown as disabled in the help).
    pub read_only: bool,
    /// Who describes the groups when the cluster does not (the demo's consumers):
    /// said in the groups view's header.
    pub groups_reported_by: Option<&'static str>,
    /// The wait between refreshes at start (`+`/`-` change it).
    pub poll_interval: std::time::Duration,
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
            first_message_id: kaftop_core::events::fresh_message_id(now_ms).max(1),
            max_records: 2000,
            tail_start: StartAt::LastN(100),
            read_only: cfg.read_only,
            groups_reported_by: None,
            poll_interval: cfg.poll_interval,
        }
    }
}

/// The seed's three event topics (the publisher's targets, the default tail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTopics {
    pub created: String,
    pub read: String,
    pub deleted: String,
}

impl EventTopics {
    pub fn for_kind(&self, kind: EventKind) -> &str {
        match kind {
            EventKind::Created => &self.created,
            EventKind::Read => &self.read,
            EventKind::Deleted => &self.deleted,
        }
    }
}

/// How long a notice stays in the status bar.
const INFO_TTL_MS: i64 = 8_000;
const ERROR_TTL_MS: i64 = 30_000;

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

pub(crate) struct Shared {
    pub(crate) cfg: AppConfig,
    /// The last refresh that reached the cluster.
    pub(crate) cluster: Option<ClusterMetrics>,
    /// `None` until the first refresh.
    pub(crate) connected: Option<bool>,
    pub(crate) last_attempt_ms: Option<i64>,
    pub(crate) cluster_errors: Vec<String>,
    pub(crate) now_ms: i64,
    pub(crate) size: (u16, u16),
    pub(crate) notice: Option<Notice>,
    /// Counts notices, so a key knows whether it raised one.
    pub(crate) notices: u64,
    /// Why the dashboard cannot refresh at all (no client could be created).
    pub(crate) io_error: Option<String>,
    /// How the last refresh was paced (a refresh slower than the interval).
    pub(crate) pace: Option<Pace>,
    /// How far the running refresh has got.
    pub(crate) reading: Option<ProgressNow>,
    /// Something visible changed since the last frame.
    pub(crate) dirty: bool,
}

/// Milliseconds since the epoch as an event's time.
pub(crate) fn event_time(ms: i64) -> EventTime {
    EventTime(
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .naive_utc(),
    )
}

impl Shared {
    pub(crate) fn new(cfg: AppConfig) -> Self {
        Shared {
            cluster: None,
            connected: None,
            last_attempt_ms: None,
            cluster_errors: Vec::new(),
            now_ms: cfg.now_ms,
            size: (80, 24),
            notice: None,
            notices: 0,
            io_error: None,
            pace: None,
            reading: None,
            dirty: true,
            cfg,
        }
    }

    // ---- the incident snapshot ----

    /// Asks for an incident snapshot of the last refresh.
    pub(crate) fn write_incident(&mut self) -> Vec<Command> {
        match self.cluster.clone() {
            Some(c) => {
                self.info("writing an incident snapshot …");
                vec![Command::WriteIncident(Box::new(c))]
            }
            None => {
                self.error("no cluster data yet: nothing to snapshot");
                Vec::new()
            }
        }
    }

    pub(crate) fn on_incident_written(
        &mut self,
        result: Result<(std::path::PathBuf, std::path::PathBuf), String>,
    ) {
        match result {
            Ok((md, json)) => {
                let twin = if json == md.with_extension("json") {
                    ".json".to_string()
                } else {
                    json.display().to_string()
                };
                self.info(format!(
                    "incident snapshot written to {} (and {twin})",
                    md.display()
                ))
            }
            Err(e) => self.error(format!("incident snapshot: {e}")),
        }
    }

    // ---- what the cluster holds ----

    pub(crate) fn topic_names(&self) -> Option<Vec<String>> {
        self.cluster
            .as_ref()
            .map(|c| c.topics.iter().map(|t| t.name.clone()).collect())
    }

    pub(crate) fn group_names(&self) -> Option<Vec<String>> {
        self.cluster
            .as_ref()
            .map(|c| c.groups.iter().map(|g| g.group_id.clone()).collect())
    }

    /// `None` until the first refresh.
    pub(crate) fn has_topic(&self, name: &str) -> Option<bool> {
        self.cluster
            .as_ref()
            .map(|c| c.topics.iter().any(|t| t.name == name))
    }

    /// `None` until the first refresh.
    pub(crate) fn has_group(&self, name: &str) -> Option<bool> {
        self.cluster
            .as_ref()
            .map(|c| c.groups.iter().any(|g| g.group_id == name))
    }

    /// The first key of `action` in `scope`, for texts that name it.
    pub(crate) fn key(&self, scope: Scope, action: Action) -> String {
        self.cfg.keymap.first_key(scope, action).unwrap_or_default()
    }

    /// Rows a page key moves.
    pub(crate) fn page(&self) -> isize {
        (self.size.1 as isize - 8).max(1)
    }

    // ---- notices ----

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: Level::Info,
            text: text.into(),
            at_ms: self.now_ms,
            source: None,
        });
        self.notices += 1;
    }

    /// An error about what the user typed or asked for.
    /// In read-only mode: says that `action` is refused and returns true.
    pub(crate) fn refuse_in_read_only(&mut self, action: &str) -> bool {
        if !self.cfg.read_only {
            return false;
        }
        let refusal = kaftop_core::config::ReadOnly {
            action: action.to_string(),
            profile: self.cfg.profile.clone(),
        };
        self.error(refusal.to_string());
        true
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.error_from(Source::Input, text);
    }

    pub(crate) fn error_from(&mut self, source: Source, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: Level::Error,
            text: text.into(),
            at_ms: self.now_ms,
            source: Some(source),
        });
        self.notices += 1;
    }

    /// What the error notice is about (`None`: no error shown).
    pub(crate) fn error_source(&self) -> Option<Source> {
        self.notice.as_ref().and_then(|n| n.source)
    }

    /// Removes the error notice if it is about one of `sources`: they succeeded
    /// since, so it is old news.
    pub(crate) fn clear_errors(&mut self, sources: &[Source]) {
        if self.error_source().is_some_and(|s| sources.contains(&s)) {
            self.notice = None;
            self.dirty = true;
        }
    }

    pub(crate) fn expire_notice(&mut self) {
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

    // ---- the cluster ----

    /// A refresh; `shown` is what is on screen now, whose rows it keeps.
    /// Returns the metrics it replaced (none when it could not reach the
    /// cluster: the last ones stay shown).
    pub(crate) fn on_cluster(
        &mut self,
        mut m: ClusterMetrics,
        shown: &Focus,
    ) -> Option<ClusterMetrics> {
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
        self.dirty = true;
        if !m.connected {
            return None;
        }
        if was == Some(false) {
            self.info("reconnected");
        }
        // The monitor kept the rows of what was shown when it refreshed
        // (`MonitorOptions::shown_rows_only_above`); what is shown now may be less.
        keep_rows_shown(&mut m, shown, ALL_ROWS_HELD_UP_TO);
        self.cluster.replace(m)
    }

    /// Whether `cluster` left out the partition rows of group `id` (a large
    /// cluster: [`keep_rows_shown`]).
    pub(crate) fn rows_not_held(&self, id: &str) -> bool {
        self.cluster
            .as_ref()
            .is_some_and(|c| c.not_held.groups.contains(id))
    }

    /// Whether `cluster` left out the partitions of topic `name`.
    pub(crate) fn partitions_not_held(&self, name: &str) -> bool {
        self.cluster
            .as_ref()
            .is_some_and(|c| c.not_held.topics.contains(name))
    }

    /// A refresh, when `shown` draws rows and something of it is without them
    /// here: the refresh keeps them, since they are then shown.
    pub(crate) fn read_rows_of(&self, shown: &Focus) -> Vec<Command> {
        let missing = shown.draws_rows
            && (shown.groups.iter().any(|g| self.rows_not_held(g))
                || shown.topics.iter().any(|t| self.partitions_not_held(t)));
        if missing {
            vec![Command::RefreshNow]
        } else {
            Vec::new()
        }
    }

    /// The focused groups and topics, read ahead of the next refresh: each
    /// replaces its namesake in the metrics held; what they do not name stays
    /// as the last refresh left it (one not held yet waits for the refresh).
    pub(crate) fn on_focus(&mut self, m: FocusMetrics) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        // A large cluster's read of a list's rows brings their totals only
        // (`Focus::draws_rows`): rows it lacks are not held.
        for g in m.groups {
            if let Some(held) = c.groups.iter_mut().find(|h| h.group_id == g.group_id) {
                if !g.rows.is_empty() {
                    c.not_held.groups.remove(&g.group_id);
                } else if !held.rows.is_empty() {
                    c.not_held.groups.insert(g.group_id.clone());
                }
                *held = g;
            }
        }
        for t in m.topics {
            if let Some(held) = c.topics.iter_mut().find(|h| h.name == t.name) {
                if !t.partitions.is_empty() {
                    c.not_held.topics.remove(&t.name);
                } else if !held.partitions.is_empty() {
                    c.not_held.topics.insert(t.name.clone());
                }
                *held = t;
            }
        }
        self.dirty = true;
    }

    /// Why no cluster data can be shown yet, once a refresh failed: the reason
    /// and when it was last tried. `None` while the first refresh is pending or
    /// after one succeeded.
    pub(crate) fn unreachable_text(&self) -> Option<String> {
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
                kaftop_core::present::clock(at, self.cfg.utc_offset_secs)
            ));
        }
        Some(text)
    }
}

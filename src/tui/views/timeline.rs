//! Timeline: what changed in the cluster, newest first (members, rebalances,
//! brokers, leaders, ISR, topics; see `metrics::timeline`). The filter matches the
//! group, the topic or the event's name; one key keeps only warnings and critical
//! events; `Enter` opens the event's group or topic.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::Cell;
use ratatui::Frame;

use super::{placeholder, view_block, Go, Outcome, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::shared::Shared;
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::table::{self, Column};
use crate::tui::widgets::theme;
use kaftop_core::metrics::{ClusterMetrics, Severity, TimelineEvent};
use kaftop_core::present::{self, text};

/// The timeline list: its selection, filter and severity floor.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub(crate) list: ListState,
    /// Only warnings and critical events.
    pub(crate) warnings_only: bool,
}

impl Timeline {
    /// The events that pass the filter and the severity floor, newest first.
    pub(crate) fn visible<'a>(
        &self,
        cluster: Option<&'a ClusterMetrics>,
    ) -> Vec<&'a TimelineEvent> {
        let Some(c) = cluster else {
            return Vec::new();
        };
        let f = self.list.filter.to_lowercase();
        // Newest refresh first; the events of one refresh in the order found
        // (a broker down before the leaders it moved).
        c.timeline
            .chunk_by(|a, b| a.at_ms == b.at_ms)
            .rev()
            .flatten()
            .filter(|e| !self.warnings_only || e.severity >= Severity::Warn)
            .filter(|e| f.is_empty() || matches(e, &f))
            .collect()
    }
}

/// The lowercase filter `f` is in the event's group, topic or name.
fn matches(e: &TimelineEvent, f: &str) -> bool {
    let has = |s: &Option<String>| s.as_ref().is_some_and(|s| s.to_lowercase().contains(f));
    has(&e.group) || has(&e.topic) || e.kind.label().to_lowercase().contains(f)
}

impl View for Timeline {
    fn title(&self) -> &'static str {
        "Timeline"
    }

    fn scope(&self) -> Scope {
        Scope::Timeline
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Open, Action::Filter, Action::WarningsOnly]
    }

    fn list(&self) -> Option<&ListState> {
        Some(&self.list)
    }

    fn list_mut(&mut self) -> Option<&mut ListState> {
        Some(&mut self.list)
    }

    fn rows(&self, shared: &Shared) -> usize {
        self.visible(shared.cluster.as_ref()).len()
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        if action == Action::WarningsOnly {
            self.warnings_only = !self.warnings_only;
            self.list.cursor.top();
            return Outcome::default();
        }
        let selected = self
            .visible(shared.cluster.as_ref())
            .get(self.list.cursor.selected())
            .map(|e| (e.group.clone(), e.topic.clone()));
        match (action, selected) {
            (Action::Open, Some((Some(group), _))) => Outcome::go(Go::Group(group)),
            (Action::Open, Some((None, Some(topic)))) => Outcome::go(Go::Topic(topic)),
            _ => Outcome::default(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Info => theme::dim(),
        Severity::Warn => theme::warn(),
        Severity::Crit => theme::danger(),
    }
}

fn draw(view: &Timeline, f: &mut Frame, area: Rect, shared: &Shared) {
    let events = view.visible(shared.cluster.as_ref());
    let floor = if view.warnings_only {
        ", warnings only"
    } else {
        ""
    };
    let block = view_block(
        format!("Timeline ({} events{floor})", events.len()),
        &view.list.filter,
    );
    let Some(cluster) = &shared.cluster else {
        let text = shared
            .unreachable_text()
            .unwrap_or_else(|| "Waiting for the first refresh …".into());
        return placeholder(f, area, block, &text);
    };
    if cluster.timeline.is_empty() {
        return placeholder(
            f,
            area,
            block,
            "No changes seen yet. Each refresh is compared with the one before: members \
             joining and leaving, rebalances, brokers, leaders, ISR and topics show here.",
        );
    }
    let subject_w = events
        .iter()
        .map(|e| text::width(&text::visible(&e.subject())))
        .max()
        .unwrap_or(0)
        .clamp(7, 36) as u16;
    let columns = [
        Column::left("TIME", Constraint::Length(8)),
        Column::left("SEV", Constraint::Length(4)),
        Column::left("EVENT", Constraint::Length(17)),
        Column::left("SUBJECT", Constraint::Length(subject_w)),
        Column::left("WHAT", Constraint::Min(20)),
    ];
    let offset = shared.cfg.utc_offset_secs;
    table::draw(
        f,
        area,
        block,
        &columns,
        events.len(),
        &view.list.cursor,
        |i, _| {
            let e = events[i];
            vec![
                Cell::from(present::clock(e.at_ms, offset)),
                Cell::from(e.severity.as_str()).style(severity_style(e.severity)),
                Cell::from(e.kind.label()),
                Cell::from(text::visible(&e.subject()).into_owned()),
                Cell::from(text::visible(&e.text).into_owned()),
            ]
        },
    );
}

//! The overview, the start screen: the cluster's header, a throughput chart of
//! the last 10 minutes, the busiest topics, the groups worst first,
//! the latest timeline events and a ticker of records from the busiest topics.
//! Each list is a pane; `h`/`l` move the focus between them and `Enter` opens
//! the selected row's detail view. State and keys here; drawing in `draw` and
//! `panes`; the ticker's buffer in `ticker`.

mod draw;
mod panes;
pub(crate) mod ticker;

use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Go, Outcome, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::event::Event;
use crate::tui::shared::Shared;
use crate::tui::widgets::cursor::ListCursor;
use kaftop_core::metrics::{ClusterMetrics, GroupMetrics, TimelineEvent, TopicMetrics};
use kaftop_core::report::rank;
pub use ticker::Ticker;

/// The panes that have rows, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Groups,
    Topics,
    Events,
    Records,
}

impl Pane {
    const ALL: [Pane; 4] = [Pane::Groups, Pane::Topics, Pane::Events, Pane::Records];

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub focus: Pane,
    cursors: [ListCursor; 4],
    pub ticker: Ticker,
}

/// The rows of the panes, in the order they are shown.
pub(crate) struct Rows<'a> {
    pub groups: Vec<&'a GroupMetrics>,
    pub topics: Vec<&'a TopicMetrics>,
    /// Newest first.
    pub events: Vec<&'a TimelineEvent>,
}

impl<'a> Rows<'a> {
    pub(crate) fn of(c: &'a ClusterMetrics) -> Self {
        Rows {
            groups: rank::groups_by_severity(&c.groups),
            topics: rank::topics_by_rate(&c.topics),
            events: c.timeline.iter().rev().collect(),
        }
    }
}

impl Overview {
    pub(crate) fn cursor(&self, pane: Pane) -> &ListCursor {
        &self.cursors[pane.index()]
    }

    fn len(&self, pane: Pane, shared: &Shared) -> usize {
        let Some(c) = &shared.cluster else {
            return match pane {
                Pane::Records => self.ticker.len(),
                _ => 0,
            };
        };
        match pane {
            Pane::Groups => c.groups.len(),
            Pane::Topics => c.topics.iter().filter(|t| !t.internal).count(),
            Pane::Events => c.timeline.len(),
            Pane::Records => self.ticker.len(),
        }
    }

    fn focus_by(&mut self, delta: isize) {
        let n = Pane::ALL.len() as isize;
        let at = (self.focus.index() as isize + delta).rem_euclid(n);
        self.focus = Pane::ALL[at as usize];
    }

    /// Where `Enter` on the focused pane's selected row goes.
    fn open(&self, shared: &Shared) -> Option<Go> {
        let sel = self.cursor(self.focus).selected();
        if self.focus == Pane::Records {
            let r = self.ticker.newest_first().nth(sel)?;
            return Some(Go::Record {
                topic: r.topic.clone(),
                partition: r.partition,
                offset: r.offset,
            });
        }
        let rows = Rows::of(shared.cluster.as_ref()?);
        match self.focus {
            Pane::Groups => Some(Go::Group(rows.groups.get(sel)?.group_id.clone())),
            Pane::Topics => Some(Go::Topic(rows.topics.get(sel)?.name.clone())),
            Pane::Events => {
                let e = rows.events.get(sel)?;
                match (&e.group, &e.topic) {
                    (Some(g), _) => Some(Go::Group(g.clone())),
                    (None, Some(t)) => Some(Go::Topic(t.clone())),
                    (None, None) => None,
                }
            }
            Pane::Records => None,
        }
    }
}

impl View for Overview {
    fn title(&self) -> &'static str {
        "Overview"
    }

    fn scope(&self) -> Scope {
        Scope::Overview
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Open, Action::NextPane, Action::IncidentSnapshot]
    }

    fn selected(&self) -> usize {
        self.cursor(self.focus).selected()
    }

    /// A click focuses the pane under it and selects the row there.
    fn click(&mut self, col: u16, row: u16, shared: &Shared) -> bool {
        let Some(pane) = Pane::ALL
            .into_iter()
            .find(|p| self.cursors[p.index()].covers(col, row))
        else {
            return false;
        };
        self.focus = pane;
        let len = self.len(pane, shared);
        super::select_at(&mut self.cursors[pane.index()], col, row, len);
        true
    }

    fn move_by(&mut self, delta: isize, shared: &Shared) {
        let len = self.len(self.focus, shared);
        self.cursors[self.focus.index()].move_by(delta, len);
    }

    fn on_io(&mut self, event: Event, shown: bool, shared: &mut Shared) -> Option<Event> {
        match event {
            Event::Ticker { session, event } => {
                let news = self.ticker.on_sampler(session, event);
                shared.dirty |= news && shown;
                None
            }
            other => Some(other),
        }
    }

    /// The ticker samples only while the overview is shown.
    fn steer(&mut self, shown: bool, shared: &Shared) -> Vec<Command> {
        self.ticker
            .steer(shown, shared.cluster.as_ref())
            .into_iter()
            .collect()
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match action {
            Action::NextPane => self.focus_by(1),
            Action::PrevPane => self.focus_by(-1),
            Action::Open => {
                if let Some(go) = self.open(shared) {
                    return Outcome::go(go);
                }
            }
            _ => {}
        }
        Outcome::default()
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw::draw(self, f, area, shared);
    }
}

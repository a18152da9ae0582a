//! Consumer groups: type (protocol), state, members, total lag with its trend, time lag
//! (`~`: estimated), ETA, the lag status in colour, and what is wrong (a stuck
//! partition, data loss or its forecast, partitions never committed); alerting
//! groups are marked `!`.

use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;
use ratatui::Frame;

use super::{placeholder, view_block, Go, Outcome, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::shared::Shared;
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::theme;
use kaftop_core::kafka::group_types::unsupported_note;
use kaftop_core::metrics::{ClusterMetrics, GroupMetrics};
use kaftop_core::monitor::Focus;
use kaftop_core::present::{self, spark, text};
use kaftop_core::report::words;

const FIXED: u16 = 20 + 9 + 8 + 14 + 9 + 15 + 7;
/// Room kept for the notes (stuck, data loss) before the trend gets any, from
/// this width on (narrower, the group view's summary says it).
const NOTES: u16 = 30;
const WITH_NOTES: u16 = 140;

/// The groups list: its selection and filter.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub(crate) list: ListState,
}

impl Groups {
    /// The groups that match the filter.
    pub(crate) fn visible<'a>(&self, cluster: Option<&'a ClusterMetrics>) -> Vec<&'a GroupMetrics> {
        let Some(c) = cluster else {
            return Vec::new();
        };
        let f = self.list.filter.to_lowercase();
        c.groups
            .iter()
            .filter(|g| f.is_empty() || g.group_id.to_lowercase().contains(&f))
            .collect()
    }
}

impl View for Groups {
    fn title(&self) -> &'static str {
        "Groups"
    }

    fn scope(&self) -> Scope {
        Scope::Groups
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Open, Action::Filter]
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

    fn focus(&self, shared: &Shared) -> Focus {
        let groups = self.visible(shared.cluster.as_ref());
        let shown = self.list.cursor.shown(groups.len());
        Focus {
            groups: groups[shown].iter().map(|g| g.group_id.clone()).collect(),
            ..Focus::default()
        }
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        let selected = self
            .visible(shared.cluster.as_ref())
            .get(self.list.cursor.selected())
            .map(|g| g.group_id.clone());
        match (action, selected) {
            (Action::Open, Some(name)) => Outcome::go(Go::Group(name)),
            _ => Outcome::default(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn draw(view: &Groups, f: &mut Frame, area: Rect, shared: &Shared) {
    let groups = view.visible(shared.cluster.as_ref());
    let mut title = match shared.cfg.groups_reported_by {
        Some(by) => format!("Consumer groups ({}), {by}", groups.len()),
        None => format!("Consumer groups ({})", groups.len()),
    };
    // An older broker's missing group types are said, not left as an absence.
    let missing = shared
        .cluster
        .as_ref()
        .map(|c| &c.unsupported_group_types[..]);
    if let Some(note) = missing.and_then(unsupported_note) {
        title = format!("{title} · {note}");
    }
    let block = view_block(title, &view.list.filter);
    let Some(cluster) = &shared.cluster else {
        let text = shared
            .unreachable_text()
            .unwrap_or_else(|| "Waiting for the first refresh …".into());
        return placeholder(f, area, block, &text);
    };
    if cluster.groups.is_empty() {
        return placeholder(
            f,
            area,
            block,
            "No consumer groups with committed offsets yet.",
        );
    }
    // Wide screens get the notes column; the trend gets what is left.
    let notes = if area.width >= WITH_NOTES { NOTES } else { 0 };
    // `Classic (connect)`: the type column widens only for such a group.
    let types: Vec<String> = groups
        .iter()
        .map(|g| {
            g.type_label()
                .map_or_else(|| "-".into(), |t| text::visible(&t).into())
        })
        .collect();
    let type_w = types
        .iter()
        .map(|t| text::width(t).min(24) as u16)
        .max()
        .unwrap_or(0)
        .max(8);
    let spare = area
        .width
        .saturating_sub(FIXED + (type_w - 8) + 2 + 30 + notes);
    let spark_w = if spare >= 5 {
        spare.min(24) as usize
    } else {
        0
    };
    let trend = if spark_w >= 9 { "LAG TREND" } else { "TREND" };
    let mut columns = vec![
        Column::left("GROUP", Constraint::Min(16)),
        Column::left("STATE", Constraint::Length(19)).drop_first(4),
        Column::left("TYPE", Constraint::Length(type_w)).drop_first(5),
        Column::right("MEMBERS", Constraint::Length(7)).drop_first(2),
        Column::right("LAG", Constraint::Length(13)),
        Column::left(trend, Constraint::Length(spark_w as u16)).drop_first(6),
        Column::right("TIME LAG", Constraint::Length(8)).drop_first(1),
        Column::right("ETA", Constraint::Length(14)).drop_first(3),
        Column::left("STATUS", Constraint::Length(6)),
    ];
    if notes > 0 {
        columns.push(Column::left("STUCK / DATA LOSS", Constraint::Min(notes)));
    }
    let fit = table::fit(&columns, area.width.saturating_sub(2));
    let names: Vec<_> = groups.iter().map(|g| text::visible(&g.group_id)).collect();
    let names = text::cut_apart(&names, fit.width(0));
    table::draw(
        f,
        area,
        block,
        &columns,
        groups.len(),
        &view.list.cursor,
        |i, _| {
            let g = groups[i];
            let name = names[i].clone();
            let lag = if g.alerting {
                right(format!("! {}", present::count_u(g.total_lag))).style(theme::danger())
            } else {
                right(present::count_u(g.total_lag))
            };
            let state = match (&g.error, g.state) {
                (Some(_), None) => Cell::from("error").style(theme::danger()),
                (_, Some(s)) => Cell::from(s.as_str()),
                (None, None) => Cell::from("-"),
            };
            let mut cells = vec![
                Cell::from(name),
                state,
                Cell::from(types[i].clone()),
                right(g.members.map_or_else(|| "-".into(), |m| m.to_string())),
                lag,
                Cell::from(spark::sparkline_u(&g.lag_history, spark_w)).style(theme::accent()),
                right(words::time_lag(g.time_lag.as_ref(), g.time_lag_secs)),
                right(words::eta(g.eta)),
                Cell::from(g.status.as_str()).style(theme::status(g.status)),
            ];
            if notes > 0 {
                cells.push(Cell::from(words::group_note(g)).style(theme::danger()));
            }
            cells
        },
    );
}

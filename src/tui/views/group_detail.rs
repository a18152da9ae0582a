//! One group's partitions as `kafka-consumer-groups --describe` shows them:
//! TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID,
//! with each partition's time lag (`~`: estimated), status, and what is wrong
//! (stuck at an offset, data loss, never committed; `v` opens the record at
//! the committed offset in Messages); below them the members with what each owns
//! (and, in a consumer-protocol group, what each should own). A Streams group
//! adds its subtopologies with their source topics, and each member's tasks.

use std::sync::Arc;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{placeholder, view_block, Go, Outcome, View, ViewId};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::ops::forms::Form;
use crate::tui::shared::Shared;
use crate::tui::widgets::list::ListState;
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::theme;
use kaftop_core::kafka::admin::GroupType;
use kaftop_core::kafka::group_types::StreamsDetail;
use kaftop_core::metrics::{GroupMetrics, GroupPartitionRow, StatusReason};
use kaftop_core::monitor::Focus;
use kaftop_core::present::{self, text};
use kaftop_core::report::words;

/// One group's partitions, with their selection and filter.
#[derive(Debug, Clone, Default)]
pub struct GroupDetail {
    pub(crate) name: Option<String>,
    pub(crate) list: ListState,
}

/// The partitions as `kafka-consumer-groups --describe` lists them, tab-separated
/// (what `y` copies).
fn describe_table(group: &str, rows: &[&GroupPartitionRow]) -> String {
    let opt = |v: &Option<Arc<str>>| v.as_deref().unwrap_or("-").to_string();
    let mut out = String::from(
        "GROUP\tTOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG\tCONSUMER-ID\tHOST\tCLIENT-ID\n",
    );
    for r in rows {
        let line = [
            group.to_string(),
            r.topic.to_string(),
            r.partition.to_string(),
            present::offset(r.current_offset),
            present::offset(r.log_end_offset),
            present::lag_digits(r.lag, r.raw_lag),
            opt(&r.consumer_id),
            opt(&r.host),
            opt(&r.client_id),
        ];
        out.push_str(&line.join("\t"));
        out.push('\n');
    }
    out
}

impl GroupDetail {
    /// Shows `name`, from its first row and unfiltered unless it is already shown.
    pub(crate) fn open(&mut self, name: String) {
        if self.name.as_deref() != Some(&name) {
            self.list = ListState::default();
        }
        self.name = Some(name);
    }

    pub(crate) fn current<'a>(&self, shared: &'a Shared) -> Option<&'a GroupMetrics> {
        let name = self.name.as_deref()?;
        shared
            .cluster
            .as_ref()?
            .groups
            .iter()
            .find(|g| g.group_id == name)
    }

    /// The rows that match the filter (by topic).
    pub(crate) fn visible<'a>(&self, shared: &'a Shared) -> Vec<&'a GroupPartitionRow> {
        let Some(g) = self.current(shared) else {
            return Vec::new();
        };
        let f = self.list.filter.to_lowercase();
        g.rows
            .iter()
            .filter(|r| f.is_empty() || r.topic.to_lowercase().contains(&f))
            .collect()
    }
}

impl GroupDetail {
    /// The record at the committed offset of the selected partition; when that
    /// one has none, of the longest-stuck partition (the likely culprit).
    fn committed_record(&self, shared: &Shared) -> Option<Go> {
        let rows = self.visible(shared);
        let selected = rows
            .get(self.list.cursor.selected())
            .filter(|r| r.current_offset.is_some());
        let stuck = || {
            rows.iter().filter(|r| r.stuck.is_some()).max_by(|a, b| {
                let secs = |r: &GroupPartitionRow| r.stuck.as_ref().map_or(0.0, |s| s.for_secs);
                secs(a).total_cmp(&secs(b))
            })
        };
        let row = selected.or_else(stuck)?;
        Some(Go::Record {
            topic: row.topic.to_string(),
            partition: row.partition,
            offset: row.current_offset?,
        })
    }
}

impl View for GroupDetail {
    fn title(&self) -> &'static str {
        "Group"
    }

    fn scope(&self) -> Scope {
        Scope::GroupDetail
    }

    fn parent(&self) -> Option<ViewId> {
        Some(ViewId::Groups)
    }

    fn crumb(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::OpenCommitted, Action::Filter, Action::Back]
    }

    fn list(&self) -> Option<&ListState> {
        Some(&self.list)
    }

    fn list_mut(&mut self) -> Option<&mut ListState> {
        Some(&mut self.list)
    }

    fn rows(&self, shared: &Shared) -> usize {
        self.visible(shared).len()
    }

    fn focus(&self, _shared: &Shared) -> Focus {
        Focus {
            groups: self.name.iter().cloned().collect(),
            draws_rows: true,
            ..Focus::default()
        }
    }

    fn show(&mut self, go: Go, shared: &mut Shared) -> Vec<Command> {
        let Go::Group(name) = go else {
            return Vec::new();
        };
        // A large cluster's refresh kept only the rows then on screen.
        self.open(name);
        shared.read_rows_of(&self.focus(shared))
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match (action, self.name.clone()) {
            (Action::ResetOffsets, Some(group)) => {
                let topic = self
                    .visible(shared)
                    .get(self.list.cursor.selected())
                    .map(|r| r.topic.clone());
                Outcome::dialog(Form::ResetOffsets { group }, topic.as_deref())
            }
            (Action::Copy, Some(group)) => {
                let text = describe_table(&group, &self.visible(shared));
                shared.info(format!("copied the partitions of {group}"));
                Outcome::commands(vec![Command::Copy(text)])
            }
            (Action::OpenCommitted, Some(_)) => match self.committed_record(shared) {
                Some(go) => Outcome::go(go),
                None => {
                    shared.info("no committed offset on this partition");
                    Outcome::default()
                }
            },
            _ => Outcome::default(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn draw(view: &GroupDetail, f: &mut Frame, area: Rect, shared: &Shared) {
    let name = view.name.clone().unwrap_or_default();
    let Some(g) = view.current(shared) else {
        let text = if shared.cluster.is_none() {
            shared
                .unreachable_text()
                .unwrap_or_else(|| "Waiting for the first refresh …".into())
        } else {
            format!(
                "Group `{}` has no committed offsets on the cluster.",
                text::visible(&name)
            )
        };
        let title = format!("Group {}", text::visible(&name));
        return placeholder(f, area, view_block(title, ""), &text);
    };
    let why = why_line(g);
    let summary_h = match (area.height >= 10, why.is_empty()) {
        (false, _) => 0,
        (true, true) => 2,
        (true, false) => 3,
    };
    let members_h = members_height(area.height, g.member_details.len());
    let topology_h = g
        .streams()
        .map_or(0, |d| topology_height(area.height, d.subtopologies.len()));
    let [summary, rest, topology, members] = Layout::vertical([
        Constraint::Length(summary_h),
        Constraint::Min(0),
        Constraint::Length(topology_h),
        Constraint::Length(members_h),
    ])
    .areas(area);
    if summary_h > 0 {
        draw_summary(f, summary, g, why);
    }
    if let (true, Some(d)) = (topology_h > 0, g.streams()) {
        draw_topology(f, topology, d);
    }
    if members_h > 0 {
        draw_members(f, members, g);
    }
    if shared.rows_not_held(&g.group_id) {
        let title = format!("Group {}", text::visible(&g.group_id));
        let text = format!(
            "Reading the partitions of `{}` …",
            text::visible(&g.group_id)
        );
        return placeholder(f, rest, view_block(title, ""), &text);
    }
    let rows = view.visible(shared);
    // Wide screens only; narrower, the summary above names the worst.
    let notes = rest.width >= 150;
    let longest = rows
        .iter()
        .map(|r| text::width(&text::visible(&r.topic)))
        .max()
        .unwrap_or(0);
    let topic_w = (longest as u16).clamp(5, (rest.width / 3).max(5));
    let mut columns = vec![
        // Topic names in full (up to a point): they are what rows are told apart by.
        Column::left("TOPIC", Constraint::Length(topic_w)),
        Column::right("PARTITION", Constraint::Length(9)),
        Column::right("CURRENT-OFFSET", Constraint::Length(14)).drop_first(3),
        Column::right("LOG-END-OFFSET", Constraint::Length(14)).drop_first(2),
        Column::right("LAG", Constraint::Length(10)),
        Column::right("TIME LAG", Constraint::Length(8)).drop_first(1),
        Column::left("CONSUMER-ID", Constraint::Fill(3)).drop_first(4),
        Column::left("HOST", Constraint::Length(15)).drop_first(6),
        Column::left("CLIENT-ID", Constraint::Min(9)).drop_first(5),
        Column::left("STATUS", Constraint::Length(6)),
    ];
    if notes {
        columns.push(Column::left("STUCK / DATA LOSS", Constraint::Fill(5)));
    }
    let block = view_block(
        format!(
            "Group {} · {} partitions",
            text::visible(&g.group_id),
            g.rows.len()
        ),
        &view.list.filter,
    );
    table::draw(
        f,
        rest,
        block,
        &columns,
        rows.len(),
        &view.list.cursor,
        |i, _| {
            let r = rows[i];
            let dash = || "-".to_string();
            let mut cells = vec![
                Cell::from(text::visible(&r.topic).into_owned()),
                right(r.partition.to_string()),
                right(present::offset(r.current_offset)),
                right(present::offset(r.log_end_offset)),
                right(present::lag(r.lag, r.raw_lag)),
                right(words::time_lag(r.time_lag.as_ref(), r.time_lag_secs)),
                Cell::from(r.consumer_id.as_deref().map_or_else(dash, as_seen)),
                Cell::from(r.host.as_deref().map_or_else(dash, as_seen)),
                Cell::from(r.client_id.as_deref().map_or_else(dash, as_seen)),
                Cell::from(r.status.as_str()).style(theme::status(r.status)),
            ];
            if notes {
                cells.push(Cell::from(words::row_note(r)).style(theme::danger()));
            }
            cells
        },
    );
}

fn draw_summary(f: &mut Frame, area: Rect, g: &GroupMetrics, why: String) {
    let lag_style = if g.alerting {
        theme::danger()
    } else {
        theme::ok()
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", text::visible(&g.group_id)), theme::title()),
            Span::raw(format!(
                " {} · {} · {} members · ",
                g.state.map_or("unknown", |s| s.as_str()),
                g.type_label()
                    .map_or_else(|| "unknown".into(), |t| text::visible(&t).into_owned()),
                g.members.map_or_else(|| "?".into(), |m| m.to_string())
            )),
            Span::styled(g.status.as_str(), theme::status(g.status)),
            Span::raw(" · lag "),
            Span::styled(
                format!(
                    "{} (threshold {}{})",
                    present::count_u(g.total_lag),
                    present::count_u(g.threshold),
                    if g.alerting { ", ALERT" } else { "" }
                ),
                lag_style,
            ),
        ]),
        Line::from(format!(
            " consuming {} msg/s · producing {} msg/s · time lag {} · ETA {}{}",
            present::rate(g.consume_rate),
            present::rate(g.produce_rate),
            words::time_lag(g.time_lag.as_ref(), g.time_lag_secs),
            words::eta(g.eta),
            g.error
                .as_ref()
                .map(|e| format!(" · error: {e}"))
                .unwrap_or_default()
        )),
        Line::from(Span::styled(why, theme::danger())),
    ];
    f.render_widget(Paragraph::new(lines), area);
}

/// What is wrong and why the time lag is only an estimate: why the status is
/// not OK, a stuck partition,
/// data loss, partitions never committed, the time-lag threshold passed
/// ("" when nothing is).
fn why_line(g: &GroupMetrics) -> String {
    // Why the status is not OK, unless the group's note below says it.
    let mut parts: Vec<String> = g
        .status_reason
        .filter(|r| match r {
            StatusReason::NeverCommitted => false,
            StatusReason::Frozen => g.stuck == 0,
            _ => true,
        })
        .map(|r| r.words().into())
        .into_iter()
        .collect();
    let note = words::group_note(g);
    if !note.is_empty() {
        parts.push(note);
    }
    if let Some(t) = &g.time_lag {
        if let Some(max) = g.max_time_lag_secs.filter(|max| t.secs > *max) {
            parts.push(format!("time lag over {}", present::secs(max)));
        }
        if let (false, Some(why)) = (t.exact, t.note.as_deref()) {
            parts.push(format!("time lag estimated: {why}"));
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(" {}", parts.join(" · "))
}

/// Rows of the members pane: header and borders plus one per member, at most a
/// third of the view; none on small screens or without members.
fn members_height(area_h: u16, members: usize) -> u16 {
    if members == 0 || area_h < 16 {
        return 0;
    }
    (members as u16).saturating_add(3).min(area_h / 3)
}

/// Rows of a Streams group's subtopologies pane: borders and header plus one
/// per subtopology, at most a quarter of the view; none on small screens.
fn topology_height(area_h: u16, subtopologies: usize) -> u16 {
    if subtopologies == 0 || area_h < 20 {
        return 0;
    }
    (subtopologies as u16).saturating_add(3).min(area_h / 4)
}

/// A Streams group's subtopologies: the topics each reads (its tasks are one per
/// partition of them) and the changelogs of its state.
fn draw_topology(f: &mut Frame, area: Rect, d: &StreamsDetail) {
    let shown = area.height.saturating_sub(3) as usize;
    let more = d.subtopologies.len().saturating_sub(shown);
    let epoch = d
        .topology_epoch
        .map(|e| format!(" · topology epoch {e}"))
        .unwrap_or_default();
    let title = if more > 0 {
        format!(
            "Subtopologies ({}, {more} not shown){epoch}",
            d.subtopologies.len()
        )
    } else {
        format!("Subtopologies ({}){epoch}", d.subtopologies.len())
    };
    let topics = |ts: &[String]| -> String {
        if ts.is_empty() {
            "-".into()
        } else {
            ts.iter().map(|t| as_seen(t)).collect::<Vec<_>>().join(", ")
        }
    };
    let rows = d.subtopologies.iter().take(shown).map(|s| {
        Row::new(vec![
            Cell::from(as_seen(&s.id)),
            Cell::from(topics(&s.source_topics)),
            Cell::from(topics(&s.repartition_source_topics)),
            Cell::from(topics(&s.changelog_topics)).style(theme::dim()),
        ])
    });
    let header = Row::new(vec![
        Cell::from("SUBTOPOLOGY"),
        Cell::from("SOURCE TOPICS"),
        Cell::from("REPARTITION TOPICS"),
        Cell::from("CHANGELOG TOPICS"),
    ])
    .style(theme::header_row());
    let widths = [
        Constraint::Length(11),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(view_block(title, ""));
    f.render_widget(table, area);
}

fn draw_members(f: &mut Frame, area: Rect, g: &GroupMetrics) {
    // A Streams group's members: their tasks, as kafka-streams-groups prints them
    // (the partitions each reads are in the table above).
    let streams = g.streams().is_some();
    // Groups with a target assignment: consumer-protocol and Streams groups.
    let consumer =
        !streams && matches!(g.group_type, Some(GroupType::Consumer | GroupType::Streams));
    let shown = area.height.saturating_sub(3) as usize;
    let more = g.member_details.len().saturating_sub(shown);
    let title = if more > 0 {
        format!("Members ({}, {more} not shown)", g.member_details.len())
    } else {
        format!("Members ({})", g.member_details.len())
    };
    let mut header = vec![
        Cell::from("CONSUMER-ID"),
        Cell::from("HOST"),
        Cell::from("CLIENT-ID"),
        right("#PARTITIONS"),
    ];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(15),
        Constraint::Fill(2),
        Constraint::Length(11),
    ];
    if streams {
        header.push(Cell::from("TASKS"));
        widths.push(Constraint::Fill(6));
    } else {
        header.push(Cell::from("ASSIGNMENT"));
        widths.push(Constraint::Fill(3));
    }
    if consumer {
        header.push(Cell::from("TARGET-ASSIGNMENT"));
        widths.push(Constraint::Fill(3));
    }
    let rows = g.member_details.iter().take(shown).map(|m| {
        let mut cells = vec![
            Cell::from(as_seen(&m.member_id)),
            Cell::from(as_seen(&m.host)),
            Cell::from(as_seen(&m.client_id)),
            right(m.assignment.len().to_string()),
        ];
        match g.streams_member(&m.member_id) {
            Some(s) => {
                let tasks = s.tasks.tool_text();
                // Tasks still moving to or from the member: the group is not
                // settled yet.
                let style = if s.tasks == s.target_tasks {
                    ratatui::style::Style::default()
                } else {
                    theme::warn()
                };
                let text = if tasks.is_empty() { "-".into() } else { tasks };
                cells.push(Cell::from(as_seen(&text)).style(style));
            }
            None if streams => cells.push(Cell::from("-")),
            None => cells.push(Cell::from(present::assignment(&m.assignment))),
        }
        if consumer {
            let target = m
                .target_assignment
                .as_deref()
                .map_or_else(|| "-".into(), present::assignment);
            // A member still converging on its target is what keeps the group
            // Reconciling.
            let style = if m.is_reconciling() {
                theme::warn()
            } else {
                theme::dim()
            };
            cells.push(Cell::from(target).style(style));
        }
        Row::new(cells)
    });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header_row()))
        .block(view_block(title, ""));
    f.render_widget(table, area);
}

/// Cluster text as shown (see `text::visible`).
fn as_seen(s: &str) -> String {
    text::visible(s).into_owned()
}

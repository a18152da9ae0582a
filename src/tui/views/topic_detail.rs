//! One topic's partition distribution: per partition messages, msg/s, leader,
//! replicas and ISR (under-replicated rows in red), a bar per partition, skew,
//! the hot partition and leaders per broker.

use crate::tui::ops::forms::Form;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};
use ratatui::Frame;

use super::{placeholder, view_block, Go, Outcome, View, ViewId};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::shared::Shared;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::table::{self, right, Cells, Column};
use crate::tui::widgets::theme;
use kaftop_core::metrics::TopicMetrics;
use kaftop_core::monitor::Focus;
use kaftop_core::present::{self, spark, text};

fn ids(v: &[i32]) -> String {
    v.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// One topic's partitions.
#[derive(Debug, Clone, Default)]
pub struct TopicDetail {
    pub(crate) name: Option<String>,
    pub(crate) cursor: ListCursor,
}

impl TopicDetail {
    /// Shows `name`, from its first row unless it is already shown.
    pub(crate) fn open(&mut self, name: String) {
        if self.name.as_deref() != Some(&name) {
            self.cursor = ListCursor::default();
        }
        self.name = Some(name);
    }

    pub(crate) fn current<'a>(&self, shared: &'a Shared) -> Option<&'a TopicMetrics> {
        let name = self.name.as_deref()?;
        shared
            .cluster
            .as_ref()?
            .topics
            .iter()
            .find(|t| t.name == name)
    }
}

impl View for TopicDetail {
    fn title(&self) -> &'static str {
        "Topic"
    }

    fn scope(&self) -> Scope {
        Scope::TopicDetail
    }

    fn parent(&self) -> Option<ViewId> {
        Some(ViewId::Topics)
    }

    fn focus(&self, _shared: &Shared) -> Focus {
        Focus {
            topics: self.name.iter().cloned().collect(),
            draws_rows: true,
            ..Focus::default()
        }
    }

    fn crumb(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::TailTopic, Action::Back]
    }

    fn selected(&self) -> usize {
        self.cursor.selected()
    }

    fn move_by(&mut self, delta: isize, shared: &Shared) {
        let len = self.current(shared).map_or(0, |t| t.partitions.len());
        self.cursor.move_by(delta, len);
    }

    fn show(&mut self, go: Go, shared: &mut Shared) -> Vec<Command> {
        let Go::Topic(name) = go else {
            return Vec::new();
        };
        self.open(name);
        shared.read_rows_of(&self.focus(shared))
    }

    fn act(&mut self, action: Action, _shared: &mut Shared) -> Outcome {
        match (action, &self.name) {
            (Action::TailTopic, Some(name)) => Outcome::go(Go::Messages(Some(name.clone()), None)),
            (Action::DeleteTopic | Action::AddPartitions | Action::EditConfig, Some(topic)) => {
                Outcome::dialog(Form::on_topic(action, topic.clone()), None)
            }
            _ => Outcome::default(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn draw(view: &TopicDetail, f: &mut Frame, area: Rect, shared: &Shared) {
    let name = view.name.clone().unwrap_or_default();
    let Some(t) = view.current(shared) else {
        let text = if shared.cluster.is_none() {
            shared
                .unreachable_text()
                .unwrap_or_else(|| "Waiting for the first refresh …".into())
        } else {
            format!("Topic `{name}` is not on the cluster (any more).")
        };
        return placeholder(f, area, view_block(format!("Topic {name}"), ""), &text);
    };
    let summary_h = if area.height >= 12 { 3 } else { 0 };
    let [summary, rest] =
        Layout::vertical([Constraint::Length(summary_h), Constraint::Min(0)]).areas(area);
    if summary_h > 0 {
        draw_summary(f, summary, t);
    }
    if shared.partitions_not_held(&t.name) {
        let title = format!("Topic {}", text::visible(&t.name));
        let text = format!("Reading the partitions of `{}` …", text::visible(&t.name));
        return placeholder(f, rest, view_block(title, ""), &text);
    }
    let max = t
        .partitions
        .iter()
        .filter_map(|p| p.messages)
        .max()
        .unwrap_or(0) as f64;
    let hot = t.distribution.hot_partition;
    let bar_w = (rest.width.saturating_sub(2 + 5 + 7 + 10 + 10 + 13 + 8 + 8) as usize).clamp(0, 40);
    let columns = [
        Column::right("P", Constraint::Length(4)),
        Column::right("LEADER", Constraint::Length(6)),
        Column::left("REPLICAS", Constraint::Length(9)),
        Column::left("ISR", Constraint::Length(9)),
        Column::right("MESSAGES", Constraint::Length(12)),
        Column::right("MSG/S", Constraint::Length(7)),
        Column::right("HIGH", Constraint::Length(7)),
        Column::left("DISTRIBUTION", Constraint::Length(bar_w as u16)),
    ];
    let block = view_block(
        format!(
            "Topic {} · {} partitions",
            text::visible(&t.name),
            t.partition_count
        ),
        "",
    );
    table::draw(
        f,
        rest,
        block,
        &columns,
        t.partitions.len(),
        &view.cursor,
        |i, _| {
            let p = &t.partitions[i];
            let bar = spark::bar(p.messages.unwrap_or(0) as f64, max, bar_w);
            let bar_style = if hot == Some(p.id) {
                theme::warn()
            } else {
                theme::accent()
            };
            let row = Cells::from(vec![
                right(p.id.to_string()),
                right(if p.leader < 0 {
                    "none".to_string()
                } else {
                    p.leader.to_string()
                }),
                Cell::from(ids(&p.replicas)),
                Cell::from(ids(&p.isr)),
                right(present::opt_count(p.messages)),
                right(present::rate(p.rate)),
                right(present::offset(p.high)),
                Cell::from(bar).style(bar_style),
            ]);
            if p.under_replicated || p.error.is_some() {
                row.style(theme::danger())
            } else {
                row
            }
        },
    );
}

fn draw_summary(f: &mut Frame, area: Rect, t: &TopicMetrics) {
    let d = &t.distribution;
    let urp = if t.under_replicated > 0 || t.offline > 0 {
        let mut text = format!("{} under-replicated", t.under_replicated);
        if t.under_min_isr > 0 {
            text.push_str(&format!(", {} under min ISR", t.under_min_isr));
            if let Some(m) = t.min_insync_replicas {
                text.push_str(&format!(" ({m})"));
            }
        }
        if t.offline > 0 {
            text.push_str(&format!(", {} offline", t.offline));
        }
        Span::styled(text, theme::danger())
    } else {
        Span::styled("all in sync", theme::ok())
    };
    let hot = match d.hot_partition {
        Some(p) => Span::styled(format!("hot partition {p}"), theme::warn()),
        None => Span::styled("no hot partition", theme::dim()),
    };
    let leaders = d
        .leaders_per_broker
        .iter()
        .map(|(b, n)| format!("broker {b}: {n}"))
        .collect::<Vec<_>>()
        .join("  ");
    let lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", text::visible(&t.name)), theme::title()),
            Span::raw(format!(
                " {} messages · {} msg/s · replication {} · ",
                present::count(t.messages),
                present::rate(t.rate),
                t.replication
            )),
            urp,
        ]),
        Line::from(vec![
            Span::raw(format!(
                " skew {:.2} (largest partition / mean {:.1}) · ",
                d.skew, d.mean_messages
            )),
            hot,
        ]),
        Line::from(format!(" leaders per broker: {leaders}")),
    ];
    f.render_widget(Paragraph::new(lines), area);
}

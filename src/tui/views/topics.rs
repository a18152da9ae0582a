//! Topics: every topic with partitions, replication, messages, msg/s and a
//! sparkline of the recent rate.

use crate::tui::ops::forms::Form;
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
use kaftop_core::metrics::{ClusterMetrics, TopicMetrics};
use kaftop_core::monitor::Focus;
use kaftop_core::present::{self, spark, text};

/// Fixed columns take this much; the name and the sparkline share the rest.
const FIXED: u16 = 6 + 5 + 14 + 9 + 4 + 6;

/// The topics list: its selection and filter.
#[derive(Debug, Clone, Default)]
pub struct Topics {
    pub(crate) list: ListState,
}

impl Topics {
    /// The topics that match the filter.
    pub(crate) fn visible<'a>(&self, cluster: Option<&'a ClusterMetrics>) -> Vec<&'a TopicMetrics> {
        let Some(c) = cluster else {
            return Vec::new();
        };
        let f = self.list.filter.to_lowercase();
        c.topics
            .iter()
            .filter(|t| f.is_empty() || t.name.to_lowercase().contains(&f))
            .collect()
    }

    fn selected_name(&self, shared: &Shared) -> Option<String> {
        self.visible(shared.cluster.as_ref())
            .get(self.list.cursor.selected())
            .map(|t| t.name.clone())
    }
}

impl View for Topics {
    fn title(&self) -> &'static str {
        "Topics"
    }

    fn scope(&self) -> Scope {
        Scope::Topics
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Open, Action::TailTopic, Action::Filter]
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
        let topics = self.visible(shared.cluster.as_ref());
        let shown = self.list.cursor.shown(topics.len());
        Focus {
            topics: topics[shown].iter().map(|t| t.name.clone()).collect(),
            ..Focus::default()
        }
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match (action, self.selected_name(shared)) {
            (Action::Open, Some(name)) => Outcome::go(Go::Topic(name)),
            (Action::TailTopic, Some(name)) => Outcome::go(Go::Messages(Some(name), None)),
            (Action::CreateTopic, _) => Outcome::dialog(Form::CreateTopic, None),
            (Action::DeleteTopic | Action::AddPartitions | Action::EditConfig, Some(topic)) => {
                Outcome::dialog(Form::on_topic(action, topic), None)
            }
            _ => Outcome::default(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn draw(view: &Topics, f: &mut Frame, area: Rect, shared: &Shared) {
    let topics = view.visible(shared.cluster.as_ref());
    let block = view_block(format!("Topics ({})", topics.len()), &view.list.filter);
    if shared.cluster.is_none() {
        let text = shared.unreachable_text().unwrap_or_else(|| {
            format!(
                "Waiting for the first refresh from {} …",
                shared.cfg.bootstrap
            )
        });
        return placeholder(f, area, block, &text);
    }
    let spare = area.width.saturating_sub(FIXED + 2);
    let spark_w = (spare / 2).clamp(0, 30) as usize;
    let columns = [
        Column::left("TOPIC", Constraint::Min(10)),
        Column::right("PARTS", Constraint::Length(5)).drop_first(4),
        Column::right("REPL", Constraint::Length(4)).drop_first(5),
        Column::right("MESSAGES", Constraint::Length(13)).drop_first(1),
        Column::right("MSG/S", Constraint::Length(8)).drop_first(2),
        Column::right("URP", Constraint::Length(3)).drop_first(3),
        Column::left("RATE, LAST 10 MIN", Constraint::Length(spark_w as u16)).drop_first(6),
    ];
    let fit = table::fit(&columns, area.width.saturating_sub(2));
    let names: Vec<_> = topics.iter().map(|t| text::visible(&t.name)).collect();
    let names = text::cut_apart(&names, fit.width(0));
    table::draw(
        f,
        area,
        block,
        &columns,
        topics.len(),
        &view.list.cursor,
        |i, _| {
            let t = topics[i];
            let urp = if t.under_replicated > 0 {
                right(t.under_replicated.to_string()).style(theme::danger())
            } else {
                right("0")
            };
            vec![
                Cell::from(names[i].clone()),
                right(t.partition_count.to_string()),
                right(t.replication.to_string()),
                right(present::count(t.messages)),
                right(present::rate(t.rate)),
                urp,
                Cell::from(spark::sparkline(&t.rate_history, spark_w)).style(theme::accent()),
            ]
        },
    );
}

//! Topics: every topic with partitions, replication, messages, msg/s and a
//! sparkline of the recent rate.

use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

use super::{placeholder, view_block};
use crate::tui::app::App;
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::{format, spark, theme};

/// Fixed columns take this much; the name and the sparkline share the rest.
const FIXED: u16 = 6 + 5 + 14 + 9 + 4 + 6;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let topics = app.visible_topics();
    let block = view_block(format!("Topics ({})", topics.len()), &app.topics.filter);
    if app.cluster.is_none() {
        let text = app.unreachable_text().unwrap_or_else(|| {
            format!("Waiting for the first refresh from {} …", app.cfg.bootstrap)
        });
        return placeholder(f, area, block, &text);
    }
    let spare = area.width.saturating_sub(FIXED + 2);
    let spark_w = (spare / 2).clamp(0, 30) as usize;
    let columns = [
        Column::left("TOPIC", Constraint::Min(10)),
        Column::right("PARTS", Constraint::Length(5)),
        Column::right("REPL", Constraint::Length(4)),
        Column::right("MESSAGES", Constraint::Length(13)),
        Column::right("MSG/S", Constraint::Length(8)),
        Column::right("URP", Constraint::Length(3)),
        Column::left("RATE, LAST 10 MIN", Constraint::Length(spark_w as u16)),
    ];
    table::draw(
        f,
        area,
        block,
        &columns,
        topics.len(),
        &app.topics.cursor,
        |i| {
            let t = topics[i];
            let urp = if t.under_replicated > 0 {
                right(t.under_replicated.to_string()).style(theme::danger())
            } else {
                right("0")
            };
            Row::new(vec![
                Cell::from(t.name.clone()),
                right(t.partitions.len().to_string()),
                right(t.replication.to_string()),
                right(format::count(t.messages)),
                right(format::rate(t.rate)),
                urp,
                Cell::from(spark::sparkline(&t.rate_history, spark_w)).style(theme::accent()),
            ])
        },
    );
}

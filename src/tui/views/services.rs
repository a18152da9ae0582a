//! The embedded reference consumers (notification, analytics, read receipt,
//! archive): whether they run in this process, and their counters.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::{placeholder, view_block};
use crate::services::{service_id, ServiceState};
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, ServicesStatus};
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::{format, theme};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let pane = &app.services;
    let key = app
        .keymap()
        .keys_for(app.view.scope(), Action::ToggleServices)
        .unwrap_or_default();
    let status = match &pane.status {
        ServicesStatus::Stopped => format!(
            "not running in this process · {key} starts them (they join their consumer groups)"
        ),
        ServicesStatus::Starting => "starting …".into(),
        ServicesStatus::Running => format!("running · {key} stops them"),
        ServicesStatus::Stopping => "stopping …".into(),
        ServicesStatus::Failed(e) => format!("failed: {e} · {key} retries"),
    };
    let [info, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let style = match pane.status {
        ServicesStatus::Failed(_) => theme::danger(),
        ServicesStatus::Running => theme::ok(),
        _ => theme::dim(),
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(format!(" {status}"), style))),
        info,
    );
    let block = view_block("Services".into(), "");
    let Some(snap) = &pane.snapshot else {
        return placeholder(
            f,
            rest,
            block,
            "The message service's reference consumers: notification, analytics, read receipt and archive.\nThey can also run headless: `kaftop consumers`.",
        );
    };
    let [table_area, feed] =
        Layout::vertical([Constraint::Length(7), Constraint::Min(0)]).areas(rest);
    let columns = [
        Column::left("SERVICE", Constraint::Length(13)),
        Column::left("GROUP", Constraint::Min(20)),
        Column::left("STATE", Constraint::Length(8)),
        Column::right("CONSUMED", Constraint::Length(10)),
        Column::right("PROCESSED", Constraint::Length(10)),
        Column::right("DLQ", Constraint::Length(6)),
        Column::right("DUPES", Constraint::Length(6)),
        Column::right("PENDING", Constraint::Length(7)),
        Column::right("MSG/S", Constraint::Length(7)),
    ];
    table::draw(
        f,
        table_area,
        block,
        &columns,
        snap.services.len(),
        &pane.cursor,
        |i| {
            let s = &snap.services[i];
            let c = &s.counters;
            let state = match s.state {
                ServiceState::Running => Cell::from("running").style(theme::ok()),
                ServiceState::Stopped => Cell::from("stopped").style(theme::dim()),
            };
            Row::new(vec![
                Cell::from(service_id(s.name)),
                Cell::from(s.group.clone()),
                state,
                right(format::count_u(c.consumed)),
                right(format::count_u(c.processed)),
                right(format::count_u(c.dead_lettered)),
                right(format::count_u(c.dedupe_hits)),
                right(format::count_u(s.pending)),
                right(format::rate(Some(s.processed_per_sec))),
            ])
        },
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(" today ", theme::header_row()),
        Span::raw(format!(
            "{} created · {} senders · {} read · {} archived",
            format::count_u(snap.today.messages),
            format::count_u(snap.today.distinct_senders),
            format::count_u(snap.today.reads),
            format::count_u(snap.archived)
        )),
    ])];
    lines.push(Line::from(Span::styled(
        " recent notifications",
        theme::header_row(),
    )));
    for n in snap.notifications.iter().take(5) {
        lines.push(Line::from(format!(
            "  → user {}: {} — {}",
            n.user_id,
            n.title,
            text::one_line(&n.body, 60)
        )));
    }
    lines.push(Line::from(Span::styled(
        " recent read receipts",
        theme::header_row(),
    )));
    for r in snap.receipts.iter().take(5) {
        lines.push(Line::from(format!(
            "  ✓ message {} read at {} → sender {}",
            r.message_id, r.read_at, r.sender_id
        )));
    }
    for s in snap.services.iter().filter(|s| s.last_error.is_some()) {
        lines.push(Line::from(Span::styled(
            format!(
                " {}: {}",
                service_id(s.name),
                s.last_error.as_deref().unwrap_or("")
            ),
            theme::danger(),
        )));
    }
    f.render_widget(Paragraph::new(lines), feed);
}

//! The embedded reference consumers (notification, analytics, read receipt,
//! archive): whether they run in this process, and their counters.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};
use ratatui::Frame;

use super::{placeholder, view_block, Outcome, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::event::Event;
use crate::tui::shared::Shared;
use crate::tui::shared::Source;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::theme;
use kaftop_core::present::{self, text};
use kaftop_services::{service_id, ServiceState, ServicesSnapshot};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServicesStatus {
    Stopped,
    Starting,
    Running,
    Stopping,
    Failed(String),
}

/// The embedded services: whether they run, and their last counters.
#[derive(Debug, Clone)]
pub struct ServicesPane {
    pub status: ServicesStatus,
    pub snapshot: Option<ServicesSnapshot>,
    pub cursor: ListCursor,
}

impl Default for ServicesPane {
    fn default() -> Self {
        ServicesPane {
            status: ServicesStatus::Stopped,
            snapshot: None,
            cursor: ListCursor::default(),
        }
    }
}

impl ServicesPane {
    /// Their counters (about once a second while they run).
    pub(crate) fn on_snapshot(&mut self, snap: ServicesSnapshot, shared: &mut Shared) {
        if !matches!(self.status, ServicesStatus::Stopping) {
            self.status = ServicesStatus::Running;
            shared.clear_errors(&[Source::Services]);
        }
        self.snapshot = Some(snap);
    }

    /// They stopped; `Some(reason)` when they failed to start or died.
    pub(crate) fn on_stopped(&mut self, reason: Option<String>, shared: &mut Shared) {
        self.status = match reason {
            Some(r) => {
                shared.error_from(Source::Services, format!("services: {r}"));
                ServicesStatus::Failed(r)
            }
            None => {
                shared.info("services stopped");
                ServicesStatus::Stopped
            }
        };
        shared.dirty = true;
    }

    fn toggle(&mut self, shared: &mut Shared) -> Vec<Command> {
        match self.status {
            ServicesStatus::Stopped | ServicesStatus::Failed(_) => {
                if shared.refuse_in_read_only("run the services (they commit offsets)") {
                    return Vec::new();
                }
                self.status = ServicesStatus::Starting;
                shared.info("starting the services");
                vec![Command::StartServices]
            }
            ServicesStatus::Running => {
                self.status = ServicesStatus::Stopping;
                shared.info("stopping the services");
                vec![Command::StopServices]
            }
            ServicesStatus::Starting | ServicesStatus::Stopping => Vec::new(),
        }
    }
}

impl View for ServicesPane {
    fn title(&self) -> &'static str {
        "Services"
    }

    fn scope(&self) -> Scope {
        Scope::Services
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::ToggleServices]
    }

    fn selected(&self) -> usize {
        self.cursor.selected()
    }

    fn move_by(&mut self, delta: isize, _shared: &Shared) {
        let len = self.snapshot.as_ref().map_or(0, |s| s.services.len());
        self.cursor.move_by(delta, len);
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match action {
            Action::ToggleServices => Outcome::commands(self.toggle(shared)),
            _ => Outcome::default(),
        }
    }

    fn on_io(&mut self, event: Event, shown: bool, shared: &mut Shared) -> Option<Event> {
        match event {
            Event::Services(snap) => {
                self.on_snapshot(*snap, shared);
                shared.dirty |= shown;
            }
            Event::ServicesStopped(reason) => self.on_stopped(reason, shared),
            other => return Some(other),
        }
        None
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw(self, f, area, shared);
    }
}

fn draw(pane: &ServicesPane, f: &mut Frame, area: Rect, shared: &Shared) {
    let key = shared
        .cfg
        .keymap
        .keys_for(pane.scope(), Action::ToggleServices)
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
    draw_table(f, table_area, block, pane, snap);
    f.render_widget(Paragraph::new(feed_lines(snap)), feed);
}

/// One row per service: its group, state and counters.
fn draw_table(
    f: &mut Frame,
    area: Rect,
    block: ratatui::widgets::Block<'_>,
    pane: &ServicesPane,
    snap: &ServicesSnapshot,
) {
    let columns = [
        Column::left("SERVICE", Constraint::Length(13)),
        // The service names its group: the first to go on a narrow screen.
        Column::left("GROUP", Constraint::Min(20)).drop_first(5),
        Column::left("STATE", Constraint::Length(8)),
        Column::right("CONSUMED", Constraint::Length(10)).drop_first(1),
        Column::right("PROCESSED", Constraint::Length(10)),
        Column::right("DLQ", Constraint::Length(6)),
        Column::right("DUPES", Constraint::Length(6)).drop_first(4),
        Column::right("PENDING", Constraint::Length(7)).drop_first(2),
        Column::right("MSG/S", Constraint::Length(7)).drop_first(3),
    ];
    table::draw(
        f,
        area,
        block,
        &columns,
        snap.services.len(),
        &pane.cursor,
        |i, _| {
            let s = &snap.services[i];
            let c = &s.counters;
            let state = match s.state {
                ServiceState::Running if s.stalled.is_some() => {
                    Cell::from("stalled").style(theme::danger())
                }
                ServiceState::Running => Cell::from("running").style(theme::ok()),
                ServiceState::Stopped => Cell::from("stopped").style(theme::dim()),
            };
            vec![
                Cell::from(service_id(s.name)),
                Cell::from(text::visible(&s.group).into_owned()),
                state,
                right(present::count_u(c.consumed)),
                right(present::count_u(c.processed)),
                right(present::count_u(c.dead_lettered)),
                right(present::count_u(c.dedupe_hits)),
                right(s.pending.map_or_else(|| "?".into(), present::count_u)),
                right(present::rate(Some(s.processed_per_sec))),
            ]
        },
    );
}

/// Under the table: the store's figures, the latest notifications and read
/// receipts, and what is wrong with a service.
fn feed_lines(snap: &ServicesSnapshot) -> Vec<Line<'static>> {
    let mut lines = vec![match &snap.store {
        Ok(figures) => Line::from(vec![
            Span::styled(" today ", theme::header_row()),
            Span::raw(format!(
                "{} created · {} senders · {} read · {} archived",
                present::count_u(figures.today.messages),
                present::count_u(figures.today.distinct_senders),
                present::count_u(figures.today.reads),
                present::count_u(figures.archived)
            )),
        ]),
        Err(e) => Line::from(vec![
            Span::styled(" store ", theme::header_row()),
            Span::styled(e.clone(), theme::danger()),
        ]),
    }];
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
    for s in &snap.services {
        if let Some(fault) = &s.stalled {
            lines.push(Line::from(Span::styled(
                format!(
                    " {}: stalled: {fault} · retrying by itself",
                    service_id(s.name)
                ),
                theme::danger(),
            )));
        }
        if s.counters.panics > 0 {
            lines.push(Line::from(Span::styled(
                format!(
                    " {}: {} consumer panic(s), restarted",
                    service_id(s.name),
                    s.counters.panics
                ),
                theme::danger(),
            )));
        }
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
    lines
}

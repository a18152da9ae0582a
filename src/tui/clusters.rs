//! The clusters screen (`kaftop --all-profiles`, `:clusters`): one row per
//! profile, each refreshed by its own monitor thread, so one unreachable or slow
//! cluster never holds up the others. `Enter` runs that profile's dashboard on
//! the same terminal until it comes back (`Esc` at its top level, `:clusters`)
//! or quits.

use std::sync::mpsc::{self, Receiver, Sender};

use anyhow::{Context, Result};
use chrono::{DateTime, Local};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::app::Exit;
use super::event::Event;
use super::keymap::Keymap;
use super::runtime::{self, Screen};
use super::widgets::theme;
use kaftop_core::config::Resolved;
use kaftop_core::monitor::{Monitor, MonitorHandle, MonitorOptions};
use kaftop_core::present;
use kaftop_core::report::clusters::ClusterRow;

/// What reaches the screen's loop.
enum Msg {
    Input(Event),
    /// The latest row of the profile at this index.
    Row(usize, Box<ClusterRow>),
}

/// The screen's state: the profiles' rows (`None`: no answer yet), when each
/// cluster last answered, and the cursor.
struct State {
    names: Vec<String>,
    rows: Vec<Option<ClusterRow>>,
    /// Local time of each profile's last reachable refresh: it keeps moving on a
    /// live cluster and stays put on one that stopped answering, so a stale row
    /// shows at a glance.
    seen: Vec<Option<DateTime<Local>>>,
    selected: usize,
}

impl State {
    fn new(names: Vec<String>) -> State {
        let n = names.len();
        State {
            names,
            rows: vec![None; n],
            seen: vec![None; n],
            selected: 0,
        }
    }

    fn take(&mut self, i: usize, row: ClusterRow, at: DateTime<Local>) {
        if row.reachable {
            self.seen[i] = Some(at);
        }
        self.rows[i] = Some(row);
    }
}

/// Runs the clusters screen over `profiles` until the user quits.
pub fn run(profiles: Vec<(Resolved, Keymap)>, rt: tokio::runtime::Handle) -> Result<()> {
    let first = profiles.first().context("no profiles to show")?;
    let palette = theme::from_config(&first.0, theme::no_color_env())?;
    let mut screen = Screen::open(&rt)?;
    let (tx, rx) = mpsc::channel();
    let mut state = State::new(profiles.iter().map(|(c, _)| c.profile.clone()).collect());
    // Held until the screen ends: dropping a handle stops its monitor.
    let _monitors: Vec<MonitorHandle> = profiles
        .iter()
        .enumerate()
        .filter_map(|(i, (cfg, _))| match watch(i, cfg, tx.clone()) {
            Ok(h) => Some(h),
            Err(e) => {
                state.rows[i] = Some(ClusterRow::unreachable(&cfg.profile, e));
                None
            }
        })
        .collect();
    loop {
        theme::set(palette);
        let input = tx.clone();
        screen.route(move |ev| input.send(Msg::Input(ev)).is_ok());
        let Some(open) = screen_loop(&mut screen, &mut state, &rx)? else {
            return Ok(());
        };
        let (cfg, keymap) = profiles[open].clone();
        tracing::info!(profile = %cfg.profile, "dashboard from the clusters screen");
        if runtime::run_from_clusters(&mut screen, cfg, keymap, rt.clone())? == Exit::Quit {
            return Ok(());
        }
    }
}

/// Profile `i`'s monitor, sending a row after each refresh.
fn watch(i: usize, cfg: &Resolved, tx: Sender<Msg>) -> Result<MonitorHandle, String> {
    let opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    let monitor = Monitor::new(cfg, opts).map_err(|e| e.to_string())?;
    let name = cfg.profile.clone();
    Ok(monitor.spawn(move |r| {
        let row = ClusterRow::of(&name, &r.metrics);
        tx.send(Msg::Row(i, Box::new(row))).is_ok()
    }))
}

/// Draws and takes keys until the user quits (`None`) or opens a profile.
fn screen_loop(
    screen: &mut Screen,
    state: &mut State,
    rx: &Receiver<Msg>,
) -> Result<Option<usize>> {
    loop {
        screen
            .terminal()?
            .draw(|f| draw(f, state))
            .context("drawing the screen")?;
        let Ok(msg) = rx.recv() else {
            return Ok(None);
        };
        // Take everything queued before drawing once.
        for msg in std::iter::once(msg).chain(rx.try_iter()) {
            match msg {
                Msg::Row(i, row) => state.take(i, *row, Local::now()),
                Msg::Input(Event::Key(key)) => match on_key(state, key) {
                    Some(Step::Quit) => return Ok(None),
                    Some(Step::Open(i)) => return Ok(Some(i)),
                    None => {}
                },
                Msg::Input(Event::Quit | Event::IoError(_)) => return Ok(None),
                Msg::Input(_) => {}
            }
        }
    }
}

enum Step {
    Quit,
    Open(usize),
}

fn on_key(state: &mut State, key: KeyEvent) -> Option<Step> {
    let last = state.names.len().saturating_sub(1);
    match key.code {
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Some(Step::Quit)
        }
        KeyCode::Char('q') => return Some(Step::Quit),
        KeyCode::Enter => return Some(Step::Open(state.selected)),
        KeyCode::Down | KeyCode::Char('j') => state.selected = (state.selected + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') => state.selected = state.selected.saturating_sub(1),
        KeyCode::Home | KeyCode::Char('g') => state.selected = 0,
        KeyCode::End | KeyCode::Char('G') => state.selected = last,
        _ => {}
    }
    None
}

const HEADER: [&str; 10] = [
    "CLUSTER",
    "REACHABLE",
    "BROKERS",
    "URP",
    "OFFLINE",
    "ALERTING",
    "WORST",
    "MSG/S",
    "LAST SEEN",
    "ERROR",
];

fn draw(f: &mut Frame, state: &State) {
    let [title, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!(" kaftop · clusters ({})", state.names.len()),
            theme::title(),
        ))),
        title,
    );
    let rows = state
        .names
        .iter()
        .zip(state.rows.iter().zip(&state.seen))
        .map(|(name, (row, seen))| match row {
            None => Row::new([
                Cell::from(name.clone()),
                Cell::from("…").style(theme::dim()),
            ]),
            Some(r) => Row::new(cells(r, *seen)),
        });
    let name_width = state
        .names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    let widths = [
        Constraint::Length(name_width.max(7) as u16),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(28),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Min(10),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(HEADER).style(theme::header_row()))
        .row_highlight_style(theme::selected())
        .block(Block::default());
    let mut cursor = TableState::default().with_selected(Some(state.selected));
    f.render_stateful_widget(table, body, &mut cursor);
    f.render_widget(
        Paragraph::new(
            " Enter open the cluster's dashboard (Esc there comes back) · ↑↓ select · q quit",
        )
        .style(theme::dim()),
        help,
    );
}

fn cells(r: &ClusterRow, seen: Option<DateTime<Local>>) -> Vec<Cell<'static>> {
    let count = |n: Option<usize>| n.map_or_else(|| "-".into(), |n| present::count_u(n as u64));
    let alarm = |n: Option<usize>| {
        if n.unwrap_or(0) > 0 {
            theme::danger()
        } else {
            ratatui::style::Style::default()
        }
    };
    let brokers = match (r.brokers_up, r.brokers_total) {
        (Some(up), Some(total)) => format!("{up}/{total}"),
        _ => "-".to_string(),
    };
    let brokers_style = match (r.brokers_up, r.brokers_total) {
        (Some(up), Some(total)) if up < total => theme::danger(),
        _ => ratatui::style::Style::default(),
    };
    vec![
        Cell::from(r.cluster.clone()),
        if r.reachable {
            Cell::from("yes").style(theme::ok())
        } else {
            Cell::from("NO").style(theme::danger())
        },
        Cell::from(brokers).style(brokers_style),
        Cell::from(count(r.under_replicated)).style(alarm(r.under_replicated)),
        Cell::from(count(r.offline_partitions)).style(alarm(r.offline_partitions)),
        Cell::from(count(r.alerting_groups)).style(alarm(r.alerting_groups)),
        Cell::from(r.worst_group.clone().unwrap_or_else(|| "-".into())),
        Cell::from(present::rate(r.produced_per_sec)),
        Cell::from(seen.map_or_else(|| "never".into(), |t| t.format("%H:%M:%S").to_string()))
            .style(if r.reachable {
                ratatui::style::Style::default()
            } else {
                theme::danger()
            }),
        Cell::from(r.error.clone().unwrap_or_default()).style(theme::dim()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State::new(vec!["a".into(), "b".into()])
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_cursor_stays_on_the_rows_and_enter_opens_the_selected_one() {
        let mut s = state();
        assert!(on_key(&mut s, key(KeyCode::Up)).is_none());
        assert_eq!(s.selected, 0);
        on_key(&mut s, key(KeyCode::Down));
        on_key(&mut s, key(KeyCode::Down));
        assert_eq!(s.selected, 1);
        assert!(matches!(
            on_key(&mut s, key(KeyCode::Enter)),
            Some(Step::Open(1))
        ));
        assert!(matches!(
            on_key(&mut s, key(KeyCode::Char('q'))),
            Some(Step::Quit)
        ));
    }

    #[test]
    fn last_seen_moves_while_a_cluster_answers_and_stays_when_it_stops() {
        let mut s = state();
        let t = |secs: i64| {
            DateTime::from_timestamp(secs, 0)
                .unwrap()
                .with_timezone(&Local)
        };
        let up = |name: &str| ClusterRow::of(name, &connected());
        s.take(1, up("b"), t(10));
        assert_eq!(s.seen, [None, Some(t(10))]);
        s.take(1, up("b"), t(11));
        assert_eq!(s.seen[1], Some(t(11)));
        // Unreachable: the row says so, the time it last answered stays.
        s.take(1, ClusterRow::unreachable("b", "refused".into()), t(12));
        assert_eq!(s.seen[1], Some(t(11)));
        assert!(!s.rows[1].as_ref().unwrap().reachable);
        s.take(0, ClusterRow::unreachable("a", "refused".into()), t(12));
        assert_eq!(s.seen[0], None);
    }

    fn connected() -> kaftop_core::metrics::ClusterMetrics {
        kaftop_core::metrics::ClusterMetrics {
            connected: true,
            ..Default::default()
        }
    }
}

//! The overview's lists: topics by rate, groups by severity, the latest
//! events and the sampled records. Each is a pane with a one-line title; only
//! the rows that fit are built, and the focused pane shows its selection.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};
use ratatui::Frame;

use super::{Overview, Pane};
use crate::tui::widgets::table::right;
use crate::tui::widgets::theme;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::metrics::lag::Eta;
use kaftop_core::metrics::{GroupMetrics, Severity, TimelineEvent, TopicMetrics};
use kaftop_core::present::{self, spark, text};
use kaftop_core::report::rank;
use kaftop_core::report::words;

/// Draws a pane: its title, an optional header row, and the rows that fit.
#[allow(clippy::too_many_arguments)]
fn pane<'a>(
    f: &mut Frame,
    area: Rect,
    view: &Overview,
    which: Pane,
    title: String,
    header: Option<Row<'a>>,
    widths: &[Constraint],
    len: usize,
    mut row: impl FnMut(usize) -> Row<'a>,
) {
    let focused = view.focus == which;
    let title_style = if focused {
        theme::tab_active()
    } else {
        theme::title()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme::dim())
        .title(Span::styled(format!(" {title} "), title_style));
    let inner = block.inner(area);
    let height = (inner.height as usize).saturating_sub(usize::from(header.is_some()));
    let cursor = view.cursor(which);
    let window = cursor.window(len, height);
    let start = window.start;
    let first = inner.y + u16::from(header.is_some());
    let drawn = u16::try_from(window.len()).unwrap_or(u16::MAX);
    cursor.drawn_at(
        area,
        Rect {
            y: first,
            height: drawn,
            ..inner
        },
    );
    let rows: Vec<Row> = window.map(&mut row).collect();
    let mut table = Table::new(rows, widths.iter().copied()).block(block);
    if let Some(h) = header {
        table = table.header(h.style(theme::header_row()));
    }
    let mut state = TableState::default();
    if focused && len > 0 {
        table = table.row_highlight_style(theme::selected());
        state.select(Some(cursor.selected().min(len - 1) - start));
    }
    f.render_stateful_widget(table, area, &mut state);
}

fn header<'a>(cells: &[(&'a str, bool)]) -> Row<'a> {
    Row::new(
        cells
            .iter()
            .map(|(t, r)| if *r { right(*t) } else { Cell::from(*t) }),
    )
}

/// Skew, hot partition and leader balance in a few characters:
/// `hot p4 2.8×`, `skew 1.3`, `even`, then ` L5:1` (most and fewest partitions
/// led by a broker) when leadership is uneven.
pub(crate) fn distribution_cue(t: &TopicMetrics, brokers: usize) -> (String, Style) {
    let d = &t.distribution;
    let mut warn = false;
    let mut cue = match d.hot_partition {
        Some(p) => {
            warn = true;
            format!("hot p{p} {:.1}×", d.skew)
        }
        None if d.skew >= 1.2 => format!("skew {:.1}", d.skew),
        None => "even".into(),
    };
    let most = d.leaders_per_broker.values().copied().max().unwrap_or(0);
    // A broker that leads nothing is missing from the map.
    let leading = d.leaders_per_broker.len();
    let least = if leading < brokers.min(t.partition_count) {
        0
    } else {
        d.leaders_per_broker.values().copied().min().unwrap_or(0)
    };
    if most > least + 1 {
        warn = true;
        cue.push_str(&format!(" L{most}:{least}"));
    }
    (cue, if warn { theme::warn() } else { theme::dim() })
}

pub(super) fn topics(
    f: &mut Frame,
    area: Rect,
    view: &Overview,
    topics: &[&TopicMetrics],
    brokers: usize,
) {
    let narrow = area.width < 60;
    let spark_w = if narrow {
        6
    } else {
        (area.width / 4).clamp(8, 30)
    };
    let spread_w = if narrow { 11 } else { 18 };
    // What the name's column gets: the rest, less the spaces between columns.
    let name_w = area.width.saturating_sub(6 + spark_w + spread_w + 3) as usize;
    let names: Vec<_> = topics.iter().map(|t| text::visible(&t.name)).collect();
    let names = text::cut_apart(&names, name_w);
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(spark_w),
        Constraint::Length(spread_w),
    ];
    let head = header(&[
        ("TOPIC", false),
        ("MSG/S", true),
        ("RATE", false),
        ("SPREAD", false),
    ]);
    pane(
        f,
        area,
        view,
        Pane::Topics,
        format!("Topics by rate ({})", topics.len()),
        Some(head),
        &widths,
        topics.len(),
        |i| {
            let t = topics[i];
            let (cue, style) = distribution_cue(t, brokers);
            Row::new(vec![
                Cell::from(names[i].clone()),
                right(present::rate(t.rate)),
                Cell::from(spark::sparkline(&t.rate_history, spark_w as usize))
                    .style(theme::accent()),
                Cell::from(cue).style(style),
            ])
        },
    );
}

pub(super) fn groups(f: &mut Frame, area: Rect, view: &Overview, groups: &[&GroupMetrics]) {
    let wide = area.width >= 90;
    let spark_w = if wide { 12 } else { 0 };
    // Room for the group's type (share, streams, ...) beside the rest.
    let type_w = if area.width >= 130 { 8 } else { 0 };
    let names: Vec<_> = groups.iter().map(|g| text::visible(&g.group_id)).collect();
    let longest = names.iter().map(|n| text::width(n)).max().unwrap_or(0);
    let name_w = (longest as u16).clamp(14, if wide { 30 } else { 16 });
    let names = text::cut_apart(&names, name_w.into());
    let mut widths = vec![
        Constraint::Length(name_w),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(spark_w),
        Constraint::Length(8),
        Constraint::Length(if wide { 14 } else { 9 }),
        Constraint::Fill(2),
    ];
    let mut cells = vec![
        ("GROUP", false),
        ("STATUS", false),
        ("LAG", true),
        (if wide { "LAG TREND" } else { "" }, false),
        ("TIME LAG", true),
        ("ETA", true),
        ("STUCK / DATA LOSS", false),
    ];
    if type_w > 0 {
        widths.insert(1, Constraint::Length(type_w));
        cells.insert(1, ("TYPE", false));
    }
    let head = header(&cells);
    let title = if wide {
        format!(
            "Groups, worst first ({}) · ~ time lag estimated",
            groups.len()
        )
    } else {
        format!("Groups, worst first ({})", groups.len())
    };
    pane(
        f,
        area,
        view,
        Pane::Groups,
        title,
        Some(head),
        &widths,
        groups.len(),
        |i| {
            let g = groups[i];
            let status = Cell::from(g.status.as_str()).style(theme::status(g.status));
            let lag = if g.alerting {
                right(format!("!{}", present::count_u(g.total_lag))).style(theme::danger())
            } else {
                right(present::count_u(g.total_lag))
            };
            let note = words::group_note(g);
            let note_style = match rank::severity(g) {
                rank::Severity::Critical => theme::danger(),
                _ => theme::warn(),
            };
            let mut row = vec![
                Cell::from(names[i].clone()),
                status,
                lag,
                Cell::from(spark::sparkline_u(&g.lag_history, spark_w as usize))
                    .style(theme::accent()),
                right(words::time_lag(g.time_lag.as_ref(), g.time_lag_secs)),
                right(if wide {
                    words::eta(g.eta)
                } else {
                    short_eta(g.eta)
                }),
                Cell::from(note).style(note_style),
            ];
            if type_w > 0 {
                row.insert(1, Cell::from(short_type(g)).style(theme::dim()));
            }
            Row::new(row)
        },
    );
}

/// The group's type in a word: `consumer`, `classic`, `share`, `streams`, or a
/// classic group's protocol type when it is not `consumer`'s (`connect`).
fn short_type(g: &GroupMetrics) -> String {
    let other = g
        .protocol_type
        .as_deref()
        .filter(|p| !p.is_empty() && *p != "consumer");
    match (other, g.group_type) {
        (Some(p), _) => text::visible(p).into_owned(),
        (None, Some(t)) => t.as_str().to_lowercase(),
        (None, None) => "-".into(),
    }
}

/// The ETA in at most 9 characters, for narrow screens.
fn short_eta(e: Eta) -> String {
    match e {
        Eta::NotConsuming => "stopped".into(),
        Eta::FallingBehind => "behind".into(),
        other => words::eta(other),
    }
}

fn severity_mark(s: Severity) -> Span<'static> {
    match s {
        Severity::Crit => Span::styled("✗", theme::danger()),
        Severity::Warn => Span::styled("▲", theme::warn()),
        Severity::Info => Span::styled("·", theme::dim()),
    }
}

pub(super) fn events(
    f: &mut Frame,
    area: Rect,
    view: &Overview,
    events: &[&TimelineEvent],
    utc_offset: i32,
) {
    let widths = [
        Constraint::Length(8),
        Constraint::Length(1),
        Constraint::Fill(1),
    ];
    let title = format!("Latest events ({})", events.len());
    pane(
        f,
        area,
        view,
        Pane::Events,
        title,
        None,
        &widths,
        events.len(),
        |i| {
            let e = events[i];
            Row::new(vec![
                Cell::from(present::clock(e.at_ms, utc_offset)).style(theme::dim()),
                Cell::from(Line::from(severity_mark(e.severity))),
                Cell::from(text::visible(&e.text).into_owned()),
            ])
        },
    );
    if events.is_empty() {
        empty(f, area, "No changes seen yet.");
    }
}

pub(super) fn records(f: &mut Frame, area: Rect, view: &Overview, utc_offset: i32) {
    let t = &view.ticker;
    let recent: Vec<_> = t.newest_first().collect();
    let place = |r: &RecordView| {
        let topic = text::visible(&r.topic);
        format!("{topic}/{}@{}", r.partition, r.offset)
    };
    let longest = recent
        .iter()
        .map(|r| text::width(&place(r)))
        .max()
        .unwrap_or(0);
    let place_w = (longest as u16).clamp(8, (area.width / 3).max(8));
    let places: Vec<String> = recent.iter().map(|r| place(r)).collect();
    let places = text::cut_apart(&places, place_w.into());
    let widths = [
        Constraint::Length(8),
        Constraint::Length(place_w),
        Constraint::Fill(1),
    ];
    let title = if t.topics.is_empty() {
        "Records".to_string()
    } else {
        format!("Records from {}", text::visible(&t.topics.join(", ")))
    };
    pane(
        f,
        area,
        view,
        Pane::Records,
        title,
        None,
        &widths,
        t.len(),
        |i| match recent.get(i) {
            Some(r) => Row::new(vec![
                Cell::from(present::clock(r.timestamp_ms.unwrap_or(0), utc_offset))
                    .style(theme::dim()),
                Cell::from(places[i].clone()).style(theme::accent()),
                Cell::from(text::one_line(&r.value.text, 200)),
            ]),
            None => Row::new(Vec::<Cell>::new()),
        },
    );
    if t.is_empty() {
        let text = if t.topics.is_empty() {
            "No traffic to sample."
        } else {
            "Waiting for records …"
        };
        empty(f, area, text);
    }
}

/// A dim line under an empty pane's title.
fn empty(f: &mut Frame, area: Rect, text: &str) {
    if area.height < 2 {
        return;
    }
    let line = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    f.render_widget(
        ratatui::widgets::Paragraph::new(Span::styled(format!(" {text}"), theme::dim())),
        line,
    );
}

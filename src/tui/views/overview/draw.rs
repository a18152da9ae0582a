//! The overview's layout, its header and the throughput chart. Narrow screens
//! (80×24) give each pane a few rows; wide ones (120 columns and more) give
//! the chart, the topics and the groups the extra room.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

use super::{panes, Overview, Rows};
use crate::tui::shared::Shared;
use crate::tui::views::{placeholder, view_block};
use crate::tui::widgets::theme;
use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::present;
use kaftop_core::report::incident::Header;

/// Columns from which the panes sit side by side.
const WIDE: u16 = 120;
/// The chart's window, seconds back from the last refresh.
const WINDOW_SECS: f64 = 600.0;

pub(super) struct Areas {
    pub header: Rect,
    pub chart: Rect,
    pub topics: Rect,
    pub groups: Rect,
    pub events: Rect,
    pub records: Rect,
}

fn halves(area: Rect, left: u16) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(left), Constraint::Fill(1)])
        .spacing(1)
        .areas(area)
}

pub(super) fn areas(area: Rect, header_h: u16) -> Areas {
    // Wide: the groups take what is left and the chart the larger half of its row.
    // Narrow: every pane keeps a few rows and the events and records what is left.
    let wide = area.width >= WIDE;
    let (groups_h, bottom_h, chart_pct) = if wide {
        (Constraint::Fill(1), Constraint::Percentage(25), 60)
    } else {
        (Constraint::Percentage(36), Constraint::Fill(1), 50)
    };
    let [header, top, groups, bottom] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Percentage(36),
        groups_h,
        bottom_h,
    ])
    .areas(area);
    let [chart, topics] = halves(top, chart_pct);
    let [events, records] = halves(bottom, 50);
    Areas {
        header,
        chart,
        topics,
        groups,
        events,
        records,
    }
}

pub(super) fn draw(view: &Overview, f: &mut Frame, area: Rect, shared: &Shared) {
    let Some(c) = &shared.cluster else {
        let text = shared.unreachable_text().unwrap_or_else(|| {
            format!(
                "Waiting for the first refresh from {} …",
                shared.cfg.bootstrap
            )
        });
        return placeholder(f, area, view_block("Overview".into(), ""), &text);
    };
    // The last refresh reached no cluster: these figures are the last read.
    let stale = shared.connected == Some(false);
    let header = header_lines(c, area.width, stale);
    let a = areas(area, header.len() as u16);
    f.render_widget(Paragraph::new(header), a.header);
    draw_chart(f, a.chart, c, stale);
    let rows = Rows::of(c);
    let brokers = c.brokers.len() + c.brokers_down.len();
    panes::topics(f, a.topics, view, &rows.topics, brokers);
    panes::groups(f, a.groups, view, &rows.groups);
    panes::events(f, a.events, view, &rows.events, shared.cfg.utc_offset_secs);
    panes::records(f, a.records, view, shared.cfg.utc_offset_secs);
}

/// A count, red when not zero; dim when `stale`.
fn counted<'a>(label: &'a str, n: usize, stale: bool) -> Vec<Span<'a>> {
    let style = match (stale, n > 0) {
        (true, _) => theme::dim(),
        (false, true) => theme::danger(),
        (false, false) => theme::ok(),
    };
    vec![Span::raw(label), Span::styled(n.to_string(), style)]
}

/// One line when it fits, else two. `stale`: the figures are the last read,
/// said first and dimmed.
fn header_lines(c: &ClusterMetrics, width: u16, stale: bool) -> Vec<Line<'static>> {
    let h = Header::of(c);
    let sep = || Span::styled(" · ", theme::dim());
    let brokers_style = match (stale, h.brokers_up < h.brokers_total) {
        (true, _) => theme::dim(),
        (false, true) => theme::danger(),
        (false, false) => theme::ok(),
    };
    let mut cluster = Vec::new();
    if stale {
        cluster.push(Span::styled(" STALE ", theme::danger()));
    }
    cluster.extend([
        Span::styled(
            format!(" {} ", h.cluster_id.clone().unwrap_or_else(|| "?".into())),
            theme::title(),
        ),
        Span::raw(format!(
            " controller {}",
            h.controller.map_or_else(|| "?".into(), |id| id.to_string())
        )),
        sep(),
        Span::raw("brokers "),
        Span::styled(
            format!("{}/{}", h.brokers_up, h.brokers_total),
            brokers_style,
        ),
    ]);
    let mut health = Vec::new();
    for (i, (label, n)) in [
        ("URP ", h.under_replicated),
        ("under-min-ISR ", h.under_min_isr),
        ("offline ", h.offline),
        ("alerts ", h.alerts),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            health.push(sep());
        }
        health.extend(counted(label, n, stale));
    }
    let one: usize = cluster
        .iter()
        .chain(&health)
        .map(|s| s.width())
        .sum::<usize>()
        + 3;
    if one <= width as usize {
        let mut spans = cluster;
        spans.push(sep());
        spans.extend(health);
        vec![Line::from(spans)]
    } else {
        let mut second = vec![Span::raw(" ")];
        second.extend(health);
        vec![Line::from(cluster), Line::from(second)]
    }
}

fn draw_chart(f: &mut Frame, area: Rect, c: &ClusterMetrics, stale: bool) {
    let points = |pick: fn(&kaftop_core::metrics::ThroughputPoint) -> f64| -> Vec<(f64, f64)> {
        c.throughput
            .iter()
            .map(|p| ((p.at_ms - c.taken_at_ms) as f64 / 1000.0, pick(p).max(0.0)))
            .filter(|(x, _)| *x >= -WINDOW_SECS)
            .collect()
    };
    let produced = points(|p| p.produced);
    let consumed = points(|p| p.consumed);
    let top = produced
        .iter()
        .chain(&consumed)
        .map(|p| p.1)
        .fold(0.0_f64, f64::max);
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let last = |v: &[(f64, f64)]| present::rate(v.last().map(|p| p.1));
    let produce_style = theme::accent();
    let consume_style = theme::ok();
    // The title is the legend: each line's name in its colour, with its last value.
    let (head, p, c) = match (area.width >= 56, stale) {
        (true, false) => (" Throughput msg/s ", "produced", "consumed"),
        (true, true) => (" Throughput msg/s, last read ", "produced", "consumed"),
        (false, false) => (" msg/s ", "in", "out"),
        (false, true) => (" msg/s, last ", "in", "out"),
    };
    let title = Line::from(vec![
        Span::styled(head, theme::title()),
        Span::styled(format!("{p} {} ", last(&produced)), produce_style),
        Span::styled(format!("{c} {} ", last(&consumed)), consume_style),
    ]);
    let datasets = vec![
        Dataset::default()
            .name("produced")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(produce_style)
            .data(&produced),
        Dataset::default()
            .name("consumed")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(consume_style)
            .data(&consumed),
    ];
    let axis_style = theme::dim();
    let chart = Chart::new(datasets)
        .block(Block::new().borders(Borders::TOP).title(title))
        .legend_position(None)
        .x_axis(
            Axis::default()
                .style(axis_style)
                .bounds([-WINDOW_SECS, 0.0])
                .labels(["-10m", "-5m", "now"]),
        )
        .y_axis(
            Axis::default()
                .style(axis_style)
                .bounds([0.0, y_max])
                .labels([
                    "0".to_string(),
                    present::rate(Some(y_max / 2.0)),
                    present::rate(Some(y_max)),
                ]),
        );
    f.render_widget(chart, area);
}

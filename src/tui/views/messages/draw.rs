//! Drawing the Messages view: the tail's records, newest at the bottom, and a
//! detail pane with the selected record's key, headers, partition, offset,
//! timestamp and value (JSON pretty-printed, binary as hex, huge values cut).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};
use ratatui::Frame;

use super::search::{Search, SearchPhase};
use super::state::{MessagesState, TailStatus};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::shared::Shared;
use crate::tui::views::{placeholder, view_block};
use crate::tui::widgets::table::{self, right, Column};
use crate::tui::widgets::theme;
use kaftop_core::kafka::record::{Encoding, RecordView, Rendered, SchemaNote};
use kaftop_core::present::{self, text};

pub(super) fn draw(m: &MessagesState, f: &mut Frame, area: Rect, shared: &Shared) {
    let Some(topic) = m.topic.as_deref().map(text::visible) else {
        let block = view_block("Messages".into(), "");
        let key = shared.key(Scope::Topics, Action::TailTopic);
        return placeholder(
            f,
            area,
            block,
            &format!("No topic chosen: press {key} on a topic, or type :messages TOPIC [beginning|end|offset N|since 10m]."),
        );
    };
    let info_h = u16::from(area.height >= 4);
    let detail = m.detail && area.height >= 14;
    let [info, list, pane] = Layout::vertical([
        Constraint::Length(info_h),
        Constraint::Min(0),
        Constraint::Percentage(if detail { 50 } else { 0 }),
    ])
    .areas(area);
    if info_h > 0 {
        draw_info(m, f, info);
    }
    let title = match m.current_search() {
        Some(s) => format!(
            "Messages · {topic} · jq {}",
            text::one_line(&s.query.filter, list.width.saturating_sub(30) as usize)
        ),
        None => format!("Messages · {topic}"),
    };
    let block = view_block(title, m.filter());
    if let Some(s) = m.current_search() {
        // What it found before failing stays in view; the info line says why.
        if let (SearchPhase::Failed(e), 0) = (&s.phase, s.kept()) {
            return placeholder(f, list, block, &format!("The search failed: {e}"));
        }
    } else if let TailStatus::Failed(e) = &m.status {
        return placeholder(f, list, block, &format!("Cannot tail {topic}: {e}"));
    }
    if m.is_empty() {
        let text = if let Some(s) = m.current_search() {
            if s.kept() > 0 {
                format!("None of the {} matches contains the / filter.", s.kept())
            } else if s.is_scanning() {
                "No match yet.".to_string()
            } else {
                let key = shared.key(Scope::Messages, Action::Search);
                format!(
                    "No record since {} matches: new ones are checked as they arrive ({key}: another filter).",
                    s.query.since
                )
            }
        } else if m.filter().is_empty() {
            let key = shared.key(Scope::Messages, Action::FromBeginning);
            format!("No records yet: waiting for new ones ({key}: from the beginning).")
        } else {
            format!(
                "No record among the last {} matches the filter.",
                m.buffered()
            )
        };
        placeholder(f, list, block, &text);
    } else {
        let columns = [
            Column::right("P", Constraint::Length(3)),
            Column::right("OFFSET", Constraint::Length(9)),
            Column::left("TIMESTAMP", Constraint::Length(23)),
            Column::left("KEY", Constraint::Length(16)),
            Column::left("VALUE", Constraint::Min(10)),
        ];
        let value_w = list.width.saturating_sub(3 + 9 + 23 + 16 + 6) as usize;
        table::draw(f, list, block, &columns, m.len(), &m.cursor, |i, _| {
            let Some(r) = m.get(i) else {
                return Vec::new();
            };
            vec![
                right(r.partition.to_string()),
                right(r.offset.to_string()),
                Cell::from(present::timestamp(
                    r.timestamp_ms,
                    shared.cfg.utc_offset_secs,
                )),
                key_cell(r),
                Cell::from(value_preview(r, value_w.max(1))),
            ]
        });
    }
    if detail {
        draw_detail(m, f, pane, shared);
    }
}

fn key_cell(r: &RecordView) -> Cell<'static> {
    if r.key.encoding == Encoding::Null {
        Cell::from("-").style(theme::dim())
    } else {
        Cell::from(text::one_line(&r.key.text, 16))
    }
}

fn value_preview(r: &RecordView, width: usize) -> String {
    match r.value.encoding {
        Encoding::Binary => format!(
            "(binary, {}) {}",
            present::bytes(r.value.size),
            text::one_line(&r.value.text, width)
        ),
        _ => text::one_line(&r.value.text, width),
    }
}

fn draw_info(m: &MessagesState, f: &mut Frame, area: Rect) {
    if let Some(s) = m.current_search() {
        return draw_search_info(s, m, f, area);
    }
    let state = match (&m.status, m.paused) {
        (TailStatus::Failed(_), _) => Span::styled("failed", theme::danger()),
        (TailStatus::Starting, _) => Span::styled("starting", theme::warn()),
        (_, true) => Span::styled("⏸ paused", theme::warn()),
        _ => Span::styled("▶ following", theme::ok()),
    };
    let partitions = match m.status {
        TailStatus::Running { partitions } => format!(" · {partitions} partitions"),
        _ => String::new(),
    };
    let mut spans = vec![
        Span::raw(" "),
        state,
        Span::raw(format!(
            " · {}{partitions} · received {}",
            m.start.describe(),
            present::count_u(m.received)
        )),
    ];
    if m.skipped > 0 {
        spans.push(Span::styled(
            format!(" · sampled: {} skipped", present::count_u(m.skipped)),
            theme::warn(),
        ));
    }
    if !m.filter().is_empty() {
        spans.push(Span::raw(format!(
            " · {} of {} match",
            m.len(),
            m.buffered()
        )));
    }
    if let Some(w) = &m.warning {
        spans.push(Span::styled(format!(" · {w}"), theme::danger()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The search's progress: scanned (of how many), matched, the rate; then what
/// following live added.
fn draw_search_info(s: &Search, m: &MessagesState, f: &mut Frame, area: Rect) {
    let state = match &s.phase {
        SearchPhase::Starting => Span::styled("starting the search", theme::warn()),
        SearchPhase::Scanning => Span::styled("searching", theme::warn()),
        SearchPhase::Following => Span::styled("▶ following", theme::ok()),
        SearchPhase::Cancelled => Span::styled("cancelled", theme::warn()),
        SearchPhase::Failed(e) => Span::styled(format!("failed: {e}"), theme::danger()),
    };
    // What changes first, so a narrow screen cuts the least useful part.
    let of_total = if s.scan_matched.is_none() && s.total > 0 {
        format!(" of {}", present::count_u(s.total))
    } else {
        String::new()
    };
    let mut text = format!(
        " · scanned {}{of_total} · {} matched",
        present::count_u(s.scanned),
        present::count_u(s.matched)
    );
    if s.is_scanning() {
        text.push_str(&format!(" · {} records/s", present::rate(s.per_sec)));
    }
    if s.phase == SearchPhase::Following {
        text.push_str(&format!(" · {} new", present::count_u(s.live())));
    }
    text.push_str(&format!(" · since {}", s.query.since));
    if s.partitions > 0 {
        text.push_str(&format!(" · {} partitions", s.partitions));
    }
    if !m.filter().is_empty() {
        text.push_str(&format!(" · {} of {} shown", m.len(), s.kept()));
    }
    let mut spans = vec![Span::raw(" "), state, Span::raw(text)];
    if s.capped() {
        spans.push(Span::styled(
            format!(
                " · only the last {} of {} matches kept",
                present::count_u(s.kept() as u64),
                present::count_u(s.received)
            ),
            theme::warn(),
        ));
    }
    if let Some(w) = &s.warning {
        spans.push(Span::styled(format!(" · {w}"), theme::danger()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_detail(m: &MessagesState, f: &mut Frame, area: Rect, shared: &Shared) {
    let block = Block::bordered()
        .title(Span::styled(" Record ", theme::title()))
        .border_style(theme::dim());
    let Some(r) = m.selected() else {
        return placeholder(f, area, block, "No record selected.");
    };
    let label = |s: &'static str| Span::styled(s, theme::header_row());
    let mut lines = vec![
        Line::from(vec![
            label("partition "),
            Span::raw(r.partition.to_string()),
            label("  offset "),
            Span::raw(r.offset.to_string()),
            label("  timestamp "),
            Span::raw(format!(
                "{} ({})",
                present::timestamp(r.timestamp_ms, shared.cfg.utc_offset_secs),
                r.timestamp_text()
            )),
        ]),
        Line::from(vec![
            label("key "),
            match (m.raw, r.key.schema.as_deref()) {
                (true, Some(note)) => Span::raw(note.raw_hex.replace('\n', " ")),
                _ if r.key.encoding == Encoding::Null => Span::styled("none", theme::dim()),
                _ => Span::raw(inline(&r.key)),
            },
        ]),
    ];
    if r.headers.is_empty() {
        lines.push(Line::from(vec![
            label("headers "),
            Span::styled("none", theme::dim()),
        ]));
    } else {
        let hs: Vec<String> = r
            .headers
            .iter()
            .map(|(k, v)| format!("{}={}", text::visible(k), inline(v)))
            .collect();
        lines.push(Line::from(vec![
            label("headers "),
            Span::raw(hs.join(", ")),
        ]));
    }
    for (what, rendered) in [("key", &r.key), ("value", &r.value)] {
        match rendered.schema.as_deref() {
            Some(SchemaNote {
                schema: Some(info), ..
            }) => lines.push(Line::from(vec![
                label(if what == "key" {
                    "key schema "
                } else {
                    "schema "
                }),
                Span::raw(text::visible(&info.describe()).into_owned()),
            ])),
            Some(SchemaNote {
                error: Some(reason),
                ..
            }) => lines.push(Line::from(vec![
                label(if what == "key" {
                    "key not decoded "
                } else {
                    "not decoded "
                }),
                Span::styled(text::visible(reason).into_owned(), theme::warn()),
            ])),
            _ => {}
        }
    }
    // `x` shows what a schema decoded as the bytes on the wire, and back.
    let raw = m.raw.then_some(r.value.schema.as_deref()).flatten();
    let kind = match r.value.encoding {
        _ if raw.is_some() => "raw bytes (hex)",
        Encoding::Json => "JSON",
        Encoding::Text => "text",
        Encoding::Binary => "binary (hex)",
        Encoding::Null => "null",
    };
    let mut value_label = format!("value · {kind} · {}", present::bytes(r.value.size));
    if r.value.truncated {
        value_label.push_str(" · truncated");
    }
    if r.value.schema.is_some() || r.key.schema.is_some() {
        let key = shared.key(Scope::Messages, Action::ToggleRaw);
        let then = if m.raw { "decoded" } else { "raw" };
        value_label.push_str(&format!(" · {key}: {then}"));
    }
    lines.push(Line::from(label_owned(value_label)));
    let shown = raw.map_or(r.value.text.as_str(), |note| note.raw_hex.as_str());
    for l in shown.lines() {
        lines.push(Line::from(l.to_string()));
    }
    if r.value.truncated {
        lines.push(Line::from(Span::styled(
            format!("… (truncated: {} in all)", present::bytes(r.value.size)),
            theme::dim(),
        )));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((m.detail_scroll, 0)),
        area,
    );
}

fn label_owned(s: String) -> Span<'static> {
    Span::styled(s, theme::header_row())
}

/// A key or header value on one line: text with its hidden characters written
/// out, bytes as one row of hex.
fn inline(r: &Rendered) -> String {
    match r.encoding {
        Encoding::Binary => r.text.replace('\n', " "),
        _ => text::visible(&r.text).into_owned(),
    }
}

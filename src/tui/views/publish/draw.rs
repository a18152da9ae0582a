//! Drawing the publisher panel: the form with inline validation, the last
//! delivery (partition and offset, or the error) and the bulk test's progress
//! gauge and report.

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph};
use ratatui::Frame;

use super::form::{FieldKind, FormKind};
use super::PublishState;
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::shared::Shared;
use crate::tui::views::{view_block, View};
use crate::tui::widgets::theme;
use kaftop_core::present::{self, text};

const LABEL_W: usize = 12;

pub(super) fn draw(p: &PublishState, f: &mut Frame, area: Rect, shared: &Shared) {
    let form = p.form();
    let result_h: u16 = if form.kind == FormKind::Bulk { 6 } else { 3 };
    let result_h = if area.height >= 12 { result_h } else { 0 };
    let [tabs, body, result] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(result_h),
    ])
    .areas(area);

    let mut spans = Vec::new();
    for (i, k) in FormKind::ALL.iter().enumerate() {
        let text = format!(" {} ", k.title());
        spans.push(if i == p.current {
            Span::styled(text, theme::tab_active())
        } else {
            Span::raw(text)
        });
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);

    let target = match form.kind {
        FormKind::Created => format!("→ {}", shared.cfg.topics.created),
        FormKind::Read => format!("→ {}", shared.cfg.topics.read),
        FormKind::Deleted => format!("→ {}", shared.cfg.topics.deleted),
        FormKind::Free => "→ any topic".into(),
        FormKind::Bulk => "→ the event topics".into(),
    };
    let block = view_block(format!("{} {target}", form.kind.title()), "");
    let inner = block.inner(body);
    f.render_widget(block, body);
    let value_w = (inner.width as usize)
        .saturating_sub(LABEL_W + 4)
        .clamp(1, 60);
    let mut lines = Vec::new();
    for (i, field) in form.fields.iter().enumerate() {
        let selected = i == form.cursor;
        let editing = selected && p.editing;
        let marker = if selected { "▸ " } else { "  " };
        let (shown, col) = if editing {
            field.input.visible(value_w)
        } else {
            (text::truncate(field.input.text(), value_w), 0)
        };
        let value_style = if editing {
            theme::selected()
        } else if selected {
            theme::accent()
        } else {
            ratatui::style::Style::new()
        };
        let mut l = vec![
            Span::raw(marker),
            Span::styled(format!("{:<LABEL_W$}", field.name), theme::header_row()),
            Span::styled(format!("{shown:<value_w$}"), value_style),
        ];
        match (&field.error, selected) {
            (Some(e), _) => l.push(Span::styled(format!(" ✗ {e}"), theme::danger())),
            (None, true) => l.push(Span::styled(format!("  {}", field.hint()), theme::dim())),
            _ => {}
        }
        if let FieldKind::Choice(opts) = field.kind {
            if selected {
                l.push(Span::styled(format!(" ({})", opts.join("/")), theme::dim()));
            }
        }
        if editing && (i as u16) < inner.height {
            let x =
                inner.x + (2 + LABEL_W + col).min(inner.width.saturating_sub(1) as usize) as u16;
            f.set_cursor_position(Position::new(x, inner.y + i as u16));
        }
        lines.push(Line::from(l));
    }
    if inner.height as usize > lines.len() + 1 {
        lines.push(Line::from(""));
        let km = &shared.cfg.keymap;
        let scope = p.scope();
        let key = |a| km.keys_for(scope, a).unwrap_or_default();
        let field_key = |a| km.first_key(Scope::Form, a).unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!(
                "{} edit · {} send · {} form · {} reset · while editing: {}/{} done, {} next field, {} send",
                key(Action::Edit),
                key(Action::Send),
                key(Action::NextForm),
                key(Action::ResetForm),
                field_key(Action::Accept),
                field_key(Action::Cancel),
                field_key(Action::NextField),
                field_key(Action::SendFromField),
            ),
            theme::dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);

    if result_h > 0 {
        draw_result(p, f, result);
    }
}

fn draw_result(p: &PublishState, f: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(Span::styled(" Result ", theme::title()))
        .border_style(theme::dim());
    let inner = block.inner(area);
    f.render_widget(block, area);
    if p.form().kind == FormKind::Bulk {
        let Some(b) = &p.bulk else {
            f.render_widget(
                Paragraph::new("No bulk test yet: s sends `count` events (the seed's bulk test).")
                    .style(theme::dim()),
                inner,
            );
            return;
        };
        let [gauge, lines] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let label = format!(
            "{} / {} delivered{}{}",
            present::count_u(b.delivered),
            present::count_u(b.spec.count),
            if b.failed > 0 {
                format!(", {} failed", present::count_u(b.failed))
            } else {
                String::new()
            },
            match (b.cancelling, b.running()) {
                (true, true) => " (cancelling)",
                (true, false) => " (cancelled)",
                _ => "",
            }
        );
        let style = if b.failed > 0 {
            theme::danger()
        } else {
            theme::ok()
        };
        f.render_widget(
            Gauge::default()
                .ratio(b.ratio())
                .label(label)
                .gauge_style(style),
            gauge,
        );
        let text: Vec<Line> = match &b.outcome {
            None => vec![Line::from(format!(
                "running: {} queued …",
                present::count_u(b.queued)
            ))],
            Some(Ok(r)) => {
                let mut v = vec![
                    Line::from(Span::styled(r.summary_line(), theme::ok())),
                    Line::from(r.latency_line()),
                ];
                for line in r.failure_lines() {
                    v.push(Line::from(Span::styled(line, theme::danger())));
                }
                v
            }
            Some(Err(e)) => vec![Line::from(Span::styled(
                format!("bulk test failed: {e}"),
                theme::danger(),
            ))],
        };
        f.render_widget(Paragraph::new(text), lines);
        return;
    }
    let line = match (&p.last, p.in_flight.is_empty()) {
        (_, false) => Line::from(Span::styled(
            format!("sending {} …", p.in_flight.len()),
            theme::warn(),
        )),
        (Some(Ok(l)), true) => Line::from(Span::styled(l.clone(), theme::ok())),
        (Some(Err(e)), true) => Line::from(Span::styled(e.clone(), theme::danger())),
        (None, true) => Line::from(Span::styled("Nothing sent yet.", theme::dim())),
    };
    f.render_widget(Paragraph::new(line), inner);
}

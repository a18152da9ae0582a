//! The dialog over the view: its fields, the error, the preview table and
//! the confirmation line.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::{Dialog, Stage};
use crate::tui::widgets::theme;
use kaftop_core::present::text;

/// Rows of the preview shown at most.
const PREVIEW_ROWS: usize = 20;

pub(crate) fn draw(f: &mut Frame, area: Rect, d: &Dialog) {
    let popup = crate::tui::modes::overlay_area(area);
    let mut lines: Vec<Line> = Vec::new();
    let focus = match d.stage {
        Stage::Fields { focus } => Some(focus),
        _ => None,
    };
    for (i, field) in d.fields.iter().enumerate() {
        let marker = if focus == Some(i) { "> " } else { "  " };
        let value = match &field.choices {
            Some(_) => format!("< {} >", field.value()),
            None => field.value().to_string(),
        };
        let style = if focus == Some(i) {
            theme::accent()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{}", text::pad(field.label, 38)), style),
            Span::raw(value),
        ]));
    }
    lines.push(Line::from(""));
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(e.clone(), theme::danger())));
    }
    match &d.stage {
        Stage::Fields { .. } => lines.push(hint(
            "tab/↑↓ field · ←/→ choose · enter preview · esc cancel",
        )),
        Stage::Planning => lines.push(hint("planning …")),
        Stage::Confirm { plan, typed } => {
            preview(&mut lines, plan);
            let expected = d.confirmation().unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("type `{expected}` to confirm: "), theme::accent()),
                Span::raw(typed.text().to_string()),
            ]));
            lines.push(hint("enter carry it out · esc cancel"));
        }
        Stage::Executing { plan } => {
            preview(&mut lines, plan);
            lines.push(hint("carrying it out …"));
        }
    }
    f.render_widget(Clear, popup);
    let block = Block::bordered().title(format!(" {} ", d.form.title()));
    f.render_widget(Paragraph::new(lines).block(block), popup);
}

fn hint(s: &str) -> Line<'static> {
    Line::from(Span::styled(s.to_string(), theme::dim()))
}

/// The plan as a table of padded columns.
fn preview(lines: &mut Vec<Line>, plan: &crate::tui::ops::Planned) {
    let header: Vec<String> = plan.header().iter().map(|h| h.to_string()).collect();
    let rows = plan.rows();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            std::iter::once(&header)
                .chain(rows.iter())
                .map(|r| r.get(c).map_or(0, |v| text::width(v)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let join = |r: &[String]| {
        r.iter()
            .zip(&widths)
            .map(|(v, w)| text::pad(v, *w))
            .collect::<Vec<_>>()
            .join("  ")
    };
    lines.push(Line::from(Span::styled(join(&header), theme::header_row())));
    for r in rows.iter().take(PREVIEW_ROWS) {
        lines.push(Line::from(join(r)));
    }
    if rows.len() > PREVIEW_ROWS {
        lines.push(hint(&format!("… {} more", rows.len() - PREVIEW_ROWS)));
    }
    if let Some(s) = plan.summary() {
        lines.push(Line::from(s));
    }
    lines.push(Line::from(""));
}

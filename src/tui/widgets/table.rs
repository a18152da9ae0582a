//! A table that builds and renders only the rows that fit: the cost of drawing
//! does not grow with the number of rows (10 000 partitions draw like 40).

use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table, TableState};
use ratatui::Frame;

use super::theme;
use crate::tui::widgets::cursor::ListCursor;

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    pub right: bool,
}

impl Column {
    pub const fn left(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            right: false,
        }
    }

    pub const fn right(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            right: true,
        }
    }
}

/// A right-aligned cell (numbers).
pub fn right<'a>(s: impl Into<Line<'a>>) -> Cell<'a> {
    Cell::from(s.into().alignment(Alignment::Right))
}

/// Draws `len` rows of which only the visible ones are built by `row(i)`.
pub fn draw<'a>(
    f: &mut Frame,
    area: Rect,
    block: Block<'a>,
    columns: &[Column],
    len: usize,
    cursor: &ListCursor,
    mut row: impl FnMut(usize) -> Row<'a>,
) {
    let position = if len == 0 {
        String::new()
    } else {
        format!(" {}/{} ", cursor.selected().min(len - 1) + 1, len)
    };
    let block = block.title_bottom(Line::from(position).right_aligned());
    let inner = block.inner(area);
    // One line for the header.
    let height = inner.height.saturating_sub(1) as usize;
    let window = cursor.window(len, height);
    let start = window.start;
    let rows: Vec<Row> = window.map(&mut row).collect();
    let header = Row::new(columns.iter().map(|c| {
        if c.right {
            right(c.title)
        } else {
            Cell::from(c.title)
        }
    }))
    .style(theme::header_row());
    let table = Table::new(rows, columns.iter().map(|c| c.width))
        .header(header)
        .block(block)
        .row_highlight_style(theme::selected());
    let mut state = TableState::default();
    if len > 0 {
        state.select(Some(cursor.selected().min(len - 1) - start));
    }
    f.render_stateful_widget(table, area, &mut state);
}

//! A table that builds and renders only the rows that fit: the cost of drawing
//! does not grow with the number of rows (10 000 partitions draw like 40).
//!
//! On a narrow screen whole columns are dropped, the least needed first
//! ([`Column::drop_first`]), before any is squeezed: a header never reads
//! `STATU` nor a cell `ght up`.

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table, TableState};
use ratatui::Frame;

use super::theme;
use crate::tui::widgets::cursor::ListCursor;

/// Columns between two columns.
const SPACING: u16 = 1;

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    pub right: bool,
    /// When the columns do not fit, the highest is dropped first; 0: never.
    pub drop: u8,
}

impl Column {
    pub const fn left(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            right: false,
            drop: 0,
        }
    }

    pub const fn right(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            right: true,
            drop: 0,
        }
    }

    /// Dropped at rank `rank` when the columns do not fit (higher: sooner).
    pub const fn drop_first(mut self, rank: u8) -> Self {
        self.drop = rank;
        self
    }

    /// The fewest columns it needs (a column that fills takes its title's).
    fn min_width(&self) -> u16 {
        match self.width {
            Constraint::Length(n) | Constraint::Min(n) | Constraint::Max(n) => n,
            _ => self.title.len() as u16,
        }
    }
}

/// Which columns are shown and how wide each is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// Per column, in the columns' order: its width, or `None` when dropped.
    pub widths: Vec<Option<u16>>,
}

impl Fit {
    /// The width of column `i` (0 when dropped).
    pub fn width(&self, i: usize) -> usize {
        self.widths.get(i).copied().flatten().unwrap_or(0) as usize
    }
}

/// Fits `columns` into `width`: columns with no width are left out, then the
/// highest [`Column::drop`] ranks (the rightmost of a rank first) until the
/// rest fit; the widths come from ratatui's layout of what is left.
pub fn fit(columns: &[Column], width: u16) -> Fit {
    let mut kept: Vec<bool> = columns
        .iter()
        .map(|c| c.width != Constraint::Length(0))
        .collect();
    let need = |kept: &[bool]| -> u32 {
        let shown: Vec<&Column> = columns
            .iter()
            .zip(kept)
            .filter(|k| *k.1)
            .map(|k| k.0)
            .collect();
        let spaces = u32::from(SPACING) * shown.len().saturating_sub(1) as u32;
        shown.iter().map(|c| u32::from(c.min_width())).sum::<u32>() + spaces
    };
    while need(&kept) > u32::from(width) {
        let next = (0..columns.len())
            .rev()
            .filter(|&i| kept[i] && columns[i].drop > 0)
            .max_by_key(|&i| columns[i].drop);
        match next {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let constraints: Vec<Constraint> = columns
        .iter()
        .zip(&kept)
        .filter(|k| *k.1)
        .map(|k| k.0.width)
        .collect();
    let areas = Layout::horizontal(constraints)
        .spacing(SPACING)
        .split(Rect::new(0, 0, width, 1));
    let mut shown = areas.iter();
    let widths = kept
        .iter()
        .map(|&k| {
            if k {
                shown.next().map(|a| a.width)
            } else {
                None
            }
        })
        .collect();
    Fit { widths }
}

/// One row's cells, one per column (those of dropped columns are left out),
/// and its style.
pub struct Cells<'a> {
    pub cells: Vec<Cell<'a>>,
    pub style: Style,
}

impl<'a> Cells<'a> {
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }
}

impl<'a> From<Vec<Cell<'a>>> for Cells<'a> {
    fn from(cells: Vec<Cell<'a>>) -> Self {
        Cells {
            cells,
            style: Style::default(),
        }
    }
}

/// A right-aligned cell (numbers).
pub fn right<'a>(s: impl Into<Line<'a>>) -> Cell<'a> {
    Cell::from(s.into().alignment(Alignment::Right))
}

/// Draws `len` rows of which only the visible ones are built by `row(i, fit)`
/// (`fit`: the columns shown and their widths).
pub fn draw<'a, R: Into<Cells<'a>>>(
    f: &mut Frame,
    area: Rect,
    block: Block<'a>,
    columns: &[Column],
    len: usize,
    cursor: &ListCursor,
    mut row: impl FnMut(usize, &Fit) -> R,
) {
    let position = if len == 0 {
        String::new()
    } else {
        format!(" {}/{} ", cursor.selected().min(len - 1) + 1, len)
    };
    let block = block.title_bottom(Line::from(position).right_aligned());
    let inner = block.inner(area);
    let fit = fit(columns, inner.width);
    let shown = |i: &usize| fit.widths.get(*i).is_some_and(Option::is_some);
    // One line for the header.
    let height = inner.height.saturating_sub(1) as usize;
    let window = cursor.window(len, height);
    let start = window.start;
    let drawn = u16::try_from(window.len()).unwrap_or(u16::MAX);
    cursor.drawn_at(
        area,
        Rect {
            y: inner.y + 1,
            height: drawn,
            ..inner
        },
    );
    let rows: Vec<Row> = window
        .map(|i| {
            let r: Cells = row(i, &fit).into();
            let cells = r.cells.into_iter().enumerate().filter(|(i, _)| shown(i));
            Row::new(cells.map(|(_, c)| c)).style(r.style)
        })
        .collect();
    let header = Row::new(
        columns
            .iter()
            .enumerate()
            .filter(|(i, _)| shown(i))
            .map(|(_, c)| {
                if c.right {
                    right(c.title)
                } else {
                    Cell::from(c.title)
                }
            }),
    )
    .style(theme::header_row());
    let widths = fit.widths.iter().flatten().map(|w| Constraint::Length(*w));
    let table = Table::new(rows, widths)
        .column_spacing(SPACING)
        .header(header)
        .block(block)
        .row_highlight_style(theme::selected());
    let mut state = TableState::default();
    if len > 0 {
        state.select(Some(cursor.selected().min(len - 1) - start));
    }
    f.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(columns: &[Column], width: u16) -> Vec<Option<u16>> {
        fit(columns, width).widths
    }

    #[test]
    fn whole_columns_are_dropped_by_rank_before_any_is_squeezed() {
        let columns = [
            Column::left("GROUP", Constraint::Min(10)),
            Column::left("STATE", Constraint::Length(8)).drop_first(2),
            Column::left("TREND", Constraint::Length(6)).drop_first(3),
            Column::right("LAG", Constraint::Length(6)),
            Column::left("STATUS", Constraint::Length(6)),
        ];
        // 10 + 8 + 6 + 6 + 6 and 4 spaces: 40.
        assert_eq!(
            widths(&columns, 40),
            [Some(10), Some(8), Some(6), Some(6), Some(6)]
        );
        assert_eq!(
            widths(&columns, 50),
            [Some(20), Some(8), Some(6), Some(6), Some(6)]
        );
        // The trend goes first, then the state; the rest is never dropped.
        assert_eq!(
            widths(&columns, 39),
            [Some(16), Some(8), None, Some(6), Some(6)]
        );
        assert_eq!(
            widths(&columns, 30),
            [Some(16), None, None, Some(6), Some(6)]
        );
        let squeezed = widths(&columns, 20);
        assert_eq!(squeezed[1..3], [None, None]);
        assert!(squeezed.iter().flatten().sum::<u16>() <= 20);
    }

    #[test]
    fn a_column_without_width_is_left_out() {
        let columns = [
            Column::left("A", Constraint::Min(3)),
            Column::left("B", Constraint::Length(0)),
            Column::left("C", Constraint::Length(3)),
        ];
        assert_eq!(widths(&columns, 7), [Some(3), None, Some(3)]);
    }
}

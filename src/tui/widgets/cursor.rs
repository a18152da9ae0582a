//! The selected row of a list and the first row drawn. Only the rows that fit are
//! ever rendered, so a table of 10 000 partitions costs what a screenful costs.

use std::cell::Cell;
use std::ops::Range;

use ratatui::layout::{Position, Rect};

#[derive(Debug, Clone, Default)]
pub struct ListCursor {
    selected: usize,
    /// First visible row. Render-time state: the viewport height is known only
    /// when drawing, so drawing adjusts it (a `Cell`, to keep drawing `&self`).
    offset: Cell<usize>,
    /// Where the list was last drawn, for the mouse: its whole area and the
    /// rows in it (render-time state too).
    drawn: Cell<Option<(Rect, Rect)>>,
}

impl ListCursor {
    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn select(&mut self, i: usize) {
        self.selected = i;
    }

    /// Moves by `delta` rows within `0..len`.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        let last = len.saturating_sub(1);
        self.selected = self
            .selected
            .min(last)
            .saturating_add_signed(delta)
            .min(last);
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    pub fn is_at_bottom(&self, len: usize) -> bool {
        self.selected + 1 >= len
    }

    /// Records where the list was drawn: `area`, and `rows`, the rows of the
    /// last [`window`](Self::window) from its first line down.
    pub fn drawn_at(&self, area: Rect, rows: Rect) {
        self.drawn.set(Some((area, rows)));
    }

    /// Whether the list was last drawn over this screen cell.
    pub fn covers(&self, col: u16, row: u16) -> bool {
        self.drawn
            .get()
            .is_some_and(|(area, _)| area.contains(Position::new(col, row)))
    }

    /// The row drawn at this screen cell, if one was.
    pub fn row_at(&self, col: u16, row: u16) -> Option<usize> {
        let (_, rows) = self.drawn.get()?;
        rows.contains(Position::new(col, row))
            .then(|| self.offset.get() + usize::from(row - rows.y))
    }

    /// The rows drawn last time, within `0..len`: none before the first draw.
    pub fn shown(&self, len: usize) -> Range<usize> {
        let Some((_, rows)) = self.drawn.get() else {
            return 0..0;
        };
        let off = self.offset.get().min(len);
        off..(off + usize::from(rows.height)).min(len)
    }

    /// The rows to draw in a viewport of `height` rows, scrolled as little as
    /// possible from last time to keep the selection in view.
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        if len == 0 || height == 0 {
            return 0..0;
        }
        let sel = self.selected.min(len - 1);
        let mut off = self.offset.get();
        if sel < off {
            off = sel;
        } else if sel >= off + height {
            off = sel + 1 - height;
        }
        off = off.min(len.saturating_sub(height));
        self.offset.set(off);
        off..(off + height).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_within_bounds() {
        let mut c = ListCursor::default();
        c.move_by(-1, 10);
        assert_eq!(c.selected(), 0);
        c.move_by(25, 10);
        assert_eq!(c.selected(), 9);
        c.move_by(1, 0);
        assert_eq!(c.selected(), 0);
        c.bottom(5);
        assert!(c.is_at_bottom(5));
    }

    #[test]
    fn window_scrolls_minimally() {
        let mut c = ListCursor::default();
        assert_eq!(c.window(10_000, 20), 0..20);
        c.select(25);
        assert_eq!(c.window(10_000, 20), 6..26);
        c.select(10);
        assert_eq!(c.window(10_000, 20), 6..26);
        c.select(3);
        assert_eq!(c.window(10_000, 20), 3..23);
        // The list shrank under the cursor.
        c.select(9_999);
        assert_eq!(c.window(10_000, 20), 9_980..10_000);
        assert_eq!(c.window(5, 20), 0..5);
        assert_eq!(c.window(0, 20), 0..0);
        assert_eq!(c.window(5, 0), 0..0);
    }

    #[test]
    fn a_click_finds_the_row_drawn_there() {
        let c = ListCursor::default();
        assert_eq!(c.row_at(3, 5), None);
        c.window(100, 10);
        let mut c = c;
        c.select(30);
        let window = c.window(100, 10);
        assert_eq!(window, 21..31);
        c.drawn_at(Rect::new(0, 2, 40, 13), Rect::new(1, 4, 38, 10));
        assert_eq!(c.row_at(3, 4), Some(21));
        assert_eq!(c.row_at(3, 13), Some(30));
        assert_eq!(c.row_at(3, 14), None);
        assert_eq!(c.row_at(0, 5), None);
        assert!(c.covers(0, 2) && !c.covers(0, 15));
    }
}

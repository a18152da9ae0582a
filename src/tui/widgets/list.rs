//! The building block of a list view: its selection and its filter. A view
//! that holds one answers `View::list` and gets the moves and the filter
//! from the trait's defaults.

use super::cursor::ListCursor;

/// A list view's selection and filter.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    pub cursor: ListCursor,
    pub filter: String,
}

impl ListState {
    /// A new filter shows its matches from the first one.
    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.to_string();
        self.cursor.top();
    }

    /// Moves the selection by `delta` within `len` rows.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        self.cursor.move_by(delta, len);
    }
}

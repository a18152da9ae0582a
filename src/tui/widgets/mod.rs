//! Small building blocks shared by the views and modes: number and time
//! formatting, text sparklines and bars for table cells, a table that renders
//! only visible rows, a list's cursor and filter, the one-line text editor,
//! and the colour theme.

pub mod cursor;
pub mod format;
pub mod line;
pub mod list;
pub mod spark;
pub mod table;
pub mod theme;

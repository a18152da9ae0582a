//! Small building blocks shared by the views and modes: a table that renders only
//! visible rows, a list's cursor and filter, the one-line text editor, and the
//! colour theme. How a number looks is `kaftop_core::present`'s.

pub mod cursor;
pub mod line;
pub mod list;
pub mod table;
pub mod theme;

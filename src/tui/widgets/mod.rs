//! Small drawing helpers shared by the views: number and time formatting, text
//! sparklines and bars for table cells, a table that renders only visible rows,
//! and the colour theme.

pub mod format;
pub mod spark;
pub mod table;
pub mod theme;

//! Small drawing helpers shared by the views: a table that renders only visible
//! rows, and the colour theme. How a number looks is `kaftop_core::present`'s.

pub mod table;
pub mod theme;

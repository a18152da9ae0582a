//! What an on-call engineer reads first, without a screen: the order of
//! severity the overview and the incident snapshot share ([`rank`]), and the
//! incident snapshot itself ([`incident`]: cluster metrics and the records at
//! stuck offsets → a Markdown report and its JSON twin). Pure: no clock, and
//! no I/O but [`save`], which writes the files.

pub mod clusters;
pub mod incident;
pub mod markdown;
pub mod rank;
pub mod save;
pub mod words;

#[cfg(test)]
mod tests;

pub use incident::{Incident, PeekedRecord};

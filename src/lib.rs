//! kaftop: a terminal dashboard for Apache Kafka and the message service running on it.
//!
//! This crate is the face: the command line (`cli`), the headless subcommands
//! (`commands`) and the dashboard (`tui`). Everything below the screen lives in
//! `kaftop-core`, and the embedded services and the demo in `kaftop-services`; this
//! crate names both by their own paths (`kaftop_core::kafka::…`,
//! `kaftop_services::store::…`) so that every import shows which boundary it
//! crosses. `main.rs` only
//! parses the command line and calls [`commands::run`].

// The workspace denies unsafe code; this crate has none at all and says so.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
mod errors;
pub mod logging;
pub mod parse;
mod registry;
pub mod schema_publish;
mod search;
pub mod serve;
mod signals;
pub mod tui;

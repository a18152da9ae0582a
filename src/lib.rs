//! kaftop: a terminal dashboard for Apache Kafka and the message service running on it.
//!
//! The library holds everything; `main.rs` only parses the command line and calls
//! [`commands::run`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod events;
pub mod kafka;
pub mod logging;
pub mod metrics;
pub mod services;
pub mod tui;

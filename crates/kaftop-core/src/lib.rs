//! kaftop's core: everything that is not a screen or a command line. Kafka access
//! (`kafka`), pure metrics over snapshots (`metrics`), the seed's event schemas
//! (`events`), configuration (`config`), how a number reads on every surface
//! (`present`), the embedded reference consumers
//! (`services`) and the self-contained demo (`demo`).
//!
//! This crate does not depend on ratatui, crossterm or clap; the `kaftop` crate
//! (CLI, headless commands, TUI) sits on top of it. See ARCHITECTURE.md.

pub mod config;
pub mod demo;
pub mod events;
pub mod kafka;
pub mod metrics;
pub mod present;
pub mod report;
pub mod retry;
pub mod services;
pub mod worker;

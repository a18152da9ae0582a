//! kaftop's core: everything that is neither a screen, a command line nor the
//! message service's backend. Kafka access (`kafka`), pure metrics over snapshots
//! (`metrics`), the one refresh loop that feeds them (`monitor`), the seed's event
//! schemas (`events`), records in a schema registry's wire format (`schema`), configuration (`config`), incident reports (`report`), how a
//! number reads on every surface (`present`), and the threads and backoff they
//! share (`worker`, `retry`).
//!
//! This crate does not depend on ratatui, crossterm or clap, nor on the embedded
//! services' store and HTTP clients: the `kaftop-services` crate (the services and
//! the demo) and the `kaftop` crate (CLI, headless commands, TUI) sit on top of it.
//! See ARCHITECTURE.md.

pub mod config;
pub mod events;
pub mod kafka;
pub mod memory;
pub mod metrics;
pub mod monitor;
pub mod present;
pub mod report;
pub mod retry;
pub mod schema;
pub mod worker;

//! Everything that talks to Kafka. No UI types live here: the TUI and the headless
//! subcommands both call into this layer.

pub mod bulk;
pub mod client;
pub mod publisher;
pub mod topics;

pub use client::KafkaError;

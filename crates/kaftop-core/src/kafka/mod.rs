//! Everything that talks to Kafka. No UI types live here: the TUI and the headless
//! subcommands both call into this layer.

pub mod admin;
pub mod bulk;
pub mod client;
pub mod committed_records;
pub mod group_delete;
pub mod group_detail;
pub mod group_types;
pub mod health;
pub mod offsets_reset;
pub mod parallel;
pub mod peek;
pub mod poller;
pub mod progress;
pub mod publisher;
pub mod record;
#[cfg(test)]
mod record_props;
pub mod sampler;
pub mod snapshot;
pub mod topic_admin;
pub mod topics;
pub mod wire;

pub use client::KafkaError;

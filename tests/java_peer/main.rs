//! The message service's own stack as a peer (tests/java-peer, run through
//! scripts/java-peer.sh): Spring Kafka's KafkaTemplate with its JsonSerializer (and its
//! `__TypeId__` headers) and its JsonDeserializer, over the seed's event classes, on
//! the real test broker.
//!
//! - what the Java peer produces, kaftop's embedded services process exactly;
//! - what kaftop publishes deserializes into the seed's classes, every field equal;
//! - a key lands on the same partition from kaftop as from the Java producer;
//! - `kaftop tail` shows the peer's records with their type header.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod java_produces;
mod kaftop_publishes;
mod partitioning;
mod peer;
mod tail;

use std::path::PathBuf;
use std::process::Output;

use common::{assert_success, kaftop, write_config, TestTopics};

struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    topics: TestTopics,
    config: PathBuf,
}

fn env(prefix: &str, partitions: i32) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, partitions);
    let out = kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .output()
        .unwrap();
    assert_success(&out);
    Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        topics,
        config,
    }
}

impl Env {
    fn kaftop(&self, args: &[&str]) -> Output {
        let out = kaftop()
            .args(["--config", self.config.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        assert_success(&out);
        out
    }
}

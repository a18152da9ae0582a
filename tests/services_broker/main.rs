//! The embedded reference consumers against the real test broker: a scripted workload
//! from an independent producer (creates, reads, deletes, exact duplicates, poison
//! records, a read of an unknown message, a read before its message), then every
//! effect checked exactly: daily stats, receipts, archive rows, outbox, DLQ records
//! with their headers, counters and their conservation, committed offsets, and no
//! double counting across restarts.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod effects;
mod oversized_poison;
mod producer;
mod restarts;
mod scripted_workload;

use std::path::PathBuf;
use std::time::Duration;

use common::{kaftop, write_config, TestTopics};
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_services::ServicesOptions;

const PARTITIONS: i32 = 3;
const D1: &str = "2026-11-24";
const D2: &str = "2026-11-25";

/// One test's private message service: config file, topics (created with
/// `kaftop topics ensure`), data dir.
struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    topics: TestTopics,
    config: PathBuf,
    cfg: Resolved,
}

fn env(prefix: &str, extra: &str) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, PARTITIONS);
    if !extra.is_empty() {
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(extra);
        std::fs::write(&config, text).unwrap();
    }
    kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = config::load(&Overrides {
        config_file: Some(config.clone()),
        ..Overrides::default()
    })
    .unwrap();
    Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        topics,
        config,
        cfg,
    }
}

/// Options for in-process services: short timeouts for tests.
fn test_options(env: &Env) -> ServicesOptions {
    let mut o = ServicesOptions::for_config(&env.cfg);
    o.session_timeout = Duration::from_secs(6);
    o.max_poll_interval = Duration::from_secs(12);
    o.poll_timeout = Duration::from_millis(100);
    o
}

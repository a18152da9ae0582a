//! Shared helpers of the integration tests: the test broker's address, unique
//! names, a config file per test and the kaftop binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::Command;

pub mod cluster;
pub mod tmux;

/// Set by `scripts/test.sh` to the broker `scripts/test-broker.sh start` started.
pub const BOOTSTRAP_ENV: &str = "KAFTOP_TEST_BOOTSTRAP";

/// The real test broker's address. Fails (never skips) when it is not set.
pub fn bootstrap() -> String {
    match std::env::var(BOOTSTRAP_ENV) {
        Ok(b) if !b.trim().is_empty() => b,
        _ => panic!(
            "{BOOTSTRAP_ENV} is not set: these tests need the real test broker. \
             Run `scripts/test.sh`, or start one with `scripts/test-broker.sh start` \
             and export {BOOTSTRAP_ENV}=<the BOOTSTRAP=... address it prints>"
        ),
    }
}

/// A name no other test (or earlier run against the same broker) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Topic names of one test's private message service.
pub struct TestTopics {
    pub created: String,
    pub read: String,
    pub deleted: String,
}

impl TestTopics {
    pub fn new(prefix: &str) -> Self {
        let base = unique(prefix);
        TestTopics {
            created: format!("{base}.message.created"),
            read: format!("{base}.message.read"),
            deleted: format!("{base}.message.deleted"),
        }
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.created, &self.read, &self.deleted]
    }
}

/// Writes a config file pointing at the test broker with this test's topics.
pub fn write_config(dir: &Path, topics: &TestTopics, partitions: i32) -> PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"
default_profile = "test"
data_dir = "{data}"
[topics.created]
name = "{c}"
partitions = {partitions}
[topics.read]
name = "{r}"
partitions = {partitions}
[topics.deleted]
name = "{d}"
partitions = {partitions}
[profiles.test]
bootstrap_servers = "{b}"
"#,
        data = dir.join("data").display(),
        c = topics.created,
        r = topics.read,
        d = topics.deleted,
        b = bootstrap(),
    );
    std::fs::write(&path, text).expect("write test config");
    path
}

/// The kaftop binary built for this test run.
pub fn kaftop() -> Command {
    let mut c = Command::cargo_bin("kaftop").expect("kaftop binary");
    c.env_remove("KAFTOP_CONFIG")
        .timeout(Duration::from_secs(120));
    c
}

/// Asserts that a command succeeded, showing its stderr when it did not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `f` until it returns `Some`, or panics with `what` after `deadline`.
pub fn wait_for<T>(what: &str, deadline: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > end {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

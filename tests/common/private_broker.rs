//! A private single broker in a tempdir, for tests that stop a whole cluster
//! (the shared test brokers are never stopped whole).

use std::path::PathBuf;

use super::{broker_script, try_broker_script};

/// `scripts/test-broker.sh start` in its own tempdir; stopped on drop, so a test
/// that fails midway leaves no JVM behind.
pub(crate) struct PrivateBroker {
    dir: tempfile::TempDir,
    pub(crate) bootstrap: String,
}

impl PrivateBroker {
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = broker_script(&dir.path().join("kafka"), &["start"]);
        let bootstrap = value(&out, "BOOTSTRAP");
        PrivateBroker { dir, bootstrap }
    }

    /// The state directory, for `broker_script`.
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.path().join("kafka")
    }

    /// Stops the broker (gracefully) now; idempotent.
    pub(crate) fn stop(&self) {
        broker_script(&self.state(), &["stop"]);
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        if let Err(e) = try_broker_script(&self.state(), &["stop"]) {
            eprintln!("could not stop the private broker: {e}");
        }
    }
}

fn value(lines: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    lines
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {key} in {lines}"))
        .to_string()
}

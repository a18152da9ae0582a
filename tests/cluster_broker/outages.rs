//! Outages the tests cause: a node of the shared cluster stopped while a guard
//! lives, and a private single broker to stop whole.

use std::path::PathBuf;

use crate::common::{broker_script, try_broker_script, Cluster};

/// Node `n` is stopped while this lives; dropping it starts the node again and
/// waits until it answers (without panicking: it may run while a test unwinds; if
/// the node does not start, the next test's [`Cluster::exclusive`] says so).
pub(crate) struct NodeDown<'a> {
    cluster: &'a Cluster,
    node: u32,
}

impl<'a> NodeDown<'a> {
    pub(crate) fn stop(cluster: &'a Cluster, node: u32) -> Self {
        let guard = NodeDown { cluster, node };
        cluster.stop_node(node);
        guard
    }
}

impl Drop for NodeDown<'_> {
    fn drop(&mut self) {
        if let Err(e) =
            try_broker_script(&self.cluster.dir, &["start-node", &self.node.to_string()])
        {
            eprintln!("could not start node {} again: {e}", self.node);
        }
    }
}

/// A private single broker in a tempdir, stopped on drop.
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

    pub(crate) fn state(&self) -> PathBuf {
        self.dir.path().join("kafka")
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

//! Outages the tests cause: a node of the shared cluster stopped while a guard
//! lives, and a private single broker to stop whole.

pub(crate) use crate::common::private_broker::PrivateBroker;
use crate::common::{try_broker_script, Cluster};

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

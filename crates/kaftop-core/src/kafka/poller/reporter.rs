//! Groups described by the caller instead of the cluster (the demo's own
//! consumers, on a mock cluster that answers no DescribeGroups).

use std::sync::Arc;

use crate::kafka::admin::types::GroupDescription;

/// Describes groups from what the caller knows: the groups named, as the cluster
/// would describe them. Its label says who, wherever the groups are shown.
#[derive(Clone)]
pub struct GroupReporter {
    label: &'static str,
    describe: Arc<DescribeFn>,
}

type DescribeFn = dyn Fn(&[&str]) -> Vec<GroupDescription> + Send + Sync;

impl GroupReporter {
    pub fn new(
        label: &'static str,
        describe: impl Fn(&[&str]) -> Vec<GroupDescription> + Send + Sync + 'static,
    ) -> Self {
        GroupReporter {
            label,
            describe: Arc::new(describe),
        }
    }

    /// The named groups as the caller knows them.
    pub(super) fn describe(&self, groups: &[&str]) -> Vec<GroupDescription> {
        (self.describe)(groups)
    }

    /// Who describes the groups ("reported by the demo's consumers").
    pub fn label(&self) -> &'static str {
        self.label
    }
}

impl std::fmt::Debug for GroupReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupReporter({:?})", self.label)
    }
}

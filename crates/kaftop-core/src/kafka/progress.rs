//! How far the refresh that is running has got, readable from another thread
//! while it runs: the dashboard's "reading N of M groups" line. The refresher
//! writes it; anyone holding a clone of the `Arc` reads it.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The steps of a refresh, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Brokers, topics and partitions, the cluster id and the controller.
    Metadata,
    /// `min.insync.replicas` of the topics with partitions out of sync.
    TopicConfigs,
    GroupList,
    GroupDescriptions,
    CommittedOffsets,
    /// Low and high watermarks of every partition.
    Watermarks,
    /// The record at each lagging committed offset (exact time lag).
    CommittedRecords,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Metadata,
        Step::TopicConfigs,
        Step::GroupList,
        Step::GroupDescriptions,
        Step::CommittedOffsets,
        Step::Watermarks,
        Step::CommittedRecords,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Metadata => "metadata",
            Step::TopicConfigs => "topic_configs",
            Step::GroupList => "group_list",
            Step::GroupDescriptions => "group_descriptions",
            Step::CommittedOffsets => "committed_offsets",
            Step::Watermarks => "watermarks",
            Step::CommittedRecords => "committed_records",
        }
    }
}

/// How long one step of a refresh took. A step a refresh skips (no groups, a
/// cluster that could not be reached) has no timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StepTiming {
    pub step: Step,
    pub took: Duration,
}

/// Shared progress of the running refresh. All counts are relaxed atomics: a
/// reader sees a recent value, never a torn one.
#[derive(Debug, Default)]
pub struct ReadProgress {
    /// `Step::ALL` index + 1 of the running step; 0 between refreshes.
    step: AtomicU8,
    groups_done: AtomicUsize,
    groups_total: AtomicUsize,
}

/// A snapshot of [`ReadProgress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressNow {
    /// The running step; `None` between refreshes.
    pub step: Option<Step>,
    pub groups_done: usize,
    pub groups_total: usize,
}

impl ReadProgress {
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A step starts.
    pub fn begin(&self, step: Step) {
        let i = Step::ALL.iter().position(|s| *s == step).unwrap_or(0);
        self.step.store(i as u8 + 1, Ordering::Relaxed);
    }

    /// The refresh is over.
    pub fn finish(&self) {
        self.step.store(0, Ordering::Relaxed);
    }

    /// `total` groups to read this refresh; none read yet.
    pub fn groups(&self, total: usize) {
        self.groups_done.store(0, Ordering::Relaxed);
        self.groups_total.store(total, Ordering::Relaxed);
    }

    /// `n` more groups read.
    pub fn groups_read(&self, n: usize) {
        self.groups_done.fetch_add(n, Ordering::Relaxed);
    }

    pub fn now(&self) -> ProgressNow {
        let step = match self.step.load(Ordering::Relaxed) {
            0 => None,
            i => Step::ALL.get(usize::from(i) - 1).copied(),
        };
        ProgressNow {
            step,
            groups_done: self.groups_done.load(Ordering::Relaxed),
            groups_total: self.groups_total.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_the_step_and_the_counts() {
        let p = ReadProgress::shared();
        assert_eq!(p.now().step, None);
        p.begin(Step::CommittedOffsets);
        p.groups(40);
        p.groups_read(15);
        p.groups_read(5);
        assert_eq!(
            p.now(),
            ProgressNow {
                step: Some(Step::CommittedOffsets),
                groups_done: 20,
                groups_total: 40
            }
        );
        p.finish();
        assert_eq!(p.now().step, None);
    }
}

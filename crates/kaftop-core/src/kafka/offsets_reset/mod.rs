//! Resetting a consumer group's committed offsets, as Apache Kafka's
//! `kafka-consumer-groups --reset-offsets` does: a [`ResetPlan`] is computed first
//! (and can be shown as a preview), then [`execute`]d exactly as planned.
//!
//! - this module: what to reset to ([`ResetTarget`]), which partitions
//!   ([`ResetScope`]) and the pure [`plan`] over fetched offsets;
//! - `time`: the `--to-datetime` and `--by-duration` forms the tool accepts;
//! - `cluster`: fetching what [`plan`] needs, and committing a plan;
//! - `typed`: the reset a group's type allows ([`prepare_for`], [`execute_for`]):
//!   a share group's start offsets, a Streams group's committed offsets.

mod cluster;
mod time;
mod typed;

pub use cluster::{execute, prepare, ResetError};
pub use time::{parse_datetime, parse_duration_back};
pub use typed::{execute_for, prepare_for};

use serde::Serialize;

use super::admin::types::GroupType;

/// Where each partition's committed offset goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTarget {
    Earliest,
    Latest,
    /// The committed offset (the log end where there is none).
    Current,
    /// This offset, clamped to the log start and end.
    Offset(i64),
    /// The committed offset moved by this much, clamped. Every partition needs a
    /// committed offset.
    ShiftBy(i64),
    /// The first record at or after this time (ms since the epoch); the log end
    /// where there is none.
    Timestamp(i64),
}

impl ResetTarget {
    /// The first record at or after `ms`; at or before the epoch, the log start
    /// (as `tail --since` reads it): the broker refuses a negative timestamp.
    pub fn at_time(ms: i64) -> ResetTarget {
        if ms <= 0 {
            ResetTarget::Earliest
        } else {
            ResetTarget::Timestamp(ms)
        }
    }

    /// Whether planning needs the offsets for a timestamp.
    pub fn timestamp(self) -> Option<i64> {
        match self {
            ResetTarget::Timestamp(ms) => Some(ms),
            _ => None,
        }
    }
}

/// Which partitions a reset covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetScope {
    /// Every partition the group has a committed offset for.
    AllTopics,
    /// These topics; each with only the listed partitions, or all of them.
    Topics(Vec<TopicScope>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicScope {
    pub topic: String,
    /// `None`: every partition of the topic.
    pub partitions: Option<Vec<i32>>,
}

impl std::str::FromStr for TopicScope {
    type Err = String;

    /// `TOPIC` or `TOPIC:P,P…`, as the tool's `--topic`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (topic, parts) = match s.split_once(':') {
            Some((t, p)) => (t, Some(p)),
            None => (s, None),
        };
        if topic.is_empty() {
            return Err(format!("`{s}` names no topic"));
        }
        let partitions = parts
            .map(|p| {
                p.split(',')
                    .map(|n| match n.trim().parse::<i32>() {
                        Ok(n) if n >= 0 => Ok(n),
                        _ => Err(format!("`{n}` in `{s}` is not a partition number")),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(TopicScope {
            topic: topic.to_string(),
            partitions,
        })
    }
}

/// What the cluster says of one partition, as [`plan`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionState {
    pub topic: String,
    pub partition: i32,
    pub committed: Option<i64>,
    pub log_start: i64,
    pub log_end: i64,
    /// The first offset at or after the target's timestamp (`None`: no such
    /// record, or no timestamp asked).
    pub at_timestamp: Option<i64>,
}

/// One partition of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedOffset {
    pub topic: String,
    pub partition: i32,
    pub current_offset: Option<i64>,
    pub new_offset: i64,
    pub log_end_offset: i64,
}

impl PlannedOffset {
    /// How the group's lag on this partition changes (positive: more to consume);
    /// `None` without a committed offset, whose lag is unknown.
    pub fn lag_change(&self) -> Option<i64> {
        self.current_offset.map(|c| c - self.new_offset)
    }
}

/// The offsets a reset commits, sorted by (topic, partition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetPlan {
    pub group: String,
    /// Which offsets the plan moves: a share group's share-partition start
    /// offsets, every other type's committed offsets (`Unknown`: the type was not
    /// asked, as with a profile the protocol client cannot speak).
    pub group_type: GroupType,
    pub partitions: Vec<PlannedOffset>,
}

impl ResetPlan {
    /// The sum of the known lag changes.
    pub fn total_lag_change(&self) -> i64 {
        self.partitions
            .iter()
            .filter_map(PlannedOffset::lag_change)
            .sum()
    }
}

/// Why a plan cannot be made from the fetched offsets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "cannot shift the offset of {topic}-{partition}: the group has no committed offset there"
    )]
    NoCommittedOffset { topic: String, partition: i32 },
    #[error(
        "a share group's start offsets have no --shift-by (nor has kafka-share-groups): \
         use --to-earliest, --to-latest, --to-current, --to-offset, --to-datetime or --by-duration"
    )]
    ShareShift,
}

/// Refuses the targets Kafka's `kafka-share-groups --reset-offsets` does not have.
pub fn check_share_target(target: ResetTarget) -> Result<(), PlanError> {
    match target {
        ResetTarget::ShiftBy(_) => Err(PlanError::ShareShift),
        _ => Ok(()),
    }
}

/// The partitions `topics` name, checked against the topics that exist (name →
/// partition ids), in the order named, each once.
pub fn scoped_partitions(
    existing: &[(String, Vec<i32>)],
    topics: &[TopicScope],
) -> Result<Vec<(String, i32)>, ScopeError> {
    let mut out = Vec::new();
    for scope in topics {
        let Some((_, ids)) = existing.iter().find(|(name, _)| *name == scope.topic) else {
            return Err(ScopeError::UnknownTopic(scope.topic.clone()));
        };
        let wanted = scope.partitions.as_ref().unwrap_or(ids);
        for &p in wanted {
            if !ids.contains(&p) {
                return Err(ScopeError::UnknownPartition {
                    topic: scope.topic.clone(),
                    partition: p,
                });
            }
            if !out.contains(&(scope.topic.clone(), p)) {
                out.push((scope.topic.clone(), p));
            }
        }
    }
    Ok(out)
}

/// A `--topic` that names what the cluster does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("topic `{0}` does not exist")]
    UnknownTopic(String),
    #[error("topic `{topic}` has no partition {partition}")]
    UnknownPartition { topic: String, partition: i32 },
}

/// The new offset of each partition, as Kafka's ConsumerGroupCommand computes it:
/// `--to-offset` and `--shift-by` are clamped to the log start and end,
/// `--to-current` and a timestamp without a record fall back to the log end.
pub fn plan(
    group: &str,
    target: ResetTarget,
    states: &[PartitionState],
) -> Result<ResetPlan, PlanError> {
    let mut partitions = states
        .iter()
        .map(|s| {
            let clamp = |o: i64| o.min(s.log_end).max(s.log_start);
            let new_offset = match target {
                ResetTarget::Earliest => s.log_start,
                ResetTarget::Latest => s.log_end,
                ResetTarget::Current => s.committed.unwrap_or(s.log_end),
                ResetTarget::Offset(o) => clamp(o),
                ResetTarget::ShiftBy(n) => match s.committed {
                    Some(c) => clamp(c.saturating_add(n)),
                    None => {
                        return Err(PlanError::NoCommittedOffset {
                            topic: s.topic.clone(),
                            partition: s.partition,
                        })
                    }
                },
                ResetTarget::Timestamp(_) => s.at_timestamp.unwrap_or(s.log_end),
            };
            Ok(PlannedOffset {
                topic: s.topic.clone(),
                partition: s.partition,
                current_offset: s.committed,
                new_offset,
                log_end_offset: s.log_end,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    Ok(ResetPlan {
        group: group.to_string(),
        group_type: GroupType::Unknown,
        partitions,
    })
}

#[cfg(test)]
mod tests;

//! The I/O around [`plan`]: what the cluster says of the group and its partitions,
//! and committing a plan. Calls block; run them off the async runtime.

use std::time::Duration;

use super::{plan, PartitionState, PlanError, ResetPlan, ResetScope, ResetTarget, ScopeError};
use crate::kafka::admin::{Admin, AdminError, OffsetSpec};
use crate::kafka::wire::WireError;
use crate::kafka::KafkaError;

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// The broker refuses to change the offsets of a group with members, and the
    /// tool refuses to plan it.
    #[error("group {group} has active members ({}): stop them before resetting its offsets", .members.join(", "))]
    ActiveMembers { group: String, members: Vec<String> },
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// The group's coordinator refused the whole request (Kafka's reason).
    #[error("the coordinator of group {group} refused to {what}: {reason}")]
    Refused {
        group: String,
        what: &'static str,
        reason: String,
    },
    /// Reading the group's type or its share-partitions failed.
    #[error("{what}: {reason}")]
    Typed { what: &'static str, reason: String },
    #[error("{what} of {topic}-{partition}: {reason}")]
    Partition {
        what: &'static str,
        topic: String,
        partition: i32,
        reason: String,
    },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// Fetches what a reset of `group` over `scope` needs and plans it. Refuses while
/// the group has members (whether or not the plan is executed, as the tool does).
pub fn prepare(
    admin: &Admin,
    bootstrap: &str,
    group: &str,
    scope: &ResetScope,
    target: ResetTarget,
    timeout: Duration,
) -> Result<ResetPlan, ResetError> {
    ensure_inactive(admin, group, timeout)?;
    plan_committed(admin, bootstrap, group, scope, target, timeout)
}

/// [`prepare`] without asking librdkafka about members (a Streams group's are
/// checked over the wire protocol: librdkafka cannot describe one).
pub(super) fn plan_committed(
    admin: &Admin,
    bootstrap: &str,
    group: &str,
    scope: &ResetScope,
    target: ResetTarget,
    timeout: Duration,
) -> Result<ResetPlan, ResetError> {
    let partitions = match scope {
        ResetScope::AllTopics => admin
            .committed_offsets(group, timeout)?
            .into_iter()
            .map(|c| (c.topic, c.partition))
            .collect(),
        ResetScope::Topics(topics) => scoped_partitions(admin, bootstrap, topics)?,
    };
    let committed = admin.committed_offsets_for(group, &partitions, timeout)?;
    let starts = admin.list_offsets(&partitions, OffsetSpec::Earliest, timeout)?;
    let ends = admin.list_offsets(&partitions, OffsetSpec::Latest, timeout)?;
    let at_time = match target.timestamp() {
        Some(ms) => admin.list_offsets(&partitions, OffsetSpec::Timestamp(ms), timeout)?,
        None => Vec::new(),
    };
    let offset = |what, list: &[crate::kafka::admin::PartitionOffset], t: &str, p: i32| {
        list.iter()
            .find(|o| o.topic == t && o.partition == p)
            .map(|o| o.offset.clone())
            .unwrap_or_else(|| Err("no answer".to_string()))
            .map_err(|reason| ResetError::Partition {
                what,
                topic: t.to_string(),
                partition: p,
                reason,
            })
    };
    let mut states = Vec::with_capacity(partitions.len());
    for (topic, partition) in &partitions {
        let committed = committed
            .iter()
            .find(|c| &c.topic == topic && c.partition == *partition);
        if let Some(reason) = committed.and_then(|c| c.error.clone()) {
            return Err(ResetError::Partition {
                what: "committed offset",
                topic: topic.clone(),
                partition: *partition,
                reason,
            });
        }
        let at_timestamp = if target.timestamp().is_some() {
            // -1: no record at or after the time.
            Some(offset("offset for the time", &at_time, topic, *partition)?).filter(|o| *o >= 0)
        } else {
            None
        };
        states.push(PartitionState {
            topic: topic.clone(),
            partition: *partition,
            committed: committed.and_then(|c| c.offset),
            log_start: offset("log start offset", &starts, topic, *partition)?,
            log_end: offset("log end offset", &ends, topic, *partition)?,
            at_timestamp,
        });
    }
    Ok(plan(group, target, &states)?)
}

/// Commits `plan` exactly, after checking once more that the group is inactive.
pub fn execute(admin: &Admin, plan: &ResetPlan, timeout: Duration) -> Result<(), ResetError> {
    ensure_inactive(admin, &plan.group, timeout)?;
    commit(admin, plan, timeout)
}

/// Commits `plan` (OffsetCommit through AlterConsumerGroupOffsets), unchecked.
pub(super) fn commit(admin: &Admin, plan: &ResetPlan, timeout: Duration) -> Result<(), ResetError> {
    let offsets: Vec<(String, i32, i64)> = plan
        .partitions
        .iter()
        .map(|p| (p.topic.clone(), p.partition, p.new_offset))
        .collect();
    for (topic, partition, outcome) in admin.alter_group_offsets(&plan.group, &offsets, timeout)? {
        if let Err(reason) = outcome {
            return Err(ResetError::Partition {
                what: "committing the offset",
                topic,
                partition,
                reason,
            });
        }
    }
    Ok(())
}

/// Refuses when `group` has members, naming each (member id, client id, host).
fn ensure_inactive(admin: &Admin, group: &str, timeout: Duration) -> Result<(), ResetError> {
    let described = admin.describe_groups(&[group], timeout)?;
    refuse_members(group, described.iter().flat_map(|d| &d.members))
}

/// [`ResetError::ActiveMembers`] when `members` has any.
pub(super) fn refuse_members<'a>(
    group: &str,
    members: impl IntoIterator<Item = &'a crate::kafka::admin::MemberDescription>,
) -> Result<(), ResetError> {
    let members: Vec<String> = members
        .into_iter()
        .map(|m| format!("{} (client {}, host {})", m.member_id, m.client_id, m.host))
        .collect();
    if members.is_empty() {
        Ok(())
    } else {
        Err(ResetError::ActiveMembers {
            group: group.to_string(),
            members,
        })
    }
}

/// The partitions `topics` name, checked against the cluster's metadata.
fn scoped_partitions(
    admin: &Admin,
    bootstrap: &str,
    topics: &[super::TopicScope],
) -> Result<Vec<(String, i32)>, ResetError> {
    let md = crate::kafka::client::fetch_metadata(
        admin.client(),
        admin.diagnosis(),
        bootstrap,
        None,
        &|| admin.serve_events(),
    )?;
    let existing: Vec<(String, Vec<i32>)> = md
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .map(|t| {
            let ids = t.partitions().iter().map(|p| p.id()).collect();
            (t.name().to_string(), ids)
        })
        .collect();
    Ok(super::scoped_partitions(&existing, topics)?)
}

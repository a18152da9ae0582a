//! The reset a group's type allows. ListGroups (v5) names the type. A share
//! group's share-partition start offsets (KIP-932) are read with
//! DescribeShareGroupOffsets and set with AlterShareGroupOffsets at its
//! coordinator, as `kafka-share-groups --reset-offsets` does. A Streams group's
//! committed offsets are committed as a consumer group's (OffsetCommit, which the
//! coordinator accepts for an empty Streams group), after StreamsGroupDescribe
//! says it has no members: librdkafka cannot describe a Streams group. Every other
//! type takes [`prepare`](super::prepare) and [`execute`](super::execute).

use std::time::Duration;

use kafka_protocol::messages::alter_share_group_offsets_request::{
    AlterShareGroupOffsetsRequestPartition, AlterShareGroupOffsetsRequestTopic,
};
use kafka_protocol::messages::{AlterShareGroupOffsetsRequest, GroupId, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::cluster::{commit, plan_committed, refuse_members};
use super::{check_share_target, plan, PartitionState, ResetError, ResetPlan};
use super::{ResetScope, ResetTarget};
use crate::config::Resolved;
use crate::kafka::admin::types::{GroupType, OffsetSpec};
use crate::kafka::admin::Admin;
use crate::kafka::group_types::{TypedDetail, TypedGroups};
use crate::kafka::snapshot::{GroupInfo, TopicInfo};
use crate::kafka::wire::reads::ClusterMetadata;
use crate::kafka::wire::{code_name, Node, WireError};

/// Plans a reset of `group` as its type allows (a dry run); refuses while the
/// group has members, as Kafka's tools do.
pub fn prepare_for(
    cfg: &Resolved,
    admin: &Admin,
    group: &str,
    scope: &ResetScope,
    target: ResetTarget,
    timeout: Duration,
) -> Result<ResetPlan, ResetError> {
    let Some(typed) = Typed::connect(cfg, timeout)? else {
        return super::prepare(admin, &cfg.bootstrap_servers, group, scope, target, timeout);
    };
    let group_type = typed.group_type(group)?;
    let plan = match group_type {
        GroupType::Share => {
            check_share_target(target)?;
            let info = typed.inactive(group)?;
            typed.plan_share(&info, scope, target)?
        }
        GroupType::Streams => {
            typed.inactive(group)?;
            plan_committed(admin, &cfg.bootstrap_servers, group, scope, target, timeout)?
        }
        _ => super::prepare(admin, &cfg.bootstrap_servers, group, scope, target, timeout)?,
    };
    Ok(ResetPlan { group_type, ..plan })
}

/// Carries out `plan` exactly, after checking once more that the group has no
/// members.
pub fn execute_for(
    cfg: &Resolved,
    admin: &Admin,
    plan: &ResetPlan,
    timeout: Duration,
) -> Result<(), ResetError> {
    let typed = match plan.group_type {
        GroupType::Share | GroupType::Streams => Typed::connect(cfg, timeout)?,
        _ => None,
    };
    match (plan.group_type, typed) {
        (GroupType::Share, Some(typed)) => {
            let info = typed.inactive(&plan.group)?;
            typed.alter_share(&info, plan)
        }
        (GroupType::Streams, Some(typed)) => {
            typed.inactive(&plan.group)?;
            commit(admin, plan, timeout)
        }
        _ => super::execute(admin, plan, timeout),
    }
}

/// One partition's listed offset: ((topic, partition), offset).
type Listed = ((String, i32), i64);

/// The protocol client and the cluster's metadata.
struct Typed {
    groups: TypedGroups,
    md: ClusterMetadata,
}

impl Typed {
    /// `None` for a profile the protocol client cannot speak (GSSAPI,
    /// OAUTHBEARER): its groups take the consumer path, as before types mattered.
    fn connect(cfg: &Resolved, timeout: Duration) -> Result<Option<Typed>, ResetError> {
        let groups = match TypedGroups::new(cfg, timeout) {
            Ok(g) => g,
            Err(WireError::Profile(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let md = groups.client().metadata()?;
        Ok(Some(Typed { groups, md }))
    }

    /// The type ListGroups names (`Unknown` for a group no broker lists, or a
    /// broker before ListGroups v5).
    fn group_type(&self, group: &str) -> Result<GroupType, ResetError> {
        let listed = self.groups.client().list_groups(&[])?;
        Ok(listed
            .groups
            .iter()
            .find(|g| g.group_id == group)
            .map_or(GroupType::Unknown, |g| g.group_type))
    }

    /// The share or Streams group described, refused when it has members.
    fn inactive(&self, group: &str) -> Result<GroupInfo, ResetError> {
        let read = self
            .groups
            .read(&self.md.brokers, Some(&[group.to_string()]));
        let Some(info) = read.groups.into_iter().find(|g| g.group_id == group) else {
            return Err(ResetError::Typed {
                what: "describing the group",
                reason: if read.errors.is_empty() {
                    format!("group {group} was not found")
                } else {
                    read.errors.join("; ")
                },
            });
        };
        if let Some(reason) = &info.error {
            return Err(ResetError::Typed {
                what: "describing the group",
                reason: reason.clone(),
            });
        }
        refuse_members(group, info.members.iter().flatten())?;
        Ok(info)
    }

    /// The plan of a share group: its start offsets as the current offsets
    /// (`--all-topics`: every share-partition DescribeShareGroupOffsets names).
    fn plan_share(
        &self,
        info: &GroupInfo,
        scope: &ResetScope,
        target: ResetTarget,
    ) -> Result<ResetPlan, ResetError> {
        let share = match &info.detail {
            Some(TypedDetail::Share(s)) => s.partitions.as_slice(),
            _ => &[],
        };
        let partitions: Vec<(String, i32)> = match scope {
            ResetScope::AllTopics => share
                .iter()
                .map(|p| (p.topic.clone(), p.partition))
                .collect(),
            ResetScope::Topics(topics) => {
                let existing: Vec<(String, Vec<i32>)> = self
                    .md
                    .topics
                    .iter()
                    .filter(|t| t.error.is_none())
                    .map(|t| (t.name.clone(), t.partitions.iter().map(|p| p.id).collect()))
                    .collect();
                super::scoped_partitions(&existing, topics)?
            }
        };
        let topics = self.topics_of(&partitions);
        let offsets = |spec| -> Result<Vec<Listed>, ResetError> {
            let mut out = Vec::new();
            for (ti, pi, o) in self.groups.client().list_offsets(&topics, spec) {
                let (topic, partition) = (&topics[ti].name, topics[ti].partitions[pi].id);
                let o = o.map_err(|reason| ResetError::Partition {
                    what: "listing offsets",
                    topic: topic.clone(),
                    partition,
                    reason,
                })?;
                out.push(((topic.clone(), partition), o));
            }
            Ok(out)
        };
        let starts = offsets(OffsetSpec::Earliest)?;
        let ends = offsets(OffsetSpec::Latest)?;
        let at_time = match target.timestamp() {
            Some(ms) => offsets(OffsetSpec::Timestamp(ms))?,
            None => Vec::new(),
        };
        let find = |list: &[Listed], key: &(String, i32)| {
            list.iter().find(|(k, _)| k == key).map(|(_, o)| *o)
        };
        let states: Vec<PartitionState> = partitions
            .iter()
            .map(|key| PartitionState {
                topic: key.0.clone(),
                partition: key.1,
                committed: share
                    .iter()
                    .find(|p| p.topic == key.0 && p.partition == key.1)
                    .and_then(|p| p.start_offset),
                log_start: find(&starts, key).unwrap_or(0),
                log_end: find(&ends, key).unwrap_or(0),
                // -1: no record at or after the time.
                at_timestamp: find(&at_time, key).filter(|o| *o >= 0),
            })
            .collect();
        Ok(plan(&info.group_id, target, &states)?)
    }

    /// The metadata of `partitions`' topics, only those partitions.
    fn topics_of(&self, partitions: &[(String, i32)]) -> Vec<TopicInfo> {
        self.md
            .topics
            .iter()
            .filter_map(|t| {
                let ps: Vec<_> = t
                    .partitions
                    .iter()
                    .filter(|p| partitions.contains(&(t.name.clone(), p.id)))
                    .cloned()
                    .collect();
                (!ps.is_empty()).then(|| TopicInfo {
                    name: t.name.clone(),
                    partitions: ps,
                    ..TopicInfo::default()
                })
            })
            .collect()
    }

    /// Sets the start offsets of `plan` with one AlterShareGroupOffsets at the
    /// group's coordinator.
    fn alter_share(&self, info: &GroupInfo, plan: &ResetPlan) -> Result<(), ResetError> {
        let Some(node) = info.coordinator else {
            return Err(ResetError::Typed {
                what: "finding the group's coordinator",
                reason: format!("no coordinator named for group {}", plan.group),
            });
        };
        let (_, resp) = self.groups.client().send(Node::Broker(node), 0, |_| {
            let mut r = AlterShareGroupOffsetsRequest::default();
            r.group_id = GroupId(StrBytes::from_string(plan.group.clone()));
            r.topics = by_topic(plan);
            r
        })?;
        let reason = |code: i16, message: Option<&StrBytes>| match message {
            Some(m) if !m.is_empty() => format!("{}: {}", code_name(code), m.as_str()),
            _ => code_name(code),
        };
        if resp.error_code != 0 {
            return Err(ResetError::Refused {
                group: plan.group.clone(),
                what: "set the share-partition start offsets",
                reason: reason(resp.error_code, resp.error_message.as_ref()),
            });
        }
        let failed = resp.responses.iter().find_map(|t| {
            let p = t.partitions.iter().find(|p| p.error_code != 0)?;
            Some(ResetError::Partition {
                what: "setting the start offset",
                topic: t.topic_name.0.to_string(),
                partition: p.partition_index,
                reason: reason(p.error_code, p.error_message.as_ref()),
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(())
    }
}

/// The plan's partitions as the request's topics, each topic once.
fn by_topic(plan: &ResetPlan) -> Vec<AlterShareGroupOffsetsRequestTopic> {
    let mut out: Vec<AlterShareGroupOffsetsRequestTopic> = Vec::new();
    for p in &plan.partitions {
        let mut part = AlterShareGroupOffsetsRequestPartition::default();
        part.partition_index = p.partition;
        part.start_offset = p.new_offset;
        match out.iter_mut().find(|t| t.topic_name.0.as_str() == p.topic) {
            Some(t) => t.partitions.push(part),
            None => {
                let mut t = AlterShareGroupOffsetsRequestTopic::default();
                t.topic_name = TopicName(StrBytes::from_string(p.topic.clone()));
                t.partitions = vec![part];
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::offsets_reset::PlannedOffset;

    #[test]
    fn a_share_reset_names_each_topic_once_with_its_new_start_offsets() {
        let row = |topic: &str, partition, new_offset| PlannedOffset {
            topic: topic.into(),
            partition,
            current_offset: None,
            new_offset,
            log_end_offset: 10,
        };
        let plan = ResetPlan {
            group: "g".into(),
            group_type: GroupType::Share,
            partitions: vec![row("a", 0, 4), row("b", 0, 0), row("a", 1, 7)],
        };
        let topics: Vec<(String, Vec<(i32, i64)>)> = by_topic(&plan)
            .iter()
            .map(|t| {
                let parts = t
                    .partitions
                    .iter()
                    .map(|p| (p.partition_index, p.start_offset))
                    .collect();
                (t.topic_name.0.to_string(), parts)
            })
            .collect();
        assert_eq!(
            topics,
            [
                ("a".to_string(), vec![(0, 4), (1, 7)]),
                ("b".to_string(), vec![(0, 0)])
            ]
        );
    }
}

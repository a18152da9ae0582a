//! The group reads of a refresh, batched per coordinator: one DescribeGroups
//! (classic groups) and one ConsumerGroupDescribe (KIP-848 groups) per
//! coordinator, one OffsetFetch v8+ (KIP-709: many groups) per coordinator;
//! one OffsetFetch per group where the broker is older. Coordinators in parallel.

use std::collections::{BTreeMap, HashMap};

use bytes::Buf;
use kafka_protocol::messages::consumer_group_describe_response::Assignment;
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kafka_protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerProtocolAssignment, DescribeGroupsRequest,
    OffsetFetchRequest,
};
use kafka_protocol::protocol::{Decodable, StrBytes};

use super::error::code_name;
use super::{Node, WireClient, WireError};
use crate::kafka::admin::types::{
    CommittedOffset, GroupDescription, GroupState, GroupType, MemberDescription,
};

/// Kafka's GROUP_ID_NOT_FOUND: no such group, or not one of this request's type.
const GROUP_ID_NOT_FOUND: i16 = 69;

/// Where each group's coordinator is, as [`WireClient::coordinators`] answers.
pub type Coordinators = HashMap<String, Result<i32, String>>;

/// One group's committed offsets, or why they could not be read.
pub type GroupOffsets = Result<Vec<CommittedOffset>, String>;

/// Each group's committed offsets, or why they could not be read.
pub type Committed = HashMap<String, GroupOffsets>;

fn gid(g: &str) -> kafka_protocol::messages::GroupId {
    StrBytes::from_string(g.to_string()).into()
}

/// Groups by coordinator; a group without one gets `missing(group, reason)`.
fn by_coordinator<'a, T>(
    groups: impl IntoIterator<Item = (&'a str, T)>,
    coordinators: &Coordinators,
    mut missing: impl FnMut(&'a str, String),
) -> Vec<(i32, Vec<(&'a str, T)>)> {
    let mut by: BTreeMap<i32, Vec<(&'a str, T)>> = BTreeMap::new();
    for (g, t) in groups {
        match coordinators.get(g) {
            Some(Ok(id)) => by.entry(*id).or_default().push((g, t)),
            Some(Err(e)) => missing(g, format!("finding the coordinator: {e}")),
            None => missing(g, "no coordinator known".to_string()),
        }
    }
    by.into_iter().collect()
}

fn undescribed(group: &str, error: String) -> GroupDescription {
    GroupDescription {
        group_id: group.to_string(),
        state: GroupState::Unknown,
        group_type: GroupType::Unknown,
        is_simple: false,
        protocol_type: None,
        partition_assignor: String::new(),
        coordinator: None,
        members: Vec::new(),
        error: Some(error),
    }
}

fn dead(group: &str, coordinator: i32) -> GroupDescription {
    GroupDescription {
        state: GroupState::Dead,
        coordinator: Some(coordinator),
        error: None,
        ..undescribed(group, String::new())
    }
}

/// The (topic, partition) pairs of a classic consumer's assignment bytes.
fn classic_assignment(bytes: &[u8]) -> Vec<(String, i32)> {
    let mut buf = bytes;
    if buf.len() < 2 {
        return Vec::new();
    }
    let version = buf.get_i16().clamp(0, 3);
    match ConsumerProtocolAssignment::decode(&mut buf, version) {
        Ok(a) => a
            .assigned_partitions
            .iter()
            .flat_map(|tp| tp.partitions.iter().map(|p| (tp.topic.0.to_string(), *p)))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn pairs(a: &Assignment) -> Vec<(String, i32)> {
    a.topic_partitions
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (t.topic_name.0.to_string(), *p))
        })
        .collect()
}

impl WireClient {
    /// Describes `groups` (each with the type ListGroups gave, Unknown when not
    /// listed) at their coordinators, in input order.
    pub fn describe_groups(
        &self,
        groups: &[(String, GroupType)],
        coordinators: &Coordinators,
    ) -> Vec<GroupDescription> {
        let mut found: HashMap<String, GroupDescription> = HashMap::new();
        let work = by_coordinator(
            groups.iter().map(|(g, t)| (g.as_str(), *t)),
            coordinators,
            |g, e| {
                found.insert(g.to_string(), undescribed(g, e));
            },
        );
        for (_, described) in self.fan_out(work, |id, list| self.describe_at(id, &list)) {
            found.extend(described.into_iter().map(|d| (d.group_id.clone(), d)));
        }
        groups.iter().filter_map(|(g, _)| found.remove(g)).collect()
    }

    /// Describes `list` at coordinator `id`: classic and untyped groups with
    /// DescribeGroups, consumer groups (and untyped ones DescribeGroups does not
    /// know) with ConsumerGroupDescribe.
    fn describe_at(&self, id: i32, list: &[(&str, GroupType)]) -> Vec<GroupDescription> {
        let mut out = Vec::with_capacity(list.len());
        let mut consumer: Vec<&str> = list
            .iter()
            .filter(|(_, t)| *t == GroupType::Consumer)
            .map(|(g, _)| *g)
            .collect();
        let classic: Vec<&str> = list
            .iter()
            .filter(|(_, t)| *t != GroupType::Consumer)
            .map(|(g, _)| *g)
            .collect();
        if !classic.is_empty() {
            let sent = self.send(Node::Broker(id), 0, |_| {
                let mut r = DescribeGroupsRequest::default();
                r.groups = classic.iter().map(|g| gid(g)).collect();
                r
            });
            match sent {
                Ok((_, r)) => {
                    for d in r.groups {
                        let g = d.group_id.0.to_string();
                        let typed = list.iter().find(|(n, _)| *n == g).map(|(_, t)| *t);
                        if d.error_code == GROUP_ID_NOT_FOUND {
                            match (typed, list.iter().find(|(n, _)| *n == g)) {
                                (Some(GroupType::Unknown), Some((n, _))) => consumer.push(n),
                                _ => out.push(dead(&g, id)),
                            }
                            continue;
                        }
                        if d.error_code != 0 {
                            out.push(undescribed(&g, code_name(d.error_code)));
                            continue;
                        }
                        let is_consumer = d.protocol_type.as_str() == "consumer";
                        out.push(GroupDescription {
                            state: GroupState::from_name(&d.group_state),
                            group_type: GroupType::Classic,
                            is_simple: d.protocol_type.is_empty(),
                            protocol_type: Some(d.protocol_type.to_string()),
                            partition_assignor: d.protocol_data.to_string(),
                            coordinator: Some(id),
                            members: d
                                .members
                                .iter()
                                .map(|m| MemberDescription {
                                    member_id: m.member_id.to_string(),
                                    client_id: m.client_id.to_string(),
                                    host: m.client_host.to_string(),
                                    assignment: if is_consumer {
                                        classic_assignment(&m.member_assignment)
                                    } else {
                                        Vec::new()
                                    },
                                    target_assignment: None,
                                })
                                .collect(),
                            error: None,
                            group_id: g,
                        });
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    out.extend(classic.iter().map(|g| undescribed(g, reason.clone())));
                }
            }
        }
        if !consumer.is_empty() {
            out.extend(self.describe_consumer_groups(id, &consumer));
        }
        out
    }

    fn describe_consumer_groups(&self, id: i32, groups: &[&str]) -> Vec<GroupDescription> {
        let sent = self.send(Node::Broker(id), 0, |_| {
            let mut r = ConsumerGroupDescribeRequest::default();
            r.group_ids = groups.iter().map(|g| gid(g)).collect();
            r
        });
        let answer = match sent {
            Ok((_, r)) => r,
            // A broker without KIP-848 has no consumer-protocol groups.
            Err(WireError::Unsupported { .. }) => {
                return groups.iter().map(|g| dead(g, id)).collect();
            }
            Err(e) => {
                let reason = e.to_string();
                return groups
                    .iter()
                    .map(|g| undescribed(g, reason.clone()))
                    .collect();
            }
        };
        answer
            .groups
            .iter()
            .map(|d| {
                let g = d.group_id.0.to_string();
                if d.error_code == GROUP_ID_NOT_FOUND {
                    return dead(&g, id);
                }
                if d.error_code != 0 {
                    return undescribed(&g, code_name(d.error_code));
                }
                GroupDescription {
                    state: GroupState::from_name(&d.group_state),
                    group_type: GroupType::Consumer,
                    is_simple: false,
                    protocol_type: None,
                    partition_assignor: d.assignor_name.to_string(),
                    coordinator: Some(id),
                    members: d
                        .members
                        .iter()
                        .map(|m| MemberDescription {
                            member_id: m.member_id.to_string(),
                            client_id: m.client_id.to_string(),
                            host: m.client_host.to_string(),
                            assignment: pairs(&m.assignment),
                            target_assignment: Some(pairs(&m.target_assignment)),
                        })
                        .collect(),
                    error: None,
                    group_id: g,
                }
            })
            .collect()
    }

    /// The committed offsets of `groups` at their coordinators: one OffsetFetch
    /// per coordinator (v8+), else one per group. `read(n)` after each answer
    /// covering `n` groups. Offsets sorted by (topic, partition).
    pub fn committed_offsets(
        &self,
        groups: &[String],
        coordinators: &Coordinators,
        read: &(dyn Fn(usize) + Sync),
    ) -> Committed {
        let mut out: Committed = HashMap::with_capacity(groups.len());
        let work = by_coordinator(
            groups.iter().map(|g| (g.as_str(), ())),
            coordinators,
            |g, e| {
                out.insert(g.to_string(), Err(e));
            },
        );
        let answers = self.fan_out(work, |id, list| {
            let names: Vec<&str> = list.iter().map(|(g, ())| *g).collect();
            let got = match self.fetch_batched(id, &names) {
                Err(WireError::Unsupported { .. }) => {
                    names.iter().flat_map(|g| self.fetch_one(id, g)).collect()
                }
                Err(e) => {
                    let reason = e.to_string();
                    names
                        .iter()
                        .map(|g| (g.to_string(), Err(reason.clone())))
                        .collect()
                }
                Ok(got) => got,
            };
            read(names.len());
            got
        });
        for (_, got) in answers {
            out.extend(got);
        }
        for offsets in out.values_mut().flat_map(|r| r.as_mut().ok()) {
            offsets.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        }
        out
    }

    fn fetch_batched(
        &self,
        id: i32,
        groups: &[&str],
    ) -> Result<Vec<(String, GroupOffsets)>, WireError> {
        let (_, r) = self.send(Node::Broker(id), 8, |_| {
            let mut r = OffsetFetchRequest::default();
            r.groups = groups
                .iter()
                .map(|g| {
                    let mut one = OffsetFetchRequestGroup::default();
                    one.group_id = gid(g);
                    one.topics = None;
                    one
                })
                .collect();
            r
        })?;
        Ok(r.groups
            .iter()
            .map(|g| {
                let offsets = if g.error_code != 0 {
                    Err(code_name(g.error_code))
                } else {
                    Ok(g.topics
                        .iter()
                        .flat_map(|t| {
                            t.partitions.iter().map(|p| {
                                committed(
                                    t.name.0.as_str(),
                                    p.partition_index,
                                    p.committed_offset,
                                    p.error_code,
                                )
                            })
                        })
                        .collect())
                };
                (g.group_id.0.to_string(), offsets)
            })
            .collect())
    }

    /// One group's offsets with OffsetFetch v2–v7 (all partitions).
    fn fetch_one(&self, id: i32, group: &str) -> Option<(String, GroupOffsets)> {
        let sent = self.send(Node::Broker(id), 2, |_| {
            let mut r = OffsetFetchRequest::default();
            r.group_id = gid(group);
            r.topics = None;
            r
        });
        let offsets = match sent {
            Ok((_, r)) if r.error_code != 0 => Err(code_name(r.error_code)),
            Ok((_, r)) => Ok(r
                .topics
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(|p| {
                        committed(
                            t.name.0.as_str(),
                            p.partition_index,
                            p.committed_offset,
                            p.error_code,
                        )
                    })
                })
                .collect()),
            Err(e) => Err(e.to_string()),
        };
        Some((group.to_string(), offsets))
    }
}

fn committed(topic: &str, partition: i32, offset: i64, error: i16) -> CommittedOffset {
    CommittedOffset {
        topic: topic.to_string(),
        partition,
        offset: (offset >= 0).then_some(offset),
        error: (error != 0).then(|| code_name(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition;
    use kafka_protocol::protocol::Encodable;

    #[test]
    fn decodes_a_classic_consumers_assignment() {
        let mut tp = TopicPartition::default();
        tp.topic = StrBytes::from_static_str("orders").into();
        tp.partitions = vec![0, 3];
        let mut a = ConsumerProtocolAssignment::default();
        a.assigned_partitions = vec![tp];
        let mut buf = bytes::BytesMut::new();
        bytes::BufMut::put_i16(&mut buf, 1);
        a.encode(&mut buf, 1).unwrap();
        assert_eq!(
            classic_assignment(&buf),
            vec![("orders".to_string(), 0), ("orders".to_string(), 3)]
        );
        assert!(classic_assignment(&[0]).is_empty());
    }

    #[test]
    fn groups_without_a_coordinator_say_why() {
        let coordinators: Coordinators = [
            ("a".to_string(), Ok(1)),
            ("b".to_string(), Err("CoordinatorNotAvailable".to_string())),
            ("c".to_string(), Ok(1)),
        ]
        .into();
        let mut missing = Vec::new();
        let work = by_coordinator(
            ["a", "b", "c", "d"].map(|g| (g, ())),
            &coordinators,
            |g, e| missing.push((g, e)),
        );
        assert_eq!(work, vec![(1, vec![("a", ()), ("c", ())])]);
        assert_eq!(
            missing,
            vec![
                (
                    "b",
                    "finding the coordinator: CoordinatorNotAvailable".to_string()
                ),
                ("d", "no coordinator known".to_string())
            ]
        );
    }
}

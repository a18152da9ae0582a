//! One refresh's share and Streams groups over the wire protocol: ListGroups
//! (v5, type filter) at every broker, one batched FindCoordinator, then per
//! coordinator one ShareGroupDescribe, one DescribeShareGroupOffsets and one
//! StreamsGroupDescribe for all its groups.

use std::collections::BTreeMap;
use std::time::Duration;

use kafka_protocol::messages::{
    ApiKey, FindCoordinatorRequest, GroupId, ListGroupsRequest, ShareGroupDescribeRequest,
};
use kafka_protocol::protocol::{Request, StrBytes};

use super::messages::{
    Assignment, ShareOffsetsRequest, StreamsDescribeRequest, StreamsDescribed, TaskIds,
};
use super::{ShareDetail, SharePartition, StreamsDetail, StreamsMember, Subtopology};
use super::{TaskId, Tasks, TypedDetail};
use crate::config::Resolved;
use crate::kafka::admin::types::{
    AdminError, CommittedOffset, GroupState, GroupType, MemberDescription,
};
use crate::kafka::parallel::{parallel_map, OFFSET_FETCH_WORKERS};
use crate::kafka::snapshot::{is_internal_topic, BrokerInfo, GroupInfo, GroupOffset};
use crate::kafka::wire::{code_name, Node, WireClient, WireError};

/// What brokers without share or Streams groups (before Kafka 4.0/4.1) are told by.
pub const NOT_SUPPORTED: &str = "not supported by this broker";

/// The share and Streams groups of one refresh.
#[derive(Debug, Default)]
pub struct TypedRead {
    /// Sorted by group id; Streams groups without offsets (the caller reads
    /// committed offsets as for any group).
    pub groups: Vec<GroupInfo>,
    pub errors: Vec<String>,
    /// The group types this cluster's brokers do not know (share groups before
    /// Kafka 4.0, Streams groups before 4.1): [`NOT_SUPPORTED`] there.
    pub unsupported: Vec<GroupType>,
}

/// Reads share and Streams groups; one per refresher, connections kept.
#[derive(Debug)]
pub struct TypedGroups {
    client: WireClient,
}

type ByKind = (Vec<String>, Vec<String>);

fn text(s: &StrBytes) -> String {
    s.to_string()
}

impl TypedGroups {
    pub fn new(cfg: &Resolved, timeout: Duration) -> Result<TypedGroups, WireError> {
        Ok(TypedGroups {
            client: WireClient::new(cfg, timeout)?,
        })
    }

    /// The protocol client, for requests beyond a refresh's reads (an offset
    /// reset's ListOffsets and AlterShareGroupOffsets).
    pub fn client(&self) -> &WireClient {
        &self.client
    }

    /// Requests sent so far (connection setup included).
    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    /// Lists and describes the share and Streams groups (only those in `only`,
    /// when given).
    pub fn read(&self, brokers: &[BrokerInfo], only: Option<&[String]>) -> TypedRead {
        self.client.set_brokers(
            brokers
                .iter()
                .map(|b| (b.id, format!("{}:{}", b.host, b.port))),
        );
        let mut out = TypedRead::default();
        if only.is_some_and(|o| o.is_empty()) {
            return out;
        }
        match self.unsupported() {
            Ok(types) => out.unsupported = types,
            Err(e) => {
                out.errors
                    .push(format!("asking which group types the cluster has: {e}"));
                return out;
            }
        }
        if out.unsupported.len() == 2 {
            return out;
        }
        let listed = match self.list() {
            Ok(l) => l,
            Err(WireError::Unsupported { .. }) => {
                out.unsupported = vec![GroupType::Share, GroupType::Streams];
                return out;
            }
            Err(e) => {
                out.errors
                    .push(format!("listing share and Streams groups: {e}"));
                return out;
            }
        };
        let listed: BTreeMap<String, GroupType> = listed
            .into_iter()
            .filter(|(id, _)| only.is_none_or(|o| o.contains(id)))
            .collect();
        if listed.is_empty() {
            return out;
        }
        let ids: Vec<String> = listed.keys().cloned().collect();
        let coordinators = match self.coordinators(&ids) {
            Ok(c) => c,
            Err(e) => {
                out.errors.push(format!(
                    "finding share and Streams groups' coordinators: {e}"
                ));
                return out;
            }
        };
        // Per coordinator: its share groups and its Streams groups.
        let mut by_node: BTreeMap<i32, ByKind> = BTreeMap::new();
        for (id, kind) in &listed {
            match coordinators.get(id) {
                Some(Ok(node)) => {
                    let e = by_node.entry(*node).or_default();
                    match kind {
                        GroupType::Share => e.0.push(id.clone()),
                        _ => e.1.push(id.clone()),
                    }
                }
                Some(Err(why)) => out.errors.push(format!("group {id}: {why}")),
                None => out.errors.push(format!("group {id}: no coordinator named")),
            }
        }
        let work: Vec<(i32, ByKind)> = by_node.into_iter().collect();
        for (_, (groups, errors)) in self.client.fan_out(work, |node, (share, streams)| {
            let mut groups = Vec::new();
            let mut errors = Vec::new();
            if !share.is_empty() {
                match self.share_groups(node, &share) {
                    Ok(g) => groups.extend(g),
                    Err(e) => errors.push(format!("describing share groups: {e}")),
                }
            }
            if !streams.is_empty() {
                match self.streams_groups(node, &streams) {
                    Ok(g) => groups.extend(g),
                    Err(e) => errors.push(format!("describing Streams groups: {e}")),
                }
            }
            (groups, errors)
        }) {
            out.groups.extend(groups);
            out.errors.extend(errors);
        }
        out.groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        out
    }

    /// The typed groups the brokers cannot describe, from their ApiVersions (one
    /// broker is asked: a cluster's brokers run one release, rolling upgrades
    /// aside).
    fn unsupported(&self) -> Result<Vec<GroupType>, WireError> {
        let mut types = Vec::new();
        if !self
            .client
            .knows(Node::Any, ApiKey::ShareGroupDescribe, 0)?
        {
            types.push(GroupType::Share);
        }
        if !self
            .client
            .knows_key(Node::Any, <StreamsDescribeRequest as Request>::KEY, 0)?
        {
            types.push(GroupType::Streams);
        }
        tracing::debug!(?types, "group types the cluster does not have");
        Ok(types)
    }

    /// Every broker's share and Streams groups (ListGroups v5, type filter).
    fn list(&self) -> Result<Vec<(String, GroupType)>, WireError> {
        let mut nodes: Vec<(i32, ())> =
            self.client.brokers().into_iter().map(|b| (b, ())).collect();
        if nodes.is_empty() {
            nodes.push((-1, ()));
        }
        let answers = self.client.fan_out(nodes, |id, ()| {
            let node = if id < 0 { Node::Any } else { Node::Broker(id) };
            self.client.send(node, 5, |_| {
                let mut r = ListGroupsRequest::default();
                r.types_filter = vec![
                    StrBytes::from_static_str("Share"),
                    StrBytes::from_static_str("Streams"),
                ];
                r
            })
        });
        let mut out = Vec::new();
        for (_, answer) in answers {
            let (_, resp) = answer?;
            if resp.error_code != 0 {
                return Err(WireError::Protocol(code_name(resp.error_code)));
            }
            for g in resp.groups {
                let kind = GroupType::from_name(&text(&g.group_type));
                if kind.is_typed() {
                    out.push((text(&g.group_id.0), kind));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        Ok(out)
    }

    /// Each group's coordinator (one batched FindCoordinator, v4+).
    fn coordinators(
        &self,
        ids: &[String],
    ) -> Result<BTreeMap<String, Result<i32, String>>, WireError> {
        let (_, resp) = self.client.send(Node::Any, 4, |_| {
            let mut r = FindCoordinatorRequest::default();
            r.key_type = 0;
            r.coordinator_keys = ids
                .iter()
                .map(|s| StrBytes::from_string(s.clone()))
                .collect();
            r
        })?;
        Ok(resp
            .coordinators
            .into_iter()
            .map(|c| {
                let at = if c.error_code == 0 {
                    Ok(c.node_id.0)
                } else {
                    Err(code_name(c.error_code))
                };
                (text(&c.key), at)
            })
            .collect())
    }

    fn share_groups(&self, node: i32, ids: &[String]) -> Result<Vec<GroupInfo>, WireError> {
        let (_, described) = self.client.send(Node::Broker(node), 1, |_| {
            let mut r = ShareGroupDescribeRequest::default();
            r.group_ids = ids
                .iter()
                .map(|s| GroupId(StrBytes::from_string(s.clone())))
                .collect();
            r
        })?;
        let (_, offsets) = self
            .client
            .send(Node::Broker(node), 0, |_| ShareOffsetsRequest {
                groups: ids.to_vec(),
            })?;
        let mut out = Vec::new();
        for d in described.groups {
            let id = text(&d.group_id.0);
            let mut info = empty_group(&id, GroupType::Share, node);
            if d.error_code != 0 {
                info.error = Some(describe_error(
                    d.error_code,
                    d.error_message.as_ref().map(text),
                ));
                out.push(info);
                continue;
            }
            info.state = Some(GroupState::from_name(&text(&d.group_state)));
            info.members = Some(
                d.members
                    .iter()
                    .map(|m| {
                        let mut assignment: Vec<(String, i32)> = m
                            .assignment
                            .topic_partitions
                            .iter()
                            .flat_map(|t| t.partitions.iter().map(|p| (text(&t.topic_name.0), *p)))
                            .collect();
                        assignment.sort();
                        MemberDescription {
                            member_id: text(&m.member_id),
                            client_id: text(&m.client_id),
                            host: text(&m.client_host),
                            assignment,
                            target_assignment: None,
                        }
                    })
                    .collect(),
            );
            let mut partitions = Vec::new();
            if let Some(g) = offsets.groups.iter().find(|g| g.group_id == id) {
                if g.error_code != 0 {
                    info.error = Some(describe_error(g.error_code, g.error_message.clone()));
                }
                for p in &g.partitions {
                    partitions.push(SharePartition {
                        topic: p.topic.clone(),
                        partition: p.partition,
                        start_offset: (p.start_offset >= 0).then_some(p.start_offset),
                        lag: p.lag.filter(|l| *l >= 0),
                        leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
                    });
                }
            }
            partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
            info.offsets = partitions
                .iter()
                .map(|p| GroupOffset {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    committed: p.start_offset,
                    share_lag: p.lag,
                })
                .collect();
            info.detail = Some(TypedDetail::Share(ShareDetail { partitions }));
            out.push(info);
        }
        Ok(out)
    }

    fn streams_groups(&self, node: i32, ids: &[String]) -> Result<Vec<GroupInfo>, WireError> {
        let (_, resp) = self
            .client
            .send(Node::Broker(node), 0, |_| StreamsDescribeRequest {
                group_ids: ids.to_vec(),
            })?;
        Ok(resp.groups.iter().map(|d| streams_group(d, node)).collect())
    }
}

/// Adds `read`'s groups to `groups` (kept sorted), a Streams group with the
/// committed offsets `offsets` reads for it, as for any group. A group named with
/// `--group` that librdkafka could not describe is replaced by its typed
/// description.
pub fn merge(
    read: TypedRead,
    offsets: impl Fn(&str) -> Result<Vec<CommittedOffset>, AdminError> + Sync,
    include_internal: bool,
    groups: &mut Vec<GroupInfo>,
) {
    let mut found = read.groups;
    let fetched = parallel_map(&found, OFFSET_FETCH_WORKERS, |g| {
        (g.group_type == Some(GroupType::Streams) && g.error.is_none())
            .then(|| offsets(&g.group_id))
    });
    for (g, fetched) in found.iter_mut().zip(fetched) {
        match fetched {
            Some(Ok(list)) => {
                g.offsets = list
                    .into_iter()
                    .filter(|o| include_internal || !is_internal_topic(&o.topic))
                    .map(|o| GroupOffset {
                        topic: o.topic,
                        partition: o.partition,
                        committed: o.offset,
                        share_lag: None,
                    })
                    .collect()
            }
            Some(Err(e)) => g.error = Some(e.to_string()),
            None => {}
        }
    }
    groups.retain(|g| !found.iter().any(|t| t.group_id == g.group_id));
    groups.append(&mut found);
    groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
}

fn empty_group(id: &str, kind: GroupType, coordinator: i32) -> GroupInfo {
    GroupInfo {
        group_id: id.to_string(),
        state: None,
        group_type: Some(kind),
        protocol_type: None,
        members: None,
        offsets: Vec::new(),
        coordinator: Some(coordinator),
        error: None,
        detail: None,
    }
}

fn describe_error(code: i16, message: Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!("{}: {m}", code_name(code)),
        _ => code_name(code),
    }
}

fn tasks(kinds: &Assignment) -> Tasks {
    let ids = |v: &TaskIds| -> Vec<TaskId> {
        let mut out: Vec<TaskId> = v
            .iter()
            .flat_map(|(sub, parts)| {
                parts.iter().map(move |p| TaskId {
                    subtopology: sub.clone(),
                    partition: *p,
                })
            })
            .collect();
        out.sort();
        out
    };
    Tasks {
        active: ids(&kinds[0]),
        standby: ids(&kinds[1]),
        warmup: ids(&kinds[2]),
    }
}

/// A Streams group as a [`GroupInfo`]: each member owns the source-topic
/// partitions of its active tasks (what its consumer reads), so lag rows name it.
fn streams_group(d: &StreamsDescribed, node: i32) -> GroupInfo {
    let mut info = empty_group(&d.group_id, GroupType::Streams, node);
    if d.error_code != 0 {
        info.error = Some(describe_error(d.error_code, d.error_message.clone()));
        return info;
    }
    info.state = Some(GroupState::from_name(&d.group_state));
    let subtopologies: Vec<Subtopology> = d
        .topology
        .iter()
        .flat_map(|t| &t.subtopologies)
        .map(|s| Subtopology {
            id: s.id.clone(),
            source_topics: s.source_topics.clone(),
            repartition_source_topics: s.repartition_source_topics.clone(),
            changelog_topics: s.changelog_topics.clone(),
        })
        .collect();
    let partitions_of = |ts: &[TaskId]| -> Vec<(String, i32)> {
        let mut out: Vec<(String, i32)> = ts
            .iter()
            .flat_map(|t| {
                subtopologies
                    .iter()
                    .filter(move |s| s.id == t.subtopology)
                    .flat_map(|s| s.source_topics.iter().chain(&s.repartition_source_topics))
                    .map(move |topic| (topic.clone(), t.partition))
            })
            .collect();
        out.sort();
        out
    };
    let members: Vec<StreamsMember> = d
        .members
        .iter()
        .map(|m| StreamsMember {
            member_id: m.member_id.clone(),
            process_id: m.process_id.clone(),
            client_id: m.client_id.clone(),
            host: m.client_host.clone(),
            member_epoch: m.member_epoch,
            tasks: tasks(&m.assignment),
            target_tasks: tasks(&m.target_assignment),
        })
        .collect();
    info.members = Some(
        members
            .iter()
            .map(|m| MemberDescription {
                member_id: m.member_id.clone(),
                client_id: m.client_id.clone(),
                host: m.host.clone(),
                assignment: partitions_of(&m.tasks.active),
                target_assignment: Some(partitions_of(&m.target_tasks.active)),
            })
            .collect(),
    );
    info.detail = Some(TypedDetail::Streams(StreamsDetail {
        topology_epoch: d.topology.as_ref().map(|t| t.epoch),
        subtopologies,
        members,
    }));
    info
}

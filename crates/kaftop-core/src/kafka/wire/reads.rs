//! The reads of a refresh that do not depend on groups, batched: one Metadata,
//! ListGroups on every broker (in parallel), one FindCoordinator for every group
//! (v4+, many keys; one per group on older brokers), one ListOffsets per leader
//! and kind.

use std::collections::{BTreeMap, HashMap};

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    FindCoordinatorRequest, ListGroupsRequest, ListOffsetsRequest, MetadataRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::error::code_name;
use super::{Node, WireClient, WireError};
use crate::kafka::admin::types::{GroupListing, GroupState, GroupType, OffsetSpec};
use crate::kafka::snapshot::{BrokerInfo, PartitionInfo, TopicInfo};

/// What one Metadata answer says about the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterMetadata {
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    /// Sorted by id.
    pub brokers: Vec<BrokerInfo>,
    /// Every topic (internal ones too), partitions by id; watermarks not read.
    pub topics: Vec<TopicInfo>,
}

/// The groups every broker listed, and the brokers that could not say.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    /// Sorted by group id, each once.
    pub groups: Vec<GroupListing>,
    pub errors: Vec<String>,
}

/// The error text of a partition or group that failed.
fn failed(code: i16) -> Option<String> {
    (code != 0).then(|| code_name(code))
}

fn str_of(s: &StrBytes) -> String {
    s.as_str().to_string()
}

impl WireClient {
    /// Every topic and broker, the cluster id and the controller, in one request;
    /// remembers the brokers' addresses for the requests that follow.
    pub fn metadata(&self) -> Result<ClusterMetadata, WireError> {
        let (_, md) = self.send(Node::Any, 1, |_| {
            let mut r = MetadataRequest::default();
            r.topics = None;
            r.allow_auto_topic_creation = false;
            r
        })?;
        let mut brokers: Vec<BrokerInfo> = md
            .brokers
            .iter()
            .map(|b| BrokerInfo {
                id: b.node_id.0,
                host: str_of(&b.host),
                port: b.port,
            })
            .collect();
        brokers.sort_by_key(|b| b.id);
        self.set_brokers(
            brokers
                .iter()
                .map(|b| (b.id, format!("{}:{}", b.host, b.port))),
        );
        let topics = md
            .topics
            .iter()
            .filter_map(|t| {
                let name = str_of(t.name.as_ref()?);
                let mut partitions: Vec<PartitionInfo> = t
                    .partitions
                    .iter()
                    .map(|p| PartitionInfo {
                        id: p.partition_index,
                        leader: p.leader_id.0,
                        replicas: p.replica_nodes.iter().map(|b| b.0).collect(),
                        isr: p.isr_nodes.iter().map(|b| b.0).collect(),
                        low: None,
                        high: None,
                        error: failed(p.error_code),
                    })
                    .collect();
                partitions.sort_by_key(|p| p.id);
                Some(TopicInfo {
                    internal: crate::kafka::snapshot::is_internal_topic(&name),
                    name,
                    partitions,
                    min_insync_replicas: None,
                    error: failed(t.error_code),
                })
            })
            .collect();
        Ok(ClusterMetadata {
            cluster_id: md.cluster_id.as_ref().map(str_of),
            controller: (md.controller_id.0 >= 0).then_some(md.controller_id.0),
            brokers,
            topics,
        })
    }

    /// The groups of `types` (`consumer`, `classic`; all when empty or when a
    /// broker is older than ListGroups v5), asked of every broker in parallel.
    /// Fails only when no broker answered.
    pub fn list_groups(&self, types: &[&str]) -> Result<Listed, WireError> {
        let work: Vec<(i32, ())> = self.brokers().into_iter().map(|id| (id, ())).collect();
        let answers = self.fan_out(work, |id, ()| {
            self.send(Node::Broker(id), 0, |_| {
                let mut r = ListGroupsRequest::default();
                r.types_filter = types
                    .iter()
                    .map(|t| StrBytes::from_string(t.to_string()))
                    .collect();
                r
            })
        });
        let mut by_id: BTreeMap<String, GroupListing> = BTreeMap::new();
        let mut errors = Vec::new();
        let mut last_error = None;
        for (id, answer) in answers {
            match answer {
                Ok((_, r)) if r.error_code == 0 => {
                    for g in r.groups {
                        let group_type = GroupType::from_name(&g.group_type);
                        by_id.insert(
                            g.group_id.0.to_string(),
                            GroupListing {
                                group_id: g.group_id.0.to_string(),
                                state: GroupState::from_name(&g.group_state),
                                group_type,
                                is_simple: g.protocol_type.is_empty(),
                            },
                        );
                    }
                }
                Ok((_, r)) => errors.push(format!("broker {id}: {}", code_name(r.error_code))),
                Err(e) => {
                    errors.push(format!("broker {id}: {e}"));
                    last_error = Some(e);
                }
            }
        }
        match last_error {
            Some(e) if by_id.is_empty() && errors.len() == self.brokers().len() => Err(e),
            _ => Ok(Listed {
                groups: by_id.into_values().collect(),
                errors,
            }),
        }
    }

    /// The coordinator of each group: one FindCoordinator for all of them (v4+),
    /// else one per group. A group without one has its error.
    pub fn coordinators(&self, groups: &[String]) -> HashMap<String, Result<i32, String>> {
        let mut out = HashMap::with_capacity(groups.len());
        if groups.is_empty() {
            return out;
        }
        let batched = self.send(Node::Any, 4, |_| {
            let mut r = FindCoordinatorRequest::default();
            r.key_type = 0;
            r.coordinator_keys = groups
                .iter()
                .map(|g| StrBytes::from_string(g.clone()))
                .collect();
            r
        });
        match batched {
            Ok((_, r)) => {
                for c in r.coordinators {
                    let found = if c.error_code == 0 {
                        Ok(c.node_id.0)
                    } else {
                        Err(code_name(c.error_code))
                    };
                    out.insert(str_of(&c.key), found);
                }
            }
            Err(WireError::Unsupported { .. }) => {
                for g in groups {
                    let one = self.send(Node::Any, 0, |_| {
                        let mut r = FindCoordinatorRequest::default();
                        r.key = StrBytes::from_string(g.clone());
                        r
                    });
                    let found = match one {
                        Ok((_, r)) if r.error_code == 0 => Ok(r.node_id.0),
                        Ok((_, r)) => Err(code_name(r.error_code)),
                        Err(e) => Err(e.to_string()),
                    };
                    out.insert(g.clone(), found);
                }
            }
            Err(e) => {
                let reason = e.to_string();
                for g in groups {
                    out.insert(g.clone(), Err(reason.clone()));
                }
            }
        }
        for g in groups {
            out.entry(g.clone())
                .or_insert_with(|| Err("no coordinator in the answer".to_string()));
        }
        out
    }

    /// The earliest or latest offset of every partition of `topics`: one
    /// ListOffsets per leader, leaders in parallel. `(topic index, partition
    /// index, offset or error)` for each partition.
    pub fn list_offsets(
        &self,
        topics: &[TopicInfo],
        spec: OffsetSpec,
    ) -> Vec<(usize, usize, Result<i64, String>)> {
        let timestamp = match spec {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest => -1,
            OffsetSpec::Timestamp(ms) => ms,
        };
        let mut out = Vec::new();
        let mut by_leader: BTreeMap<i32, Vec<(usize, usize)>> = BTreeMap::new();
        for (ti, t) in topics.iter().enumerate() {
            for (pi, p) in t.partitions.iter().enumerate() {
                if p.leader < 0 {
                    out.push((ti, pi, Err("no leader".to_string())));
                } else {
                    by_leader.entry(p.leader).or_default().push((ti, pi));
                }
            }
        }
        let work: Vec<(i32, Vec<(usize, usize)>)> = by_leader.into_iter().collect();
        let timeout_ms = i32::try_from(self.timeout.as_millis()).unwrap_or(i32::MAX);
        let answers = self.fan_out(work, |leader, slots| {
            let sent = self.send(Node::Broker(leader), 1, |_| {
                let mut r = ListOffsetsRequest::default();
                r.replica_id = (-1).into();
                r.timeout_ms = timeout_ms;
                let mut per_topic: BTreeMap<usize, Vec<ListOffsetsPartition>> = BTreeMap::new();
                for &(ti, pi) in &slots {
                    let mut p = ListOffsetsPartition::default();
                    p.partition_index = topics[ti].partitions[pi].id;
                    p.timestamp = timestamp;
                    per_topic.entry(ti).or_default().push(p);
                }
                r.topics = per_topic
                    .into_iter()
                    .map(|(ti, partitions)| {
                        let mut t = ListOffsetsTopic::default();
                        t.name = StrBytes::from_string(topics[ti].name.clone()).into();
                        t.partitions = partitions;
                        t
                    })
                    .collect();
                r
            });
            (slots, sent)
        });
        let slot_of: HashMap<(&str, i32), (usize, usize)> = topics
            .iter()
            .enumerate()
            .flat_map(|(ti, t)| {
                t.partitions
                    .iter()
                    .enumerate()
                    .map(move |(pi, p)| ((t.name.as_str(), p.id), (ti, pi)))
            })
            .collect();
        for (_, (slots, sent)) in answers {
            match sent {
                Ok((_, r)) => {
                    let mut answered = std::collections::HashSet::new();
                    for t in &r.topics {
                        for p in &t.partitions {
                            let Some(&(ti, pi)) =
                                slot_of.get(&(t.name.0.as_str(), p.partition_index))
                            else {
                                continue;
                            };
                            answered.insert((ti, pi));
                            let v = match failed(p.error_code) {
                                Some(e) => Err(e),
                                None if p.offset < 0 && timestamp < 0 => {
                                    Err(format!("broker returned invalid offset {}", p.offset))
                                }
                                None => Ok(p.offset),
                            };
                            out.push((ti, pi, v));
                        }
                    }
                    for (ti, pi) in slots.into_iter().filter(|s| !answered.contains(s)) {
                        out.push((ti, pi, Err("no result for this partition".to_string())));
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    out.extend(
                        slots
                            .into_iter()
                            .map(|(ti, pi)| (ti, pi, Err(reason.clone()))),
                    );
                }
            }
        }
        out
    }
}

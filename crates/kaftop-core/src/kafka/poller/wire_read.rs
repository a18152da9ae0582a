//! A refresh through the protocol client (`kafka::wire`): the same snapshot as
//! the librdkafka path, in requests that do not grow with groups — one
//! Metadata, ListGroups per broker, one FindCoordinator, DescribeGroups /
//! ConsumerGroupDescribe and OffsetFetch per coordinator, ListOffsets per leader
//! and kind.

use kafka_protocol::messages::ApiKey;

use super::{keep_topics, Laps, Refresher, Step};
use crate::kafka::admin::types::{GroupDescription, GroupType, OffsetSpec};
use crate::kafka::snapshot::{BrokerInfo, ClusterSnapshot, CommittedRecord, TopicInfo};
use crate::kafka::wire::groups::{Committed, Coordinators, GroupOffsets};
use crate::kafka::wire::{Node, WireClient, WireError};

/// What a focused read asks for, as the last full refresh found it: the groups
/// (with their type), their coordinators, the brokers and the topics whose
/// watermarks to read.
#[derive(Debug, Clone, Default)]
pub struct FocusRead {
    pub groups: Vec<(String, GroupType)>,
    pub coordinators: Coordinators,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicInfo>,
    /// Records read at committed offsets by the last full refresh, passed on
    /// (a record at an offset does not change): exact time lag where a
    /// committed offset has not moved.
    pub records: Vec<CommittedRecord>,
}

/// The requests (and least versions) a refresh on the wire path sends.
const NEEDED: [(ApiKey, i16); 6] = [
    (ApiKey::Metadata, 1),
    (ApiKey::ListGroups, 0),
    (ApiKey::FindCoordinator, 0),
    (ApiKey::DescribeGroups, 0),
    (ApiKey::OffsetFetch, 2),
    (ApiKey::ListOffsets, 1),
];

impl Refresher {
    /// Whether this refresh reads through the protocol client. The first time,
    /// asks a bootstrap broker which requests it knows: a cluster that lacks one
    /// (librdkafka's mock lists no groups) stays on librdkafka from then on. A
    /// cluster that cannot be reached leaves its error in `snap`.
    pub(super) fn wire_usable(&mut self, snap: &mut ClusterSnapshot) -> bool {
        let Some(wire) = &self.wire else {
            return false;
        };
        if self.wire_checked {
            return true;
        }
        let before = wire.requests_sent();
        let mut missing = None;
        for (key, min) in NEEDED {
            match wire.knows(Node::Any, key, min) {
                Ok(true) => {}
                Ok(false) => {
                    missing = Some(format!("{key:?} v{min}+"));
                    break;
                }
                // A cluster not reached yet: this refresh goes through librdkafka,
                // which says why as every other command does; the next one tries
                // the protocol client again.
                Err(WireError::Unreachable(_) | WireError::Unresolvable(_)) => return false,
                Err(e) => {
                    // Logged as the librdkafka path logs its client errors: a
                    // command may fail on this error before librdkafka says
                    // anything.
                    let err = e.connect_error(&self.bootstrap).to_string();
                    tracing::error!(target: "wire", "{err}");
                    snap.errors.push(err);
                    snap.requests = wire.requests_sent() - before;
                    return false;
                }
            }
        }
        self.wire_checked = true;
        match missing {
            None => {
                tracing::info!("refresh reads through the protocol client");
                true
            }
            Some(api) => {
                tracing::info!("refresh reads through librdkafka: the cluster lacks {api}");
                self.wire = None;
                false
            }
        }
    }

    pub(super) fn refresh_wire(&mut self, snap: &mut ClusterSnapshot, laps: &mut Laps) {
        let Some(wire) = self.wire.take() else {
            return;
        };
        let before = wire.requests_sent();
        let mut other = 0;
        laps.begin(Step::Metadata);
        match wire.metadata() {
            Ok(md) => {
                snap.connected = true;
                snap.brokers = md.brokers;
                snap.cluster_id = md.cluster_id;
                snap.controller = md.controller;
                snap.topics = keep_topics(md.topics, self.opts.include_internal, &mut snap.errors);
                laps.lap(Step::Metadata);
                other += self.topic_configs(snap, laps);
                self.groups_on_wire(&wire, snap, laps);
                laps.begin(Step::Watermarks);
                watermarks(&wire, snap);
                laps.lap(Step::Watermarks);
                self.finish_records(snap, laps);
            }
            Err(e) => {
                snap.errors
                    .push(e.connect_error(&self.bootstrap).to_string());
                laps.lap(Step::Metadata);
            }
        }
        snap.requests = wire.requests_sent() - before + other;
        self.wire = Some(wire);
    }

    /// A read of a few groups and topics only (what is on screen), ahead of a
    /// full refresh: the groups' descriptions and committed offsets (one
    /// DescribeGroups / ConsumerGroupDescribe and one OffsetFetch per
    /// coordinator) and the topics' watermarks (one ListOffsets per leader and
    /// kind). Its requests are counted in its own snapshot, not in the next
    /// refresh's. `None` off the protocol client (librdkafka reads no focus).
    pub fn read_focus(&self, want: FocusRead) -> Option<ClusterSnapshot> {
        let wire = self.wire.as_ref().filter(|_| self.wire_checked)?;
        let before = wire.requests_sent();
        let mut snap = ClusterSnapshot {
            taken_at_ms: chrono::Utc::now().timestamp_millis(),
            mono_ms: self.started.elapsed().as_millis() as u64,
            connected: true,
            brokers: want.brokers,
            topics: want.topics,
            committed_records: want.records,
            ..Default::default()
        };
        if !want.groups.is_empty() {
            let names: Vec<String> = want.groups.iter().map(|(g, _)| g.clone()).collect();
            let descriptions = wire.describe_groups(&want.groups, &want.coordinators);
            let fetched = wire.committed_offsets(&names, &want.coordinators, &|_| {});
            let all_fetched = in_order(&names, fetched);
            snap.groups = self.assemble(names, &descriptions, all_fetched, false);
        }
        watermarks(wire, &mut snap);
        snap.requests = wire.requests_sent() - before;
        Some(snap)
    }

    fn groups_on_wire(&self, wire: &WireClient, snap: &mut ClusterSnapshot, laps: &mut Laps) {
        laps.begin(Step::GroupList);
        let named: Vec<(String, GroupType)> = match &self.opts.only_groups {
            Some(only) => only
                .iter()
                .map(|g| (g.clone(), GroupType::Unknown))
                .collect(),
            None => {
                let listed = wire.list_groups(&["consumer", "classic"]);
                laps.lap(Step::GroupList);
                match listed {
                    Ok(list) => {
                        let errors = list.errors.iter().map(|e| format!("listing groups: {e}"));
                        snap.errors.extend(errors);
                        let names = list.groups.iter().map(|g| g.group_id.clone());
                        self.with_known(names)
                            .into_iter()
                            .map(|g| {
                                let t = list
                                    .groups
                                    .binary_search_by(|l| l.group_id.as_str().cmp(&g))
                                    .map_or(GroupType::Unknown, |i| list.groups[i].group_type);
                                (g, t)
                            })
                            .collect()
                    }
                    Err(e) => self
                        .listing_failed(&e.to_string(), &mut snap.errors)
                        .into_iter()
                        .map(|g| (g, GroupType::Unknown))
                        .collect(),
                }
            }
        };
        if named.is_empty() {
            return;
        }
        laps.groups(named.len());
        laps.begin(Step::GroupDescriptions);
        let names: Vec<String> = named.iter().map(|(g, _)| g.clone()).collect();
        let coordinators = wire.coordinators(&names);
        let descriptions = wire.describe_groups(&named, &coordinators);
        if !descriptions.is_empty() && descriptions.iter().all(|d| d.error.is_some()) {
            let reason = descriptions.first().and_then(|d| d.error.clone());
            self.describe_failed(&reason.unwrap_or_default(), &mut snap.errors);
        }
        laps.lap(Step::GroupDescriptions);
        laps.begin(Step::CommittedOffsets);
        let progress = self.opts.progress.clone();
        let read = move |n: usize| {
            if let Some(p) = &progress {
                p.groups_read(n);
            }
        };
        let fetched = wire.committed_offsets(&names, &coordinators, &read);
        laps.lap(Step::CommittedOffsets);
        let all_fetched = in_order(&names, fetched);
        let descriptions: Vec<GroupDescription> = descriptions;
        snap.groups = self.assemble(names, &descriptions, all_fetched, false);
    }
}

/// Each group's committed offsets in the order of `names`; a group the
/// coordinators did not answer for gets that error.
fn in_order(names: &[String], mut fetched: Committed) -> Vec<GroupOffsets> {
    names
        .iter()
        .map(|g| {
            fetched
                .remove(g)
                .unwrap_or_else(|| Err("no answer for this group".to_string()))
        })
        .collect()
}

/// Low and high watermarks of every partition: one ListOffsets per leader and
/// kind, leaders in parallel.
fn watermarks(wire: &WireClient, snap: &mut ClusterSnapshot) {
    for spec in [OffsetSpec::Earliest, OffsetSpec::Latest] {
        let mut first_error = None;
        for (ti, pi, offset) in wire.list_offsets(&snap.topics, spec) {
            let t = &mut snap.topics[ti];
            let p = &mut t.partitions[pi];
            match offset {
                Ok(v) if spec == OffsetSpec::Earliest => p.low = Some(v),
                Ok(v) => p.high = Some(v),
                Err(e) => {
                    first_error.get_or_insert_with(|| format!("{}[{}]: {e}", t.name, p.id));
                    p.error = Some(e);
                }
            }
        }
        if let Some(e) = first_error {
            snap.errors.push(format!("watermarks: {e}"));
        }
    }
}

//! One refresh of the cluster: a [`ClusterSnapshot`] built from batched admin
//! calls, in named steps, each timed. Failures become part of the snapshot. The
//! calls block (librdkafka), so `crate::monitor` runs refreshes on a thread of
//! their own, every interval.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use rdkafka::metadata::{Metadata, MetadataTopic};

use super::admin::types::{GroupDescription, GroupState, OffsetSpec};
use super::admin::Admin;
use super::committed_records::{CommittedRecordReader, ReadLimits, RecordKey};
use super::group_types::{merge, TypedGroups};
use super::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use super::topics::MinIsrReader;
use super::KafkaError;
use crate::config::Resolved;

/// What one refresh reads, and how.
#[derive(Debug, Clone)]
pub struct PollerOptions {
    /// Timeout of each request of a refresh.
    pub timeout: Duration,
    /// Show `__consumer_offsets` and other internal topics.
    pub include_internal: bool,
    /// Groups to show when the cluster cannot list groups (and in addition to
    /// the listed ones when they have committed offsets).
    pub known_groups: Vec<String>,
    /// Only these groups (e.g. `kaftop lag --group G`).
    pub only_groups: Option<Vec<String>>,
    /// Ask for members with DescribeGroups (off where the cluster is known not to
    /// answer it, as librdkafka's mock).
    pub describe_groups: bool,
    /// Fetch committed offsets naming every partition instead of "all partitions",
    /// for clusters that ignore the latter (librdkafka's mock). Also switched on by
    /// itself when the cluster cannot list groups.
    pub offsets_per_partition: bool,
    /// Read the record at each lagging committed offset (exact time lag); `None`:
    /// estimate time lag from rates only.
    pub exact_time_lag: Option<ReadLimits>,
}

impl PollerOptions {
    /// Options for this config. `watch` names groups worth looking for even when
    /// the cluster cannot list groups (the embedded services' groups, from
    /// `services::service_groups`); groups with configured thresholds (lag or time
    /// lag) are added.
    pub fn from_config(cfg: &Resolved, watch: impl IntoIterator<Item = String>) -> Self {
        let mut known: BTreeSet<String> = watch.into_iter().collect();
        known.extend(cfg.lag.groups.keys().cloned());
        known.extend(cfg.lag.max_time_lag.keys().cloned());
        PollerOptions {
            timeout: Duration::from_secs(5),
            include_internal: false,
            known_groups: known.into_iter().collect(),
            only_groups: None,
            describe_groups: true,
            offsets_per_partition: false,
            exact_time_lag: Some(ReadLimits::default()),
        }
    }
}

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

/// Times consecutive steps: each lap is the time since the previous one.
struct Laps {
    at: Instant,
    done: Vec<StepTiming>,
}

impl Laps {
    fn start() -> Self {
        Laps {
            at: Instant::now(),
            done: Vec::with_capacity(Step::ALL.len()),
        }
    }

    fn lap(&mut self, step: Step) {
        let now = Instant::now();
        self.done.push(StepTiming {
            step,
            took: now - self.at,
        });
        self.at = now;
    }

    /// Restarts the clock without recording (time between steps that belongs to none).
    fn skip(&mut self) {
        self.at = Instant::now();
    }
}

/// Builds snapshots. Owns the admin client, so a refresh reuses connections.
pub struct Refresher {
    admin: Admin,
    opts: PollerOptions,
    bootstrap: String,
    started: Instant,
    min_isr: MinIsrReader,
    /// Created with the refresher; `None` when off or when it could not be created
    /// (time lag is then estimated).
    records: Option<CommittedRecordReader>,
    /// Share and Streams groups over the wire protocol; `None` when the profile
    /// needs what only librdkafka speaks (they are then not shown).
    typed: Option<TypedGroups>,
}

pub fn is_internal_topic(name: &str) -> bool {
    name.starts_with("__") || name.starts_with("_confluent")
}

impl Refresher {
    pub fn new(cfg: &Resolved, opts: PollerOptions) -> Result<Self, KafkaError> {
        let admin = Admin::from_resolved(cfg).map_err(|e| KafkaError::Unreachable {
            bootstrap: cfg.bootstrap_servers.clone(),
            reason: e.to_string(),
        })?;
        let records = opts.exact_time_lag.and_then(|limits| {
            CommittedRecordReader::new(cfg, limits)
                .map_err(|e| tracing::warn!("exact time lag off: {e}"))
                .ok()
        });
        let typed = TypedGroups::new(cfg, opts.timeout)
            .map_err(|e| tracing::warn!("share and Streams groups off: {e}"))
            .ok();
        Ok(Refresher {
            typed,
            admin,
            opts,
            bootstrap: cfg.bootstrap_servers.clone(),
            started: Instant::now(),
            min_isr: MinIsrReader::new(cfg),
            records,
        })
    }

    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The committed-record reader, when exact time lag is on.
    pub fn record_reader(&self) -> Option<&CommittedRecordReader> {
        self.records.as_ref()
    }

    /// One refresh. Never fails: what went wrong is in `errors`.
    pub fn refresh(&mut self) -> ClusterSnapshot {
        self.refresh_timed().0
    }

    /// One refresh, with how long each of its steps took, in the order they ran.
    pub fn refresh_timed(&mut self) -> (ClusterSnapshot, Vec<StepTiming>) {
        let mut laps = Laps::start();
        let requests_before = self.admin.requests_sent() + self.typed_requests();
        let mut snap = ClusterSnapshot {
            taken_at_ms: chrono::Utc::now().timestamp_millis(),
            mono_ms: self.started.elapsed().as_millis() as u64,
            ..Default::default()
        };
        let timeout = self.opts.timeout;
        self.admin.serve_events();
        let md = match self.admin.client().fetch_metadata(None, timeout) {
            Ok(md) => {
                self.admin.diagnosis().clear();
                md
            }
            Err(e) => {
                // Names a refused password or an untrusted certificate when
                // librdkafka reported one, else "cannot reach the cluster".
                let err = self.admin.connect_error(&self.bootstrap, &e);
                snap.errors.push(err.to_string());
                snap.requests = 1;
                laps.lap(Step::Metadata);
                return (snap, laps.done);
            }
        };
        let mut metadata_requests = 1;
        snap.connected = true;
        snap.brokers = broker_infos(&md);
        snap.cluster_id = self.admin.client().fetch_cluster_id(timeout);
        snap.controller = self.admin.controller_id(timeout);
        metadata_requests += 2;
        snap.topics = self.topics(&md, &mut snap.errors);
        laps.lap(Step::Metadata);
        let (requests, errors) = self.min_isr.fill(&mut snap.topics, self.opts.timeout);
        metadata_requests += requests;
        snap.errors.extend(errors);
        laps.lap(Step::TopicConfigs);
        // Committed offsets before log ends, as kafka-consumer-groups reads them: a
        // commit landing in between then shows as a little more lag, not as a
        // negative one.
        let brokers = snap.brokers.clone();
        snap.groups = self.groups(&snap.topics, &mut snap.errors, &mut laps);
        if let Some(typed) = &self.typed {
            // Share and Streams groups, which librdkafka lists not.
            let read = typed.read(&brokers, self.opts.only_groups.as_deref());
            snap.errors.extend(read.errors.iter().cloned());
            let offsets = |g: &str| self.admin.committed_offsets(g, timeout);
            merge(read, offsets, self.opts.include_internal, &mut snap.groups);
        }
        self.watermarks(&mut snap);
        laps.lap(Step::Watermarks);
        if self.records.is_some() {
            self.committed_records(&mut snap);
            laps.lap(Step::CommittedRecords);
        }
        snap.requests = self.admin.requests_sent() + self.typed_requests() - requests_before
            + metadata_requests;
        (snap, laps.done)
    }

    fn typed_requests(&self) -> u64 {
        self.typed.as_ref().map_or(0, TypedGroups::requests_sent)
    }

    /// Group descriptions; empty (members unknown) when the cluster could not
    /// describe any group.
    fn describe(&self, groups: &[&str], errors: &mut Vec<String>) -> Vec<GroupDescription> {
        if !self.opts.describe_groups {
            return Vec::new();
        }
        match self.admin.describe_groups(groups, self.opts.timeout) {
            Ok(d) if d.is_empty() || d.iter().any(|g| g.error.is_none()) => d,
            Ok(d) => {
                let reason = d.first().and_then(|g| g.error.clone()).unwrap_or_default();
                self.describe_failed(&reason, errors);
                d
            }
            Err(e) => {
                self.describe_failed(&e.to_string(), errors);
                Vec::new()
            }
        }
    }

    /// Records a DescribeGroups call that failed for every group: members are unknown
    /// in this refresh, and the next refresh asks again (a coordinator that moved or
    /// is still loading answers again by itself).
    fn describe_failed(&self, reason: &str, errors: &mut Vec<String>) {
        errors.push(format!(
            "describing groups failed ({reason}); members unknown until the next refresh"
        ));
    }

    fn topics(&self, md: &Metadata, errors: &mut Vec<String>) -> Vec<TopicInfo> {
        let mut topics: Vec<TopicInfo> = md
            .topics()
            .iter()
            .filter(|t| self.opts.include_internal || !is_internal_topic(t.name()))
            .map(topic_info)
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &topics {
            if let Some(e) = &t.error {
                errors.push(format!("topic {}: {e}", t.name));
            }
        }
        topics
    }

    /// Low and high watermarks of every partition: two batched ListOffsets calls
    /// (librdkafka sends one request per partition leader).
    fn watermarks(&self, snap: &mut ClusterSnapshot) {
        let all = every_partition(&snap.topics);
        if all.is_empty() {
            return;
        }
        let slot: HashMap<(String, i32), (usize, usize)> = snap
            .topics
            .iter()
            .enumerate()
            .flat_map(|(ti, t)| {
                t.partitions
                    .iter()
                    .enumerate()
                    .map(move |(pi, p)| ((t.name.clone(), p.id), (ti, pi)))
            })
            .collect();
        for spec in [OffsetSpec::Earliest, OffsetSpec::Latest] {
            match self.admin.list_offsets(&all, spec, self.opts.timeout) {
                Ok(offsets) => {
                    let mut first_error = None;
                    for o in offsets {
                        let Some(&(ti, pi)) = slot.get(&(o.topic.clone(), o.partition)) else {
                            continue;
                        };
                        let p = &mut snap.topics[ti].partitions[pi];
                        match o.offset {
                            Ok(v) if spec == OffsetSpec::Earliest => p.low = Some(v),
                            Ok(v) => p.high = Some(v),
                            Err(e) => {
                                first_error.get_or_insert_with(|| {
                                    format!("{}[{}]: {e}", o.topic, o.partition)
                                });
                                p.error = Some(e);
                            }
                        }
                    }
                    if let Some(e) = first_error {
                        snap.errors.push(format!("watermarks: {e}"));
                    }
                }
                Err(e) => snap.errors.push(format!("watermarks: {e}")),
            }
        }
    }

    /// The record at every lagging committed offset that is still in the log.
    fn committed_records(&mut self, snap: &mut ClusterSnapshot) {
        let Some(reader) = self.records.as_mut() else {
            return;
        };
        let wanted = lagging_offsets(snap);
        snap.committed_records = reader.read(&wanted).records;
    }

    fn groups(
        &mut self,
        topics: &[TopicInfo],
        errors: &mut Vec<String>,
        laps: &mut Laps,
    ) -> Vec<GroupInfo> {
        let timeout = self.opts.timeout;
        // A cluster that cannot list groups (librdkafka's mock) may not answer the
        // "all partitions" offset fetch either: ask for every partition instead.
        let mut ask_every_partition = self.opts.offsets_per_partition;
        let names: Vec<String> = match &self.opts.only_groups {
            Some(only) => only.clone(),
            None => match self.admin.list_groups(timeout) {
                Ok(list) => {
                    errors.extend(list.errors.iter().map(|e| format!("listing groups: {e}")));
                    let mut names: BTreeSet<String> =
                        list.groups.into_iter().map(|g| g.group_id).collect();
                    // Known groups the list lacks still show when they have offsets.
                    names.extend(self.opts.known_groups.iter().cloned());
                    names.into_iter().collect()
                }
                Err(e) => {
                    errors.push(format!(
                        "listing groups is not supported here ({e}); showing known groups"
                    ));
                    ask_every_partition = true;
                    self.opts.known_groups.clone()
                }
            },
        };
        if self.opts.only_groups.is_none() {
            laps.lap(Step::GroupList);
        }
        if names.is_empty() {
            return Vec::new();
        }
        let all_partitions = if ask_every_partition {
            every_partition(topics)
        } else {
            Vec::new()
        };
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        laps.skip();
        let descriptions = self.describe(&refs, errors);
        if self.opts.describe_groups {
            laps.lap(Step::GroupDescriptions);
        }
        let listed_only_if_active = self.opts.only_groups.is_none();
        let mut groups = Vec::with_capacity(names.len());
        // One OffsetFetch per group (librdkafka takes one group per call): issued
        // concurrently so a refresh costs about one round trip, not one per group.
        let admin = &self.admin;
        let all_fetched = parallel_map(&names, OFFSET_FETCH_WORKERS, |name| {
            if ask_every_partition {
                admin.committed_offsets_for(name, &all_partitions, timeout)
            } else {
                admin.committed_offsets(name, timeout)
            }
        });
        laps.lap(Step::CommittedOffsets);
        for (name, fetched) in names.into_iter().zip(all_fetched) {
            let describe_error = descriptions
                .iter()
                .find(|d| d.group_id == name)
                .and_then(|d| d.error.clone());
            let desc = descriptions
                .iter()
                .find(|d| d.group_id == name && d.error.is_none());
            let (offsets, offsets_error) = match fetched {
                Ok(list) => (
                    list.into_iter()
                        .filter(|o| o.offset.is_some() || !ask_every_partition)
                        .filter(|o| self.opts.include_internal || !is_internal_topic(&o.topic))
                        .map(|o| GroupOffset {
                            topic: o.topic,
                            partition: o.partition,
                            committed: o.offset,
                            share_lag: None,
                        })
                        .collect::<Vec<_>>(),
                    None,
                ),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            let exists = desc.is_some_and(|d| d.state != GroupState::Dead) || !offsets.is_empty();
            let is_known_only = self.opts.known_groups.contains(&name);
            if listed_only_if_active && is_known_only && !exists {
                // A configured group that is not on this cluster: nothing to show.
                continue;
            }
            groups.push(GroupInfo {
                group_id: name,
                state: desc.map(|d| d.state),
                group_type: desc.map(|d| d.group_type),
                members: desc.map(|d| d.members.clone()),
                offsets,
                coordinator: desc.and_then(|d| d.coordinator),
                error: offsets_error.or(describe_error),
                detail: None,
            });
        }
        groups
    }
}

/// The brokers of a metadata response, by id.
pub fn broker_infos(md: &Metadata) -> Vec<BrokerInfo> {
    let mut brokers: Vec<BrokerInfo> = md
        .brokers()
        .iter()
        .map(|b| BrokerInfo {
            id: b.id(),
            host: b.host().to_string(),
            port: b.port(),
        })
        .collect();
    brokers.sort_by_key(|b| b.id);
    brokers
}

/// One topic of a metadata response, partitions by id (watermarks not read).
pub fn topic_info(t: &MetadataTopic) -> TopicInfo {
    let mut partitions: Vec<PartitionInfo> = t
        .partitions()
        .iter()
        .map(|p| PartitionInfo {
            id: p.id(),
            leader: p.leader(),
            replicas: p.replicas().to_vec(),
            isr: p.isr().to_vec(),
            low: None,
            high: None,
            error: p
                .error()
                .map(|e| format!("{:?}", rdkafka::types::RDKafkaErrorCode::from(e))),
        })
        .collect();
    partitions.sort_by_key(|p| p.id);
    TopicInfo {
        name: t.name().to_string(),
        internal: is_internal_topic(t.name()),
        partitions,
        min_insync_replicas: None,
        error: t
            .error()
            .map(|e| format!("{:?}", rdkafka::types::RDKafkaErrorCode::from(e))),
    }
}

/// (topic, partition, committed offset) of every group's partition that has
/// records to consume at its committed offset: lag, and not deleted yet.
fn lagging_offsets(snap: &ClusterSnapshot) -> Vec<RecordKey> {
    let bounds: HashMap<(&str, i32), &PartitionInfo> = snap
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| ((t.name.as_str(), p.id), p))
        })
        .collect();
    let mut wanted: Vec<RecordKey> = snap
        .groups
        .iter()
        .flat_map(|g| &g.offsets)
        .filter_map(|o| {
            let c = o.committed?;
            let p = bounds.get(&(o.topic.as_str(), o.partition))?;
            (c >= p.low? && c < p.high?).then(|| (o.topic.clone(), o.partition, c))
        })
        .collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// (topic, partition) of every partition of `topics`.
fn every_partition(topics: &[TopicInfo]) -> Vec<(String, i32)> {
    topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), p.id)))
        .collect()
}

/// Concurrent committed-offset fetches per refresh.
pub(crate) const OFFSET_FETCH_WORKERS: usize = 8;

/// `f` over `items` on up to `workers` scoped threads; results in input order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 || workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let per_worker = items.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per_worker)
            .map(|chunk| s.spawn(|| chunk.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..37).collect();
        let out = parallel_map(&items, 8, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(parallel_map(&[5u32], 8, |x| x + 1), vec![6]);
        assert!(parallel_map(&[] as &[u32], 8, |x| *x).is_empty());
    }

    #[test]
    fn internal_topics() {
        assert!(is_internal_topic("__consumer_offsets"));
        assert!(is_internal_topic("_confluent-metrics"));
        assert!(!is_internal_topic("message.created"));
    }
}

//! One refresh of the cluster: a [`ClusterSnapshot`] built from batched admin
//! calls, in named steps, each timed. Failures become part of the snapshot. The
//! calls block (librdkafka), so `crate::monitor` runs refreshes on a thread of
//! their own, every interval.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::admin::types::{CommittedOffset, GroupDescription, GroupState, GroupType, OffsetSpec};
use super::admin::Admin;
use super::committed_records::{CommittedRecordReader, ReadLimits};
use super::group_types::{merge, TypedGroups};
use super::progress::ReadProgress;
pub use super::progress::{Step, StepTiming};
pub use super::snapshot::is_internal_topic;
use super::snapshot::{ClusterSnapshot, GroupInfo, GroupOffset, TopicInfo};
use super::topics::MinIsrReader;
use super::wire::WireClient;

mod parts;
mod reporter;
pub use reporter::GroupReporter;
mod wire_read;
pub use wire_read::FocusRead;

pub(crate) use super::parallel::{parallel_map, OFFSET_FETCH_WORKERS};
use super::KafkaError;
use crate::config::Resolved;
pub use parts::{broker_infos, topic_info};
use parts::{every_partition, keep_topics, lagging_offsets};

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
    /// Who describes the groups instead of the cluster (the demo's own consumers,
    /// on a mock cluster that answers no DescribeGroups).
    pub described_by: Option<GroupReporter>,
    /// Where the running refresh has got, for a screen to show while it runs
    /// (the dashboard's "reading N of M groups").
    pub progress: Option<Arc<ReadProgress>>,
    /// Read through the protocol client (`kafka::wire`) where the profile and
    /// the cluster allow it; `false`: always through librdkafka (benchmarks
    /// compare the two).
    pub protocol_client: bool,
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
            described_by: None,
            progress: None,
            protocol_client: true,
        }
    }
}

/// Times consecutive steps: each lap is the time since the previous one.
struct Laps {
    at: Instant,
    done: Vec<StepTiming>,
    progress: Option<Arc<ReadProgress>>,
}

impl Laps {
    fn start(progress: Option<Arc<ReadProgress>>) -> Self {
        Laps {
            at: Instant::now(),
            done: Vec::with_capacity(Step::ALL.len()),
            progress,
        }
    }

    /// A step starts (for whoever watches the progress).
    fn begin(&self, step: Step) {
        if let Some(p) = &self.progress {
            p.begin(step);
        }
    }

    fn groups(&self, total: usize) {
        if let Some(p) = &self.progress {
            p.groups(total);
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

    fn finish(self) -> Vec<StepTiming> {
        if let Some(p) = &self.progress {
            p.finish();
        }
        self.done
    }
}

/// Builds snapshots. Owns its clients, so a refresh reuses connections.
///
/// The reads a refresh repeats go through the protocol client (`kafka::wire`:
/// batched per coordinator and per leader) when the profile and the cluster
/// allow it; through librdkafka's admin calls otherwise (a profile with GSSAPI
/// or OAUTHBEARER, librdkafka's mock cluster, which lists no groups).
pub struct Refresher {
    admin: Admin,
    /// `None`: the refresh reads through librdkafka.
    wire: Option<WireClient>,
    /// The cluster was asked whether it speaks every request the wire path sends.
    wire_checked: bool,
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

/// Whether `groups` holds `id` as a live classic or consumer group (described,
/// not dead, no error).
fn described_as_classic_or_consumer(groups: &[GroupInfo], id: &str) -> bool {
    groups.iter().any(|g| {
        g.group_id == id
            && g.error.is_none()
            && g.state.is_some_and(|s| s != GroupState::Dead)
            && matches!(g.group_type, Some(GroupType::Classic | GroupType::Consumer))
    })
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
        // The mock-cluster options (no DescribeGroups, offsets per partition) stay
        // on librdkafka, and have no share or Streams groups.
        let protocol = opts.protocol_client && opts.describe_groups && !opts.offsets_per_partition;
        let wire = protocol
            .then(|| WireClient::new(cfg, opts.timeout))
            .and_then(|w| {
                w.map_err(|e| tracing::info!("refresh reads through librdkafka: {e}"))
                    .ok()
            });
        let typed = protocol
            .then(|| TypedGroups::new(cfg, opts.timeout))
            .and_then(|t| {
                t.map_err(|e| tracing::warn!("share and Streams groups off: {e}"))
                    .ok()
            });
        Ok(Refresher {
            typed,
            admin,
            wire,
            wire_checked: false,
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

    /// Whether refreshes read through the protocol client (`kafka::wire`) rather
    /// than librdkafka; known after the first refresh.
    pub fn reads_on_wire(&self) -> bool {
        self.wire.is_some()
    }

    /// One refresh, with how long each of its steps took, in the order they ran.
    pub fn refresh_timed(&mut self) -> (ClusterSnapshot, Vec<StepTiming>) {
        let mut laps = Laps::start(self.opts.progress.clone());
        let mut snap = ClusterSnapshot {
            taken_at_ms: chrono::Utc::now().timestamp_millis(),
            mono_ms: self.started.elapsed().as_millis() as u64,
            ..Default::default()
        };
        if self.wire_usable(&mut snap) {
            self.refresh_wire(&mut snap, &mut laps);
        } else if !snap.errors.is_empty() {
            laps.lap(Step::Metadata);
        } else {
            self.refresh_librdkafka(&mut snap, &mut laps);
        }
        if snap.connected {
            self.typed_groups(&mut snap);
        }
        (snap, laps.finish())
    }

    /// Share and Streams groups, which librdkafka does not list, added to the
    /// snapshot's groups (their requests counted).
    fn typed_groups(&self, snap: &mut ClusterSnapshot) {
        let Some(typed) = &self.typed else {
            return;
        };
        // Named groups the read above described need no second look: only those
        // it could not (a share or Streams group is "dead" to DescribeGroups).
        let only: Option<Vec<String>> = self.opts.only_groups.as_ref().map(|named| {
            named
                .iter()
                .filter(|g| !described_as_classic_or_consumer(&snap.groups, g))
                .cloned()
                .collect()
        });
        let before = self.admin.requests_sent() + typed.requests_sent();
        let read = typed.read(&snap.brokers, only.as_deref());
        snap.errors.extend(read.errors.iter().cloned());
        snap.unsupported_group_types = read.unsupported.clone();
        let timeout = self.opts.timeout;
        let offsets = |g: &str| self.admin.committed_offsets(g, timeout);
        merge(read, offsets, self.opts.include_internal, &mut snap.groups);
        snap.requests += self.admin.requests_sent() + typed.requests_sent() - before;
    }

    fn refresh_librdkafka(&mut self, snap: &mut ClusterSnapshot, laps: &mut Laps) {
        laps.begin(Step::Metadata);
        let requests_before = self.admin.requests_sent();
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
                return;
            }
        };
        let mut metadata_requests = 1;
        snap.connected = true;
        snap.brokers = broker_infos(&md);
        snap.cluster_id = self.admin.client().fetch_cluster_id(timeout);
        snap.controller = self.admin.controller_id(timeout);
        metadata_requests += 2;
        let topics = md.topics().iter().map(topic_info).collect();
        snap.topics = keep_topics(topics, self.opts.include_internal, &mut snap.errors);
        laps.lap(Step::Metadata);
        metadata_requests += self.topic_configs(snap, laps);
        // Committed offsets before log ends, as kafka-consumer-groups reads them: a
        // commit landing in between then shows as a little more lag, not as a
        // negative one.
        snap.groups = self.groups(&snap.topics, &mut snap.errors, laps);
        laps.begin(Step::Watermarks);
        self.watermarks(snap);
        laps.lap(Step::Watermarks);
        self.finish_records(snap, laps);
        snap.requests = self.admin.requests_sent() - requests_before + metadata_requests;
    }

    /// `min.insync.replicas` of the topics out of sync; the requests it took.
    fn topic_configs(&mut self, snap: &mut ClusterSnapshot, laps: &mut Laps) -> u64 {
        laps.begin(Step::TopicConfigs);
        let (requests, errors) = self.min_isr.fill(&mut snap.topics, self.opts.timeout);
        snap.errors.extend(errors);
        laps.lap(Step::TopicConfigs);
        requests
    }

    fn finish_records(&mut self, snap: &mut ClusterSnapshot, laps: &mut Laps) {
        if self.records.is_some() {
            laps.begin(Step::CommittedRecords);
            self.committed_records(snap);
            laps.lap(Step::CommittedRecords);
        }
    }

    /// Group descriptions; empty (members unknown) when the cluster could not
    /// describe any group.
    fn describe(&self, groups: &[&str], errors: &mut Vec<String>) -> Vec<GroupDescription> {
        if let Some(reporter) = &self.opts.described_by {
            return reporter.describe(groups);
        }
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
        laps.begin(Step::GroupList);
        let names: Vec<String> = match &self.opts.only_groups {
            Some(only) => only.clone(),
            None => match self.admin.list_groups(timeout) {
                Ok(list) => {
                    errors.extend(list.errors.iter().map(|e| format!("listing groups: {e}")));
                    let names = list.groups.into_iter().map(|g| g.group_id);
                    self.with_known(names)
                }
                Err(e) => {
                    ask_every_partition = true;
                    self.listing_failed(&e.to_string(), errors)
                }
            },
        };
        if self.opts.only_groups.is_none() {
            laps.lap(Step::GroupList);
        }
        if names.is_empty() {
            return Vec::new();
        }
        laps.groups(names.len());
        let all_partitions = if ask_every_partition {
            every_partition(topics)
        } else {
            Vec::new()
        };
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        laps.skip();
        laps.begin(Step::GroupDescriptions);
        let descriptions = self.describe(&refs, errors);
        if self.opts.describe_groups {
            laps.lap(Step::GroupDescriptions);
        }
        laps.begin(Step::CommittedOffsets);
        // One OffsetFetch per group (librdkafka takes one group per call): issued
        // concurrently so a refresh costs about one round trip, not one per group.
        let admin = &self.admin;
        let progress = self.opts.progress.as_deref();
        let all_fetched = parallel_map(&names, OFFSET_FETCH_WORKERS, |name| {
            let fetched = if ask_every_partition {
                admin.committed_offsets_for(name, &all_partitions, timeout)
            } else {
                admin.committed_offsets(name, timeout)
            };
            if let Some(p) = progress {
                p.groups_read(1);
            }
            fetched.map_err(|e| e.to_string())
        });
        laps.lap(Step::CommittedOffsets);
        self.assemble(names, &descriptions, all_fetched, ask_every_partition)
    }

    /// The listed groups and the known ones (which show when they have offsets).
    fn with_known(&self, listed: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut names: BTreeSet<String> = listed.into_iter().collect();
        names.extend(self.opts.known_groups.iter().cloned());
        names.into_iter().collect()
    }

    /// The groups to read when listing failed: the known ones.
    fn listing_failed(&self, reason: &str, errors: &mut Vec<String>) -> Vec<String> {
        errors.push(format!(
            "listing groups is not supported here ({reason}); showing known groups"
        ));
        self.opts.known_groups.clone()
    }

    /// Each group of `names` from its description and its committed offsets.
    fn assemble(
        &self,
        names: Vec<String>,
        descriptions: &[GroupDescription],
        all_fetched: Vec<Result<Vec<CommittedOffset>, String>>,
        ask_every_partition: bool,
    ) -> Vec<GroupInfo> {
        let listed_only_if_active = self.opts.only_groups.is_none();
        let by_name: HashMap<&str, &GroupDescription> = descriptions
            .iter()
            .map(|d| (d.group_id.as_str(), d))
            .collect();
        let mut groups = Vec::with_capacity(names.len());
        for (name, fetched) in names.into_iter().zip(all_fetched) {
            let described = by_name.get(name.as_str()).copied();
            let describe_error = described.and_then(|d| d.error.clone());
            let desc = described.filter(|d| d.error.is_none());
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
                Err(e) => (Vec::new(), Some(e)),
            };
            let exists = desc.is_some_and(|d| d.state != GroupState::Dead) || !offsets.is_empty();
            let is_known_only = self.opts.known_groups.contains(&name);
            if listed_only_if_active && is_known_only && !exists {
                // A configured group that is not on this cluster: nothing to show.
                continue;
            }
            // Kept from a refused description too: librdkafka names the protocol
            // type of a classic group it will not describe.
            let protocol_type = described.and_then(|d| d.protocol_type.clone());
            groups.push(GroupInfo {
                group_id: name,
                state: desc.map(|d| d.state),
                group_type: desc
                    .map(|d| d.group_type)
                    .or(protocol_type.as_ref().map(|_| GroupType::Classic)),
                protocol_type,
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

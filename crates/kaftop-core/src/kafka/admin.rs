//! Consumer-group and offset admin calls that rdkafka 0.39 does not wrap.
//!
//! rdkafka wraps topic and config administration, but not librdkafka's
//! ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets,
//! AlterConsumerGroupOffsets or ListOffsets. This module calls them through
//! `rdkafka_sys` behind a small safe API. They are what makes lag refreshes cheap:
//! ListOffsets sends one request per partition leader for any number of
//! partitions, and committed offsets cost one request per group coordinator,
//! where `fetch_watermarks` and a consumer's `committed_offsets` cost one request
//! per partition (or a consumer per group).
//!
//! All calls block until librdkafka answers or the timeout passes; run them off the
//! async runtime. Every call uses its own result queue, so an [`Admin`] can be shared
//! between threads and a late answer to a timed-out call never reaches a later call.
//!
//! Memory rules: every librdkafka object created here is owned by an RAII guard
//! that destroys it on every path; strings and lists inside a result event are
//! copied into Rust values before the event is destroyed.
#![allow(unsafe_code, clippy::undocumented_unsafe_blocks)] // TEMP: moves to the FFI module

use std::collections::{HashMap, HashSet};
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_char;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdkafka::client::Client;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientConfig;
use rdkafka_sys::bindings as rd;
use rdkafka_sys::types::RDKafkaRespErr;

use crate::config::Resolved;
use crate::kafka::client::{Diagnosis, KafkaError, KaftopContext};

/// Extra time to wait for the result event after the request timeout, so that
/// librdkafka's own timeout error (which names what timed out) arrives first.
const POLL_GRACE: Duration = Duration::from_millis(500);

/// librdkafka's upper bound for `request_timeout` (one hour).
const MAX_REQUEST_TIMEOUT_MS: u128 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The request as a whole failed: code name and message, e.g.
    /// "BrokerTransportFailure: ..." or "timed out after 2s".
    #[error("{op}: {reason}")]
    Request {
        op: &'static str,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },
    #[error("creating admin client: {0}")]
    Create(String),
}

impl AdminError {
    fn request(op: &'static str, code: RDKafkaErrorCode, reason: impl Into<String>) -> Self {
        AdminError::Request {
            op,
            code: Some(code),
            reason: reason.into(),
        }
    }

    /// The librdkafka error code of a failed request, if it had one.
    pub fn code(&self) -> Option<RDKafkaErrorCode> {
        match self {
            AdminError::Request { code, .. } => *code,
            AdminError::Create(_) => None,
        }
    }
}

/// A consumer group's state, named as Kafka names it.
///
/// Classic-protocol groups go through PreparingRebalance and CompletingRebalance;
/// KIP-848 consumer-protocol groups through Assigning and Reconciling. `Unknown`
/// only stands for a state code librdkafka itself does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum GroupState {
    Unknown,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
    Empty,
    Assigning,
    Reconciling,
}

impl GroupState {
    /// Maps librdkafka's `rd_kafka_consumer_group_state_t` value; unknown codes
    /// become [`GroupState::Unknown`] (see [`GroupState::of_consumer_group`]).
    pub fn from_code(code: u32) -> GroupState {
        match code {
            1 => GroupState::PreparingRebalance,
            2 => GroupState::CompletingRebalance,
            3 => GroupState::Stable,
            4 => GroupState::Dead,
            5 => GroupState::Empty,
            _ => GroupState::Unknown,
        }
    }

    /// The state of a consumer-protocol (KIP-848) group from librdkafka's code
    /// and the group's members.
    ///
    /// librdkafka 2.12 maps the state string of a ConsumerGroupDescribe answer
    /// through `rd_kafka_consumer_group_state_code`, whose table has no
    /// Assigning or Reconciling: both come back as Unknown. Such a group is always
    /// in one of Empty, Assigning, Reconciling, Stable or Dead, so Unknown means
    /// one of the two, told apart by the members: while some member's current
    /// assignment differs from its target assignment, the members are converging
    /// on the target (Reconciling); otherwise the coordinator is computing a new
    /// target (Assigning). librdkafka drops the group and member epochs that
    /// would decide this exactly, so a member that owns its target but has not
    /// yet acknowledged the new epoch reads as Assigning rather than Reconciling.
    pub fn of_consumer_group(code: u32, members: &[MemberDescription]) -> GroupState {
        match GroupState::from_code(code) {
            GroupState::Unknown if members.iter().any(MemberDescription::is_reconciling) => {
                GroupState::Reconciling
            }
            GroupState::Unknown => GroupState::Assigning,
            known => known,
        }
    }

    /// Kafka's name of the state, as `kafka-consumer-groups` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupState::Unknown => "Unknown",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
            GroupState::Empty => "Empty",
            GroupState::Assigning => "Assigning",
            GroupState::Reconciling => "Reconciling",
        }
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rebalance protocol a group uses: `Classic` (JoinGroup/SyncGroup) or
/// `Consumer` (KIP-848, `group.protocol=consumer`), named as Kafka names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum GroupType {
    Unknown,
    Consumer,
    Classic,
}

impl GroupType {
    /// Maps librdkafka's `rd_kafka_consumer_group_type_t` value.
    pub fn from_code(code: u32) -> GroupType {
        match code {
            1 => GroupType::Consumer,
            2 => GroupType::Classic,
            _ => GroupType::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::Unknown => "Unknown",
            GroupType::Consumer => "Consumer",
            GroupType::Classic => "Classic",
        }
    }
}

impl fmt::Display for GroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The consumer groups of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupList {
    /// Sorted by group id.
    pub groups: Vec<GroupListing>,
    /// Brokers that could not be asked (the list may be incomplete).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupListing {
    pub group_id: String,
    pub state: GroupState,
    /// Unknown when the broker is older than ListGroups v5.
    pub group_type: GroupType,
    /// A group used only for offset storage (no members, no protocol).
    pub is_simple: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupDescription {
    pub group_id: String,
    pub state: GroupState,
    pub group_type: GroupType,
    pub is_simple: bool,
    pub partition_assignor: String,
    /// Broker id of the group coordinator, when known.
    pub coordinator: Option<i32>,
    pub members: Vec<MemberDescription>,
    /// Set when this group could not be described; the other fields are then empty.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberDescription {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// Assigned (topic, partition) pairs: what the member owns now.
    pub assignment: Vec<(String, i32)>,
    /// What the coordinator wants the member to own (consumer-protocol groups
    /// only; `None` for classic groups).
    pub target_assignment: Option<Vec<(String, i32)>>,
}

impl MemberDescription {
    /// The member does not own what its target assignment says (order aside).
    pub fn is_reconciling(&self) -> bool {
        let Some(target) = &self.target_assignment else {
            return false;
        };
        let owned: HashSet<&(String, i32)> = self.assignment.iter().collect();
        let wanted: HashSet<&(String, i32)> = target.iter().collect();
        owned != wanted
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: i32,
    /// `None` when the group has no valid committed offset here.
    pub offset: Option<i64>,
    pub error: Option<String>,
}

/// Which offset [`Admin::list_offsets`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (high watermark).
    Latest,
    /// The first offset whose timestamp is at or after this time (ms since epoch).
    Timestamp(i64),
}

impl OffsetSpec {
    fn raw(self) -> i64 {
        match self {
            OffsetSpec::Earliest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_EARLIEST as i64,
            OffsetSpec::Latest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_LATEST as i64,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartitionOffset {
    pub topic: String,
    pub partition: i32,
    /// The offset, or this partition's error. For a timestamp past the last
    /// record Kafka answers -1.
    pub offset: Result<i64, String>,
    /// Timestamp of the record at `offset` (timestamp lookups only).
    pub timestamp: Option<i64>,
}

/// One partition's outcome of [`Admin::alter_group_offsets`]: topic, partition,
/// and `Err(reason)` if this partition was not changed.
pub type PartitionOutcome = (String, i32, Result<(), String>);

/// An admin client for the calls rdkafka lacks. Cheap to share (`Send + Sync`);
/// calls from several threads run concurrently.
///
/// The handle is a consumer with a group id of its own that never subscribes, not
/// a plain admin (producer-type) handle: librdkafka 2.12 answers a NotCoordinator
/// error to ListConsumerGroupOffsets by asking the handle's own consumer group to
/// re-query its coordinator, and on a handle without one that dereferences NULL and
/// kills the process. A real cluster answers NotCoordinator whenever a group's
/// coordinator moves (a broker stopped, `__consumer_offsets` still loading).
pub struct Admin {
    client: BaseConsumer<KaftopContext>,
    calls: AtomicU64,
}

/// Events (librdkafka's log lines, errors) waiting on a consumer's queue, where a
/// consumer with a group id has its main queue forwarded.
pub fn pending_events<C: rdkafka::consumer::ConsumerContext>(consumer: &BaseConsumer<C>) -> usize {
    // SAFETY: the handle is live for the call; the queue reference we take is
    // released before returning.
    unsafe {
        let q = rd::rd_kafka_queue_get_consumer(consumer.client().native_ptr());
        if q.is_null() {
            return 0;
        }
        let n = rd::rd_kafka_queue_length(q);
        rd::rd_kafka_queue_destroy(q);
        n
    }
}

/// Group id of the admin handle's own (never joined) consumer group.
pub const ADMIN_GROUP_ID: &str = "kaftop-admin";

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin")
            .field("requests_sent", &self.requests_sent())
            .finish_non_exhaustive()
    }
}

impl Admin {
    pub fn new(config: &ClientConfig) -> Result<Admin, AdminError> {
        let mut config = config.clone();
        if config.get("group.id").is_none() {
            config.set("group.id", ADMIN_GROUP_ID);
        }
        // It never consumes: nothing to commit or store.
        config
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false");
        let client: BaseConsumer<KaftopContext> = config
            .create_with_context(KaftopContext::default())
            .map_err(|e| AdminError::Create(e.to_string()))?;
        Ok(Admin {
            client,
            calls: AtomicU64::new(0),
        })
    }

    /// An admin client for a resolved profile (bootstrap, security, properties).
    pub fn from_resolved(cfg: &Resolved) -> Result<Admin, AdminError> {
        Admin::new(&super::client::base_config(cfg))
    }

    /// The underlying client (for `fetch_metadata` / `fetch_watermarks`).
    pub fn client(&self) -> &Client<KaftopContext> {
        self.client.client()
    }

    /// The authentication or TLS failure this client last saw, if any.
    pub fn diagnosis(&self) -> &Diagnosis {
        &self.client.context().diagnosis
    }

    /// Passes librdkafka's queued log lines and errors to the log and the diagnosis.
    pub fn serve_events(&self) {
        super::client::serve_events(&self.client);
    }

    /// The error for a request to `bootstrap` that failed with `e`: a refused
    /// password or an untrusted certificate if librdkafka reported one, else
    /// "cannot reach the cluster".
    pub fn connect_error(&self, bootstrap: &str, e: &rdkafka::error::KafkaError) -> KafkaError {
        self.serve_events();
        self.diagnosis().connect_error(bootstrap, e)
    }

    /// Admin calls made on this client so far (one per method call that reached
    /// librdkafka, however many broker requests it fanned out to).
    pub fn requests_sent(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Lists the cluster's consumer groups (asks every broker). Brokers that failed
    /// are in `errors`; if some failed and no group was found at all, the call
    /// fails, since an empty list would read as "no groups".
    pub fn list_groups(&self, timeout: Duration) -> Result<GroupList, AdminError> {
        const OP: &str = "list consumer groups";
        let ev = self.call(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
            timeout,
            |rk, opts, queue| {
                // SAFETY: all three pointers are live for the duration of the call
                // (guards in `call`); librdkafka copies what it keeps.
                unsafe { rd::rd_kafka_ListConsumerGroups(rk, opts, queue) }
            },
        )?;
        // SAFETY: `ev` is a live event; the result (NULL if another event type)
        // is owned by it.
        let res = unsafe { rd::rd_kafka_event_ListConsumerGroups_result(ev.0) };
        if res.is_null() {
            return Err(unexpected_event(OP, &ev));
        }
        let mut groups = Vec::new();
        let mut n = 0usize;
        // SAFETY: `res` is non-null and owned by `ev`, which outlives this block;
        // the array has `n` entries; each listing's strings live as long as `ev`
        // and are copied before it is dropped.
        unsafe {
            let arr = rd::rd_kafka_ListConsumerGroups_result_valid(res, &mut n);
            for &g in ptr_slice(arr, n) {
                if g.is_null() {
                    continue;
                }
                groups.push(GroupListing {
                    group_id: cstr(rd::rd_kafka_ConsumerGroupListing_group_id(g)),
                    state: GroupState::from_code(rd::rd_kafka_ConsumerGroupListing_state(g) as u32),
                    group_type: GroupType::from_code(
                        rd::rd_kafka_ConsumerGroupListing_type(g) as u32
                    ),
                    is_simple: rd::rd_kafka_ConsumerGroupListing_is_simple_consumer_group(g) != 0,
                });
            }
        }
        let mut errors = Vec::new();
        let mut first_code = None;
        let mut n = 0usize;
        // SAFETY: as above; the errors are owned by the result.
        unsafe {
            let arr = rd::rd_kafka_ListConsumerGroups_result_errors(res, &mut n);
            for &e in ptr_slice(arr, n) {
                if let Some((code, text)) = error_text(e) {
                    first_code.get_or_insert(code);
                    errors.push(text);
                }
            }
        }
        drop(ev);
        if groups.is_empty() && !errors.is_empty() {
            // E.g. the mock cluster, which supports no ListGroups at all.
            return Err(AdminError::Request {
                op: OP,
                code: first_code,
                reason: errors.join("; "),
            });
        }
        groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        groups.dedup_by(|a, b| a.group_id == b.group_id);
        self.resolve_listed_states(&mut groups, &mut errors, timeout);
        Ok(GroupList { groups, errors })
    }

    /// ListGroups reports a consumer-protocol group that is Assigning or
    /// Reconciling as Unknown (librdkafka's state table lacks both, see
    /// [`GroupState::of_consumer_group`]); one DescribeConsumerGroups call for
    /// those groups names their state as a description would.
    fn resolve_listed_states(
        &self,
        groups: &mut [GroupListing],
        errors: &mut Vec<String>,
        timeout: Duration,
    ) {
        let unresolved: Vec<&str> = groups
            .iter()
            .filter(|g| g.state == GroupState::Unknown && g.group_type == GroupType::Consumer)
            .map(|g| g.group_id.as_str())
            .collect();
        if unresolved.is_empty() {
            return;
        }
        let described = match self.describe_groups(&unresolved, timeout) {
            Ok(d) => d,
            Err(e) => {
                errors.push(format!(
                    "naming the state of {}: {e}",
                    unresolved.join(", ")
                ));
                return;
            }
        };
        for g in groups.iter_mut() {
            if let Some(d) = described
                .iter()
                .find(|d| d.group_id == g.group_id && d.error.is_none())
            {
                if g.state == GroupState::Unknown && g.group_type == GroupType::Consumer {
                    g.state = d.state;
                }
            }
        }
    }

    /// Describes `groups` (members, assignments, state) in one call. A group that
    /// cannot be described has `error` set; duplicates are described once.
    pub fn describe_groups(
        &self,
        groups: &[&str],
        timeout: Duration,
    ) -> Result<Vec<GroupDescription>, AdminError> {
        const OP: &str = "describe consumer groups";
        let mut unique: Vec<&str> = Vec::with_capacity(groups.len());
        for g in groups {
            if !unique.contains(g) {
                unique.push(g);
            }
        }
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let names = unique
            .iter()
            .map(|g| c_string(OP, "group id", g))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
        let ev = self.call(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
            timeout,
            |rk, opts, queue| {
                // SAFETY: `ptrs` holds `ptrs.len()` pointers to NUL-terminated
                // strings owned by `names`, alive across the call; librdkafka
                // copies the group names.
                unsafe {
                    rd::rd_kafka_DescribeConsumerGroups(
                        rk,
                        ptrs.as_mut_ptr(),
                        ptrs.len(),
                        opts,
                        queue,
                    )
                }
            },
        )?;
        // SAFETY: `ev` is live; the result is owned by it.
        let res = unsafe { rd::rd_kafka_event_DescribeConsumerGroups_result(ev.0) };
        if res.is_null() {
            return Err(unexpected_event(OP, &ev));
        }
        let mut out = Vec::new();
        let mut n = 0usize;
        // SAFETY: `res` is non-null and owned by `ev`; every description, member,
        // assignment, node and string reached from it lives as long as `ev` and
        // is copied into owned Rust values here.
        unsafe {
            let arr = rd::rd_kafka_DescribeConsumerGroups_result_groups(res, &mut n);
            for &d in ptr_slice(arr, n) {
                if !d.is_null() {
                    out.push(group_description(d));
                }
            }
        }
        Ok(out)
    }

    /// The offsets `group` has committed, for every partition it has any for,
    /// sorted by (topic, partition). One request to the group coordinator.
    ///
    /// librdkafka's mock cluster cannot answer this "all partitions" form (it
    /// returns nothing); use [`Admin::committed_offsets_for`] there.
    pub fn committed_offsets(
        &self,
        group: &str,
        timeout: Duration,
    ) -> Result<Vec<CommittedOffset>, AdminError> {
        self.fetch_committed(group, None, timeout)
    }

    /// The offsets `group` has committed for `partitions` (`offset: None` where
    /// it has none), sorted by (topic, partition). One request to the group
    /// coordinator; duplicates are asked once.
    pub fn committed_offsets_for(
        &self,
        group: &str,
        partitions: &[(String, i32)],
        timeout: Duration,
    ) -> Result<Vec<CommittedOffset>, AdminError> {
        if partitions.is_empty() {
            return Ok(Vec::new());
        }
        self.fetch_committed(group, Some(partitions), timeout)
    }

    fn fetch_committed(
        &self,
        group: &str,
        partitions: Option<&[(String, i32)]>,
        timeout: Duration,
    ) -> Result<Vec<CommittedOffset>, AdminError> {
        const OP: &str = "list committed offsets";
        let group_c = c_string(OP, "group id", group)?;
        let list = match partitions {
            None => None,
            Some(parts) => {
                let list = TopicPartitionList::new(OP)?;
                let mut seen = HashSet::new();
                for (t, p) in parts {
                    if seen.insert((t.as_str(), *p)) {
                        list.add(OP, t, *p, rd::RD_KAFKA_OFFSET_INVALID as i64)?;
                    }
                }
                Some(list)
            }
        };
        let list_ptr = list.as_ref().map_or(ptr::null(), |l| l.0.cast_const());
        // SAFETY: `group_c` is NUL-terminated; `list_ptr` is NULL ("all
        // partitions") or a live list; librdkafka copies both; the guard
        // destroys the object.
        let req = ListGroupOffsets(unsafe {
            rd::rd_kafka_ListConsumerGroupOffsets_new(group_c.as_ptr(), list_ptr)
        });
        if req.0.is_null() {
            return Err(alloc_failed(OP));
        }
        let mut reqs = [req.0];
        let ev = self.call(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
            timeout,
            |rk, opts, queue| {
                // SAFETY: `reqs` is a one-element array of a live object (owned by
                // `req`); librdkafka copies it before returning.
                unsafe {
                    rd::rd_kafka_ListConsumerGroupOffsets(rk, reqs.as_mut_ptr(), 1, opts, queue)
                }
            },
        )?;
        // SAFETY: `ev` is live; the result is owned by it.
        let res = unsafe { rd::rd_kafka_event_ListConsumerGroupOffsets_result(ev.0) };
        if res.is_null() {
            return Err(unexpected_event(OP, &ev));
        }
        let mut n = 0usize;
        // SAFETY: `res` is non-null and owned by `ev`; the group results and their
        // partition lists live as long as `ev` and are copied here.
        let parts = unsafe {
            let arr = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(res, &mut n);
            single_group_partitions(OP, ptr_slice(arr, n))?
        };
        let mut out: Vec<CommittedOffset> = parts
            .into_iter()
            .map(|p| CommittedOffset {
                topic: p.topic,
                partition: p.partition,
                offset: (p.offset >= 0).then_some(p.offset),
                error: p.error,
            })
            .collect();
        out.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        Ok(out)
    }

    /// Offsets of `partitions` by `spec` in one call (librdkafka sends one request
    /// per partition leader). Results follow the input order, duplicates once.
    /// Per-partition failures (e.g. an unknown topic next to known ones) are in
    /// `offset`; when no partition has a leader the whole call fails.
    pub fn list_offsets(
        &self,
        partitions: &[(String, i32)],
        spec: OffsetSpec,
        timeout: Duration,
    ) -> Result<Vec<PartitionOffset>, AdminError> {
        const OP: &str = "list offsets";
        if let OffsetSpec::Timestamp(ms) = spec {
            if ms < 0 {
                return Err(AdminError::request(
                    OP,
                    RDKafkaErrorCode::InvalidArgument,
                    format!("timestamp must be >= 0, got {ms}"),
                ));
            }
        }
        let mut unique: Vec<(&str, i32)> = Vec::with_capacity(partitions.len());
        let mut seen = HashSet::new();
        for (t, p) in partitions {
            if seen.insert((t.as_str(), *p)) {
                unique.push((t.as_str(), *p));
            }
        }
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let list = TopicPartitionList::new(OP)?;
        for (t, p) in &unique {
            list.add(OP, t, *p, spec.raw())?;
        }
        let ev = self.call(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
            timeout,
            |rk, opts, queue| {
                // SAFETY: `list` is a live list owned by its guard; librdkafka
                // copies it before returning.
                unsafe { rd::rd_kafka_ListOffsets(rk, list.0, opts, queue) }
            },
        )?;
        // SAFETY: `ev` is live; the result is owned by it.
        let res = unsafe { rd::rd_kafka_event_ListOffsets_result(ev.0) };
        if res.is_null() {
            return Err(unexpected_event(OP, &ev));
        }
        let mut found: HashMap<(String, i32), PartitionOffset> = HashMap::new();
        let mut n = 0usize;
        // SAFETY: `res` is non-null and owned by `ev`; each info and its topic
        // partition live as long as `ev` and are copied here.
        unsafe {
            let arr = rd::rd_kafka_ListOffsets_result_infos(res, &mut n);
            for &info in ptr_slice(arr, n) {
                if info.is_null() {
                    continue;
                }
                let tp = rd::rd_kafka_ListOffsetsResultInfo_topic_partition(info);
                if tp.is_null() {
                    continue;
                }
                let p = partition_entry(&*tp);
                let ts = rd::rd_kafka_ListOffsetsResultInfo_timestamp(info);
                // Some brokers also send a timestamp for earliest/latest; only a
                // timestamp lookup's is meaningful.
                let lookup = matches!(spec, OffsetSpec::Timestamp(_));
                found.insert(
                    (p.topic.clone(), p.partition),
                    PartitionOffset {
                        offset: checked_offset(spec, p.offset, p.error),
                        timestamp: (lookup && ts >= 0).then_some(ts),
                        topic: p.topic,
                        partition: p.partition,
                    },
                );
            }
        }
        drop(ev);
        Ok(unique
            .into_iter()
            .map(|(t, p)| {
                found
                    .remove(&(t.to_string(), p))
                    .unwrap_or_else(|| PartitionOffset {
                        topic: t.to_string(),
                        partition: p,
                        offset: Err("no result for this partition".to_string()),
                        timestamp: None,
                    })
            })
            .collect())
    }

    /// Sets `group`'s committed offsets to `(topic, partition, offset)`, e.g. to
    /// reset it to earliest. Succeeds per partition only while the group has no
    /// active members. Returns each partition's outcome.
    pub fn alter_group_offsets(
        &self,
        group: &str,
        offsets: &[(String, i32, i64)],
        timeout: Duration,
    ) -> Result<Vec<PartitionOutcome>, AdminError> {
        const OP: &str = "alter committed offsets";
        if offsets.is_empty() {
            return Ok(Vec::new());
        }
        let group_c = c_string(OP, "group id", group)?;
        let list = TopicPartitionList::new(OP)?;
        for (t, p, o) in offsets {
            list.add(OP, t, *p, *o)?;
        }
        // SAFETY: both arguments are live; librdkafka copies them; the guard
        // destroys the object.
        let req = AlterGroupOffsets(unsafe {
            rd::rd_kafka_AlterConsumerGroupOffsets_new(group_c.as_ptr(), list.0)
        });
        if req.0.is_null() {
            return Err(alloc_failed(OP));
        }
        let mut reqs = [req.0];
        let ev = self.call(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
            timeout,
            |rk, opts, queue| {
                // SAFETY: `reqs` is a one-element array of a live object (owned by
                // `req`); librdkafka copies it before returning.
                unsafe {
                    rd::rd_kafka_AlterConsumerGroupOffsets(rk, reqs.as_mut_ptr(), 1, opts, queue)
                }
            },
        )?;
        // SAFETY: `ev` is live; the result is owned by it.
        let res = unsafe { rd::rd_kafka_event_AlterConsumerGroupOffsets_result(ev.0) };
        if res.is_null() {
            return Err(unexpected_event(OP, &ev));
        }
        let mut n = 0usize;
        // SAFETY: `res` is non-null and owned by `ev`; copied here.
        let parts = unsafe {
            let arr = rd::rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &mut n);
            single_group_partitions(OP, ptr_slice(arr, n))?
        };
        Ok(parts
            .into_iter()
            .map(|p| {
                let r = match p.error {
                    Some(e) => Err(e),
                    None => Ok(()),
                };
                (p.topic, p.partition, r)
            })
            .collect())
    }

    /// Runs one admin call: options with the request timeout, a fresh result
    /// queue, `start` to issue the request, then waits for the result event and
    /// turns a request-level error into [`AdminError::Request`].
    fn call(
        &self,
        op: &'static str,
        api: rd::rd_kafka_admin_op_t,
        timeout: Duration,
        start: impl FnOnce(
            *mut rd::rd_kafka_t,
            *const rd::rd_kafka_AdminOptions_t,
            *mut rd::rd_kafka_queue_t,
        ),
    ) -> Result<Event, AdminError> {
        // The handle's queue receives only log lines and client-level errors (it is
        // assigned nothing); serve them so that they reach the log and the diagnosis
        // and do not pile up over a long session.
        self.serve_events();
        let rk = self.client.client().native_ptr();
        // SAFETY: `rk` is the live handle owned by `self.client`.
        let queue = Queue(unsafe { rd::rd_kafka_queue_new(rk) });
        if queue.0.is_null() {
            return Err(alloc_failed(op));
        }
        let opts = AdminOptions::new(op, rk, api, timeout)?;
        self.calls.fetch_add(1, Ordering::Relaxed);
        start(rk, opts.0, queue.0);
        drop(opts); // the request holds its own copy

        let wait = timeout.saturating_add(POLL_GRACE);
        // SAFETY: `queue` is live; a returned event is ours to destroy (guard).
        let ev = Event(unsafe { rd::rd_kafka_queue_poll(queue.0, duration_ms(wait)) });
        if ev.0.is_null() {
            return Err(AdminError::Request {
                op,
                code: Some(RDKafkaErrorCode::OperationTimedOut),
                reason: format!("timed out after {}", humantime::format_duration(timeout)),
            });
        }
        // SAFETY: `ev` is live.
        let err = unsafe { rd::rd_kafka_event_error(ev.0) };
        if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
            let code = RDKafkaErrorCode::from(err);
            // SAFETY: `ev` is live; the string (NULL-checked by `cstr`) is owned
            // by the event and copied before the event is dropped.
            let text = unsafe { cstr(rd::rd_kafka_event_error_string(ev.0)) };
            return Err(AdminError::request(op, code, format!("{code:?}: {text}")));
        }
        Ok(ev)
    }
}

// ---- RAII guards over librdkafka objects ----

/// An event from `rd_kafka_queue_poll`; destroyed on drop.
struct Event(*mut rd::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we own the event and drop it once; nothing borrowed from it
            // outlives this guard.
            unsafe { rd::rd_kafka_event_destroy(self.0) }
        }
    }
}

/// A result queue of one call; destroying it discards a late answer.
struct Queue(*mut rd::rd_kafka_queue_t);

impl Drop for Queue {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we own the queue handle and drop it once; librdkafka keeps
            // its own reference for requests still in flight.
            unsafe { rd::rd_kafka_queue_destroy(self.0) }
        }
    }
}

struct AdminOptions(*mut rd::rd_kafka_AdminOptions_t);

impl AdminOptions {
    fn new(
        op: &'static str,
        rk: *mut rd::rd_kafka_t,
        api: rd::rd_kafka_admin_op_t,
        timeout: Duration,
    ) -> Result<Self, AdminError> {
        // SAFETY: `rk` is live; a non-null result is ours to destroy (guard).
        let opts = AdminOptions(unsafe { rd::rd_kafka_AdminOptions_new(rk, api) });
        if opts.0.is_null() {
            return Err(alloc_failed(op));
        }
        let ms = timeout.as_millis().clamp(1, MAX_REQUEST_TIMEOUT_MS) as i32;
        let mut errstr = [0 as c_char; 256];
        // SAFETY: `opts` is live; `errstr` is writable for its full length.
        let err = unsafe {
            rd::rd_kafka_AdminOptions_set_request_timeout(
                opts.0,
                ms,
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        };
        if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
            // SAFETY: librdkafka NUL-terminates what it writes; the buffer was
            // zeroed, so it is NUL-terminated either way.
            let text = unsafe { CStr::from_ptr(errstr.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            return Err(AdminError::request(op, RDKafkaErrorCode::from(err), text));
        }
        Ok(opts)
    }
}

impl Drop for AdminOptions {
    fn drop(&mut self) {
        // SAFETY: non-null (checked in `new`), owned, dropped once.
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0) }
    }
}

struct TopicPartitionList(*mut rd::rd_kafka_topic_partition_list_t);

impl TopicPartitionList {
    fn new(op: &'static str) -> Result<Self, AdminError> {
        // SAFETY: plain allocation; the guard destroys it.
        let list = TopicPartitionList(unsafe { rd::rd_kafka_topic_partition_list_new(4) });
        if list.0.is_null() {
            return Err(alloc_failed(op));
        }
        Ok(list)
    }

    /// Appends `topic`/`partition` with `offset` (an offset or an offset spec).
    fn add(
        &self,
        op: &'static str,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<(), AdminError> {
        let topic_c = c_string(op, "topic", topic)?;
        // SAFETY: the list is live; librdkafka copies the topic name and returns
        // a pointer to the new element inside the list, valid until the list
        // changes again, which it does not before we write the offset.
        unsafe {
            let elem = rd::rd_kafka_topic_partition_list_add(self.0, topic_c.as_ptr(), partition);
            if elem.is_null() {
                return Err(alloc_failed(op));
            }
            (*elem).offset = offset;
        }
        Ok(())
    }
}

impl Drop for TopicPartitionList {
    fn drop(&mut self) {
        // SAFETY: non-null (checked in `new`), owned, dropped once.
        unsafe { rd::rd_kafka_topic_partition_list_destroy(self.0) }
    }
}

struct ListGroupOffsets(*mut rd::rd_kafka_ListConsumerGroupOffsets_t);

impl Drop for ListGroupOffsets {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: owned, dropped once.
            unsafe { rd::rd_kafka_ListConsumerGroupOffsets_destroy(self.0) }
        }
    }
}

struct AlterGroupOffsets(*mut rd::rd_kafka_AlterConsumerGroupOffsets_t);

impl Drop for AlterGroupOffsets {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: owned, dropped once.
            unsafe { rd::rd_kafka_AlterConsumerGroupOffsets_destroy(self.0) }
        }
    }
}

// ---- copying out of librdkafka memory ----

/// One topic partition entry, copied.
struct PartitionEntry {
    topic: String,
    partition: i32,
    offset: i64,
    error: Option<String>,
}

/// Copies a C string; NULL becomes "".
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string alive for this call.
unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: per the function contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The elements of a librdkafka array of `n` pointers (empty if NULL).
///
/// # Safety
/// `arr` is NULL or points to `n` readable pointers that outlive `'a`.
unsafe fn ptr_slice<'a, T>(arr: *mut *const T, n: usize) -> &'a [*const T] {
    if arr.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: per the function contract.
        unsafe { std::slice::from_raw_parts(arr, n) }
    }
}

/// Code and "Name: message" text of an `rd_kafka_error_t`, or None for NULL.
///
/// # Safety
/// `e` is NULL or a live error.
unsafe fn error_text(e: *const rd::rd_kafka_error_t) -> Option<(RDKafkaErrorCode, String)> {
    if e.is_null() {
        return None;
    }
    // SAFETY: `e` is live per the contract; its string lives as long as `e`.
    let (code, text) = unsafe {
        (
            RDKafkaErrorCode::from(rd::rd_kafka_error_code(e)),
            cstr(rd::rd_kafka_error_string(e)),
        )
    };
    Some((code, format!("{code:?}: {text}")))
}

fn code_text(err: RDKafkaRespErr) -> Option<String> {
    if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return None;
    }
    // SAFETY: err2str returns a static string for every code.
    let text = unsafe { cstr(rd::rd_kafka_err2str(err)) };
    Some(format!("{:?}: {text}", RDKafkaErrorCode::from(err)))
}

/// Copies one element of a topic partition list.
fn partition_entry(tp: &rd::rd_kafka_topic_partition_t) -> PartitionEntry {
    PartitionEntry {
        // SAFETY: a list element's topic is NULL or a NUL-terminated string
        // owned by the list, which the caller keeps alive.
        topic: unsafe { cstr(tp.topic) },
        partition: tp.partition,
        offset: tp.offset,
        error: code_text(tp.err),
    }
}

/// Copies all elements of a topic partition list (NULL → empty).
///
/// # Safety
/// `list` is NULL or a live list that is not modified during the call.
unsafe fn partition_entries(
    list: *const rd::rd_kafka_topic_partition_list_t,
) -> Vec<PartitionEntry> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: `list` is live; `elems` holds `cnt` initialised elements.
    unsafe {
        let l = &*list;
        if l.elems.is_null() || l.cnt <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(l.elems, l.cnt as usize)
            .iter()
            .map(partition_entry)
            .collect()
    }
}

/// The partitions of the single group result of a one-group offsets call; the
/// group's own error fails the call.
///
/// # Safety
/// Each pointer in `groups` is NULL or a live group result.
unsafe fn single_group_partitions(
    op: &'static str,
    groups: &[*const rd::rd_kafka_group_result_t],
) -> Result<Vec<PartitionEntry>, AdminError> {
    let Some(&g) = groups.iter().find(|g| !g.is_null()) else {
        return Err(AdminError::Request {
            op,
            code: None,
            reason: "the result holds no group".to_string(),
        });
    };
    // SAFETY: `g` is a live group result; its error and partitions live as long.
    unsafe {
        if let Some((code, text)) = error_text(rd::rd_kafka_group_result_error(g)) {
            return Err(AdminError::request(op, code, text));
        }
        Ok(partition_entries(rd::rd_kafka_group_result_partitions(g)))
    }
}

/// The (topic, partition) pairs of a member assignment; `None` for NULL.
///
/// # Safety
/// `a` is NULL or a live assignment that is not modified during the call.
unsafe fn assigned_partitions(
    a: *const rd::rd_kafka_MemberAssignment_t,
) -> Option<Vec<(String, i32)>> {
    if a.is_null() {
        return None;
    }
    // SAFETY: `a` is live per the contract; its partition list (NULL or live)
    // lives as long and is copied here.
    let parts = unsafe { partition_entries(rd::rd_kafka_MemberAssignment_partitions(a)) };
    Some(parts.into_iter().map(|p| (p.topic, p.partition)).collect())
}

/// Copies one group description.
///
/// # Safety
/// `d` is a live description.
unsafe fn group_description(d: *const rd::rd_kafka_ConsumerGroupDescription_t) -> GroupDescription {
    // SAFETY: `d` is live; everything reached from it lives as long and is copied.
    unsafe {
        let group_id = cstr(rd::rd_kafka_ConsumerGroupDescription_group_id(d));
        let error = error_text(rd::rd_kafka_ConsumerGroupDescription_error(d)).map(|(_, t)| t);
        let coordinator = rd::rd_kafka_ConsumerGroupDescription_coordinator(d);
        let group_type = GroupType::from_code(rd::rd_kafka_ConsumerGroupDescription_type(d) as u32);
        let mut members = Vec::new();
        for i in 0..rd::rd_kafka_ConsumerGroupDescription_member_count(d) {
            let m = rd::rd_kafka_ConsumerGroupDescription_member(d, i);
            if m.is_null() {
                continue;
            }
            // Only ConsumerGroupDescribe (KIP-848) answers carry a target assignment.
            let target = rd::rd_kafka_MemberDescription_target_assignment(m);
            members.push(MemberDescription {
                member_id: cstr(rd::rd_kafka_MemberDescription_consumer_id(m)),
                client_id: cstr(rd::rd_kafka_MemberDescription_client_id(m)),
                host: cstr(rd::rd_kafka_MemberDescription_host(m)),
                assignment: assigned_partitions(rd::rd_kafka_MemberDescription_assignment(m))
                    .unwrap_or_default(),
                target_assignment: if group_type == GroupType::Consumer {
                    assigned_partitions(target)
                } else {
                    None
                },
            });
        }
        let code = rd::rd_kafka_ConsumerGroupDescription_state(d) as u32;
        GroupDescription {
            group_id,
            state: match group_type {
                GroupType::Consumer => GroupState::of_consumer_group(code, &members),
                _ => GroupState::from_code(code),
            },
            group_type,
            is_simple: rd::rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0,
            partition_assignor: cstr(rd::rd_kafka_ConsumerGroupDescription_partition_assignor(d)),
            coordinator: (!coordinator.is_null()).then(|| rd::rd_kafka_Node_id(coordinator)),
            members,
            error,
        }
    }
}

// ---- small helpers ----

fn c_string(op: &'static str, what: &str, s: &str) -> Result<CString, AdminError> {
    CString::new(s).map_err(|_| {
        AdminError::request(
            op,
            RDKafkaErrorCode::InvalidArgument,
            format!("{what} {s:?} contains a NUL byte"),
        )
    })
}

fn alloc_failed(op: &'static str) -> AdminError {
    AdminError::Request {
        op,
        code: None,
        reason: "librdkafka returned no object".to_string(),
    }
}

fn unexpected_event(op: &'static str, ev: &Event) -> AdminError {
    // SAFETY: `ev` is live.
    let ty = unsafe { rd::rd_kafka_event_type(ev.0) };
    AdminError::Request {
        op,
        code: None,
        reason: format!("unexpected result event type {ty}"),
    }
}

/// A ListOffsets answer as a result. librdkafka leaves a partition whose leader
/// request failed (timeout, broker down) at offset -1001 without an error.
fn checked_offset(spec: OffsetSpec, offset: i64, error: Option<String>) -> Result<i64, String> {
    match error {
        Some(e) => Err(e),
        None if offset == rd::RD_KAFKA_OFFSET_INVALID as i64 => {
            Err("no answer from the partition leader (request failed or timed out)".to_string())
        }
        // -1 is Kafka's "no record at or after this timestamp".
        None if offset < 0 && !matches!(spec, OffsetSpec::Timestamp(_)) => {
            Err(format!("broker returned invalid offset {offset}"))
        }
        None => Ok(offset),
    }
}

/// Milliseconds for librdkafka's `int` timeouts, saturating.
fn duration_ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_state_follows_librdkafka_codes() {
        use rd::rd_kafka_consumer_group_state_t as S;
        let cases = [
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN,
                GroupState::Unknown,
            ),
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE,
                GroupState::PreparingRebalance,
            ),
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE,
                GroupState::CompletingRebalance,
            ),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_STABLE, GroupState::Stable),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_DEAD, GroupState::Dead),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY, GroupState::Empty),
        ];
        for (code, state) in cases {
            assert_eq!(GroupState::from_code(code as u32), state);
            // Our names are librdkafka's own state names.
            // SAFETY: returns a static string for every valid state.
            let name = unsafe { cstr(rd::rd_kafka_consumer_group_state_name(code)) };
            assert_eq!(state.to_string(), name);
        }
        assert_eq!(GroupState::from_code(6), GroupState::Unknown);
        assert_eq!(GroupState::from_code(u32::MAX), GroupState::Unknown);
    }

    fn member(assignment: &[i32], target: Option<&[i32]>) -> MemberDescription {
        let parts = |ps: &[i32]| ps.iter().map(|&p| ("t".to_string(), p)).collect();
        MemberDescription {
            member_id: "m".into(),
            client_id: "c".into(),
            host: "/127.0.0.1".into(),
            assignment: parts(assignment),
            target_assignment: target.map(parts),
        }
    }

    #[test]
    fn consumer_group_states_librdkafka_cannot_name_are_derived() {
        use rd::rd_kafka_consumer_group_state_t as S;
        let unknown = S::RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN as u32;
        // A owns everything and has not given up partition 1 yet; B waits for it.
        let converging = [member(&[0, 1], Some(&[0])), member(&[], Some(&[1]))];
        assert_eq!(
            GroupState::of_consumer_group(unknown, &converging),
            GroupState::Reconciling
        );
        // Everyone owns their target (in any order): the coordinator is assigning.
        let settled = [member(&[1, 0], Some(&[0, 1])), member(&[], Some(&[]))];
        assert_eq!(
            GroupState::of_consumer_group(unknown, &settled),
            GroupState::Assigning
        );
        assert_eq!(
            GroupState::of_consumer_group(unknown, &[]),
            GroupState::Assigning
        );
        // Without a target (no KIP-848 answer) a member never reads as reconciling.
        assert!(!member(&[0], None).is_reconciling());
        // States librdkafka names are kept, whatever the members look like.
        for (code, state) in [
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_STABLE, GroupState::Stable),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY, GroupState::Empty),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_DEAD, GroupState::Dead),
        ] {
            assert_eq!(
                GroupState::of_consumer_group(code as u32, &converging),
                state
            );
        }
    }

    #[test]
    fn group_types_follow_librdkafka_codes() {
        use rd::rd_kafka_consumer_group_type_t as T;
        for (code, ty) in [
            (T::RD_KAFKA_CONSUMER_GROUP_TYPE_UNKNOWN, GroupType::Unknown),
            (
                T::RD_KAFKA_CONSUMER_GROUP_TYPE_CONSUMER,
                GroupType::Consumer,
            ),
            (T::RD_KAFKA_CONSUMER_GROUP_TYPE_CLASSIC, GroupType::Classic),
        ] {
            assert_eq!(GroupType::from_code(code as u32), ty);
            // SAFETY: returns a static string for every valid type.
            let name = unsafe { cstr(rd::rd_kafka_consumer_group_type_name(code)) };
            assert_eq!(ty.to_string(), name);
        }
        assert_eq!(GroupType::from_code(3), GroupType::Unknown);
    }

    #[test]
    fn offset_spec_maps_to_librdkafka_values() {
        assert_eq!(OffsetSpec::Earliest.raw(), -2);
        assert_eq!(OffsetSpec::Latest.raw(), -1);
        assert_eq!(
            OffsetSpec::Timestamp(1_700_000_000_000).raw(),
            1_700_000_000_000
        );
    }

    #[test]
    fn unanswered_partitions_are_errors() {
        use OffsetSpec::*;
        assert_eq!(checked_offset(Latest, 7, None), Ok(7));
        assert_eq!(checked_offset(Latest, 7, Some("E".into())), Err("E".into()));
        assert!(checked_offset(Latest, -1001, None)
            .unwrap_err()
            .contains("no answer"));
        assert!(checked_offset(Timestamp(5), -1001, None).is_err());
        assert!(checked_offset(Earliest, -1, None).is_err());
        assert_eq!(checked_offset(Timestamp(5), -1, None), Ok(-1));
    }

    #[test]
    fn timeouts_saturate() {
        assert_eq!(duration_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(duration_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }

    #[test]
    fn nul_bytes_are_errors_not_panics() {
        let e = c_string("op", "topic", "a\0b").unwrap_err();
        assert_eq!(e.code(), Some(RDKafkaErrorCode::InvalidArgument));
        assert_eq!(e.to_string(), r#"op: topic "a\0b" contains a NUL byte"#);
    }

    #[test]
    fn partition_errors_name_the_code() {
        assert_eq!(code_text(RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR), None);
        let t = code_text(RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART).unwrap();
        assert_eq!(
            t,
            "UnknownTopicOrPartition: Broker: Unknown topic or partition"
        );
    }

    #[test]
    fn admin_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Admin>();
    }
}

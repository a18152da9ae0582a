//! The safe admin API: [`Admin`], a client for the consumer-group and offset calls
//! rdkafka does not wrap. Arguments are checked and results shaped here; the
//! librdkafka requests themselves are in the FFI module.

use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdkafka::client::Client;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientConfig;

use super::coordinators::{not_here, Coordinators, Route};
use super::ffi;
use super::types::{
    AdminError, CommittedOffset, GroupDescription, GroupList, GroupListing, GroupState, GroupType,
    OffsetSpec, PartitionOffset, PartitionOutcome,
};
use crate::config::Resolved;
use crate::kafka::client::{Diagnosis, KafkaError, KaftopContext};

/// Group id of the admin handle's own (never joined) consumer group.
const ADMIN_GROUP_ID: &str = "kaftop-admin";

/// An admin client for the calls rdkafka lacks. Cheap to share (`Send + Sync`);
/// calls from several threads run concurrently.
///
/// The handle is a consumer with a group id of its own that never subscribes, not
/// a plain admin (producer-type) handle: librdkafka 2.12 answers a NotCoordinator
/// error to ListConsumerGroupOffsets by asking the handle's own consumer group to
/// re-query its coordinator, and on a handle without one that dereferences NULL and
/// kills the process. A real cluster answers NotCoordinator whenever a group's
/// coordinator moves (a broker stopped, `__consumer_offsets` still loading).
///
/// Group requests go straight to the broker that answered for the group last
/// (see `coordinators`): librdkafka's own coordinator lookup stalls, and then
/// aborts the process, once a coordinator it cached has stopped.
pub struct Admin {
    client: BaseConsumer<KaftopContext>,
    calls: AtomicU64,
    coordinators: Coordinators,
}

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
            coordinators: Coordinators::default(),
        })
    }

    /// An admin client for a resolved profile (bootstrap, security, properties).
    pub fn from_resolved(cfg: &Resolved) -> Result<Admin, AdminError> {
        Admin::new(&crate::kafka::client::base_config(cfg))
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
        super::serve_events(&self.client);
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

    /// The cluster's controller as the client's metadata names it (waiting up to
    /// `timeout` for metadata); `None` when unknown. Not an admin call: it is not
    /// counted in [`Admin::requests_sent`].
    pub fn controller_id(&self, timeout: Duration) -> Option<i32> {
        ffi::controller_id(self.client(), timeout)
    }

    /// Called just before a request goes to librdkafka. The handle's queue receives
    /// only log lines and client-level errors (it is assigned nothing); serve them
    /// so that they reach the log and the diagnosis and do not pile up over a long
    /// session.
    fn sending(&self) -> &Client<KaftopContext> {
        self.serve_events();
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.client()
    }

    /// Lists the cluster's consumer groups (asks every broker). Brokers that failed
    /// are in `errors`; if some failed and no group was found at all, the call
    /// fails, since an empty list would read as "no groups".
    pub fn list_groups(&self, timeout: Duration) -> Result<GroupList, AdminError> {
        const OP: &str = "list consumer groups";
        let listed = ffi::list_consumer_groups(self.sending(), OP, timeout)?;
        let mut groups = listed.groups;
        let first_code = listed.errors.first().map(|(code, _)| *code);
        let mut errors: Vec<String> = listed.errors.into_iter().map(|(_, text)| text).collect();
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

    /// Describes `groups` (members, assignments, state). A group that cannot be
    /// described has `error` set; duplicates are described once. One call per
    /// known coordinator; a group never seen, or whose coordinator stopped
    /// answering, is asked at every live broker in turn until one answers for it
    /// (one call per broker for all such groups). Never librdkafka's coordinator
    /// lookup: see `coordinators`.
    pub fn describe_groups(
        &self,
        groups: &[&str],
        timeout: Duration,
    ) -> Result<Vec<GroupDescription>, AdminError> {
        let mut unique: Vec<&str> = Vec::with_capacity(groups.len());
        for g in groups {
            if !unique.contains(g) {
                unique.push(g);
            }
        }
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let live = self.live_brokers(timeout)?;
        let mut by_broker: Vec<(i32, Vec<&str>)> = Vec::new();
        let mut unplaced = Vec::new();
        for g in &unique {
            match self.coordinators.route(g) {
                Route::At(id) if live.contains(&id) => {
                    match by_broker.iter_mut().find(|(b, _)| *b == id) {
                        Some((_, list)) => list.push(*g),
                        None => by_broker.push((id, vec![*g])),
                    }
                }
                _ => unplaced.push(*g),
            }
        }
        let mut found: HashMap<String, GroupDescription> = HashMap::new();
        let mut last_error = None;
        let asks = by_broker.into_iter().map(|(id, list)| (id, Some(list)));
        let probes = live.iter().map(|id| (*id, None));
        for (id, list) in asks.chain(probes) {
            // A known coordinator's groups, then whatever is still unplaced.
            let list = match list {
                Some(list) => list,
                None if unplaced.is_empty() => break,
                None => unplaced.clone(),
            };
            match self.describe_at(Some(id), &list, timeout) {
                Ok(described) => {
                    for (d, code) in described {
                        let g = list.iter().find(|g| **g == d.group_id).copied();
                        match (not_here(code), g) {
                            (true, Some(g)) if !unplaced.contains(&g) => unplaced.push(g),
                            (false, _) => unplaced.retain(|u| *u != d.group_id),
                            _ => {}
                        }
                        found.insert(d.group_id.clone(), d);
                    }
                }
                Err(e) if not_here(e.code()) => {
                    list.iter().for_each(|g| {
                        if !unplaced.contains(g) {
                            unplaced.push(g)
                        }
                    });
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        for g in &unplaced {
            self.coordinators.lost(g);
        }
        if found.is_empty() {
            if let Some(e) = last_error {
                return Err(e);
            }
        }
        Ok(unique.iter().filter_map(|g| found.remove(*g)).collect())
    }

    /// One DescribeConsumerGroups call at `broker` (or at each group's coordinator
    /// as librdkafka looks it up); remembers where each group answered.
    fn describe_at(
        &self,
        broker: Option<i32>,
        groups: &[&str],
        timeout: Duration,
    ) -> Result<Vec<(GroupDescription, Option<RDKafkaErrorCode>)>, AdminError> {
        const OP: &str = "describe consumer groups";
        let names = groups
            .iter()
            .map(|g| c_string(OP, "group id", g))
            .collect::<Result<Vec<_>, _>>()?;
        let described = ffi::describe_consumer_groups(self.sending(), OP, &names, broker, timeout)?;
        for (d, code) in &described {
            if code.is_none() {
                if let Some(id) = d.coordinator.or(broker) {
                    self.coordinators.found(&d.group_id, id);
                }
            }
        }
        Ok(described)
    }

    /// The ids of the brokers the cluster's metadata lists now (a request for the
    /// brokers and `__consumer_offsets` only). Not counted as an admin call.
    fn live_brokers(&self, timeout: Duration) -> Result<Vec<i32>, AdminError> {
        let md = self
            .client()
            .fetch_metadata(Some("__consumer_offsets"), timeout)
            .map_err(|e| AdminError::Request {
                op: "list brokers",
                code: e.rdkafka_error_code(),
                reason: e.to_string(),
            })?;
        Ok(md.brokers().iter().map(|b| b.id()).collect())
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
        let partitions = partitions
            .map(|parts| c_partitions(OP, unique_partitions(parts)))
            .transpose()?;
        let broker = match self.coordinators.route(group) {
            Route::Lookup => None,
            Route::At(id) => Some(id),
            Route::Lost => {
                return Err(AdminError::Request {
                    op: OP,
                    code: Some(RDKafkaErrorCode::NotCoordinator),
                    reason: format!(
                        "the coordinator of {group} stopped answering and no broker has \
                         answered for it since; describing the group looks for it"
                    ),
                })
            }
        };
        let parts = ffi::list_consumer_group_offsets(
            self.sending(),
            OP,
            &group_c,
            partitions.as_deref(),
            broker,
            timeout,
        )
        .inspect_err(|e| {
            if broker.is_some() && not_here(e.code()) {
                self.coordinators.lost(group);
            }
        })?;
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
        let unique = unique_partitions(partitions);
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let request = c_partitions(OP, unique.iter().copied())?;
        let listed = ffi::list_offsets(self.sending(), OP, &request, spec, timeout)?;
        // Some brokers also send a timestamp for earliest/latest; only a timestamp
        // lookup's is meaningful.
        let lookup = matches!(spec, OffsetSpec::Timestamp(_));
        let mut found: HashMap<(String, i32), PartitionOffset> = listed
            .into_iter()
            .map(|l| {
                let p = l.entry;
                let offset = PartitionOffset {
                    offset: checked_offset(spec, p.offset, p.error),
                    timestamp: (lookup && l.timestamp >= 0).then_some(l.timestamp),
                    topic: p.topic,
                    partition: p.partition,
                };
                ((offset.topic.clone(), offset.partition), offset)
            })
            .collect();
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
        let request = offsets
            .iter()
            .map(|(t, p, o)| Ok((c_string(OP, "topic", t)?, *p, *o)))
            .collect::<Result<Vec<_>, AdminError>>()?;
        let parts =
            ffi::alter_consumer_group_offsets(self.sending(), OP, &group_c, &request, timeout)?;
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
}

impl Admin {
    /// IncrementalAlterConfigs of `topic`: sets `(name, Some(value))`, deletes
    /// `(name, None)` back to the default; the topic's other configs stay. A
    /// refusal by the broker is [`AdminError::Request`] with the broker's reason.
    pub fn alter_topic_configs(
        &self,
        topic: &str,
        changes: &[(String, Option<String>)],
        timeout: Duration,
    ) -> Result<(), AdminError> {
        const OP: &str = "alter topic configs";
        let topic_c = c_string(OP, "topic", topic)?;
        let request = changes
            .iter()
            .map(|(k, v)| {
                let v = v.as_deref().map(|v| c_string(OP, "config value", v));
                Ok((c_string(OP, "config name", k)?, v.transpose()?))
            })
            .collect::<Result<Vec<_>, AdminError>>()?;
        match ffi::incremental_alter_topic_configs(self.sending(), OP, &topic_c, &request, timeout)?
        {
            None => Ok(()),
            Some((code, reason)) => Err(AdminError::request(OP, code, reason)),
        }
    }
}

/// `partitions` without duplicates, in their first order.
fn unique_partitions(partitions: &[(String, i32)]) -> Vec<(&str, i32)> {
    let mut seen = HashSet::new();
    partitions
        .iter()
        .map(|(t, p)| (t.as_str(), *p))
        .filter(|tp| seen.insert(*tp))
        .collect()
}

/// The partitions of a request, with their topics as C strings.
fn c_partitions<'a>(
    op: &'static str,
    partitions: impl IntoIterator<Item = (&'a str, i32)>,
) -> Result<Vec<(CString, i32)>, AdminError> {
    partitions
        .into_iter()
        .map(|(t, p)| Ok((c_string(op, "topic", t)?, p)))
        .collect()
}

fn c_string(op: &'static str, what: &str, s: &str) -> Result<CString, AdminError> {
    CString::new(s).map_err(|_| {
        AdminError::request(
            op,
            RDKafkaErrorCode::InvalidArgument,
            format!("{what} {s:?} contains a NUL byte"),
        )
    })
}

/// A ListOffsets answer as a result. librdkafka leaves a partition whose leader
/// request failed (timeout, broker down) at offset -1001 without an error.
fn checked_offset(spec: OffsetSpec, offset: i64, error: Option<String>) -> Result<i64, String> {
    match error {
        Some(e) => Err(e),
        None if offset == ffi::OFFSET_INVALID => {
            Err("no answer from the partition leader (request failed or timed out)".to_string())
        }
        // -1 is Kafka's "no record at or after this timestamp".
        None if offset < 0 && !matches!(spec, OffsetSpec::Timestamp(_)) => {
            Err(format!("broker returned invalid offset {offset}"))
        }
        None => Ok(offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn nul_bytes_are_errors_not_panics() {
        let e = c_string("op", "topic", "a\0b").unwrap_err();
        assert_eq!(e.code(), Some(RDKafkaErrorCode::InvalidArgument));
        assert_eq!(e.to_string(), r#"op: topic "a\0b" contains a NUL byte"#);
    }

    #[test]
    fn admin_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Admin>();
    }
}

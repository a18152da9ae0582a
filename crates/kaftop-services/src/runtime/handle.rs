//! [`ServicesHandle`]: starts the services (checking the cluster, the topics and the
//! store first), starts and stops them one by one, and takes snapshots.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use rdkafka::producer::Producer;

use super::consumer::{consumer_thread, Assignment};
use super::dlq::DlqProducer;
use super::maintenance::{maintenance, sample_rates};
use super::pusher::pusher;
use super::{lock, Shared};
use crate::archive::Backup;
use crate::stats::{RateWindow, ServiceSnapshot, ServiceState, ServicesSnapshot, StoreFigures};
use crate::store::{Report, Store, StoreError};
use crate::{
    check_concurrency, service_id, subscriptions, ServiceName, ServicesError, ServicesOptions,
    ALL_SERVICES,
};
use kaftop_core::config::{Resolved, ServicesZone};
use kaftop_core::events::{dlq_topic, DLQ_SUFFIX};
use kaftop_core::kafka::admin::{GroupDescription, GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::client::{require_topics, KafkaError, METADATA_TIMEOUT};
use kaftop_core::worker::FlagWorker;

/// One consumer thread of a running service.
struct Member {
    worker: FlagWorker,
    membership: Assignment,
}

/// The consumer threads of one running service.
struct Running {
    members: Vec<Member>,
}

impl Running {
    /// Asks every member to stop, without waiting.
    fn ask_to_stop(&self) {
        for m in &self.members {
            m.worker.ask_to_stop();
        }
    }

    /// Stops every member at once: each finishes its batch, commits and leaves the
    /// group; returns when all have.
    fn stop(self) {
        self.ask_to_stop();
        for m in self.members {
            m.worker.stop();
        }
    }
}

/// The running services. Dropping it stops them like [`ServicesHandle::shutdown`].
pub struct ServicesHandle {
    shared: Arc<Shared>,
    running: Mutex<BTreeMap<ServiceName, Running>>,
    maintenance: Mutex<Option<FlagWorker>>,
    /// The HTTP notifier's thread, while the notification service runs with an
    /// endpoint configured.
    pusher: Mutex<Option<FlagWorker>>,
}

impl std::fmt::Debug for ServicesHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicesHandle")
            .field("running", &lock(&self.shared.running))
            .finish_non_exhaustive()
    }
}

/// See [`crate::start`].
pub(crate) fn start(
    cfg: &Resolved,
    opts: ServicesOptions,
    which: &[ServiceName],
) -> Result<ServicesHandle, ServicesError> {
    check_concurrency(opts.concurrency)
        .map_err(|e| ServicesError::Invalid(format!("concurrency {e}")))?;
    let which: Vec<ServiceName> = if which.is_empty() {
        ALL_SERVICES.to_vec()
    } else {
        which.to_vec()
    };
    let mut dlq = DlqProducer::new(cfg)?;
    // Fail fast, with a one-line reason, when the cluster or a topic is missing.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for s in &which {
        for k in subscriptions(*s) {
            let t = cfg.topic_for(*k);
            needed.insert(t.to_string());
            needed.insert(dlq_topic(t));
        }
    }
    let refs: Vec<&str> = needed.iter().map(String::as_str).collect();
    require_topics(
        dlq.producer.client(),
        &dlq.producer.context().diagnosis,
        cfg,
        &refs,
        &|| {},
    )?;
    for t in needed.iter().filter(|t| t.ends_with(DLQ_SUFFIX)) {
        let md = dlq
            .producer
            .client()
            .fetch_metadata(Some(t), METADATA_TIMEOUT)
            .map_err(KafkaError::client("reading dead-letter topic metadata"))?;
        if let Some(mt) = md.topics().iter().find(|m| m.name() == t) {
            dlq.partitions
                .insert(t.clone(), mt.partitions().len() as i32);
        }
    }

    let reader = Store::connect(&opts.store)?;
    let backup =
        match &opts.archive_backup {
            Some(p) => Some(Backup::open(p).map_err(|e| {
                ServicesError::Invalid(format!("archive backup {}: {e}", p.display()))
            })?),
            None => None,
        };
    let handle = ServicesHandle::new(Shared::new(cfg, opts, dlq, reader, backup));
    for s in which {
        handle.start_service(s)?;
    }
    handle.ensure_maintenance()?;
    Ok(handle)
}

/// The snapshot's figures from the store; "today" in the zone the events are
/// written in, as analytics files them.
fn store_figures(reader: &Store, zone: ServicesZone) -> Result<StoreFigures, StoreError> {
    let today = zone.date(Utc::now()).to_string();
    Ok(StoreFigures {
        today: reader.day(&today)?,
        archived: reader.archived_count()?,
        last_purge: reader.last_purge()?,
    })
}

impl ServicesHandle {
    /// A handle with nothing running.
    fn new(shared: Shared) -> ServicesHandle {
        ServicesHandle {
            shared: Arc::new(shared),
            running: Mutex::new(BTreeMap::new()),
            maintenance: Mutex::new(None),
            pusher: Mutex::new(None),
        }
    }

    /// Starts the HTTP notifier's thread when an endpoint is configured.
    fn ensure_pusher(&self) -> Result<(), ServicesError> {
        let Some(settings) = self.shared.cfg.notifier.clone() else {
            return Ok(());
        };
        let mut slot = lock(&self.pusher);
        if slot.is_none() {
            let shared = self.shared.clone();
            let worker =
                FlagWorker::try_spawn("svc-notifier", move |stop| pusher(shared, settings, stop))
                    .map_err(ServicesError::Thread)?;
            *slot = Some(worker);
        }
        Ok(())
    }

    fn stop_pusher(&self) {
        if let Some(worker) = lock(&self.pusher).take() {
            worker.stop();
        }
    }

    /// Starts the maintenance thread (expired receipts, purge) unless it runs.
    fn ensure_maintenance(&self) -> Result<(), ServicesError> {
        let mut slot = lock(&self.maintenance);
        if slot.is_some() {
            return Ok(());
        }
        let shared = self.shared.clone();
        let worker =
            FlagWorker::try_spawn("svc-maintenance", move |stop| maintenance(shared, stop))
                .map_err(ServicesError::Thread)?;
        *slot = Some(worker);
        Ok(())
    }

    /// Starts a service's consumers (no-op when it runs already), and the
    /// maintenance thread if [`ServicesHandle::stop_all`] ended it.
    pub fn start_service(&self, s: ServiceName) -> Result<(), ServicesError> {
        self.ensure_maintenance()?;
        let mut running = lock(&self.running);
        if running.contains_key(&s) {
            return Ok(());
        }
        let mut members = Vec::new();
        for idx in 0..self.shared.opts.concurrency {
            let membership: Assignment = Arc::new(super::consumer::Membership {
                client_id: super::consumer::client_id(&self.shared, s, idx),
                ..Default::default()
            });
            let (shared, m2) = (self.shared.clone(), membership.clone());
            let name = format!("svc-{}-{idx}", service_id(s));
            let spawned =
                FlagWorker::try_spawn(&name, move |stop| consumer_thread(shared, s, idx, stop, m2));
            match spawned {
                Ok(worker) => members.push(Member { worker, membership }),
                Err(e) => {
                    Running { members }.stop();
                    return Err(ServicesError::Thread(e));
                }
            }
        }
        running.insert(s, Running { members });
        lock(&self.shared.running).insert(s);
        if s == ServiceName::Notification {
            self.ensure_pusher()?;
        }
        tracing::info!(service = service_id(s), "service started");
        Ok(())
    }

    /// Stops a service: its consumers finish their batch, commit and leave the group,
    /// all at once. Blocks until they have: about a poll timeout plus a batch.
    pub fn stop_service(&self, s: ServiceName) {
        let r = lock(&self.running).remove(&s);
        if let Some(r) = r {
            lock(&self.shared.running).remove(&s);
            r.stop();
            if s == ServiceName::Notification {
                self.stop_pusher();
            }
            tracing::info!(service = service_id(s), "service stopped");
        }
    }

    /// Stops every service (in parallel) and the maintenance thread; for a handle
    /// shared behind an `Arc`. [`ServicesHandle::start_service`] starts both again.
    pub fn stop_all(&self) {
        let all: Vec<(ServiceName, Running)> = std::mem::take(&mut *lock(&self.running))
            .into_iter()
            .collect();
        lock(&self.shared.running).clear();
        for (_, r) in &all {
            r.ask_to_stop();
        }
        for (_, r) in all {
            r.stop();
        }
        self.stop_pusher();
        if let Some(worker) = lock(&self.maintenance).take() {
            worker.stop();
        }
        self.shared.dlq.flush();
    }

    /// Stops every service gracefully and returns the final snapshot.
    pub fn shutdown(self) -> ServicesSnapshot {
        self.stop_all();
        self.stats()
    }

    /// Group name of a service, as this handle's consumers join it.
    pub fn group(&self, s: ServiceName) -> String {
        self.shared.opts.group(s)
    }

    /// The service groups among `groups` as their running consumers know them (for a
    /// cluster that answers no DescribeGroups: the demo's mock): each consumer a
    /// member under its client id, with the partitions its rebalance callback was
    /// given. Stable once a member owns partitions, Empty without members.
    pub fn group_descriptions(&self, groups: &[&str]) -> Vec<GroupDescription> {
        let running = lock(&self.running);
        ALL_SERVICES
            .into_iter()
            .map(|s| (s, self.shared.opts.group(s)))
            .filter(|(_, g)| groups.contains(&g.as_str()))
            .map(|(s, group_id)| {
                let members: Vec<MemberDescription> = running
                    .get(&s)
                    .map(|r| r.members.iter().map(|m| member(&m.membership)).collect())
                    .unwrap_or_default();
                let state = if members.is_empty() {
                    GroupState::Empty
                } else if members.iter().any(|m| !m.assignment.is_empty()) {
                    GroupState::Stable
                } else {
                    GroupState::PreparingRebalance
                };
                GroupDescription {
                    group_id,
                    state,
                    group_type: GroupType::Classic,
                    is_simple: false,
                    protocol_type: Some("consumer".to_string()),
                    partition_assignor: String::new(),
                    coordinator: None,
                    members,
                    error: None,
                }
            })
            .collect()
    }

    /// The services' state now. Reads a few rows from the store (milliseconds): call it
    /// from an I/O task, not the render path. A store that cannot be read is in
    /// [`ServicesSnapshot::store`] as the error, and the pending receipts are `None`.
    pub fn stats(&self) -> ServicesSnapshot {
        let sh = &self.shared;
        sample_rates(sh);
        let running = lock(&self.running);
        let errors = lock(&sh.last_error).clone();
        let rates = lock(&sh.rates);
        let reader = lock(&sh.reader);
        let pending = reader.pending_receipts().ok();
        let services = ALL_SERVICES
            .into_iter()
            .map(|s| {
                let r = running.get(&s);
                let mut assigned: Vec<(String, i32)> = r
                    .map(|r| {
                        r.members
                            .iter()
                            .flat_map(|m| lock(&m.membership.parts).clone())
                            .collect()
                    })
                    .unwrap_or_default();
                assigned.sort();
                ServiceSnapshot {
                    name: s,
                    group: sh.opts.group(s),
                    topics: sh.topics(s),
                    state: if r.is_some() {
                        ServiceState::Running
                    } else {
                        ServiceState::Stopped
                    },
                    consumers: sh.alive[&s].load(Ordering::SeqCst),
                    assigned,
                    counters: sh.counters(s).values(),
                    pending: if s == ServiceName::ReadReceipt {
                        pending
                    } else {
                        Some(0)
                    },
                    processed_per_sec: rates.get(&s).map(RateWindow::rate).unwrap_or(0.0),
                    last_error: errors.get(&s).cloned(),
                    stalled: sh.stalled(s),
                }
            })
            .collect();
        ServicesSnapshot {
            taken_at: Utc::now(),
            services,
            notifications: sh.notifications.snapshot(),
            receipts: sh.receipts.snapshot(),
            store: store_figures(&reader, sh.cfg.zone).map_err(|e| e.to_string()),
            next_purge: *lock(&sh.next_purge),
        }
    }

    /// The store's all-time report (same as `kaftop services report`).
    pub fn report(&self) -> Result<Report, ServicesError> {
        Ok(lock(&self.shared.reader).report()?)
    }

    /// Which services run now.
    pub fn running(&self) -> Vec<ServiceName> {
        lock(&self.running).keys().copied().collect()
    }
}

impl Drop for ServicesHandle {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// A consumer as a group member: its client id stands for the member id, which
/// the coordinator assigns and librdkafka does not hand out.
fn member(m: &super::consumer::Membership) -> MemberDescription {
    let mut assignment = lock(&m.parts).clone();
    assignment.sort();
    MemberDescription {
        member_id: m.client_id.clone(),
        client_id: m.client_id.clone(),
        host: "in-process".into(),
        assignment,
        target_assignment: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::config::{self, Overrides};

    /// A handle over an in-memory store with nothing running (no broker: the DLQ
    /// producer is created but never used).
    fn idle_handle(store: Store) -> ServicesHandle {
        let file = config::parse_str("", "t.toml").unwrap();
        let cfg = config::resolve(Some(&file), None, &Overrides::default()).unwrap();
        let opts = ServicesOptions::for_config(&cfg);
        let dlq = DlqProducer::new(&cfg).unwrap();
        ServicesHandle::new(Shared::new(&cfg, opts, dlq, store, None))
    }

    #[test]
    fn a_readable_store_gives_its_figures() {
        let snap = idle_handle(Store::in_memory().unwrap()).stats();
        let figures = snap.store.unwrap();
        assert_eq!(
            (figures.archived, figures.today.messages, figures.last_purge),
            (0, 0, None)
        );
        for s in &snap.services {
            assert_eq!((s.state, s.pending), (ServiceState::Stopped, Some(0)));
        }
    }

    #[test]
    fn today_is_the_date_in_the_services_zone() {
        use crate::fixtures::{apply, created};
        let east = ServicesZone::parse(Some("+14:00")).unwrap();
        let west = ServicesZone::parse(Some("-12:00")).unwrap();
        // 26 hours apart: never the same date.
        let today_east = east.date(Utc::now());
        let mut store = Store::in_memory().unwrap();
        let at = format!("{today_east}T10:00:00");
        let vips = std::collections::HashSet::new();
        apply(
            &mut store,
            ServiceName::Analytics,
            &[created(1, 1, 2, &at)],
            &vips,
        );
        let figures = |zone| store_figures(&store, zone).unwrap().today;
        assert_eq!(figures(east).messages, 1);
        assert_eq!(figures(east).date, today_east.to_string());
        assert_eq!(figures(west).messages, 0);
    }

    #[test]
    fn a_broken_store_is_reported_as_an_error_not_zeros() {
        let store = Store::in_memory().unwrap();
        store
            .with_connection(|c| c.execute_batch("DROP TABLE archive; DROP TABLE pending_receipts"))
            .unwrap();
        let handle = idle_handle(store);
        let snap = handle.stats();
        assert_eq!(
            snap.store,
            Err(":memory:: no such table: archive".to_string())
        );
        let pending: Vec<Option<u64>> = snap.services.iter().map(|s| s.pending).collect();
        // The read-receipt service's pending count is the store's; the others have none.
        assert_eq!(pending, vec![Some(0), Some(0), None, Some(0)]);
        assert_eq!(
            snap.service(ServiceName::ReadReceipt).unwrap().pending,
            None
        );
        assert!(handle.report().is_err());
    }
}

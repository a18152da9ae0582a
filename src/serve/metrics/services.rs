//! The embedded services' families: their counters since the services started,
//! whether they run, and the read receipts waiting for their message.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use kaftop_services::{ServiceState, ServicesSnapshot};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
    group: String,
}

/// The families filled from each services snapshot.
#[derive(Default)]
pub(super) struct ServiceFamilies {
    consumed: Family<ServiceLabels, Counter>,
    processed: Family<ServiceLabels, Counter>,
    dead_lettered: Family<ServiceLabels, Counter>,
    deduplicated: Family<ServiceLabels, Counter>,
    retries: Family<ServiceLabels, Counter>,
    notify_failures: Family<ServiceLabels, Counter>,
    commit_failures: Family<ServiceLabels, Counter>,
    panics: Family<ServiceLabels, Counter>,
    restarts: Family<ServiceLabels, Counter>,
    pushes_sent: Family<ServiceLabels, Counter>,
    push_failures: Family<ServiceLabels, Counter>,
    pushes_dead: Family<ServiceLabels, Counter>,
    stalled: Family<ServiceLabels, Gauge>,
    running: Family<ServiceLabels, Gauge>,
    consumers: Family<ServiceLabels, Gauge>,
    assigned: Family<ServiceLabels, Gauge>,
    pending: Family<ServiceLabels, Gauge>,
}

impl ServiceFamilies {
    pub(super) fn register(&self, r: &mut Registry) {
        let counters = [
            (
                "kaftop_service_consumed",
                "Records the service's consumers received",
                &self.consumed,
            ),
            (
                "kaftop_service_processed",
                "Records the service processed and committed",
                &self.processed,
            ),
            (
                "kaftop_service_dead_lettered",
                "Records the service sent to its dead-letter topic",
                &self.dead_lettered,
            ),
            (
                "kaftop_service_deduplicated",
                "Records skipped as already processed (duplicate deliveries)",
                &self.deduplicated,
            ),
            (
                "kaftop_service_retries",
                "Retries of failed processing",
                &self.retries,
            ),
            (
                "kaftop_service_notify_failures",
                "Notifications that could not be delivered",
                &self.notify_failures,
            ),
            (
                "kaftop_service_commit_failures",
                "Offset commits that failed",
                &self.commit_failures,
            ),
            (
                "kaftop_service_panics",
                "Panics caught in the service's consumer threads",
                &self.panics,
            ),
            (
                "kaftop_service_restarts",
                "Consumers recreated after a panic or a failed seek-back",
                &self.restarts,
            ),
            (
                "kaftop_service_pushes_sent",
                "Pushes the notifier delivered to its HTTP endpoint",
                &self.pushes_sent,
            ),
            (
                "kaftop_service_push_failures",
                "Push attempts that failed and will be retried",
                &self.push_failures,
            ),
            (
                "kaftop_service_pushes_dead_lettered",
                "Pushes dead-lettered after their last attempt",
                &self.pushes_dead,
            ),
        ];
        for (name, help, family) in counters {
            r.register(name, help, family.clone());
        }
        let gauges = [
            (
                "kaftop_service_running",
                "1 while the service's consumers run",
                &self.running,
            ),
            (
                "kaftop_service_stalled",
                "1 while the service waits for its store (disk full, unwritable)",
                &self.stalled,
            ),
            (
                "kaftop_service_consumers",
                "Consumer threads of the service running now",
                &self.consumers,
            ),
            (
                "kaftop_service_assigned_partitions",
                "Partitions assigned to this process's consumers of the service",
                &self.assigned,
            ),
            (
                "kaftop_service_pending_receipts",
                "Read receipts waiting for their message (read-receipt service)",
                &self.pending,
            ),
        ];
        for (name, help, family) in gauges {
            r.register(name, help, family.clone());
        }
    }

    /// Replaces every family's label sets with the snapshot's.
    pub(super) fn fill(&self, s: &ServicesSnapshot) {
        for f in [
            &self.consumed,
            &self.processed,
            &self.dead_lettered,
            &self.deduplicated,
            &self.retries,
            &self.notify_failures,
            &self.commit_failures,
            &self.panics,
            &self.restarts,
            &self.pushes_sent,
            &self.push_failures,
            &self.pushes_dead,
        ] {
            f.clear();
        }
        for f in [
            &self.running,
            &self.stalled,
            &self.consumers,
            &self.assigned,
            &self.pending,
        ] {
            f.clear();
        }
        for svc in &s.services {
            let l = ServiceLabels {
                service: svc.name.to_string(),
                group: svc.group.clone(),
            };
            let c = &svc.counters;
            for (family, v) in [
                (&self.consumed, c.consumed),
                (&self.processed, c.processed),
                (&self.dead_lettered, c.dead_lettered),
                (&self.deduplicated, c.dedupe_hits),
                (&self.retries, c.retries),
                (&self.notify_failures, c.notify_failures),
                (&self.commit_failures, c.commit_failures),
                (&self.panics, c.panics),
                (&self.restarts, c.restarts),
                (&self.pushes_sent, c.pushes_sent),
                (&self.push_failures, c.push_failures),
                (&self.pushes_dead, c.pushes_dead),
            ] {
                family.get_or_create(&l).inc_by(v);
            }
            let int = |n: usize| n as i64;
            self.running
                .get_or_create(&l)
                .set(i64::from(svc.state == ServiceState::Running));
            self.stalled
                .get_or_create(&l)
                .set(i64::from(svc.stalled.is_some()));
            self.consumers.get_or_create(&l).set(int(svc.consumers));
            self.assigned.get_or_create(&l).set(int(svc.assigned.len()));
            if let Some(p) = svc.pending {
                self.pending
                    .get_or_create(&l)
                    .set(i64::try_from(p).unwrap_or(i64::MAX));
            }
        }
    }
}

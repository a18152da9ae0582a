//! The background parts of `kaftop serve`: the monitor (cluster refreshes folded
//! into metrics, as the dashboard has them), the services (started as soon as
//! the cluster lets them, retried until then) and the once-a-second report of
//! their counters.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::metrics::Exporter;
use super::probes::Readiness;
use super::receipts::ReceiptHub;
use super::ServeError;
use kaftop_core::config::Resolved;
use kaftop_core::monitor::{Monitor, MonitorHandle, MonitorOptions};
use kaftop_core::retry::Backoff;
use kaftop_services::{self as services, ServicesOptions, ALL_SERVICES};

/// How often the services' counters go to the exporter.
const SERVICES_EVERY: Duration = Duration::from_secs(1);

/// Refreshes every poll interval on the monitor's thread (backing off while the
/// cluster is unreachable), feeding the exporter and the readiness. Stopping the
/// handle ends it after the refresh in progress. `index` is the cluster's in the
/// exporter; only the served cluster's poller has the `readiness`.
pub(crate) fn spawn_poller(
    cfg: &Resolved,
    index: usize,
    exporter: Arc<Exporter>,
    readiness: Option<Arc<Readiness>>,
) -> Result<MonitorHandle, ServeError> {
    let opts = MonitorOptions::from_config(cfg, services::service_groups(cfg));
    let monitor = Monitor::new(cfg, opts)?;
    Ok(monitor.spawn(move |refresh| {
        let connected = refresh.metrics.connected;
        exporter.observe_read_of(
            index,
            &refresh.steps,
            refresh.snapshot.requests,
            refresh.pace.wait,
        );
        exporter.observe_cluster_of(index, refresh.metrics, refresh.took, connected);
        if let Some(r) = &readiness {
            r.set_cluster(connected);
        }
        true
    }))
}

/// Starts the four services, retrying with backoff while the cluster or the
/// topics are not there, until they run or `stop` turns true.
pub(crate) async fn start_services(
    cfg: Arc<Resolved>,
    opts: ServicesOptions,
    readiness: Arc<Readiness>,
    mut stop: watch::Receiver<bool>,
) {
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    let mut attempt = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        let (c, o) = (cfg.clone(), opts.clone());
        match tokio::task::spawn_blocking(move || services::start(&c, o, &ALL_SERVICES)).await {
            Ok(Ok(handle)) => {
                tracing::info!("services running");
                readiness.set_services(Arc::new(handle));
                return;
            }
            Ok(Err(e)) => {
                let line = crate::errors::error_line(&e);
                tracing::warn!(error = %line, attempt, "cannot start the services yet");
                if attempt == 0 {
                    eprintln!("kaftop: services not started yet: {line} (retrying)");
                }
            }
            Err(e) => tracing::error!(error = %e, "starting the services"),
        }
        let wait = backoff.delay(attempt);
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

/// What the server's self-protection counts.
pub(crate) struct Guards {
    pub(crate) connections: Arc<super::listener::ConnectionStats>,
    pub(crate) access: Arc<super::receipts::Access>,
}

/// Feeds the services' counters and the read-receipt sockets to the exporter once
/// a second until `stop`.
pub(crate) async fn report_services(
    exporter: Arc<Exporter>,
    readiness: Arc<Readiness>,
    hub: Arc<ReceiptHub>,
    guards: Guards,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(SERVICES_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        exporter.observe_receipt_clients(hub.connected_clients(), hub.dropped_clients());
        exporter.observe_connections(
            guards.connections.open(),
            guards.connections.refused(),
            guards.access.refused(),
        );
        let Some(handle) = readiness.services().cloned() else {
            continue;
        };
        match tokio::task::spawn_blocking(move || handle.stats()).await {
            Ok(snap) => exporter.observe_services(&snap),
            Err(e) => tracing::error!(error = %e, "reading the services' counters"),
        }
    }
}

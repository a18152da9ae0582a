//! `GET /health` (the process answers) and `GET /ready` (the cluster answered the
//! last refresh and the services run), for a load balancer or an orchestrator.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use kaftop_services::ServicesHandle;

/// What `/ready` reports on, filled in as the parts come up.
#[derive(Default)]
pub(crate) struct Readiness {
    /// Read-only mode: the services (which commit offsets) are not started, and
    /// readiness is the cluster's alone.
    monitor_only: bool,
    /// The poller's last refresh reached the cluster.
    cluster: AtomicBool,
    /// Set once the services have started.
    services: OnceLock<Arc<ServicesHandle>>,
}

impl Readiness {
    /// Readiness of a run that starts no services (read-only mode).
    pub(crate) fn monitor_only() -> Self {
        Readiness {
            monitor_only: true,
            ..Readiness::default()
        }
    }

    pub(crate) fn set_cluster(&self, connected: bool) {
        self.cluster.store(connected, Ordering::Relaxed);
    }

    /// Records the started services; false if some were recorded already.
    pub(crate) fn set_services(&self, handle: Arc<ServicesHandle>) -> bool {
        self.services.set(handle).is_ok()
    }

    pub(crate) fn services(&self) -> Option<&Arc<ServicesHandle>> {
        self.services.get()
    }

    /// `None` when ready, else why not.
    fn not_ready(&self) -> Option<&'static str> {
        if !self.cluster.load(Ordering::Relaxed) {
            return Some("the cluster did not answer the last refresh");
        }
        if self.monitor_only {
            return None;
        }
        match self.services.get() {
            None => Some("the services have not started"),
            Some(h) if h.running().is_empty() => Some("no service is running"),
            Some(_) => None,
        }
    }
}

pub(crate) fn router(readiness: Arc<Readiness>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .with_state(readiness)
}

async fn ready(State(r): State<Arc<Readiness>>) -> (StatusCode, String) {
    match r.not_ready() {
        None => (StatusCode::OK, "ready".into()),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")),
    }
}

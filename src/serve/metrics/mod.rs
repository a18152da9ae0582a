//! `GET /metrics`: a Prometheus exporter of what the poller and the services see,
//! in place of a separate lag exporter (names in the README's metrics section).
//!
//! The poller hands each refresh's [`ClusterMetrics`] to [`Exporter::observe_cluster`]
//! and the services their counters to [`Exporter::observe_services`]; both replace
//! the label sets of their families, so whatever left the cluster leaves
//! `/metrics`. A scrape never calls Kafka, nor encodes: the observer encodes the
//! families after each change and scrapes serve that text (the previous one while
//! the next is being made) until the next change.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::{prometheus_text, text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::monitor::StepTiming;
use kaftop_services::ServicesSnapshot;

mod cluster;
mod connections;
mod insight;
mod labelled;
mod services;
#[cfg(test)]
mod tests;

use cluster::ClusterFamilies;
use services::ServiceFamilies;

/// The exposition formats a scraper can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4 (the default).
    Prometheus,
    /// OpenMetrics 1.0 text, when the scraper's `Accept` asks for it.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for.
    pub fn from_accept(accept: &str) -> Format {
        if accept.contains("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The encoder failed (it only fails when writing to its buffer fails).
#[derive(Debug, thiserror::Error)]
#[error("encoding the metrics: {0}")]
pub struct EncodeError(#[from] std::fmt::Error);

/// The poller's own health: how long refreshes take and how many failed.
struct PollerMetrics {
    duration: Histogram,
    refreshes: Counter,
    errors: Counter,
    last_refresh: Gauge<f64, std::sync::atomic::AtomicU64>,
    problems: Gauge,
    steps: Family<StepLabel, Gauge<f64, std::sync::atomic::AtomicU64>>,
    requests: Gauge,
    wait: Gauge<f64, std::sync::atomic::AtomicU64>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabel {
    step: &'static str,
}

impl PollerMetrics {
    fn new(r: &mut Registry) -> Self {
        let m = PollerMetrics {
            // 5 ms … ~10 s.
            duration: Histogram::new(exponential_buckets(0.005, 2.0, 12)),
            refreshes: Counter::default(),
            errors: Counter::default(),
            last_refresh: Gauge::default(),
            problems: Gauge::default(),
            steps: Family::default(),
            requests: Gauge::default(),
            wait: Gauge::default(),
        };
        r.register(
            "kaftop_refresh_duration_seconds",
            "How long one refresh of the cluster took",
            m.duration.clone(),
        );
        r.register(
            "kaftop_refreshes",
            "Refreshes of the cluster",
            m.refreshes.clone(),
        );
        r.register(
            "kaftop_refresh_errors",
            "Refreshes that failed",
            m.errors.clone(),
        );
        r.register(
            "kaftop_last_refresh_timestamp_seconds",
            "When the last refresh read the cluster (Unix time)",
            m.last_refresh.clone(),
        );
        r.register(
            "kaftop_refresh_problems",
            "Non-fatal problems the last refresh reported (unreachable broker, denied call, ...)",
            m.problems.clone(),
        );
        r.register(
            "kaftop_refresh_step_seconds",
            "How long each step of the last refresh took",
            m.steps.clone(),
        );
        r.register(
            "kaftop_refresh_requests",
            "Requests the last refresh sent to the cluster",
            m.requests.clone(),
        );
        r.register(
            "kaftop_refresh_wait_seconds",
            "The wait after the last refresh: the interval, stretched when a refresh outlasts it",
            m.wait.clone(),
        );
        m
    }
}

/// The read-receipt sockets: who is connected, and how many were dropped for
/// falling behind.
struct ReceiptMetrics {
    clients: Gauge,
    dropped: Counter,
}

impl ReceiptMetrics {
    fn new(r: &mut Registry) -> Self {
        let m = ReceiptMetrics {
            clients: Gauge::default(),
            dropped: Counter::default(),
        };
        r.register(
            "kaftop_receipt_clients",
            "Read-receipt WebSocket clients connected",
            m.clients.clone(),
        );
        r.register(
            "kaftop_receipt_clients_dropped",
            "Read-receipt WebSocket clients dropped because their queue was full",
            m.dropped.clone(),
        );
        m
    }
}

/// One cluster's families. With one cluster they are in the exporter's registry
/// (`registry` is `None`); with several each has its own, labelled on encoding.
struct ClusterPart {
    labelled: Option<(String, Registry)>,
    families: ClusterFamilies,
    poller: PollerMetrics,
}

struct Inner {
    registry: Registry,
    clusters: Vec<ClusterPart>,
    services: ServiceFamilies,
    receipts: ReceiptMetrics,
    connections: connections::ConnectionMetrics,
    /// The formats scrapers have asked for: encoded after every change.
    wanted: [bool; 2],
}

impl Inner {
    /// `hint`: the length of the text before.
    fn encode(&self, format: Format, hint: usize) -> Result<Bytes, EncodeError> {
        let own = encode_registry(&self.registry, format, hint)?;
        let mut parts = Vec::new();
        for c in &self.clusters {
            if let Some((name, registry)) = &c.labelled {
                parts.push((name.as_str(), encode_registry(registry, format, 0)?));
            }
        }
        if parts.is_empty() {
            return Ok(Bytes::from(own));
        }
        let eof = format == Format::OpenMetrics;
        Ok(Bytes::from(labelled::merge(&parts, &own, eof)))
    }
}

/// `hint`: the length of the text before, so that a text of tens of megabytes
/// is written into one buffer of about its size rather than grown by doubling
/// (each step a copy, and the buffer kept at up to twice the text's size).
fn encode_registry(
    registry: &Registry,
    format: Format,
    hint: usize,
) -> Result<String, EncodeError> {
    let mut out = String::with_capacity((hint + hint / 16).max(1 << 16));
    match format {
        Format::Prometheus => prometheus_text::encode(&mut out, registry)?,
        Format::OpenMetrics => text::encode(&mut out, registry)?,
    }
    Ok(out)
}

/// The families `/metrics` serves, filled by the poller and the services.
pub struct Exporter {
    inner: Mutex<Inner>,
    /// The text per [`Format`] of the latest change; written only while `inner`
    /// is held, so an older text never replaces a newer one.
    encoded: RwLock<[Option<Bytes>; 2]>,
}

impl Default for Exporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Exporter {
    /// One cluster's exporter: no `cluster` label.
    pub fn new() -> Self {
        Self::for_clusters(&[])
    }

    /// With two or more `clusters` (profile names, in the order the poller
    /// indices of [`observe_cluster_of`](Self::observe_cluster_of) follow) every
    /// cluster and refresh family carries a `cluster` label; otherwise one
    /// unlabelled cluster, as [`new`](Self::new).
    pub fn for_clusters(clusters: &[String]) -> Self {
        let mut registry = Registry::default();
        let mut parts = Vec::new();
        if clusters.len() < 2 {
            parts.push(ClusterPart {
                poller: PollerMetrics::new(&mut registry),
                families: ClusterFamilies::default(),
                labelled: None,
            });
        } else {
            for name in clusters {
                let mut own = Registry::default();
                let poller = PollerMetrics::new(&mut own);
                let families = ClusterFamilies::default();
                families.register(&mut own);
                parts.push(ClusterPart {
                    labelled: Some((name.clone(), own)),
                    families,
                    poller,
                });
            }
        }
        let receipts = ReceiptMetrics::new(&mut registry);
        let connections = connections::ConnectionMetrics::new(&mut registry);
        if let Some(p) = parts.first().filter(|p| p.labelled.is_none()) {
            p.families.register(&mut registry);
        }
        let services = ServiceFamilies::default();
        services.register(&mut registry);
        Exporter {
            inner: Mutex::new(Inner {
                registry,
                clusters: parts,
                services,
                receipts,
                connections,
                wanted: [true, false],
            }),
            encoded: RwLock::new([None, None]),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state is replaced wholesale by each observation: a panic halfway
        // leaves nothing that the next one does not overwrite.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After every poller refresh: the engine's output, how long the refresh took,
    /// and whether it failed.
    pub fn observe_cluster(&self, m: &ClusterMetrics, took: Duration, ok: bool) {
        self.observe_cluster_of(0, m, took, ok);
    }

    /// [`observe_cluster`](Self::observe_cluster) for the `index`th cluster of
    /// [`for_clusters`](Self::for_clusters).
    pub fn observe_cluster_of(&self, index: usize, m: &ClusterMetrics, took: Duration, ok: bool) {
        let inner = self.lock();
        let Some(part) = inner.clusters.get(index) else {
            return;
        };
        let p = &part.poller;
        p.duration.observe(took.as_secs_f64());
        p.refreshes.inc();
        if !ok {
            p.errors.inc();
        }
        if m.taken_at_ms > 0 {
            p.last_refresh.set(m.taken_at_ms as f64 / 1000.0);
        }
        p.problems.set(m.errors.len() as i64);
        part.families.fill(m);
        self.publish(&inner);
    }

    /// After every poller refresh, before [`Exporter::observe_cluster`]: its steps'
    /// times, its requests and the wait after it.
    pub fn observe_read(&self, steps: &[StepTiming], requests: u64, wait: Duration) {
        self.observe_read_of(0, steps, requests, wait);
    }

    /// [`observe_read`](Self::observe_read) for the `index`th cluster of
    /// [`for_clusters`](Self::for_clusters).
    pub fn observe_read_of(
        &self,
        index: usize,
        steps: &[StepTiming],
        requests: u64,
        wait: Duration,
    ) {
        let inner = self.lock();
        let Some(part) = inner.clusters.get(index) else {
            return;
        };
        let p = &part.poller;
        p.steps.clear();
        for s in steps {
            p.steps
                .get_or_create(&StepLabel {
                    step: s.step.name(),
                })
                .set(s.took.as_secs_f64());
        }
        p.requests.set(i64::try_from(requests).unwrap_or(i64::MAX));
        p.wait.set(wait.as_secs_f64());
    }

    /// About once a second: the services' counters.
    pub fn observe_services(&self, s: &ServicesSnapshot) {
        let inner = self.lock();
        inner.services.fill(s);
        self.publish(&inner);
    }

    /// About once a second: the read-receipt sockets connected now, and the total
    /// dropped so far (a running count the counter follows).
    pub fn observe_receipt_clients(&self, connected: usize, dropped_total: u64) {
        let inner = self.lock();
        let r = &inner.receipts;
        r.clients.set(i64::try_from(connected).unwrap_or(i64::MAX));
        r.dropped
            .inc_by(dropped_total.saturating_sub(r.dropped.get()));
        self.publish(&inner);
    }

    /// About once a second: HTTP connections open now, and the running totals of
    /// connections and read-receipt sockets refused for their caps.
    pub fn observe_connections(&self, open: u64, refused_total: u64, sockets_refused_total: u64) {
        let inner = self.lock();
        let c = &inner.connections;
        c.open.set(i64::try_from(open).unwrap_or(i64::MAX));
        c.refused
            .inc_by(refused_total.saturating_sub(c.refused.get()));
        c.receipt_clients_refused
            .inc_by(sockets_refused_total.saturating_sub(c.receipt_clients_refused.get()));
        self.publish(&inner);
    }

    /// Encodes the wanted formats after a change and hands them to scrapes.
    fn publish(&self, inner: &Inner) {
        let mut fresh = [None, None];
        let hints = self
            .encoded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .each_ref()
            .map(|b| b.as_ref().map_or(0, Bytes::len));
        for format in [Format::Prometheus, Format::OpenMetrics] {
            if inner.wanted[format.index()] {
                match inner.encode(format, hints[format.index()]) {
                    Ok(b) => fresh[format.index()] = Some(b),
                    // Left to the next scrape, which reports it.
                    Err(e) => tracing::warn!("/metrics: {e}"),
                }
            }
        }
        *self.encoded.write().unwrap_or_else(|p| p.into_inner()) = fresh;
    }

    /// The exposition text in `format`, as of the latest change.
    pub fn encode(&self, format: Format) -> Result<Bytes, EncodeError> {
        let cached = self.encoded.read().unwrap_or_else(|p| p.into_inner())[format.index()].clone();
        if let Some(b) = cached {
            return Ok(b);
        }
        // First scrape in this format (or the last encoding failed).
        let mut inner = self.lock();
        inner.wanted[format.index()] = true;
        let body = inner.encode(format, 0)?;
        self.encoded.write().unwrap_or_else(|p| p.into_inner())[format.index()] =
            Some(body.clone());
        Ok(body)
    }
}

/// `GET /metrics`.
pub fn router(exporter: Arc<Exporter>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(exporter)
}

async fn scrape(State(exporter): State<Arc<Exporter>>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = Format::from_accept(accept);
    match exporter.encode(format) {
        Ok(body) => ([(CONTENT_TYPE, format.content_type())], body).into_response(),
        Err(e) => {
            tracing::error!("/metrics: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}

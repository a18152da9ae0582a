//! `GET /metrics`: a Prometheus exporter of what the poller and the services see,
//! in place of a separate lag exporter (names in the README's metrics section).
//!
//! The poller hands each refresh's [`ClusterMetrics`] to [`Exporter::observe_cluster`]
//! and the services their counters to [`Exporter::observe_services`]; each
//! replaces what was there, so whatever left the cluster leaves `/metrics`. A
//! scrape never calls Kafka. It takes, under the lock, the small families' text
//! and the latest refresh (an `Arc`), then writes the cluster's families from that
//! refresh outside the lock, in chunks as the body is sent: no copy of a text
//! that reaches tens of megabytes at 40 000 partitions is kept between scrapes.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
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
use tokio::sync::mpsc;

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

use cluster::ClusterWriter;
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

/// One cluster: its poller's health and its latest refresh. With one cluster the
/// poller's families are in the exporter's head registry (`labelled` is `None`);
/// with several each cluster has its own, labelled on encoding.
struct ClusterPart {
    labelled: Option<(String, Registry)>,
    poller: PollerMetrics,
    latest: Arc<ClusterMetrics>,
}

struct Inner {
    /// The families before the cluster's: the poller's (one cluster), the
    /// read-receipt sockets', the connections'.
    head: Registry,
    clusters: Vec<ClusterPart>,
    /// The families after the cluster's.
    tail: Registry,
    services: ServiceFamilies,
    receipts: ReceiptMetrics,
    connections: connections::ConnectionMetrics,
}

/// What one scrape writes, taken under the lock: the small families as text and
/// each cluster's latest refresh.
struct Scrape {
    format: Format,
    head: String,
    /// Each cluster's label (several clusters), poller text and refresh.
    clusters: Vec<(Option<String>, String, Arc<ClusterMetrics>)>,
    tail: String,
}

impl Inner {
    fn scrape(&self, format: Format) -> Result<Scrape, EncodeError> {
        let clusters = self
            .clusters
            .iter()
            .map(|c| {
                Ok(match &c.labelled {
                    Some((name, registry)) => (
                        Some(name.clone()),
                        encode_registry(registry, format)?,
                        c.latest.clone(),
                    ),
                    None => (None, String::new(), c.latest.clone()),
                })
            })
            .collect::<Result<_, EncodeError>>()?;
        Ok(Scrape {
            format,
            head: encode_registry(&self.head, format)?,
            clusters,
            tail: encode_registry(&self.tail, format)?,
        })
    }
}

impl Scrape {
    /// The whole text into `out`: with one cluster its families as they are
    /// written, with several merged under one description each (a `String`).
    fn write(&self, out: &mut impl std::fmt::Write) -> Result<(), EncodeError> {
        let eof = self.format == Format::OpenMetrics;
        if self.clusters.iter().any(|(name, _, _)| name.is_some()) {
            let mut parts = Vec::new();
            for (name, poller, latest) in &self.clusters {
                let mut text = poller.clone();
                write_cluster(&mut text, latest, self.format)?;
                parts.push((name.as_deref().unwrap_or_default(), text));
            }
            let rest = format!("{}{}", self.head, self.tail);
            out.write_str(&labelled::merge(&parts, &rest, eof))?;
            return Ok(());
        }
        out.write_str(&self.head)?;
        for (_, _, latest) in &self.clusters {
            write_cluster(out, latest, self.format)?;
        }
        out.write_str(&self.tail)?;
        if eof {
            text::encode_eof(out)?;
        }
        Ok(())
    }
}

/// A registry's families, without the OpenMetrics `# EOF`.
fn encode_registry(registry: &Registry, format: Format) -> Result<String, EncodeError> {
    let mut out = String::new();
    match format {
        Format::Prometheus => prometheus_text::encode(&mut out, registry)?,
        Format::OpenMetrics => text::encode_registry(&mut out, registry)?,
    }
    Ok(out)
}

/// One refresh's families, through prometheus-client's encoder (a registry of
/// one collector, built per scrape).
fn write_cluster(
    out: &mut impl std::fmt::Write,
    m: &Arc<ClusterMetrics>,
    format: Format,
) -> Result<(), EncodeError> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(ClusterWriter(Arc::clone(m))));
    match format {
        Format::Prometheus => prometheus_text::encode(out, &registry)?,
        Format::OpenMetrics => text::encode_registry(out, &registry)?,
    }
    Ok(())
}

/// A refresh as [`Exporter::observe_cluster`] takes it: owned or shared (kept as
/// it is), or borrowed (copied).
pub trait IntoShared {
    fn into_shared(self) -> Arc<ClusterMetrics>;
}

impl IntoShared for Arc<ClusterMetrics> {
    fn into_shared(self) -> Arc<ClusterMetrics> {
        self
    }
}

impl IntoShared for ClusterMetrics {
    fn into_shared(self) -> Arc<ClusterMetrics> {
        Arc::new(self)
    }
}

impl IntoShared for &ClusterMetrics {
    fn into_shared(self) -> Arc<ClusterMetrics> {
        Arc::new(self.clone())
    }
}

/// The families `/metrics` serves, filled by the poller and the services.
pub struct Exporter {
    inner: Mutex<Inner>,
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
        let mut head = Registry::default();
        let mut parts = Vec::new();
        let latest = Arc::new(ClusterMetrics::default());
        if clusters.len() < 2 {
            parts.push(ClusterPart {
                poller: PollerMetrics::new(&mut head),
                labelled: None,
                latest,
            });
        } else {
            for name in clusters {
                let mut own = Registry::default();
                let poller = PollerMetrics::new(&mut own);
                parts.push(ClusterPart {
                    labelled: Some((name.clone(), own)),
                    poller,
                    latest: latest.clone(),
                });
            }
        }
        let receipts = ReceiptMetrics::new(&mut head);
        let connections = connections::ConnectionMetrics::new(&mut head);
        let mut tail = Registry::default();
        let services = ServiceFamilies::default();
        services.register(&mut tail);
        Exporter {
            inner: Mutex::new(Inner {
                head,
                clusters: parts,
                tail,
                services,
                receipts,
                connections,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state is replaced wholesale by each observation: a panic halfway
        // leaves nothing that the next one does not overwrite.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After every poller refresh: the engine's output, how long the refresh took,
    /// and whether it failed.
    pub fn observe_cluster(&self, m: impl IntoShared, took: Duration, ok: bool) {
        self.observe_cluster_of(0, m, took, ok);
    }

    /// [`observe_cluster`](Self::observe_cluster) for the `index`th cluster of
    /// [`for_clusters`](Self::for_clusters).
    pub fn observe_cluster_of(&self, index: usize, m: impl IntoShared, took: Duration, ok: bool) {
        let m = m.into_shared();
        let mut inner = self.lock();
        let Some(part) = inner.clusters.get_mut(index) else {
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
        // The refresh before is freed here unless a scrape still writes it.
        part.latest = m;
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
        self.lock().services.fill(s);
    }

    /// About once a second: the read-receipt sockets connected now, and the total
    /// dropped so far (a running count the counter follows).
    pub fn observe_receipt_clients(&self, connected: usize, dropped_total: u64) {
        let inner = self.lock();
        let r = &inner.receipts;
        r.clients.set(i64::try_from(connected).unwrap_or(i64::MAX));
        r.dropped
            .inc_by(dropped_total.saturating_sub(r.dropped.get()));
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
    }

    /// The exposition text in `format`, as of the latest observations, whole.
    pub fn encode(&self, format: Format) -> Result<Bytes, EncodeError> {
        let scrape = self.lock().scrape(format)?;
        let mut out = String::new();
        scrape.write(&mut out)?;
        Ok(Bytes::from(out))
    }

    /// [`encode`](Self::encode) in chunks of about `size` bytes handed to
    /// `send` as they are written, as a scrape sends them; `send` returning
    /// false (the client left) stops the writing.
    pub fn encode_chunked(
        &self,
        format: Format,
        size: usize,
        send: impl FnMut(Bytes) -> bool,
    ) -> Result<(), EncodeError> {
        let scrape = self.lock().scrape(format)?;
        let mut out = Chunks {
            buf: String::with_capacity(size),
            size,
            send,
        };
        scrape.write(&mut out)?;
        out.flush()
    }
}

/// How much of a scrape's body is written before it is sent on.
const CHUNK: usize = 256 * 1024;

/// A writer that hands its text on every `size` bytes.
struct Chunks<F> {
    buf: String,
    size: usize,
    send: F,
}

impl<F: FnMut(Bytes) -> bool> Chunks<F> {
    fn flush(&mut self) -> Result<(), EncodeError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.buf, String::with_capacity(self.size));
        if (self.send)(Bytes::from(full)) {
            Ok(())
        } else {
            Err(EncodeError(std::fmt::Error))
        }
    }
}

impl<F: FnMut(Bytes) -> bool> std::fmt::Write for Chunks<F> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.buf.push_str(s);
        if self.buf.len() >= self.size {
            self.flush().map_err(|_| std::fmt::Error)?;
        }
        Ok(())
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
    // A few chunks in flight: the body is written as fast as the client reads it.
    let (tx, mut rx) = mpsc::channel::<Bytes>(4);
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    tokio::task::spawn_blocking(move || {
        let mut first = Some(first_tx);
        let result = exporter.encode_chunked(format, CHUNK, |chunk| {
            if let Some(f) = first.take() {
                let _ = f.send(Ok(()));
            }
            tx.blocking_send(chunk).is_ok()
        });
        match (result, first) {
            // Nothing written yet: the scrape can still answer 500.
            (Err(e), Some(f)) => {
                let _ = f.send(Err(e));
            }
            (Err(e), None) if !tx.is_closed() => tracing::error!("/metrics: {e}"),
            (_, Some(f)) => {
                let _ = f.send(Ok(()));
            }
            _ => {}
        }
        // The chunks were freed on the threads that sent them; what this
        // thread freed of the body's writing goes back to the system.
        kaftop_core::memory::release_freed();
    });
    match first_rx.await {
        Ok(Ok(())) => {
            let body = futures_util::stream::poll_fn(move |cx| {
                rx.poll_recv(cx)
                    .map(|c| c.map(Ok::<_, std::convert::Infallible>))
            });
            (
                [(CONTENT_TYPE, format.content_type())],
                Body::from_stream(body),
            )
                .into_response()
        }
        Ok(Err(e)) => {
            tracing::error!("/metrics: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "/metrics: the encoder stopped",
        )
            .into_response(),
    }
}

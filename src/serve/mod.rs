//! `kaftop serve`: the embedded services, the poller and an HTTP server in one
//! process. The seed's REST test API (`api`), read receipts over WebSocket
//! (`receipts`), a Prometheus exporter (`metrics`), `/health` and `/ready`
//! (`probes`).
//!
//! Shutdown (SIGINT, SIGTERM or `--duration`) drains: the listener stops
//! accepting, requests in flight finish (a bulk test stops queueing and reports
//! what it sent), the WebSockets are closed, the poller stops, and the services
//! finish their batches, commit and leave their groups.

pub(crate) mod api;
mod listener;
pub mod metrics;
mod monitor;
mod params;
#[cfg(test)]
mod params_props;
mod probes;
pub mod receipts;
mod shutdown;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use kaftop_core::config::Resolved;
use kaftop_core::kafka::KafkaError;
use kaftop_services::ServicesOptions;

/// How long requests in flight may take to finish once draining starts, beyond
/// the request timeout.
const DRAIN_GRACE: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP server: {0}")]
    Http(std::io::Error),
    #[error("starting a thread: {0}")]
    Thread(std::io::Error),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error(transparent)]
    Tls(#[from] listener::TlsError),
    #[error(transparent)]
    Access(#[from] receipts::AccessError),
}

pub use listener::TlsError;

/// How this run listens and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Port 0 picks a free port; the bound address is printed.
    pub listen: SocketAddr,
    /// Stop after this long (else at SIGINT/SIGTERM).
    pub duration: Option<Duration>,
}

/// The services' options: the configuration's, with the read-receipt hub told
/// of every committed receipt.
fn services_options(cfg: &Resolved, hub: &Arc<receipts::ReceiptHub>) -> ServicesOptions {
    let mut opts = ServicesOptions::for_config(cfg);
    opts.faults_to_stderr = true;
    opts.receipt_sinks.push(hub.clone());
    opts
}

/// What the server protects itself with: its connection cap (fitted to the
/// open-file limit), the read-receipt sockets' gate, TLS.
struct Protection {
    max_connections: usize,
    access: Arc<receipts::Access>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

fn protection(cfg: &Resolved) -> Result<Protection, ServeError> {
    let (max_connections, sockets, lowered) =
        listener::fit_to_open_files(cfg.serve.max_connections, cfg.serve.max_websocket_clients);
    if let Some(why) = lowered {
        eprintln!("kaftop: {why}");
        tracing::warn!("{why}");
    }
    let access = Arc::new(match &cfg.serve.jwt {
        Some(key) => receipts::Access::with_jwt(sockets, key)?,
        None => receipts::Access::loopback(sockets),
    });
    let tls = cfg
        .serve
        .tls
        .as_ref()
        .map(listener::tls_acceptor)
        .transpose()?;
    Ok(Protection {
        max_connections,
        access,
        tls,
    })
}

/// `listening on ADDR` on stdout, then what is served, for a person, on stderr.
fn announce(cfg: &Resolved, bound: SocketAddr, tls: bool) {
    println!("listening on {bound}");
    let scheme = if tls { "https" } else { "http" };
    eprintln!(
        "kaftop: serving {scheme}://{bound}/api/kafka-test/… (profile `{}`{}{}); stop with Ctrl-C",
        cfg.profile,
        if cfg.read_only {
            ", read-only: no services, no publishing"
        } else {
            ""
        },
        if cfg.serve.token.is_some() {
            ", bearer token required"
        } else {
            ""
        },
    );
    if !tls && !bound.ip().is_loopback() {
        eprintln!(
            "kaftop: warning: listening beyond loopback without TLS: set `tls_cert` and `tls_key` in [serve]"
        );
    }
    tracing::info!(%bound, profile = %cfg.profile, read_only = cfg.read_only, "serving");
}

/// Runs until SIGINT, SIGTERM or the duration, then drains. The first line on
/// stdout is `listening on ADDR`, the address actually bound. `others` are more
/// clusters only monitored (`--all-profiles`): with any, every cluster's
/// families on `/metrics` carry a `cluster` label.
pub async fn run(
    cfg: Resolved,
    others: Vec<Resolved>,
    opts: ServeOptions,
) -> Result<(), ServeError> {
    let cfg = Arc::new(cfg);
    let hub = Arc::new(receipts::ReceiptHub::new(receipts::DEFAULT_CLIENT_QUEUE));
    let names: Vec<String> = std::iter::once(&*cfg)
        .chain(&others)
        .map(|c| c.profile.clone())
        .collect();
    let exporter = Arc::new(metrics::Exporter::for_clusters(&names));
    // Read-only: a monitor only. The services commit offsets, so they stay off.
    let readiness = Arc::new(if cfg.read_only {
        probes::Readiness::monitor_only()
    } else {
        probes::Readiness::default()
    });
    let draining = Arc::new(AtomicBool::new(false));
    let state = api::ApiState::new((*cfg).clone(), draining.clone())?;
    let Protection {
        max_connections,
        access,
        tls,
    } = protection(&cfg)?;

    let app = api::router(state)
        .merge(receipts::router(hub.clone(), access.clone()))
        .merge(metrics::router(exporter.clone()))
        .merge(probes::router(readiness.clone()));

    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: opts.listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(ServeError::Http)?;
    announce(&cfg, bound, tls.is_some());

    let mut pollers = vec![monitor::spawn_poller(
        &cfg,
        0,
        exporter.clone(),
        Some(readiness.clone()),
    )?];
    for (i, other) in others.iter().enumerate() {
        pollers.push(monitor::spawn_poller(other, i + 1, exporter.clone(), None)?);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let starter = (!cfg.read_only).then(|| {
        tokio::spawn(monitor::start_services(
            cfg.clone(),
            services_options(&cfg, &hub),
            readiness.clone(),
            stop_rx.clone(),
        ))
    });
    let connections = Arc::new(listener::ConnectionStats::default());
    let reporter = tokio::spawn(monitor::report_services(
        exporter.clone(),
        readiness.clone(),
        hub.clone(),
        monitor::Guards {
            connections: connections.clone(),
            access,
        },
        stop_rx,
    ));

    let (drain_tx, mut drain_rx) = watch::channel(false);
    let stop_requested = {
        let (hub, draining) = (hub.clone(), draining.clone());
        async move {
            let why = shutdown::requested(opts.duration).await;
            tracing::info!(reason = why, "draining");
            eprintln!("kaftop: {why}: draining");
            draining.store(true, Ordering::Relaxed);
            hub.shutdown();
            let _ = drain_tx.send(true);
        }
    };
    tokio::spawn(stop_requested);
    let server = listener::Server {
        app,
        tls,
        limits: listener::Limits {
            header_read_timeout: cfg.serve.header_read_timeout,
            max_connections,
        },
        stats: connections,
    };
    let server = listener::serve(listener, server, drain_rx.clone());
    let drain_limit = cfg.serve.request_timeout + DRAIN_GRACE;
    let served = tokio::select! {
        () = server => Ok(()),
        () = async {
            let _ = drain_rx.wait_for(|d| *d).await;
            tokio::time::sleep(drain_limit).await;
        } => {
            tracing::warn!(?drain_limit, "requests still in flight after the drain limit");
            Ok(())
        }
    };

    // The services stop last: requests in flight may still have needed them.
    let _ = stop_tx.send(true);
    if let Some(starter) = starter {
        let _ = starter.await;
    }
    let _ = reporter.await;
    tokio::task::spawn_blocking(move || pollers.into_iter().for_each(|p| p.stop()))
        .await
        .map_err(|e| ServeError::Thread(std::io::Error::other(e)))?;
    if let Some(handle) = readiness.services().cloned() {
        let snap = tokio::task::spawn_blocking(move || {
            handle.stop_all();
            handle.stats()
        })
        .await
        .map_err(|e| ServeError::Thread(std::io::Error::other(e)))?;
        let consumed: u64 = snap.services.iter().map(|s| s.counters.consumed).sum();
        tracing::info!(consumed, "services stopped");
    }
    eprintln!("kaftop: stopped");
    served
}

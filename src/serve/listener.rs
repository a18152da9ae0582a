//! The connections of `kaftop serve`, served by hyper: a header-read timeout (which
//! also closes a kept-alive connection that sends nothing), a cap on open
//! connections (one more is answered 503 and closed), optional TLS, and a drain
//! that waits only for requests really in flight.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long the 503 to a connection over the cap may take to go out.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);
/// The wait after a failed accept (out of file descriptors, say) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// The answer to a connection over the cap, written before anything is read.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 31\r\n\r\n\
too many connections: try later\n";

/// How the server protects itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
}

/// File descriptors kept for all that is not a client: Kafka's sockets (one per
/// broker and client), the store, the log file, the listener.
const RESERVED_FILES: u64 = 128;

/// The connection caps fitted to the open-file limit, with what was lowered: the
/// soft limit is first raised to the hard one, then `max_connections` (and, if
/// need be, `max_websocket_clients`) lowered so that accepting never fails for
/// want of a file descriptor.
pub(crate) fn fit_to_open_files(
    connections: usize,
    sockets: usize,
) -> (usize, usize, Option<String>) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    let Some(files) = limit.current else {
        return (connections, sockets, None);
    };
    let room = usize::try_from(files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
    if connections + sockets <= room {
        return (connections, sockets, None);
    }
    // Half the room each at least, or what was asked if less.
    let sockets_fit = sockets.min(room / 2).max(1);
    let connections_fit = room.saturating_sub(sockets_fit).max(1);
    let why = format!(
        "the open-file limit is {files}: max_connections {connections} → {connections_fit}, \
         max_websocket_clients {sockets} → {sockets_fit}"
    );
    (connections_fit, sockets_fit, Some(why))
}

/// Connections open now and refused since the start, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct ConnectionStats {
    open: AtomicU64,
    refused: AtomicU64,
}

impl ConnectionStats {
    pub(crate) fn open(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Counts a connection open while it lives.
struct OpenGuard(Arc<ConnectionStats>);

impl OpenGuard {
    fn new(stats: &Arc<ConnectionStats>) -> Self {
        stats.open.fetch_add(1, Ordering::Relaxed);
        OpenGuard(stats.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What every connection shares.
#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) app: Router,
    pub(crate) tls: Option<TlsAcceptor>,
    pub(crate) limits: Limits,
    pub(crate) stats: Arc<ConnectionStats>,
}

/// Accepts until `drain` turns true, then waits for the connections: those with
/// a request in flight finish it, the rest close at once.
pub(crate) async fn serve(listener: TcpListener, server: Server, drain: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(server.limits.max_connections));
    let mut tasks = JoinSet::new();
    let mut stop = drain.clone();
    loop {
        tokio::select! {
            _ = stop.wait_for(|d| *d) => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                match slots.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let (server, drain) = (server.clone(), drain.clone());
                        tasks.spawn(async move {
                            let _open = OpenGuard::new(&server.stats);
                            connection(stream, peer, server, drain).await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        server.stats.refused.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(%peer, "too many connections: refused");
                        let tls = server.tls.is_some();
                        tasks.spawn(refuse(stream, tls));
                    }
                }
            }
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

/// 503 and close (over TLS, only the close: there is no session to answer in).
async fn refuse(mut stream: TcpStream, tls: bool) {
    if !tls {
        let _ = tokio::time::timeout(REFUSAL_TIMEOUT, stream.write_all(REFUSAL)).await;
    }
    let _ = stream.shutdown().await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    server: Server,
    drain: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match &server.tls {
        None => http(stream, peer, &server, drain).await,
        Some(acceptor) => {
            let handshake = acceptor.accept(stream);
            match tokio::time::timeout(server.limits.header_read_timeout, handshake).await {
                Ok(Ok(tls)) => http(tls, peer, &server, drain).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

/// One HTTP/1.1 connection (upgrades to WebSocket included).
async fn http<I>(io: I, peer: SocketAddr, server: &Server, mut drain: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = Arc::new(AtomicU64::new(0));
    let service = {
        let (app, started) = (server.app.clone(), started.clone());
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            started.fetch_add(1, Ordering::Relaxed);
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(server.limits.header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection");
            }
            return;
        }
        _ = drain.wait_for(|d| *d) => {}
    }
    // A connection that never had a whole request head has nothing to finish:
    // hyper would wait for its headers, so it is dropped here.
    if started.load(Ordering::Relaxed) == 0 {
        return;
    }
    // hyper closes an idle kept-alive connection at once and a busy one after
    // its response.
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection while draining");
    }
}

/// Why the TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("TLS certificate {path}: {reason}")]
    Cert { path: String, reason: String },
    #[error("TLS key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("TLS: {0}")]
    Config(#[from] tokio_rustls::rustls::Error),
}

/// The acceptor for the PEM certificate chain and key of `[serve]`.
pub(crate) fn tls_acceptor(files: &kaftop_core::config::TlsFiles) -> Result<TlsAcceptor, TlsError> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert_err = |reason: String| TlsError::Cert {
        path: files.cert.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| cert_err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_err(e.to_string()))?;
    if certs.is_empty() {
        return Err(cert_err("no CERTIFICATE in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| TlsError::Key {
        path: files.key.display().to_string(),
        reason: e.to_string(),
    })?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

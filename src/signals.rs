//! The signals that end a long-running command (`kaftop consumers`, `kaftop serve`).

/// Resolves at the first SIGTERM; never where there is no such signal (or it
/// cannot be watched).
pub(crate) async fn sigterm() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut s) = signal(SignalKind::terminate()) {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}

//! What ends `kaftop serve`: SIGINT, SIGTERM or the `--duration`.

use std::time::Duration;

/// Waits for SIGINT, SIGTERM or the end of `duration`; says which.
pub(crate) async fn requested(duration: Option<Duration>) -> &'static str {
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term => "SIGTERM",
        _ = deadline => "duration",
    }
}

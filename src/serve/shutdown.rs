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
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = crate::signals::sigterm() => "SIGTERM",
        _ = deadline => "duration",
    }
}

//! Logging to a file in the data dir: never to the terminal the UI draws on.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Environment variable with a tracing filter (default `info`).
pub const LOG_ENV: &str = "KAFTOP_LOG";

/// Starts logging to `<data_dir>/logs/kaftop.log`. Returns the guard that flushes
/// the log on drop, and the file, or `None` when the directory cannot be created
/// (logging is then off; the program still runs).
pub fn init(data_dir: &Path) -> Option<(WorkerGuard, PathBuf)> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "kaftop.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir.join("kaftop.log")))
}

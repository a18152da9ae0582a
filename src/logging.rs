//! Logging to a file in the data dir: never to the terminal the UI draws on.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Environment variable with a tracing filter (default `info`).
pub const LOG_ENV: &str = "KAFTOP_LOG";

/// Lines the log's writer queue holds while the file is written.
const LOG_QUEUE_LINES: usize = 8_192;

/// Starts logging to `<data_dir>/logs/kaftop.log`. Returns the guard that flushes
/// the log on drop, and the file, or `None` when the directory cannot be created
/// (logging is then off; the program still runs).
pub fn init(data_dir: &Path) -> Option<(WorkerGuard, PathBuf)> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "kaftop.log");
    // The writer's queue is allocated whole up front: tracing-appender's default
    // of 128 000 lines is ~4 MB held for the whole run. Lines beyond the queue
    // are dropped, as with the default.
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir.join("kaftop.log")))
}

//! Handing memory a refresh freed back to the system once the refresh is done.
//!
//! The binary's allocator (mimalloc, `src/main.rs`) keeps freed pages for a while
//! so that the next allocations reuse them. Each refresh of a large cluster frees
//! its snapshot, the responses it was read from and the metrics it replaced: at
//! 40 000 partitions tens of megabytes that stay resident between refreshes,
//! holding nothing. The binary says how to return them ([`release_with`]); a
//! library user (tests, benches) may say nothing, and nothing is done.

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// How to return the calling thread's freed memory to the system; the first
/// call counts.
pub fn release_with(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Returns the calling thread's freed memory to the system, if the binary said
/// how: called by the monitor's thread before each refresh (what the last
/// refresh freed) and when it dropped the metrics a dashboard handed back
/// (`MonitorHandle::replaced`).
pub fn release_freed() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}

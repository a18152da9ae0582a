//! Where the dashboard's and `kaftop serve`'s memory goes at issue 20's largest
//! preset (40 000 partitions, 2 000 groups on 20 partitions each, plus one group
//! on all 40 000): the process's RSS after each stage of 10 minutes of refreshes
//! every 5 s (120). Prints one line per stage.
//!
//!     cargo bench --bench scale_memory            # the dashboard
//!     cargo bench --bench scale_memory -- serve   # kaftop serve
//!
//! The dashboard: each refresh folded through the metrics engine into the app and
//! drawn, as the running dashboard does. `serve`: each refresh folded through the
//! engine into serve's exporter, then one scrape writing the whole `/metrics`
//! text, timed. The allocator is the binary's (mimalloc without transparent huge
//! pages), so RSS is what kaftop would hold; as in the binary, each thread's freed
//! pages go back to the system before each refresh (`kaftop_core::memory`;
//! `KAFTOP_BENCH_KEEP_FREED=1` leaves them to mimalloc's purge delay). Which
//! structures hold the memory: run
//! it under `heaptrack` with `KAFTOP_BENCH_SYSTEM_ALLOC=1`, glibc's malloc, which
//! heaptrack sees (BENCHMARKS.md).

#![allow(clippy::unwrap_used)]

#[path = "support/scale.rs"]
mod scale;
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_char;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kaftop::serve::metrics::{Exporter, Format};
use kaftop::tui::event::Event;
use kaftop_core::config::LagConfig;
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;

const REFRESHES: u64 = 120;

/// The binary's allocator (src/main.rs), or glibc's when
/// `KAFTOP_BENCH_SYSTEM_ALLOC` is set: chosen at the first allocation, before
/// anything is freed, and kept, so each block is freed by the allocator that gave it.
struct BenchAlloc;

#[global_allocator]
static ALLOCATOR: BenchAlloc = BenchAlloc;

/// 0: not chosen yet, 1: mimalloc, 2: the system's.
static CHOICE: AtomicU8 = AtomicU8::new(0);

// The bench's only unsafe code: an allocator has to be (`GlobalAlloc`), and the
// choice reads the environment with libc's `getenv`, which does not allocate.
#[allow(unsafe_code)]
mod choice {
    use super::*;

    unsafe extern "C" {
        fn getenv(name: *const c_char) -> *const c_char;
    }

    pub(super) fn system_alloc() -> bool {
        match CHOICE.load(Ordering::Relaxed) {
            0 => {
                // SAFETY: a NUL-terminated name; nothing in the bench sets the environment.
                let system = !unsafe { getenv(c"KAFTOP_BENCH_SYSTEM_ALLOC".as_ptr()) }.is_null();
                CHOICE.store(if system { 2 } else { 1 }, Ordering::Relaxed);
                system
            }
            c => c == 2,
        }
    }

    // SAFETY: each call goes to one of two allocators, the same for the whole run,
    // with the caller's arguments, so each upholds `GlobalAlloc`'s contract.
    unsafe impl GlobalAlloc for BenchAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            unsafe {
                if system_alloc() {
                    System.alloc(layout)
                } else {
                    mimalloc::MiMalloc.alloc(layout)
                }
            }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            unsafe {
                if system_alloc() {
                    System.alloc_zeroed(layout)
                } else {
                    mimalloc::MiMalloc.alloc_zeroed(layout)
                }
            }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from the same allocator (the choice never changes).
            unsafe {
                if system_alloc() {
                    System.dealloc(ptr, layout)
                } else {
                    mimalloc::MiMalloc.dealloc(ptr, layout)
                }
            }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: `ptr` came from the same allocator (the choice never changes).
            unsafe {
                if system_alloc() {
                    System.realloc(ptr, layout, new_size)
                } else {
                    mimalloc::MiMalloc.realloc(ptr, layout, new_size)
                }
            }
        }
    }
}
use choice::system_alloc;

/// As the binary does between refreshes (`kaftop_core::memory`): mimalloc's freed
/// pages returned at once; glibc's malloc is left alone.
#[allow(unsafe_code)]
fn return_freed_pages() {
    if !system_alloc() {
        // SAFETY: takes no pointer and touches only mimalloc's own structures;
        // mimalloc is the allocator in use.
        unsafe { libmimalloc_sys::mi_collect(true) }
    }
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

fn engine() -> MetricsEngine {
    MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(5)),
        LagConfig::default(),
    )
}

fn main() {
    let serve = std::env::args().any(|a| a == "serve");
    if std::env::var_os("KAFTOP_BENCH_KEEP_FREED").is_none() {
        kaftop_core::memory::release_with(return_freed_pages);
    }
    let allocator = if system_alloc() {
        "glibc's malloc"
    } else {
        "mimalloc (no_thp)"
    };
    println!("allocator: {allocator}");
    let base = rss_mb();
    println!("start: {base:.1} MB");
    let snap = scale::snapshot(0);
    let with_snapshot = rss_mb();
    println!("one snapshot: +{:.1} MB", with_snapshot - base);
    drop(snap);
    if serve {
        run_serve();
    } else {
        run_dashboard();
    }
}

/// The engine's state alone after the first refresh (its output dropped), then
/// the app fed and drawn.
fn run_dashboard() {
    let before = rss_mb();
    let mut engine = engine();
    drop(engine.ingest(&scale::snapshot(0)));
    println!(
        "the engine's state after the first refresh: +{:.1} MB",
        rss_mb() - before
    );
    let mut app = support::app(200, 50);
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    support::run_command(&mut app, "groups");
    let mut after_first = 0.0;
    for i in 1..=REFRESHES {
        // Before each refresh, as the monitor does.
        kaftop_core::memory::release_freed();
        let m = engine.ingest(&scale::snapshot(i));
        app.update(Event::Cluster(Box::new(m)));
        term.draw(|f| kaftop::tui::app::draw(f, &app)).unwrap();
        if i == 1 {
            after_first = rss_mb();
            println!("after the first refresh (engine + app): {after_first:.1} MB");
        }
    }
    let end = rss_mb();
    println!(
        "after {REFRESHES} refreshes (10 min at 5 s): {end:.1} MB (+{:.1} MB of history)",
        end - after_first
    );
}

/// Each refresh into the exporter, a scrape after each. Also times the two: the
/// exporter taking the refresh, and a scrape writing the whole body (the median
/// and the slowest of the refreshes after the first).
fn run_serve() {
    let mut engine = engine();
    let exporter = Exporter::new();
    let mut after_first = 0.0;
    let mut body = 0;
    let (mut observe, mut scrape) = (Vec::new(), Vec::new());
    for i in 0..REFRESHES {
        kaftop_core::memory::release_freed();
        let m = engine.ingest(&scale::snapshot(i));
        let t = Instant::now();
        // The refresh itself, as serve's poller hands it over.
        exporter.observe_cluster(m, Duration::from_millis(500), true);
        observe.push(t.elapsed());
        // Written in chunks and each dropped once counted, as a scrape sends it.
        let t = Instant::now();
        body = 0;
        exporter
            .encode_chunked(Format::Prometheus, 256 * 1024, |chunk| {
                body += chunk.len();
                true
            })
            .unwrap();
        scrape.push(t.elapsed());
        if i == 0 {
            after_first = rss_mb();
            println!("after the first refresh (engine + exporter): {after_first:.1} MB");
        }
    }
    let end = rss_mb();
    println!(
        "after {REFRESHES} refreshes (10 min at 5 s): {end:.1} MB (+{:.1} MB); /metrics {:.1} MB",
        end - after_first,
        body as f64 / 1e6
    );
    for (what, mut times) in [("observing a refresh", observe), ("a scrape", scrape)] {
        times.remove(0);
        times.sort();
        println!(
            "{what}: median {:.1} ms, slowest {:.1} ms",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3
        );
    }
}

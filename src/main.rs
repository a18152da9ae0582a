use std::io::Write;
use std::process::ExitCode;

/// See Cargo.toml: measured faster than the system's allocator for a search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Options of mimalloc v3 (the `mi_option_e` enum of its `mimalloc.h`), which the
/// bindings name no constant for.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_PAGE_FULL_RETAIN: libmimalloc_sys::mi_option_t = 36;

/// Lets freed memory go back to the system as soon as it is free. A refresh's
/// rows and responses are allocated on one thread (the monitor's, the runtime's
/// workers) and many are freed on another or never collected on:
/// - pages are purged at once instead of after mimalloc's 1 s delay, which only a
///   later allocation or collection acts on;
/// - a full page leaves its thread's search at once (mimalloc keeps two), so that
///   once another thread frees its last block it is returned, not held for its
///   owner to collect.
///
/// Side by side at 40k-2k the dashboard held ~12 MB less and `serve` ~50 MB less,
/// for ~15 % more CPU, most of it the purges' system calls (BENCHMARKS.md
/// "Scale"). mimalloc's own variables (`MIMALLOC_PURGE_DELAY=1000`,
/// `MIMALLOC_PAGE_FULL_RETAIN=2`, its defaults) still choose the other way.
#[allow(unsafe_code)]
fn return_free_pages_at_once() {
    for (option, variable) in [
        (MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
        (MI_OPTION_PAGE_FULL_RETAIN, "MIMALLOC_PAGE_FULL_RETAIN"),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: `mi_option_set` takes no pointer; it is not thread-safe,
            // and runs first in `main`, before any thread is started.
            unsafe { libmimalloc_sys::mi_option_set(option, 0) }
        }
    }
}

/// Returns freed pages to the system at once (`kaftop_core::memory`): the calling
/// thread's, rather than after mimalloc's purge delay, and what the C libraries
/// freed into glibc's malloc, which keeps it otherwise.
#[allow(unsafe_code)]
fn return_freed_pages() {
    // SAFETY: `mi_collect` takes no pointer and touches only mimalloc's own
    // structures; mimalloc is the allocator in use (`ALLOCATOR` above).
    unsafe { libmimalloc_sys::mi_collect(true) }
    // librdkafka allocates with malloc, not through Rust's allocator: its record
    // reader's fetch buffers and partition objects, freed when the reader drops its
    // consumer, stayed resident in a glibc arena (27 MB at 40k-2k) until trimmed.
    // SAFETY: `malloc_trim` takes no pointer and is thread-safe (it locks each
    // arena it trims).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() -> ExitCode {
    return_free_pages_at_once();
    kaftop_core::memory::release_with(return_freed_pages);
    // A shell asking for completions (the script of `kaftop completions`): answer
    // and exit before anything else reads the arguments.
    clap_complete::CompleteEnv::with_factory(<kaftop::cli::Cli as clap::CommandFactory>::command)
        .var(kaftop::cli::COMPLETE_ENV)
        .complete();
    let cli = kaftop::cli::parse();
    match kaftop::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes, each once.
            // A closed stderr leaves nowhere to tell: no panic over it.
            let line = kaftop::commands::error_line(&e);
            let _ = writeln!(std::io::stderr(), "kaftop: error: {line}");
            ExitCode::FAILURE
        }
    }
}

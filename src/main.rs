use std::io::Write;
use std::process::ExitCode;

/// See Cargo.toml: measured faster than the system's allocator for a search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

use std::io::Write;
use std::process::ExitCode;

/// See Cargo.toml: measured faster than the system's allocator for a search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns the calling thread's freed pages to the system at once, rather than
/// after mimalloc's purge delay (`kaftop_core::memory`).
#[allow(unsafe_code)]
fn return_freed_pages() {
    // SAFETY: `mi_collect` takes no pointer and touches only mimalloc's own
    // structures; mimalloc is the allocator in use (`ALLOCATOR` above).
    unsafe { libmimalloc_sys::mi_collect(true) }
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

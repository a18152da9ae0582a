use std::io::Write;
use std::process::ExitCode;

/// See Cargo.toml: measured faster than the system's allocator for a search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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

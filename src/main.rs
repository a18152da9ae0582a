use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kaftop::cli::Cli::parse();
    match kaftop::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes.
            eprintln!("kaftop: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

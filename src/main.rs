use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kaftop::cli::Cli::parse();
    match kaftop::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes, each once.
            eprintln!("kaftop: error: {}", kaftop::commands::error_line(&e));
            ExitCode::FAILURE
        }
    }
}

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
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

//! `kaftop config check [FILE]`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ConfigCommand;
use crate::config::{self, Overrides};

pub fn run(cmd: ConfigCommand, mut overrides: Overrides) -> Result<ExitCode> {
    let ConfigCommand::Check { file, json } = cmd;
    if file.is_some() {
        overrides.config_file = file;
    }
    let resolved = config::load(&overrides)?;
    if json {
        super::print_json(&resolved)?;
    } else {
        let source = resolved
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults (no config file found)".into());
        println!("# OK: {source}, profile `{}`", resolved.profile);
        print!("{}", toml::to_string_pretty(&resolved)?);
    }
    Ok(ExitCode::SUCCESS)
}

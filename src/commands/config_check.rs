//! `kaftop config check [FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::out::{out, outln};

use kaftop_core::config::Overrides;

pub(super) fn run(
    file: Option<PathBuf>,
    json: bool,
    mut overrides: Overrides,
    secrets: &mut Vec<String>,
) -> Result<ExitCode> {
    if file.is_some() {
        overrides.config_file = file;
    }
    let (resolved, _keymap) = super::load_checked(&overrides, secrets)?;
    if json {
        super::print_json(&resolved)?;
    } else {
        let source = resolved
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults (no config file found)".into());
        outln(format_args!(
            "# OK: {source}, profile `{}`",
            resolved.profile
        ))?;
        out(toml::to_string_pretty(&resolved)?)?;
    }
    Ok(ExitCode::SUCCESS)
}

//! `kaftop lag`.

use std::process::ExitCode;

use anyhow::Result;

use crate::config::Resolved;

pub async fn run(_args: crate::cli::LagArgs, _cfg: &Resolved) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

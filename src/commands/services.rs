//! `kaftop consumers` and `kaftop services report`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{ConsumersArgs, ServicesCommand};
use crate::config::Resolved;

pub async fn consumers(_args: ConsumersArgs, _cfg: Resolved) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

pub async fn services(_cmd: ServicesCommand, _cfg: &Resolved) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

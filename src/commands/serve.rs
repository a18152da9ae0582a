//! `kaftop serve`: the services, the monitor and the HTTP server in one process.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::serve::{self, ServeOptions};
use kaftop_core::config::Resolved;

/// `others`: more profiles' clusters, only monitored (`--all-profiles`).
pub(super) async fn run(args: ServeArgs, cfg: Resolved, others: Vec<Resolved>) -> Result<ExitCode> {
    let opts = ServeOptions {
        listen: args.listen.unwrap_or(cfg.serve.listen),
        duration: args.duration,
    };
    serve::run(cfg, others, opts).await?;
    Ok(ExitCode::SUCCESS)
}

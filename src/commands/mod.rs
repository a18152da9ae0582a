//! The subcommands: each resolves what it needs and prints a human table or JSON.

mod config_check;
mod demo;
mod lag;
mod publish;
mod services;
mod tail;
mod topics;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{self, Overrides, Resolved};

/// Runs the parsed command line. No secret value (a secret-looking `-X` property, a
/// password from the profile) appears in the error it returns.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut secrets: Vec<String> = cli
        .properties
        .iter()
        .filter(|(k, _)| config::is_secret_property(k))
        .map(|(_, v)| v.clone())
        .collect();
    run_command(cli, &mut secrets).map_err(|e| redact(e, &secrets))
}

/// The error with every secret value masked. Errors without a secret keep their
/// chain of causes.
fn redact(e: anyhow::Error, secrets: &[String]) -> anyhow::Error {
    let text = format!("{e:#}");
    let secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return e;
    }
    let masked = secrets
        .iter()
        .fold(text, |t, s| t.replace(s.as_str(), "********"));
    anyhow::anyhow!(masked)
}

/// Loads the configuration and checks its librdkafka properties without connecting.
fn load_checked(overrides: &Overrides, secrets: &mut Vec<String>) -> Result<Resolved> {
    let cfg = config::load(overrides)?;
    secrets.extend(cfg.secret_values().map(str::to_string));
    crate::kafka::client::validate(&cfg)?;
    Ok(cfg)
}

fn run_command(cli: Cli, secrets: &mut Vec<String>) -> Result<ExitCode> {
    let overrides = Overrides {
        config_file: cli.config.clone(),
        profile: cli.profile.clone(),
        bootstrap_servers: cli.bootstrap_servers.clone(),
        properties: cli.properties.clone(),
        data_dir: cli.data_dir.clone(),
    };
    let Some(command) = cli.command else {
        // No subcommand: the interactive dashboard.
        let cfg = load_checked(&overrides, secrets)?;
        let _log = crate::logging::init(&cfg.data_dir);
        tracing::info!(profile = %cfg.profile, bootstrap = %cfg.bootstrap_servers, "dashboard");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        crate::tui::run(cfg, runtime.handle().clone())?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Command::Config(c) = command {
        // Only validation: no logging, no runtime.
        return config_check::run(c, overrides, secrets);
    }
    if let Command::Demo(d) = command {
        // The demo brings its own cluster: no config file is needed or read.
        return demo::run(d, overrides.data_dir);
    }
    let cfg = load_checked(&overrides, secrets)?;
    let _log = crate::logging::init(&cfg.data_dir);
    tracing::info!(profile = %cfg.profile, bootstrap = %cfg.bootstrap_servers, "starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(dispatch(command, cfg))
}

async fn dispatch(command: Command, cfg: Resolved) -> Result<ExitCode> {
    match command {
        Command::Config(_) | Command::Demo(_) => {
            unreachable!("handled before the runtime starts")
        }
        Command::Publish(p) => publish::publish(p, &cfg).await,
        Command::Bulk(b) => publish::bulk(b, cfg).await,
        Command::Topics(t) => topics::run(t, &cfg).await,
        Command::Lag(l) => lag::run(l, &cfg).await,
        Command::Tail(t) => tail::run(t, &cfg).await,
        Command::Consumers(c) => services::consumers(c, cfg).await,
        Command::Services(s) => services::services(s, &cfg).await,
    }
}

/// Prints a value as one line of JSON.
fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}

/// Left-aligned columns separated by two spaces; the first row is the header.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

//! `kaftop snapshot [--out FILE] [--for DURATION]`: an incident snapshot. It
//! refreshes for a while (the metrics need history: rates, stuck partitions,
//! forecasts), reads the record at each stuck partition's committed offset,
//! and writes the report (`report::Incident`) as Markdown and JSON. stdout
//! carries the two paths, one a line.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cli::SnapshotArgs;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::peek;
use kaftop_core::kafka::poller::{next_wait, PollerOptions, Refresher};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, MetricsEngine};
use kaftop_core::report::{incident, save, Incident};

pub(super) async fn run(args: SnapshotArgs, cfg: Resolved) -> Result<ExitCode> {
    tokio::task::spawn_blocking(move || write(&args, &cfg))
        .await
        .context("snapshot aborted")?
}

fn write(args: &SnapshotArgs, cfg: &Resolved) -> Result<ExitCode> {
    let metrics = watch(args, cfg)?;
    for e in &metrics.errors {
        eprintln!("kaftop: warning: {e}");
    }
    let records = peek::records_at(cfg, &incident::wanted_records(&metrics));
    let report = Incident::build(&metrics, &records);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| save::default_path(&cfg.data_dir, metrics.taken_at_ms));
    let (md, json) =
        save::write(&report, &path).with_context(|| format!("writing {}", path.display()))?;
    println!("{}", md.display());
    println!("{}", json.display());
    Ok(ExitCode::SUCCESS)
}

/// Refreshes until the window is over (at least twice), folding each refresh
/// into the metrics engine; the last metrics.
fn watch(args: &SnapshotArgs, cfg: &Resolved) -> Result<ClusterMetrics> {
    let opts = PollerOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    let interval = args.interval.unwrap_or(cfg.poll_interval);
    let window = args.window.unwrap_or(interval);
    let mut refresher = Refresher::new(cfg, opts)?;
    let mut engine = MetricsEngine::new(EngineConfig::for_interval(interval), cfg.lag.clone());
    let started = Instant::now();
    let first = refresher.refresh();
    if !first.connected {
        anyhow::bail!("{}", first.errors.join("; "));
    }
    let mut metrics = engine.ingest(&first);
    let mut failures = 0u32;
    loop {
        let wait = next_wait(interval, failures);
        std::thread::sleep(wait);
        let snap = refresher.refresh();
        failures = if snap.connected { 0 } else { failures + 1 };
        if snap.connected {
            metrics = engine.ingest(&snap);
        }
        if started.elapsed() + next_wait(interval, failures) > window {
            return Ok(metrics);
        }
    }
}

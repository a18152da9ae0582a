//! `kaftop snapshot [--out FILE] [--for DURATION]`: an incident snapshot. It
//! refreshes for a while (the metrics need history: rates, stuck partitions,
//! forecasts), reads the record at each stuck partition's committed offset,
//! and writes the report (`report::Incident`) as Markdown and JSON. stdout
//! carries the two paths, one a line.

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::out::outln;

use crate::cli::SnapshotArgs;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::peek;
use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::monitor::{Monitor, MonitorError, MonitorOptions, Window};
use kaftop_core::report::{incident, save, Incident};

pub(super) async fn run(args: SnapshotArgs, cfg: Resolved) -> Result<ExitCode> {
    tokio::task::spawn_blocking(move || write(&args, &cfg))
        .await
        .context("snapshot aborted")?
}

fn write(args: &SnapshotArgs, cfg: &Resolved) -> Result<ExitCode> {
    let metrics = watch(args, cfg)?;
    super::out::warnings(&metrics.errors);
    // A registry that cannot be set up leaves the records raw, never the report unwritten.
    let decoder = crate::registry::decoder(cfg).unwrap_or_else(|e| {
        super::out::note(format_args!(
            "kaftop: schema registry: {e:#}; records shown raw"
        ));
        None
    });
    let wanted = incident::wanted_records(&metrics);
    let records = peek::records_at(cfg, &wanted, decoder.as_deref());
    let report = Incident::build(&metrics, &records);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| save::default_path(&cfg.data_dir, metrics.taken_at_ms));
    let (md, json) =
        save::write(&report, &path).with_context(|| format!("writing {}", path.display()))?;
    outln(md.display())?;
    outln(json.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Refreshes until the window is over (at least twice); the metrics of the last
/// refresh that reached the cluster.
fn watch(args: &SnapshotArgs, cfg: &Resolved) -> Result<ClusterMetrics> {
    let mut opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    if let Some(interval) = args.interval {
        opts.interval = interval;
    }
    let window = Window::span(args.window.unwrap_or(opts.interval)).at_least(2);
    let mut monitor = Monitor::new(cfg, opts)?;
    let mut metrics = ClusterMetrics::default();
    monitor.watch(window, |r| {
        if r.metrics.connected {
            metrics = r.metrics.clone();
        }
        Ok::<_, MonitorError>(())
    })?;
    Ok(metrics)
}

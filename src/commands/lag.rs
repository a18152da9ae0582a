//! `kaftop lag [--group G]...`: the `kafka-consumer-groups --describe` table.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::cli::LagArgs;
use crate::config::Resolved;
use crate::kafka::poller::{PollerOptions, Refresher};
use crate::metrics::engine::{EngineConfig, GroupMetrics};
use crate::metrics::{LagStatus, MetricsEngine};

/// A JSON row: one partition of one group.
#[derive(Debug, Serialize)]
struct LagRow<'a> {
    group: &'a str,
    topic: &'a str,
    partition: i32,
    current_offset: Option<i64>,
    log_end_offset: Option<i64>,
    lag: Option<u64>,
    raw_lag: Option<i64>,
    consumer_id: Option<&'a str>,
    host: Option<&'a str>,
    client_id: Option<&'a str>,
    status: LagStatus,
    group_state: Option<String>,
    alerting: bool,
}

pub async fn run(args: LagArgs, cfg: &Resolved) -> Result<ExitCode> {
    let mut opts = PollerOptions::from_config(cfg);
    if !args.groups.is_empty() {
        opts.only_groups = Some(args.groups.clone());
    }
    let mut refresher = Refresher::new(cfg, opts)?;
    let snap = tokio::task::block_in_place(|| refresher.refresh());
    if !snap.connected {
        anyhow::bail!("{}", snap.errors.join("; "));
    }
    let mut engine = MetricsEngine::new(
        EngineConfig::for_interval(cfg.poll_interval),
        cfg.lag.clone(),
    );
    let metrics = engine.ingest(&snap);
    for e in &metrics.errors {
        eprintln!("kaftop: warning: {e}");
    }
    if args.json {
        let rows: Vec<LagRow> = metrics.groups.iter().flat_map(json_rows).collect();
        super::print_json(&rows)?;
    } else {
        print!("{}", render_table(&metrics.groups));
    }
    Ok(ExitCode::SUCCESS)
}

fn json_rows(g: &GroupMetrics) -> impl Iterator<Item = LagRow<'_>> {
    g.rows.iter().map(move |r| LagRow {
        group: &g.group_id,
        topic: &r.topic,
        partition: r.partition,
        current_offset: r.current_offset,
        log_end_offset: r.log_end_offset,
        lag: r.lag,
        raw_lag: r.raw_lag,
        consumer_id: r.consumer_id.as_deref(),
        host: r.host.as_deref(),
        client_id: r.client_id.as_deref(),
        status: r.status,
        group_state: g.state.map(|s| s.to_string()),
        alerting: g.alerting,
    })
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// Lag as `kafka-consumer-groups` prints it, with a negative raw value kept visible.
fn lag_cell(lag: Option<u64>, raw: Option<i64>) -> String {
    match (lag, raw) {
        (Some(l), Some(r)) if r < 0 => format!("{l} ({r})"),
        (Some(l), _) => l.to_string(),
        _ => "-".into(),
    }
}

/// The human table: a header line per group, then its partitions.
pub fn render_table(groups: &[GroupMetrics]) -> String {
    const HEAD: [&str; 10] = [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
        "STATUS",
    ];
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str("No consumer groups found.\n");
        return out;
    }
    for g in groups {
        let members = match g.members {
            Some(n) => format!("{n} members"),
            None => "members unknown".into(),
        };
        out.push_str(&format!(
            "\n{}: state {}, {members}, total lag {} (threshold {}){}, status {}\n",
            g.group_id,
            opt(g.state),
            g.total_lag,
            g.threshold,
            if g.alerting { " ALERT" } else { "" },
            g.status,
        ));
        let mut rows: Vec<[String; 10]> = vec![HEAD.map(String::from)];
        for r in &g.rows {
            rows.push([
                g.group_id.clone(),
                r.topic.clone(),
                r.partition.to_string(),
                opt(r.current_offset),
                opt(r.log_end_offset),
                lag_cell(r.lag, r.raw_lag),
                opt(r.consumer_id.clone()),
                opt(r.host.clone()),
                opt(r.client_id.clone()),
                r.status.to_string(),
            ]);
        }
        if g.rows.is_empty() {
            out.push_str("  (no committed offsets)\n");
            continue;
        }
        out.push_str(&super::table(&rows));
    }
    out
}

//! `--all-profiles`: every profile's cluster at once. Each cluster is read on its
//! own thread, so one unreachable or slow cluster never holds up the others; what
//! the others answered is printed, and the clusters that failed are named.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::{Map, Value};

use super::out::{note, out};
use crate::cli::{ClustersArgs, LagArgs};
use kaftop_core::config::Resolved;
use kaftop_core::metrics::engine::ClusterMetrics;
use kaftop_core::monitor::{Monitor, MonitorOptions};
use kaftop_core::present;
use kaftop_core::report::clusters::ClusterRow;

/// `kaftop lag --all-profiles`: `--json` is one array of the rows `kaftop lag
/// --json` prints, each with a `cluster` field (the profile) first; the table is
/// one section per cluster. Exits 1 when a cluster could not be read.
pub(super) fn lag(args: &LagArgs, cfgs: &[Resolved]) -> Result<ExitCode> {
    let results = read_each(cfgs, |cfg| super::lag::read(args, cfg));
    let mut failed = false;
    let mut rows = Vec::new();
    let mut text = String::new();
    for (cfg, result) in cfgs.iter().zip(results) {
        let metrics = match result {
            Ok(m) => m,
            Err(e) => {
                failed = true;
                note(format_args!(
                    "kaftop: error: cluster `{}`: {}",
                    cfg.profile,
                    super::error_line(&e)
                ));
                continue;
            }
        };
        let mut seen = std::collections::HashSet::new();
        for w in metrics.errors.iter().filter(|w| seen.insert(*w)) {
            note(format_args!(
                "kaftop: warning: cluster `{}`: {w}",
                cfg.profile
            ));
        }
        if args.json {
            for row in super::lag::json_values(args, &metrics.groups)? {
                rows.push(with_cluster(&cfg.profile, row));
            }
        } else {
            text.push_str(&format!("# cluster {}\n", cfg.profile));
            text.push_str(&super::lag::render(args, &metrics.groups));
            text.push('\n');
        }
    }
    if args.json {
        super::print_json(&rows)?;
    } else {
        out(text)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `kaftop clusters`: one row per profile (`--json`: an array of them). Each
/// cluster is read twice, an interval apart, so that msg/s is a measured rate; one
/// that does not answer the first read is not read again. Exits 1 when a cluster
/// could not be read.
pub(super) fn summary(args: &ClustersArgs, cfgs: &[Resolved]) -> Result<ExitCode> {
    let rows: Vec<ClusterRow> = read_each(cfgs, |cfg| {
        let opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
        let interval = opts.interval;
        let mut monitor = Monitor::new(cfg, opts)?;
        let mut metrics = monitor.once().metrics;
        if metrics.connected {
            std::thread::sleep(interval);
            metrics = monitor.once().metrics;
        }
        Ok(metrics)
    })
    .into_iter()
    .zip(cfgs)
    .map(|(r, cfg)| match r {
        Ok(m) => ClusterRow::of(&cfg.profile, &m),
        Err(e) => ClusterRow::unreachable(&cfg.profile, super::error_line(&e)),
    })
    .collect();
    if args.json {
        super::print_json(&rows)?;
    } else {
        out(render_summary(&rows))?;
    }
    for r in rows.iter().filter(|r| !r.reachable) {
        let why = r.error.as_deref().unwrap_or("no answer");
        note(format_args!(
            "kaftop: error: cluster `{}`: {why}",
            r.cluster
        ));
    }
    Ok(if rows.iter().all(|r| r.reachable) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn render_summary(rows: &[ClusterRow]) -> String {
    let count = |n: Option<usize>| n.map_or_else(|| "-".into(), |n| present::count_u(n as u64));
    let mut table = vec![[
        "CLUSTER",
        "REACHABLE",
        "BROKERS",
        "URP",
        "OFFLINE",
        "ALERTING",
        "WORST",
        "MSG/S",
    ]
    .map(String::from)];
    for r in rows {
        table.push([
            r.cluster.clone(),
            if r.reachable { "yes" } else { "NO" }.to_string(),
            match (r.brokers_up, r.brokers_total) {
                (Some(up), Some(total)) => format!("{up}/{total}"),
                _ => "-".to_string(),
            },
            count(r.under_replicated),
            count(r.offline_partitions),
            count(r.alerting_groups),
            r.worst_group.clone().unwrap_or_else(|| "-".into()),
            present::rate(r.produced_per_sec),
        ]);
    }
    super::table(&table)
}

/// `read` run for every configuration at once, each on its own thread; the
/// results in the order of `cfgs`.
fn read_each<F>(cfgs: &[Resolved], read: F) -> Vec<Result<ClusterMetrics>>
where
    F: Fn(&Resolved) -> Result<ClusterMetrics> + Sync,
{
    std::thread::scope(|s| {
        let read = &read;
        let handles: Vec<_> = cfgs
            .iter()
            .map(|cfg| {
                std::thread::Builder::new()
                    .name(format!("kaftop-cluster-{}", cfg.profile))
                    .spawn_scoped(s, move || read(cfg))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the cluster's reader panicked"))),
                Err(e) => Err(e.into()),
            })
            .collect()
    })
}

/// `row` with `"cluster": profile` as its first field.
fn with_cluster(profile: &str, row: Value) -> Value {
    let mut out = Map::new();
    out.insert("cluster".into(), Value::String(profile.into()));
    if let Value::Object(fields) = row {
        out.extend(fields);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_comes_first() {
        let row = serde_json::json!({"group": "g", "lag": 3});
        let v = with_cluster("prod", row);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"cluster":"prod","group":"g","lag":3}"#
        );
    }
}

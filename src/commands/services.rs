//! `kaftop consumers` and `kaftop services report`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};

use super::out::{note, out};

use crate::cli::{ConsumersArgs, ServicesCommand};
use kaftop_core::config::Resolved;
use kaftop_core::present;
use kaftop_services::ownership::{ownership, GroupOwnership};
use kaftop_services::stats::{ServiceState, ServicesSnapshot};
use kaftop_services::store::StoreTarget;
use kaftop_services::ServiceName;
use kaftop_services::{self as services, service_id, Report, ServicesOptions, Store, ALL_SERVICES};

/// Runs the reference consumers headless until SIGINT/SIGTERM or `--duration`, then
/// stops them gracefully (finish the batch, commit, leave the group) and prints one
/// summary line per service.
pub(super) async fn consumers(args: ConsumersArgs, cfg: Resolved) -> Result<ExitCode> {
    let mut opts = ServicesOptions::for_config(&cfg);
    opts.faults_to_stderr = true;
    if let Some(n) = args.concurrency {
        opts.concurrency = n;
    }
    if let Some(n) = args.batch_size {
        opts.batch_size = n as usize;
    }
    let mut which: Vec<ServiceName> = if args.services.is_empty() {
        ALL_SERVICES.to_vec()
    } else {
        args.services.clone()
    };
    which.sort();
    which.dedup();
    let store = opts.store.clone();
    let handle = {
        let which = which.clone();
        tokio::task::spawn_blocking(move || services::start(&cfg, opts, &which))
            .await
            .context("starting the services")??
    };
    let names: Vec<String> = which
        .iter()
        .map(|s| format!("{} ({})", service_id(*s), handle.group(*s)))
        .collect();
    note(format_args!(
        "kaftop: consuming: {}; store {}; stop with Ctrl-C",
        names.join(", "),
        store
    ));
    tracing::info!(services = ?names, store = %store, "consumers running");

    let handle = std::sync::Arc::new(handle);
    let stopped_by = wait_for_stop(args.duration, &handle).await;
    tracing::info!(reason = stopped_by, "stopping consumers");
    let snap = tokio::task::spawn_blocking(move || {
        handle.stop_all();
        handle.stats()
    })
    .await
    .context("stopping the services")?;
    out(summary(&snap, &which))?;
    if let Err(e) = &snap.store {
        note(format_args!("kaftop: cannot read the services store: {e}"));
    }
    let failed: Vec<String> = snap
        .services
        .iter()
        .filter(|s| which.contains(&s.name))
        .filter_map(|s| {
            s.last_error
                .as_ref()
                .map(|e| format!("{}: {e}", service_id(s.name)))
        })
        .collect();
    if stopped_by == "failed" {
        anyhow::bail!("every consumer stopped: {}", failed.join("; "));
    }
    for e in failed {
        tracing::warn!(last_error = %e);
    }
    Ok(ExitCode::SUCCESS)
}

/// Waits for SIGINT, SIGTERM, the duration, or every consumer thread having died.
async fn wait_for_stop(
    duration: Option<Duration>,
    handle: &std::sync::Arc<services::ServicesHandle>,
) -> &'static str {
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let dead = async {
        // Consumer threads only end on a fatal error (store unusable, consumer
        // creation failed); with none left there is nothing to wait for.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tick.tick().await;
            let h = handle.clone();
            let snap = match tokio::task::spawn_blocking(move || h.stats()).await {
                Ok(s) => s,
                Err(_) => continue,
            };
            let running: Vec<_> = snap
                .services
                .iter()
                .filter(|s| s.state == ServiceState::Running)
                .collect();
            if !running.is_empty() && running.iter().all(|s| s.consumers == 0) {
                return;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = crate::signals::sigterm() => "SIGTERM",
        _ = deadline => "duration",
        _ = dead => "failed",
    }
}

/// One line per service: counters since start.
fn summary(snap: &ServicesSnapshot, which: &[ServiceName]) -> String {
    let mut rows = vec![[
        "SERVICE".to_string(),
        "CONSUMED".into(),
        "PROCESSED".into(),
        "DEAD-LETTERED".into(),
        "DEDUPE-HITS".into(),
        "RETRIES".into(),
        "PENDING".into(),
        "GROUP".into(),
    ]];
    for s in snap.services.iter().filter(|s| which.contains(&s.name)) {
        let c = &s.counters;
        rows.push([
            service_id(s.name).to_string(),
            present::count_u(c.consumed),
            present::count_u(c.processed),
            present::count_u(c.dead_lettered),
            present::count_u(c.dedupe_hits),
            present::count_u(c.retries),
            s.pending.map_or_else(|| "?".into(), present::count_u),
            s.group.clone(),
        ]);
    }
    super::table(&rows)
}

pub(super) async fn services(cmd: ServicesCommand, cfg: &Resolved) -> Result<ExitCode> {
    match cmd {
        ServicesCommand::Report { json } => {
            let report = tokio::task::block_in_place(|| {
                Store::connect_existing(&StoreTarget::from(&cfg.store))?.report()
            })?;
            // The owners come from the cluster; without it the totals still print.
            let owners = tokio::task::block_in_place(|| ownership(cfg, OWNERSHIP_TIMEOUT))
                .map_err(|e| e.to_string());
            if json {
                super::print_json(&ReportWithOwners {
                    report: &report,
                    ownership: owners.as_ref().ok(),
                    ownership_error: owners.as_ref().err(),
                })?;
            } else {
                out(render_report(&report))?;
                match &owners {
                    Ok(groups) => out(format_args!("\n{}", render_ownership(groups)))?,
                    Err(e) => note(format_args!(
                        "kaftop: which instance owns which partitions: {e}"
                    )),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// How long `services report` waits for the cluster to describe the groups.
const OWNERSHIP_TIMEOUT: Duration = Duration::from_secs(5);

/// `services report --json`: the store's totals (every instance's) and the groups'
/// partition owners.
#[derive(serde::Serialize)]
struct ReportWithOwners<'a> {
    #[serde(flatten)]
    report: &'a Report,
    ownership: Option<&'a Vec<GroupOwnership>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ownership_error: Option<&'a String>,
}

/// SERVICE, INSTANCE, PARTITIONS (`topic:0,3`): one row per member; a group with
/// no member says so.
fn render_ownership(groups: &[GroupOwnership]) -> String {
    let mut rows = vec![[
        "SERVICE".to_string(),
        "INSTANCE".into(),
        "PARTITIONS".into(),
    ]];
    for g in groups {
        if let Some(e) = &g.error {
            rows.push([g.service.clone(), "?".into(), e.clone()]);
            continue;
        }
        if g.members.is_empty() {
            rows.push([g.service.clone(), "-".into(), format!("none ({})", g.state)]);
        }
        for m in &g.members {
            let parts: Vec<String> = m
                .partitions
                .iter()
                .map(|(t, ps)| {
                    let ps: Vec<String> = ps.iter().map(i32::to_string).collect();
                    format!("{t}:{}", ps.join(","))
                })
                .collect();
            rows.push([g.service.clone(), m.instance.clone(), parts.join(" ")]);
        }
    }
    super::table(&rows)
}

fn render_report(r: &Report) -> String {
    let dead = if r.dead_lettered.is_empty() {
        "0".to_string()
    } else {
        r.dead_lettered
            .iter()
            .map(|(t, n)| format!("{t} {}", present::count_u(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = super::table(&[
        ["store".to_string(), r.store.clone()],
        [
            "notifications".into(),
            format!(
                "{} ({} VIP)",
                present::count_u(r.notifications),
                present::count_u(r.vip_notifications)
            ),
        ],
        [
            "receipts".into(),
            format!(
                "{} ({} pending)",
                present::count_u(r.receipts),
                present::count_u(r.pending_receipts)
            ),
        ],
        ["archived".into(), present::count_u(r.archived)],
        ["dead-lettered".into(), dead],
    ]);
    out.push('\n');
    let mut days = vec![[
        "DATE".to_string(),
        "MESSAGES".into(),
        "DISTINCT SENDERS".into(),
        "READS".into(),
    ]];
    for d in &r.daily {
        days.push([
            d.date.clone(),
            present::count_u(d.messages),
            present::count_u(d.distinct_senders),
            present::count_u(d.reads),
        ]);
    }
    out.push_str(&super::table(&days));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_services::analytics::DailyStats;
    use std::collections::BTreeMap;

    #[test]
    fn report_table() {
        let r = Report {
            store: "/d/services.db".into(),
            notifications: 3,
            vip_notifications: 1,
            receipts: 2,
            pending_receipts: 0,
            indexed_messages: 3,
            archived: 1,
            dead_lettered: BTreeMap::from([("message.created".to_string(), 2)]),
            dead_lettered_by_service: BTreeMap::new(),
            daily: vec![DailyStats {
                date: "2026-11-24".into(),
                messages: 3,
                distinct_senders: 2,
                reads: 2,
            }],
            services: BTreeMap::new(),
            last_purge: None,
        };
        assert_eq!(
            render_report(&r),
            "store          /d/services.db\n\
             notifications  3 (1 VIP)\n\
             receipts       2 (0 pending)\n\
             archived       1\n\
             dead-lettered  message.created 2\n\
             \n\
             DATE        MESSAGES  DISTINCT SENDERS  READS\n\
             2026-11-24  3         2                 2\n"
        );
    }

    #[test]
    fn ownership_table() {
        use kaftop_services::ownership::MemberOwnership;
        let member = |instance: &str, ps: Vec<i32>| MemberOwnership {
            instance: instance.into(),
            partitions: BTreeMap::from([("t.created".to_string(), ps)]),
        };
        let groups = vec![
            GroupOwnership {
                service: "notification".into(),
                group: "g1".into(),
                state: "Stable".into(),
                members: vec![member("a@h", vec![0, 2]), member("b@h", vec![1])],
                error: None,
            },
            GroupOwnership {
                service: "archive".into(),
                group: "g2".into(),
                state: "Empty".into(),
                members: vec![],
                error: None,
            },
        ];
        assert_eq!(
            render_ownership(&groups),
            "SERVICE       INSTANCE  PARTITIONS\n\
             notification  a@h       t.created:0,2\n\
             notification  b@h       t.created:1\n\
             archive       -         none (Empty)\n"
        );
    }
}

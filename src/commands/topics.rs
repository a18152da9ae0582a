//! `kaftop topics ...`.

use std::process::ExitCode;

use anyhow::Result;

use super::out::{note, out, outln};

use crate::cli::{TopicsArgs, TopicsCommand};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::health::PartitionProblem;
use kaftop_core::kafka::topics::{ensure, Outcome};
use kaftop_core::metrics::TopicMetrics;
use kaftop_core::monitor::{Monitor, MonitorError, MonitorOptions, Window};
use kaftop_core::present;

pub(super) async fn run(args: TopicsArgs, cfg: &Resolved) -> Result<ExitCode> {
    match args.command {
        Some(TopicsCommand::Ensure { json }) => ensure_topics(json, cfg).await,
        Some(admin) => super::topic_admin::run(admin, cfg).await,
        None => list_topics(&args, cfg).await,
    }
}

/// Two refreshes `--interval` apart; msg/s is the high-watermark growth between them.
async fn list_topics(args: &TopicsArgs, cfg: &Resolved) -> Result<ExitCode> {
    let mut opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    opts.interval = args.interval;
    opts.read.include_internal = args.all;
    opts.read.only_groups = Some(Vec::new()); // topics only: skip the group calls
    let mut monitor = Monitor::new(cfg, opts)?;
    let last = tokio::task::block_in_place(|| {
        monitor.watch(Window::refreshes(2), |_| Ok::<_, MonitorError>(()))
    })?;
    let metrics = last.metrics;
    if !metrics.connected {
        anyhow::bail!("{}", metrics.errors.join("; "));
    }
    super::out::warnings(&metrics.errors);
    if args.json {
        super::print_json(&metrics.topics)?;
    } else {
        out(render_table(&metrics.topics))?;
        out(format_args!(
            "{}",
            render_partitions(&metrics.topics, &metrics.brokers_down, args.partitions)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// TOPIC PARTITIONS REPLICATION ISR MESSAGES MSG/S, one line per topic.
pub(super) fn render_table(topics: &[TopicMetrics]) -> String {
    if topics.is_empty() {
        return "No topics found.\n".into();
    }
    let mut rows = vec![[
        "TOPIC",
        "PARTITIONS",
        "REPLICATION",
        "ISR",
        "MESSAGES",
        "MSG/S",
    ]
    .map(String::from)];
    for t in topics {
        let min_isr = t.partitions.iter().map(|p| p.isr.len()).min().unwrap_or(0);
        let mut problems = Vec::new();
        if t.under_replicated > 0 {
            problems.push(format!("{} under-replicated", t.under_replicated));
        }
        if t.under_min_isr > 0 {
            problems.push(format!("{} under min ISR", t.under_min_isr));
        }
        if t.offline > 0 {
            problems.push(format!("{} offline", t.offline));
        }
        let isr = if problems.is_empty() {
            format!("{min_isr}/{}", t.replication)
        } else {
            format!("{min_isr}/{} ({})", t.replication, problems.join(", "))
        };
        rows.push([
            t.name.clone(),
            t.partitions.len().to_string(),
            t.replication.to_string(),
            isr,
            present::count(t.messages),
            present::rate(t.rate),
        ]);
    }
    super::table(&rows)
}

fn ids(v: &[i32]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// The brokers that are down and a line per partition (as `kafka-topics --describe`
/// shows it, plus what is wrong): every partition with `all`, else only those
/// needing attention. Empty when there is nothing to say.
pub(super) fn render_partitions(
    topics: &[TopicMetrics],
    brokers_down: &[i32],
    all: bool,
) -> String {
    let mut out = String::new();
    if !brokers_down.is_empty() {
        out.push_str(&format!(
            "\nBrokers down (holding replicas, missing from the cluster): {}\n",
            ids(brokers_down)
        ));
    }
    let mut rows =
        vec![["TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "PROBLEM"].map(String::from)];
    for t in topics {
        for p in &t.partitions {
            if !all && p.problem.is_none() {
                continue;
            }
            let mut problem = p
                .problem
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "-".into());
            if let (Some(PartitionProblem::UnderMinIsr), Some(m)) =
                (p.problem, t.min_insync_replicas)
            {
                problem = format!("{problem} ({} < {m})", p.isr.len());
            }
            rows.push([
                t.name.clone(),
                p.id.to_string(),
                if p.leader < 0 {
                    "none".into()
                } else {
                    p.leader.to_string()
                },
                ids(&p.replicas),
                ids(&p.isr),
                problem,
            ]);
        }
    }
    if rows.len() > 1 {
        out.push_str(if all {
            "\nPartitions:\n"
        } else {
            "\nPartitions needing attention:\n"
        });
        out.push_str(&super::table(&rows));
    }
    out
}

async fn ensure_topics(json: bool, cfg: &Resolved) -> Result<ExitCode> {
    let results = ensure(cfg).await?;
    let failed = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        .count();
    if json {
        super::print_json(&results)?;
    } else {
        for r in &results {
            match &r.outcome {
                Outcome::Created => outln(format_args!(
                    "created  {} ({} partitions, replication factor {})",
                    r.topic, r.partitions, r.replication_factor
                ))?,
                Outcome::Exists { partitions } => outln(format_args!(
                    "exists   {} ({partitions} partitions)",
                    r.topic
                ))?,
                Outcome::Failed { reason } => {
                    outln(format_args!("FAILED   {}: {reason}", r.topic))?
                }
            }
        }
    }
    if failed > 0 {
        note(format_args!(
            "kaftop: error: {failed} topic(s) could not be created"
        ));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use kaftop_core::config::LagConfig;
    use kaftop_core::kafka::snapshot::{BrokerInfo, ClusterSnapshot, PartitionInfo, TopicInfo};
    use kaftop_core::metrics::engine::EngineConfig;
    use kaftop_core::metrics::MetricsEngine;

    /// Broker 3 of three is down: partition 0 moved its leader and lost a replica,
    /// partition 1 is under min ISR, partition 2 is offline, partition 3 is fine.
    fn metrics() -> kaftop_core::metrics::ClusterMetrics {
        let p = |id, leader, replicas: &[i32], isr: &[i32]| PartitionInfo {
            id,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            low: Some(0),
            high: Some(10),
            error: None,
        };
        let snap = ClusterSnapshot {
            connected: true,
            brokers: [1, 2]
                .map(|id| BrokerInfo {
                    id,
                    host: "127.0.0.1".into(),
                    port: 9000 + id,
                })
                .to_vec(),
            topics: vec![TopicInfo {
                name: "orders".into(),
                partitions: vec![
                    p(0, 1, &[3, 1, 2], &[1, 2]),
                    p(1, 2, &[2, 3, 1], &[2]),
                    p(2, -1, &[3], &[]),
                    p(3, 1, &[1, 2], &[1, 2]),
                ],
                min_insync_replicas: Some(2),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut e = MetricsEngine::new(
            EngineConfig::for_interval(Duration::from_secs(1)),
            LagConfig::default(),
        );
        e.ingest(&snap)
    }

    #[test]
    fn summary_counts_every_kind_of_trouble() {
        let m = metrics();
        assert_eq!(
            render_table(&m.topics),
            "TOPIC   PARTITIONS  REPLICATION  ISR                                                   MESSAGES  MSG/S\n\
             orders  4           3            0/3 (3 under-replicated, 1 under min ISR, 1 offline)  40        -\n"
        );
    }

    #[test]
    fn partitions_needing_attention_and_down_brokers() {
        let m = metrics();
        assert_eq!(m.brokers_down, vec![3]);
        assert_eq!(
            render_partitions(&m.topics, &m.brokers_down, false),
            "\nBrokers down (holding replicas, missing from the cluster): 3\n\
             \nPartitions needing attention:\n\
             TOPIC   PARTITION  LEADER  REPLICAS  ISR  PROBLEM\n\
             orders  0          1       3,1,2     1,2  under-replicated\n\
             orders  1          2       2,3,1     2    under min ISR (1 < 2)\n\
             orders  2          none    3         -    offline\n"
        );
        let all = render_partitions(&m.topics, &m.brokers_down, true);
        assert!(all.contains("\nPartitions:\n"), "{all}");
        assert!(
            all.ends_with("orders  3          1       1,2       1,2  -\n"),
            "{all}"
        );
    }

    #[test]
    fn a_healthy_cluster_needs_no_partition_lines() {
        let mut m = metrics();
        m.topics[0].partitions.retain(|p| p.problem.is_none());
        assert_eq!(render_partitions(&m.topics, &[], false), "");
    }
}

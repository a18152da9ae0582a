//! `kaftop topics ...`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{TopicsArgs, TopicsCommand};
use crate::config::Resolved;
use crate::kafka::poller::{PollerOptions, Refresher};
use crate::kafka::topics::{ensure, Outcome};
use crate::metrics::engine::EngineConfig;
use crate::metrics::{MetricsEngine, TopicMetrics};

pub async fn run(args: TopicsArgs, cfg: &Resolved) -> Result<ExitCode> {
    match args.command {
        Some(TopicsCommand::Ensure { json }) => ensure_topics(json, cfg).await,
        None => list_topics(&args, cfg).await,
    }
}

/// Two refreshes `--interval` apart; msg/s is the high-watermark growth between them.
async fn list_topics(args: &TopicsArgs, cfg: &Resolved) -> Result<ExitCode> {
    let mut opts = PollerOptions::from_config(cfg);
    opts.include_internal = args.all;
    opts.only_groups = Some(Vec::new()); // topics only: skip the group calls
    let mut refresher = Refresher::new(cfg, opts)?;
    let mut engine = MetricsEngine::new(EngineConfig::for_interval(args.interval), cfg.lag.clone());
    let first = tokio::task::block_in_place(|| refresher.refresh());
    if !first.connected {
        anyhow::bail!("{}", first.errors.join("; "));
    }
    engine.ingest(&first);
    tokio::time::sleep(args.interval).await;
    let second = tokio::task::block_in_place(|| refresher.refresh());
    if !second.connected {
        anyhow::bail!("{}", second.errors.join("; "));
    }
    let metrics = engine.ingest(&second);
    for e in &metrics.errors {
        eprintln!("kaftop: warning: {e}");
    }
    if args.json {
        super::print_json(&metrics.topics)?;
    } else {
        print!("{}", render_table(&metrics.topics));
    }
    Ok(ExitCode::SUCCESS)
}

/// TOPIC PARTITIONS REPLICATION ISR MESSAGES MSG/S, one line per topic.
pub fn render_table(topics: &[TopicMetrics]) -> String {
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
        let isr = if t.under_replicated > 0 {
            format!(
                "{min_isr}/{} ({} under-replicated)",
                t.replication, t.under_replicated
            )
        } else {
            format!("{min_isr}/{}", t.replication)
        };
        rows.push([
            t.name.clone(),
            t.partitions.len().to_string(),
            t.replication.to_string(),
            isr,
            t.messages.to_string(),
            t.rate
                .map(|r| format!("{r:.1}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    super::table(&rows)
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
                Outcome::Created => println!(
                    "created  {} ({} partitions, replication factor {})",
                    r.topic, r.partitions, r.replication_factor
                ),
                Outcome::Exists { partitions } => {
                    println!("exists   {} ({partitions} partitions)", r.topic)
                }
                Outcome::Failed { reason } => println!("FAILED   {}: {reason}", r.topic),
            }
        }
    }
    if failed > 0 {
        eprintln!("kaftop: error: {failed} topic(s) could not be created");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

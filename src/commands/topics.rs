//! `kaftop topics ...`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{TopicsArgs, TopicsCommand};
use crate::config::Resolved;
use crate::kafka::topics::{ensure, Outcome};

pub async fn run(args: TopicsArgs, cfg: &Resolved) -> Result<ExitCode> {
    match args.command {
        Some(TopicsCommand::Ensure { json }) => ensure_topics(json, cfg).await,
        None => list_topics(&args, cfg).await,
    }
}

async fn list_topics(_args: &TopicsArgs, _cfg: &Resolved) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
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

//! `kaftop topics ...`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::TopicsCommand;
use crate::config::Resolved;
use crate::kafka::topics::{ensure, Outcome};

pub async fn run(cmd: TopicsCommand, cfg: &Resolved) -> Result<ExitCode> {
    let TopicsCommand::Ensure { json } = cmd;
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

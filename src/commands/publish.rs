//! `kaftop publish created|read|deleted` and `kaftop bulk`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::out::{note, outln};

use crate::cli::{BulkArgs, PublishCommand};
use kaftop_core::config::Resolved;
use kaftop_core::events::{
    fresh_message_id, validation, EventTime, MessageCreatedEvent, MessageDeletedEvent,
    MessageEvent, MessageReadEvent,
};
use kaftop_core::kafka::bulk::{self, BulkProgress, BulkSpec};
use kaftop_core::kafka::publisher::Publisher;

pub(super) async fn publish(cmd: PublishCommand, cfg: &Resolved) -> Result<ExitCode> {
    let now = EventTime::now();
    let (event, json) = match cmd {
        PublishCommand::Created {
            message_id,
            sender_id,
            receiver_id,
            content,
            created_at,
            json,
        } => (
            MessageEvent::Created(MessageCreatedEvent {
                message_id,
                sender_id,
                receiver_id,
                content,
                created_at: created_at.map_or(now, |w| w.or(now)),
            }),
            json,
        ),
        PublishCommand::Read {
            message_id,
            receiver_id,
            read_at,
            json,
        } => (
            MessageEvent::Read(MessageReadEvent {
                message_id,
                receiver_id,
                read_at: read_at.map_or(now, |w| w.or(now)),
            }),
            json,
        ),
        PublishCommand::Deleted {
            message_id,
            sender_id,
            receiver_id,
            deleted_at,
            json,
        } => (
            MessageEvent::Deleted(MessageDeletedEvent {
                message_id,
                sender_id,
                receiver_id,
                deleted_at: deleted_at.map_or(now, |w| w.or(now)),
            }),
            json,
        ),
    };
    let topic = cfg.topic_for(event.kind());
    let publisher = Publisher::new(cfg)?;
    tokio::task::block_in_place(|| publisher.check_topic(topic))?;
    let delivered = publisher.publish_event(topic, &event).await?;
    tracing::info!(
        topic,
        partition = delivered.partition,
        offset = delivered.offset,
        "published"
    );
    if json {
        super::print_json(&serde_json::json!({
            "topic": delivered.topic,
            "partition": delivered.partition,
            "offset": delivered.offset,
            "key": event.message_id().to_string(),
            "value": serde_json::from_str::<serde_json::Value>(&event.to_json())?,
        }))?;
    } else {
        outln(delivered.report(&event))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn bulk(args: BulkArgs, cfg: Resolved) -> Result<ExitCode> {
    let start_id = args
        .start_id
        .unwrap_or_else(|| fresh_message_id(chrono::Utc::now().timestamp_millis()));
    if let Err(e) = validation::id_range(start_id, args.count) {
        bail!("--start-id {start_id} with --count {}: {e}", args.count);
    }
    let spec = BulkSpec {
        count: args.count,
        kind: args.kind,
        rate: args.rate,
        start_id,
    };
    let progress = Arc::new(BulkProgress::default());
    let report = tokio::task::spawn_blocking(move || bulk::run(&cfg, &spec, progress))
        .await
        .context("bulk run aborted")??;
    if args.json {
        super::print_json(&report)?;
    } else {
        outln(report.summary_line())?;
        outln(report.latency_line())?;
        for line in report.failure_lines() {
            outln(format_args!("{line}"))?;
        }
    }
    if report.failed + report.unconfirmed > 0 {
        note(format_args!(
            "kaftop: error: {} of {} events were not delivered",
            report.failed + report.unconfirmed,
            report.requested
        ));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

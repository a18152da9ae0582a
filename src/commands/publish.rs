//! `kaftop publish created|read|deleted`, `kaftop publish --schema-subject` (a
//! JSON record encoded with a registry subject's schema) and `kaftop bulk`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::out::{note, outln};

use crate::cli::{BulkArgs, PublishArgs, PublishCommand, SchemaPublishArgs};
use crate::schema_publish::{self, Part, SchemaChoice};
use kaftop_core::config::Resolved;
use kaftop_core::events::{
    fresh_message_id, validation, EventTime, MessageCreatedEvent, MessageDeletedEvent,
    MessageEvent, MessageReadEvent,
};
use kaftop_core::kafka::bulk::{self, BulkProgress, BulkSpec};
use kaftop_core::kafka::publisher::Publisher;

pub(super) async fn publish(args: PublishArgs, cfg: &Resolved) -> Result<ExitCode> {
    match args.event {
        Some(event) => publish_event(event, cfg).await,
        None => publish_with_schema(args.schema, cfg).await,
    }
}

async fn publish_event(cmd: PublishCommand, cfg: &Resolved) -> Result<ExitCode> {
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

/// Encodes the value (and the key) first: a value that does not fit its schema
/// is refused before the cluster is even asked.
async fn publish_with_schema(a: SchemaPublishArgs, cfg: &Resolved) -> Result<ExitCode> {
    // clap requires these three without a subcommand.
    let (Some(topic), Some(subject), Some(value)) = (a.topic, a.schema_subject, a.value) else {
        bail!("publish needs an event (created, read, deleted) or --topic, --schema-subject and --value");
    };
    let value: serde_json::Value = serde_json::from_str(&value).context("--value is not JSON")?;
    let registry = schema_publish::registry(cfg)?;
    let choice = SchemaChoice {
        subject,
        version: a.schema_version,
        message: a.schema_message,
        key_subject: a.key_schema_subject,
        key_version: a.key_schema_version,
    };
    let encoded = tokio::task::block_in_place(|| {
        schema_publish::encode_record(&registry, &choice, a.key.as_deref(), &value)
    })
    .map_err(|r| {
        let flag = match r.part {
            Part::Subject | Part::KeySubject => "",
            Part::Value => "--value ",
            Part::Key => "--key ",
        };
        anyhow::anyhow!("{flag}{r}")
    })?;
    // Without a key subject the key is its text.
    let key_bytes = encoded
        .key
        .clone()
        .or_else(|| a.key.map(String::into_bytes));
    let value_bytes = encoded.value;
    let publisher = Publisher::new(cfg)?;
    tokio::task::block_in_place(|| publisher.check_topic(&topic))?;
    let delivered = publisher
        .publish(&topic, key_bytes.as_deref(), &[], &value_bytes)
        .await?;
    tracing::info!(
        topic,
        partition = delivered.partition,
        offset = delivered.offset,
        schema = encoded.schema.describe(),
        "published with a schema"
    );
    if a.json {
        super::print_json(&serde_json::json!({
            "topic": delivered.topic,
            "partition": delivered.partition,
            "offset": delivered.offset,
            "schema": encoded.schema,
            "value": value,
        }))?;
    } else {
        outln(format_args!(
            "Delivered to {} partition {} offset {} ({})",
            delivered.topic,
            delivered.partition,
            delivered.offset,
            encoded.schema.describe()
        ))?;
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

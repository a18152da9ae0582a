//! `kaftop publish created|read|deleted`, `kaftop publish --schema-subject` (a
//! JSON record encoded with a registry subject's schema) and `kaftop bulk`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::out::{note, outln};

use crate::cli::{BulkArgs, PublishArgs, PublishCommand, SchemaPublishArgs};
use crate::registry::HttpRegistry;
use kaftop_core::config::Resolved;
use kaftop_core::events::{
    fresh_message_id, validation, EventTime, MessageCreatedEvent, MessageDeletedEvent,
    MessageEvent, MessageReadEvent,
};
use kaftop_core::kafka::bulk::{self, BulkProgress, BulkSpec};
use kaftop_core::kafka::publisher::Publisher;
use kaftop_core::schema::Encoder;

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
    let registry = registry(cfg)?;
    let encoder = tokio::task::block_in_place(|| {
        encoder_for(
            &registry,
            &subject,
            a.schema_version,
            a.schema_message.as_deref(),
        )
    })?;
    let value_bytes = encoder
        .encode(&value)
        .with_context(|| format!("--value does not fit {}", encoder.info().describe()))?;
    let key_bytes =
        match (&a.key, &a.key_schema_subject) {
            (None, _) => None,
            (Some(k), None) => Some(k.clone().into_bytes()),
            (Some(k), Some(key_subject)) => {
                let key: serde_json::Value = serde_json::from_str(k)
                    .context("--key is not JSON (with --key-schema-subject)")?;
                let key_encoder = tokio::task::block_in_place(|| {
                    encoder_for(&registry, key_subject, a.key_schema_version, None)
                })?;
                Some(key_encoder.encode(&key).with_context(|| {
                    format!("--key does not fit {}", key_encoder.info().describe())
                })?)
            }
        };
    let publisher = Publisher::new(cfg)?;
    tokio::task::block_in_place(|| publisher.check_topic(&topic))?;
    let delivered = publisher
        .publish(&topic, key_bytes.as_deref(), &[], &value_bytes)
        .await?;
    tracing::info!(
        topic,
        partition = delivered.partition,
        offset = delivered.offset,
        schema = encoder.info().describe(),
        "published with a schema"
    );
    if a.json {
        super::print_json(&serde_json::json!({
            "topic": delivered.topic,
            "partition": delivered.partition,
            "offset": delivered.offset,
            "schema": encoder.info(),
            "value": value,
        }))?;
    } else {
        outln(format_args!(
            "Delivered to {} partition {} offset {} ({})",
            delivered.topic,
            delivered.partition,
            delivered.offset,
            encoder.info().describe()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The profile's registry, or why there is none.
fn registry(cfg: &Resolved) -> Result<HttpRegistry> {
    let settings = cfg.registry.as_ref();
    match settings.and_then(|s| s.url.as_deref().map(|url| (s, url))) {
        Some((settings, url)) => HttpRegistry::new(settings, url),
        None => bail!(
            "--schema-subject needs a schema registry: profile {} has no [registry] url",
            cfg.profile
        ),
    }
}

fn encoder_for(
    registry: &HttpRegistry,
    subject: &str,
    version: Option<i32>,
    message: Option<&str>,
) -> Result<Encoder> {
    Encoder::new(registry, subject, version, message)
        .with_context(|| format!("schema subject {subject}"))
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

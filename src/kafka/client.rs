//! Client configuration shared by every producer, consumer and admin client.

use std::time::Duration;

use rdkafka::client::{Client, ClientContext};
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::KafkaError as RdError;

use crate::config::Resolved;

#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    #[error("cannot reach the cluster at {bootstrap}: {reason}")]
    Unreachable { bootstrap: String, reason: String },
    #[error("topic `{0}` does not exist (create it with `kaftop topics ensure`)")]
    MissingTopic(String),
    #[error("{context}: {source}")]
    Client {
        context: &'static str,
        #[source]
        source: RdError,
    },
}

impl KafkaError {
    pub fn client(context: &'static str) -> impl FnOnce(RdError) -> KafkaError {
        move |source| KafkaError::Client { context, source }
    }
}

/// How long a metadata request may take before the cluster counts as unreachable.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// The base librdkafka configuration of a profile: bootstrap servers, security and
/// passed-through properties. Callers add what their role needs.
pub fn base_config(cfg: &Resolved) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cfg.bootstrap_servers)
        .set("client.id", "kaftop")
        // Give up on a dead cluster in seconds, not librdkafka's default minutes.
        .set("socket.connection.setup.timeout.ms", "10000");
    for (k, v) in &cfg.properties {
        c.set(k, v.value());
    }
    // librdkafka's own log lines go through the `log` facade into our log file.
    c.set_log_level(RDKafkaLogLevel::Warning);
    c
}

/// Asks for metadata of `topics` (or of the cluster when empty) and checks that each
/// topic exists. Fails fast with a one-line reason when the cluster is unreachable.
pub fn require_topics<C: ClientContext>(
    client: &Client<C>,
    bootstrap: &str,
    topics: &[&str],
) -> Result<(), KafkaError> {
    let unreachable = |e: RdError| KafkaError::Unreachable {
        bootstrap: bootstrap.to_string(),
        reason: describe(&e),
    };
    if topics.is_empty() {
        client
            .fetch_metadata(None, METADATA_TIMEOUT)
            .map_err(unreachable)?;
        return Ok(());
    }
    for topic in topics {
        let md = client
            .fetch_metadata(Some(topic), METADATA_TIMEOUT)
            .map_err(unreachable)?;
        let present = md
            .topics()
            .iter()
            .any(|t| t.name() == *topic && t.error().is_none() && !t.partitions().is_empty());
        if !present {
            return Err(KafkaError::MissingTopic(topic.to_string()));
        }
    }
    Ok(())
}

/// A short reason for a librdkafka error, without the `Meta data fetch error:` noise.
pub fn describe(e: &RdError) -> String {
    match e.rdkafka_error_code() {
        Some(code) => code.to_string(),
        None => e.to_string(),
    }
}

//! `kaftop topics ensure`: create the service's topics (and their dead-letter
//! topics) when they are missing.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;
use serde::Serialize;

use super::admin::Admin;
use super::client::{base_config, fetch_metadata, KafkaError, KaftopContext, METADATA_TIMEOUT};
use crate::config::{Resolved, TopicSpec};
use crate::events::dlq_topic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Exists { partitions: usize },
    Failed { reason: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct EnsureResult {
    pub topic: String,
    pub partitions: i32,
    pub replication_factor: i32,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The topics the service needs: the three event topics and their DLQs, which
/// share their source topic's partitions and replication factor.
pub fn wanted_topics(cfg: &Resolved) -> Vec<TopicSpec> {
    cfg.topics
        .all()
        .into_iter()
        .flat_map(|t| {
            let dlq = TopicSpec {
                name: dlq_topic(&t.name),
                ..t.clone()
            };
            [t.clone(), dlq]
        })
        .collect()
}

pub fn admin_client(cfg: &Resolved) -> Result<AdminClient<KaftopContext>, KafkaError> {
    base_config(cfg)
        .create_with_context(KaftopContext::default())
        .map_err(KafkaError::client("creating admin client"))
}

/// Creates every wanted topic that does not exist yet; never alters existing ones.
pub async fn ensure(cfg: &Resolved) -> Result<Vec<EnsureResult>, KafkaError> {
    // Metadata through kaftop's own admin handle, which sees librdkafka's errors
    // (an AdminClient never serves them) and so names a refused password or an
    // untrusted certificate. Metadata calls block: off the async runtime's workers.
    let md = tokio::task::block_in_place(|| {
        let probe = Admin::from_resolved(cfg).map_err(|e| KafkaError::Unreachable {
            bootstrap: cfg.bootstrap_servers.clone(),
            reason: e.to_string(),
        })?;
        fetch_metadata(
            probe.client(),
            probe.diagnosis(),
            &cfg.bootstrap_servers,
            None,
            &|| probe.serve_events(),
        )
    })?;
    let admin = admin_client(cfg)?;
    let wanted = wanted_topics(cfg);
    let existing: std::collections::HashMap<&str, usize> = md
        .topics()
        .iter()
        .map(|t| (t.name(), t.partitions().len()))
        .collect();

    let missing: Vec<&TopicSpec> = wanted
        .iter()
        .filter(|t| !existing.contains_key(t.name.as_str()))
        .collect();
    let new_topics: Vec<NewTopic> = missing
        .iter()
        .map(|t| {
            NewTopic::new(
                &t.name,
                t.partitions,
                TopicReplication::Fixed(t.replication_factor),
            )
        })
        .collect();
    let mut created = std::collections::HashMap::new();
    if !new_topics.is_empty() {
        let opts = AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT));
        let results = admin
            .create_topics(&new_topics, &opts)
            .await
            .map_err(KafkaError::client("creating topics"))?;
        for r in results {
            match r {
                Ok(name) => {
                    created.insert(name, Outcome::Created);
                }
                // Created by someone else in the meantime: that is what we wanted.
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    created.insert(name, Outcome::Exists { partitions: 0 });
                }
                Err((name, code)) => {
                    created.insert(
                        name,
                        Outcome::Failed {
                            reason: code.to_string(),
                        },
                    );
                }
            }
        }
    }

    let fresh: Vec<(&str, usize)> = wanted
        .iter()
        .filter(|t| matches!(created.get(&t.name), Some(Outcome::Created)))
        .map(|t| (t.name.as_str(), t.partitions.max(0) as usize))
        .collect();
    tokio::task::block_in_place(|| wait_until_led(admin.inner(), &fresh));

    Ok(wanted
        .into_iter()
        .map(|t| {
            let outcome = match existing.get(t.name.as_str()) {
                Some(&partitions) => Outcome::Exists { partitions },
                None => created.remove(&t.name).unwrap_or(Outcome::Failed {
                    reason: "no result from the broker".into(),
                }),
            };
            EnsureResult {
                topic: t.name,
                partitions: t.partitions,
                replication_factor: t.replication_factor,
                outcome,
            }
        })
        .collect())
}

/// Waits (at most [`METADATA_TIMEOUT`]) until every topic in `topics` (name,
/// partitions) shows in metadata with a leader for each partition. Kafka answers
/// CreateTopics before every broker's metadata has the topic, and a producer asked
/// right after would be told it does not exist.
pub(crate) fn wait_until_led<C: rdkafka::client::ClientContext>(
    client: &rdkafka::client::Client<C>,
    topics: &[(&str, usize)],
) {
    if topics.is_empty() {
        return;
    }
    let deadline = std::time::Instant::now() + METADATA_TIMEOUT;
    while std::time::Instant::now() < deadline {
        let ready = client
            .fetch_metadata(None, METADATA_TIMEOUT)
            .map(|md| {
                topics.iter().all(|(name, partitions)| {
                    md.topics().iter().any(|t| {
                        t.name() == *name
                            && t.error().is_none()
                            && t.partitions().len() == *partitions
                            && t.partitions().iter().all(|p| p.leader() >= 0)
                    })
                })
            })
            .unwrap_or(false);
        if ready {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tracing::warn!(?topics, "created topics not in metadata yet");
}

/// Reads `min.insync.replicas` of topics with one batched DescribeConfigs request,
/// from the caller's (blocking) thread. The admin client and its runtime are made on
/// first use: a healthy cluster never needs them.
pub struct MinIsrReader {
    cfg: Resolved,
    client: Option<(AdminClient<KaftopContext>, tokio::runtime::Runtime)>,
}

impl Drop for MinIsrReader {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio refuses on an async worker (where
        // `kaftop topics` drops its refresher); nothing runs on it between calls.
        if let Some((_, rt)) = self.client.take() {
            rt.shutdown_background();
        }
    }
}

impl MinIsrReader {
    pub fn new(cfg: &Resolved) -> Self {
        MinIsrReader {
            cfg: cfg.clone(),
            client: None,
        }
    }

    /// Sets `min_insync_replicas` of the topics with under-replicated partitions (the
    /// only ones where it matters); the others are left alone. Returns the requests
    /// made (none while every partition is fully replicated) and what failed.
    pub fn fill(
        &mut self,
        topics: &mut [super::snapshot::TopicInfo],
        timeout: std::time::Duration,
    ) -> (u64, Vec<String>) {
        let wanted: Vec<String> = topics
            .iter()
            .filter(|t| {
                t.partitions
                    .iter()
                    .any(super::snapshot::PartitionInfo::under_replicated)
            })
            .map(|t| t.name.clone())
            .collect();
        if wanted.is_empty() {
            return (0, Vec::new());
        }
        let names: Vec<&str> = wanted.iter().map(String::as_str).collect();
        match self.read(&names, timeout) {
            Ok((found, errors)) => {
                for t in topics.iter_mut() {
                    t.min_insync_replicas = found.get(&t.name).copied();
                }
                (1, errors)
            }
            Err(e) => (1, vec![format!("min.insync.replicas: {e}")]),
        }
    }

    /// `min.insync.replicas` per topic; a topic the cluster would not describe is
    /// missing from the map (its error in the second value).
    pub fn read(
        &mut self,
        topics: &[&str],
        timeout: std::time::Duration,
    ) -> Result<(std::collections::HashMap<String, i32>, Vec<String>), KafkaError> {
        let mut found = std::collections::HashMap::new();
        let mut errors = Vec::new();
        if topics.is_empty() {
            return Ok((found, errors));
        }
        if self.client.is_none() {
            let admin = admin_client(&self.cfg)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .map_err(|e| KafkaError::Unreachable {
                    bootstrap: self.cfg.bootstrap_servers.clone(),
                    reason: format!("cannot start a runtime for DescribeConfigs: {e}"),
                })?;
            self.client = Some((admin, rt));
        }
        let Some((admin, rt)) = &self.client else {
            return Ok((found, errors));
        };
        let specs: Vec<ResourceSpecifier<'_>> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let opts = AdminOptions::new().request_timeout(Some(timeout));
        let results = rt
            .block_on(admin.describe_configs(&specs, &opts))
            .map_err(KafkaError::client("describing topic configs"))?;
        for (topic, r) in topics.iter().zip(results) {
            match r {
                Ok(res) => {
                    let value = res
                        .get("min.insync.replicas")
                        .and_then(|e| e.value.as_deref())
                        .and_then(|v| v.parse().ok());
                    if let Some(v) = value {
                        found.insert(topic.to_string(), v);
                    }
                }
                Err(code) => errors.push(format!("min.insync.replicas of {topic}: {code}")),
            }
        }
        Ok((found, errors))
    }
}

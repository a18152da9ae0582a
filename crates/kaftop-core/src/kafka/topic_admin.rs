//! Topic administration: create, delete, add partitions, describe and change a
//! topic's configs. The CLI calls these today and the TUI's dialogs will call the
//! same functions: the changes that need a look first come as a plan
//! ([`TopicAdmin::plan_partitions`], [`TopicAdmin::plan_config`]) that is shown, then
//! carried out.
//!
//! rdkafka 0.39 wraps CreateTopics, DeleteTopics, CreatePartitions and
//! DescribeConfigs; config changes go through kaftop's own IncrementalAlterConfigs
//! ([`Admin::alter_topic_configs`]), which changes only the configs named and
//! passes the broker's reason for a refusal through (rdkafka's whole-set
//! AlterConfigs would also drop the topic's other overrides, and reports no
//! per-topic error).

use rdkafka::admin::{
    AdminClient, AdminOptions, ConfigSource, NewPartitions, NewTopic, ResourceSpecifier,
    TopicReplication,
};
use rdkafka::metadata::Metadata;
use rdkafka::types::RDKafkaErrorCode;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::client::{fetch_metadata, KafkaError, KaftopContext, METADATA_TIMEOUT};
use super::topics::{admin_client, wait_until_led};
use crate::config::Resolved;

/// Why a topic operation did not happen. The broker's own refusals keep its code.
#[derive(Debug, thiserror::Error)]
pub enum TopicAdminError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("topic `{0}` already exists")]
    TopicExists(String),
    #[error("topic `{0}` does not exist")]
    UnknownTopic(String),
    #[error(
        "replication factor {requested} is larger than the {brokers} broker(s) of the cluster"
    )]
    ReplicationFactorTooLarge { requested: i32, brokers: usize },
    #[error("topic `{topic}` has {current} partition(s) already: --to must be more than that (Kafka cannot remove partitions)")]
    NotMorePartitions {
        topic: String,
        current: usize,
        requested: usize,
    },
    #[error("`{name}` is not a topic config (topic `{topic}`)")]
    UnknownConfig { topic: String, name: String },
    #[error("`{name}` is both set and deleted")]
    SetAndDeleted { name: String },
    /// The broker's code, and its own message where the protocol carries one.
    #[error("the broker refused to {action} `{topic}`: {reason}")]
    Refused {
        action: &'static str,
        topic: String,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    /// Topic configs, in the order given.
    pub configs: Vec<(String, String)>,
}

/// Growing a topic to `to` partitions from `current`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionsPlan {
    pub topic: String,
    pub current: usize,
    pub to: usize,
}

/// Where a config's value comes from, as the broker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Set on the topic.
    Topic,
    /// A dynamic config of this broker.
    Broker,
    /// The cluster-wide dynamic broker default.
    ClusterDefault,
    /// The broker's server.properties.
    StaticBroker,
    /// Kafka's built-in default.
    Default,
    Unknown,
}

impl Source {
    fn from_rdkafka(s: &ConfigSource) -> Source {
        match s {
            ConfigSource::DynamicTopic => Source::Topic,
            ConfigSource::DynamicBroker => Source::Broker,
            ConfigSource::DynamicDefaultBroker => Source::ClusterDefault,
            ConfigSource::StaticBroker => Source::StaticBroker,
            ConfigSource::Default => Source::Default,
            _ => Source::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Topic => "topic",
            Source::Broker => "broker",
            Source::ClusterDefault => "cluster default",
            Source::StaticBroker => "broker config file",
            Source::Default => "default",
            Source::Unknown => "unknown",
        }
    }
}

/// One config of a topic. `value` is `None` when the broker marks it sensitive (it
/// never sends those) or has no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicConfig {
    pub name: String,
    pub value: Option<String>,
    pub source: Source,
    pub is_default: bool,
    pub sensitive: bool,
    pub read_only: bool,
}

/// What to change in a topic's configs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChange {
    pub set: Vec<(String, String)>,
    pub delete: Vec<String>,
}

/// One config as a plan changes it: `before`/`after` are the topic's own values
/// (`None`: not set on the topic, so the broker's or Kafka's default applies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigEdit {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A config change checked against the topic: each config's value before and
/// after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigPlan {
    pub topic: String,
    pub edits: Vec<ConfigEdit>,
}

/// A connection for topic administration.
pub struct TopicAdmin {
    cfg: Resolved,
    admin: AdminClient<KaftopContext>,
    /// kaftop's own handle: metadata with diagnosis, IncrementalAlterConfigs.
    probe: Admin,
}

impl TopicAdmin {
    pub fn new(cfg: &Resolved) -> Result<TopicAdmin, TopicAdminError> {
        let probe = Admin::from_resolved(cfg).map_err(|e| KafkaError::Unreachable {
            bootstrap: cfg.bootstrap_servers.clone(),
            reason: e.to_string(),
        })?;
        Ok(TopicAdmin {
            cfg: cfg.clone(),
            admin: admin_client(cfg)?,
            probe,
        })
    }

    fn opts() -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(METADATA_TIMEOUT))
            .operation_timeout(Some(METADATA_TIMEOUT))
    }

    /// The cluster's metadata, through kaftop's own admin handle, which names a
    /// refused password or an untrusted certificate. Blocks: off the async workers.
    fn metadata(&self) -> Result<Metadata, TopicAdminError> {
        let probe = &self.probe;
        Ok(tokio::task::block_in_place(|| {
            fetch_metadata(
                probe.client(),
                probe.diagnosis(),
                &self.cfg.bootstrap_servers,
                None,
                &|| probe.serve_events(),
            )
        })?)
    }

    /// The partition count of `topic`, if it exists.
    fn partitions_of(md: &Metadata, topic: &str) -> Option<usize> {
        md.topics()
            .iter()
            .find(|t| t.name() == topic && t.error().is_none())
            .map(|t| t.partitions().len())
    }

    /// Creates a topic and waits until every partition has a leader.
    pub async fn create(&self, spec: &NewTopicSpec) -> Result<(), TopicAdminError> {
        let md = self.metadata()?;
        if Self::partitions_of(&md, &spec.name).is_some() {
            return Err(TopicAdminError::TopicExists(spec.name.clone()));
        }
        let brokers = md.brokers().len();
        if spec.replication_factor > 0 && spec.replication_factor as usize > brokers {
            return Err(TopicAdminError::ReplicationFactorTooLarge {
                requested: spec.replication_factor,
                brokers,
            });
        }
        let mut topic = NewTopic::new(
            &spec.name,
            spec.partitions,
            TopicReplication::Fixed(spec.replication_factor),
        );
        for (k, v) in &spec.configs {
            topic = topic.set(k, v);
        }
        let results = self
            .admin
            .create_topics([&topic], &Self::opts())
            .await
            .map_err(KafkaError::client("creating a topic"))?;
        for r in results {
            match r {
                Ok(_) => {}
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    return Err(TopicAdminError::TopicExists(name))
                }
                Err((topic, code)) => {
                    return Err(TopicAdminError::Refused {
                        action: "create topic",
                        topic,
                        reason: code.to_string(),
                        code: Some(code),
                    })
                }
            }
        }
        let wanted = [(spec.name.as_str(), spec.partitions.max(0) as usize)];
        tokio::task::block_in_place(|| wait_until_led(self.admin.inner(), &wanted));
        Ok(())
    }

    /// Deletes a topic and all its records.
    pub async fn delete(&self, topic: &str) -> Result<(), TopicAdminError> {
        let md = self.metadata()?;
        if Self::partitions_of(&md, topic).is_none() {
            return Err(TopicAdminError::UnknownTopic(topic.to_string()));
        }
        let results = self
            .admin
            .delete_topics(&[topic], &Self::opts())
            .await
            .map_err(KafkaError::client("deleting a topic"))?;
        for r in results {
            match r {
                Ok(_) => {}
                Err((name, RDKafkaErrorCode::UnknownTopicOrPartition)) => {
                    return Err(TopicAdminError::UnknownTopic(name))
                }
                Err((topic, code)) => {
                    return Err(TopicAdminError::Refused {
                        action: "delete topic",
                        topic,
                        reason: code.to_string(),
                        code: Some(code),
                    })
                }
            }
        }
        Ok(())
    }

    /// Checks that `topic` exists and has fewer than `to` partitions.
    pub fn plan_partitions(
        &self,
        topic: &str,
        to: usize,
    ) -> Result<PartitionsPlan, TopicAdminError> {
        let md = self.metadata()?;
        let current = Self::partitions_of(&md, topic)
            .ok_or_else(|| TopicAdminError::UnknownTopic(topic.to_string()))?;
        if to <= current {
            return Err(TopicAdminError::NotMorePartitions {
                topic: topic.to_string(),
                current,
                requested: to,
            });
        }
        Ok(PartitionsPlan {
            topic: topic.to_string(),
            current,
            to,
        })
    }

    /// Grows the topic as planned and waits until the new partitions have leaders.
    pub async fn add_partitions(&self, plan: &PartitionsPlan) -> Result<(), TopicAdminError> {
        let new = NewPartitions::new(&plan.topic, plan.to);
        let results = self
            .admin
            .create_partitions([&new], &Self::opts())
            .await
            .map_err(KafkaError::client("adding partitions"))?;
        for r in results {
            if let Err((topic, code)) = r {
                return Err(match code {
                    RDKafkaErrorCode::UnknownTopicOrPartition => {
                        TopicAdminError::UnknownTopic(topic)
                    }
                    code => TopicAdminError::Refused {
                        action: "add partitions to",
                        topic,
                        reason: code.to_string(),
                        code: Some(code),
                    },
                });
            }
        }
        let wanted = [(plan.topic.as_str(), plan.to)];
        tokio::task::block_in_place(|| wait_until_led(self.admin.inner(), &wanted));
        Ok(())
    }

    /// Every config of `topic` with its value and source, sorted by name.
    pub async fn describe_config(&self, topic: &str) -> Result<Vec<TopicConfig>, TopicAdminError> {
        // The broker describes an unknown topic as one without configs: ask first.
        if Self::partitions_of(&self.metadata()?, topic).is_none() {
            return Err(TopicAdminError::UnknownTopic(topic.to_string()));
        }
        let results = self
            .admin
            .describe_configs([&ResourceSpecifier::Topic(topic)], &Self::opts())
            .await
            .map_err(KafkaError::client("describing topic configs"))?;
        let Some(result) = results.into_iter().next() else {
            return Err(TopicAdminError::UnknownTopic(topic.to_string()));
        };
        let resource = result.map_err(|code| match code {
            RDKafkaErrorCode::UnknownTopicOrPartition => {
                TopicAdminError::UnknownTopic(topic.to_string())
            }
            code => TopicAdminError::Refused {
                action: "describe the configs of",
                topic: topic.to_string(),
                reason: code.to_string(),
                code: Some(code),
            },
        })?;
        let mut configs: Vec<TopicConfig> = resource
            .entries
            .into_iter()
            .map(|e| TopicConfig {
                source: Source::from_rdkafka(&e.source),
                value: if e.is_sensitive { None } else { e.value },
                name: e.name,
                is_default: e.is_default,
                sensitive: e.is_sensitive,
                read_only: e.is_read_only,
            })
            .collect();
        configs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(configs)
    }

    /// Checks `change` against the topic's configs and computes the overrides to
    /// write.
    pub async fn plan_config(
        &self,
        topic: &str,
        change: &ConfigChange,
    ) -> Result<ConfigPlan, TopicAdminError> {
        let current = self.describe_config(topic).await?;
        plan_config(topic, &current, change)
    }

    /// Changes the configs as planned (only those; the others stay).
    pub fn alter_config(&self, plan: &ConfigPlan) -> Result<(), TopicAdminError> {
        let changes: Vec<(String, Option<String>)> = plan
            .edits
            .iter()
            .map(|e| (e.name.clone(), e.after.clone()))
            .collect();
        tokio::task::block_in_place(|| {
            self.probe
                .alter_topic_configs(&plan.topic, &changes, METADATA_TIMEOUT)
        })
        .map_err(|e| match e {
            AdminError::Request {
                code: Some(RDKafkaErrorCode::UnknownTopicOrPartition),
                ..
            } => TopicAdminError::UnknownTopic(plan.topic.clone()),
            AdminError::Request { code, reason, .. } => TopicAdminError::Refused {
                action: "alter the configs of",
                topic: plan.topic.clone(),
                code,
                reason,
            },
            AdminError::Create(reason) => TopicAdminError::Kafka(KafkaError::Unreachable {
                bootstrap: self.cfg.bootstrap_servers.clone(),
                reason,
            }),
        })
    }
}

/// [`TopicAdmin::plan_config`] on configs already described.
pub fn plan_config(
    topic: &str,
    current: &[TopicConfig],
    change: &ConfigChange,
) -> Result<ConfigPlan, TopicAdminError> {
    let known = |name: &str| current.iter().any(|c| c.name == name);
    for name in change.set.iter().map(|(k, _)| k).chain(&change.delete) {
        if !known(name) {
            return Err(TopicAdminError::UnknownConfig {
                topic: topic.to_string(),
                name: name.clone(),
            });
        }
    }
    if let Some(name) = change
        .delete
        .iter()
        .find(|d| change.set.iter().any(|(k, _)| k == *d))
    {
        return Err(TopicAdminError::SetAndDeleted { name: name.clone() });
    }
    let own = |name: &str| {
        current
            .iter()
            .find(|c| c.name == name && c.source == Source::Topic)
            .and_then(|c| c.value.clone())
    };
    let mut edits: Vec<ConfigEdit> = change
        .set
        .iter()
        .map(|(k, v)| ConfigEdit {
            name: k.clone(),
            before: own(k),
            after: Some(v.clone()),
        })
        .collect();
    edits.extend(change.delete.iter().map(|k| ConfigEdit {
        name: k.clone(),
        before: own(k),
        after: None,
    }));
    Ok(ConfigPlan {
        topic: topic.to_string(),
        edits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, value: &str, source: Source) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            value: Some(value.into()),
            source,
            is_default: source == Source::Default,
            sensitive: false,
            read_only: false,
        }
    }

    fn current() -> Vec<TopicConfig> {
        vec![
            config("cleanup.policy", "compact", Source::Topic),
            config("retention.ms", "60000", Source::Topic),
            config("segment.bytes", "1073741824", Source::Default),
        ]
    }

    #[test]
    fn a_plan_names_each_value_before_and_after() {
        let change = ConfigChange {
            set: vec![("segment.bytes".into(), "1048576".into())],
            delete: vec!["retention.ms".into()],
        };
        let plan = plan_config("t", &current(), &change).unwrap();
        assert_eq!(
            plan.edits,
            vec![
                ConfigEdit {
                    name: "segment.bytes".into(),
                    before: None,
                    after: Some("1048576".into()),
                },
                ConfigEdit {
                    name: "retention.ms".into(),
                    before: Some("60000".into()),
                    after: None,
                },
            ]
        );
    }

    #[test]
    fn unknown_and_contradictory_names_refuse() {
        let change = ConfigChange {
            set: vec![("retention.mss".into(), "1".into())],
            delete: vec![],
        };
        let e = plan_config("t", &current(), &change).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`retention.mss` is not a topic config (topic `t`)"
        );
        let both = ConfigChange {
            set: vec![("retention.ms".into(), "1".into())],
            delete: vec!["retention.ms".into()],
        };
        let e = plan_config("t", &current(), &both).unwrap_err();
        assert_eq!(e.to_string(), "`retention.ms` is both set and deleted");
    }
}

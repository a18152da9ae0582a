//! The file model: the TOML file as written (the serde structs), and reading and
//! parsing it with errors that name the key path and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::secrets::{is_secret_property, mask_opt};
use super::ConfigError;

/// The file as written. Unknown keys are errors (a typo must not be silently ignored),
/// except inside `properties`, which passes any librdkafka property through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub topics: TopicsConfig,
    #[serde(default)]
    pub services: ServicesConfig,
    /// `kaftop serve`: where it listens, its request timeout and bearer token.
    #[serde(default)]
    pub serve: super::serve::ServeFileConfig,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// Dashboard key bindings: action name → key or keys (`quit = ["q", "ctrl-q"]`).
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    /// Dashboard colours: `name = "light"`, role → colour (`warn = "magenta"`).
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
}

/// One key (`"q"`) or several (`["q", "ctrl-q"]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub bootstrap_servers: String,
    #[serde(default, with = "humantime_serde")]
    pub poll_interval: Option<Duration>,
    #[serde(default)]
    pub security: SecurityConfig,
    /// Any librdkafka property, passed through verbatim (e.g. `"client.id" = "x"`).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    #[serde(default)]
    pub lag: LagConfig,
    /// Replaces the top-level `[topics]` for this cluster (e.g. replication factor 3).
    #[serde(default)]
    pub topics: Option<TopicsConfig>,
    /// Overrides the top-level `data_dir` for this cluster.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Read-only mode: kaftop refuses every change to this cluster (publishing,
    /// bulk tests, services that commit, creating topics, ...).
    #[serde(default)]
    pub read_only: bool,
    /// The schema registry and local schema files that decode records.
    #[serde(default)]
    pub registry: super::registry::RegistryConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`.
    pub protocol: Option<String>,
    /// `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`, `GSSAPI` or `OAUTHBEARER`.
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    /// Discouraged: prefer `sasl_password_env`.
    #[serde(serialize_with = "mask_opt")]
    pub sasl_password: Option<String>,
    /// Name of the environment variable holding the SASL password.
    pub sasl_password_env: Option<String>,
    pub ssl_ca_location: Option<PathBuf>,
    pub ssl_certificate_location: Option<PathBuf>,
    pub ssl_key_location: Option<PathBuf>,
    #[serde(serialize_with = "mask_opt")]
    pub ssl_key_password: Option<String>,
    /// Name of the environment variable holding the SSL key password.
    pub ssl_key_password_env: Option<String>,
    /// `[security.oauthbearer]`: where an OAUTHBEARER token comes from.
    pub oauthbearer: Option<super::oauth::OauthBearerConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LagConfig {
    /// Total lag (messages) over which a group is alerting, unless listed in `groups`.
    #[serde(default = "default_lag_threshold")]
    pub default_threshold: u64,
    /// Per-group thresholds: `"notification-service-group" = 500`.
    #[serde(default)]
    pub groups: BTreeMap<String, u64>,
    /// Time lag over which a group is alerting, unless listed in `max_time_lag`.
    #[serde(default, with = "humantime_serde")]
    pub default_max_time_lag: Option<Duration>,
    /// Per-group time-lag thresholds: `"notification-service-group" = "5m"`.
    #[serde(default)]
    pub max_time_lag: BTreeMap<String, humantime_serde::Serde<Duration>>,
    /// How long a partition's committed offset may stand still, while its log grows
    /// and the group's other partitions move, before it is STUCK.
    #[serde(default = "default_stuck_after", with = "humantime_serde")]
    pub stuck_after: Duration,
}

fn default_lag_threshold() -> u64 {
    1000
}

fn default_stuck_after() -> Duration {
    Duration::from_secs(60)
}

impl Default for LagConfig {
    fn default() -> Self {
        LagConfig {
            default_threshold: default_lag_threshold(),
            groups: BTreeMap::new(),
            default_max_time_lag: None,
            max_time_lag: BTreeMap::new(),
            stuck_after: default_stuck_after(),
        }
    }
}

impl LagConfig {
    pub fn threshold_for(&self, group: &str) -> u64 {
        self.groups
            .get(group)
            .copied()
            .unwrap_or(self.default_threshold)
    }

    /// The time lag over which `group` is alerting, if one is configured.
    pub fn max_time_lag_for(&self, group: &str) -> Option<Duration> {
        self.max_time_lag
            .get(group)
            .map(|d| **d)
            .or(self.default_max_time_lag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    #[serde(default = "default_partitions")]
    pub partitions: i32,
    #[serde(default = "default_replication")]
    pub replication_factor: i32,
}

fn default_partitions() -> i32 {
    3
}
fn default_replication() -> i32 {
    1
}

impl TopicSpec {
    fn named(name: &str) -> Self {
        TopicSpec {
            name: name.to_string(),
            partitions: default_partitions(),
            replication_factor: default_replication(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicsConfig {
    #[serde(default = "default_created")]
    pub created: TopicSpec,
    #[serde(default = "default_read")]
    pub read: TopicSpec,
    #[serde(default = "default_deleted")]
    pub deleted: TopicSpec,
}

fn default_created() -> TopicSpec {
    TopicSpec::named(crate::events::TOPIC_CREATED)
}
fn default_read() -> TopicSpec {
    TopicSpec::named(crate::events::TOPIC_READ)
}
fn default_deleted() -> TopicSpec {
    TopicSpec::named(crate::events::TOPIC_DELETED)
}

impl Default for TopicsConfig {
    fn default() -> Self {
        TopicsConfig {
            created: default_created(),
            read: default_read(),
            deleted: default_deleted(),
        }
    }
}

impl TopicsConfig {
    pub fn all(&self) -> [&TopicSpec; 3] {
        [&self.created, &self.read, &self.deleted]
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesConfig {
    /// Users whose messages the services handle first and flag (the seed's VIP filter).
    #[serde(default)]
    pub vip_user_ids: Vec<i64>,
    /// Consumers per service group in one process.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Where the services keep their effects: unset for a SQLite file in the data
    /// dir, or a `postgres://user@host:port/db` URL (without a password) shared by
    /// every instance in the same groups.
    #[serde(default)]
    pub store: Option<String>,
    /// The environment variable holding the PostgreSQL password.
    #[serde(default)]
    pub store_password_env: Option<String>,
    /// How long each table keeps its rows.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// The zone the events' local times are written in (`local`, `UTC`, `+09:00`):
    /// the Services view's "today".
    #[serde(default)]
    pub zone: Option<String>,
    /// `[services.notifier]`: HTTP delivery of the pushes.
    #[serde(default)]
    pub notifier: super::notifier::NotifierConfig,
}

/// `[services.retention]`: per table, how long a row is kept after it was stored.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    #[serde(default, with = "humantime_serde")]
    pub message_index: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub outbox: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub receipts: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub daily: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub dedupe: Option<Duration>,
}

impl RetentionConfig {
    /// The configured retention, defaults for what is not set.
    pub fn resolve(&self) -> super::Retention {
        let d = super::Retention::default();
        super::Retention {
            message_index: self.message_index.unwrap_or(d.message_index),
            outbox: self.outbox.unwrap_or(d.outbox),
            receipts: self.receipts.unwrap_or(d.receipts),
            daily: self.daily.unwrap_or(d.daily),
            dedupe: self.dedupe.unwrap_or(d.dedupe),
        }
    }
}

fn default_concurrency() -> u32 {
    1
}

impl Default for ServicesConfig {
    fn default() -> Self {
        ServicesConfig {
            vip_user_ids: Vec::new(),
            concurrency: default_concurrency(),
            store: None,
            store_password_env: None,
            retention: RetentionConfig::default(),
            zone: None,
            notifier: super::notifier::NotifierConfig::default(),
        }
    }
}

impl FileConfig {
    /// The configuration of no file: the built-in defaults.
    pub(super) fn empty() -> FileConfig {
        FileConfig {
            default_profile: None,
            data_dir: None,
            topics: TopicsConfig::default(),
            services: ServicesConfig::default(),
            serve: super::serve::ServeFileConfig::default(),
            profiles: BTreeMap::new(),
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
        }
    }
}

/// Reads and parses one file; syntax and type errors name the key path.
pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.display().to_string(),
        source,
    })?;
    parse_str(&text, &path.display().to_string())
}

/// Parses `text`, the contents of the file named `file` (as errors name it).
pub fn parse_str(text: &str, file: &str) -> Result<FileConfig, ConfigError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        // toml's message carries a line/column snippet; keep just the reason line.
        let reason = inner
            .message()
            .lines()
            .next()
            .unwrap_or("invalid value")
            .to_string();
        let reason = if holds_secret(&key) {
            hide_value(&reason)
        } else {
            reason
        };
        let line = inner.span().map(|s| line_of(text, s.start));
        ConfigError::Invalid {
            file: match line {
                Some(l) => format!("{file}:{l}"),
                None => file.to_string(),
            },
            key: if key == "." {
                "(top level)".into()
            } else {
                key
            },
            reason,
        }
    })
}

/// True if the value at `key_path` (as serde_path_to_error prints it) is a secret:
/// a librdkafka property under `properties` is judged by its whole name, any other
/// key by its last segment (`sasl_password`).
fn holds_secret(key_path: &str) -> bool {
    let name = match key_path.split_once("properties.") {
        Some((_, property)) => property,
        None => key_path.rsplit('.').next().unwrap_or(key_path),
    };
    is_secret_property(name)
}

/// A parse error's reason without the offending value, which serde quotes
/// (`invalid type: integer `987654321`, expected a string`): keeps what was expected.
fn hide_value(reason: &str) -> String {
    match reason.split_once(", expected ") {
        Some((_, expected)) => format!("invalid value (hidden: a secret), expected {expected}"),
        None => "invalid value (hidden: a secret)".to_string(),
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

//! Configuration: a TOML file with named cluster profiles, resolved together with
//! the CLI overrides into one [`Resolved`] value the rest of the program uses.
//!
//! Lookup order: `--config FILE`, `$KAFTOP_CONFIG`, `<platform config dir>/config.toml`,
//! then built-in defaults. Every error names the file, the key and the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};

/// Environment variable naming a config file (second in the lookup order).
pub const CONFIG_ENV: &str = "KAFTOP_CONFIG";

/// Profile used when the file names none and `--profile` is absent.
pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: key `{key}`: {reason}")]
    Invalid {
        file: String,
        key: String,
        reason: String,
    },
}

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
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// Dashboard key bindings: action name → key or keys (`quit = ["q", "ctrl-q"]`).
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
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
}

fn default_lag_threshold() -> u64 {
    1000
}

impl Default for LagConfig {
    fn default() -> Self {
        LagConfig {
            default_threshold: default_lag_threshold(),
            groups: BTreeMap::new(),
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
}

fn default_concurrency() -> u32 {
    1
}

impl Default for ServicesConfig {
    fn default() -> Self {
        ServicesConfig {
            vip_user_ids: Vec::new(),
            concurrency: default_concurrency(),
        }
    }
}

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"********\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("********")
    }
}

fn mask_opt<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("********"),
        None => s.serialize_none(),
    }
}

/// librdkafka property names whose values are (or may hold) secrets: passwords,
/// secrets, tokens, JAAS and OAuth configs, private keys and key material. Paths to
/// key files (`*.location`) are not secrets.
pub fn is_secret_property(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "jaas",
        "credential",
        "private",
    ]
    .iter()
    .any(|w| k.contains(w))
        || (k.contains("oauth") && k.ends_with(".config"))
        || (k.contains("key") && !k.ends_with(".location"))
}

/// Overrides from the command line; each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub profile: Option<String>,
    pub bootstrap_servers: Option<String>,
    /// `-X key=value` librdkafka properties.
    pub properties: Vec<(String, String)>,
    pub data_dir: Option<PathBuf>,
}

/// Everything the program needs, after lookup, validation and overrides.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    /// Where the configuration came from (`None`: built-in defaults).
    pub source: Option<PathBuf>,
    pub profile: String,
    pub bootstrap_servers: String,
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// librdkafka properties from security settings, `properties` and `-X`, in that
    /// order (later wins). Secret values are masked when serialized.
    #[serde(serialize_with = "mask_properties")]
    pub properties: BTreeMap<String, Secretish>,
    pub lag: LagConfig,
    pub topics: TopicsConfig,
    pub services: ServicesConfig,
    pub data_dir: PathBuf,
    /// Dashboard key overrides from `[keys]` (action → keys), as written; the
    /// dashboard validates them.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Where each of `properties` was set, for errors (`FILE: key `...``, `-X key`).
    #[serde(skip)]
    pub property_origins: BTreeMap<String, String>,
}

/// A property value that may be a secret (masked in output and logs).
#[derive(Clone, PartialEq, Eq)]
pub enum Secretish {
    Plain(String),
    Secret(Secret),
}

impl Secretish {
    pub fn value(&self) -> &str {
        match self {
            Secretish::Plain(v) => v,
            Secretish::Secret(s) => s.expose(),
        }
    }
}

impl fmt::Debug for Secretish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secretish::Plain(v) => write!(f, "{v:?}"),
            Secretish::Secret(s) => s.fmt(f),
        }
    }
}

fn mask_properties<S: Serializer>(
    props: &BTreeMap<String, Secretish>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(props.len()))?;
    for (k, v) in props {
        match v {
            Secretish::Plain(v) => map.serialize_entry(k, v)?,
            Secretish::Secret(_) => map.serialize_entry(k, "********")?,
        }
    }
    map.end()
}

impl Resolved {
    /// The topic that carries events of `kind`.
    pub fn topic_for(&self, kind: crate::events::EventKind) -> &str {
        use crate::events::EventKind;
        match kind {
            EventKind::Created => &self.topics.created.name,
            EventKind::Read => &self.topics.read.name,
            EventKind::Deleted => &self.topics.deleted.name,
        }
    }

    /// Where lag turns into an alert for `group`.
    pub fn lag_threshold(&self, group: &str) -> u64 {
        self.lag.threshold_for(group)
    }

    /// Where property `key` was set, for an error message.
    pub fn property_origin(&self, key: &str) -> Option<String> {
        self.property_origins.get(key).cloned()
    }

    /// The values of every secret property (to keep them out of any message).
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.properties.values().filter_map(|v| match v {
            Secretish::Secret(s) => Some(s.expose()),
            Secretish::Plain(_) => None,
        })
    }
}

/// Finds, reads, validates and resolves the configuration.
pub fn load(ov: &Overrides) -> Result<Resolved, ConfigError> {
    let path = ov
        .config_file
        .clone()
        .or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from))
        .or_else(|| platform_config_file().filter(|p| p.exists()));
    let file = match &path {
        Some(p) => Some(read_file(p)?),
        None => None,
    };
    resolve(file.as_ref(), path.as_deref(), ov)
}

/// `<platform config dir>/config.toml` (e.g. `~/.config/kaftop/config.toml`).
pub fn platform_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kaftop").map(|d| d.config_dir().join("config.toml"))
}

fn platform_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "kaftop")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".kaftop"))
}

/// Reads and parses one file; syntax and type errors name the key path.
pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.display().to_string(),
        source,
    })?;
    parse_str(&text, &path.display().to_string())
}

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

/// Applies overrides and validates. `file` is `None` when built-in defaults are used.
pub fn resolve(
    file: Option<&FileConfig>,
    path: Option<&Path>,
    ov: &Overrides,
) -> Result<Resolved, ConfigError> {
    let fname = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(built-in defaults)".to_string());
    let invalid = |key: &str, reason: String| ConfigError::Invalid {
        file: fname.clone(),
        key: key.to_string(),
        reason,
    };

    let empty = FileConfig {
        default_profile: None,
        data_dir: None,
        topics: TopicsConfig::default(),
        services: ServicesConfig::default(),
        profiles: BTreeMap::new(),
        keys: BTreeMap::new(),
    };
    let file = file.unwrap_or(&empty);

    let (profile_name, profile_key) = match (&ov.profile, &file.default_profile) {
        (Some(p), _) => (p.clone(), "--profile"),
        (None, Some(p)) => (p.clone(), "default_profile"),
        (None, None) => (DEFAULT_PROFILE.to_string(), "default_profile"),
    };
    let profile = file.profiles.get(&profile_name);
    if profile.is_none() && (!file.profiles.is_empty() || profile_key == "--profile") {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        return Err(invalid(
            profile_key,
            format!(
                "unknown profile `{profile_name}` (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    let pkey = |k: &str| format!("profiles.{profile_name}.{k}");

    let bootstrap = ov
        .bootstrap_servers
        .clone()
        .or_else(|| profile.map(|p| p.bootstrap_servers.clone()))
        .unwrap_or_else(|| "127.0.0.1:9092".to_string());
    validate_bootstrap(&bootstrap).map_err(|r| {
        let key = if ov.bootstrap_servers.is_some() {
            "--bootstrap-servers".to_string()
        } else {
            pkey("bootstrap_servers")
        };
        invalid(&key, r)
    })?;

    let poll_interval = profile
        .and_then(|p| p.poll_interval)
        .unwrap_or(Duration::from_secs(2));
    if poll_interval < Duration::from_millis(100) {
        return Err(invalid(
            &pkey("poll_interval"),
            "must be at least 100ms".into(),
        ));
    }

    let mut properties = BTreeMap::new();
    let mut origins: BTreeMap<String, String> = BTreeMap::new();
    let at = |key: &str| format!("{fname}: key `{key}`");
    if let Some(p) = profile {
        let mut security = BTreeMap::new();
        security_properties(&p.security, &mut security)
            .map_err(|(k, r)| invalid(&pkey(&format!("security.{k}")), r))?;
        for (prop, (field, value)) in security {
            origins.insert(prop.clone(), at(&pkey(&format!("security.{field}"))));
            properties.insert(prop, value);
        }
        for (k, v) in &p.properties {
            let key = pkey(&format!("properties.\"{k}\""));
            if k == "bootstrap.servers" {
                return Err(invalid(&key, "set `bootstrap_servers` instead".into()));
            }
            // Two places for one setting: which one wins would be a surprise.
            if let Some(first) = origins.get(k) {
                let first = first.strip_prefix(&format!("{fname}: ")).unwrap_or(first);
                return Err(invalid(
                    &key,
                    format!("`{k}` is also set by {first}; set it in one place"),
                ));
            }
            if v.is_empty() && is_secret_property(k) {
                return Err(invalid(&key, "is empty".into()));
            }
            origins.insert(k.clone(), at(&key));
            properties.insert(k.clone(), classify(k, v.clone()));
        }
    }
    for (k, v) in &ov.properties {
        origins.insert(k.clone(), format!("-X {k}"));
        properties.insert(k.clone(), classify(k, v.clone()));
    }

    let topics = profile
        .and_then(|p| p.topics.clone())
        .unwrap_or_else(|| file.topics.clone());
    let topics_key = if profile.and_then(|p| p.topics.as_ref()).is_some() {
        pkey("topics")
    } else {
        "topics".to_string()
    };
    for (which, spec) in [
        ("created", &topics.created),
        ("read", &topics.read),
        ("deleted", &topics.deleted),
    ] {
        let key = |f: &str| format!("{topics_key}.{which}.{f}");
        validate_topic_name(&spec.name).map_err(|r| invalid(&key("name"), r))?;
        if spec.partitions < 1 {
            return Err(invalid(&key("partitions"), "must be at least 1".into()));
        }
        if spec.replication_factor < 1 {
            return Err(invalid(
                &key("replication_factor"),
                "must be at least 1".into(),
            ));
        }
    }
    crate::services::check_concurrency(file.services.concurrency)
        .map_err(|e| invalid("services.concurrency", e))?;

    // `[keys]` belongs to the dashboard, which validates it (`tui::keymap`).
    let keys: BTreeMap<String, Vec<String>> = file
        .keys
        .iter()
        .map(|(action, list)| (action.clone(), list.keys()))
        .collect();

    let lag = profile.map(|p| p.lag.clone()).unwrap_or_default();
    let data_dir = ov
        .data_dir
        .clone()
        .or_else(|| profile.and_then(|p| p.data_dir.clone()))
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(platform_data_dir);

    Ok(Resolved {
        source: path.map(Path::to_path_buf),
        profile: profile_name,
        bootstrap_servers: bootstrap,
        poll_interval,
        properties,
        lag,
        topics,
        services: file.services.clone(),
        data_dir,
        keys,
        property_origins: origins,
    })
}

fn classify(key: &str, value: String) -> Secretish {
    if is_secret_property(key) {
        Secretish::Secret(Secret(value))
    } else {
        Secretish::Plain(value)
    }
}

/// librdkafka properties from the `[security]` table: property → (the table's
/// field that set it, value).
type SecurityProperties = BTreeMap<String, (&'static str, Secretish)>;

/// Translates the `[security]` table into librdkafka properties.
fn security_properties(
    s: &SecurityConfig,
    out: &mut SecurityProperties,
) -> Result<(), (&'static str, String)> {
    let mut put = |prop: &str, field: &'static str, v: Secretish| {
        out.insert(prop.to_string(), (field, v));
    };
    if let Some(p) = &s.protocol {
        let upper = p.to_ascii_uppercase();
        if !["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].contains(&upper.as_str()) {
            return Err((
                "protocol",
                format!("`{p}` is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
            ));
        }
        put("security.protocol", "protocol", Secretish::Plain(upper));
    }
    if let Some(m) = &s.sasl_mechanism {
        let known = [
            "PLAIN",
            "SCRAM-SHA-256",
            "SCRAM-SHA-512",
            "GSSAPI",
            "OAUTHBEARER",
        ];
        if !known.contains(&m.as_str()) {
            return Err((
                "sasl_mechanism",
                format!("`{m}` is not one of {}", known.join(", ")),
            ));
        }
        put(
            "sasl.mechanism",
            "sasl_mechanism",
            Secretish::Plain(m.clone()),
        );
    }
    if let Some(u) = &s.sasl_username {
        put(
            "sasl.username",
            "sasl_username",
            Secretish::Plain(u.clone()),
        );
    }
    if let Some((field, pw)) = secret_value(
        &s.sasl_password,
        &s.sasl_password_env,
        "sasl_password",
        "sasl_password_env",
    )? {
        put("sasl.password", field, Secretish::Secret(pw));
    }
    for (key, prop, v) in [
        ("ssl_ca_location", "ssl.ca.location", &s.ssl_ca_location),
        (
            "ssl_certificate_location",
            "ssl.certificate.location",
            &s.ssl_certificate_location,
        ),
        ("ssl_key_location", "ssl.key.location", &s.ssl_key_location),
    ] {
        if let Some(path) = v {
            if !path.exists() {
                return Err((key, format!("file `{}` does not exist", path.display())));
            }
            put(prop, key, Secretish::Plain(path.display().to_string()));
        }
    }
    if let Some((field, pw)) = secret_value(
        &s.ssl_key_password,
        &s.ssl_key_password_env,
        "ssl_key_password",
        "ssl_key_password_env",
    )? {
        put("ssl.key.password", field, Secretish::Secret(pw));
    }
    Ok(())
}

/// A secret given inline or through an environment variable, with the field that
/// gave it. An empty secret is an error: it is never what was meant.
fn secret_value(
    inline: &Option<String>,
    env: &Option<String>,
    inline_key: &'static str,
    env_key: &'static str,
) -> Result<Option<(&'static str, Secret)>, (&'static str, String)> {
    match (inline, env) {
        (Some(_), Some(_)) => Err((
            env_key,
            format!("set either `{inline_key}` or `{env_key}`, not both"),
        )),
        (Some(v), None) if v.is_empty() => Err((inline_key, "is empty".into())),
        (Some(v), None) => Ok(Some((inline_key, Secret(v.clone())))),
        (None, Some(var)) => match std::env::var(var) {
            Ok(v) if v.is_empty() => {
                Err((env_key, format!("environment variable `{var}` is empty")))
            }
            Ok(v) => Ok(Some((env_key, Secret(v)))),
            Err(std::env::VarError::NotUnicode(_)) => Err((
                env_key,
                format!("environment variable `{var}` is not valid UTF-8"),
            )),
            Err(std::env::VarError::NotPresent) => {
                Err((env_key, format!("environment variable `{var}` is not set")))
            }
        },
        (None, None) => Ok(None),
    }
}

/// `host:port[,host:port...]` with a numeric port.
pub fn validate_bootstrap(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("is empty".into());
    }
    for part in s.split(',') {
        let part = part.trim();
        let part = part
            .strip_prefix("PLAINTEXT://")
            .or_else(|| part.strip_prefix("SSL://"))
            .unwrap_or(part);
        let (host, port) = part
            .rsplit_once(':')
            .ok_or_else(|| format!("`{part}` is not host:port"))?;
        if host.is_empty() {
            return Err(format!("`{part}` has no host"));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(format!("`{part}` has an invalid port `{port}`")),
        }
    }
    Ok(())
}

/// Kafka's rule: 1–249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 249 {
        return Err("must be 1 to 249 characters".into());
    }
    if name == "." || name == ".." {
        return Err("cannot be `.` or `..`".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "`{name}` contains `{c}`; only letters, digits, `.`, `_` and `-` are allowed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_str(text: &str, ov: &Overrides) -> Result<Resolved, ConfigError> {
        let f = parse_str(text, "test.toml")?;
        resolve(Some(&f), Some(Path::new("test.toml")), ov)
    }

    fn err_string(r: Result<Resolved, ConfigError>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn defaults_without_a_file() {
        let r = resolve(None, None, &Overrides::default()).unwrap();
        assert_eq!(r.profile, "default");
        assert_eq!(r.bootstrap_servers, "127.0.0.1:9092");
        assert_eq!(r.poll_interval, Duration::from_secs(2));
        assert_eq!(r.topics.created.name, "message.created");
        assert_eq!(r.topics.deleted.partitions, 3);
        assert_eq!(r.lag_threshold("anything"), 1000);
    }

    #[test]
    fn picks_default_profile_and_cli_overrides() {
        let text = r#"
            default_profile = "prod"
            [profiles.local]
            bootstrap_servers = "127.0.0.1:9092"
            [profiles.prod]
            bootstrap_servers = "kafka-1:9092,kafka-2:9092"
            poll_interval = "5s"
            properties = { "client.id" = "kaftop-prod" }
            [profiles.prod.lag]
            default_threshold = 50
            groups = { "archive-service-group" = 10 }
        "#;
        let r = resolve_str(text, &Overrides::default()).unwrap();
        assert_eq!(r.profile, "prod");
        assert_eq!(r.bootstrap_servers, "kafka-1:9092,kafka-2:9092");
        assert_eq!(r.poll_interval, Duration::from_secs(5));
        assert_eq!(r.properties["client.id"].value(), "kaftop-prod");
        assert_eq!(r.lag_threshold("archive-service-group"), 10);
        assert_eq!(r.lag_threshold("other"), 50);

        let ov = Overrides {
            profile: Some("local".into()),
            bootstrap_servers: Some("10.0.0.1:19092".into()),
            properties: vec![("client.id".into(), "cli".into())],
            ..Default::default()
        };
        let r = resolve_str(text, &ov).unwrap();
        assert_eq!(r.profile, "local");
        assert_eq!(r.bootstrap_servers, "10.0.0.1:19092");
        assert_eq!(r.properties["client.id"].value(), "cli");
    }

    #[test]
    fn unknown_profile_is_named() {
        let text = "[profiles.local]\nbootstrap_servers = \"a:1\"\n";
        let ov = Overrides {
            profile: Some("nope".into()),
            ..Default::default()
        };
        let e = err_string(resolve_str(text, &ov));
        assert!(e.contains("test.toml"), "{e}");
        assert!(e.contains("--profile"), "{e}");
        assert!(e.contains("unknown profile `nope` (known: local)"), "{e}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let text = "[profiles.local]\nbootstrap_servers = \"a:1\"\n[profiles.local.lag]\ndefault_threshold = \"lots\"\n";
        let e = err_string(resolve_str(text, &Overrides::default()));
        assert!(
            e.starts_with("test.toml:4: key `profiles.local.lag.default_threshold`"),
            "{e}"
        );
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn unknown_key_is_rejected() {
        let e = err_string(resolve_str(
            "[topics.created]\nname = \"x\"\npartitionz = 3\n",
            &Overrides::default(),
        ));
        assert!(e.contains("key `topics.created.partitionz`"), "{e}");
        assert!(e.contains("unknown field"), "{e}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (text, key) in [
            (
                "[profiles.default]\nbootstrap_servers = \"nohost\"\n",
                "profiles.default.bootstrap_servers",
            ),
            (
                "[profiles.default]\nbootstrap_servers = \"h:99999\"\n",
                "profiles.default.bootstrap_servers",
            ),
            ("[topics.read]\nname = \"bad name\"\n", "topics.read.name"),
            (
                "[topics.read]\nname = \"ok\"\npartitions = 0\n",
                "topics.read.partitions",
            ),
            (
                "[profiles.default]\nbootstrap_servers = \"h:1\"\npoll_interval = \"10ms\"\n",
                "profiles.default.poll_interval",
            ),
            (
                "[profiles.default]\nbootstrap_servers = \"h:1\"\npoll_interval = \"soon\"\n",
                "profiles.default.poll_interval",
            ),
            (
                "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nprotocol = \"TLS\"\n",
                "profiles.default.security.protocol",
            ),
            ("[services]\nconcurrency = 0\n", "services.concurrency"),
        ] {
            let e = err_string(resolve_str(text, &Overrides::default()));
            assert!(e.contains(&format!("key `{key}`")), "{text} -> {e}");
        }
    }

    #[test]
    fn secrets_come_from_env_and_are_masked() {
        std::env::set_var("KAFTOP_TEST_SECRET_1", "hunter2");
        let text = r#"
            [profiles.default]
            bootstrap_servers = "h:9093"
            properties = { "sasl.oauthbearer.client.secret" = "s3cr3t" }
            [profiles.default.security]
            protocol = "sasl_ssl"
            sasl_mechanism = "SCRAM-SHA-512"
            sasl_username = "kaftop"
            sasl_password_env = "KAFTOP_TEST_SECRET_1"
        "#;
        let r = resolve_str(text, &Overrides::default()).unwrap();
        assert_eq!(r.properties["sasl.password"].value(), "hunter2");
        assert_eq!(r.properties["security.protocol"].value(), "SASL_SSL");
        let json = serde_json::to_string(&r).unwrap();
        let debug = format!("{r:?}");
        for shown in [&json, &debug] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(shown.contains("********"), "{shown}");
        }
    }

    #[test]
    fn missing_secret_env_is_an_error() {
        let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password_env = \"KAFTOP_TEST_UNSET_VAR_X\"\n";
        let e = err_string(resolve_str(text, &Overrides::default()));
        assert!(
            e.contains("`KAFTOP_TEST_UNSET_VAR_X` is not set")
                && e.contains("profiles.default.security.sasl_password_env"),
            "{e}"
        );
    }

    #[test]
    fn empty_secrets_are_errors() {
        std::env::set_var("KAFTOP_TEST_EMPTY_SECRET", "");
        let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nssl_key_password_env = \"KAFTOP_TEST_EMPTY_SECRET\"\n";
        assert_eq!(
            err_string(resolve_str(text, &Overrides::default())),
            "test.toml: key `profiles.default.security.ssl_key_password_env`: \
             environment variable `KAFTOP_TEST_EMPTY_SECRET` is empty"
        );
        let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password = \"\"\n";
        assert_eq!(
            err_string(resolve_str(text, &Overrides::default())),
            "test.toml: key `profiles.default.security.sasl_password`: is empty"
        );
        let text = "[profiles.default]\nbootstrap_servers = \"h:1\"\nproperties = { \"sasl.password\" = \"\" }\n";
        assert_eq!(
            err_string(resolve_str(text, &Overrides::default())),
            "test.toml: key `profiles.default.properties.\"sasl.password\"`: is empty"
        );
    }

    #[test]
    fn a_setting_in_security_and_properties_is_an_error() {
        let text = r#"
            [profiles.default]
            bootstrap_servers = "h:1"
            properties = { "security.protocol" = "SSL" }
            [profiles.default.security]
            protocol = "SASL_SSL"
        "#;
        assert_eq!(
            err_string(resolve_str(text, &Overrides::default())),
            "test.toml: key `profiles.default.properties.\"security.protocol\"`: \
             `security.protocol` is also set by key `profiles.default.security.protocol`; \
             set it in one place"
        );
    }

    #[test]
    fn property_origins_name_the_file_key_or_flag() {
        let text = r#"
            [profiles.default]
            bootstrap_servers = "h:1"
            properties = { "client.id" = "x" }
            [profiles.default.security]
            sasl_mechanism = "PLAIN"
        "#;
        let ov = Overrides {
            properties: vec![("linger.ms".into(), "5".into())],
            ..Default::default()
        };
        let r = resolve_str(text, &ov).unwrap();
        assert_eq!(
            r.property_origin("client.id").as_deref(),
            Some("test.toml: key `profiles.default.properties.\"client.id\"`")
        );
        assert_eq!(
            r.property_origin("sasl.mechanism").as_deref(),
            Some("test.toml: key `profiles.default.security.sasl_mechanism`")
        );
        assert_eq!(
            r.property_origin("linger.ms").as_deref(),
            Some("-X linger.ms")
        );
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_not_echoed() {
        let cases = [
            (
                "[profiles.default.security]\nsasl_password = 987654321\n",
                "profiles.default.security.sasl_password",
            ),
            (
                "[profiles.default.properties]\n\"sasl.password\" = 987654321\n",
                "profiles.default.properties.sasl.password",
            ),
        ];
        for (text, key) in cases {
            let e = parse_str(text, "k.toml").unwrap_err().to_string();
            assert!(!e.contains("987654321"), "{e}");
            assert_eq!(
                e,
                format!(
                    "k.toml:2: key `{key}`: invalid value (hidden: a secret), expected a string"
                )
            );
        }
        // Other keys keep the value: it helps and hides nothing.
        let e = parse_str("[profiles.default]\npoll_interval = 12\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("12"), "{e}");
    }

    #[test]
    fn secret_looking_properties() {
        for k in [
            "sasl.password",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.key.pem",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.config",
            "sasl.jaas.config",
            "sasl.oauthbearer.token.endpoint.url.token",
            "SASL.PASSWORDD",
        ] {
            assert!(is_secret_property(k), "{k}");
        }
        for k in [
            "client.id",
            "ssl.key.location",
            "ssl.ca.location",
            "socket.keepalive.enable",
            "sasl.username",
            "security.protocol",
        ] {
            assert!(!is_secret_property(k), "{k}");
        }
    }

    #[test]
    fn profile_topics_replace_shared_topics() {
        let text = r#"
            [topics.created]
            name = "a.created"
            [profiles.default]
            bootstrap_servers = "h:1"
            [profiles.default.topics.created]
            name = "prod.created"
            replication_factor = 3
        "#;
        let r = resolve_str(text, &Overrides::default()).unwrap();
        assert_eq!(r.topics.created.name, "prod.created");
        assert_eq!(r.topics.created.replication_factor, 3);
        assert_eq!(r.topics.read.name, "message.read");
    }
}

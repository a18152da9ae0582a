//! Resolving: the chosen profile of the file, with the command line's overrides
//! applied, checked and turned into the one [`Resolved`] value the program uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::file::{
    FileConfig, LagConfig, ProfileConfig, SecurityConfig, ServicesConfig, TopicSpec, TopicsConfig,
};
use super::oauth::oauthbearer_properties;
use super::secrets::{is_secret_property, mask_properties, secret_value, Secretish};
use super::serve::ServeSettings;
use super::store::{check_concurrency, store_settings, StoreSettings};
use super::validate::{
    validate_bootstrap, validate_poll_interval, validate_protocol, validate_sasl_mechanism,
    validate_topic_name, FieldError,
};
use super::{ConfigError, DEFAULT_PROFILE};

/// Overrides from the command line; each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub profile: Option<String>,
    pub bootstrap_servers: Option<String>,
    /// `-X key=value` librdkafka properties.
    pub properties: Vec<(String, String)>,
    pub data_dir: Option<PathBuf>,
    /// `--read-only`: refuse every change to the cluster, whatever the profile says.
    pub read_only: bool,
}

/// An action refused because kaftop runs read-only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read-only mode (profile `{profile}` or --read-only): refusing to {action}; nothing was changed")]
pub struct ReadOnly {
    pub action: String,
    pub profile: String,
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
    /// Where the services keep their effects (`services.store`; the password is
    /// never part of it).
    pub store: StoreSettings,
    /// `[serve]`: the HTTP server of `kaftop serve`.
    pub serve: ServeSettings,
    /// `[services.notifier]` resolved (the token read): `None` without an endpoint.
    pub notifier: Option<super::NotifierSettings>,
    /// The profile's `[registry]` resolved (secrets read): `None` without one.
    pub registry: Option<super::RegistrySettings>,
    /// `services.zone` parsed.
    pub zone: super::ServicesZone,
    /// Read-only mode (the profile's `read_only = true`, or `--read-only`): every
    /// change to the cluster is refused ([`Resolved::check_writable`]).
    pub read_only: bool,
    pub data_dir: PathBuf,
    /// Dashboard key overrides from `[keys]` (action → keys), as written; the
    /// dashboard validates them.
    pub keys: BTreeMap<String, Vec<String>>,
    /// The dashboard's colours from `[theme]` (role → colour), as written; the
    /// dashboard validates them.
    pub theme: BTreeMap<String, String>,
    /// Where each of `properties` was set, for errors (`FILE: key `...``, `-X key`).
    #[serde(skip)]
    pub property_origins: BTreeMap<String, String>,
}

impl Resolved {
    /// `Ok` unless read-only mode forbids `action` (a change to the cluster:
    /// "publish", "create topics", "reset offsets", ...).
    pub fn check_writable(&self, action: &str) -> Result<(), ReadOnly> {
        if self.read_only {
            Err(ReadOnly {
                action: action.to_string(),
                profile: self.profile.clone(),
            })
        } else {
            Ok(())
        }
    }

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

    /// An error about `key` of where this configuration came from, for the checks
    /// made after resolving (the store URL's full syntax, in the services crate).
    pub fn invalid(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        invalid(&file_name(self.source.as_deref()), key, reason)
    }

    /// Where property `key` was set, for an error message.
    pub fn property_origin(&self, key: &str) -> Option<String> {
        self.property_origins.get(key).cloned()
    }

    /// The values of every secret property (to keep them out of any message).
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.properties
            .values()
            .filter_map(|v| match v {
                Secretish::Secret(s) => Some(s.expose()),
                Secretish::Plain(_) => None,
            })
            .chain(self.serve.token.as_ref().map(|t| t.expose()))
            .chain(match &self.serve.jwt {
                Some(super::serve::JwtKey::Hs256 { secret, .. }) => Some(secret.expose()),
                _ => None,
            })
            .chain(
                self.notifier
                    .as_ref()
                    .and_then(|n| n.token.as_ref())
                    .map(|t| t.expose()),
            )
            .chain(
                self.registry
                    .as_ref()
                    .and_then(|r| r.secret())
                    .map(|t| t.expose()),
            )
    }
}

/// Applies overrides and validates. `file` is `None` when built-in defaults are used.
pub fn resolve(
    file: Option<&FileConfig>,
    path: Option<&Path>,
    ov: &Overrides,
) -> Result<Resolved, ConfigError> {
    let fname = file_name(path);
    let empty = FileConfig::empty();
    let file = file.unwrap_or(&empty);
    let (profile_name, profile) = select_profile(file, ov, &fname)?;
    let at = KeyNames {
        file: fname,
        profile: &profile_name,
    };

    let bootstrap = bootstrap_servers(profile, ov, &at)?;
    let poll_interval = profile
        .and_then(|p| p.poll_interval)
        .unwrap_or(Duration::from_secs(2));
    validate_poll_interval(poll_interval)
        .map_err(|r| at.invalid(&at.profile_key("poll_interval"), r))?;
    let mut properties = Properties::default();
    if let Some(p) = profile {
        properties.add_security(&p.security, &at)?;
        properties.add_profile_properties(&p.properties, &at)?;
    }
    properties.add_overrides(&ov.properties);
    properties.check_oauthbearer(&at)?;
    let topics = topics(file, profile, &at)?;
    check_concurrency(file.services.concurrency)
        .map_err(|e| at.invalid("services.concurrency", e))?;
    let serve = file
        .serve
        .resolve()
        .map_err(|e| at.invalid(&format!("serve.{}", e.field), e.reason))?;
    let notifier = file
        .services
        .notifier
        .resolve()
        .map_err(|e| at.invalid(&format!("services.notifier.{}", e.field), e.reason))?;
    let registry = match profile {
        Some(p) => p
            .registry
            .resolve()
            .map_err(|e| at.invalid(&at.profile_key(&format!("registry.{}", e.field)), e.reason))?,
        None => None,
    };
    let zone = super::ServicesZone::parse(file.services.zone.as_deref())
        .map_err(|e| at.invalid("services.zone", e))?;

    let data_dir = data_dir(file, profile, ov);
    let store =
        store_settings(&file.services, &data_dir).map_err(|e| at.invalid(e.field, e.reason))?;
    Ok(Resolved {
        store,
        source: path.map(Path::to_path_buf),
        bootstrap_servers: bootstrap,
        poll_interval,
        properties: properties.values,
        lag: profile.map(|p| p.lag.clone()).unwrap_or_default(),
        topics,
        services: file.services.clone(),
        serve,
        notifier,
        registry,
        zone,
        read_only: read_only(profile, ov),
        data_dir,
        keys: keys(file),
        theme: file.theme.clone(),
        property_origins: properties.origins,
        profile: profile_name,
    })
}

/// How errors name the configuration's file.
fn file_name(path: Option<&Path>) -> String {
    path.map(|p| p.display().to_string())
        .unwrap_or_else(|| "(built-in defaults)".to_string())
}

/// Names the keys of errors: the file (or the built-in defaults) and, inside it,
/// the chosen profile's table.
struct KeyNames<'a> {
    file: String,
    profile: &'a str,
}

impl KeyNames<'_> {
    fn invalid(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        invalid(&self.file, key, reason)
    }

    /// `profiles.NAME.key`.
    fn profile_key(&self, key: &str) -> String {
        format!("profiles.{}.{key}", self.profile)
    }

    /// Where a property was set: `FILE: key `KEY``.
    fn origin(&self, key: &str) -> String {
        format!("{}: key `{key}`", self.file)
    }
}

fn invalid(file: &str, key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        file: file.to_string(),
        key: key.to_string(),
        reason: reason.into(),
    }
}

/// The profile `--profile` or `default_profile` names (else `default`). Without
/// profiles in the file only the implicit default one exists (built-in values).
fn select_profile<'f>(
    file: &'f FileConfig,
    ov: &Overrides,
    fname: &str,
) -> Result<(String, Option<&'f ProfileConfig>), ConfigError> {
    let (name, key) = match (&ov.profile, &file.default_profile) {
        (Some(p), _) => (p.clone(), "--profile"),
        (None, Some(p)) => (p.clone(), "default_profile"),
        (None, None) => (DEFAULT_PROFILE.to_string(), "default_profile"),
    };
    let profile = file.profiles.get(&name);
    if profile.is_none() && (!file.profiles.is_empty() || key == "--profile") {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        return Err(invalid(
            fname,
            key,
            format!("unknown profile `{name}` (known: {known})"),
        ));
    }
    Ok((name, profile))
}

/// `--bootstrap-servers`, else the profile's, else a local broker.
fn bootstrap_servers(
    profile: Option<&ProfileConfig>,
    ov: &Overrides,
    at: &KeyNames,
) -> Result<String, ConfigError> {
    let bootstrap = ov
        .bootstrap_servers
        .clone()
        .or_else(|| profile.map(|p| p.bootstrap_servers.clone()))
        .unwrap_or_else(|| "127.0.0.1:9092".to_string());
    validate_bootstrap(&bootstrap).map_err(|r| {
        let key = if ov.bootstrap_servers.is_some() {
            "--bootstrap-servers".to_string()
        } else {
            at.profile_key("bootstrap_servers")
        };
        at.invalid(&key, r)
    })?;
    Ok(bootstrap)
}

/// librdkafka properties with where each was set, built in order: the profile's
/// `[security]`, its `properties`, then `-X` (later wins).
#[derive(Default)]
struct Properties {
    values: BTreeMap<String, Secretish>,
    origins: BTreeMap<String, String>,
}

impl Properties {
    fn add_security(
        &mut self,
        security: &SecurityConfig,
        at: &KeyNames,
    ) -> Result<(), ConfigError> {
        let translated = security_properties(security)
            .map_err(|e| at.invalid(&at.profile_key(&format!("security.{}", e.field)), e.reason))?;
        for (prop, (field, value)) in translated {
            self.origins.insert(
                prop.clone(),
                at.origin(&at.profile_key(&format!("security.{field}"))),
            );
            self.values.insert(prop, value);
        }
        Ok(())
    }

    fn add_profile_properties(
        &mut self,
        properties: &BTreeMap<String, String>,
        at: &KeyNames,
    ) -> Result<(), ConfigError> {
        for (k, v) in properties {
            let key = at.profile_key(&format!("properties.\"{k}\""));
            if k == "bootstrap.servers" {
                return Err(at.invalid(&key, "set `bootstrap_servers` instead"));
            }
            // Two places for one setting: which one wins would be a surprise.
            if let Some(first) = self.origins.get(k) {
                let first = first
                    .strip_prefix(&format!("{}: ", at.file))
                    .unwrap_or(first);
                return Err(at.invalid(
                    &key,
                    format!("`{k}` is also set by {first}; set it in one place"),
                ));
            }
            if v.is_empty() && is_secret_property(k) {
                return Err(at.invalid(&key, "is empty"));
            }
            self.origins.insert(k.clone(), at.origin(&key));
            self.values
                .insert(k.clone(), Secretish::classify(k, v.clone()));
        }
        Ok(())
    }

    /// OAUTHBEARER needs a token source and a SASL protocol: without them librdkafka
    /// fails at connect time, or never authenticates.
    fn check_oauthbearer(&self, at: &KeyNames) -> Result<(), ConfigError> {
        let value = |k: &str| self.values.get(k).map(Secretish::value);
        if value("sasl.mechanism") != Some(OAUTHBEARER) {
            return Ok(());
        }
        let origin = self
            .property_key("sasl.mechanism", at)
            .unwrap_or_else(|| at.profile_key("security.sasl_mechanism"));
        let has_source = self.values.keys().any(|k| {
            k.starts_with("sasl.oauthbearer.") || k == "enable.sasl.oauthbearer.unsecure.jwt"
        });
        if !has_source {
            return Err(at.invalid(
                &origin,
                "OAUTHBEARER needs a token source: a [security.oauthbearer] table \
                 (method = \"oidc\" with token_endpoint_url, client_id and \
                 client_secret_env)",
            ));
        }
        match value("security.protocol") {
            Some("SASL_SSL" | "SASL_PLAINTEXT") => Ok(()),
            _ => Err(at.invalid(
                &origin,
                "OAUTHBEARER needs protocol = \"SASL_SSL\" (or \"SASL_PLAINTEXT\"): \
                 without it no SASL sign-in happens",
            )),
        }
    }

    /// The key (or `-X` flag) that set property `prop`, without the file's name.
    fn property_key(&self, prop: &str, at: &KeyNames) -> Option<String> {
        let origin = self.origins.get(prop)?;
        let key = origin
            .strip_prefix(&format!("{}: key `", at.file))
            .and_then(|k| k.strip_suffix('`'))
            .unwrap_or(origin);
        Some(key.to_string())
    }

    fn add_overrides(&mut self, properties: &[(String, String)]) {
        for (k, v) in properties {
            self.origins.insert(k.clone(), format!("-X {k}"));
            self.values
                .insert(k.clone(), Secretish::classify(k, v.clone()));
        }
    }
}

/// librdkafka properties from the `[security]` table: property → (the table's
/// field that set it, value).
type SecurityProperties = BTreeMap<String, (&'static str, Secretish)>;

/// The SASL mechanism `[security.oauthbearer]` is for.
const OAUTHBEARER: &str = "OAUTHBEARER";

/// Translates the `[security]` table into librdkafka properties.
fn security_properties(s: &SecurityConfig) -> Result<SecurityProperties, FieldError> {
    let mut out = SecurityProperties::new();
    let mut put = |prop: &str, field: &'static str, v: Secretish| {
        out.insert(prop.to_string(), (field, v));
    };
    if let Some(p) = &s.protocol {
        let protocol = validate_protocol(p).map_err(|r| FieldError::new("protocol", r))?;
        put("security.protocol", "protocol", Secretish::Plain(protocol));
    }
    if let Some(m) = &s.sasl_mechanism {
        validate_sasl_mechanism(m).map_err(|r| FieldError::new("sasl_mechanism", r))?;
        put(
            "sasl.mechanism",
            "sasl_mechanism",
            Secretish::Plain(m.clone()),
        );
    }
    if let Some(o) = &s.oauthbearer {
        match s.sasl_mechanism.as_deref() {
            Some(OAUTHBEARER) => {}
            Some(m) => {
                return Err(FieldError::new(
                    "oauthbearer",
                    format!("is for sasl_mechanism = \"{OAUTHBEARER}\", not `{m}`"),
                ))
            }
            None => put(
                "sasl.mechanism",
                "oauthbearer",
                Secretish::Plain(OAUTHBEARER.into()),
            ),
        }
        for (prop, field, v) in oauthbearer_properties(o)? {
            put(prop, field, v);
        }
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
                return Err(FieldError::new(
                    key,
                    format!("file `{}` does not exist", path.display()),
                ));
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
    Ok(out)
}

/// The profile's `topics` if it has them, else the file's; each checked.
fn topics(
    file: &FileConfig,
    profile: Option<&ProfileConfig>,
    at: &KeyNames,
) -> Result<TopicsConfig, ConfigError> {
    let (topics, topics_key) = match profile.and_then(|p| p.topics.as_ref()) {
        Some(t) => (t.clone(), at.profile_key("topics")),
        None => (file.topics.clone(), "topics".to_string()),
    };
    for (which, spec) in [
        ("created", &topics.created),
        ("read", &topics.read),
        ("deleted", &topics.deleted),
    ] {
        validate_topic_spec(spec)
            .map_err(|e| at.invalid(&format!("{topics_key}.{which}.{}", e.field), e.reason))?;
    }
    Ok(topics)
}

/// `[keys]` as written: it belongs to the dashboard, which validates it.
fn keys(file: &FileConfig) -> BTreeMap<String, Vec<String>> {
    file.keys
        .iter()
        .map(|(action, list)| (action.clone(), list.keys()))
        .collect()
}

/// `--read-only`, or the profile's `read_only`.
fn read_only(profile: Option<&ProfileConfig>, ov: &Overrides) -> bool {
    ov.read_only || profile.is_some_and(|p| p.read_only)
}

/// `--data-dir`, else the profile's, else the file's, else the platform's.
fn data_dir(file: &FileConfig, profile: Option<&ProfileConfig>, ov: &Overrides) -> PathBuf {
    ov.data_dir
        .clone()
        .or_else(|| profile.and_then(|p| p.data_dir.clone()))
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(platform_data_dir)
}

fn platform_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "kaftop")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".kaftop"))
}

/// A topic the services create: a valid name, at least one partition and replica.
fn validate_topic_spec(spec: &TopicSpec) -> Result<(), FieldError> {
    validate_topic_name(&spec.name).map_err(|r| FieldError::new("name", r))?;
    if spec.partitions < 1 {
        return Err(FieldError::new("partitions", "must be at least 1"));
    }
    if spec.replication_factor < 1 {
        return Err(FieldError::new("replication_factor", "must be at least 1"));
    }
    Ok(())
}

//! Client configuration shared by every producer, consumer and admin client, and the
//! one-line errors for what goes wrong before the first answer: an unknown or invalid
//! property, failed authentication, an untrusted certificate, no cluster at all.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::{Client, ClientContext};
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError as RdError;
use rdkafka::metadata::Metadata;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaType};

use crate::config::Resolved;

#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    #[error("cannot reach the cluster at {bootstrap}: {reason}")]
    Unreachable { bootstrap: String, reason: String },
    /// No bootstrap host resolves: a typo or DNS, not a broker that is down.
    #[error("cannot resolve the host of {bootstrap}: {detail}")]
    Unresolvable { bootstrap: String, detail: String },
    #[error("authentication failed at {bootstrap}: {detail}")]
    Authentication { bootstrap: String, detail: String },
    #[error("TLS handshake with {bootstrap} failed: {detail}")]
    Tls { bootstrap: String, detail: String },
    /// A librdkafka property librdkafka refuses. Never carries the value.
    #[error("{origin}: {reason}")]
    Property { origin: String, reason: String },
    #[error("topic `{topic}` does not exist (create it with {})", create_hint(topic, *.ensure_creates))]
    MissingTopic {
        topic: String,
        /// Whether `kaftop topics ensure` creates it (an event topic or its DLQ).
        ensure_creates: bool,
    },
    #[error("{context}: {source}")]
    Client {
        context: &'static str,
        #[source]
        source: RdError,
    },
}

/// The command that creates a missing topic: `topics ensure` only for the
/// topics it creates.
fn create_hint(topic: &str, ensure_creates: bool) -> String {
    if ensure_creates {
        "`kaftop topics ensure`".to_string()
    } else {
        format!("`kaftop topics create {topic} --partitions N --replication-factor N`")
    }
}

/// Whether `kaftop topics ensure` creates `topic`: the event topics of the
/// profile and their dead-letter topics.
pub fn ensure_creates(cfg: &Resolved, topic: &str) -> bool {
    cfg.topics
        .all()
        .iter()
        .any(|t| t.name == topic || crate::events::dlq_topic(&t.name) == topic)
}

impl KafkaError {
    pub fn client(context: &'static str) -> impl FnOnce(RdError) -> KafkaError {
        move |source| KafkaError::Client { context, source }
    }
}

/// Why a refresh reached no cluster, in a few words for a status header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCluster {
    Unreachable,
    Unresolvable,
    Authentication,
    Tls,
}

impl NoCluster {
    /// Read back from the line a [`KafkaError`] printed: a snapshot carries its
    /// errors as lines.
    pub fn of_line(line: &str) -> NoCluster {
        if line.starts_with("authentication failed at ") {
            NoCluster::Authentication
        } else if line.starts_with("TLS handshake with ") {
            NoCluster::Tls
        } else if line.starts_with("cannot resolve the host of ") {
            NoCluster::Unresolvable
        } else {
            NoCluster::Unreachable
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoCluster::Unreachable => "unreachable",
            NoCluster::Unresolvable => "host not found",
            NoCluster::Authentication => "authentication failed",
            NoCluster::Tls => "TLS handshake failed",
        }
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

/// Checks the profile's librdkafka properties without connecting: every property is
/// set on a native configuration, then a client without bootstrap servers is created
/// from it (which checks what depends on several properties, e.g. TLS files).
///
/// librdkafka's own messages for a refused property carry the value; the error here
/// names the property and where it was set, and never the value.
pub fn validate(cfg: &Resolved) -> Result<(), KafkaError> {
    let mut config = base_config(cfg);
    // Nothing to connect to: the client below never leaves this process.
    config.remove("bootstrap.servers");
    config.set_log_level(RDKafkaLogLevel::Emerg);
    let native = config
        .create_native_config()
        .map_err(|e| property_error(cfg, e))?;
    Client::new(
        &config,
        native,
        RDKafkaType::RD_KAFKA_PRODUCER,
        KaftopContext::default(),
    )
    .map(drop)
    .map_err(|e| property_error(cfg, e))
}

fn property_error(cfg: &Resolved, e: RdError) -> KafkaError {
    match e {
        RdError::ClientConfig(_, desc, key, value) => KafkaError::Property {
            origin: cfg
                .property_origin(&key)
                .unwrap_or_else(|| format!("librdkafka property `{key}`")),
            reason: property_reason(&desc, &key, &value),
        },
        other => KafkaError::Property {
            origin: "librdkafka configuration".into(),
            reason: redact_values(&other.to_string(), cfg),
        },
    }
}

/// A one-line reason for a refused property, without its value.
fn property_reason(desc: &str, key: &str, value: &str) -> String {
    if desc.starts_with("No such configuration property") {
        return format!("unknown librdkafka property `{key}`");
    }
    let desc = redact_word(desc, value);
    format!("librdkafka refuses property `{key}`: {desc}")
}

/// `text` with every whole-word occurrence of `value` replaced by `…`.
fn redact_word(text: &str, value: &str) -> String {
    replace_word(text, value, "…")
}

/// `text` with every occurrence of `value` that is not part of a longer word
/// replaced by `with`: a value `1` leaves `10` alone, a secret `xpect` leaves
/// `expected` alone.
fn replace_word(text: &str, value: &str, with: &str) -> String {
    if value.is_empty() {
        return text.to_string();
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(value) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + value.len()..].chars().next();
        let whole = !before.is_some_and(word) && !after.is_some_and(word);
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { value });
        rest = &rest[at + value.len()..];
    }
    out.push_str(rest);
    out
}

/// `text` with every secret in `secrets` masked as `********` wherever it stands as
/// a word of its own.
pub fn mask_secrets<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    secrets
        .into_iter()
        .fold(text.to_string(), |t, s| replace_word(&t, s, "********"))
}

/// `text` with the value of every configured secret property masked.
pub fn redact_values(text: &str, cfg: &Resolved) -> String {
    mask_secrets(text, cfg.secret_values())
}

/// What librdkafka last reported about a client's connections that the user has to
/// fix: failed authentication or a failed TLS handshake. librdkafka keeps retrying
/// such a broker, so a request only ends with a transport error or a timeout; the
/// cause arrives through the error callback, which [`KaftopContext`] records here.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis(Arc<Mutex<Option<SecurityIssue>>>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityIssue {
    Authentication(String),
    Tls(String),
    /// A bootstrap host's name does not resolve.
    Resolve(String),
}

impl Diagnosis {
    /// Records `error` if it is an authentication or TLS failure.
    pub fn record(&self, error: &RdError, reason: &str) {
        let issue = match error.rdkafka_error_code() {
            Some(
                RDKafkaErrorCode::Authentication
                | RDKafkaErrorCode::SaslAuthenticationFailed
                | RDKafkaErrorCode::UnsupportedSASLMechanism
                | RDKafkaErrorCode::IllegalSASLState,
            ) => SecurityIssue::Authentication(tidy_reason(reason)),
            Some(RDKafkaErrorCode::SSL) => SecurityIssue::Tls(tidy_reason(reason)),
            Some(RDKafkaErrorCode::Resolve) => SecurityIssue::Resolve(tidy_reason(reason)),
            _ => return,
        };
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(issue);
    }

    pub fn get(&self) -> Option<SecurityIssue> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Forgets the last issue (after the cluster answered again).
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The error for a request that failed with `e`: the recorded security issue if
    /// there is one, else "cannot reach the cluster".
    pub fn connect_error(&self, bootstrap: &str, e: &RdError) -> KafkaError {
        self.connect_error_with(bootstrap, describe(e))
    }

    /// As [`Diagnosis::connect_error`], with the request's own reason already described.
    pub fn connect_error_with(&self, bootstrap: &str, reason: String) -> KafkaError {
        let bootstrap = bootstrap.to_string();
        match self.get() {
            Some(SecurityIssue::Authentication(detail)) => {
                KafkaError::Authentication { bootstrap, detail }
            }
            Some(SecurityIssue::Tls(detail)) => KafkaError::Tls { bootstrap, detail },
            Some(SecurityIssue::Resolve(detail)) => KafkaError::Unresolvable { bootstrap, detail },
            None => KafkaError::Unreachable { bootstrap, reason },
        }
    }
}

/// librdkafka's reason without the broker prefix (`sasl_ssl://host:port/id: `) and
/// the retry-state suffix (` (after 12ms in state AUTH_REQ…)`).
fn tidy_reason(reason: &str) -> String {
    let mut r = reason.trim();
    if let Some((head, tail)) = r.split_once(": ") {
        // `sasl_ssl://host:port/id` or, in plaintext, `host:port/id`.
        if (head.contains("://") || head.contains('/')) && !head.contains(' ') {
            r = tail;
        }
    }
    if let Some(at) = r.rfind(" (after ") {
        if r.ends_with(')') {
            r = &r[..at];
        }
    }
    r.to_string()
}

/// The client context of kaftop's own clients: records security failures in a
/// [`Diagnosis`] and logs everything else as rdkafka's default context does.
#[derive(Debug, Clone, Default)]
pub struct KaftopContext {
    pub diagnosis: Diagnosis,
}

impl KaftopContext {
    pub fn new(diagnosis: Diagnosis) -> Self {
        KaftopContext { diagnosis }
    }
}

impl ClientContext for KaftopContext {
    fn error(&self, error: RdError, reason: &str) {
        log_client_error(&self.diagnosis, &error, reason);
    }
}

impl ConsumerContext for KaftopContext {}

/// What a context's `error` callback does: logs, then records a security failure.
/// In that order: a command that sees the record fails and exits, and the line must
/// already be in the log's queue by then.
pub fn log_client_error(diagnosis: &Diagnosis, error: &RdError, reason: &str) {
    tracing::error!(target: "librdkafka", "librdkafka: {error}: {reason}");
    diagnosis.record(error, reason);
}

/// How long one metadata attempt of [`fetch_metadata`] may take.
const METADATA_ATTEMPT: Duration = Duration::from_secs(1);

/// Fetches metadata of `topic` (or of the whole cluster) within
/// [`METADATA_TIMEOUT`], in short attempts, so that a refused password or an
/// untrusted certificate ends the wait as soon as librdkafka reports it. `serve`
/// passes queued events to the client's context (see [`serve_events`](super::admin::serve_events); a no-op for
/// producers, whose events a background thread serves).
pub fn fetch_metadata<C: ClientContext>(
    client: &Client<C>,
    diagnosis: &Diagnosis,
    bootstrap: &str,
    topic: Option<&str>,
    serve: &dyn Fn(),
) -> Result<Metadata, KafkaError> {
    let deadline = Instant::now() + METADATA_TIMEOUT;
    loop {
        let started = Instant::now();
        let attempt = deadline
            .saturating_duration_since(started)
            .min(METADATA_ATTEMPT);
        match client.fetch_metadata(topic, attempt) {
            Ok(md) => return Ok(md),
            Err(e) => {
                serve();
                if diagnosis.get().is_some() || Instant::now() >= deadline {
                    return Err(diagnosis.connect_error(bootstrap, &e));
                }
                // An attempt that failed at once: do not spin.
                let spent = started.elapsed();
                if spent < Duration::from_millis(100) {
                    std::thread::sleep(Duration::from_millis(100) - spent);
                }
            }
        }
    }
}

/// How long a topic the broker does not know yet is asked for again before it is
/// called missing. A topic created a moment ago (by another tool, or a script's
/// previous line) is acknowledged by the controller before every broker's metadata
/// has it; Kafka's own producer waits for it the same way.
const NEW_TOPIC_GRACE: Duration = Duration::from_secs(2);
const NEW_TOPIC_RETRY: Duration = Duration::from_millis(200);

/// Asks for metadata of `topics` (or of the cluster when empty) and checks that each
/// topic exists, asking again for [`NEW_TOPIC_GRACE`] before calling one missing.
/// Fails fast with a one-line reason when the cluster is unreachable, refuses the
/// credentials or presents a certificate that is not trusted. `serve` as in
/// [`fetch_metadata`].
pub fn require_topics<C: ClientContext>(
    client: &Client<C>,
    diagnosis: &Diagnosis,
    cfg: &Resolved,
    topics: &[&str],
    serve: &dyn Fn(),
) -> Result<(), KafkaError> {
    let bootstrap = cfg.bootstrap_servers.as_str();
    if topics.is_empty() {
        fetch_metadata(client, diagnosis, bootstrap, None, serve)?;
        return Ok(());
    }
    for topic in topics {
        let grace_ends = Instant::now() + NEW_TOPIC_GRACE;
        loop {
            let md = fetch_metadata(client, diagnosis, bootstrap, Some(topic), serve)?;
            let present = md
                .topics()
                .iter()
                .any(|t| t.name() == *topic && t.error().is_none() && !t.partitions().is_empty());
            if present {
                break;
            }
            if Instant::now() >= grace_ends {
                return Err(KafkaError::MissingTopic {
                    topic: topic.to_string(),
                    ensure_creates: ensure_creates(cfg, topic),
                });
            }
            std::thread::sleep(NEW_TOPIC_RETRY);
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

/// The partition ids of the topics in `md`, sorted.
pub fn partition_ids(md: &Metadata) -> Vec<i32> {
    let mut ids: Vec<i32> = md
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_for_a_missing_topic_is_a_command_that_creates_it() {
        let cfg = crate::config::resolve(None, None, &Default::default()).unwrap();
        let missing = |topic: &str| {
            KafkaError::MissingTopic {
                topic: topic.into(),
                ensure_creates: ensure_creates(&cfg, topic),
            }
            .to_string()
        };
        for ensured in ["message.created", "message.read.dlq", "message.deleted"] {
            assert_eq!(
                missing(ensured),
                format!("topic `{ensured}` does not exist (create it with `kaftop topics ensure`)")
            );
        }
        assert_eq!(
            missing("orders"),
            "topic `orders` does not exist (create it with \
             `kaftop topics create orders --partitions N --replication-factor N`)"
        );
    }

    #[test]
    fn redacts_whole_words_only() {
        assert_eq!(
            redact_word(
                "Invalid value \"banana\" for configuration property \"acks\"",
                "banana"
            ),
            "Invalid value \"…\" for configuration property \"acks\""
        );
        assert_eq!(
            redact_word("value 1 is outside allowed range 10..100", "1"),
            "value … is outside allowed range 10..100"
        );
        assert_eq!(redact_word("abc", ""), "abc");
    }

    #[test]
    fn secrets_are_masked_as_words_not_inside_words() {
        assert_eq!(
            mask_secrets(
                "Expected bool value for \"enable.ssl\": s3cretQ; xpect",
                ["xpect", "s3cretQ", ""]
            ),
            "Expected bool value for \"enable.ssl\": ********; ********"
        );
    }

    #[test]
    fn tidies_librdkafka_reasons() {
        assert_eq!(
            tidy_reason("sasl_plaintext://127.0.0.1:41195/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 394ms in state AUTH_REQ)"),
            "SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"
        );
        assert_eq!(
            tidy_reason("ssl://127.0.0.1:1/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: x (after 100ms in state SSL_HANDSHAKE, 1 identical error(s) suppressed)"),
            "SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: x"
        );
    }

    #[test]
    fn security_errors_replace_unreachable() {
        let d = Diagnosis::default();
        let transport = RdError::MetadataFetch(RDKafkaErrorCode::BrokerTransportFailure);
        let e = d.connect_error("h:1", &transport).to_string();
        assert!(e.starts_with("cannot reach the cluster at h:1: "), "{e}");
        d.record(
            &RdError::Global(RDKafkaErrorCode::AllBrokersDown),
            "1/1 brokers are down",
        );
        assert!(d.get().is_none());
        d.record(
            &RdError::Global(RDKafkaErrorCode::Authentication),
            "sasl_ssl://h:1/bootstrap: SASL authentication error: bad (after 1ms in state AUTH_REQ)",
        );
        assert_eq!(
            d.connect_error("h:1", &transport).to_string(),
            "authentication failed at h:1: SASL authentication error: bad"
        );
        d.record(
            &RdError::Global(RDKafkaErrorCode::SSL),
            "ssl://h:1/bootstrap: SSL handshake failed: certificate verify failed",
        );
        assert_eq!(
            d.connect_error("h:1", &transport).to_string(),
            "TLS handshake with h:1 failed: SSL handshake failed: certificate verify failed"
        );
        d.clear();
        assert!(d.get().is_none());
    }

    #[test]
    fn an_unresolvable_host_is_not_a_closed_port() {
        let d = Diagnosis::default();
        let transport = RdError::MetadataFetch(RDKafkaErrorCode::BrokerTransportFailure);
        d.record(
            &RdError::Global(RDKafkaErrorCode::Resolve),
            "nohost.invalid:9092/bootstrap: Failed to resolve 'nohost.invalid:9092': Name or service not known (after 1ms in state CONNECT)",
        );
        assert_eq!(
            d.connect_error("nohost.invalid:9092", &transport)
                .to_string(),
            "cannot resolve the host of nohost.invalid:9092: Failed to resolve \
             'nohost.invalid:9092': Name or service not known"
        );
    }

    #[test]
    fn the_line_of_each_connect_error_names_why() {
        let b = || "h:1".to_string();
        let d = || "bad".to_string();
        let cases = [
            (
                KafkaError::Authentication {
                    bootstrap: b(),
                    detail: d(),
                },
                NoCluster::Authentication,
            ),
            (
                KafkaError::Tls {
                    bootstrap: b(),
                    detail: d(),
                },
                NoCluster::Tls,
            ),
            (
                KafkaError::Unreachable {
                    bootstrap: b(),
                    reason: d(),
                },
                NoCluster::Unreachable,
            ),
            (
                KafkaError::Unresolvable {
                    bootstrap: b(),
                    detail: d(),
                },
                NoCluster::Unresolvable,
            ),
        ];
        for (e, why) in cases {
            assert_eq!(NoCluster::of_line(&e.to_string()), why, "{e}");
        }
        assert_eq!(NoCluster::Authentication.as_str(), "authentication failed");
    }
}

//! The checks config owns: bootstrap servers, topic names and specs, the poll
//! interval, the security protocol and SASL mechanism. Each says what is wrong;
//! the caller names the file and the key.

use std::time::Duration;

/// A field of a table that failed a check, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldError {
    /// The field as the file names it (`sasl_password_env`, `partitions`).
    pub(super) field: &'static str,
    pub(super) reason: String,
}

impl FieldError {
    pub(super) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        FieldError {
            field,
            reason: reason.into(),
        }
    }
}

/// The shortest poll interval a profile may set.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);

const PROTOCOLS: [&str; 4] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

const SASL_MECHANISMS: [&str; 5] = [
    "PLAIN",
    "SCRAM-SHA-256",
    "SCRAM-SHA-512",
    "GSSAPI",
    "OAUTHBEARER",
];

/// `host:port[,host:port...]` with a numeric port.
pub fn validate_bootstrap(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("is empty".into());
    }
    for part in s.split(',') {
        let part = part.trim();
        // `user:password@host:port`: never echoed, not even in this error.
        if part.contains('@') {
            return Err(
                "holds credentials (`user:password@`): give them in the profile's \
                        [security] table (sasl_username, sasl_password_env), never in \
                        the address"
                    .into(),
            );
        }
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

pub(super) fn validate_poll_interval(interval: Duration) -> Result<(), String> {
    if interval < MIN_POLL_INTERVAL {
        return Err("must be at least 100ms".into());
    }
    Ok(())
}

/// The security protocol in librdkafka's spelling (upper case).
pub(super) fn validate_protocol(protocol: &str) -> Result<String, String> {
    let upper = protocol.to_ascii_uppercase();
    if !PROTOCOLS.contains(&upper.as_str()) {
        return Err(format!(
            "`{protocol}` is not one of {}",
            PROTOCOLS.join(", ")
        ));
    }
    Ok(upper)
}

pub(super) fn validate_sasl_mechanism(mechanism: &str) -> Result<(), String> {
    if !SASL_MECHANISMS.contains(&mechanism) {
        return Err(format!(
            "`{mechanism}` is not one of {}",
            SASL_MECHANISMS.join(", ")
        ));
    }
    Ok(())
}

//! `[services.notifier]`: where the notification service delivers its pushes over
//! HTTP (an FCM HTTP v1 `messages:send` endpoint, or anything that takes its shape).
//! Without an endpoint the outbox is the sink, as it always was.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::secrets::{secret_value, Secret};
use super::validate::FieldError;

/// `[services.notifier]` as written.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NotifierConfig {
    /// `http://` or `https://` URL the pushes are POSTed to (none: no HTTP delivery).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Name of the environment variable holding the bearer token sent with each push.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Attempts at one push before it is dead-lettered with the last reason.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// How long one attempt may take (connect, send, answer).
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

fn default_max_attempts() -> u32 {
    5
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            endpoint: None,
            token_env: None,
            max_attempts: default_max_attempts(),
            timeout: default_timeout(),
        }
    }
}

/// Bounds of `max_attempts` and `timeout`.
const MAX_ATTEMPTS: std::ops::RangeInclusive<u32> = 1..=100;
const TIMEOUT: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(300);

/// `[services.notifier]` resolved: `None` without an endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct NotifierSettings {
    pub endpoint: String,
    pub token_env: Option<String>,
    /// A secret: masked when the configuration is shown.
    pub token: Option<Secret>,
    pub max_attempts: u32,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl NotifierConfig {
    pub(super) fn resolve(&self) -> Result<Option<NotifierSettings>, FieldError> {
        if !MAX_ATTEMPTS.contains(&self.max_attempts) {
            return Err(FieldError::new("max_attempts", "must be between 1 and 100"));
        }
        if !TIMEOUT.contains(&self.timeout) {
            return Err(FieldError::new("timeout", "must be between 100ms and 5m"));
        }
        let Some(endpoint) = &self.endpoint else {
            if self.token_env.is_some() {
                return Err(FieldError::new("token_env", "is set but `endpoint` is not"));
            }
            return Ok(None);
        };
        let lower = endpoint.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || endpoint.contains(char::is_whitespace)
        {
            return Err(FieldError::new(
                "endpoint",
                format!("`{endpoint}` is not an http:// or https:// URL"),
            ));
        }
        let token = secret_value(&None, &self.token_env, "token", "token_env")?.map(|(_, s)| s);
        Ok(Some(NotifierSettings {
            endpoint: endpoint.clone(),
            token_env: self.token_env.clone(),
            token,
            max_attempts: self.max_attempts,
            timeout: self.timeout,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_endpoint_no_notifier_and_bad_values_named() {
        assert!(NotifierConfig::default().resolve().unwrap().is_none());
        let bad = |c: NotifierConfig| c.resolve().unwrap_err().reason;
        let with = |endpoint: &str| NotifierConfig {
            endpoint: Some(endpoint.into()),
            ..NotifierConfig::default()
        };
        assert!(bad(with("ftp://x")).contains("is not an http:// or https:// URL"));
        assert!(bad(NotifierConfig {
            max_attempts: 0,
            ..with("http://x")
        })
        .contains("between 1 and 100"));
        let ok = with("https://fcm.example/v1/projects/p/messages:send")
            .resolve()
            .unwrap()
            .unwrap();
        assert_eq!((ok.max_attempts, ok.timeout), (5, Duration::from_secs(10)));
    }
}

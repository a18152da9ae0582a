//! `[serve]`: the HTTP server of `kaftop serve` (where it listens, how long a
//! publishing request may wait for the cluster, the optional bearer token).

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::secrets::{secret_value, Secret};
use super::validate::FieldError;

/// Where `kaftop serve` listens without `listen` or `--listen`: the seed's port,
/// on loopback only. A wider address must be configured explicitly.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8086";

/// `[serve]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeFileConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Name of the environment variable holding the bearer token that the
    /// publishing endpoints require (none: no token required).
    #[serde(default)]
    pub token_env: Option<String>,
    /// How long a publishing request waits for the cluster before it is answered
    /// with 503.
    #[serde(default = "default_request_timeout", with = "humantime_serde")]
    pub request_timeout: Duration,
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}

impl Default for ServeFileConfig {
    fn default() -> Self {
        ServeFileConfig {
            listen: default_listen(),
            token_env: None,
            request_timeout: default_request_timeout(),
        }
    }
}

/// `[serve]` resolved: the address parsed, the token read (a secret: masked when
/// the configuration is shown).
#[derive(Debug, Clone, Serialize)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    pub token_env: Option<String>,
    pub token: Option<Secret>,
}

/// Shortest and longest `request_timeout`: long enough for one delivery, short
/// enough that a client is never left hanging.
const REQUEST_TIMEOUT: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(300);

impl ServeFileConfig {
    pub(super) fn resolve(&self) -> Result<ServeSettings, FieldError> {
        let listen = parse_listen(&self.listen).map_err(|r| FieldError::new("listen", r))?;
        if !REQUEST_TIMEOUT.contains(&self.request_timeout) {
            return Err(FieldError::new(
                "request_timeout",
                "must be between 100ms and 5m",
            ));
        }
        let token = secret_value(&None, &self.token_env, "token", "token_env")?.map(|(_, s)| s);
        Ok(ServeSettings {
            listen,
            request_timeout: self.request_timeout,
            token_env: self.token_env.clone(),
            token,
        })
    }
}

/// `IP:PORT` (`127.0.0.1:8086`, `[::1]:8086`, `0.0.0.0:8086`): an address, never a
/// name, so what is bound is exactly what was written.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not IP:PORT such as {DEFAULT_LISTEN} or [::1]:8086"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback() {
        let s = ServeFileConfig::default().resolve().unwrap();
        assert!(s.listen.ip().is_loopback());
        assert_eq!(s.listen.port(), 8086);
        assert!(s.token.is_none());
    }

    #[test]
    fn listen_addresses() {
        assert!(parse_listen("[::1]:0").is_ok());
        assert!(parse_listen("0.0.0.0:8086").is_ok());
        for bad in ["localhost:8086", "8086", "127.0.0.1", ""] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_from_environment_is_secret() {
        std::env::set_var("KAFTOP_UNIT_SERVE_TOKEN", "t0ken-value");
        let c = ServeFileConfig {
            token_env: Some("KAFTOP_UNIT_SERVE_TOKEN".into()),
            ..ServeFileConfig::default()
        };
        let s = c.resolve().unwrap();
        assert_eq!(s.token.as_ref().map(Secret::expose), Some("t0ken-value"));
        assert!(!format!("{s:?}").contains("t0ken-value"));
        let missing = ServeFileConfig {
            token_env: Some("KAFTOP_UNIT_SERVE_TOKEN_UNSET".into()),
            ..ServeFileConfig::default()
        };
        let e = missing.resolve().unwrap_err();
        assert_eq!(e.field, "token_env");
        assert!(e.reason.contains("is not set"), "{}", e.reason);
    }
}

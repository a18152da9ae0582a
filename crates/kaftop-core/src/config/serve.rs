//! `[serve]`: the HTTP server of `kaftop serve` (where it listens, how long a
//! publishing request may wait for the cluster, the optional bearer token), how it
//! protects itself (timeouts, caps), its TLS and the read-receipt WebSockets' JWTs.

use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// How long a client may take to send a request's headers, counted from the
    /// connection's start or the end of its previous response: it also closes an
    /// idle kept-alive connection.
    #[serde(default = "default_header_read_timeout", with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// Open HTTP connections at once; one more is answered with 503 and closed.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Open read-receipt WebSockets at once; one more is closed (1013).
    #[serde(default = "default_max_websocket_clients")]
    pub max_websocket_clients: usize,
    /// PEM certificate chain and private key: `serve` speaks HTTPS (and WSS).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Name of the environment variable holding the HS256 secret of the JWTs the
    /// read-receipt WebSockets then require.
    #[serde(default)]
    pub jwt_secret_env: Option<String>,
    /// PEM public key of RS256 JWTs the read-receipt WebSockets then require.
    #[serde(default)]
    pub jwt_public_key: Option<PathBuf>,
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_header_read_timeout() -> Duration {
    Duration::from_secs(10)
}

/// With the WebSockets, well under the usual limit of 1 024 open files.
fn default_max_connections() -> usize {
    512
}

fn default_max_websocket_clients() -> usize {
    256
}

impl Default for ServeFileConfig {
    fn default() -> Self {
        ServeFileConfig {
            listen: default_listen(),
            token_env: None,
            request_timeout: default_request_timeout(),
            header_read_timeout: default_header_read_timeout(),
            max_connections: default_max_connections(),
            max_websocket_clients: default_max_websocket_clients(),
            tls_cert: None,
            tls_key: None,
            jwt_secret_env: None,
            jwt_public_key: None,
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
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    pub max_websocket_clients: usize,
    pub tls: Option<TlsFiles>,
    pub jwt: Option<JwtKey>,
}

/// The PEM files of `serve`'s TLS.
#[derive(Debug, Clone, Serialize)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What verifies the read-receipt WebSockets' JWTs.
#[derive(Debug, Clone, Serialize)]
pub enum JwtKey {
    /// HS256, with the secret from `jwt_secret_env`.
    Hs256 { env: String, secret: Secret },
    /// RS256, with the public key in this PEM file.
    Rs256 { public_key: PathBuf },
}

/// Shortest and longest `request_timeout`: long enough for one delivery, short
/// enough that a client is never left hanging.
const REQUEST_TIMEOUT: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(300);
/// The same bounds hold for the header timeout.
const CONNECTION_TIMEOUT: std::ops::RangeInclusive<Duration> = REQUEST_TIMEOUT;
/// Most connections or WebSockets `serve` may be told to hold.
const MAX_OPEN: std::ops::RangeInclusive<usize> = 1..=100_000;

impl ServeFileConfig {
    pub(super) fn resolve(&self) -> Result<ServeSettings, FieldError> {
        let listen = parse_listen(&self.listen).map_err(|r| FieldError::new("listen", r))?;
        let timeouts = [
            ("request_timeout", self.request_timeout),
            ("header_read_timeout", self.header_read_timeout),
        ];
        for (field, t) in timeouts {
            if !CONNECTION_TIMEOUT.contains(&t) {
                return Err(FieldError::new(field, "must be between 100ms and 5m"));
            }
        }
        for (field, n) in [
            ("max_connections", self.max_connections),
            ("max_websocket_clients", self.max_websocket_clients),
        ] {
            if !MAX_OPEN.contains(&n) {
                return Err(FieldError::new(field, "must be between 1 and 100000"));
            }
        }
        let token = secret_value(&None, &self.token_env, "token", "token_env")?.map(|(_, s)| s);
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            (Some(_), None) => return Err(FieldError::new("tls_key", "required with tls_cert")),
            (None, Some(_)) => return Err(FieldError::new("tls_cert", "required with tls_key")),
        };
        let secret = secret_value(&None, &self.jwt_secret_env, "jwt_secret", "jwt_secret_env")?;
        let jwt = match (secret, &self.jwt_public_key, &self.jwt_secret_env) {
            (Some(_), Some(_), _) => {
                return Err(FieldError::new(
                    "jwt_public_key",
                    "set either `jwt_secret_env` (HS256) or `jwt_public_key` (RS256), not both",
                ))
            }
            (Some((_, secret)), None, Some(env)) => Some(JwtKey::Hs256 {
                env: env.clone(),
                secret,
            }),
            (None, Some(path), _) => Some(JwtKey::Rs256 {
                public_key: path.clone(),
            }),
            _ => None,
        };
        Ok(ServeSettings {
            listen,
            request_timeout: self.request_timeout,
            token_env: self.token_env.clone(),
            token,
            header_read_timeout: self.header_read_timeout,
            max_connections: self.max_connections,
            max_websocket_clients: self.max_websocket_clients,
            tls,
            jwt,
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

    #[test]
    fn limits_and_keys_are_checked() {
        let bad = |c: ServeFileConfig| c.resolve().unwrap_err().field;
        let d = ServeFileConfig::default;
        assert_eq!(
            bad(ServeFileConfig {
                header_read_timeout: Duration::ZERO,
                ..d()
            }),
            "header_read_timeout"
        );
        assert_eq!(
            bad(ServeFileConfig {
                max_connections: 0,
                ..d()
            }),
            "max_connections"
        );
        assert_eq!(
            bad(ServeFileConfig {
                tls_cert: Some("c.pem".into()),
                ..d()
            }),
            "tls_key"
        );
        std::env::set_var("KAFTOP_UNIT_SERVE_JWT", "jwt-secret-value");
        let both = ServeFileConfig {
            jwt_secret_env: Some("KAFTOP_UNIT_SERVE_JWT".into()),
            jwt_public_key: Some("k.pem".into()),
            ..d()
        };
        assert_eq!(bad(both), "jwt_public_key");
        let hs = ServeFileConfig {
            jwt_secret_env: Some("KAFTOP_UNIT_SERVE_JWT".into()),
            ..d()
        }
        .resolve()
        .unwrap();
        assert!(matches!(hs.jwt, Some(JwtKey::Hs256 { .. })));
        assert!(!format!("{hs:?}").contains("jwt-secret-value"));
    }
}

//! `[services]` as far as config knows it: where the services' store is, how long
//! its tables keep rows, and how many consumers a group may run. Plain data and its
//! checks; the services crate turns these settings into its own store.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Serialize, Serializer};

use super::file::ServicesConfig;
use super::secrets::{secret_value, Secret};
use super::validate::FieldError;

/// The store's file name inside the data dir.
pub const STORE_FILE: &str = "services.db";

/// Consumers per service group in one process: the one limit that the config,
/// the command line and the services' start all check.
pub const CONCURRENCY: RangeInclusive<u32> = 1..=64;

/// Checks a consumer count against [`CONCURRENCY`].
pub fn check_concurrency(n: u32) -> Result<(), String> {
    if CONCURRENCY.contains(&n) {
        Ok(())
    } else {
        Err(format!(
            "must be between {} and {}, not {n}",
            CONCURRENCY.start(),
            CONCURRENCY.end()
        ))
    }
}

/// The default store: [`STORE_FILE`] in the data dir.
pub fn default_store_path(data_dir: &Path) -> PathBuf {
    data_dir.join(STORE_FILE)
}

/// Where the services keep their effects (`services.store`).
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSettings {
    /// A SQLite file, by default [`STORE_FILE`] in the data dir.
    Sqlite(PathBuf),
    Postgres(PostgresSettings),
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSettings::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            StoreSettings::Postgres(pg) => write!(f, "Postgres({})", pg.url),
        }
    }
}

/// A path or a URL, never a password.
impl fmt::Display for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSettings::Sqlite(p) => write!(f, "{}", p.display()),
            StoreSettings::Postgres(pg) => f.write_str(&pg.url),
        }
    }
}

/// Serialized as its Display.
impl Serialize for StoreSettings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A PostgreSQL database: the URL (without a password) and the password, if any.
/// Debug shows the password masked ([`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresSettings {
    url: String,
    password: Option<Secret>,
}

/// Why a `postgres://` URL is refused here. The URL's full syntax is the
/// PostgreSQL client's to check (the services crate does).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreUrlError {
    #[error("must be a postgres://user@host:port/database URL (leave it out for SQLite in the data dir)")]
    NotPostgres,
    #[error(
        "the URL holds a password; put it in an environment variable named by `services.store_password_env`"
    )]
    PasswordInUrl,
}

impl PostgresSettings {
    /// Keeps a `postgres://` URL that carries no password, in its user info or in a
    /// `password=` parameter (the places the PostgreSQL client reads one from).
    pub fn new(url: &str, password: Option<Secret>) -> Result<PostgresSettings, StoreUrlError> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or(StoreUrlError::NotPostgres)?;
        // As the client reads it: the user info is everything before the first `@`.
        let (user_info, rest) = rest.split_once('@').unwrap_or(("", rest));
        let params = rest.split_once('?').map_or("", |(_, p)| p);
        let password_param = params.split('&').any(|kv| {
            kv.split_once('=')
                .is_some_and(|(k, _)| percent_decoded(k) == b"password")
        });
        if user_info.contains(':') || password_param {
            return Err(StoreUrlError::PasswordInUrl);
        }
        Ok(PostgresSettings {
            url: url.to_string(),
            password,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }
}

/// `%XX` escapes decoded, as the client decodes a parameter's name.
fn percent_decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if b[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// True for the values of `services.store` that name PostgreSQL.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// `services.store` and `services.store_password_env`: SQLite in the data dir, or
/// PostgreSQL with the password read from the environment now (so that `config
/// check` reports a missing variable).
pub(super) fn store_settings(
    s: &ServicesConfig,
    data_dir: &Path,
) -> Result<StoreSettings, FieldError> {
    let url = match s.store.as_deref() {
        None => {
            if s.store_password_env.is_some() {
                return Err(FieldError::new(
                    "services.store_password_env",
                    "is set but `services.store` is not a postgres:// URL",
                ));
            }
            return Ok(StoreSettings::Sqlite(default_store_path(data_dir)));
        }
        Some(u) => u,
    };
    if !is_postgres_url(url) {
        return Err(FieldError::new(
            "services.store",
            StoreUrlError::NotPostgres.to_string(),
        ));
    }
    let password = secret_value(
        &None,
        &s.store_password_env,
        "services.store",
        "services.store_password_env",
    )?
    .map(|(_, p)| p);
    PostgresSettings::new(url, password)
        .map(StoreSettings::Postgres)
        .map_err(|e| FieldError::new("services.store", e.to_string()))
}

/// How long each table of the store keeps a row after it was stored
/// (`[services.retention]` resolved). A replay of records older than a table's
/// retention can apply their effect again, so each must outlast the topics' own
/// retention; the archive keeps its rows for their `retention_until` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// `message_index`: what a read needs to find its message's sender.
    #[serde(with = "humantime_serde")]
    pub message_index: Duration,
    /// `notification_outbox`.
    #[serde(with = "humantime_serde")]
    pub outbox: Duration,
    /// `read_receipts`.
    #[serde(with = "humantime_serde")]
    pub receipts: Duration,
    /// The rows behind the daily counts (`daily_created`, `daily_reads`,
    /// `daily_senders`); the counts themselves are kept.
    #[serde(with = "humantime_serde")]
    pub daily: Duration,
    /// `dedupe` (an optimisation: a short retention only costs work).
    #[serde(with = "humantime_serde")]
    pub dedupe: Duration,
}

const DAY: u64 = 24 * 3600;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            message_index: Duration::from_secs(30 * DAY),
            outbox: Duration::from_secs(30 * DAY),
            receipts: Duration::from_secs(30 * DAY),
            daily: Duration::from_secs(30 * DAY),
            dedupe: Duration::from_secs(7 * DAY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_refused_and_never_shown() {
        for url in [
            "postgres://u:pw@127.0.0.1:5/db",
            "postgresql://u:@h/db",
            "postgres://u@h/db?sslmode=disable&password=pw",
            "postgres://u@h/db?pass%77ord=pw",
        ] {
            assert_eq!(
                PostgresSettings::new(url, None),
                Err(StoreUrlError::PasswordInUrl),
                "{url}"
            );
        }
        assert_eq!(
            PostgresSettings::new("mysql://x", None),
            Err(StoreUrlError::NotPostgres)
        );
        let s = StoreSettings::Postgres(
            PostgresSettings::new("postgres://u@[::1]:5/db?x=1", Some(Secret::new("s3cret")))
                .unwrap(),
        );
        assert_eq!(s.to_string(), "postgres://u@[::1]:5/db?x=1");
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(is_postgres_url("postgresql://x/y") && !is_postgres_url("/tmp/s.db"));
    }

    #[test]
    fn concurrency_is_checked_against_the_one_range() {
        assert!(check_concurrency(1).is_ok() && check_concurrency(64).is_ok());
        assert_eq!(
            check_concurrency(0),
            Err("must be between 1 and 64, not 0".to_string())
        );
    }
}

//! Where the store is: a SQLite file (the default, in the data dir) or a PostgreSQL
//! database named by a `postgres://` URL, its password from an environment variable.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::config::Secret;

/// The store a process uses.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreTarget {
    Sqlite(PathBuf),
    Postgres(PostgresTarget),
}

impl fmt::Debug for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreTarget::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            StoreTarget::Postgres(pg) => write!(f, "Postgres({})", pg.url),
        }
    }
}

impl fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreTarget::Sqlite(p) => write!(f, "{}", p.display()),
            StoreTarget::Postgres(pg) => f.write_str(&pg.url),
        }
    }
}

/// A PostgreSQL database: the URL (without a password) and the password, if any.
/// Debug shows the password masked ([`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresTarget {
    url: String,
    password: Option<Secret>,
}

/// Why a `postgres://` URL is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("not a PostgreSQL URL: {0}")]
    Invalid(String),
    #[error(
        "the URL holds a password; put it in an environment variable named by `services.store_password_env`"
    )]
    PasswordInUrl,
}

impl PostgresTarget {
    /// Checks the URL (it must parse, and carry no password) and keeps it.
    pub fn new(url: &str, password: Option<Secret>) -> Result<PostgresTarget, TargetError> {
        let cfg =
            postgres::Config::from_str(url).map_err(|e| TargetError::Invalid(e.to_string()))?;
        if cfg.get_password().is_some() {
            return Err(TargetError::PasswordInUrl);
        }
        Ok(PostgresTarget {
            url: url.to_string(),
            password,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new session (no TLS: a store on loopback or a private network).
    pub(crate) fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let mut cfg = postgres::Config::from_str(&self.url)?;
        if let Some(p) = &self.password {
            cfg.password(p.expose());
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("kaftop");
        }
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(10));
        }
        cfg.connect(postgres::NoTls)
    }
}

/// Serializes a target as its Display (a path or a URL, never a password).
pub fn serialize_target<S: serde::Serializer>(t: &StoreTarget, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// True for the values of `services.store` that name PostgreSQL.
pub(crate) fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_a_password_are_refused_and_the_password_is_never_shown() {
        assert_eq!(
            PostgresTarget::new("postgres://u:pw@127.0.0.1:5/db", None),
            Err(TargetError::PasswordInUrl)
        );
        assert!(matches!(
            PostgresTarget::new("postgres://u@127.0.0.1:notaport/db", None),
            Err(TargetError::Invalid(_))
        ));
        let t = StoreTarget::Postgres(
            PostgresTarget::new("postgres://u@127.0.0.1:5/db", Some(Secret::new("s3cret")))
                .unwrap(),
        );
        assert_eq!(t.to_string(), "postgres://u@127.0.0.1:5/db");
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!(is_postgres_url("postgresql://x/y") && !is_postgres_url("/tmp/s.db"));
    }
}

//! Where the store is: a SQLite file (the default, in the data dir) or a PostgreSQL
//! database named by a `postgres://` URL, its password from an environment variable.
//! Made from the configuration's [`StoreSettings`]; this side knows the PostgreSQL
//! client, so it checks the URL's full syntax ([`check_settings`]).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use kaftop_core::config::{PostgresSettings, Secret, StoreSettings, StoreUrlError};

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
            StoreTarget::Postgres(pg) => write!(f, "Postgres({})", pg.url()),
        }
    }
}

impl fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreTarget::Sqlite(p) => write!(f, "{}", p.display()),
            StoreTarget::Postgres(pg) => f.write_str(pg.url()),
        }
    }
}

/// The configuration's store. A URL the PostgreSQL client cannot parse fails on
/// connecting; [`check_settings`] finds it before.
impl From<&StoreSettings> for StoreTarget {
    fn from(s: &StoreSettings) -> StoreTarget {
        match s {
            StoreSettings::Sqlite(p) => StoreTarget::Sqlite(p.clone()),
            StoreSettings::Postgres(pg) => StoreTarget::Postgres(PostgresTarget(pg.clone())),
        }
    }
}

/// Checks what the configuration leaves to the PostgreSQL client: the URL's syntax.
pub fn check_settings(s: &StoreSettings) -> Result<(), TargetError> {
    match StoreTarget::from(s) {
        StoreTarget::Sqlite(_) => Ok(()),
        StoreTarget::Postgres(pg) => pg.config().map(|_| ()),
    }
}

/// A PostgreSQL database: the URL (without a password) and the password, if any.
/// Debug shows the password masked ([`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresTarget(PostgresSettings);

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

impl From<StoreUrlError> for TargetError {
    fn from(e: StoreUrlError) -> TargetError {
        match e {
            StoreUrlError::PasswordInUrl => TargetError::PasswordInUrl,
            StoreUrlError::NotPostgres => TargetError::Invalid(e.to_string()),
        }
    }
}

impl PostgresTarget {
    /// Checks the URL (it must parse, and carry no password) and keeps it.
    pub fn new(url: &str, password: Option<Secret>) -> Result<PostgresTarget, TargetError> {
        let target = PostgresTarget(PostgresSettings::new(url, password)?);
        target.config()?;
        Ok(target)
    }

    pub fn url(&self) -> &str {
        self.0.url()
    }

    /// The URL parsed by the client, which must find no password in it.
    fn config(&self) -> Result<postgres::Config, TargetError> {
        let cfg = postgres::Config::from_str(self.url())
            .map_err(|e| TargetError::Invalid(e.to_string()))?;
        if cfg.get_password().is_some() {
            return Err(TargetError::PasswordInUrl);
        }
        Ok(cfg)
    }

    /// A new session (no TLS: a store on loopback or a private network).
    pub(crate) fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let mut cfg = postgres::Config::from_str(self.url())?;
        if let Some(p) = self.0.password() {
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
        assert!(
            kaftop_core::config::is_postgres_url("postgresql://x/y")
                && !kaftop_core::config::is_postgres_url("/tmp/s.db")
        );
    }
}

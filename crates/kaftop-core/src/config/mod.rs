//! Configuration: a TOML file with named cluster profiles, resolved together with
//! the CLI overrides into one [`Resolved`] value the rest of the program uses.
//!
//! Lookup order: `--config FILE`, `$KAFTOP_CONFIG`, `<platform config dir>/config.toml`,
//! then built-in defaults. Every error names the file, the key and the reason.
//!
//! - `file`: the file model (the serde structs), reading and parsing;
//! - `secrets`: secret values, which properties hold one, masking;
//! - `resolve`: the chosen profile with the overrides applied;
//! - `serve`: `[serve]`, the HTTP server of `kaftop serve`;
//! - `store`: the services' store, retention and concurrency, as plain settings;
//! - `validate`: the checks config owns (bootstrap, topics, security names).

use std::path::PathBuf;

mod file;
mod notifier;
mod oauth;
#[cfg(test)]
mod props;
mod registry;
mod resolve;
mod secrets;
mod serve;
mod store;
#[cfg(test)]
mod tests;
mod validate;
mod zone;

pub use file::{
    parse_str, read_file, FileConfig, KeyList, LagConfig, ProfileConfig, RetentionConfig,
    SecurityConfig, ServicesConfig, TopicSpec, TopicsConfig,
};
pub use notifier::{NotifierConfig, NotifierSettings};
pub use oauth::OauthBearerConfig;
pub use registry::{
    LocalSchemaFile, RegistryAuth, RegistryConfig, RegistrySettings, TopicSchemaFiles,
};
pub use resolve::{resolve, Overrides, ReadOnly, Resolved};
pub use secrets::{is_secret_property, Secret, Secretish};
pub use serve::{parse_listen, JwtKey, ServeFileConfig, ServeSettings, TlsFiles, DEFAULT_LISTEN};
pub use store::{
    check_concurrency, default_store_path, is_postgres_url, PostgresSettings, Retention,
    StoreSettings, StoreUrlError, CONCURRENCY, STORE_FILE,
};
pub use validate::{validate_bootstrap, validate_topic_name};
pub use zone::ServicesZone;

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

/// Finds, reads, validates and resolves the configuration.
pub fn load(ov: &Overrides) -> Result<Resolved, ConfigError> {
    let (path, file) = find(ov)?;
    resolve(file.as_ref(), path.as_deref(), ov)
}

/// Every profile of the configuration, each resolved as `--profile NAME` would
/// (`--all-profiles`), in name order; without profiles, the built-in one.
pub fn load_all(ov: &Overrides) -> Result<Vec<Resolved>, ConfigError> {
    let (path, file) = find(ov)?;
    let names: Vec<String> = file
        .as_ref()
        .map(|f| f.profiles.keys().cloned().collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(vec![resolve(file.as_ref(), path.as_deref(), ov)?]);
    }
    names
        .into_iter()
        .map(|name| {
            let ov = Overrides {
                profile: Some(name),
                ..ov.clone()
            };
            resolve(file.as_ref(), path.as_deref(), &ov)
        })
        .collect()
}

/// The file the lookup order finds, read and parsed (`None`: built-in defaults).
fn find(ov: &Overrides) -> Result<(Option<PathBuf>, Option<FileConfig>), ConfigError> {
    let path = ov
        .config_file
        .clone()
        .or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from))
        .or_else(|| platform_config_file().filter(|p| p.exists()));
    let file = match &path {
        Some(p) => Some(read_file(p)?),
        None => None,
    };
    Ok((path, file))
}

/// `<platform config dir>/config.toml` (e.g. `~/.config/kaftop/config.toml`).
pub fn platform_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kaftop").map(|d| d.config_dir().join("config.toml"))
}

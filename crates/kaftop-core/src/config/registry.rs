//! A profile's `[registry]`: the schema registry (Confluent REST API) that
//! decodes records in its wire format, and local schema files per topic.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::secrets::{secret_value, Secret};
use crate::schema::SchemaKind;

/// `[profiles.NAME.registry]` as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// `http://` or `https://` base URL of the Confluent REST API.
    #[serde(default)]
    pub url: Option<String>,
    /// Basic auth: the user, with the password in `password_env`.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Bearer token auth: the environment variable that holds the token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// PEM file of the CA that signed the registry's certificate.
    #[serde(default)]
    pub ca_location: Option<PathBuf>,
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// Local schema files per topic, used instead of the registry.
    #[serde(default)]
    pub topics: BTreeMap<String, TopicSchemaFiles>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TopicSchemaFiles {
    /// `.avsc`, `.proto` or `.json` (JSON Schema) for the values.
    #[serde(default)]
    pub value: Option<PathBuf>,
    #[serde(default)]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub enum RegistryAuth {
    None,
    Basic { username: String, password: Secret },
    Bearer(Secret),
}

/// A schema file named for a topic's keys or values.
#[derive(Debug, Clone, Serialize)]
pub struct LocalSchemaFile {
    pub topic: String,
    pub is_key: bool,
    pub path: PathBuf,
    pub kind: SchemaKind,
}

/// `[registry]` resolved: secrets read, files checked.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrySettings {
    pub url: Option<String>,
    pub auth: RegistryAuth,
    pub ca_location: Option<PathBuf>,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    pub local: Vec<LocalSchemaFile>,
}

impl RegistrySettings {
    pub fn secret(&self) -> Option<&Secret> {
        match &self.auth {
            RegistryAuth::None => None,
            RegistryAuth::Basic { password, .. } => Some(password),
            RegistryAuth::Bearer(token) => Some(token),
        }
    }
}

/// A bad `[registry]` key (relative to `registry.`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RegistryFieldError {
    pub(super) field: String,
    pub(super) reason: String,
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> RegistryFieldError {
    RegistryFieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

impl RegistryConfig {
    pub(super) fn resolve(&self) -> Result<Option<RegistrySettings>, RegistryFieldError> {
        if self == &RegistryConfig::default() {
            return Ok(None);
        }
        if let Some(url) = &self.url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://"))
                || url.contains(char::is_whitespace)
            {
                return Err(bad(
                    "url",
                    format!("`{url}` is not an http:// or https:// URL"),
                ));
            }
        } else if let Some(field) = [
            ("username", self.username.is_some()),
            ("token_env", self.token_env.is_some()),
            ("ca_location", self.ca_location.is_some()),
        ]
        .iter()
        .find_map(|(f, set)| set.then_some(*f))
        {
            return Err(bad(field, "is set but `url` is not"));
        }
        let auth = self.auth()?;
        if let Some(ca) = &self.ca_location {
            if !ca.exists() {
                return Err(bad(
                    "ca_location",
                    format!("file `{}` does not exist", ca.display()),
                ));
            }
        }
        let timeout = self.timeout.unwrap_or(Duration::from_secs(10));
        if !(Duration::from_millis(100)..=Duration::from_secs(300)).contains(&timeout) {
            return Err(bad("timeout", "must be between 100ms and 5m"));
        }
        let mut local = Vec::new();
        for (topic, files) in &self.topics {
            for (is_key, path) in [(false, &files.value), (true, &files.key)] {
                let Some(path) = path else { continue };
                let field = format!("topics.{topic}.{}", if is_key { "key" } else { "value" });
                local.push(local_file(topic, is_key, path).map_err(|r| bad(field, r))?);
            }
        }
        Ok(Some(RegistrySettings {
            url: self.url.clone(),
            auth,
            ca_location: self.ca_location.clone(),
            timeout,
            local,
        }))
    }

    fn auth(&self) -> Result<RegistryAuth, RegistryFieldError> {
        let field_err = |e: super::validate::FieldError| bad(e.field, e.reason);
        let password = secret_value(&None, &self.password_env, "password", "password_env")
            .map_err(field_err)?;
        let token =
            secret_value(&None, &self.token_env, "token", "token_env").map_err(field_err)?;
        match (&self.username, password, token) {
            (Some(_), _, Some(_)) => Err(bad("token_env", "cannot be set with `username`")),
            (Some(username), Some((_, password)), None) => Ok(RegistryAuth::Basic {
                username: username.clone(),
                password,
            }),
            (Some(_), None, None) => Err(bad("password_env", "is needed with `username`")),
            (None, Some(_), _) => Err(bad("password_env", "is set but `username` is not")),
            (None, None, Some((_, token))) => Ok(RegistryAuth::Bearer(token)),
            (None, None, None) => Ok(RegistryAuth::None),
        }
    }
}

fn local_file(
    topic: &str,
    is_key: bool,
    path: &std::path::Path,
) -> Result<LocalSchemaFile, String> {
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("avsc") => SchemaKind::Avro,
        Some("proto") => SchemaKind::Protobuf,
        Some("json") => SchemaKind::Json,
        _ => {
            return Err(format!(
                "`{}` is not a .avsc, .proto or .json schema file",
                path.display()
            ))
        }
    };
    if !path.is_file() {
        return Err(format!("file `{}` does not exist", path.display()));
    }
    Ok(LocalSchemaFile {
        topic: topic.to_string(),
        is_key,
        path: path.to_path_buf(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> RegistryConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn bad_keys_are_named() {
        let err = |t: &str| parse(t).resolve().unwrap_err().field;
        assert_eq!(err(r#"url = "registry:8081""#), "url");
        assert_eq!(err(r#"username = "u""#), "username");
        assert_eq!(err("url = \"http://r\"\nusername = \"u\""), "password_env");
        assert_eq!(
            err("url = \"http://r\"\nca_location = \"/nonexistent/ca.pem\""),
            "ca_location"
        );
        assert_eq!(
            err("url = \"http://r\"\n[topics.orders]\nvalue = \"order.xml\""),
            "topics.orders.value"
        );
        assert_eq!(
            err("[topics.orders]\nkey = \"/nonexistent/k.avsc\""),
            "topics.orders.key"
        );
        assert!(parse("").resolve().unwrap().is_none());
        let ok = parse(r#"url = "http://127.0.0.1:8081""#)
            .resolve()
            .unwrap()
            .unwrap();
        assert!(matches!(ok.auth, RegistryAuth::None));
    }

    #[test]
    fn a_token_from_the_environment_is_a_secret() {
        // A variable only this test sets.
        std::env::set_var("KAFTOP_TEST_REGISTRY_TOKEN_CFG", "s3cret-token");
        let s = parse("url = \"https://r\"\ntoken_env = \"KAFTOP_TEST_REGISTRY_TOKEN_CFG\"")
            .resolve()
            .unwrap()
            .unwrap();
        assert_eq!(s.secret().map(Secret::expose), Some("s3cret-token"));
        let shown = serde_json::to_string(&s).unwrap();
        assert!(!shown.contains("s3cret-token"), "{shown}");
    }
}

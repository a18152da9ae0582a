//! Secrets: values that are never printed or logged (passwords, tokens, key
//! material), how a property name is judged to hold one, and how secrets are
//! masked when the configuration is shown.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use super::validate::FieldError;

/// What a masked secret shows instead of its value.
const MASK: &str = "********";

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{MASK}\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

/// A property value that may be a secret (masked in output and logs).
#[derive(Clone, PartialEq, Eq)]
pub enum Secretish {
    Plain(String),
    Secret(Secret),
}

impl Secretish {
    pub fn value(&self) -> &str {
        match self {
            Secretish::Plain(v) => v,
            Secretish::Secret(s) => s.expose(),
        }
    }

    /// The value of librdkafka property `key`, a secret if the name says so.
    pub(super) fn classify(key: &str, value: String) -> Secretish {
        if is_secret_property(key) {
            Secretish::Secret(Secret(value))
        } else {
            Secretish::Plain(value)
        }
    }
}

impl fmt::Debug for Secretish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secretish::Plain(v) => write!(f, "{v:?}"),
            Secretish::Secret(s) => s.fmt(f),
        }
    }
}

/// librdkafka property names whose values are (or may hold) secrets: passwords,
/// secrets, tokens, JAAS and OAuth configs, private keys and key material. Paths to
/// key files (`*.location`) are not secrets.
pub fn is_secret_property(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "jaas",
        "credential",
        "private",
    ]
    .iter()
    .any(|w| k.contains(w))
        || (k.contains("oauth") && k.ends_with(".config"))
        || (k.contains("key") && !k.ends_with(".location"))
}

/// Serializes an optional secret of the file model masked.
pub(super) fn mask_opt<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str(MASK),
        None => s.serialize_none(),
    }
}

/// Serializes librdkafka properties with their secret values masked.
pub(super) fn mask_properties<S: Serializer>(
    props: &BTreeMap<String, Secretish>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(props.len()))?;
    for (k, v) in props {
        match v {
            Secretish::Plain(v) => map.serialize_entry(k, v)?,
            Secretish::Secret(_) => map.serialize_entry(k, MASK)?,
        }
    }
    map.end()
}

/// A secret given inline or through an environment variable, with the field that
/// gave it. An empty secret is an error: it is never what was meant.
pub(super) fn secret_value(
    inline: &Option<String>,
    env: &Option<String>,
    inline_key: &'static str,
    env_key: &'static str,
) -> Result<Option<(&'static str, Secret)>, FieldError> {
    match (inline, env) {
        (Some(_), Some(_)) => Err(FieldError::new(
            env_key,
            format!("set either `{inline_key}` or `{env_key}`, not both"),
        )),
        (Some(v), None) if v.is_empty() => Err(FieldError::new(inline_key, "is empty")),
        (Some(v), None) => Ok(Some((inline_key, Secret(v.clone())))),
        (None, Some(var)) => match std::env::var(var) {
            Ok(v) if v.is_empty() => Err(FieldError::new(
                env_key,
                format!("environment variable `{var}` is empty"),
            )),
            Ok(v) => Ok(Some((env_key, Secret(v)))),
            Err(std::env::VarError::NotUnicode(_)) => Err(FieldError::new(
                env_key,
                format!("environment variable `{var}` is not valid UTF-8"),
            )),
            Err(std::env::VarError::NotPresent) => Err(FieldError::new(
                env_key,
                format!("environment variable `{var}` is not set"),
            )),
        },
        (None, None) => Ok(None),
    }
}

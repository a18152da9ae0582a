//! Encoding a record's JSON value (and key) with registry subjects' schemas: the
//! one path `kaftop publish --schema-subject` and the panel's free-form record
//! share. A refusal says which part of the record is wrong, so the CLI can name
//! its flag and the panel its field.

use anyhow::{bail, Result};
use kaftop_core::config::Resolved;
use kaftop_core::schema::decoder::SchemaInfo;
use kaftop_core::schema::{Encoder, SchemaError, SchemaSource};
use serde_json::Value as Json;

use crate::registry::HttpRegistry;

/// Which subjects encode the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChoice {
    pub subject: String,
    /// Default: the latest.
    pub version: Option<i32>,
    /// The Protobuf message (default: the file's first).
    pub message: Option<String>,
    /// Encode the key too (it is then JSON).
    pub key_subject: Option<String>,
    pub key_version: Option<i32>,
}

/// The part of the record a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The value subject (not found, registry down or refusing, invalid schema).
    Subject,
    KeySubject,
    Value,
    Key,
}

/// Why a record was not encoded (nothing is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub part: Part,
    /// What the error is about: `schema subject orders-value`, or `Avro · subject
    /// orders-value v1 · id 3` when the value does not fit it.
    pub about: String,
    pub error: SchemaError,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.part {
            Part::Subject | Part::KeySubject => write!(f, "{}: {}", self.about, self.error),
            Part::Value | Part::Key => write!(f, "does not fit {}: {}", self.about, self.error),
        }
    }
}

/// A record ready to publish.
#[derive(Debug)]
pub struct Encoded {
    /// `None`: no key subject (the key stays as typed).
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub schema: SchemaInfo,
}

/// Encodes `value` (and, with a key subject, `key` as JSON) with `choice`'s
/// schemas from `registry`; the value first, so a wrong value is named even when
/// the key is wrong too.
pub fn encode_record(
    registry: &dyn SchemaSource,
    choice: &SchemaChoice,
    key: Option<&str>,
    value: &Json,
) -> Result<Encoded, Refusal> {
    let encoder = Encoder::new(
        registry,
        &choice.subject,
        choice.version,
        choice.message.as_deref(),
    )
    .map_err(|error| Refusal {
        part: Part::Subject,
        about: format!("schema subject {}", choice.subject),
        error,
    })?;
    let value_bytes = encoder.encode(value).map_err(|error| Refusal {
        part: Part::Value,
        about: encoder.info().describe(),
        error,
    })?;
    let key_bytes =
        match (key, &choice.key_subject) {
            (Some(k), Some(subject)) => {
                let key: Json = serde_json::from_str(k).map_err(|e| Refusal {
                    part: Part::Key,
                    about: format!("schema subject {subject}"),
                    error: SchemaError::Mismatch(format!("the key is not JSON: {e}")),
                })?;
                let key_encoder = Encoder::new(registry, subject, choice.key_version, None)
                    .map_err(|error| Refusal {
                        part: Part::KeySubject,
                        about: format!("schema subject {subject}"),
                        error,
                    })?;
                Some(key_encoder.encode(&key).map_err(|error| Refusal {
                    part: Part::Key,
                    about: key_encoder.info().describe(),
                    error,
                })?)
            }
            _ => None,
        };
    Ok(Encoded {
        key: key_bytes,
        value: value_bytes,
        schema: encoder.info().clone(),
    })
}

/// The profile's registry, or why there is none.
pub(crate) fn registry(cfg: &Resolved) -> Result<HttpRegistry> {
    let settings = cfg.registry.as_ref();
    match settings.and_then(|s| s.url.as_deref().map(|url| (s, url))) {
        Some((settings, url)) => HttpRegistry::new(settings, url),
        None => bail!(
            "a schema subject needs a schema registry: profile {} has no [registry] url",
            cfg.profile
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::schema::{RegisteredSchema, SchemaKind};

    /// Two subjects held in memory: `orders-value` (a record) and `orders-key` (a
    /// string); anything else is not found.
    struct Subjects;

    impl SchemaSource for Subjects {
        fn by_id(&self, id: u32) -> Result<RegisteredSchema, SchemaError> {
            Err(SchemaError::NotFound(format!("id {id}")))
        }

        fn by_subject(
            &self,
            subject: &str,
            version: Option<i32>,
        ) -> Result<RegisteredSchema, SchemaError> {
            let (id, text) = match subject {
                "orders-value" => (
                    7,
                    r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}"#,
                ),
                "orders-key" => (8, r#""string""#),
                _ => return Err(SchemaError::NotFound(format!("subject {subject}"))),
            };
            Ok(RegisteredSchema {
                id,
                kind: SchemaKind::Avro,
                text: text.into(),
                references: Vec::new(),
                subject: Some(subject.into()),
                version: Some(version.unwrap_or(1)),
                subjects: Vec::new(),
            })
        }
    }

    fn choice(subject: &str, key_subject: Option<&str>) -> SchemaChoice {
        SchemaChoice {
            subject: subject.into(),
            version: None,
            message: None,
            key_subject: key_subject.map(Into::into),
            key_version: None,
        }
    }

    #[test]
    fn encodes_value_and_key_in_the_wire_format() {
        let value = serde_json::json!({"id": 3});
        let e = encode_record(
            &Subjects,
            &choice("orders-value", Some("orders-key")),
            Some(r#""k""#),
            &value,
        )
        .unwrap();
        // Magic byte, id 7, then Avro's zigzag long 3.
        assert_eq!(e.value, [0, 0, 0, 0, 7, 6]);
        // Id 8, then the string's length (1, zigzag 2) and its byte.
        assert_eq!(e.key.unwrap(), [0, 0, 0, 0, 8, 2, b'k']);
        assert_eq!(e.schema.subject.as_deref(), Some("orders-value"));
    }

    #[test]
    fn refusals_name_the_part() {
        let good = serde_json::json!({"id": 3});
        let r = encode_record(&Subjects, &choice("nope", None), None, &good).unwrap_err();
        assert_eq!(r.part, Part::Subject);
        assert_eq!(
            r.to_string(),
            "schema subject nope: schema subject nope not found"
        );
        let bad = serde_json::json!({"id": "three"});
        let r = encode_record(&Subjects, &choice("orders-value", None), None, &bad).unwrap_err();
        assert_eq!(r.part, Part::Value);
        assert!(r.to_string().contains(r#"field "id""#), "{r}");
        let c = choice("orders-value", Some("orders-key"));
        let r = encode_record(&Subjects, &c, Some("k"), &good).unwrap_err();
        assert_eq!(r.part, Part::Key);
        assert!(r.to_string().contains("not JSON"), "{r}");
        let r = encode_record(&Subjects, &c, Some("5"), &good).unwrap_err();
        assert_eq!(r.part, Part::Key);
        let c = choice("orders-value", Some("nope"));
        let r = encode_record(&Subjects, &c, Some(r#""k""#), &good).unwrap_err();
        assert_eq!(r.part, Part::KeySubject);
        // Without a key subject the key is left alone.
        let e = encode_record(&Subjects, &choice("orders-value", None), Some("k"), &good).unwrap();
        assert_eq!(e.key, None);
    }
}

//! Records in the Confluent wire format (a schema id, then Avro, Protobuf or JSON
//! Schema), decoded to JSON with schemas from a registry or from local files, and
//! JSON encoded with a registered subject's schema (publishing). The
//! registry's HTTP client is the caller's ([`SchemaSource`]): the core makes no
//! HTTP requests.

mod avro;
mod avro_encode;
mod avro_read;
pub mod build;
pub mod decoder;
mod encode;
mod json;
mod protobuf;
mod select;
pub mod wire;

use std::fmt;

use serde::Serialize;

pub use build::{Build, JsonBuild};
pub use decoder::{Decoded, Decoder, LocalSchema};
pub use encode::Encoder;
pub use select::Select;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaKind {
    Avro,
    Protobuf,
    Json,
}

impl SchemaKind {
    /// The registry's `schemaType` (absent means Avro).
    pub fn from_registry(schema_type: Option<&str>) -> Result<SchemaKind, SchemaError> {
        match schema_type.map(str::to_ascii_uppercase).as_deref() {
            None | Some("AVRO") => Ok(SchemaKind::Avro),
            Some("PROTOBUF") => Ok(SchemaKind::Protobuf),
            Some("JSON") => Ok(SchemaKind::Json),
            Some(other) => Err(SchemaError::Unsupported(other.to_string())),
        }
    }
}

impl fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemaKind::Avro => "Avro",
            SchemaKind::Protobuf => "Protobuf",
            SchemaKind::Json => "JSON Schema",
        })
    }
}

/// A schema's reference to another (an Avro named type, a `.proto` import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// A schema as the registry gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredSchema {
    pub id: u32,
    pub kind: SchemaKind,
    pub text: String,
    pub references: Vec<Reference>,
    /// Known when the schema was asked for by subject, or the registry said.
    pub subject: Option<String>,
    pub version: Option<i32>,
    /// Every (subject, version) registered with this id, when the registry said:
    /// a registry may share one id between subjects with the same schema.
    pub subjects: Vec<(String, i32)>,
}

/// Where schemas come from: a registry speaking the Confluent REST API.
pub trait SchemaSource: Send + Sync {
    /// `GET /schemas/ids/{id}` (with the subject and version when known).
    fn by_id(&self, id: u32) -> Result<RegisteredSchema, SchemaError>;
    /// `GET /subjects/{subject}/versions/{version or latest}`.
    fn by_subject(
        &self,
        subject: &str,
        version: Option<i32>,
    ) -> Result<RegisteredSchema, SchemaError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("schema registry unreachable: {0}")]
    Unreachable(String),
    #[error("schema registry refused the credentials (HTTP {0})")]
    Unauthorized(u16),
    #[error("schema {0} not found")]
    NotFound(String),
    #[error("schema registry answered HTTP {status}: {message}")]
    Registry { status: u16, message: String },
    #[error("unsupported schema type {0}")]
    Unsupported(String),
    #[error("invalid schema: {0}")]
    Invalid(String),
    #[error("corrupt payload: {0}")]
    Corrupt(String),
    #[error("no schema for this record: {0}")]
    NoSchema(String),
    #[error("{0}")]
    Mismatch(String),
}

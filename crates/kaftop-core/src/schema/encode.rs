//! Encoding JSON with a registered subject's schema into the Confluent wire
//! format, the reverse of the decoder: Avro (avro_encode), Protobuf (the message
//! named, its indexes in the frame) or JSON Schema (validated, then the JSON's
//! bytes). A value that does not fit is refused with the field that is wrong,
//! before anything is sent.

use std::fmt::Write as _;

use prost::Message as _;
use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor};
use serde_json::Value as Json;

use super::avro::AvroSchema;
use super::decoder::{collect_references, SchemaInfo};
use super::protobuf::ProtoSchema;
use super::{wire, RegisteredSchema, SchemaError, SchemaKind, SchemaSource};

/// A subject's schema ready to encode values.
pub struct Encoder {
    id: u32,
    kind: Kind,
    info: SchemaInfo,
}

enum Kind {
    Avro(Box<AvroSchema>),
    Proto {
        message: MessageDescriptor,
        indexes: Vec<usize>,
    },
    Json(Box<jsonschema::Validator>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("schema", &self.info)
            .finish()
    }
}

impl Encoder {
    /// The subject's latest schema (or `version`) from `source`, with its
    /// references; `message` names the Protobuf message (default: the file's first).
    pub fn new(
        source: &dyn SchemaSource,
        subject: &str,
        version: Option<i32>,
        message: Option<&str>,
    ) -> Result<Encoder, SchemaError> {
        let registered = source.by_subject(subject, version)?;
        let mut avro_refs = Vec::new();
        let mut proto_refs = Vec::new();
        collect_references(source, &registered, 0, &mut avro_refs, &mut proto_refs)?;
        let mut encoder = Encoder::compile(&registered, &avro_refs, &proto_refs, message)?;
        encoder.info.subject = Some(subject.to_string());
        Ok(encoder)
    }

    /// Compiles a registered schema whose references are given (texts, and
    /// Protobuf's (file name, text)).
    pub(super) fn compile(
        r: &RegisteredSchema,
        avro_refs: &[String],
        proto_refs: &[(String, String)],
        message: Option<&str>,
    ) -> Result<Encoder, SchemaError> {
        if message.is_some() && r.kind != SchemaKind::Protobuf {
            return Err(SchemaError::Mismatch(format!(
                "a message name is for Protobuf schemas; this one is {}",
                r.kind
            )));
        }
        let mut name = None;
        let kind = match r.kind {
            SchemaKind::Avro => Kind::Avro(Box::new(AvroSchema::parse(&r.text, avro_refs)?)),
            SchemaKind::Protobuf => {
                let schema = ProtoSchema::parse(&r.text, proto_refs)?;
                let indexes = match message {
                    Some(m) => schema.indexes_of(m)?,
                    None => vec![0],
                };
                let message = schema.message(&indexes).map_err(|_| {
                    SchemaError::Invalid("the Protobuf schema has no message".into())
                })?;
                name = Some(message.full_name().to_string());
                Kind::Proto { message, indexes }
            }
            SchemaKind::Json => {
                let schema: Json = serde_json::from_str(&r.text)
                    .map_err(|e| SchemaError::Invalid(format!("JSON Schema: {e}")))?;
                let validator = jsonschema::validator_for(&schema)
                    .map_err(|e| SchemaError::Invalid(format!("JSON Schema: {e}")))?;
                Kind::Json(Box::new(validator))
            }
        };
        Ok(Encoder {
            id: r.id,
            kind,
            info: SchemaInfo {
                kind: r.kind,
                id: Some(r.id),
                subject: r.subject.clone(),
                version: r.version,
                message: name,
                file: None,
            },
        })
    }

    /// Which schema this is: kind, message, subject, version, id.
    pub fn info(&self) -> &SchemaInfo {
        &self.info
    }

    /// `json` in the wire format: magic byte, schema id, (message indexes,) body.
    pub fn encode(&self, json: &Json) -> Result<Vec<u8>, SchemaError> {
        let mut out = wire::header(self.id);
        match &self.kind {
            Kind::Avro(schema) => out.extend_from_slice(&schema.encode(json)?),
            Kind::Proto { message, indexes } => {
                let body = proto_message(message, json)?;
                wire::write_message_indexes(indexes, &mut out);
                out.extend_from_slice(&body);
            }
            Kind::Json(validator) => {
                if let Some(e) = validator.iter_errors(json).next() {
                    let path = Path::from_pointer(&e.instance_path().to_string());
                    return Err(path.mismatch(e.to_string()));
                }
                serde_json::to_writer(&mut out, json)
                    .map_err(|e| SchemaError::Mismatch(e.to_string()))?;
            }
        }
        Ok(out)
    }
}

/// A Protobuf message from its JSON mapping (proto or JSON field names), the
/// failing field named by its path.
fn proto_message(message: &MessageDescriptor, json: &Json) -> Result<Vec<u8>, SchemaError> {
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(json, &mut track);
    match DynamicMessage::deserialize_with_options(message.clone(), de, &options) {
        Ok(m) => Ok(m.encode_to_vec()),
        Err(e) => {
            // The path as ours, and the value there quoted beside the reason.
            let mut path = Path::default();
            let mut at = Some(json);
            for segment in track.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        path.push_index(*index);
                        at = at.and_then(|j| j.get(*index));
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        path.push_field(key);
                        at = at.and_then(|j| j.get(key));
                    }
                    _ => {}
                }
            }
            let why = match at.filter(|_| !path.0.is_empty()) {
                Some(v) => format!("{e}, got {}", got(v)),
                None => e.to_string(),
            };
            Err(path.mismatch(why))
        }
    }
}

/// Where in a value a mismatch is: `address.zip`, `lines[2].sku`, `tags["a"]`.
#[derive(Debug, Default, Clone)]
pub(super) struct Path(Vec<String>);

impl Path {
    pub(super) fn push_field(&mut self, name: &str) {
        self.0.push(if self.0.is_empty() {
            name.to_string()
        } else {
            format!(".{name}")
        });
    }

    pub(super) fn push_index(&mut self, i: usize) {
        self.0.push(format!("[{i}]"));
    }

    pub(super) fn push_key(&mut self, key: &str) {
        self.0.push(format!("[{}]", Json::from(key)));
    }

    pub(super) fn pop(&mut self) {
        self.0.pop();
    }

    /// A JSON pointer (`/address/zip`, `/lines/2`) as a path.
    fn from_pointer(pointer: &str) -> Path {
        let mut path = Path::default();
        for part in pointer.split('/').skip(1) {
            let part = part.replace("~1", "/").replace("~0", "~");
            match part.parse::<usize>() {
                Ok(i) => path.push_index(i),
                Err(_) => path.push_field(&part),
            }
        }
        path
    }

    pub(super) fn mismatch(&self, why: String) -> SchemaError {
        if self.0.is_empty() {
            return SchemaError::Mismatch(format!("the value: {why}"));
        }
        let mut at = String::new();
        for p in &self.0 {
            let _ = write!(at, "{p}");
        }
        SchemaError::Mismatch(format!("field \"{at}\": {why}"))
    }
}

/// A JSON value as an error quotes it: short, strings in quotes.
pub(super) fn got(json: &Json) -> String {
    let text = json.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    let cut: String = text.chars().take(37).collect();
    format!("{cut}...")
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;

//! Protobuf: `.proto` text from the registry (with its references and Google's
//! well-known types) compiled once with protox; a record's message indexes pick
//! the message type, decoded dynamically to JSON (proto field names, default
//! values shown, 64-bit integers as numbers).

use std::collections::HashMap;

use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use serde_json::Value as Json;

use super::{wire, SchemaError};

/// Name given to the registered schema's own file.
const MAIN_FILE: &str = "kaftop/registered.proto";

#[derive(Debug)]
pub(super) struct ProtoSchema {
    /// The file's top-level messages, in declaration order.
    messages: Vec<MessageDescriptor>,
}

struct Sources(HashMap<String, String>);

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.0.get(name) {
            Some(source) => match descriptor(source) {
                Some(bytes) => {
                    let mut file = protox::file::File::decode_file_descriptor_proto(&bytes[..])
                        .map_err(|_| protox::Error::file_not_found(name))?;
                    // Found under the name it was asked by.
                    let mut proto = file.file_descriptor_proto().clone();
                    proto.name = Some(name.to_string());
                    file = File::from_file_descriptor_proto(proto);
                    Ok(file)
                }
                None => File::from_source(name, source),
            },
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// A schema registered as a base64 `FileDescriptorProto` (as Confluent's Python
/// serializer registers it) rather than `.proto` text.
fn descriptor(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let t = text.trim();
    if t.is_empty() || t.contains(|c: char| c.is_whitespace() || c == ';') {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(t).ok()
}

impl ProtoSchema {
    /// Compiles `text`, whose imports are found among `references` (file name,
    /// source) or Google's well-known types.
    pub(super) fn parse(
        text: &str,
        references: &[(String, String)],
    ) -> Result<ProtoSchema, SchemaError> {
        let mut sources: HashMap<String, String> = references.iter().cloned().collect();
        sources.insert(MAIN_FILE.to_string(), text.to_string());
        let mut resolver = ChainFileResolver::new();
        resolver.add(Sources(sources));
        resolver.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler
            .open_file(MAIN_FILE)
            .map_err(|e| SchemaError::Invalid(e.to_string()))?;
        let pool = compiler.descriptor_pool();
        let file = pool
            .get_file_by_name(MAIN_FILE)
            .ok_or_else(|| SchemaError::Invalid("the schema compiled to nothing".into()))?;
        Ok(ProtoSchema {
            messages: file.messages().collect(),
        })
    }

    /// The message type at `indexes` (top-level index, then nested ones).
    pub(super) fn message(&self, indexes: &[usize]) -> Result<MessageDescriptor, SchemaError> {
        let past = || {
            SchemaError::Corrupt(format!(
                "message index {indexes:?} is past the schema's messages"
            ))
        };
        let (&first, rest) = indexes.split_first().ok_or_else(past)?;
        let mut message = self.messages.get(first).cloned().ok_or_else(past)?;
        for &i in rest {
            let child = message.child_messages().nth(i);
            message = child.ok_or_else(past)?;
        }
        Ok(message)
    }

    /// The message indexes of the message named `name`: its full name
    /// (`shop.Order.Line`), its name inside the package (`Order.Line`) or its own
    /// name when no other message has it (`Line`).
    pub(super) fn indexes_of(&self, name: &str) -> Result<Vec<usize>, SchemaError> {
        let mut all = Vec::new();
        for (i, m) in self.messages.iter().enumerate() {
            walk(m, vec![i], &mut all);
        }
        let matches = |m: &MessageDescriptor| {
            let package = m.package_name();
            let local = m
                .full_name()
                .strip_prefix(package)
                .map_or(m.full_name(), |l| l.trim_start_matches('.'));
            (m.full_name() == name || local == name, m.name() == name)
        };
        let exact: Vec<_> = all.iter().filter(|(m, _)| matches(m).0).collect();
        let short: Vec<_> = all.iter().filter(|(m, _)| matches(m).1).collect();
        match (exact.as_slice(), short.as_slice()) {
            ([(_, ix)], _) | ([], [(_, ix)]) => Ok(ix.clone()),
            ([], []) => Err(SchemaError::Mismatch(format!(
                "no message {name} in the schema (it has {})",
                all.iter()
                    .map(|(m, _)| m.full_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            _ => Err(SchemaError::Mismatch(format!(
                "message {name} is ambiguous: give its full name"
            ))),
        }
    }

    /// Decodes a framed record's body: message indexes, then the message.
    pub(super) fn decode_framed(&self, body: &[u8]) -> Result<(Json, String), SchemaError> {
        let (indexes, rest) = wire::message_indexes(body)?;
        let message = self.message(&indexes)?;
        let name = message.full_name().to_string();
        Ok((decode(message, rest)?, name))
    }

    /// Decodes bare Protobuf bytes as the file's first message.
    pub(super) fn decode_first(&self, body: &[u8]) -> Result<(Json, String), SchemaError> {
        let message = self.message(&[0])?;
        let name = message.full_name().to_string();
        Ok((decode(message, body)?, name))
    }
}

/// Every message under `m` (itself first) with its indexes.
fn walk(m: &MessageDescriptor, at: Vec<usize>, out: &mut Vec<(MessageDescriptor, Vec<usize>)>) {
    for (i, child) in m.child_messages().enumerate() {
        let mut ix = at.clone();
        ix.push(i);
        walk(&child, ix, out);
    }
    out.push((m.clone(), at));
}

fn decode(message: MessageDescriptor, bytes: &[u8]) -> Result<Json, SchemaError> {
    let decoded =
        DynamicMessage::decode(message, bytes).map_err(|e| SchemaError::Corrupt(e.to_string()))?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false)
        .stringify_64_bit_integers(false);
    decoded
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| SchemaError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = r#"
        syntax = "proto3";
        package shop;
        import "google/protobuf/timestamp.proto";
        message Other { string x = 1; }
        message Order {
            int64 id = 1;
            message Line { string sku = 1; int32 qty = 2; }
            repeated Line lines = 2;
            google.protobuf.Timestamp at = 3;
        }
    "#;

    #[test]
    fn nested_types_and_well_known_types_decode() {
        let schema = ProtoSchema::parse(SHOP, &[]).unwrap();
        assert_eq!(
            schema.message(&[1, 0]).unwrap().full_name(),
            "shop.Order.Line"
        );
        // Order{id: 5, lines: [{sku: "a", qty: 2}], at: {seconds: 1}}, indexes [1].
        let body = [
            2, 2, 0x08, 5, 0x12, 5, 0x0a, 1, b'a', 0x10, 2, 0x1a, 2, 0x08, 1,
        ];
        let (v, name) = schema.decode_framed(&body).unwrap();
        assert_eq!(name, "shop.Order");
        assert_eq!(
            v,
            serde_json::json!({"id": 5, "lines": [{"sku": "a", "qty": 2}],
                "at": "1970-01-01T00:00:01Z"})
        );
        assert!(schema.decode_framed(&[2, 8]).is_err());
    }
}

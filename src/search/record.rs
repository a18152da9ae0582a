//! The record as `kaftop search`'s filter sees it: key and value decoded once
//! (schema, else JSON, else text), and the scope the filter runs on.

use rdkafka::message::Message;
use serde_json::{json, Map, Value};

use kaftop_core::kafka::record::header_pairs;
use kaftop_core::schema::{Decoded, Decoder};

/// A record's key and value as decoded once, for the filter and for the export.
pub(crate) struct DecodedRecord {
    pub(crate) key: Value,
    pub(crate) value: Value,
    pub(crate) key_schema: Option<Value>,
    pub(crate) value_schema: Option<Value>,
}

/// What a schema made of `bytes`, else the bytes parsed as JSON, else their text
/// (non-UTF-8 bytes replaced), else null; and the schema when one decoded them.
fn view(
    decoder: Option<&Decoder>,
    topic: &str,
    bytes: Option<&[u8]>,
    is_key: bool,
) -> (Value, Option<Value>) {
    if let Some(Decoded::Value { json, schema }) = decoder.map(|d| d.decode(topic, bytes, is_key)) {
        return (json, serde_json::to_value(schema).ok());
    }
    let Some(bytes) = bytes else {
        return (Value::Null, None);
    };
    let v = serde_json::from_slice(bytes)
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned().into());
    (v, None)
}

impl DecodedRecord {
    pub(crate) fn of<M: Message>(m: &M, decoder: Option<&Decoder>) -> DecodedRecord {
        let (key, key_schema) = view(decoder, m.topic(), m.key(), true);
        let (value, value_schema) = view(decoder, m.topic(), m.payload(), false);
        DecodedRecord {
            key,
            value,
            key_schema,
            value_schema,
        }
    }
}

/// `{key, value, headers, partition, offset, timestamp}`: the filter's input and
/// `search --json`'s line. Headers as an object of text (the last of repeated
/// names wins); the timestamp in milliseconds since the epoch.
pub(crate) fn scope<M: Message>(m: &M, d: &DecodedRecord) -> Value {
    let headers: Map<String, Value> = header_pairs(m)
        .into_iter()
        .map(|(name, v)| {
            let v = v.map_or(Value::Null, |b| {
                String::from_utf8_lossy(&b).into_owned().into()
            });
            (name, v)
        })
        .collect();
    json!({
        "key": d.key,
        "value": d.value,
        "headers": headers,
        "partition": m.partition(),
        "offset": m.offset(),
        "timestamp": m.timestamp().to_millis(),
    })
}

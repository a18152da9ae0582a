//! Records as JSON lines that lose nothing (`tail/search --out FILE.jsonl`), and
//! the record as `kaftop search`'s filter sees it. `produce-file` reads the lines back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rdkafka::message::Message;
use serde_json::{json, Map, Value};

use kaftop_core::kafka::record::header_pairs;
use kaftop_core::schema::{Decoded, Decoder};

/// A record's key and value as decoded once, for the filter and for the export.
pub(super) struct DecodedRecord {
    pub(super) key: Value,
    pub(super) value: Value,
    key_schema: Option<Value>,
    value_schema: Option<Value>,
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
    pub(super) fn of<M: Message>(m: &M, decoder: Option<&Decoder>) -> DecodedRecord {
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
pub(super) fn scope<M: Message>(m: &M, d: &DecodedRecord) -> Value {
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

fn b64(bytes: Option<&[u8]>) -> Value {
    bytes.map_or(Value::Null, |b| STANDARD.encode(b).into())
}

/// One `--out` line: the decoded key and value (with their schema) beside the raw
/// bytes in base64, which `produce-file` writes back; headers in order with repeats.
pub(super) fn export_line<M: Message>(m: &M, d: &DecodedRecord) -> Value {
    let headers: Vec<Value> = header_pairs(m)
        .into_iter()
        .map(|(name, v)| {
            json!({
                "name": name,
                "value": v.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()),
                "base64": b64(v.as_deref()),
            })
        })
        .collect();
    let mut line = json!({
        "topic": m.topic(),
        "partition": m.partition(),
        "offset": m.offset(),
        "timestamp": m.timestamp().to_millis(),
        "key": d.key,
        "key_base64": b64(m.key()),
        "value": d.value,
        "value_base64": b64(m.payload()),
        "headers": headers,
    });
    if let Some(s) = &d.key_schema {
        line["key_schema"] = s.clone();
    }
    if let Some(s) = &d.value_schema {
        line["value_schema"] = s.clone();
    }
    line
}

/// `--out FILE`: JSON lines, buffered, flushed at the end.
pub(super) struct OutFile {
    path: std::path::PathBuf,
    w: std::io::BufWriter<std::fs::File>,
    pub(super) written: u64,
}

impl OutFile {
    pub(super) fn create(path: &std::path::Path) -> anyhow::Result<OutFile> {
        use anyhow::Context as _;
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(OutFile {
            path: path.to_path_buf(),
            w: std::io::BufWriter::new(f),
            written: 0,
        })
    }

    pub(super) fn write(&mut self, line: &Value) -> anyhow::Result<()> {
        use anyhow::Context as _;
        use std::io::Write as _;
        serde_json::to_writer(&mut self.w, line)
            .map_err(std::io::Error::from)
            .and_then(|()| self.w.write_all(b"\n"))
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.written += 1;
        Ok(())
    }

    pub(super) fn finish(mut self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        use std::io::Write as _;
        self.w
            .flush()
            .with_context(|| format!("writing {}", self.path.display()))?;
        super::out::note(format_args!(
            "kaftop: wrote {} records to {}",
            kaftop_core::present::count_u(self.written),
            self.path.display()
        ));
        Ok(())
    }
}

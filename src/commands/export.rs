//! Records as JSON lines that lose nothing (`tail/search --out FILE.jsonl`).
//! `produce-file` reads the lines back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rdkafka::message::Message;
use serde_json::{json, Value};

use crate::search::DecodedRecord;
use kaftop_core::kafka::record::header_pairs;

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

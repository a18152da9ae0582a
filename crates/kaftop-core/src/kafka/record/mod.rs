//! How a record is shown: to a person, JSON pretty-printed, text escaped, binary
//! as hex, huge values truncated with their size (`kaftop tail` and the TUI); to
//! a script, lossless JSON ([`json_form`], `kaftop tail --json`).

mod decoded;
pub use decoded::{one_line, render_decoded, SchemaNote};

use std::fmt::Write as _;

use rdkafka::message::{BorrowedMessage, Headers, Message};
use serde::Serialize;

use crate::present::text;
use crate::schema::{Decoded, Decoder};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Null,
    Json,
    Text,
    Binary,
}

/// A key, value or header value ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    pub encoding: Encoding,
    /// Pretty JSON, escaped text, or hex bytes.
    pub text: String,
    /// Size of the original bytes.
    pub size: usize,
    pub truncated: bool,
    /// Set when a schema decoded the bytes, or should have and could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Box<SchemaNote>>,
}

/// A record's headers as owned `(name, value)` pairs, in order.
pub fn header_pairs<M: Message>(m: &M) -> Vec<(String, Option<Vec<u8>>)> {
    m.headers()
        .map(|h| {
            h.iter()
                .map(|x| (x.key.to_string(), x.value.map(<[u8]>::to_vec)))
                .collect()
        })
        .unwrap_or_default()
}

/// Renders bytes, showing at most `max` of them.
pub fn render(bytes: Option<&[u8]>, max: usize) -> Rendered {
    let Some(bytes) = bytes else {
        return Rendered {
            encoding: Encoding::Null,
            text: "null".into(),
            size: 0,
            truncated: false,
            schema: None,
        };
    };
    let truncated = bytes.len() > max;
    let shown = &bytes[..bytes.len().min(max)];
    if !truncated {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(shown) {
            if v.is_object() || v.is_array() {
                return Rendered {
                    encoding: Encoding::Json,
                    text: escape_json_controls(
                        &serde_json::to_string_pretty(&v).unwrap_or_default(),
                    ),
                    size: bytes.len(),
                    truncated,
                    schema: None,
                };
            }
        }
    }
    // A cut may split a UTF-8 sequence: judge text on the valid prefix.
    let text = match std::str::from_utf8(shown) {
        Ok(s) => Some(s),
        Err(e) if truncated && e.error_len().is_none() => {
            std::str::from_utf8(&shown[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(s) if looks_textual(s) => Rendered {
            encoding: Encoding::Text,
            text: escape(s),
            size: bytes.len(),
            truncated,
            schema: None,
        },
        _ => Rendered {
            encoding: Encoding::Binary,
            text: hex(shown),
            size: bytes.len(),
            truncated,
            schema: None,
        },
    }
}

fn looks_textual(s: &str) -> bool {
    let control = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    control * 10 <= s.chars().count()
}

/// A record's text as shown: hidden characters written out, line feeds and tabs
/// kept, backslashes doubled ([`text::visible_lines`]).
pub fn escape(s: &str) -> String {
    text::visible_lines(s).into_owned()
}

/// JSON escapes only controls below U+0020: DEL, C1 (U+0080-U+009F, CSI among
/// them), bidirectional overrides and other hidden characters would reach the
/// terminal as they are. Outside strings pretty JSON has none of them but its
/// line breaks, so `\uXXXX` (a surrogate pair above U+FFFF) keeps it the same
/// JSON.
fn escape_json_controls(json: &str) -> String {
    let hidden = |c: char| text::is_hidden(c) && c != '\n';
    if !json.chars().any(hidden) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if hidden(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(if i % 16 == 0 { '\n' } else { ' ' });
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// One record as shown to a person or a script.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch, when the record has a timestamp.
    pub timestamp_ms: Option<i64>,
    pub key: Rendered,
    pub headers: Vec<(String, Rendered)>,
    pub value: Rendered,
}

impl RecordView {
    pub fn from_message(m: &BorrowedMessage<'_>, max_value: usize) -> Self {
        Self::from_message_with(m, max_value, None)
    }

    /// As [`RecordView::from_message`], the key and value decoded with `decoder`
    /// where it knows their schema.
    pub fn from_message_with<M: Message>(
        m: &M,
        max_value: usize,
        decoder: Option<&Decoder>,
    ) -> Self {
        let (key, value) = match decoder {
            Some(d) => (
                render_decoded(m.key(), 1024, d.decode(m.topic(), m.key(), true)),
                render_decoded(
                    m.payload(),
                    max_value,
                    d.decode(m.topic(), m.payload(), false),
                ),
            ),
            None => (render(m.key(), 1024), render(m.payload(), max_value)),
        };
        let headers = m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| (escape(h.key), render(h.value, 1024)))
                    .collect()
            })
            .unwrap_or_default();
        RecordView {
            topic: m.topic().to_string(),
            partition: m.partition(),
            offset: m.offset(),
            timestamp_ms: m.timestamp().to_millis(),
            key,
            headers,
            value,
        }
    }

    /// RFC 3339 form of the timestamp, or `-`.
    pub fn timestamp_text(&self) -> String {
        crate::present::rfc3339(self.timestamp_ms, true)
    }

    /// Does `needle` (lowercase) occur in the key or value? For the TUI's filter.
    pub fn matches(&self, needle_lower: &str) -> bool {
        self.key.text.to_lowercase().contains(needle_lower)
            || self.value.text.to_lowercase().contains(needle_lower)
    }
}

/// A record as one JSON object for scripts, lossless: UTF-8 text as a JSON
/// string (standard escapes), other bytes as base64, each with its `encoding`
/// (`null`, `text`, `base64`, or `json` for a value that is a JSON object or
/// array, embedded as JSON when that reproduces its bytes). Headers keep their
/// order and repeats. Only the value is cut, at `max_value` bytes (`truncated`).
pub fn json_form<M: Message>(m: &M, max_value: usize) -> serde_json::Value {
    let (key, key_encoding) = json_bytes(m.key(), false);
    let payload = m.payload();
    let size = payload.map_or(0, <[u8]>::len);
    let shown = payload.map(|p| cut(p, max_value));
    let truncated = shown.is_some_and(|s| s.len() < size);
    let (value, value_encoding) = json_bytes(shown, !truncated);
    let headers: Vec<serde_json::Value> = header_pairs(m)
        .iter()
        .map(|(name, v)| {
            let (value, encoding) = json_bytes(v.as_deref(), false);
            serde_json::json!({ "name": name, "value": value, "encoding": encoding })
        })
        .collect();
    let timestamp_ms = m.timestamp().to_millis();
    serde_json::json!({
        "topic": m.topic(),
        "partition": m.partition(),
        "offset": m.offset(),
        "timestamp_ms": timestamp_ms,
        "timestamp": crate::present::rfc3339(timestamp_ms, true),
        "key": key,
        "key_encoding": key_encoding,
        "headers": headers,
        "value": value,
        "value_encoding": value_encoding,
        "value_size": size,
        "truncated": truncated,
    })
}

/// [`json_form`] with what `decoder` made of the key and value beside the bytes:
/// `key_decoded`/`value_decoded` (JSON) with `key_schema`/`value_schema`, or
/// `key_decode_error`/`value_decode_error`. The bytes stay, so nothing is lost.
pub fn json_form_with<M: Message>(
    m: &M,
    max_value: usize,
    decoder: Option<&Decoder>,
) -> serde_json::Value {
    let mut out = json_form(m, max_value);
    let Some(decoder) = decoder else {
        return out;
    };
    for (name, bytes, is_key) in [("key", m.key(), true), ("value", m.payload(), false)] {
        match decoder.decode(m.topic(), bytes, is_key) {
            Decoded::Plain => {}
            Decoded::Value { json, schema } => {
                out[format!("{name}_decoded")] = json;
                out[format!("{name}_schema")] = serde_json::to_value(schema).unwrap_or_default();
            }
            Decoded::Failed(reason) => {
                out[format!("{name}_decode_error")] = reason.into();
            }
        }
    }
    out
}

/// The first `max` bytes, not splitting a UTF-8 character of text.
fn cut(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let shown = &bytes[..max];
    match std::str::from_utf8(shown) {
        Err(e) if e.error_len().is_none() => &shown[..e.valid_up_to()],
        _ => shown,
    }
}

/// Bytes as a JSON value and its encoding. A JSON object or array is embedded
/// (when `embed_json`) only if writing it back gives the same bytes.
fn json_bytes(bytes: Option<&[u8]>, embed_json: bool) -> (serde_json::Value, &'static str) {
    use base64::Engine as _;
    let Some(bytes) = bytes else {
        return (serde_json::Value::Null, "null");
    };
    if embed_json {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if (v.is_object() || v.is_array()) && writes_back(&v, bytes) {
                return (v, "json");
            }
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.into(), "text"),
        Err(_) => (
            base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into(),
            "base64",
        ),
    }
}

/// Whether writing `v` back gives `bytes` exactly, as serde_json writes it or as
/// Jackson (the seed's Spring producers) does: the same, but characters beyond
/// U+FFFF as an escaped surrogate pair (`\uD83D\uDE80`).
fn writes_back(v: &serde_json::Value, bytes: &[u8]) -> bool {
    use serde::Serialize as _;
    if serde_json::to_vec(v).is_ok_and(|b| b == bytes) {
        return true;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, JacksonFormatter);
    v.serialize(&mut ser).is_ok() && out == bytes
}

/// serde_json's compact form with supplementary characters escaped as Jackson
/// escapes them.
struct JacksonFormatter;

impl serde_json::ser::Formatter for JacksonFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c.len_utf16() == 2 {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04X}")?;
                }
            } else {
                writer.write_all(c.encode_utf8(&mut [0; 4]).as_bytes())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::decoder::SchemaInfo;

    #[test]
    fn jackson_s_escaped_supplementary_characters_are_embedded_as_json() {
        let jackson = br#"{"content":"hi \uD83D\uDE80","id":1}"#;
        let (v, encoding) = json_bytes(Some(jackson), true);
        assert_eq!(encoding, "json");
        assert_eq!(v["content"], "hi \u{1f680}");
        // Not byte for byte in either form (a space): kept as text, losslessly.
        let spaced = br#"{"content": "hi"}"#;
        assert_eq!(json_bytes(Some(spaced), true).1, "text");
    }

    fn message(key: Option<&[u8]>, value: Option<&[u8]>) -> rdkafka::message::OwnedMessage {
        use rdkafka::message::{Header, OwnedHeaders, OwnedMessage};
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "trace",
                value: Some("t\x1b1"),
            })
            .insert(Header {
                key: "bin",
                value: Some(&[0xffu8, 0x00][..]),
            })
            .insert(Header {
                key: "trace",
                value: None::<&[u8]>,
            });
        OwnedMessage::new(
            value.map(<[u8]>::to_vec),
            key.map(<[u8]>::to_vec),
            "t".into(),
            rdkafka::Timestamp::CreateTime(1000),
            0,
            7,
            Some(headers),
        )
    }

    #[test]
    fn the_json_form_is_lossless() {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let key = [0xffu8, 0xfe, 0x00, 0x41];
        let value: Vec<u8> = (0..=255u8).collect();
        let j = json_form(&message(Some(&key), Some(&value)), 4096);
        assert_eq!(
            (&j["key"], &j["key_encoding"]),
            (&b64(&key).into(), &"base64".into())
        );
        assert_eq!(j["value"], b64(&value).as_str());
        assert_eq!(j["value_encoding"], "base64");
        assert_eq!(j["value_size"], 256);
        assert_eq!(
            j["headers"],
            serde_json::json!([
                {"name": "trace", "value": "t\u{1b}1", "encoding": "text"},
                {"name": "bin", "value": b64(&[0xff, 0x00]), "encoding": "base64"},
                {"name": "trace", "value": null, "encoding": "null"},
            ])
        );
        // Control characters in text: JSON's own escapes, decoded back exactly.
        let text = "a\x1b[31m\r\n\u{202e}한";
        let j = json_form(&message(Some(b"k"), Some(text.as_bytes())), 4096);
        let line = j.to_string();
        assert!(line.contains(r"a\u001b[31m\r\n"), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (back["value"].as_str(), back["key"].as_str()),
            (Some(text), Some("k"))
        );
        assert_eq!(back["value_encoding"], "text");
        // A JSON value is embedded when that gives back its bytes, else text.
        let event = br#"{"messageId":1,"createdAt":[2026,11,24]}"#;
        let j = json_form(&message(None, Some(event)), 4096);
        assert_eq!(
            (
                j["value"]["messageId"].as_i64(),
                j["value_encoding"].as_str()
            ),
            (Some(1), Some("json"))
        );
        assert_eq!(j["key"], serde_json::Value::Null);
        let spaced = br#"{ "a": 1.50 }"#;
        let j = json_form(&message(None, Some(spaced)), 4096);
        assert_eq!(
            (j["value"].as_str(), j["value_encoding"].as_str()),
            (Some(r#"{ "a": 1.50 }"#), Some("text"))
        );
    }

    #[test]
    fn the_json_form_cuts_only_the_value_and_says_so() {
        let j = json_form(&message(Some(b"k"), Some("가나다".as_bytes())), 4);
        assert_eq!(
            (j["value"].as_str(), j["value_size"].as_u64()),
            (Some("가"), Some(9))
        );
        assert_eq!(j["truncated"], true);
    }

    #[test]
    fn json_is_pretty_printed() {
        let r = render(Some(br#"{"messageId":1,"content":"hi"}"#), 4096);
        assert_eq!(r.encoding, Encoding::Json);
        assert_eq!(r.text, "{\n  \"messageId\": 1,\n  \"content\": \"hi\"\n}");
        assert_eq!((r.size, r.truncated), (30, false));
    }

    #[test]
    fn text_is_escaped() {
        let r = render(Some("plain\x1b[31mred\r\n한글".as_bytes()), 4096);
        assert_eq!(r.encoding, Encoding::Text);
        assert_eq!(r.text, "plain\\u{1b}[31mred\\r\n한글");
        // A bare JSON scalar is shown as text.
        assert_eq!(render(Some(b"42"), 10).encoding, Encoding::Text);
    }

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_written_out() {
        let r = render(Some("pay\u{202e}gpj.exe\u{200b}".as_bytes()), 4096);
        assert_eq!(r.encoding, Encoding::Text);
        assert_eq!(r.text, "pay\\u{202e}gpj.exe\\u{200b}");
        let r = render(Some("{\"content\":\"a\u{2067}b\"}".as_bytes()), 4096);
        assert_eq!(r.encoding, Encoding::Json);
        // Inside JSON, as JSON writes it: the document reads back the same.
        assert!(r.text.contains("a\\u2067b"), "{}", r.text);
        assert_eq!(escape("k\u{feff}ey"), "k\\u{feff}ey");
    }

    #[test]
    fn binary_is_hex() {
        let r = render(Some(&[0u8, 1, 2, 0xff, 0xfe, 0x80]), 4096);
        assert_eq!(r.encoding, Encoding::Binary);
        assert_eq!(r.text, "00 01 02 ff fe 80");
        let long: Vec<u8> = (0..20).map(|i| i as u8).collect();
        assert_eq!(render(Some(&long), 4096).text.lines().count(), 2);
    }

    #[test]
    fn huge_values_are_truncated_with_size() {
        let big = format!("{{\"content\":\"{}\"}}", "x".repeat(10_000));
        let r = render(Some(big.as_bytes()), 100);
        assert!(r.truncated);
        assert_eq!(r.size, big.len());
        assert_eq!(r.encoding, Encoding::Text);
        assert_eq!(r.text.len(), 100);
        // Cutting inside a multi-byte character still yields text.
        let r = render(Some("가나다".as_bytes()), 4);
        assert_eq!((r.encoding, r.text.as_str()), (Encoding::Text, "가"));
    }

    #[test]
    fn decoded_values_keep_their_schema_and_raw_bytes() {
        use crate::schema::SchemaKind;
        let info = SchemaInfo {
            kind: SchemaKind::Avro,
            id: Some(3),
            subject: Some("orders-value".into()),
            version: Some(2),
            message: None,
            file: None,
        };
        let bytes = [0u8, 0, 0, 0, 3, 14];
        let r = render_decoded(
            Some(&bytes),
            4096,
            Decoded::Value {
                json: serde_json::json!({"id": 7}),
                schema: info.clone(),
            },
        );
        assert_eq!(
            (r.encoding, r.text.as_str()),
            (Encoding::Json, "{\n  \"id\": 7\n}")
        );
        let note = r.schema.unwrap();
        assert_eq!(note.schema, Some(info));
        assert_eq!(note.raw_hex, "00 00 00 00 03 0e");
        assert_eq!(
            SchemaInfo::describe(note.schema.as_ref().unwrap()),
            "Avro · subject orders-value v2 · id 3"
        );
        let failed = render_decoded(
            Some(&bytes),
            4096,
            Decoded::Failed("schema id 3: gone".into()),
        );
        assert_eq!(failed.encoding, Encoding::Binary);
        assert_eq!(
            failed.schema.unwrap().error.as_deref(),
            Some("schema id 3: gone")
        );
    }

    #[test]
    fn one_line_compacts_json_and_joins_hex() {
        let json = render(Some(br#"{"a": [1, 2], "b": "x\u0085"}"#), 4096);
        assert_eq!(one_line(&json, 100), r#"{"a":[1,2],"b":"x\u0085"}"#);
        assert_eq!(one_line(&json, 5), r#"{"a":…"#);
        let bin = render(Some(&[0u8; 17]), 4096);
        assert_eq!(one_line(&bin, 100), format!("{} 00", ["00"; 16].join(" ")));
    }

    #[test]
    fn null_value() {
        let r = render(None, 10);
        assert_eq!((r.encoding, r.text.as_str()), (Encoding::Null, "null"));
    }
}

//! How a record is shown: JSON pretty-printed, text escaped, binary as hex, huge
//! values truncated with their size. Shared by `kaftop tail` and the TUI.

use std::fmt::Write as _;

use rdkafka::message::{BorrowedMessage, Headers, Message};
use serde::Serialize;

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
        },
        _ => Rendered {
            encoding: Encoding::Binary,
            text: hex(shown),
            size: bytes.len(),
            truncated,
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

/// Escapes control characters so a record can never drive the terminal. A
/// backslash is doubled, so that text which spells an escape (`\u{1b}`) is not
/// shown as the control character itself.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JSON escapes only controls below U+0020: DEL and C1 (U+0080-U+009F, CSI
/// among them) would reach the terminal raw. Outside strings pretty JSON has
/// no controls but its line breaks, so `\u00XX` keeps it the same JSON.
fn escape_json_controls(json: &str) -> String {
    if !json.chars().any(|c| c.is_control() && c != '\n') {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_control() && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
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
            key: render(m.key(), 1024),
            headers,
            value: render(m.payload(), max_value),
        }
    }

    /// RFC 3339 form of the timestamp, or `-`.
    pub fn timestamp_text(&self) -> String {
        crate::present::rfc3339(self.timestamp_ms, true)
    }

    /// The record as a JSON object for scripts: JSON values embedded as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self.value.encoding {
            Encoding::Json => {
                serde_json::from_str(&self.value.text).unwrap_or(serde_json::Value::Null)
            }
            Encoding::Null => serde_json::Value::Null,
            _ => serde_json::Value::String(self.value.text.clone()),
        };
        let headers: serde_json::Map<String, serde_json::Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.text.clone())))
            .collect();
        serde_json::json!({
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp_ms": self.timestamp_ms,
            "timestamp": self.timestamp_text(),
            "key": if self.key.encoding == Encoding::Null { serde_json::Value::Null } else { self.key.text.clone().into() },
            "headers": headers,
            "value": value,
            "value_encoding": self.value.encoding,
            "value_size": self.value.size,
            "truncated": self.value.truncated,
        })
    }

    /// Does `needle` (lowercase) occur in the key or value? For the TUI's filter.
    pub fn matches(&self, needle_lower: &str) -> bool {
        self.key.text.to_lowercase().contains(needle_lower)
            || self.value.text.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn null_value() {
        let r = render(None, 10);
        assert_eq!((r.encoding, r.text.as_str()), (Encoding::Null, "null"));
    }
}

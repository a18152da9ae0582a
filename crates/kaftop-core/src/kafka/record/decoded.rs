//! A key or value decoded with its schema (the schema registry's wire format),
//! or the reason it could not be, with the raw bytes kept for the raw toggle.

use serde::Serialize;

use super::{escape_json_controls, hex, render, Encoding, Rendered};
use crate::schema::decoder::SchemaInfo;
use crate::schema::Decoded;

/// What a schema made of a key or value: the schema that decoded it (the text is
/// then its JSON), or why it could not (the text is then the bytes as they are);
/// the raw bytes as hex either way, for the raw toggle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaNote {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub raw_hex: String,
}

/// Renders bytes, decoded with `decoder` when it knows their schema.
pub fn render_decoded(bytes: Option<&[u8]>, max: usize, decoded: Decoded) -> Rendered {
    let raw = |bytes: &[u8]| hex(&bytes[..bytes.len().min(max)]);
    match (decoded, bytes) {
        (Decoded::Value { json, schema }, Some(b)) => {
            let pretty =
                escape_json_controls(&serde_json::to_string_pretty(&json).unwrap_or_default());
            let shown = cut_text(&pretty, max.max(4096));
            Rendered {
                encoding: Encoding::Json,
                truncated: shown.len() < pretty.len(),
                text: shown.to_string(),
                size: b.len(),
                schema: Some(Box::new(SchemaNote {
                    schema: Some(schema),
                    error: None,
                    raw_hex: raw(b),
                })),
            }
        }
        (Decoded::Failed(reason), Some(b)) => Rendered {
            schema: Some(Box::new(SchemaNote {
                schema: None,
                error: Some(reason),
                raw_hex: raw(b),
            })),
            ..render(Some(b), max)
        },
        _ => render(bytes, max),
    }
}

/// A rendered value on one line of at most `max` characters (an ellipsis ends a
/// cut one): JSON compacted, hex and text with their line breaks as spaces. For
/// a table cell or a listing, where the pretty form does not fit.
pub fn one_line(r: &Rendered, max: usize) -> String {
    let compact = (r.encoding == Encoding::Json)
        .then(|| serde_json::from_str::<serde_json::Value>(&r.text).ok())
        .flatten()
        .map(|v| escape_json_controls(&v.to_string()));
    let line = compact.unwrap_or_else(|| r.text.replace(['\n', '\r'], " "));
    match line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None if r.truncated => format!("{line}…"),
        None => line,
    }
}

/// At most `max` bytes of `s`, on a character boundary.
fn cut_text(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

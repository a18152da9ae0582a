//! The record as the filter's value (jaq's `Val`), built straight from its bytes:
//! a search reads this once per record, so it skips the JSON tree that the views
//! and the exports use ([`super::record`]). The two must agree; a test compares them.

use std::rc::Rc;

use jaq_json::{Map, Val};
use rdkafka::message::{Headers as _, Message};
use serde::Deserialize as _;
use serde_json::Value as Json;

use kaftop_core::schema::{Build, Decoder, Select};

/// Builds jaq values.
struct ValBuild;

impl Build for ValBuild {
    type Out = Val;
    fn null(&mut self) -> Val {
        Val::Null
    }
    fn bool(&mut self, b: bool) -> Val {
        Val::Bool(b)
    }
    fn int(&mut self, i: i64) -> Val {
        int(i)
    }
    fn float(&mut self, f: f64) -> Val {
        // As the JSON tree has it: NaN and the infinities as their text.
        if f.is_finite() {
            Val::from(f)
        } else {
            Val::utf8_str(f.to_string())
        }
    }
    fn string(&mut self, s: String) -> Val {
        Val::utf8_str(s)
    }
    fn array(&mut self, items: Vec<Val>) -> Val {
        Val::Arr(Rc::new(items))
    }
    fn object(&mut self, fields: Vec<(String, Val)>) -> Val {
        let mut map = new_map(fields.len());
        for (k, v) in fields {
            map.insert(Val::utf8_str(k), v);
        }
        Val::obj(map)
    }
    fn json(&mut self, v: Json) -> Val {
        Val::deserialize(v).unwrap_or(Val::Null)
    }
}

thread_local! {
    /// A map whose hasher the others copy: a new hasher draws a new random seed,
    /// which cost more than the hashing in a search's profile.
    static SEEDED: Map = Map::default();
}

fn new_map(capacity: usize) -> Map {
    SEEDED.with(|m| Map::with_capacity_and_hasher(capacity, *m.hasher()))
}

fn int(i: i64) -> Val {
    // `isize` is 64 bits wide on every target kaftop builds for.
    isize::try_from(i).map_or_else(|_| Val::from(i as f64), Val::from)
}

/// As [`super::record`]'s view: the schema's decoding (of an Avro record, the
/// parts `select` names), else the bytes as JSON, else their text (non-UTF-8 bytes
/// replaced), else null.
/// A key or value its schema could not decode adds its reason to `failed`.
fn view(
    decoder: Option<&Decoder>,
    topic: &str,
    bytes: Option<&[u8]>,
    is_key: bool,
    select: &Select,
    failed: &mut Vec<String>,
) -> Val {
    match decoder.map(|d| d.decode_into(topic, bytes, is_key, select, &mut ValBuild)) {
        Some(Ok(Some(v))) => return v,
        Some(Err(reason)) => {
            failed.push(format!(
                "{} {reason}",
                if is_key { "key:" } else { "value:" }
            ));
        }
        _ => {}
    }
    let Some(bytes) = bytes else {
        return Val::Null;
    };
    jaq_json::read::parse_single(bytes)
        .unwrap_or_else(|_| Val::utf8_str(String::from_utf8_lossy(bytes).into_owned()))
}

/// `{key, value, headers, partition, offset, timestamp}` as [`super::scope`] makes
/// it, as the filter's value, with the parts `select` names (see
/// [`super::needs`]; [`Select::All`] for all of it).
pub(crate) fn scope_val<M: Message>(m: &M, decoder: Option<&Decoder>, select: &Select) -> Val {
    scope_val_noting(m, decoder, select, &mut Vec::new())
}

/// As [`scope_val`]; why a key or value was left undecoded goes to `failed`
/// (`key: …`, `value: …`), for the caller to say. A part not selected is not
/// read at all.
pub(crate) fn scope_val_noting<M: Message>(
    m: &M,
    decoder: Option<&Decoder>,
    select: &Select,
    failed: &mut Vec<String>,
) -> Val {
    let mut map = new_map(6);
    let mut put = |name: &'static str, make: &mut dyn FnMut(&Select) -> Val| {
        if let Some(s) = select.field(name) {
            // A static name: no copy of its bytes per record.
            map.insert(Val::utf8_str(name), make(s));
        }
    };
    put("key", &mut |s| {
        view(decoder, m.topic(), m.key(), true, s, failed)
    });
    put("value", &mut |s| {
        view(decoder, m.topic(), m.payload(), false, s, failed)
    });
    put("headers", &mut |s| headers(m, s));
    put("partition", &mut |_| int(m.partition().into()));
    put("offset", &mut |_| int(m.offset()));
    put("timestamp", &mut |_| {
        m.timestamp().to_millis().map_or(Val::Null, int)
    });
    Val::obj(map)
}

/// The headers as an object (the last of a repeated name wins), of those `select`
/// names.
fn headers<M: Message>(m: &M, select: &Select) -> Val {
    let mut headers = new_map(1);
    for h in m.headers().iter().flat_map(|hs| hs.iter()) {
        if select.field(h.key).is_none() {
            continue;
        }
        let v = h.value.map_or(Val::Null, |b| {
            Val::utf8_str(String::from_utf8_lossy(b).into_owned())
        });
        headers.insert(Val::utf8_str(h.key.to_string()), v);
    }
    Val::obj(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{scope, DecodedRecord};
    use kaftop_core::schema::{LocalSchema, SchemaKind};
    use rdkafka::message::{OwnedHeaders, OwnedMessage, Timestamp};

    const TOPIC: &str = "orders";

    fn decoder() -> Decoder {
        let text = r#"{"type":"record","name":"Order","fields":[
            {"name":"id","type":"long"},
            {"name":"note","type":["null","string"]},
            {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
            {"name":"tags","type":{"type":"map","values":"int"}},
            {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
            {"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
            {"name":"items","type":{"type":"array","items":"double"}},
            {"name":"paid","type":"boolean"}
        ]}"#;
        let local = LocalSchema {
            kind: SchemaKind::Avro,
            text: text.into(),
            file: "order.avsc".into(),
        };
        Decoder::new(None, vec![((TOPIC.into(), false), local)])
    }

    /// id 7, note "hi", at 1000 ms, tags {b: 2, a: 1}, kind B, total 12.34,
    /// items [1.5], paid true.
    fn avro_order() -> Vec<u8> {
        let mut b = vec![14, 2, 4, b'h', b'i', 0xd0, 0x0f];
        b.extend([4, 2, b'b', 4, 2, b'a', 2, 0]);
        b.extend([2, 4, 0x04, 0xd2]);
        b.push(2);
        b.extend(1.5f64.to_le_bytes());
        b.extend([0, 1]);
        b
    }

    fn message(key: Option<&[u8]>, value: Option<&[u8]>, headers: OwnedHeaders) -> OwnedMessage {
        OwnedMessage::new(
            value.map(<[u8]>::to_vec),
            key.map(<[u8]>::to_vec),
            TOPIC.into(),
            Timestamp::CreateTime(1_700_000_000_000),
            3,
            41,
            Some(headers),
        )
    }

    /// An Avro record with headers (one name twice, one without a value), JSON,
    /// bytes that are neither, a truncated Avro record, an empty record.
    fn cases() -> [OwnedMessage; 5] {
        use rdkafka::message::Header;
        let headers = || {
            OwnedHeaders::new()
                .insert(Header {
                    key: "__TypeId__",
                    value: Some("Created"),
                })
                .insert(Header {
                    key: "empty",
                    value: None::<&[u8]>,
                })
                .insert(Header {
                    key: "__TypeId__",
                    value: Some("Paid"),
                })
        };
        let order = avro_order();
        let truncated = &order[..5];
        [
            message(Some(b"k1"), Some(&order), headers()),
            message(
                Some(b"42"),
                Some(br#"{"a":[1,2.5,"x",null,true],"b":{"c":-3}}"#),
                headers(),
            ),
            message(None, Some(&[0xff, 0xfe, b'a']), OwnedHeaders::new()),
            message(Some(&[0xc3]), Some(truncated), OwnedHeaders::new()),
            message(None, None, OwnedHeaders::new()),
        ]
    }

    #[test]
    fn the_filters_value_is_the_json_scope() {
        let cases = cases();
        let d = decoder();
        for m in &cases {
            let json = scope(m, &DecodedRecord::of(m, Some(&d)));
            let expected = Val::deserialize(&json).unwrap();
            assert_eq!(scope_val(m, Some(&d), &Select::All), expected, "{json}");
        }
        // The topic's local schema is meant for every value: the records it cannot
        // decode (JSON, binary, truncated) say why; the Avro one and the absent
        // value do not.
        let reasons: Vec<Vec<String>> = cases
            .iter()
            .map(|m| {
                let mut failed = Vec::new();
                scope_val_noting(m, Some(&d), &Select::All, &mut failed);
                failed
            })
            .collect();
        let undecoded: Vec<bool> = reasons.iter().map(|r| !r.is_empty()).collect();
        assert_eq!(undecoded, [false, true, true, true, false], "{reasons:?}");
        assert!(
            reasons[3] == ["value: corrupt payload: truncated: the Avro record ends early"],
            "{reasons:?}"
        );
    }

    /// Every filter answers on the record built with only what it needs as it
    /// answers on the whole record. The filters below include ones that a wrong
    /// selection would turn (counting the value's keys, `..`, a variable).
    #[test]
    fn a_filter_answers_on_its_selection_as_on_the_whole_record() {
        use crate::search::{needs, JqFilter};
        let filters = [
            r#".value.id == 7 and (.headers["__TypeId__"] // "" | test("Paid"))"#,
            r#".headers["__TypeId__"] == "Paid""#,
            r#".headers.empty == null and .headers.nosuch == null"#,
            ".headers | length == 2",
            ".key == \"k1\"",
            ".value | keys | length == 8",
            ".value | length == 8",
            ".value.note | test(\"h\")",
            ".value.tags.b == 2",
            ".value.items[0] == 1.5",
            ".value.total == \"12.34\"",
            ".value as $v | $v.kind == \"B\"",
            "select(.value.id == 7) | .value.kind == \"B\"",
            "select(.value.id == 7) | keys | length == 6",
            "if .value.paid then .value.total == \"12.34\" else false end",
            "try (.value.note | tonumber) catch test(\"cannot\")",
            "reduce .value.items[] as $x (0; . + $x) > 1",
            "def f: .value; f.id == 7",
            "[..] | length > 15",
            ".value | to_entries | length == 8",
            "(.value | type) == \"object\"",
            ".value.missing == null",
            r#".["value"]["id"] == 7"#,
            r#".value."id" == 7"#,
            "{id: .value.id} | .id == 7",
            "{value} | .value.kind == \"B\"",
            ".value.a[1] == 2.5",
            ".value.b.c == -3",
            ".value | not",
            ".value.paid and .value.id",
            ".timestamp > 0 and .partition == 3 and .offset == 41",
            ".value == null",
            ".value.id // .value.a | . != null",
            "(.value.id, .value.b) | . != null",
            ".value | .[\"id\"] == 7",
            "@json \"\\(.value)\" | test(\"items\")",
            ".value | tostring | test(\"paid\")",
            "to_entries | length == 6",
        ];
        let d = decoder();
        let mut partial = 0;
        for code in filters {
            let filter = JqFilter::new(code).unwrap();
            let select = needs(code);
            partial += usize::from(!select.is_all());
            let mut matched = false;
            for m in &cases() {
                let whole = filter.matches_val(scope_val(m, Some(&d), &Select::All));
                let selected = filter.matches_val(scope_val(m, Some(&d), &select));
                assert_eq!(selected, whole, "{code} on {m:?} with {select:?}");
                matched |= whole;
            }
            // Each filter matches some record: a comparison of two `false`s alone
            // would show nothing.
            assert!(matched, "{code} matches nothing");
        }
        // Most of them are answered on a part of the record.
        assert!(
            partial >= 30,
            "{partial} of {} selected a part",
            filters.len()
        );
    }
}

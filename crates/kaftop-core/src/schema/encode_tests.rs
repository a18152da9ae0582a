//! Encode → decode round trips per kind, and refusals that name the field.

use serde_json::json;

use super::super::avro::AvroSchema;
use super::super::avro_encode::decimal_bytes;
use super::super::build::JsonBuild;
use super::super::protobuf::ProtoSchema;
use super::super::{json as json_schema, wire, RegisteredSchema, SchemaError, SchemaKind};
use super::Encoder;

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[
    {"name":"id","type":"long"},
    {"name":"customerId","type":"int"},
    {"name":"note","type":["null","string"],"default":null},
    {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
    {"name":"price","type":"double"},
    {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"tags","type":{"type":"map","values":"int"}},
    {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
    {"name":"address","type":{"type":"record","name":"Address","fields":[
        {"name":"city","type":"string"},{"name":"zip","type":["null","int"]}]}},
    {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
        {"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}},
    {"name":"channel","type":"string","default":"web"}
]}"#;

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

const PAYMENT: &str = r#"{"type":"object","properties":{
    "id":{"type":"integer"},
    "amount":{"type":"number"},
    "address":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
  },"required":["id","amount"]}"#;

fn registered(kind: SchemaKind, text: &str) -> RegisteredSchema {
    RegisteredSchema {
        id: 42,
        kind,
        text: text.to_string(),
        references: Vec::new(),
        subject: Some("s".into()),
        version: Some(1),
        subjects: Vec::new(),
    }
}

fn encoder(kind: SchemaKind, text: &str, message: Option<&str>) -> Encoder {
    Encoder::compile(&registered(kind, text), &[], &[], message).unwrap()
}

/// The body after the 5-byte header, which must name schema 42.
fn body(bytes: &[u8]) -> &[u8] {
    let framed = wire::frame(bytes).unwrap();
    assert_eq!(framed.id, 42);
    framed.body
}

fn refusal(result: Result<Vec<u8>, SchemaError>) -> String {
    match result {
        Err(SchemaError::Mismatch(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn avro_round_trips_unions_logical_types_and_defaults() {
    let e = encoder(SchemaKind::Avro, ORDER, None);
    let value = json!({"id": 1, "customerId": 4711, "note": {"string": "first"},
        "amount": "12.34", "price": 9.5, "at": 1_764_000_000_123_i64, "tags": {"a": 1},
        "status": "PAID", "address": {"city": "Seoul", "zip": null},
        "lines": [{"sku": "x", "qty": 2}]});
    let bytes = e.encode(&value).unwrap();
    let decoded = avro_decode(body(&bytes)).unwrap();
    assert_eq!(
        decoded,
        json!({"id": 1, "customerId": 4711, "note": "first", "amount": "12.34",
            "price": 9.5, "at": "2025-11-24T16:00:00.123Z", "tags": {"a": 1},
            "status": "PAID", "address": {"city": "Seoul", "zip": null},
            "lines": [{"sku": "x", "qty": 2}], "channel": "web"})
    );
    // What the decoder shows encodes back to the same bytes (plain union value,
    // RFC 3339 time, a decimal as a number; the default given).
    let mut shown = decoded.clone();
    shown["amount"] = json!(12.34);
    assert_eq!(e.encode(&shown).unwrap(), bytes);
    // A missing nullable field takes its default (null).
    let mut no_note = value.clone();
    no_note.as_object_mut().unwrap().remove("note");
    let decoded = avro_decode(body(&e.encode(&no_note).unwrap()));
    assert_eq!(decoded.unwrap()["note"], json!(null));
}

#[test]
fn avro_refuses_the_wrong_field_by_name() {
    let e = encoder(SchemaKind::Avro, ORDER, None);
    let good = json!({"id": 1, "customerId": 4711, "amount": "1.00", "price": 1.0,
        "at": 0, "tags": {}, "status": "NEW", "address": {"city": "c", "zip": 1},
        "lines": []});
    e.encode(&good).unwrap();
    let with = |path: &[&str], v: serde_json::Value| {
        let mut bad = good.clone();
        let mut at = &mut bad;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = v;
        refusal(e.encode(&bad))
    };
    assert_eq!(
        with(&["amount"], json!("abc")),
        r#"field "amount": expected a decimal number, got "abc""#
    );
    assert_eq!(
        with(&["price"], json!("abc")),
        r#"field "price": expected a number, got "abc""#
    );
    assert_eq!(
        with(&["customerId"], json!(1u64 << 40)),
        r#"field "customerId": expected an int, got 1099511627776"#
    );
    assert_eq!(
        with(&["status"], json!("LOST")),
        r#"field "status": expected one of NEW, PAID, got "LOST""#
    );
    assert_eq!(
        with(&["address", "zip"], json!("x")),
        r#"field "address.zip": expected an int, got "x""#
    );
    assert!(with(&["amount"], json!("1.234"))
        .starts_with(r#"field "amount": expected at most 2 digits after the point"#));
    assert!(with(&["lines"], json!([{"sku": "a", "qty": "2"}]))
        .starts_with(r#"field "lines[0].qty": expected an int"#));
    assert!(
        with(&["tags"], json!({"k": true})).starts_with(r#"field "tags["k"]": expected an int"#)
    );
    assert_eq!(
        with(&["colour"], json!("red")),
        r#"field "colour": not a field of shop.Order"#
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("id");
    assert_eq!(
        refusal(e.encode(&missing)),
        r#"field "id": missing, and the schema gives no default"#
    );
    assert!(
        refusal(e.encode(&json!([1]))).starts_with("the value: expected an object (shop.Order)")
    );
}

#[test]
fn decimals_become_the_unscaled_twos_complement() {
    assert_eq!(decimal_bytes(&json!("12.34"), 10, 2).unwrap(), [0x04, 0xd2]);
    assert_eq!(
        decimal_bytes(&json!("-12.34"), 10, 2).unwrap(),
        [0xfb, 0x2e]
    );
    assert_eq!(decimal_bytes(&json!(1.5), 10, 2).unwrap(), [0x00, 0x96]);
    assert_eq!(decimal_bytes(&json!("0"), 10, 2).unwrap(), [0x00]);
    assert!(decimal_bytes(&json!("123456789.00"), 10, 2).is_err());
    assert!(decimal_bytes(&json!("1e3"), 10, 2).is_err());
    assert!(decimal_bytes(&json!(true), 10, 2).is_err());
}

#[test]
fn big_decimals_are_exact() {
    // Precision 38, far past i64 and f64: the unscaled value's bytes, checked
    // against the same value computed as an i128.
    let text = "12345678901234567890123456.78";
    let unscaled: i128 = 1_234_567_890_123_456_789_012_345_678;
    let bytes = decimal_bytes(&json!(text), 38, 2).unwrap();
    let want = unscaled.to_be_bytes();
    let skip = want.iter().take_while(|b| **b == 0).count();
    assert_eq!(bytes, want[skip..]);
    let negative = decimal_bytes(&json!(format!("-{text}")), 38, 2).unwrap();
    let want = (-unscaled).to_be_bytes();
    assert_eq!(negative, want[want.len() - bytes.len()..]);
    // 38 nines fit precision 38; one more digit does not, nor a third decimal.
    let nines = "9".repeat(36) + ".99";
    assert!(decimal_bytes(&json!(nines), 38, 2).is_ok());
    let err = decimal_bytes(&json!(format!("9{nines}")), 38, 2).unwrap_err();
    assert!(
        err.starts_with("expected a decimal of at most 38 digits"),
        "{err}"
    );
    let err = decimal_bytes(&json!("1.234"), 38, 2).unwrap_err();
    assert!(
        err.starts_with("expected at most 2 digits after the point"),
        "{err}"
    );
}

#[test]
fn json_numbers_are_taken_only_when_exact() {
    // Whole numbers of any size serde_json keeps as integers, and floats in
    // exponent form, are exact.
    assert_eq!(
        decimal_bytes(&json!(u64::MAX), 38, 0).unwrap(),
        decimal_bytes(&json!(u64::MAX.to_string()), 38, 0).unwrap()
    );
    let big: serde_json::Value = serde_json::from_str("1e25").unwrap();
    assert_eq!(
        decimal_bytes(&big, 38, 2).unwrap(),
        decimal_bytes(&json!("10000000000000000000000000"), 38, 2).unwrap()
    );
    let small: serde_json::Value = serde_json::from_str("-1.5e-2").unwrap();
    assert_eq!(
        decimal_bytes(&small, 10, 3).unwrap(),
        decimal_bytes(&json!("-0.015"), 10, 3).unwrap()
    );
    // A number with more digits than an f64 carries is refused, never rounded.
    let long: serde_json::Value = serde_json::from_str("12345678901234567890123456.78").unwrap();
    let err = decimal_bytes(&long, 38, 2).unwrap_err();
    assert!(err.contains("write the decimal as a string"), "{err}");
}

#[test]
fn a_decimal_too_wide_for_its_fixed_is_refused() {
    // precision 38 declared on a fixed of 4 bytes: what does not fit is named.
    let schema = r#"{"type":"record","name":"R","fields":[{"name":"d","type":
        {"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":38,"scale":0}}]}"#;
    let e = encoder(SchemaKind::Avro, schema, None);
    assert!(e.encode(&json!({"d": "2147483647"})).is_ok());
    assert_eq!(
        refusal(e.encode(&json!({"d": "2147483648"}))),
        r#"field "d": "2147483648" needs 5 bytes, the schema's fixed holds 4"#
    );
}

#[test]
fn protobuf_round_trips_the_named_message_with_its_indexes() {
    let schema = ProtoSchema::parse(SHOP, &[]).unwrap();
    let e = encoder(SchemaKind::Protobuf, SHOP, Some("Order"));
    assert_eq!(e.info().message.as_deref(), Some("shop.Order"));
    let value = json!({"id": 5, "lines": [{"sku": "a", "qty": 2}], "at": "1970-01-01T00:00:01Z"});
    let bytes = e.encode(&value).unwrap();
    let (decoded, name) = schema.decode_framed(body(&bytes)).unwrap();
    assert_eq!((decoded, name.as_str()), (value, "shop.Order"));
    // Nested by its own name: indexes [1, 0]; the default is the first message.
    let line = encoder(SchemaKind::Protobuf, SHOP, Some("Line"));
    let bytes = line.encode(&json!({"sku": "b", "qty": 1})).unwrap();
    assert_eq!(wire::message_indexes(body(&bytes)).unwrap().0, [1, 0]);
    let first = encoder(SchemaKind::Protobuf, SHOP, None);
    assert_eq!(first.info().message.as_deref(), Some("shop.Other"));
    let err = Encoder::compile(
        &registered(SchemaKind::Protobuf, SHOP),
        &[],
        &[],
        Some("Nope"),
    );
    assert!(matches!(err, Err(SchemaError::Mismatch(m)) if m.starts_with("no message Nope")));
}

#[test]
fn protobuf_refuses_the_wrong_field_by_name() {
    let e = encoder(SchemaKind::Protobuf, SHOP, Some("shop.Order"));
    let m = refusal(e.encode(&json!({"id": "abc"})));
    assert!(
        m.starts_with(r#"field "id": "#) && m.ends_with(r#"got "abc""#),
        "{m}"
    );
    let m = refusal(e.encode(&json!({"id": 1, "lines": [{"sku": "a", "qty": "two"}]})));
    assert!(
        m.starts_with(r#"field "lines[0].qty": "#) && m.ends_with(r#"got "two""#),
        "{m}"
    );
    let m = refusal(e.encode(&json!({"id": 1, "colour": "red"})));
    assert!(m.contains("colour"), "{m}");
}

#[test]
fn json_schema_validates_then_writes_the_json() {
    let e = encoder(SchemaKind::Json, PAYMENT, None);
    let value = json!({"id": 7, "amount": 12.5, "address": {"city": "Seoul"}});
    let bytes = e.encode(&value).unwrap();
    assert_eq!(json_schema::decode(body(&bytes)).unwrap(), value);
    let m = refusal(e.encode(&json!({"id": 7, "amount": "abc"})));
    assert_eq!(m, r#"field "amount": "abc" is not of type "number""#);
    let m = refusal(e.encode(&json!({"id": 7, "amount": 1, "address": {}})));
    assert!(
        m.starts_with(r#"field "address": "city" is a required"#),
        "{m}"
    );
    let m = refusal(e.encode(&json!({"amount": 1})));
    assert!(m.starts_with(r#"the value: "id" is a required"#), "{m}");
    // A message name is for Protobuf only.
    assert!(Encoder::compile(&registered(SchemaKind::Json, PAYMENT), &[], &[], Some("X")).is_err());
}

/// An Avro body of [`ORDER`] as the decoder shows it.
fn avro_decode(body: &[u8]) -> Result<serde_json::Value, SchemaError> {
    let schema = AvroSchema::parse(ORDER, &[]).unwrap();
    super::super::avro_read::read(&schema, body, &mut JsonBuild)
}

//! `kaftop publish --schema-subject` against a real registry (Apicurio,
//! `scripts/test-registry.sh`): an Avro record (unions in both JSON forms, a
//! decimal as text and as a number, timestamps as a number and in RFC 3339, maps,
//! an enum, a nested record, an array, a default) with an Avro key, a Protobuf
//! message picked by name and a JSON Schema record are read back field for field
//! by Python confluent-kafka's own AvroDeserializer, ProtobufDeserializer and
//! JSONDeserializer; a value that does not fit is refused with the field named
//! and nothing lands on the topic. Decimals of precision 38 (bytes and fixed) read
//! back digit for digit; too many digits or a long JSON number are refused.
//! Cost: three Python processes (~2 s each) and a few `kaftop publish` runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::registry::{self, registry};
use common::{assert_success, kaftop};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const READER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/consume.py");

fn python(args: &[&str]) -> String {
    let out = Command::new(registry::python())
        .arg(READER)
        .args(args)
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn config(dir: &Path, registry_url: &str) -> std::path::PathBuf {
    let path = dir.join("kaftop.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n\
             [profiles.t.registry]\nurl = \"{registry_url}\"\ntimeout = \"5s\"\n",
            common::bootstrap()
        ),
    )
    .unwrap();
    path
}

fn publish(config: &Path, args: &[&str]) -> std::process::Output {
    kaftop()
        .arg("--config")
        .arg(config)
        .arg("publish")
        .args(args)
        .output()
        .unwrap()
}

/// `kaftop publish` of `value` to `topic` with the latest schema of `subject`.
fn publish_to_subject(
    config: &Path,
    topic: &str,
    subject: &str,
    value: &str,
) -> std::process::Output {
    publish(
        config,
        &[
            "--topic",
            topic,
            "--schema-subject",
            subject,
            "--value",
            value,
        ],
    )
}

/// What Confluent's deserializers read from `PREFIX-KIND`: {key, value} each.
fn read_back(url: &str, prefix: &str, kind: &str, n: usize) -> Vec<Value> {
    python(&[
        "read",
        &common::bootstrap(),
        url,
        prefix,
        kind,
        &n.to_string(),
    ])
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

fn end_offset(topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .create()
        .unwrap();
    consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(10))
        .unwrap()
        .1
}

#[test]
fn published_records_read_back_with_confluent_deserializers() {
    let Some(url) = registry() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);
    let prefix = common::unique("schemapub");
    python(&["register", &common::bootstrap(), &url, &prefix]);
    let (avro, proto, json_topic) = (
        format!("{prefix}-avro"),
        format!("{prefix}-proto"),
        format!("{prefix}-json"),
    );

    // Avro: the union wrapped and plain, a decimal as text and as a number, the
    // time as milliseconds and in RFC 3339; `channel` left to its default.
    let first = json!({"id": 1, "customerId": 4711, "note": {"string": "first"},
        "amount": "12.34", "at": 1_795_515_330_123_i64, "tags": {"a": 1, "b": 2},
        "status": "PAID", "address": {"city": "Seoul", "zip": null},
        "lines": [{"sku": "A-1", "qty": 2}]});
    let second = json!({"id": 2, "customerId": 7, "note": null, "amount": -0.05,
        "at": "2026-11-24T10:15:30.123Z", "tags": {}, "status": "NEW",
        "address": {"city": "Busan", "zip": 48058}, "lines": [], "channel": "app"});
    let out = publish(
        &cfg,
        &[
            "--topic",
            &avro,
            "--schema-subject",
            &format!("{avro}-value"),
            "--key",
            "\"k-1\"",
            "--key-schema-subject",
            &format!("{avro}-key"),
            "--value",
            &first.to_string(),
        ],
    );
    assert_success(&out);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains(&format!("Avro · subject {avro}-value v1")),
        "{said}"
    );
    let args = [
        "--topic",
        &avro,
        "--schema-subject",
        &format!("{avro}-value"),
        "--schema-version",
        "1",
        "--json",
        "--value",
        &second.to_string(),
    ];
    let out = publish(&cfg, &args);
    assert_success(&out);
    let delivered: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&delivered["offset"], &delivered["schema"]["kind"]),
        (&json!(1), &json!("avro"))
    );
    let records = read_back(&url, &prefix, "avro", 2);
    assert_eq!(
        records,
        [
            json!({"key": "k-1", "value": {"id": 1, "customerId": 4711, "note": "first",
                "amount": "12.34", "at": 1_795_515_330_123_i64, "tags": {"a": 1, "b": 2},
                "status": "PAID", "address": {"city": "Seoul", "zip": null},
                "lines": [{"sku": "A-1", "qty": 2}], "channel": "web"}}),
            json!({"key": null, "value": {"id": 2, "customerId": 7, "note": null,
                "amount": "-0.05", "at": 1_795_515_330_123_i64, "tags": {}, "status": "NEW",
                "address": {"city": "Busan", "zip": 48058}, "lines": [], "channel": "app"}}),
        ]
    );

    // Protobuf: the second message of the file, by name (message indexes [1]).
    let order = json!({"id": 7, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
        "at": "2026-11-24T10:15:30Z"});
    let out = publish(
        &cfg,
        &[
            "--topic",
            &proto,
            "--schema-subject",
            &format!("{proto}-value"),
            "--schema-message",
            "Order",
            "--key",
            "o-7",
            "--value",
            &order.to_string(),
        ],
    );
    assert_success(&out);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains("Protobuf · pubtest.Order"), "{said}");
    assert_eq!(
        read_back(&url, &prefix, "proto", 1),
        [json!({"key": "o-7", "value": order})]
    );

    // JSON Schema.
    let receipt = json!({"messageId": 42, "reader": "u-9"});
    let out = publish_to_subject(
        &cfg,
        &json_topic,
        &format!("{json_topic}-value"),
        &receipt.to_string(),
    );
    assert_success(&out);
    assert_eq!(
        read_back(&url, &prefix, "json", 1),
        [json!({"key": null, "value": receipt})]
    );

    // Values that do not fit: refused with the field, nothing produced.
    let mut bad_avro = first.clone();
    bad_avro["address"]["zip"] = json!("04524");
    let refusals = [
        (
            &avro,
            bad_avro,
            r#"field "address.zip": expected an int, got "04524""#,
        ),
        (
            &proto,
            json!({"id": 8, "lines": [{"sku": "A-1", "qty": "two"}]}),
            r#"field "lines[0].qty""#,
        ),
        (
            &json_topic,
            json!({"messageId": "x"}),
            r#"field "messageId": "x" is not of type "integer""#,
        ),
    ];
    for (topic, value, field) in refusals {
        let before = end_offset(topic);
        let mut args = vec![
            "--topic".to_string(),
            topic.clone(),
            "--schema-subject".to_string(),
            format!("{topic}-value"),
            "--value".to_string(),
            value.to_string(),
        ];
        if topic == &proto {
            args.extend(["--schema-message".to_string(), "Order".to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = publish(&cfg, &args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success(), "{topic}: published {value}");
        assert!(
            err.contains("does not fit") && err.contains(field),
            "{topic}: {err}"
        );
        assert_eq!(end_offset(topic), before, "{topic}: something was produced");
    }

    // An unknown subject, and a profile without a registry: said clearly.
    let out = publish_to_subject(&cfg, &avro, &format!("{prefix}-nope"), "{}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success() && err.contains("not found"), "{err}");
    let out = publish(
        &cfg,
        &[
            "--topic",
            &avro,
            "--schema-subject",
            &format!("{avro}-value"),
            "--schema-version",
            "9",
            "--value",
            &first.to_string(),
        ],
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        !out.status.success() && err.contains("version 9 not found"),
        "{err}"
    );
    let plain = dir.path().join("plain.toml");
    std::fs::write(
        &plain,
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n",
            common::bootstrap()
        ),
    )
    .unwrap();
    let out = publish_to_subject(&plain, &avro, &format!("{avro}-value"), "{}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        !out.status.success() && err.contains("needs a schema registry"),
        "{err}"
    );
    // Read-only refuses before the value is even looked at.
    let out = kaftop()
        .arg("--config")
        .arg(&cfg)
        .args([
            "--read-only",
            "publish",
            "--topic",
            &avro,
            "--schema-subject",
        ])
        .args([&format!("{avro}-value"), "--value", &first.to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success() && err.contains("read-only"), "{err}");
    assert_eq!(end_offset(&avro), 2);
}

#[test]
fn big_decimals_read_back_exactly() {
    let Some(url) = registry() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);
    let prefix = common::unique("schemabig");
    python(&["register", &common::bootstrap(), &url, &prefix]);
    let topic = format!("{prefix}-big");
    let subject = format!("{topic}-value");
    // Precision 38 (26 + 2 digits, 28 + 10), as bytes and as a 16-byte fixed, one
    // of them negative: past what i64, i128 scaled by hand, or an f64 hold.
    let ledgers = [
        json!({"total": "12345678901234567890123456.78",
               "rate": "-1234567890123456789012345678.0123456789"}),
        json!({"total": "-99999999999999999999999999999999999.99",
               "rate": "9999999999999999999999999999.9999999999"}),
    ];
    for value in &ledgers {
        let out = publish_to_subject(&cfg, &topic, &subject, &value.to_string());
        assert_success(&out);
    }
    let back = read_back(&url, &prefix, "big", 2);
    let values: Vec<&Value> = back.iter().map(|r| &r["value"]).collect();
    assert_eq!(values, ledgers.iter().collect::<Vec<_>>());

    // Too many digits, too many decimals, and a long JSON number: refused with
    // the reason, nothing produced.
    let refusals = [
        (
            r#"{"total": "1234567890123456789012345678901234567.78", "rate": "1"}"#,
            r#"field "total": expected a decimal of at most 38 digits"#,
        ),
        (
            r#"{"total": "1.234", "rate": "1"}"#,
            r#"field "total": expected at most 2 digits after the point"#,
        ),
        (
            r#"{"total": 12345678901234567890123456.78, "rate": "1"}"#,
            "write the decimal as a string",
        ),
    ];
    for (value, reason) in refusals {
        let out = publish_to_subject(&cfg, &topic, &subject, value);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            !out.status.success() && err.contains(reason),
            "{value}: {err}"
        );
    }
    assert_eq!(end_offset(&topic), 2, "a refused value was produced");
}

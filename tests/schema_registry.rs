//! Records written by Confluent's own serializers (Python confluent-kafka's
//! AvroSerializer, ProtobufSerializer and JSONSerializer, with a real registry:
//! Apicurio, `scripts/test-registry.sh`) decoded by `kaftop tail` field for field;
//! records that cannot be decoded shown raw with the reason, the others unaffected.
//! Cost: one Python process (~2 s) and a few `kaftop tail` runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::registry::{python, registry};
use common::{assert_success, kaftop};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use serde_json::Value;

const PRODUCER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/produce.py");

fn config(dir: &Path, registry_url: &str) -> std::path::PathBuf {
    let path = dir.join("kaftop.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n\
             [profiles.t.registry]\nurl = \"{registry_url}\"\ntimeout = \"2s\"\n",
            common::bootstrap()
        ),
    )
    .unwrap();
    path
}

/// Produces with Confluent's serializers; what each record holds, by topic.
fn produce_with_confluent(url: &str, prefix: &str) -> Vec<(String, Value)> {
    let out = Command::new(python())
        .args([PRODUCER, &common::bootstrap(), url, prefix])
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["topic"].as_str().unwrap().to_string(),
                v["expected"].clone(),
            )
        })
        .collect()
}

fn tail_json(config: &Path, topic: &str, n: usize) -> Vec<Value> {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args([
            "tail",
            topic,
            "--from-beginning",
            "--json",
            "-n",
            &n.to_string(),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn produce_raw(topic: &str, records: &[(Option<&[u8]>, &[u8])]) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        // The 5 MB record (the topics allow 6 MB).
        .set("message.max.bytes", "6291456")
        .create()
        .unwrap();
    for (key, value) in records {
        let mut r = BaseRecord::<[u8], [u8]>::to(topic).payload(*value);
        if let Some(k) = key {
            r = r.key(*k);
        }
        producer.send(r).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

#[test]
fn confluent_serializers_records_decode_field_for_field() {
    let Some(url) = registry() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);
    let prefix = common::unique("schema");
    let produced = produce_with_confluent(&url, &prefix);
    assert_eq!(produced.len(), 5, "{produced:?}");
    for topic in ["avro", "proto", "json"].map(|t| format!("{prefix}-{t}")) {
        let expected: Vec<&Value> = produced
            .iter()
            .filter(|(t, _)| *t == topic)
            .map(|(_, v)| v)
            .collect();
        let records = tail_json(&cfg, &topic, expected.len());
        assert_eq!(records.len(), expected.len(), "{topic}");
        // `search` builds its filter's input by its own path (straight from the
        // bytes): a filter naming each whole decoded value finds exactly its records.
        for want in &expected {
            let same = expected.iter().filter(|v| *v == want).count();
            let filter = format!(".value == {want}");
            let out = kaftop()
                .arg("--config")
                .arg(&cfg)
                .args(["search", &topic, &filter, "--count"])
                .output()
                .unwrap();
            assert_success(&out);
            let count = String::from_utf8(out.stdout).unwrap();
            assert_eq!(count.trim(), same.to_string(), "{topic}: {filter}");
        }
        for (record, want) in records.iter().zip(expected) {
            assert_eq!(&record["value_decoded"], want, "{topic}: {record}");
            let schema = &record["value_schema"];
            assert_eq!(schema["subject"], format!("{topic}-value"), "{record}");
            assert!(schema["id"].as_u64().is_some(), "{record}");
            // The bytes are kept beside the decoded value.
            assert!(
                ["base64", "text"].contains(&record["value_encoding"].as_str().unwrap())
                    && record["value_size"].as_u64() > Some(5),
                "{record}"
            );
        }
    }
    // The evolved Avro schema is the subject's second version.
    let avro = tail_json(&cfg, &format!("{prefix}-avro"), 2);
    assert_eq!(
        (
            &avro[0]["value_schema"]["version"],
            &avro[1]["value_schema"]["version"]
        ),
        (&Value::from(1), &Value::from(2))
    );
    // The nested Protobuf type alone: message indexes [1, 0].
    let proto = tail_json(&cfg, &format!("{prefix}-proto"), 2);
    assert_eq!(proto[1]["value_schema"]["message"], "shoptest.Order.Line");

    // The person's form says which schema decoded it.
    let out = kaftop()
        .arg("--config")
        .arg(&cfg)
        .args([
            "tail",
            &format!("{prefix}-avro"),
            "--from-beginning",
            "-n",
            "1",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "value schema: Avro · subject {prefix}-avro-value v1"
        )) && text.contains("\"customerId\": 4711"),
        "{text}"
    );
}

#[test]
fn undecodable_records_are_shown_raw_with_the_reason() {
    let Some(url) = registry() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);
    let prefix = common::unique("schemabad");
    let produced = produce_with_confluent(&url, &prefix);
    let topic = format!("{prefix}-avro");
    let good = tail_json(&cfg, &topic, 1).remove(0);
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(good["value"].as_str().unwrap())
        .unwrap();
    let big = [&bytes[..5], &vec![0x41u8; 5 << 20][..]].concat();
    let proto_topic = format!("{prefix}-proto");
    let proto = tail_json(&cfg, &proto_topic, 1).remove(0);
    let proto_id = proto["value_schema"]["id"].as_u64().unwrap() as u8;
    produce_raw(
        &topic,
        &[
            (None, &[0, 0x7f, 0xff, 0xff, 0x01, 2, 4][..]), // an unknown schema id
            (None, &bytes[..bytes.len() - 3]),              // truncated
            (Some(&[0xff, 0xfe, 0x80][..]), &bytes),        // a non-UTF-8 key
            (None, &big),                                   // a 5 MB record
        ],
    );
    produce_raw(
        &proto_topic,
        &[(None, &[0, 0, 0, 0, proto_id, 2, 18, 0][..])],
    );
    let records = tail_json(&cfg, &topic, 2 + 4);
    assert_eq!(records.len(), 6);
    let reason = |r: &Value| r["value_decode_error"].as_str().unwrap_or("").to_string();
    assert!(reason(&records[2]).contains("not found"), "{}", records[2]);
    assert!(reason(&records[3]).contains("corrupt"), "{}", records[3]);
    // The raw bytes are still there, and the records around decode.
    assert_eq!(records[3]["value_encoding"], "base64");
    assert_eq!(records[4]["value_decoded"], produced[0].1);
    assert_eq!(records[4]["key_encoding"], "base64");
    assert!(reason(&records[5]).contains("corrupt"), "{}", records[5]);
    assert_eq!(records[5]["value_size"], big.len());
    let past = tail_json(&cfg, &proto_topic, 3).remove(2);
    assert!(reason(&past).contains("past the schema"), "{past}");

    // A registry that is down: every record shown raw with why, none dropped.
    let down = config(dir.path(), "http://127.0.0.1:9/apis/ccompat/v7");
    let records = tail_json(&down, &format!("{prefix}-json"), 1);
    assert!(
        reason(&records[0]).contains("unreachable"),
        "{}",
        records[0]
    );
    assert_eq!(records[0]["value_encoding"], "text");
}

//! Avro records written by Confluent's own AvroSerializer (Python confluent-kafka,
//! with a real registry: Apicurio, `scripts/test-registry.sh`) decoded where
//! kaftop shows a record beyond `tail`: the incident snapshot's record at a stuck
//! partition's committed offset (Markdown and JSON), and the plan of a DLQ
//! redrive, whose execution still sends the bytes as they were (and whose
//! `--filter` matches a value's decoded JSON). A record framed
//! with an unknown schema id is shown raw with the reason in both.
//! Cost: one Python process (~2 s), a 9 s snapshot, two `kaftop dlq redrive` runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cluster::{commit_offsets, create_topic};
use common::registry::{python, registry};
use common::{assert_success, bootstrap, kaftop, unique};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

const PRODUCER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/produce.py");
/// Framed for schema id 987654, which the registry does not have.
const UNKNOWN_ID: [u8; 8] = [0, 0, 0x0f, 0x12, 0x06, 0x02, 0x04, 0x06];

fn config(dir: &Path, registry_url: &str) -> PathBuf {
    let path = dir.join("kaftop.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"t\"\ndata_dir = \"{}\"\n[profiles.t]\n\
             bootstrap_servers = \"{}\"\npoll_interval = \"1s\"\n\
             [profiles.t.lag]\nstuck_after = \"3s\"\n\
             [profiles.t.registry]\nurl = \"{registry_url}\"\ntimeout = \"2s\"\n",
            dir.join("data").display(),
            bootstrap()
        ),
    )
    .unwrap();
    path
}

/// `PREFIX-avro` written by Confluent's AvroSerializer: its two records' bytes
/// (the second with the evolved schema, version 2).
fn produce_avro(url: &str, prefix: &str) -> Vec<Vec<u8>> {
    let out = Command::new(python())
        .args([PRODUCER, &bootstrap(), url, prefix, "avro"])
        .output()
        .unwrap();
    assert_success(&out);
    read_values(&format!("{prefix}-avro"), 0, 2)
}

/// The values of `n` records of partition 0 of `topic` from `from`, as bytes.
fn read_values(topic: &str, from: i64, n: usize) -> Vec<Vec<u8>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", unique("raw-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Offset(from))
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        if let Some(m) = consumer.poll(Duration::from_millis(250)) {
            out.push(m.unwrap().payload().unwrap_or_default().to_vec());
        }
    }
    assert_eq!(out.len(), n, "records of {topic} from {from}");
    out
}

/// A value to produce and its headers.
type Out<'a> = (&'a [u8], Vec<(&'a str, String)>);

/// Sends these values with these headers to partition 0 of `topic`.
fn produce(topic: &str, records: &[Out<'_>]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    for (value, headers) in records {
        let mut hs = OwnedHeaders::new();
        for (k, v) in headers {
            hs = hs.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            });
        }
        producer
            .send(
                BaseRecord::<[u8], [u8]>::to(topic)
                    .partition(0)
                    .payload(*value)
                    .headers(hs),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn run(config: &Path, args: &[&str]) -> String {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_snapshot_shows_the_stuck_avro_record_decoded_and_an_unknown_id_raw() {
    let Some(url) = registry() else { return };
    let prefix = unique("snapschema");
    let values = produce_avro(&url, &prefix);
    let (avro, bad, side) = (
        format!("{prefix}-avro"),
        format!("{prefix}-bad"),
        format!("{prefix}-side"),
    );
    create_topic(&bootstrap(), &bad, 1);
    create_topic(&bootstrap(), &side, 1);
    produce(&bad, &[(&UNKNOWN_ID, vec![])]);
    let group = unique("snapschema-group");
    commit_offsets(
        &bootstrap(),
        &group,
        &[
            (avro.as_str(), 0, 0),
            (bad.as_str(), 0, 0),
            (side.as_str(), 0, 0),
        ],
    );
    // While the snapshot watches: the stuck topics grow and the group keeps
    // committing its other topic, so the two are stuck at offset 0.
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (stop, avro, bad, side, group) = (
            stop.clone(),
            avro.clone(),
            bad.clone(),
            side.clone(),
            group.clone(),
        );
        let copy = values[0].clone();
        std::thread::spawn(move || {
            let mut next = 0;
            while !stop.load(Ordering::Relaxed) {
                produce(&avro, &[(&copy, vec![])]);
                produce(&bad, &[(&UNKNOWN_ID, vec![])]);
                produce(&side, &[(b"tick", vec![])]);
                next += 1;
                commit_offsets(&bootstrap(), &group, &[(side.as_str(), 0, next)]);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);
    let md_path = dir.path().join("incident.md");
    let out = kaftop()
        .arg("--config")
        .arg(&cfg)
        .args(["snapshot", "--for", "9s", "--out"])
        .arg(&md_path)
        .output()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    assert_success(&out);

    let md = std::fs::read_to_string(&md_path).unwrap();
    let avro_section = md
        .split(&format!(
            "#### Record at the committed offset of {avro}-0 (offset 0)"
        ))
        .nth(1)
        .unwrap_or_else(|| panic!("no record of {avro}-0 in:\n{md}"));
    let avro_section = avro_section.split("#### ").next().unwrap();
    for fact in [
        format!("- value schema: Avro · subject {avro}-value v1 · id "),
        "\"customerId\": 4711".to_string(),
        "\"city\": \"Seoul\"".to_string(),
        "\"amount\": \"12.34\"".to_string(),
    ] {
        assert!(avro_section.contains(&fact), "missing {fact:?} in:\n{md}");
    }
    let bad_section = md
        .split(&format!(
            "#### Record at the committed offset of {bad}-0 (offset 0)"
        ))
        .nth(1)
        .unwrap_or_else(|| panic!("no record of {bad}-0 in:\n{md}"));
    assert!(
        bad_section.contains("- value not decoded, shown raw: ")
            && bad_section.contains("987654")
            && bad_section.contains("00 00 0f 12 06 02 04 06"),
        "{md}"
    );

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("incident.json")).unwrap())
            .unwrap();
    let record_of = |topic: &str| -> Value {
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["group_id"] == group.as_str())
            .flat_map(|g| g["partitions"].as_array().unwrap())
            .find(|p| p["topic"] == topic)
            .unwrap_or_else(|| panic!("{topic} not in {json}"))["record"]
            .clone()
    };
    let r = record_of(&avro);
    assert_eq!(r["value_schema"]["kind"], "avro", "{r}");
    assert_eq!(r["value_schema"]["subject"], format!("{avro}-value"), "{r}");
    assert_eq!(r["value_schema"]["version"], 1, "{r}");
    assert!(r["value_schema"]["id"].as_u64().is_some(), "{r}");
    let decoded: Value = serde_json::from_str(r["value"].as_str().unwrap()).unwrap();
    assert_eq!(decoded["customerId"], 4711, "{r}");
    assert_eq!(decoded["status"], "PAID", "{r}");
    assert!(r["value_undecoded"].is_null(), "{r}");
    let r = record_of(&bad);
    assert!(r["value_schema"].is_null(), "{r}");
    assert!(
        r["value_undecoded"].as_str().unwrap().contains("987654"),
        "{r}"
    );
}

#[test]
fn a_redrive_plan_shows_avro_values_decoded_and_sends_the_bytes_unchanged() {
    let Some(url) = registry() else { return };
    let prefix = unique("dlqschema");
    let values = produce_avro(&url, &prefix);
    let avro = format!("{prefix}-avro");
    let dlq = format!("{avro}.dlq");
    create_topic(&bootstrap(), &dlq, 1);
    // What a service dead-letters: the value as it was, the DLQ headers after.
    let dead = |offset: usize| {
        vec![
            ("kaftop.error", "failed on purpose".to_string()),
            ("kaftop.service", "test".to_string()),
            ("kaftop.source.topic", avro.clone()),
            ("kaftop.source.partition", "0".to_string()),
            ("kaftop.source.offset", offset.to_string()),
        ]
    };
    let sent: Vec<&[u8]> = vec![&values[0], &values[1], &UNKNOWN_ID];
    produce(
        &dlq,
        &sent
            .iter()
            .enumerate()
            .map(|(i, v)| (*v, dead(i)))
            .collect::<Vec<_>>(),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &url);

    let text = run(&cfg, &["dlq", "redrive", &dlq]);
    for fact in [
        format!("Dry run: 3 records would be redriven from {dlq}"),
        format!("0/0 (Avro · subject {avro}-value v1 · id "),
        format!("0/1 (Avro · subject {avro}-value v2 · id "),
        "\"customerId\":4711".to_string(),
        "\"channel\":\"app\"".to_string(),
        "0/2 (not decoded, shown raw: ".to_string(),
        "00 00 0f 12 06 02 04 06".to_string(),
    ] {
        assert!(text.contains(&fact), "missing {fact:?} in:\n{text}");
    }
    let plan: Value =
        serde_json::from_str(&run(&cfg, &["dlq", "redrive", &dlq, "--json"])).unwrap();
    let send = plan["send"].as_array().unwrap();
    assert_eq!(send.len(), 3, "{plan}");
    assert_eq!(
        send[0]["value"]["schema"]["schema"]["subject"],
        format!("{avro}-value")
    );
    let first: Value = serde_json::from_str(send[0]["value"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(first["address"]["city"], "Seoul", "{plan}");
    assert!(
        send[2]["value"]["schema"]["error"]
            .as_str()
            .unwrap()
            .contains("987654"),
        "{plan}"
    );

    // --filter matches the decoded JSON of a schema-encoded value (its bytes hold
    // no `"city":"Busan"`), ignoring case; a needle in no record matches none.
    let filtered = run(
        &cfg,
        &["dlq", "redrive", &dlq, "--filter", "\"CITY\":\"busan\""],
    );
    for fact in [
        format!("Dry run: 1 records would be redriven from {dlq}"),
        format!("0/1 (Avro · subject {avro}-value v2 · id "),
        "2 left out by --filter/--service".to_string(),
    ] {
        assert!(filtered.contains(&fact), "missing {fact:?} in:\n{filtered}");
    }
    let none = run(
        &cfg,
        &["dlq", "redrive", &dlq, "--filter", "\"city\":\"Daegu\""],
    );
    assert!(none.contains("3 left out by --filter/--service"), "{none}");

    let done = run(&cfg, &["dlq", "redrive", &dlq, "--execute"]);
    assert!(done.contains("Redrove 3 records"), "{done}");
    // Back on the source topic after its two originals, byte for byte.
    let redriven = read_values(&avro, 2, 3);
    for (got, want) in redriven.iter().zip(&sent) {
        assert_eq!(got.as_slice(), *want);
    }
}

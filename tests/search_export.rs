//! `kaftop search` with jq filters, `--out` exports and `produce-file` on the real
//! test broker: predicates on the decoded value and a header, --count, --limit,
//! --since/--until, the refusals, and the round trip search --out → produce-file
//! --execute → search on another topic giving the same records byte for byte.
//! Cost: three small topics, 30 records, ~12 kaftop runs (a few seconds).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{assert_success, bootstrap, kafka_tool, kaftop};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const RECORDS: i64 = 30;
const HOUR_MS: i64 = 3_600_000;

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("kaftop.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n",
            bootstrap()
        ),
    )
    .unwrap();
    path
}

fn create_topic(name: &str) {
    let out = kafka_tool(
        "kafka-topics",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--create",
            "--topic",
            name,
            "--partitions",
            "3",
        ],
    );
    assert_success(&out);
}

/// Records 0..30: JSON values `{"customerId", "n"}` (customer 4711 for every third),
/// header `__TypeId__` OrderCreated for even n, else OrderPaid; the first ten three
/// hours old. Record 28 has no value, 29 a binary key and value.
fn produce(topic: &str, now_ms: i64) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    for n in 0..RECORDS {
        let customer = if n % 3 == 0 { 4711 } else { n };
        let value = json!({"customerId": customer, "n": n}).to_string();
        let key = format!("k{n}");
        let type_id = if n % 2 == 0 {
            "OrderCreated"
        } else {
            "OrderPaid"
        };
        let headers = OwnedHeaders::new().insert(Header {
            key: "__TypeId__",
            value: Some(type_id),
        });
        let ts = if n < 10 { now_ms - 3 * HOUR_MS } else { now_ms };
        let mut r = BaseRecord::<[u8], [u8]>::to(topic)
            .headers(headers)
            .timestamp(ts);
        r = match n {
            28 => r.key(key.as_bytes()),
            29 => r.key(&[0xfe, 0x00][..]).payload(&[0xff, 0x00, 0x01][..]),
            _ => r.key(key.as_bytes()).payload(value.as_bytes()),
        };
        producer.send(r).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn run(config: &Path, args: &[&str]) -> std::process::Output {
    kaftop()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(config: &Path, args: &[&str]) -> String {
    let out = run(config, args);
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// `n` of each `search --json` line, sorted.
fn ns(lines: &str) -> Vec<i64> {
    let mut ns: Vec<i64> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["value"]["n"]
                .as_i64()
                .unwrap()
        })
        .collect();
    ns.sort_unstable();
    ns
}

/// An export's lines by (partition, offset), without the topic's name.
fn exported(path: &Path) -> Vec<Value> {
    let mut lines: Vec<Value> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("topic");
            v
        })
        .collect();
    lines.sort_by_key(|v| (v["partition"].as_i64(), v["offset"].as_i64()));
    lines
}

fn records_in(topic: &str) -> i64 {
    let out = kafka_tool(
        "kafka-get-offsets",
        &["--bootstrap-server", &bootstrap(), "--topic", topic],
    );
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.rsplit(':').next()?.trim().parse::<i64>().ok())
        .sum()
}

#[test]
fn search_filters_counts_limits_and_time_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let topic = common::unique("search");
    create_topic(&topic);
    produce(&topic, chrono::Utc::now().timestamp_millis());

    let filter =
        r#".value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))"#;
    let lines = stdout(&cfg, &["search", &topic, filter, "--json"]);
    assert_eq!(ns(&lines), vec![0, 6, 12, 18, 24], "{lines}");
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["headers"]["__TypeId__"], "OrderCreated");
    assert!(first["key"].as_str().unwrap().starts_with('k'), "{first}");

    let count = |args: &[&str]| -> String {
        let mut all = vec!["search", topic.as_str()];
        all.extend_from_slice(args);
        all.push("--count");
        stdout(&cfg, &all)
    };
    assert_eq!(count(&[".value.customerId == 4711"]), "10\n");
    assert_eq!(count(&["true"]), format!("{RECORDS}\n"));
    assert_eq!(count(&["true", "--since", "1h"]), "20\n");
    assert_eq!(count(&["true", "--until", "1h"]), "10\n");
    let in_p0: i64 = count(&["true", "--partition", "0"]).trim().parse().unwrap();
    assert!(in_p0 > 0 && in_p0 < RECORDS, "{in_p0}");
    assert_eq!(count(&[".value == null"]), "1\n");
    // The binary value is in scope as text with replacement characters.
    assert_eq!(count(&[r#".value | type == "string""#]), "1\n");

    let limited = stdout(&cfg, &["search", &topic, "true", "--json", "--limit", "2"]);
    assert_eq!(limited.lines().count(), 2, "{limited}");
}

#[test]
fn search_refuses_a_bad_filter_and_an_unknown_topic() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let out = run(&cfg, &["search", "no-such-topic-anywhere", ".value =="]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad filter `.value ==`: expected"), "{err}");

    let out = run(&cfg, &["search", "no-such-topic-anywhere", "true"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-topic-anywhere"), "{err}");
}

#[test]
fn export_and_replay_give_the_same_records_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let (from, to) = (common::unique("export"), common::unique("replay"));
    create_topic(&from);
    create_topic(&to);
    produce(&from, chrono::Utc::now().timestamp_millis());

    let first = dir.path().join("first.jsonl");
    let p = first.to_str().unwrap();
    assert_success(&run(&cfg, &["search", &from, "true", "--out", p]));
    let lines = exported(&first);
    assert_eq!(lines.len(), RECORDS as usize);
    let binary = lines.iter().find(|l| l["key_base64"] == "/gA=").unwrap();
    assert_eq!(binary["value_base64"], "/wAB", "{binary}");

    // Read-only refuses; a dry run writes nothing.
    let out = run(
        &cfg,
        &[
            "--read-only",
            "produce-file",
            p,
            "--topic",
            &to,
            "--execute",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to write records to a topic"),
        "{err}"
    );
    let dry = stdout(
        &cfg,
        &["produce-file", p, "--topic", &to, "--keep-partition"],
    );
    assert!(
        dry.starts_with(&format!("Dry run: {RECORDS} records")),
        "{dry}"
    );
    assert_eq!(records_in(&to), 0);

    let done = stdout(
        &cfg,
        &[
            "produce-file",
            p,
            "--topic",
            &to,
            "--keep-partition",
            "--execute",
        ],
    );
    assert!(
        done.starts_with(&format!("Wrote {RECORDS} records")),
        "{done}"
    );
    assert_eq!(records_in(&to), RECORDS);

    let second = dir.path().join("second.jsonl");
    let q = second.to_str().unwrap();
    assert_success(&run(&cfg, &["search", &to, "true", "--out", q]));
    assert_eq!(exported(&second), lines);

    // `tail --out` writes the same lines.
    let third = dir.path().join("third.jsonl");
    let r = third.to_str().unwrap();
    let n = RECORDS.to_string();
    assert_success(&run(
        &cfg,
        &["tail", &from, "--from-beginning", "-n", &n, "--out", r],
    ));
    assert_eq!(exported(&third), lines);
}

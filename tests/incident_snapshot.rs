//! `kaftop snapshot` against the real test broker: a consumer group commits one
//! partition as records arrive and leaves the other at a known offset, whose
//! record has a known key and value. The Markdown report names the group, the
//! stuck partition at that offset and the record there; the JSON twin says the
//! same; no secret of the config gets in.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{commit_offsets, create_topic};
use common::{bootstrap, kaftop, unique};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Writes these (key, value) records to `partition`, in order.
fn produce(b: &str, topic: &str, partition: i32, records: &[(String, String)]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", b)
        .create()
        .unwrap();
    for (k, v) in records {
        producer
            .send(
                BaseRecord::to(topic)
                    .partition(partition)
                    .key(k.as_str())
                    .payload(v.as_str()),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn batch(partition: i32, from: i64, n: i64) -> Vec<(String, String)> {
    (from..from + n)
        .map(|o| {
            (
                format!("key-{partition}-{o}"),
                format!(r#"{{"partition":{partition},"offset":{o}}}"#),
            )
        })
        .collect()
}

fn config(dir: &Path, b: &str) -> std::path::PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"
default_profile = "test"
data_dir = "{data}"
[profiles.test]
bootstrap_servers = "{b}"
poll_interval = "1s"
[profiles.test.lag]
stuck_after = "3s"
"#,
        data = dir.join("data").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_snapshot_names_the_stuck_partition_and_the_record_at_its_committed_offset() {
    let b = bootstrap();
    let topic = unique("incident");
    let group = unique("incident-group");
    create_topic(&b, &topic, 2);
    // Partition 0: five records, committed up to 3: the record at offset 3 is
    // the culprit the consumer never gets past.
    produce(&b, &topic, 0, &batch(0, 0, 5));
    produce(&b, &topic, 1, &batch(1, 0, 5));
    commit_offsets(
        &b,
        &group,
        &[(topic.as_str(), 0, 3), (topic.as_str(), 1, 5)],
    );

    // While the snapshot watches: records keep coming to both partitions and
    // the consumer commits partition 1 only.
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (b, topic, group, stop) = (b.clone(), topic.clone(), group.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut next = 5;
            while !stop.load(Ordering::Relaxed) {
                produce(&b, &topic, 0, &batch(0, next, 2));
                produce(&b, &topic, 1, &batch(1, next, 2));
                next += 2;
                commit_offsets(&b, &group, &[(topic.as_str(), 1, next)]);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };

    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &b);
    let out_path = dir.path().join("incident.md");
    let out = kaftop()
        .args(["--config", &cfg.display().to_string(), "snapshot"])
        .args(["--out", &out_path.display().to_string(), "--for", "9s"])
        .output()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // stdout: the two paths.
    let json_path = dir.path().join("incident.json");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n{}\n", out_path.display(), json_path.display())
    );
    let md = std::fs::read_to_string(&out_path).unwrap();
    for fact in [
        format!("### {group} ("),
        format!("{group}: {topic}-0 stuck "),
        "at offset 3".to_string(),
        format!("#### Record at the committed offset of {topic}-0 (offset 3)"),
        "- key: `key-0-3`".to_string(),
        // The JSON value, pretty-printed.
        "\"partition\": 0,\n  \"offset\": 3\n}".to_string(),
    ] {
        assert!(md.contains(&fact), "missing {fact:?} in:\n{md}");
    }
    // Partition 1 kept moving: it is not stuck.
    assert!(!md.contains(&format!("{topic}-1 stuck")), "{md}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let g = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == group.as_str())
        .unwrap_or_else(|| panic!("{group} not in {json}"));
    let p0 = g["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["topic"] == topic.as_str() && p["partition"] == 0)
        .unwrap();
    assert_eq!(p0["current_offset"], 3);
    assert_eq!(p0["stuck"]["offset"], 3);
    assert_eq!(p0["record"]["key"], "key-0-3");
    assert_eq!(p0["record"]["offset"], 3);
    assert_eq!(g["stuck"], 1);
}

#[test]
fn the_default_path_is_in_the_data_dir() {
    let b = bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &b);
    let out = kaftop()
        .args([
            "--config",
            &cfg.display().to_string(),
            "snapshot",
            "--for",
            "1s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let paths: Vec<&str> = stdout.lines().collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    let incidents = dir.path().join("data").join("incidents");
    for (p, ext) in paths.iter().zip(["md", "json"]) {
        let p = Path::new(p);
        assert_eq!(p.parent(), Some(incidents.as_path()));
        assert!(p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("kaftop-incident-"));
        assert_eq!(p.extension().unwrap(), ext);
        assert!(p.is_file());
    }
    let md = std::fs::read_to_string(paths[0]).unwrap();
    assert!(
        md.starts_with("# kaftop incident snapshot: cluster "),
        "{md}"
    );
}

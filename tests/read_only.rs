//! Read-only mode on the real test broker: `--read-only` or a profile's
//! `read_only = true` refuses every change to the cluster with one line, and the
//! cluster is unchanged; what only reads still works.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::serve::Serve;
use common::{
    assert_success, bootstrap, ensured_service, kafka_tool, kaftop, wait_for, write_config,
    TestTopics,
};

fn refusal(action: &str) -> String {
    format!(
        "kaftop: error: read-only mode (profile `test` or --read-only): refusing to {action}; \
         nothing was changed\n"
    )
}

/// `kaftop --config CONFIG ARGS`: asserts it fails with exactly `line` on stderr.
fn refused(config: &Path, args: &[&str], line: &str) {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert_eq!(String::from_utf8_lossy(&out.stderr), line, "{args:?}");
}

/// Turns the test profile (the config's last table) read-only.
fn make_read_only(config: &Path) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str("read_only = true\n");
    std::fs::write(config, text).unwrap();
}

fn topic_list() -> String {
    let out = kafka_tool(
        "kafka-topics",
        &["--bootstrap-server", &bootstrap(), "--list"],
    );
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// The sum of a topic's log end offsets (`kafka-get-offsets`: `topic:partition:offset`).
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
fn the_flag_refuses_creating_topics_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("ro-flag");
    let config = write_config(dir.path(), &topics, 1);
    refused(
        &config,
        &["--read-only", "topics", "ensure"],
        &refusal("create topics"),
    );
    let list = topic_list();
    for t in topics.all() {
        assert!(!list.lines().any(|l| l == t), "{t} was created");
    }
}

#[test]
fn a_read_only_profile_refuses_every_write_and_changes_nothing() {
    // The topics exist (created while writable); then the profile turns read-only.
    let (_dir, topics, config) = ensured_service("ro-profile", 1);
    make_read_only(&config);

    let publish = [
        "publish",
        "created",
        "--message-id",
        "1",
        "--sender-id",
        "100",
        "--receiver-id",
        "200",
        "--content",
        "HelloKafka",
    ];
    refused(&config, &publish, &refusal("publish"));
    refused(
        &config,
        &["bulk", "--count", "10"],
        &refusal("run a bulk test (it publishes)"),
    );
    refused(
        &config,
        &["consumers", "--duration", "5s"],
        &refusal("run the services (they commit offsets)"),
    );
    for t in topics.all() {
        assert_eq!(records_in(t), 0, "{t}");
    }
    let groups = kafka_tool(
        "kafka-consumer-groups",
        &["--bootstrap-server", &bootstrap(), "--list"],
    );
    assert!(!String::from_utf8_lossy(&groups.stdout).contains(&topics.created));

    // Reading still works.
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args(["topics", "--interval", "1s", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
}

#[test]
fn serve_read_only_is_a_monitor_without_services() {
    let (_dir, topics, config) = ensured_service("ro-serve", 1);
    make_read_only(&config);

    let serve = Serve::start(&config, &[]);
    // Ready without services: readiness is the cluster's alone.
    wait_for("/ready", std::time::Duration::from_secs(60), || {
        let out = std::process::Command::new("curl")
            .args(["-s", &serve.url("/ready")])
            .output()
            .unwrap();
        (String::from_utf8_lossy(&out.stdout) == "ready").then_some(())
    });
    let out = std::process::Command::new("curl")
        .args(["-s", &serve.url("/metrics")])
        .output()
        .unwrap();
    let metrics = String::from_utf8_lossy(&out.stdout);
    assert!(metrics.contains("kafka_cluster_up 1"), "{metrics}");
    assert!(!metrics.contains("kaftop_service_running{"), "{metrics}");
    drop(serve);
    // No service joined a group, so no group has offsets on the service's topics.
    assert_eq!(committed(&topics.created), Vec::<String>::new());
}

/// `kafka-consumer-groups --describe --all-groups` rows naming `topic`.
fn committed(topic: &str) -> Vec<String> {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--describe",
            "--all-groups",
            "--offsets",
        ],
    );
    let mut rows: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(topic))
        .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
        .collect();
    rows.sort();
    rows
}

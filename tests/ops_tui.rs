//! The operation dialogs end to end, as a person would: the real binary in tmux
//! against the real test broker. A group's offsets reset through the group view's
//! dialog; a topic created, grown, reconfigured and deleted through the topic
//! dialogs; a DLQ redriven from the Messages view. Each is checked afterwards with
//! Apache Kafka's own tools.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::tmux::Tmux;
use common::{bootstrap, kafka_tool, unique, write_config, TestTopics};

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The dashboard in tmux on a config pointing at the test broker.
fn dashboard(dir: &Path) -> Tmux {
    let config = write_config(dir, &TestTopics::new("ops-tui"), 1);
    let tmux = Tmux::new();
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 160, 45);
    tmux.wait_for_text("the overview, connected", "● connected");
    // From the overview (the start screen) to the Topics tab.
    tmux.keys(&["1"]);
    tmux.wait_for_text("the topics view", "Topics (");
    tmux
}

/// Whether a line of the screen holds `words` in a row (cells split by spaces,
/// borders dropped).
fn has_row(screen: &str, words: &[&str]) -> bool {
    screen.lines().any(|l| {
        let cells: Vec<&str> = l
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|c| !c.is_empty())
            .collect();
        cells.windows(words.len()).any(|w| w == words)
    })
}

#[test]
fn reset_a_groups_offsets_to_earliest_through_the_dialog() {
    let b = bootstrap();
    let topic = unique("ops-tui-reset");
    let group = unique("ops-tui-group");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[5, 3]);
    commit_offsets(&b, &group, &[(&topic, 0, 4), (&topic, 1, 3)]);

    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = dashboard(dir.path());
    tmux.keys(&[":"]);
    tmux.text(&format!("group {group}"));
    tmux.keys(&["Enter"]);
    tmux.wait("the group's partitions", |s| {
        has_row(s, &[&topic, "1", "3", "3", "0"]).then_some(())
    });

    // R opens the dialog; its defaults are all topics and earliest.
    tmux.keys(&["R"]);
    tmux.wait_for_text("the dialog", &format!("Reset offsets of group {group}"));
    tmux.wait_for_text("the default target", "< earliest >");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the preview", "total lag change +7");
    assert!(
        has_row(
            &screen,
            &["TOPIC", "PARTITION", "CURRENT", "NEW", "LAG-CHANGE"]
        ),
        "{screen}"
    );
    assert!(has_row(&screen, &[&topic, "0", "4", "0", "+4"]), "{screen}");
    assert!(has_row(&screen, &[&topic, "1", "3", "0", "+3"]), "{screen}");

    tmux.text(&group);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(
        "the notice",
        &format!("reset the offsets of group `{group}`"),
    );

    let out = kafka_tool(
        "kafka-consumer-groups",
        &["--bootstrap-server", &b, "--describe", "--group", &group],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let mut committed: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 4 && f[0] == group).then(|| (f[2].to_string(), f[3].to_string()))
        })
        .collect();
    committed.sort();
    assert_eq!(
        committed,
        vec![("0".into(), "0".into()), ("1".into(), "0".into())],
        "{text}"
    );
    tmux.keys(&["q"]);
}

#[test]
fn create_a_topic_through_the_dialog() {
    let b = bootstrap();
    let topic = unique("ops-tui-created");
    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = dashboard(dir.path());

    tmux.keys(&["C"]);
    tmux.wait_for_text("the dialog", "Create topic");
    tmux.text(&topic);
    tmux.keys(&["Tab", "BSpace"]);
    tmux.text("3");
    tmux.keys(&["Tab", "Tab"]);
    tmux.text("cleanup.policy=compact");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the preview", &format!("type `{topic}` to confirm"));
    assert!(
        has_row(&screen, &[&topic, "3", "1", "cleanup.policy=compact"]),
        "{screen}"
    );
    tmux.text(&topic);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the notice", &format!("created topic `{topic}`"));

    let out = kafka_tool(
        "kafka-topics",
        &["--bootstrap-server", &b, "--describe", "--topic", &topic],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let summary = text.lines().next().unwrap_or_default();
    assert!(summary.contains("PartitionCount: 3"), "{text}");
    assert!(summary.contains("ReplicationFactor: 1"), "{text}");
    assert!(summary.contains("cleanup.policy=compact"), "{text}");
    tmux.keys(&["q"]);
}

/// The summary line of `kafka-topics --describe`, or `None` once it is gone.
fn describe(b: &str, topic: &str) -> Option<String> {
    let out = kafka_tool(
        "kafka-topics",
        &["--bootstrap-server", b, "--describe", "--topic", topic],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or_default().to_string())
}

#[test]
fn add_partitions_edit_a_config_and_delete_from_the_topic_view() {
    let b = bootstrap();
    let topic = unique("ops-tui-admin");
    create_topic(&b, &topic, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = dashboard(dir.path());
    tmux.keys(&[":"]);
    tmux.text(&format!("topic {topic}"));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the topic view", &format!("› {topic}"));

    tmux.keys(&["P"]);
    tmux.wait_for_text("the dialog", &format!("Add partitions to topic {topic}"));
    tmux.text("4");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the preview", "keyed records go to other partitions");
    assert!(has_row(&screen, &[&topic, "2", "4"]), "{screen}");
    tmux.text(&topic);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(
        "the notice",
        &format!("topic `{topic}` now has 4 partitions"),
    );
    let summary = describe(&b, &topic).unwrap();
    assert!(summary.contains("PartitionCount: 4"), "{summary}");

    tmux.keys(&["E"]);
    tmux.wait_for_text("the dialog", &format!("Edit the configs of topic {topic}"));
    tmux.text("retention.ms=123456");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the preview", &format!("type `{topic}` to confirm"));
    assert!(
        has_row(&screen, &["retention.ms", "(default)", "123456"]),
        "{screen}"
    );
    tmux.text(&topic);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(
        "the notice",
        &format!("changed 1 configs of topic `{topic}`"),
    );
    let summary = describe(&b, &topic).unwrap();
    assert!(summary.contains("retention.ms=123456"), "{summary}");

    tmux.keys(&["D"]);
    tmux.wait_for_text("the dialog", &format!("Delete topic {topic}"));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the preview", "cannot be undone");
    tmux.text(&topic);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the notice", &format!("deleted topic `{topic}`"));
    common::wait_for(
        "the topic to be gone",
        std::time::Duration::from_secs(30),
        || describe(&b, &topic).is_none().then_some(()),
    );
    tmux.keys(&["q"]);
}

/// Sends one record with `headers` to `topic` and waits for it.
fn produce_with_headers(b: &str, topic: &str, key: &str, headers: &[(&str, &str)]) {
    use rdkafka::message::{Header, OwnedHeaders};
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", b)
        .create()
        .unwrap();
    let mut h = OwnedHeaders::new();
    for (k, v) in headers {
        h = h.insert(Header {
            key: k,
            value: Some(*v),
        });
    }
    producer
        .send(
            BaseRecord::<_, _, ()>::to(topic)
                .key(key)
                .payload("dead")
                .headers(h),
        )
        .unwrap();
    producer.flush(std::time::Duration::from_secs(30)).unwrap();
}

#[test]
fn redrive_a_dlq_from_the_messages_view() {
    let b = bootstrap();
    let source = unique("ops-tui-src");
    let dlq = format!("{source}.dlq");
    create_topic(&b, &source, 1);
    create_topic(&b, &dlq, 1);
    produce_with_headers(
        &b,
        &dlq,
        "goes-back",
        &[
            ("kaftop.source.topic", &source),
            ("kaftop.source.partition", "0"),
            ("kaftop.source.offset", "0"),
            ("kaftop.service", "archive"),
        ],
    );
    produce_with_headers(&b, &dlq, "no-source", &[]);

    let dir = tempfile::tempdir().expect("tempdir");
    let tmux = dashboard(dir.path());
    tmux.keys(&[":"]);
    tmux.text(&format!("messages {dlq} beginning"));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the DLQ's records", "no-source");
    tmux.keys(&["R"]);
    tmux.wait_for_text("the dialog", &format!("Redrive records of {dlq}"));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the preview", "1 go back · 1 cannot");
    // The value beside where it goes (decoded when a schema says how).
    assert!(
        has_row(&screen, &["0", "0", &source, "0", "dead", "goes", "back"]),
        "{screen}"
    );
    tmux.text(&dlq);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the notice", &format!("redrove 1 records of `{dlq}`"));

    let out = kafka_tool(
        "kafka-console-consumer",
        &[
            "--bootstrap-server",
            &b,
            "--topic",
            &source,
            "--from-beginning",
            "--max-messages",
            "1",
            "--timeout-ms",
            "20000",
            "--property",
            "print.key=true",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Kafka 4.4's tool warns on stdout that `--property` is deprecated (3.x has
    // no replacement option): the record is the rest.
    let records: Vec<&str> = text.lines().filter(|l| !l.contains("deprecated")).collect();
    assert_eq!(records, ["goes-back\tdead"], "{text}");
    tmux.keys(&["q"]);
}

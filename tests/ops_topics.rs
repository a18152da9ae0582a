//! Topic administration on the real broker: `kaftop topics create | delete |
//! add-partitions | config`, each verified afterwards with Apache Kafka's own
//! `kafka-topics --describe/--list` and `kafka-configs --describe` as the oracle;
//! the errors with their exact lines; read-only mode refusing every change with
//! the cluster unchanged.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::cluster::create_topic_with;
use common::tmux::Tmux;
use common::{assert_success, bootstrap, kafka_tool, kaftop, unique};

/// `kaftop -b BOOTSTRAP [--read-only] topics ARGS...` without a config file.
fn topics(read_only: bool, args: &[&str]) -> std::process::Output {
    let mut c = kaftop();
    c.env("KAFTOP_CONFIG", "/dev/null")
        .args(["-b", &bootstrap()]);
    if read_only {
        c.arg("--read-only");
    }
    c.arg("topics").args(args).output().unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts a refusal: exit status 1, nothing on stdout, exactly `line` on stderr.
fn assert_refused(out: &std::process::Output, line: &str) {
    assert_eq!(stderr(out), format!("kaftop: error: {line}\n"));
    assert_eq!(stdout(out), "");
    assert_eq!(out.status.code(), Some(1));
}

fn tool(name: &str, args: &[&str]) -> String {
    let b = bootstrap();
    let mut all = vec!["--bootstrap-server", b.as_str()];
    all.extend_from_slice(args);
    let out = kafka_tool(name, &all);
    assert_success(&out);
    stdout(&out)
}

/// `kafka-topics --list`.
fn listed() -> Vec<String> {
    tool("kafka-topics", &["--list"])
        .lines()
        .map(String::from)
        .collect()
}

/// PartitionCount and ReplicationFactor from `kafka-topics --describe`, and the
/// number of partition lines it prints.
fn described(topic: &str) -> (usize, usize, usize) {
    let text = tool("kafka-topics", &["--describe", "--topic", topic]);
    let field = |name: &str| -> usize {
        text.lines()
            .next()
            .unwrap()
            .split('\t')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .trim()
            .parse()
            .unwrap()
    };
    let partitions = text
        .lines()
        .filter(|l| {
            l.trim_start()
                .starts_with(&format!("Topic: {topic}\tPartition: "))
        })
        .count();
    (
        field("PartitionCount:"),
        field("ReplicationFactor:"),
        partitions,
    )
}

/// The topic's own configs from `kafka-configs --describe` (`--all`: every config).
fn configs(topic: &str, all: bool) -> BTreeMap<String, String> {
    let mut args = vec![
        "--describe",
        "--entity-type",
        "topics",
        "--entity-name",
        topic,
    ];
    if all {
        args.push("--all");
    }
    tool("kafka-configs", &args)
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(|l| {
            let entry = l.split(" sensitive=").next().unwrap();
            let (k, v) = entry.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn create_sets_partitions_replication_and_configs() {
    let t = unique("ops-create");
    let out = topics(
        false,
        &[
            "create",
            &t,
            "--partitions",
            "3",
            "--replication-factor",
            "1",
            "--set",
            "retention.ms=60000",
            "--set",
            "cleanup.policy=compact",
        ],
    );
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "created topic `{t}` (3 partitions, replication factor 1)\n  \
             retention.ms=60000\n  cleanup.policy=compact\n"
        )
    );
    assert_eq!(described(&t), (3, 1, 3));
    assert_eq!(
        configs(&t, false),
        map(&[("cleanup.policy", "compact"), ("retention.ms", "60000")])
    );

    // Again: the topic exists, and stays as it was.
    let again = topics(
        false,
        &[
            "create",
            &t,
            "--partitions",
            "1",
            "--replication-factor",
            "1",
        ],
    );
    assert_refused(&again, &format!("topic `{t}` already exists"));
    assert_eq!(described(&t), (3, 1, 3));
}

#[test]
fn create_errors_name_the_reason_and_create_nothing() {
    let t = unique("ops-create-bad");
    let out = topics(
        false,
        &[
            "create",
            &t,
            "--partitions",
            "1",
            "--replication-factor",
            "3",
        ],
    );
    assert_refused(
        &out,
        "replication factor 3 is larger than the 1 broker(s) of the cluster",
    );
    let out = topics(
        false,
        &[
            "create",
            &t,
            "--partitions",
            "1",
            "--replication-factor",
            "1",
            "--set",
            "retention.mss=1",
        ],
    );
    assert_refused(
        &out,
        &format!(
            "the broker refused to create topic `{t}`: InvalidConfig (Broker: Configuration is invalid)"
        ),
    );
    assert!(!listed().contains(&t));
}

#[test]
fn add_partitions_grows_the_topic_and_refuses_to_shrink_it() {
    let b = bootstrap();
    let t = unique("ops-grow");
    create_topic_with(&b, &t, 2, 1, &[]);
    let out = topics(false, &["add-partitions", &t, "--to", "5"]);
    assert_success(&out);
    assert_eq!(stdout(&out), format!("topic `{t}`: 2 -> 5 partitions\n"));
    assert_eq!(
        stderr(&out),
        format!(
            "kaftop: warning: keyed records of `{t}` will go to other partitions from now on \
             (a key's partition depends on the partition count): a key's new records are no \
             longer ordered after its old ones\n"
        )
    );
    assert_eq!(described(&t), (5, 1, 5));

    for to in ["5", "3"] {
        let out = topics(false, &["add-partitions", &t, "--to", to]);
        assert_refused(
            &out,
            &format!(
                "topic `{t}` has 5 partition(s) already: --to must be more than that \
                 (Kafka cannot remove partitions)"
            ),
        );
    }
    assert_eq!(described(&t), (5, 1, 5));
}

#[test]
fn config_set_and_delete_change_only_the_named_configs() {
    let b = bootstrap();
    let t = unique("ops-config");
    create_topic_with(
        &b,
        &t,
        1,
        1,
        &[("retention.ms", "60000"), ("cleanup.policy", "compact")],
    );
    let out = topics(
        false,
        &[
            "config",
            &t,
            "--set",
            "segment.bytes=1048576",
            "--delete",
            "retention.ms",
        ],
    );
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "altered the configs of topic `{t}`:\n\
             CONFIG         BEFORE     AFTER\n\
             segment.bytes  (default)  1048576\n\
             retention.ms   60000      (default)\n"
        )
    );
    assert_eq!(
        configs(&t, false),
        map(&[("cleanup.policy", "compact"), ("segment.bytes", "1048576")])
    );

    // The describe: every config the tool lists, with the same value; the
    // topic's own marked `topic`, retention.ms back to its default.
    let json = topics(false, &["config", &t, "--json"]);
    assert_success(&json);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let described: BTreeMap<String, String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let value = c["value"].as_str().unwrap_or_default();
            (c["name"].as_str().unwrap().to_string(), value.to_string())
        })
        .collect();
    let all = configs(&t, true);
    assert_eq!(described, all);
    let out = topics(false, &["config", &t]);
    assert_success(&out);
    let text = stdout(&out);
    let row = |name: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        row("retention.ms"),
        [
            "retention.ms".to_string(),
            all["retention.ms"].clone(),
            "default".into()
        ]
    );
    assert_eq!(row("segment.bytes"), ["segment.bytes", "1048576", "topic"]);
    assert_eq!(
        row("cleanup.policy"),
        ["cleanup.policy", "compact", "topic"]
    );
    assert_eq!(text.lines().count(), all.len() + 1, "{text}");

    let seg = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "segment.bytes")
        .unwrap();
    assert_eq!(
        seg,
        &serde_json::json!({"name": "segment.bytes", "value": "1048576", "source": "topic",
            "is_default": false, "sensitive": false, "read_only": false})
    );
}

#[test]
fn config_errors_name_the_reason_and_change_nothing() {
    let b = bootstrap();
    let t = unique("ops-config-bad");
    create_topic_with(&b, &t, 1, 1, &[("retention.ms", "60000")]);
    let before = configs(&t, false);

    let out = topics(false, &["config", &t, "--set", "retention.mss=1"]);
    assert_refused(
        &out,
        &format!("`retention.mss` is not a topic config (topic `{t}`)"),
    );
    let out = topics(false, &["config", &t, "--delete", "no.such.config"]);
    assert_refused(
        &out,
        &format!("`no.such.config` is not a topic config (topic `{t}`)"),
    );
    let out = topics(false, &["config", &t, "--set", "retention.ms=abc"]);
    assert_refused(
        &out,
        &format!(
            "the broker refused to alter the configs of `{t}`: Invalid value abc for \
             configuration retention.ms: Not a number of type LONG"
        ),
    );
    assert_eq!(configs(&t, false), before);
}

#[test]
fn unknown_topics_are_named() {
    let t = unique("ops-missing");
    for args in [
        vec!["delete", t.as_str(), "--yes"],
        vec!["add-partitions", t.as_str(), "--to", "3"],
        vec!["config", t.as_str()],
        vec!["config", t.as_str(), "--set", "retention.ms=1"],
    ] {
        let out = topics(false, &args);
        assert_refused(&out, &format!("topic `{t}` does not exist"));
    }
}

#[test]
fn delete_asks_unless_yes() {
    let b = bootstrap();
    let t = unique("ops-delete");
    create_topic_with(&b, &t, 1, 1, &[]);

    // No terminal to type the name on: refused, even with the name piped in.
    let mut c = kaftop();
    let out = c
        .env("KAFTOP_CONFIG", "/dev/null")
        .args(["-b", &b, "topics", "delete", &t])
        .write_stdin(format!("{t}\n"))
        .output()
        .unwrap();
    assert_refused(
        &out,
        &format!(
            "refusing to delete topic `{t}` without confirmation: no terminal to type its \
             name on; pass --yes to delete it"
        ),
    );
    assert!(listed().contains(&t));

    let out = topics(false, &["delete", &t, "--yes"]);
    assert_success(&out);
    assert_eq!(stdout(&out), format!("deleted topic `{t}`\n"));
    assert!(!listed().contains(&t));
}

#[test]
fn read_only_refuses_every_change_and_describes() {
    let b = bootstrap();
    let t = unique("ops-ro");
    create_topic_with(&b, &t, 2, 1, &[("retention.ms", "60000")]);
    let new = unique("ops-ro-new");
    let refusal = |what: &str| {
        format!("read-only mode (profile `default` or --read-only): refusing to {what}; nothing was changed")
    };
    for (args, what) in [
        (
            vec![
                "create",
                new.as_str(),
                "--partitions",
                "1",
                "--replication-factor",
                "1",
            ],
            "create a topic",
        ),
        (vec!["delete", t.as_str(), "--yes"], "delete a topic"),
        (
            vec!["add-partitions", t.as_str(), "--to", "4"],
            "add partitions to a topic",
        ),
        (
            vec!["config", t.as_str(), "--set", "retention.ms=1"],
            "change a topic's configs",
        ),
        (
            vec!["config", t.as_str(), "--delete", "retention.ms"],
            "change a topic's configs",
        ),
    ] {
        let out = topics(true, &args);
        assert_refused(&out, &refusal(what));
    }
    let list = listed();
    assert!(list.contains(&t) && !list.contains(&new), "{list:?}");
    assert_eq!(described(&t), (2, 1, 2));
    assert_eq!(configs(&t, false), map(&[("retention.ms", "60000")]));

    // Describing changes nothing: allowed.
    let out = topics(true, &["config", &t]);
    assert_success(&out);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["retention.ms", "60000", "topic"]),
        "{}",
        stdout(&out)
    );
}

/// On a terminal (tmux), `delete` asks for the name: a wrong name deletes nothing,
/// the right one deletes the topic.
#[test]
fn delete_on_a_terminal_needs_the_name_typed() {
    let b = bootstrap();
    let t = unique("ops-delete-tty");
    create_topic_with(&b, &t, 1, 1, &[]);
    let program = format!(
        "env KAFTOP_CONFIG=/dev/null {} -b {b} topics delete {t}",
        env!("CARGO_BIN_EXE_kaftop")
    );
    let prompt =
        format!("Deleting topic `{t}` removes all its records. Type its name to confirm: ");

    let tmux = Tmux::new();
    tmux.start_program(&program, 250, 20);
    tmux.wait_for_text("the prompt", prompt.trim_end());
    tmux.text(&format!("{t}x"));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the refusal", "kaftop-exit=");
    assert!(
        screen.contains(&format!(
            "kaftop: error: the name typed is not `{t}`: nothing was deleted\nkaftop-exit=1"
        )),
        "{screen}"
    );
    assert!(listed().contains(&t));
    drop(tmux);

    let tmux = Tmux::new();
    tmux.start_program(&program, 250, 20);
    tmux.wait_for_text("the prompt", prompt.trim_end());
    tmux.text(&t);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the deletion", "kaftop-exit=");
    assert!(
        screen.contains(&format!("{prompt}{t}\ndeleted topic `{t}`\nkaftop-exit=0")),
        "{screen}"
    );
    assert!(!listed().contains(&t));
}

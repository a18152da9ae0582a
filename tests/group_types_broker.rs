//! Share groups (KIP-932) and Streams groups (KIP-1071) on the real broker, with
//! Apache Kafka's own `kafka-share-groups` and `kafka-streams-groups` as the
//! oracles, and the Java peer's `KafkaShareConsumer` and Kafka Streams
//! application as their members. `kaftop lag` (--json, --state, --members) gives
//! the tools' rows, and the dashboard's group view in tmux shows each group as
//! `kaftop lag` does. Costs about a minute (two JVM peers, a dozen tool runs).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::{create_topic, produce_counts};
use common::peer::Peer;
use common::tmux::Tmux;
use common::{bootstrap, kafka_tool, kaftop, unique, wait_for};
use serde_json::Value;

const SETTLE: Duration = Duration::from_secs(90);

fn tool(name: &str, args: &[&str]) -> String {
    let out = kafka_tool(name, args);
    common::assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// The tool's rows for `group`, split on whitespace.
fn rows(text: &str, group: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(group))
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect();
    rows.sort();
    rows
}

fn kaftop_json(b: &str, group: &str, view: Option<&str>) -> Vec<Value> {
    let mut args = vec!["-b", b, "lag", "--group", group, "--json"];
    args.extend(view);
    let out = kaftop().args(&args).output().unwrap();
    common::assert_success(&out);
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `kafka-share-groups --describe --offsets --verbose`: (TOPIC, PARTITION, START-OFFSET, LAG).
fn share_tool_offsets(b: &str, group: &str) -> Vec<[String; 4]> {
    let text = tool(
        "kafka-share-groups",
        &[
            "--bootstrap-server",
            b,
            "--describe",
            "--group",
            group,
            "--offsets",
            "--verbose",
        ],
    );
    let mut out: Vec<[String; 4]> = rows(&text, group)
        .into_iter()
        .map(|r| [r[1].clone(), r[2].clone(), r[4].clone(), r[5].clone()])
        .collect();
    out.sort();
    out
}

fn share_kaftop_offsets(b: &str, group: &str) -> Vec<[String; 4]> {
    let mut out: Vec<[String; 4]> = kaftop_json(b, group, None)
        .iter()
        .map(|r| {
            [
                s(&r["topic"]),
                s(&r["partition"]),
                s(&r["current_offset"]),
                s(&r["raw_lag"]),
            ]
        })
        .collect();
    out.sort();
    out
}

#[test]
fn share_group_equals_kafka_share_groups() {
    let b = bootstrap();
    let topic = unique("share");
    let group = unique("share-g");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[12, 8]);
    let peer = Peer::start(&[
        "share-consume",
        "--bootstrap",
        &b,
        "--topic",
        &topic,
        "--group",
        &group,
        "--client-id",
        "share-peer",
        "--accept",
        "6",
        "--release",
        "3",
        "--reject",
        "2",
    ]);
    let acked = peer.wait_line("\"done\"");
    assert_eq!(acked.len(), 11, "{acked:?}");

    // The share-partition state is written by the share coordinator after the
    // acknowledgements: wait until kaftop and the tool agree, then check what
    // they agree on is the peer's work.
    let rows = wait_for(
        "kaftop's share rows to equal kafka-share-groups'",
        SETTLE,
        || {
            let tool = share_tool_offsets(&b, &group);
            let ours = share_kaftop_offsets(&b, &group);
            (tool == ours && tool.len() == 2 && tool.iter().any(|r| r[2] != "-")).then_some(tool)
        },
    );
    // Records released or never delivered still count; a share-partition nothing
    // was fetched from is not initialised ("-" in both).
    let lag: i64 = rows.iter().filter_map(|r| r[3].parse::<i64>().ok()).sum();
    assert!(lag > 0 && lag < 20, "{rows:?}");

    // --state: type, state, members.
    let text = tool(
        "kafka-share-groups",
        &[
            "--bootstrap-server",
            &b,
            "--describe",
            "--group",
            &group,
            "--state",
        ],
    );
    let t = &rows_of(&text, &group)[0];
    let ours = kaftop_json(&b, &group, Some("--state"));
    assert_eq!(ours.len(), 1);
    assert_eq!(s(&ours[0]["group_type"]), "Share");
    assert_eq!(s(&ours[0]["state"]), t[t.len() - 2]);
    assert_eq!(s(&ours[0]["members"]), t[t.len() - 1]);
    assert_eq!(s(&ours[0]["state"]), "Stable");

    // --members: member id, host, client id, #partitions, assignment.
    let text = tool(
        "kafka-share-groups",
        &[
            "--bootstrap-server",
            &b,
            "--describe",
            "--group",
            &group,
            "--members",
        ],
    );
    let t = &rows_of(&text, &group)[0];
    let ours = kaftop_json(&b, &group, Some("--members"));
    assert_eq!(ours.len(), 1);
    let m = &ours[0];
    assert_eq!(s(&m["consumer_id"]), t[1]);
    assert_eq!(s(&m["host"]), t[2]);
    assert_eq!(s(&m["client_id"]), "share-peer");
    assert_eq!(s(&m["client_id"]), t[3]);
    assert_eq!(s(&m["partitions"]), t[4]);

    // The text table names the type.
    let out = kaftop()
        .args(["-b", &b, "lag", "--group", &group])
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("type Share, state Stable, 1 members"),
        "{text}"
    );
    // Kafka 4.4 has every group type: nothing is said to be missing (an older
    // broker's note is checked by scripts/compat-old-kafka.sh).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not supported"), "{stderr}");
    assert_group_view_in_tmux(&b, &group, "Share", &[]);
    assert_share_group_in_snapshot_and_metrics(&b, &group, lag);
    delete_checked(&b, "kafka-share-groups", &group, vec![peer]);
}

/// The share group, with its type and the tool's lag, in the incident snapshot
/// (`kaftop snapshot`'s JSON twin; a lag threshold of 0 makes it one to report)
/// and on `kaftop serve`'s `/metrics`.
fn assert_share_group_in_snapshot_and_metrics(b: &str, group: &str, lag: i64) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            r#"
default_profile = "test"
data_dir = "{data}"
[profiles.test]
bootstrap_servers = "{b}"
poll_interval = "500ms"
read_only = true
[profiles.test.lag]
groups = {{ "{group}" = 0 }}
"#,
            data = dir.path().join("data").display(),
        ),
    )
    .unwrap();
    let md = dir.path().join("incident.md");
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args(["snapshot", "--for", "1s", "--out"])
        .arg(&md)
        .output()
        .unwrap();
    common::assert_success(&out);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("incident.json")).unwrap())
            .unwrap();
    let g = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == group)
        .unwrap_or_else(|| panic!("{group} not in {json}"));
    assert_eq!(s(&g["group_type"]), "Share", "{g}");
    assert_eq!(s(&g["type_label"]), "Share", "{g}");
    assert_eq!(g["total_lag"], lag, "{g}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("type Share"), "{text}");

    let serve = common::serve::Serve::start(&config, &[]);
    let scrape = || {
        let out = std::process::Command::new("curl")
            .args(["-sf", &serve.url("/metrics")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let sample = |text: &str, head: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(head).map(|v| v.trim().to_string()))
    };
    let text = wait_for("the share group on /metrics", SETTLE, || {
        let t = scrape();
        sample(
            &t,
            &format!(r#"kafka_consumergroup_group_sum_lag{{group="{group}"}}"#),
        )
        .is_some()
        .then_some(t)
    });
    assert_eq!(
        sample(
            &text,
            &format!(
                r#"kaftop_consumergroup_type{{group="{group}",type="share",protocol_type=""}}"#
            )
        )
        .as_deref(),
        Some("1"),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"kafka_consumergroup_group_sum_lag{{group="{group}"}}"#)
        ),
        Some(lag.to_string())
    );
}

/// The dashboard's group view in tmux (`:group G`) shows `group` as `kaftop lag`
/// describes it, which the tests above compared with the type's own tool: its
/// summary line (state · type · member count), each member's client id, and
/// the texts in `also`.
fn assert_group_view_in_tmux(b: &str, group: &str, ty: &str, also: &[String]) {
    let state = kaftop_json(b, group, Some("--state"));
    let members = kaftop_json(b, group, Some("--members"));
    let summary = format!(
        "{group}  {} · {ty} · {} members",
        s(&state[0]["state"]),
        members.len()
    );
    // A long client id (a Streams thread's) may be cut in its column: its start.
    let clients: Vec<String> = members
        .iter()
        .map(|m| s(&m["client_id"]).chars().take(24).collect())
        .collect();
    let tmux = Tmux::new();
    tmux.start_program(
        &format!(
            "env KAFTOP_CONFIG=/dev/null {} -b {b}",
            env!("CARGO_BIN_EXE_kaftop")
        ),
        200,
        50,
    );
    tmux.wait_for_text("the dashboard", "● connected");
    tmux.keys(&[":"]);
    tmux.text(&format!("group {group}"));
    tmux.keys(&["Enter"]);
    tmux.wait(&format!("{group} in the group view"), |screen| {
        (screen.contains(&summary)
            && clients.iter().all(|c| screen.contains(c.as_str()))
            && also.iter().all(|a| screen.contains(a.as_str())))
        .then(|| screen.to_string())
    });
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

/// `kaftop groups delete` while `group` has members (refused), then, once the
/// members left, with `--execute`; `TOOL --list` before and after.
fn delete_checked(b: &str, tool_name: &str, group: &str, peers: Vec<Peer>) {
    let listed = || tool(tool_name, &["--bootstrap-server", b, "--list"]);
    let del = |extra: &[&str]| {
        kaftop()
            .args(["-b", b, "groups", "delete", group])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = del(&["--execute"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("member(s)"));
    assert!(listed().lines().any(|l| l.trim() == group));
    drop(peers);
    wait_for("the group to be empty", SETTLE, || {
        let s = kaftop_json(b, group, Some("--state"));
        (s[0]["members"] == 0).then_some(())
    });
    common::assert_success(&del(&[]));
    assert!(listed().lines().any(|l| l.trim() == group));
    common::assert_success(&del(&["--execute"]));
    assert!(!listed().lines().any(|l| l.trim() == group));
}

fn rows_of(text: &str, group: &str) -> Vec<Vec<String>> {
    let r = rows(text, group);
    assert!(!r.is_empty(), "no row for {group} in {text}");
    r
}

/// `kafka-streams-groups --describe --offsets --verbose`: (TOPIC, PARTITION, CURRENT-OFFSET,
/// LOG-END-OFFSET, OFFSET-LAG).
fn streams_tool_offsets(b: &str, group: &str) -> Vec<[String; 5]> {
    let text = tool(
        "kafka-streams-groups",
        &[
            "--bootstrap-server",
            b,
            "--describe",
            "--group",
            group,
            "--offsets",
            "--verbose",
        ],
    );
    let mut out: Vec<[String; 5]> = rows(&text, group)
        .into_iter()
        .map(|r| {
            [
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[5].clone(),
                r[6].clone(),
            ]
        })
        .collect();
    out.sort();
    out
}

fn streams_kaftop_offsets(b: &str, group: &str) -> Vec<[String; 5]> {
    let mut out: Vec<[String; 5]> = kaftop_json(b, group, None)
        .iter()
        .map(|r| {
            [
                s(&r["topic"]),
                s(&r["partition"]),
                s(&r["current_offset"]),
                s(&r["log_end_offset"]),
                s(&r["lag"]),
            ]
        })
        .collect();
    out.sort();
    out
}

#[test]
fn streams_group_equals_kafka_streams_groups() {
    let b = bootstrap();
    let app = unique("streams-app");
    let (in1, in2, out) = (unique("st-in1"), unique("st-in2"), unique("st-out"));
    for t in [&in1, &in2, &out] {
        create_topic(&b, t, 2);
    }
    produce_counts(&b, &in1, &[3, 2]);
    produce_counts(&b, &in2, &[1, 4]);
    let args = [
        "streams",
        "--bootstrap",
        &b,
        "--app-id",
        &app,
        "--input",
        &in1,
        "--input2",
        &in2,
        "--output",
        &out,
    ];
    let first = Peer::start(&args);
    first.wait_line("RUNNING");
    // Processed and committed: every input partition at its end, as both say.
    let offsets = wait_for(
        "kaftop's Streams rows to equal kafka-streams-groups'",
        SETTLE,
        || {
            let tool = streams_tool_offsets(&b, &app);
            let ours = streams_kaftop_offsets(&b, &app);
            (tool == ours && tool.len() == 4 && tool.iter().all(|r| r[4] == "0")).then_some(tool)
        },
    );
    assert!(offsets.iter().any(|r| r[2] == "4"), "{offsets:?}");

    let state = kaftop_json(&b, &app, Some("--state"));
    assert_eq!(s(&state[0]["group_type"]), "Streams");
    let text = tool(
        "kafka-streams-groups",
        &[
            "--bootstrap-server",
            &b,
            "--describe",
            "--group",
            &app,
            "--state",
        ],
    );
    let t = &rows_of(&text, &app)[0];
    assert_eq!(s(&state[0]["state"]), t[t.len() - 2]);
    assert_eq!(s(&state[0]["members"]), t[t.len() - 1]);

    // A second instance: the four tasks are shared out; kaftop's members own the
    // source partitions of their active tasks, two each.
    let second = Peer::start(&args);
    second.wait_line("RUNNING");
    wait_for("two members with two tasks each", SETTLE, || {
        let m = kaftop_json(&b, &app, Some("--members"));
        (m.len() == 2 && m.iter().all(|m| m["partitions"] == 2)).then_some(m)
    });
    // Each member's process and tasks, as the tool prints them (ACTIVE: 0:[0];
    // 1:[1];), from kaftop's --json and from its text table's TASKS column.
    let members = wait_for(
        "kaftop's members and tasks to equal kafka-streams-groups --members",
        SETTLE,
        || {
            let text = tool(
                "kafka-streams-groups",
                &[
                    "--bootstrap-server",
                    &b,
                    "--describe",
                    "--group",
                    &app,
                    "--members",
                ],
            );
            let theirs: Vec<[String; 3]> = rows_of(&text, &app)
                .iter()
                .map(|r| [r[1].clone(), r[2].clone(), r[4..].join(" ")])
                .collect();
            let json = kaftop_json(&b, &app, Some("--members"));
            let mut ours: Vec<[String; 3]> = json
                .iter()
                .map(|m| {
                    [
                        s(&m["consumer_id"]),
                        s(&m["process_id"]),
                        tasks_text(&m["tasks"]),
                    ]
                })
                .collect();
            ours.sort();
            let out = kaftop()
                .args(["-b", &b, "lag", "--group", &app, "--members"])
                .output()
                .unwrap();
            common::assert_success(&out);
            let table = String::from_utf8(out.stdout).unwrap();
            let mut in_table: Vec<[String; 3]> = rows(&table, &app)
                .iter()
                .map(|r| [r[1].clone(), ours_process(&ours, &r[1]), r[7..].join(" ")])
                .collect();
            in_table.sort();
            (theirs == ours && in_table == ours && ours.len() == 2).then_some(ours)
        },
    );
    // Four tasks (two subtopologies, two partitions each), two for each member.
    let active: usize = members
        .iter()
        .map(|m| m[2].matches([',', '[']).count())
        .sum();
    assert_eq!(active, 4, "{members:?}");
    // The group view adds the subtopologies and each member's tasks.
    let mut also: Vec<String> = members.iter().map(|m| m[2].clone()).collect();
    also.push("Subtopologies (2)".into());
    assert_group_view_in_tmux(&b, &app, "Streams", &also);
    delete_checked(&b, "kafka-streams-groups", &app, vec![second, first]);
}

/// A member's tasks from kaftop's `--json` (`{"active": ["0_1", ...], ...}`) in
/// `kafka-streams-groups --members`' notation: `ACTIVE: 0:[0,1]; 1:[0];`, kinds
/// without tasks left out.
fn tasks_text(tasks: &Value) -> String {
    let mut out = Vec::new();
    for (key, name) in [
        ("active", "ACTIVE"),
        ("standby", "STANDBY"),
        ("warmup", "WARMUP"),
    ] {
        let mut by_sub: std::collections::BTreeMap<String, Vec<i32>> = Default::default();
        for t in tasks[key].as_array().unwrap() {
            let (sub, p) = t.as_str().unwrap().rsplit_once('_').unwrap();
            by_sub
                .entry(sub.into())
                .or_default()
                .push(p.parse().unwrap());
        }
        if by_sub.is_empty() {
            continue;
        }
        out.push(format!("{name}:"));
        for (sub, mut parts) in by_sub {
            parts.sort();
            let parts: Vec<String> = parts.iter().map(i32::to_string).collect();
            out.push(format!("{sub}:[{}];", parts.join(",")));
        }
    }
    out.join(" ")
}

/// The process `ours` names for `member` (the text table has no process column).
fn ours_process(ours: &[[String; 3]], member: &str) -> String {
    ours.iter()
        .find(|m| m[0] == member)
        .map_or_else(String::new, |m| m[1].clone())
}

//! Partition layouts (leader, replicas, ISR) as Apache Kafka's `kafka-topics
//! --describe` reports them and as `kaftop topics` shows them, in JSON and text.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{self, kafka_tool, kaftop, wait_for};
use crate::{DEADLINE, PARTITIONS};

/// (leader, replicas, ISR) per partition.
pub(crate) type Layout = BTreeMap<i32, (i32, Vec<i32>, Vec<i32>)>;

pub(crate) fn id_list(s: &str) -> Vec<i32> {
    s.split(',')
        .filter(|x| !x.is_empty() && *x != "-")
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

/// Apache Kafka's `kafka-topics --describe --topic T`.
pub(crate) fn oracle(bootstrap: &str, topic: &str) -> Layout {
    let out = kafka_tool(
        "kafka-topics",
        &[
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--topic",
            topic,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter(|l| l.contains("Partition: "))
        .map(|l| {
            let kv: BTreeMap<&str, &str> = l
                .split('\t')
                .filter_map(|f| f.trim().split_once(": "))
                .collect();
            let leader = kv["Leader"].trim();
            let leader = if leader == "none" {
                -1
            } else {
                leader.parse().unwrap()
            };
            (
                kv["Partition"].parse().unwrap(),
                (leader, id_list(kv["Replicas"]), id_list(kv["Isr"])),
            )
        })
        .collect()
}

/// The oracle once it has settled on `pred` for every partition.
pub(crate) fn oracle_when(
    bootstrap: &str,
    topic: &str,
    what: &str,
    pred: impl Fn(&Layout) -> bool,
) -> Layout {
    wait_for(what, DEADLINE, || {
        let l = oracle(bootstrap, topic);
        (l.len() == PARTITIONS as usize && pred(&l)).then_some(l)
    })
}

/// `kaftop topics --json`: the topic's JSON object.
pub(crate) fn topics_json(bootstrap: &str, topic: &str) -> Value {
    let out = kaftop()
        .args(["-b", bootstrap, "topics", "--json", "--interval", "1s"])
        .output()
        .unwrap();
    common::assert_success(&out);
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    all.into_iter()
        .find(|t| t["name"] == topic)
        .unwrap_or_else(|| panic!("{topic} not in kaftop topics --json"))
}

pub(crate) fn layout_of_json(t: &Value) -> Layout {
    let ids = |v: &Value| -> Vec<i32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as i32)
            .collect()
    };
    t["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap() as i32,
                (
                    p["leader"].as_i64().unwrap() as i32,
                    ids(&p["replicas"]),
                    ids(&p["isr"]),
                ),
            )
        })
        .collect()
}

/// `kaftop topics --partitions` (text): the summary row's ISR column, the
/// "Brokers down" line and the topic's partition lines.
pub(crate) struct TopicsText {
    pub(crate) isr: String,
    pub(crate) brokers_down: Option<String>,
    pub(crate) layout: Layout,
    pub(crate) problems: BTreeMap<i32, String>,
    pub(crate) attention: bool,
}

pub(crate) fn topics_text(bootstrap: &str, topic: &str) -> TopicsText {
    let out = kaftop()
        .args([
            "-b",
            bootstrap,
            "topics",
            "--partitions",
            "--interval",
            "1s",
        ])
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    let (isr_at, msg_at) = (
        header.find("ISR").unwrap(),
        header.find("MESSAGES").unwrap(),
    );
    let row = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(topic))
        .unwrap_or_else(|| panic!("{topic} not in\n{text}"));
    let isr = row[isr_at..msg_at].trim().to_string();
    let brokers_down = text
        .lines()
        .find_map(|l| l.strip_prefix("Brokers down (holding replicas, missing from the cluster): "))
        .map(str::to_string);
    let mut layout = Layout::new();
    let mut problems = BTreeMap::new();
    let section = text.split("\nPartitions:\n").nth(1).unwrap_or("");
    for l in section.lines().skip(1) {
        let c: Vec<&str> = l.split_whitespace().collect();
        if c.first() != Some(&topic) {
            continue;
        }
        let p: i32 = c[1].parse().unwrap();
        let leader = if c[2] == "none" {
            -1
        } else {
            c[2].parse().unwrap()
        };
        layout.insert(p, (leader, id_list(c[3]), id_list(c[4])));
        problems.insert(p, c[5..].join(" "));
    }
    TopicsText {
        isr,
        brokers_down,
        layout,
        problems,
        attention: text.contains("Partitions needing attention"),
    }
}

pub(crate) fn without(v: &[i32], n: i32) -> Vec<i32> {
    v.iter().copied().filter(|&x| x != n).collect()
}

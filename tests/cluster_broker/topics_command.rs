//! `kaftop topics` while a node is stopped and after it is back.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::common::cluster::create_topic_with;
use crate::common::{cluster, unique, Cluster};
use crate::layouts::{layout_of_json, oracle, oracle_when, topics_json, topics_text, without};
use crate::outages::NodeDown;
use crate::{PARTITIONS, VICTIM};

/// Stop a node: `kaftop topics` (text and JSON) shows the under-replicated
/// partitions, the shrunken ISR and the moved leaders exactly as
/// `kafka-topics --describe` does; start it again: fully replicated again.
#[test]
fn a_stopped_node_shows_in_topics_as_kafka_topics_describes_it() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let topic = unique("urp");
    create_topic_with(&c.bootstrap, &topic, PARTITIONS, 3, &[]);

    let before = oracle(&c.bootstrap, &topic);
    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), before);
    assert_eq!(json["under_replicated"], 0);
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, before);
    assert_eq!(text.isr, "3/3");
    assert_eq!(text.brokers_down, None);
    let led_by_victim: BTreeSet<i32> = before
        .iter()
        .filter(|(_, (l, _, _))| *l == VICTIM as i32)
        .map(|(p, _)| *p)
        .collect();
    assert!(
        !led_by_victim.is_empty(),
        "node {VICTIM} leads none of {before:?}"
    );

    let down = NodeDown::stop(&c, VICTIM);
    let v = VICTIM as i32;
    let after = oracle_when(&c.bootstrap, &topic, "ISR without the stopped node", |l| {
        l.values()
            .all(|(leader, _, isr)| *leader != v && !isr.contains(&v))
    });
    // Kafka's view: replicas unchanged, the node gone from every ISR, its partitions
    // led by another node.
    for (p, (leader, replicas, isr)) in &after {
        let (_, replicas0, isr0) = &before[p];
        assert_eq!(replicas, replicas0);
        assert_eq!(isr, &without(isr0, v));
        assert!(isr.contains(leader));
    }

    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), after);
    assert_eq!(json["partition_count"], PARTITIONS);
    assert_eq!(json["under_replicated"], PARTITIONS);
    assert_eq!(json["under_min_isr"], 0);
    assert_eq!(json["offline"], 0);
    assert_eq!(json["min_insync_replicas"], 2);
    for p in json["partitions"].as_array().unwrap() {
        assert_eq!(p["under_replicated"], true);
        assert_eq!(p["problem"], "under_replicated");
        assert_eq!(p["offline_replicas"], json!([VICTIM]));
    }
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, after);
    assert_eq!(text.isr, format!("2/3 ({PARTITIONS} under-replicated)"));
    assert_eq!(
        text.brokers_down.as_deref(),
        Some(VICTIM.to_string().as_str())
    );
    assert!(
        text.problems.values().all(|p| p == "under-replicated"),
        "{:?}",
        text.problems
    );

    drop(down);
    let healed = oracle_when(&c.bootstrap, &topic, "the node back in every ISR", |l| {
        l.values().all(|(_, r, isr)| isr.len() == r.len())
    });
    let json = topics_json(&c.bootstrap, &topic);
    assert_eq!(layout_of_json(&json), healed);
    assert_eq!(json["under_replicated"], 0);
    assert_eq!(json["min_insync_replicas"], Value::Null);
    let text = topics_text(&c.bootstrap, &topic);
    assert_eq!(text.layout, healed);
    assert_eq!(text.isr, "3/3");
    assert_eq!(text.brokers_down, None);
    assert!(text.problems.values().all(|p| p == "-"));
    // Without --partitions a healthy cluster prints no partition lines.
    assert!(!text.attention);
}

//! `kaftop tail` on the Java peer's records: their values and type header.

use serde_json::{json, Value};

use crate::env;
use crate::peer::{java_produce, CREATED_CLASS};

#[test]
fn tail_shows_the_java_peers_records_with_their_type_header() {
    let env = env("jp-tail", 1);
    let topic = &env.topics.created;
    let sent = java_produce(topic, "created", 4, 11, "2026-11-24T10:15:00", "2");
    let out = env.kaftop(&["tail", topic, "--from-beginning", "-n", "4", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 4);
    for (r, s) in recs.iter().zip(&sent) {
        assert_eq!(r["offset"], s["offset"]);
        assert_eq!(r["key"], s["key"]);
        // Headers in order, each with its encoding (`tail --json` is lossless).
        assert_eq!(
            r["headers"],
            json!([{"name": "__TypeId__", "value": CREATED_CLASS, "encoding": "text"}])
        );
        assert_eq!(r["value_encoding"], "json");
        assert_eq!(r["value"]["content"], s["content"]);
        assert_eq!(r["value"]["messageId"], s["messageId"]);
    }
    // Jackson's LocalDateTime arrays as they are on the wire: 10:15:00 has no
    // seconds element, 10:15:04.500123456 has its nanoseconds.
    assert_eq!(recs[0]["value"]["createdAt"], json!([2026, 11, 24, 10, 15]));
    assert_eq!(
        recs[3]["value"]["createdAt"],
        json!([2026, 11, 24, 10, 15, 4, 500123456])
    );

    let out = env.kaftop(&["tail", topic, "--from-beginning", "-n", "4"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.matches(&format!("headers: __TypeId__={CREATED_CLASS}\n"))
            .count(),
        4,
        "{text}"
    );
    assert!(
        text.contains(&format!("{topic} [0] @1  ")) && text.contains("key: 12\n"),
        "{text}"
    );
}

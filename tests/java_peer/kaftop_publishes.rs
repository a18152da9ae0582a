//! kaftop publishes, the Java peer deserializes into the seed's classes (Jackson 2
//! and 3), every field equal.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::peer::{java_consume, nanos, CREATED_CLASS, DELETED_CLASS, READ_CLASS};
use crate::{env, Env};

/// kaftop's own view of a topic's records (`tail --json`), by (partition, offset).
fn tail_values(env: &Env, topic: &str, count: usize) -> BTreeMap<(i64, i64), Value> {
    let out = env.kaftop(&[
        "tail",
        topic,
        "--from-beginning",
        "-n",
        &count.to_string(),
        "--json",
    ]);
    let recs: BTreeMap<(i64, i64), Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                (
                    v["partition"].as_i64().unwrap(),
                    v["offset"].as_i64().unwrap(),
                ),
                v,
            )
        })
        .collect();
    assert_eq!(recs.len(), count);
    recs
}

/// Asserts that the peer's view of every record equals the JSON kaftop wrote.
fn assert_same_fields(java: &[Value], kaftop: &BTreeMap<(i64, i64), Value>, class: &str) {
    for j in java {
        let at = (
            j["partition"].as_i64().unwrap(),
            j["offset"].as_i64().unwrap(),
        );
        let k = &kaftop[&at];
        let mut expected = serde_json::Map::new();
        for (field, v) in k["value"].as_object().unwrap() {
            let v = if field.ends_with("At") {
                Value::from(nanos(v.as_str().unwrap()))
            } else {
                v.clone()
            };
            expected.insert(field.clone(), v);
        }
        let mut got = j.as_object().unwrap().clone();
        assert_eq!(got.remove("class"), Some(Value::from(class)), "{j}");
        assert_eq!(got.remove("typeId"), Some(Value::Null), "{j}");
        assert_eq!(got.remove("key"), Some(k["key"].clone()), "{j}");
        assert_eq!(
            k["key"],
            Value::from(j["messageId"].as_i64().unwrap().to_string())
        );
        got.remove("partition");
        got.remove("offset");
        assert_eq!(got, expected, "{at:?}");
    }
}

#[test]
fn events_kaftop_publishes_deserialize_into_the_seed_classes() {
    let env = env("jp-pub", 3);
    let t = &env.topics;
    let big = "9007199254740993"; // beyond a double's precision
    let content = "안녕, 카프카! \"인용\" \\ 🚀 끝";
    let publish = |args: &[&str]| -> Value {
        let mut all = vec!["publish"];
        all.extend_from_slice(args);
        all.push("--json");
        serde_json::from_slice(&env.kaftop(&all).stdout).unwrap()
    };
    publish(&[
        "created",
        "--message-id",
        big,
        "--sender-id",
        "42",
        "--receiver-id",
        "4242",
        "--content",
        content,
        "--created-at",
        "2026-11-24T10:15:30.123",
    ]);
    // RFC 3339 with an offset is published as the UTC LocalDateTime.
    publish(&[
        "created",
        "--message-id",
        "2",
        "--sender-id",
        "43",
        "--receiver-id",
        "4343",
        "--content",
        "두 번째",
        "--created-at",
        "2026-11-24T19:15:30.5+09:00",
    ]);
    let now = publish(&[
        "created",
        "--message-id",
        "3",
        "--sender-id",
        "44",
        "--receiver-id",
        "4444",
        "--content",
        "now",
    ]);
    publish(&[
        "read",
        "--message-id",
        big,
        "--receiver-id",
        "4242",
        "--read-at",
        "2026-11-24T10:16:00",
    ]);
    publish(&[
        "deleted",
        "--message-id",
        big,
        "--sender-id",
        "42",
        "--receiver-id",
        "4242",
        "--deleted-at",
        "2026-11-24T10:17:00.5",
    ]);
    let bulk: Value = serde_json::from_slice(
        &env.kaftop(&[
            "bulk",
            "--type",
            "mixed",
            "--count",
            "30",
            "--start-id",
            "7000",
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(
        (bulk["delivered"].as_u64(), bulk["failed"].as_u64()),
        (Some(30), Some(0))
    );

    let created = java_consume(&t.created, "created", 13, "2");
    let reads = java_consume(&t.read, "read", 11, "2");
    let deletes = java_consume(&t.deleted, "deleted", 11, "2");
    assert_same_fields(&created, &tail_values(&env, &t.created, 13), CREATED_CLASS);
    assert_same_fields(&reads, &tail_values(&env, &t.read, 11), READ_CLASS);
    assert_same_fields(&deletes, &tail_values(&env, &t.deleted, 11), DELETED_CLASS);
    // Spring Kafka 4's Jackson 3 deserializer sees the same.
    assert_eq!(java_consume(&t.created, "created", 13, "3"), created);
    assert_eq!(java_consume(&t.read, "read", 11, "3"), reads);
    assert_eq!(java_consume(&t.deleted, "deleted", 11, "3"), deletes);

    // And the values themselves, as given on the command line.
    let find = |lines: &[Value], id: i64| -> Value {
        lines
            .iter()
            .find(|l| l["messageId"] == id)
            .unwrap_or_else(|| panic!("no {id} in {lines:#?}"))
            .clone()
    };
    let strip = |mut v: Value| {
        let m = v.as_object_mut().unwrap();
        for k in ["partition", "offset", "key", "typeId", "class"] {
            m.remove(k);
        }
        v
    };
    let big_id: i64 = big.parse().unwrap();
    assert_eq!(
        strip(find(&created, big_id)),
        json!({"messageId": big_id, "senderId": 42, "receiverId": 4242, "content": content,
               "createdAt": "2026-11-24T10:15:30.123000000"})
    );
    assert_eq!(
        strip(find(&created, 2))["createdAt"],
        "2026-11-24T10:15:30.500000000"
    );
    assert_eq!(
        strip(find(&created, 3))["createdAt"],
        nanos(now["value"]["createdAt"].as_str().unwrap())
    );
    assert_eq!(
        strip(find(&reads, big_id)),
        json!({"messageId": big_id, "receiverId": 4242, "readAt": "2026-11-24T10:16:00.000000000"})
    );
    assert_eq!(
        strip(find(&deletes, big_id)),
        json!({"messageId": big_id, "senderId": 42, "receiverId": 4242,
               "deletedAt": "2026-11-24T10:17:00.500000000"})
    );
    // `bulk --type mixed` sent ids 7000..7010 of each kind.
    for lines in [&created, &reads, &deletes] {
        let ids: BTreeSet<i64> = lines
            .iter()
            .filter_map(|l| {
                l["messageId"]
                    .as_i64()
                    .filter(|id| (7000..7010).contains(id))
            })
            .collect();
        assert_eq!(ids, (7000..7010).collect());
    }
    assert_eq!(find(&created, 7004)["content"], "bulk test message 7004");
}

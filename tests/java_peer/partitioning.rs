//! Partitioning: a key lands on the same partition from kaftop as from the Java
//! producer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::env;
use crate::peer::{java_consume, java_produce, CREATED_CLASS};

#[test]
fn a_key_lands_on_the_same_partition_from_kaftop_and_from_java() {
    const N: u64 = 300;
    const START: i64 = 5_000_000_000_000;
    let env = env("jp-part", 6);
    let topic = &env.topics.created;
    let java = java_produce(topic, "created", N, START, "2026-11-24T10:00:00", "2");
    let bulk: Value = serde_json::from_slice(
        &env.kaftop(&[
            "bulk",
            "--type",
            "created",
            "--count",
            &N.to_string(),
            "--start-id",
            &START.to_string(),
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(bulk["delivered"], N);

    // Where the Java producer put each key (its own delivery reports) ...
    let java_partition: BTreeMap<String, i64> = java
        .iter()
        .map(|l| {
            (
                l["key"].as_str().unwrap().to_string(),
                l["partition"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(java_partition.len(), N as usize);
    assert_eq!(
        java_partition.values().collect::<BTreeSet<_>>().len(),
        6,
        "keys spread over all partitions"
    );
    // ... and where each key is on the topic: both of its records, on that partition.
    let mut seen: BTreeMap<String, Vec<(i64, Value)>> = BTreeMap::new();
    for l in java_consume(topic, "created", 2 * N as usize, "2") {
        seen.entry(l["key"].as_str().unwrap().to_string())
            .or_default()
            .push((l["partition"].as_i64().unwrap(), l["typeId"].clone()));
    }
    assert_eq!(seen.len(), N as usize);
    for (key, recs) in &seen {
        let p = java_partition[key];
        let mut recs = recs.clone();
        recs.sort_by_key(|r| r.1.is_null());
        assert_eq!(
            recs,
            vec![(p, Value::from(CREATED_CLASS)), (p, Value::Null)],
            "key {key}: the Java record (with __TypeId__) and kaftop's"
        );
    }
}

//! Java produces, kaftop's services consume: every event processed exactly once,
//! every effect carrying the peer's fields.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{report_json, spawn_consumers, wait_for};
use crate::env;
use crate::peer::{java_produce, nanos, CREATED_CLASS, DELETED_CLASS, READ_CLASS};

/// `kaftop consumers` summary rows by service: consumed, processed, dead-lettered,
/// dedupe hits, retries, pending.
fn summary_rows(stdout: &str) -> BTreeMap<String, Vec<u64>> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 8).then(|| {
                (
                    cols[0].to_string(),
                    cols[1..7].iter().map(|c| c.parse().unwrap()).collect(),
                )
            })
        })
        .collect()
}

#[test]
fn events_the_java_peer_produces_are_processed_exactly() {
    let env = env("jp-svc", 3);
    let t = &env.topics;
    // LocalDateTime as Jackson 2's arrays (JsonSerializer's own mapper), as ISO
    // strings (a Jackson 2 mapper as Spring Boot configures it) and as Jackson 3 (Spring
    // Kafka 4's JacksonJsonSerializer) writes it; across midnight, one at exactly
    // 00:00:00 (a 5-element array) and some with nanoseconds.
    let mut created = java_produce(&t.created, "created", 24, 1, "2026-11-24T23:59:30", "2");
    created.extend(java_produce(
        &t.created,
        "created",
        16,
        25,
        "2026-11-25T12:00:00",
        "3",
    ));
    let reads = java_produce(&t.read, "read", 30, 1, "2026-11-25T23:59:50", "2");
    let deletes = java_produce(
        &t.deleted,
        "deleted",
        10,
        31,
        "2026-11-26T09:00:00.250",
        "2-boot",
    );
    for (lines, class) in [
        (&created, CREATED_CLASS),
        (&reads, READ_CLASS),
        (&deletes, DELETED_CLASS),
    ] {
        assert!(lines.iter().all(|l| l["typeId"] == class), "{lines:#?}");
    }
    assert_eq!(created[20]["createdAt"], "2026-11-25T00:00:00.000000000");
    assert_eq!(created[3]["createdAt"], "2026-11-24T23:59:34.500123456");

    // The expected daily stats, from what the peer sent.
    let mut daily: BTreeMap<String, (u64, BTreeSet<i64>, u64)> = BTreeMap::new();
    for c in &created {
        let d = daily
            .entry(c["createdAt"].as_str().unwrap()[..10].to_string())
            .or_default();
        d.0 += 1;
        d.1.insert(c["senderId"].as_i64().unwrap());
    }
    for r in &reads {
        daily
            .entry(r["readAt"].as_str().unwrap()[..10].to_string())
            .or_default()
            .2 += 1;
    }
    let expected_daily: Vec<Value> = daily
        .iter()
        .map(|(date, (messages, senders, reads))| {
            json!({"date": date, "messages": messages,
                   "distinct_senders": senders.len(), "reads": reads})
        })
        .collect();
    assert_eq!(expected_daily.len(), 3, "{expected_daily:?}");

    let child = spawn_consumers(&env.config, &[], &[]);
    let report = wait_for("the services' effects", Duration::from_secs(90), || {
        let r = report_json(&env.config, &[]);
        let c = &r["services"];
        let done = c["notification"]["consumed"] == 40
            && c["analytics"]["consumed"] == 70
            && c["read-receipt"]["consumed"] == 70
            && c["archive"]["consumed"] == 10
            && r["pending_receipts"] == 0;
        done.then_some(r)
    });
    let output = child.terminate();
    assert!(output.status.success(), "{output:?}");

    // Every event processed once: nothing dead-lettered, nothing taken for a duplicate.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows = summary_rows(&stdout);
    let row = |s: &str| rows[s][..4].to_vec();
    assert_eq!(row("notification"), [40, 40, 0, 0], "{stdout}");
    assert_eq!(row("analytics"), [70, 70, 0, 0], "{stdout}");
    assert_eq!(row("read-receipt"), [70, 70, 0, 0], "{stdout}");
    assert_eq!(row("archive"), [10, 10, 0, 0], "{stdout}");
    assert_eq!(rows.values().map(|r| r[5]).sum::<u64>(), 0, "{stdout}");

    assert_eq!(report["notifications"], 40);
    assert_eq!(report["receipts"], 30);
    assert_eq!(report["archived"], 10);
    assert_eq!(report["indexed_messages"], 40);
    assert_eq!(report["dead_lettered"], json!({}));
    assert_eq!(report["daily"], Value::Array(expected_daily));

    // Each effect carries the peer's fields exactly (Hangul, quotes, emoji, nanos).
    let store = kaftop_services::Store::open_existing(&env.dir.join("data/services.db")).unwrap();
    let by_id = |lines: &[Value]| -> BTreeMap<i64, Value> {
        lines
            .iter()
            .map(|l| (l["messageId"].as_i64().unwrap(), l.clone()))
            .collect()
    };
    let created = by_id(&created);
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 40);
    for n in &outbox {
        let c = &created[&n.data.message_id];
        assert_eq!(
            (
                n.user_id,
                n.body.as_str(),
                n.title.as_str(),
                n.kind.as_str()
            ),
            (
                c["receiverId"].as_i64().unwrap(),
                c["content"].as_str().unwrap(),
                "새 메시지 도착",
                "MESSAGE"
            )
        );
    }
    assert_eq!(
        created[&7]["content"], "안녕하세요 #7 \"quoted\" 🚀",
        "the peer's content"
    );
    for r in &reads {
        let id = r["messageId"].as_i64().unwrap();
        let receipt = store.receipt(id).unwrap().expect("receipt");
        assert_eq!(
            (
                receipt.sender_id,
                receipt.receiver_id,
                nanos(&receipt.read_at.to_string())
            ),
            (
                created[&id]["senderId"].as_i64().unwrap(),
                r["receiverId"].as_i64().unwrap(),
                r["readAt"].as_str().unwrap().to_string()
            )
        );
    }
    for d in &deletes {
        let id = d["messageId"].as_i64().unwrap();
        let a = store.archived(id).unwrap().expect("archived");
        assert_eq!(
            (a.sender_id, a.receiver_id, nanos(&a.deleted_at.to_string())),
            (
                d["senderId"].as_i64().unwrap(),
                d["receiverId"].as_i64().unwrap(),
                d["deletedAt"].as_str().unwrap().to_string()
            )
        );
    }
}

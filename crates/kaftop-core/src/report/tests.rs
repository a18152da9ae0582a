//! The incident snapshot from a hand-made cluster: a group with a stuck
//! partition whose record was read, a forecast, and a healthy group left out.

use super::rank::tests::group;
use super::*;
use crate::kafka::record::{render, RecordView};
use crate::metrics::{
    ClusterMetrics, DataLoss, GroupPartitionRow, LagStatus, Severity as EventSeverity, Stuck,
    TimeLag, TimelineEvent, TimelineKind,
};

/// 2026-11-24T10:15:30Z.
const NOW: i64 = 1_795_515_330_000;

fn row(partition: i32, committed: i64, end: i64) -> GroupPartitionRow {
    GroupPartitionRow {
        topic: "orders".into(),
        partition,
        current_offset: Some(committed),
        log_end_offset: Some(end),
        lag: Some((end - committed) as u64),
        raw_lag: Some(end - committed),
        consumer_id: Some("c-1".into()),
        host: Some("/10.0.0.1".into()),
        client_id: Some("client".into()),
        consume_rate: None,
        time_lag_secs: None,
        time_lag: None,
        stuck: None,
        data_loss: None,
        uncommitted_waiting: None,
        status: LagStatus::Ok,
        status_reason: None,
    }
}

fn cluster() -> ClusterMetrics {
    let mut stuck = row(1, 42, 90);
    stuck.stuck = Some(Box::new(Stuck {
        offset: 42,
        since_ms: NOW - 133_000,
        for_secs: 133.0,
    }));
    stuck.time_lag = Some(TimeLag {
        secs: 140.0,
        exact: true,
        note: None,
    });
    stuck.status = LagStatus::Stall;
    let mut billing = group("billing");
    billing.rows = vec![row(0, 100, 100), stuck];
    billing.stuck = 1;
    billing.alerting = true;
    billing.total_lag = 48;
    billing.status = LagStatus::Stall;
    billing.time_lag = Some(TimeLag {
        secs: 140.0,
        exact: true,
        note: None,
    });
    billing.data_loss = Some(DataLoss::Forecast { in_secs: 700.0 });
    billing.lag_history = vec![10, 20, 48];
    billing.group_type = Some(crate::kafka::admin::types::GroupType::Share);
    ClusterMetrics {
        taken_at_ms: NOW,
        connected: true,
        cluster_id: Some("prod-eu".into()),
        controller: Some(2),
        groups: vec![group("healthy"), billing],
        timeline: vec![TimelineEvent {
            at_ms: NOW - 60_000,
            kind: TimelineKind::MemberLeft,
            severity: EventSeverity::Warn,
            group: Some("billing".into()),
            topic: None,
            partition: None,
            broker: None,
            text: "member c-2 (/10.0.0.2) left".into(),
        }],
        brokers_down: vec![3],
        ..ClusterMetrics::default()
    }
}

fn culprit() -> RecordView {
    RecordView {
        topic: "orders".into(),
        partition: 1,
        offset: 42,
        timestamp_ms: Some(NOW - 140_000),
        key: render(Some(b"order-42"), 1024),
        headers: vec![("secret-token".into(), render(Some(b"hunter2"), 1024))],
        value: render(Some("x".repeat(1000).as_bytes()), 4096),
    }
}

#[test]
fn the_stuck_record_is_asked_for_and_reported() {
    let c = cluster();
    assert_eq!(
        incident::wanted_records(&c),
        [("orders".to_string(), 1, 42)]
    );
    let report = Incident::build(&c, &[culprit()]);
    // Only the group that needs someone.
    let names: Vec<&str> = report.groups.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(names, ["billing"]);
    assert_eq!(report.header.brokers_total, 1);
    assert_eq!(
        report.alerts,
        [
            "brokers down: 3",
            "billing: orders-1 stuck 2m13s at offset 42",
            "billing: data loss in ~12 min",
        ]
    );
    let json = serde_json::to_value(&report.groups[0]).unwrap();
    assert_eq!(
        (&json["group_type"], &json["type_label"]),
        (&"Share".into(), &"Share".into())
    );
    let record = report.groups[0].partitions[1].record.as_ref().unwrap();
    assert_eq!((record.offset, record.key.as_str()), (42, "order-42"));
    assert_eq!(record.value.chars().count(), incident::VALUE_CHARS + 1);
    assert!(record.truncated);

    let md = super::markdown::render(&report);
    for fact in [
        "# kaftop incident snapshot: cluster prod-eu, 2026-11-24 10:15:30 UTC",
        "controller 2 · brokers 0/1 up",
        "### billing (STALL)",
        "state unknown · lag 48 · time lag 2m20s · ETA caught up · type Share · 1 stuck partitions · data loss in ~12 min",
        "| orders | 1 | 42 | 90 | 48 | 2m20s | STALL | stuck 2m13s at offset 42 | c-1 |",
        "#### Record at the committed offset of orders-1 (offset 42)",
        "- key: `order-42`",
        "- headers: secret-token",
        "- 10:14:30 [warn] member c-2 (/10.0.0.2) left",
    ] {
        assert!(md.contains(fact), "{fact}\n---\n{md}");
    }
    // Header values are never written, in either form.
    assert!(!md.contains("hunter2"));
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("hunter2"));
    assert!(json.contains(r#""stuck":{"offset":42"#), "{json}");
}

#[test]
fn a_stuck_record_that_could_not_be_read_says_so() {
    let md = super::markdown::render(&Incident::build(&cluster(), &[]));
    assert!(
        md.contains("Not read (deleted, compacted away or unreachable)."),
        "{md}"
    );
}

#[test]
fn a_decoded_stuck_record_names_its_schema_and_an_undecodable_one_its_reason() {
    use crate::kafka::record::render_decoded;
    use crate::schema::decoder::SchemaInfo;
    use crate::schema::{Decoded, SchemaKind};
    let schema = SchemaInfo {
        kind: SchemaKind::Avro,
        id: Some(7),
        subject: Some("orders-value".into()),
        version: Some(2),
        message: None,
        file: None,
    };
    let framed = [0u8, 0, 0, 0, 7, 2, 0x54];
    let decoded = Decoded::Value {
        json: serde_json::json!({"customerId": 4711}),
        schema,
    };
    let mut record = culprit();
    record.value = render_decoded(Some(&framed), 4096, decoded);
    let report = Incident::build(&cluster(), &[record.clone()]);
    let md = super::markdown::render(&report);
    for fact in [
        "- value schema: Avro · subject orders-value v2 · id 7",
        "\"customerId\": 4711",
    ] {
        assert!(md.contains(fact), "{fact}\n---\n{md}");
    }
    let json = serde_json::to_value(&report).unwrap();
    let peeked = &json["groups"][0]["partitions"][1]["record"];
    assert_eq!(
        peeked["value_schema"]["subject"], "orders-value",
        "{peeked}"
    );
    assert_eq!(peeked["value_schema"]["id"], 7, "{peeked}");
    assert!(peeked["value_undecoded"].is_null(), "{peeked}");

    let reason = "schema 7 not found";
    record.value = render_decoded(Some(&framed), 4096, Decoded::Failed(reason.into()));
    let report = Incident::build(&cluster(), &[record]);
    let md = super::markdown::render(&report);
    assert!(
        md.contains(&format!("- value not decoded, shown raw: {reason}"))
            && md.contains("00 00 00 00 07 02 54"),
        "{md}"
    );
    let peeked = &serde_json::to_value(&report).unwrap()["groups"][0]["partitions"][1]["record"];
    assert_eq!(peeked["value_undecoded"], reason, "{peeked}");
    assert!(peeked["value_schema"].is_null(), "{peeked}");
}

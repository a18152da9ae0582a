use super::*;

fn rec(partition: i32, offset: i64, key: &str, headers: &[(&str, &str)]) -> DlqRecord {
    DlqRecord {
        partition,
        offset,
        key: Some(key.as_bytes().to_vec()),
        value: Some(format!("value of {key}").into_bytes()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.as_bytes().to_vec())))
            .collect(),
    }
}

fn dead(partition: i32, offset: i64, key: &str, service: &str) -> DlqRecord {
    rec(
        partition,
        offset,
        key,
        &[
            ("trace", "t1"),
            (HEADER_ERROR, "not JSON"),
            (HEADER_SERVICE, service),
            (HEADER_SOURCE_TOPIC, "orders"),
            (HEADER_SOURCE_PARTITION, "2"),
            (HEADER_SOURCE_OFFSET, "40"),
        ],
    )
}

fn state(cursor: i64) -> RedriveState {
    [(
        0,
        PartitionState {
            cursor,
            redriven: BTreeSet::new(),
        },
    )]
    .into_iter()
    .collect()
}

#[test]
fn a_plan_sends_what_it_can_with_original_headers_and_a_redriven_header() {
    let mut truncated = dead(0, 1, "b", "archive");
    truncated
        .headers
        .push((HEADER_TRUNCATED_FROM.into(), Some(b"600000".to_vec())));
    let records = [
        dead(0, 0, "a", "archive"),
        truncated,
        rec(0, 2, "c", &[]),
        dead(0, 3, "d", "analytics"),
        dead(0, 4, "e", "archive"),
    ];
    let sel = Selection {
        service: Some("archive".into()),
        limit: Some(1),
        ..Selection::default()
    };
    let plan = build_plan("orders.dlq", state(0), &[(0, 5)], &records, &sel, &|t| {
        (t == "orders").then_some(3)
    });
    assert_eq!(plan.send.len(), 1);
    let r = &plan.send[0];
    assert_eq!(
        (r.target_topic.as_str(), r.target_partition),
        ("orders", Some(2))
    );
    assert_eq!(
        r.headers,
        vec![
            ("trace".to_string(), Some(b"t1".to_vec())),
            (
                HEADER_REDRIVEN_FROM.to_string(),
                Some(b"orders.dlq/0/0".to_vec())
            ),
        ]
    );
    let reasons: Vec<(i64, String)> = plan
        .not_redrivable
        .iter()
        .map(|u| (u.origin.dlq_offset, u.reason.to_string()))
        .collect();
    assert_eq!(
        reasons,
        vec![(1, "value truncated (originally 600000 bytes)".to_string())]
    );
    // 2 (no headers) fails the service filter but is permanent; 3 is filtered out;
    // 4 is over the limit and stops the cursor.
    assert_eq!((plan.filtered_out, plan.over_limit), (1, 1));
    assert_eq!(plan.after[&0].cursor, 3);
    assert!(plan.after[&0].redriven.is_empty());
}

#[test]
fn redriven_records_are_not_planned_again() {
    let records = [dead(0, 5, "a", "archive"), dead(0, 6, "b", "archive")];
    let mut before = state(5);
    before.get_mut(&0).unwrap().redriven.insert(6);
    let plan = build_plan(
        "orders.dlq",
        before,
        &[(0, 7)],
        &records,
        &Selection {
            filter: Some("VALUE OF A".into()),
            ..Selection::default()
        },
        &|_| Some(1),
    );
    assert_eq!(plan.already_redriven, 1);
    assert_eq!(plan.send.len(), 1);
    // Partition 2 no longer exists: the key decides.
    assert_eq!(plan.send[0].target_partition, None);
    assert_eq!(plan.after[&0].cursor, 7);
}

#[test]
fn behind_the_cursor_a_record_is_redriven_or_never_redrivable() {
    let mut truncated = dead(0, 1, "b", "archive");
    truncated
        .headers
        .push((HEADER_TRUNCATED_FROM.into(), Some(b"600000".to_vec())));
    let records = [
        dead(0, 0, "a", "archive"),
        truncated,
        dead(0, 2, "c", "archive"),
    ];
    let plan = build_plan(
        "orders.dlq",
        state(2),
        &[(0, 3)],
        &records,
        &Selection::default(),
        &|_| Some(3),
    );
    assert_eq!(plan.already_redriven, 1);
    assert_eq!(plan.not_redrivable.len(), 1);
    assert_eq!(plan.not_redrivable[0].origin.dlq_offset, 1);
    assert_eq!(plan.send.len(), 1);
    assert_eq!(plan.send[0].origin.dlq_offset, 2);
    assert_eq!(plan.after[&0].cursor, 3);
}

#[test]
fn a_selected_record_is_the_only_one_planned() {
    let records = [
        dead(0, 0, "a", "archive"),
        dead(0, 1, "b", "archive"),
        dead(0, 2, "c", "archive"),
    ];
    let sel = Selection {
        record: Some((0, 1)),
        ..Selection::default()
    };
    let plan = build_plan("orders.dlq", state(0), &[(0, 3)], &records, &sel, &|t| {
        (t == "orders").then_some(3)
    });
    let sent: Vec<(i32, i64)> = plan
        .send
        .iter()
        .map(|r| (r.origin.dlq_partition, r.origin.dlq_offset))
        .collect();
    assert_eq!(sent, [(0, 1)]);
}

#[test]
fn only_a_dead_letter_topic_is_redriven() {
    // Nothing listens here: a refusal must come before any connection.
    let ov = kaftop_core::config::Overrides {
        bootstrap_servers: Some("127.0.0.1:1".into()),
        ..Default::default()
    };
    let cfg = kaftop_core::config::resolve(None, None, &ov).unwrap();
    let e = plan(&cfg, "message.created", &Selection::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`message.created` is not a dead-letter topic (a DLQ's name ends in `.dlq`); \
         its dead letters are in `message.created.dlq`"
    );
}

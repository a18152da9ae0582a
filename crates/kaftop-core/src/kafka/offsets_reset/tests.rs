use super::*;

/// Partition 0: log 2..10, committed 5. Partition 1: log 0..4, nothing committed.
/// Partition 2: empty log at 7..7, committed 7.
fn states(at_timestamp: [Option<i64>; 3]) -> Vec<PartitionState> {
    let p = |partition, committed, log_start, log_end, at| PartitionState {
        topic: "t".into(),
        partition,
        committed,
        log_start,
        log_end,
        at_timestamp: at,
    };
    // Out of order on purpose: the plan is sorted.
    vec![
        p(2, Some(7), 7, 7, at_timestamp[2]),
        p(0, Some(5), 2, 10, at_timestamp[0]),
        p(1, None, 0, 4, at_timestamp[1]),
    ]
}

/// (partition, current, new) of each row.
fn rows(target: ResetTarget, at: [Option<i64>; 3]) -> Vec<(i32, Option<i64>, i64)> {
    plan("g", target, &states(at))
        .unwrap()
        .partitions
        .iter()
        .map(|p| (p.partition, p.current_offset, p.new_offset))
        .collect()
}

const NONE: [Option<i64>; 3] = [None, None, None];

#[test]
fn earliest_and_latest_are_the_log_bounds() {
    assert_eq!(
        rows(ResetTarget::Earliest, NONE),
        [(0, Some(5), 2), (1, None, 0), (2, Some(7), 7)]
    );
    assert_eq!(
        rows(ResetTarget::Latest, NONE),
        [(0, Some(5), 10), (1, None, 4), (2, Some(7), 7)]
    );
}

#[test]
fn current_keeps_the_committed_offset_else_the_log_end() {
    assert_eq!(
        rows(ResetTarget::Current, NONE),
        [(0, Some(5), 5), (1, None, 4), (2, Some(7), 7)]
    );
}

#[test]
fn offsets_are_clamped_to_the_log() {
    assert_eq!(
        rows(ResetTarget::Offset(3), NONE),
        [(0, Some(5), 3), (1, None, 3), (2, Some(7), 7)]
    );
    assert_eq!(
        rows(ResetTarget::Offset(0), NONE),
        [(0, Some(5), 2), (1, None, 0), (2, Some(7), 7)]
    );
    assert_eq!(
        rows(ResetTarget::Offset(100), NONE),
        [(0, Some(5), 10), (1, None, 4), (2, Some(7), 7)]
    );
}

#[test]
fn shifts_are_clamped_and_need_a_committed_offset() {
    let mut committed = states(NONE);
    committed.remove(2); // partition 1, which has none
    let shift = |n| {
        plan("g", ResetTarget::ShiftBy(n), &committed)
            .unwrap()
            .partitions
            .iter()
            .map(|p| (p.partition, p.new_offset))
            .collect::<Vec<_>>()
    };
    assert_eq!(shift(-2), [(0, 3), (2, 7)]);
    assert_eq!(shift(-4), [(0, 2), (2, 7)]);
    assert_eq!(shift(4), [(0, 9), (2, 7)]);
    assert_eq!(shift(6), [(0, 10), (2, 7)]);
    assert_eq!(shift(i64::MAX), [(0, 10), (2, 7)]);
    assert_eq!(
        plan("g", ResetTarget::ShiftBy(1), &states(NONE)),
        Err(PlanError::NoCommittedOffset {
            topic: "t".into(),
            partition: 1
        })
    );
}

#[test]
fn timestamps_fall_back_to_the_log_end() {
    assert_eq!(
        rows(ResetTarget::Timestamp(1_000), [Some(6), None, None]),
        [(0, Some(5), 6), (1, None, 4), (2, Some(7), 7)]
    );
    assert_eq!(ResetTarget::Timestamp(1_000).timestamp(), Some(1_000));
    assert_eq!(ResetTarget::Earliest.timestamp(), None);
}

#[test]
fn lag_changes_are_current_minus_new() {
    let p = plan("g", ResetTarget::Earliest, &states(NONE)).unwrap();
    let changes: Vec<_> = p.partitions.iter().map(PlannedOffset::lag_change).collect();
    assert_eq!(changes, [Some(3), None, Some(0)]);
    assert_eq!(p.total_lag_change(), 3);
    let p = plan("g", ResetTarget::Latest, &states(NONE)).unwrap();
    assert_eq!(p.total_lag_change(), -5);
    assert_eq!(p.group, "g");
}

#[test]
fn topic_scopes_parse_as_the_tool_writes_them() {
    let s = |t: &str, p: Option<Vec<i32>>| TopicScope {
        topic: t.into(),
        partitions: p,
    };
    assert_eq!("orders".parse(), Ok(s("orders", None)));
    assert_eq!("orders:0,2".parse(), Ok(s("orders", Some(vec![0, 2]))));
    for bad in [":0", "orders:", "orders:x", "orders:-1", "orders:1,,2"] {
        assert!(bad.parse::<TopicScope>().is_err(), "{bad}");
    }
}

#[test]
fn scopes_are_checked_against_the_topics_that_exist() {
    let existing = vec![("a".to_string(), vec![0, 1, 2]), ("b".to_string(), vec![0])];
    let scope = |s: &str| s.parse::<TopicScope>().unwrap();
    assert_eq!(
        scoped_partitions(&existing, &[scope("a:2,0"), scope("b"), scope("a:0")]).unwrap(),
        [("a".into(), 2), ("a".into(), 0), ("b".into(), 0)]
    );
    assert_eq!(
        scoped_partitions(&existing, &[scope("c")]).unwrap_err(),
        ScopeError::UnknownTopic("c".into())
    );
    assert_eq!(
        scoped_partitions(&existing, &[scope("b:1")])
            .unwrap_err()
            .to_string(),
        "topic `b` has no partition 1"
    );
}

#[test]
fn share_groups_take_every_target_the_share_tool_has() {
    for t in [
        ResetTarget::Earliest,
        ResetTarget::Latest,
        ResetTarget::Current,
        ResetTarget::Offset(3),
        ResetTarget::Timestamp(1),
    ] {
        assert_eq!(check_share_target(t), Ok(()), "{t:?}");
    }
    let err = check_share_target(ResetTarget::ShiftBy(-1)).unwrap_err();
    assert!(err.to_string().contains("no --shift-by"), "{err}");
}

#[test]
fn a_plan_leaves_its_group_type_to_the_caller() {
    let p = plan("g", ResetTarget::Earliest, &states(NONE)).unwrap();
    assert_eq!(p.group_type, GroupType::Unknown);
}

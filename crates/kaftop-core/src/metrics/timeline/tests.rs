//! The diffing on hand-built snapshots: a 3-broker cluster with topic `t` (three
//! partitions, replication 3) and group `g` (two members).

use super::*;
use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
use crate::kafka::snapshot::{BrokerInfo, GroupInfo, PartitionInfo, TopicInfo};

const T0: i64 = 1_795_515_330_000;

fn member(id: &str, client: &str, host: &str, parts: &[i32]) -> MemberDescription {
    MemberDescription {
        member_id: id.into(),
        client_id: client.into(),
        host: host.into(),
        assignment: parts.iter().map(|&p| ("t".to_string(), p)).collect(),
        target_assignment: None,
    }
}

fn partition(id: i32, isr: &[i32]) -> PartitionInfo {
    // Replicas rotate so that each broker leads one partition.
    let replicas: Vec<i32> = (0..3).map(|k| 1 + (id + k) % 3).collect();
    PartitionInfo {
        id,
        leader: replicas[0],
        replicas,
        isr: isr.to_vec(),
        low: Some(0),
        high: Some(100),
        error: None,
    }
}

fn topic(name: &str, partitions: i32) -> TopicInfo {
    TopicInfo {
        name: name.into(),
        partitions: (0..partitions).map(|p| partition(p, &[1, 2, 3])).collect(),
        ..Default::default()
    }
}

fn snap(at_s: i64) -> ClusterSnapshot {
    ClusterSnapshot {
        taken_at_ms: T0 + at_s * 1000,
        mono_ms: at_s as u64 * 1000,
        connected: true,
        controller: Some(1),
        brokers: (1..=3)
            .map(|id| BrokerInfo {
                id,
                host: "127.0.0.1".into(),
                port: 9090 + id,
            })
            .collect(),
        topics: vec![topic("t", 3)],
        groups: vec![GroupInfo {
            group_id: "g".into(),
            state: Some(GroupState::Stable),
            group_type: Some(GroupType::Classic),
            protocol_type: None,
            members: Some(vec![
                member("m-1", "c-1", "/10.0.0.1", &[0, 1]),
                member("m-2", "c-2", "/10.0.0.2", &[2]),
            ]),
            offsets: Vec::new(),
            coordinator: Some(1),
            error: None,
            detail: None,
        }],
        ..Default::default()
    }
}

/// (kind, subject, text, severity) of each event.
fn summary(events: &[TimelineEvent]) -> Vec<(TimelineKind, String, String, Severity)> {
    events
        .iter()
        .map(|e| (e.kind, e.subject(), e.text.clone(), e.severity))
        .collect()
}

fn after(first: ClusterSnapshot, second: ClusterSnapshot) -> Vec<TimelineEvent> {
    let mut t = Timeline::default();
    assert!(t.observe(&first).is_empty(), "the baseline yields nothing");
    t.observe(&second)
}

fn group_mut(s: &mut ClusterSnapshot) -> &mut GroupInfo {
    &mut s.groups[0]
}

#[test]
fn an_unchanged_cluster_yields_nothing() {
    let mut t = Timeline::default();
    for i in 0..5 {
        assert_eq!(t.observe(&snap(i)), vec![]);
    }
    assert_eq!(t.events().len(), 0);
}

#[test]
fn a_broker_stopped_and_started() {
    use TimelineKind::*;
    let mut down = snap(2);
    down.brokers.retain(|b| b.id != 2);
    // Partition 1 was led by 2: the controller moved it to 3; 2 left every ISR.
    let t = &mut down.topics[0];
    t.partitions[1].leader = 3;
    for p in &mut t.partitions {
        p.isr = vec![1, 3];
    }
    let mut tl = Timeline::default();
    tl.observe(&snap(0));
    let found = tl.observe(&down);
    let isr = |p: i32| {
        [
            (
                IsrShrank,
                format!("t[{p}]"),
                "ISR 1,2,3 → 1,3 (2 out)".to_string(),
                Severity::Warn,
            ),
            (
                UrpBegan,
                format!("t[{p}]"),
                "under-replicated: 2 of 3 replicas in sync".to_string(),
                Severity::Warn,
            ),
        ]
    };
    let mut want = vec![(
        BrokerDown,
        "broker 2".to_string(),
        "broker 2 (127.0.0.1:9092) down".to_string(),
        Severity::Crit,
    )];
    want.extend(isr(0));
    want.push((
        LeaderChanged,
        "t[1]".into(),
        "leader 2 → 3".into(),
        Severity::Warn,
    ));
    want.extend(isr(1));
    want.extend(isr(2));
    assert_eq!(summary(&found), want);
    assert!(found.iter().all(|e| e.at_ms == T0 + 2000));
    let shrank = found.iter().find(|e| e.kind == IsrShrank).unwrap();
    assert_eq!((shrank.broker, shrank.partition), (Some(2), Some(0)));

    // Back: broker 2 up, in sync again, then leader of 1 again (preferred: info).
    let found = tl.observe(&snap(4));
    let back = |p: i32| {
        [
            (
                IsrExpanded,
                format!("t[{p}]"),
                "ISR 1,3 → 1,2,3 (2 back in sync)".to_string(),
                Severity::Info,
            ),
            (
                UrpEnded,
                format!("t[{p}]"),
                "fully replicated again: 3 of 3 replicas in sync".to_string(),
                Severity::Info,
            ),
        ]
    };
    let mut want = vec![(
        BrokerUp,
        "broker 2".to_string(),
        "broker 2 (127.0.0.1:9092) up".to_string(),
        Severity::Info,
    )];
    want.extend(back(0));
    want.push((
        LeaderChanged,
        "t[1]".into(),
        "leader 3 → 2".into(),
        Severity::Info,
    ));
    want.extend(back(1));
    want.extend(back(2));
    assert_eq!(summary(&found), want);
    assert_eq!(tl.events().len(), 16);
}

#[test]
fn an_offline_partition_is_critical() {
    let mut s = snap(1);
    s.topics[0].partitions[0].leader = -1;
    let found = after(snap(0), s);
    assert_eq!(
        summary(&found),
        vec![(
            TimelineKind::LeaderChanged,
            "t[0]".into(),
            "leader 1 → none".into(),
            Severity::Crit
        )]
    );
    assert_eq!(found[0].broker, None);
}

#[test]
fn controller_and_coordinator_moves() {
    // KRaft brokers name a random live broker as the controller: no change.
    let mut s = snap(1);
    s.controller = Some(3);
    assert_eq!(after(snap(0), s), vec![]);
    // The controller stopped.
    let mut s = snap(1);
    s.brokers.retain(|b| b.id != 1);
    s.controller = Some(3);
    group_mut(&mut s).coordinator = Some(2);
    let found = after(snap(0), s);
    assert_eq!(
        summary(&found)[1..],
        vec![
            (
                TimelineKind::ControllerChanged,
                "broker 3".into(),
                "controller 1 → 3".into(),
                Severity::Warn
            ),
            (
                TimelineKind::CoordinatorMoved,
                "g".into(),
                "coordinator broker 1 → 2".into(),
                Severity::Warn
            ),
        ]
    );
    // Unknown (not read this time) is not a change.
    let mut s = snap(1);
    s.controller = None;
    group_mut(&mut s).coordinator = None;
    assert_eq!(after(snap(0), s), vec![]);
}

#[test]
fn members_leave_and_join_and_each_change_is_one_rebalance() {
    use TimelineKind::*;
    let mut tl = Timeline::default();
    tl.observe(&snap(0));
    // m-2 leaves; m-1 takes its partition.
    let mut s = snap(10);
    group_mut(&mut s).members = Some(vec![member("m-1", "c-1", "/10.0.0.1", &[0, 1, 2])]);
    let found = tl.observe(&s);
    assert_eq!(
        summary(&found),
        vec![
            (
                MemberLeft,
                "g".into(),
                "member c-2 (/10.0.0.2) left".into(),
                Severity::Info
            ),
            (
                AssignmentChanged,
                "g".into(),
                "member c-1 (/10.0.0.1): t:0,1 → t:0,1,2".into(),
                Severity::Info
            ),
            (
                Rebalance,
                "g".into(),
                "rebalance, 1 member: 1 rebalance in 10 min".into(),
                Severity::Info
            ),
        ]
    );
    // m-3 joins and takes partition 2.
    let mut s = snap(20);
    group_mut(&mut s).members = Some(vec![
        member("m-1", "c-1", "/10.0.0.1", &[0, 1]),
        member("m-3", "c-3", "/10.0.0.3", &[2]),
    ]);
    let found = tl.observe(&s);
    assert_eq!(
        summary(&found),
        vec![
            (
                AssignmentChanged,
                "g".into(),
                "member c-1 (/10.0.0.1): t:0,1,2 → t:0,1".into(),
                Severity::Info
            ),
            (
                MemberJoined,
                "g".into(),
                "member c-3 (/10.0.0.3) joined".into(),
                Severity::Info
            ),
            (
                Rebalance,
                "g".into(),
                "rebalance, 2 members: 2 rebalances in 10 min".into(),
                Severity::Info
            ),
        ]
    );
    // Everyone leaves: Empty. The third rebalance in ten minutes is a warning.
    let mut s = snap(30);
    group_mut(&mut s).members = Some(vec![]);
    group_mut(&mut s).state = Some(GroupState::Empty);
    let found = tl.observe(&s);
    assert_eq!(
        found.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![GroupStateChanged, MemberLeft, MemberLeft, Rebalance]
    );
    assert_eq!(found[0].text, "state Stable → Empty");
    assert_eq!(found[0].severity, Severity::Warn);
    assert_eq!(
        found[3].text,
        "rebalance, 0 members: 3 rebalances in 10 min"
    );
    assert_eq!(found[3].severity, Severity::Warn);
    assert_eq!(tl.rebalances("g", T0 + 30_000), 3);
    // Ten minutes after the first, it has left the window.
    assert_eq!(tl.rebalances("g", T0 + 610_000), 2);
    let mut s = snap(611);
    group_mut(&mut s).members = Some(vec![member("m-4", "c-4", "/10.0.0.4", &[0, 1, 2])]);
    let found = tl.observe(&s);
    let last = found.last().unwrap();
    assert_eq!(last.kind, Rebalance);
    assert_eq!(last.text, "rebalance, 1 member: 3 rebalances in 10 min");
}

#[test]
fn a_rebalance_caught_in_progress_is_counted_once() {
    use TimelineKind::*;
    let mut tl = Timeline::default();
    tl.observe(&snap(0));
    let mut s = snap(1);
    group_mut(&mut s).state = Some(GroupState::PreparingRebalance);
    let found = tl.observe(&s);
    assert_eq!(
        found.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![GroupStateChanged, Rebalance]
    );
    assert_eq!(found[0].text, "state Stable → PreparingRebalance");
    let mut s = snap(2);
    group_mut(&mut s).state = Some(GroupState::CompletingRebalance);
    group_mut(&mut s).members = Some(vec![member("m-1", "c-1", "/10.0.0.1", &[])]);
    let found = tl.observe(&s);
    assert_eq!(
        found.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![GroupStateChanged, MemberLeft, AssignmentChanged]
    );
    let mut s = snap(3);
    group_mut(&mut s).members = Some(vec![member("m-1", "c-1", "/10.0.0.1", &[0, 1, 2])]);
    let found = tl.observe(&s);
    assert_eq!(
        found.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![GroupStateChanged, AssignmentChanged]
    );
    assert_eq!(tl.rebalances("g", T0 + 3000), 1);
}

#[test]
fn a_new_group_is_seen_forming() {
    let mut s = snap(1);
    let mut g = s.groups[0].clone();
    g.group_id = "h".into();
    g.members = Some(vec![member("m-9", "c-9", "/10.0.0.9", &[0, 1, 2])]);
    s.groups.push(g);
    let found = after(snap(0), s);
    assert_eq!(
        summary(&found),
        vec![
            (
                TimelineKind::MemberJoined,
                "h".into(),
                "member c-9 (/10.0.0.9) joined".into(),
                Severity::Info
            ),
            (
                TimelineKind::Rebalance,
                "h".into(),
                "rebalance, 1 member: 1 rebalance in 10 min".into(),
                Severity::Info
            ),
        ]
    );
}

#[test]
fn a_dead_group_is_an_absent_one() {
    let dead = |at| {
        let mut s = snap(at);
        let g = group_mut(&mut s);
        g.state = Some(GroupState::Dead);
        g.members = Some(vec![]);
        s
    };
    let mut tl = Timeline::default();
    tl.observe(&dead(0));
    assert_eq!(tl.observe(&dead(1)), vec![]);
    let found = tl.observe(&snap(2));
    assert_eq!(
        found.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![
            TimelineKind::MemberJoined,
            TimelineKind::MemberJoined,
            TimelineKind::Rebalance
        ]
    );
}

#[test]
fn what_a_refresh_could_not_read_is_no_change() {
    let mut tl = Timeline::default();
    tl.observe(&snap(0));
    // The group could not be described, the topic's metadata failed, the
    // watermarks were not read: nothing changed.
    let mut s = snap(1);
    let g = group_mut(&mut s);
    g.state = None;
    g.members = None;
    g.error = Some("COORDINATOR_NOT_AVAILABLE".into());
    s.topics[0].partitions.clear();
    s.topics[0].error = Some("LeaderNotAvailable".into());
    assert_eq!(tl.observe(&s), vec![]);
    let mut s = snap(2);
    for p in &mut s.topics[0].partitions {
        p.low = None;
    }
    assert_eq!(tl.observe(&s), vec![]);
    // Unreachable: nothing, and the next refresh compares with the last one read.
    let down = ClusterSnapshot {
        taken_at_ms: T0 + 3000,
        errors: vec!["cannot reach the cluster".into()],
        ..Default::default()
    };
    assert_eq!(tl.observe(&down), vec![]);
    let mut s = snap(4);
    group_mut(&mut s).members = Some(vec![member("m-1", "c-1", "/10.0.0.1", &[0, 1])]);
    assert_eq!(
        tl.observe(&s).iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![TimelineKind::MemberLeft, TimelineKind::Rebalance]
    );
}

#[test]
fn topics_created_deleted_and_grown_and_log_starts() {
    use TimelineKind::*;
    let mut s = snap(1);
    s.topics.push(topic("u", 2));
    s.topics[0].partitions.push(partition(3, &[1, 2, 3]));
    s.topics[0].partitions[0].low = Some(40);
    let mut tl = Timeline::default();
    tl.observe(&snap(0));
    let found = tl.observe(&s);
    assert_eq!(
        summary(&found),
        vec![
            (
                PartitionsAdded,
                "t".into(),
                "partitions 3 → 4".into(),
                Severity::Info
            ),
            (
                LogStartJump,
                "t[0]".into(),
                "log start 0 → 40: 40 records removed".into(),
                Severity::Info
            ),
            (
                TopicCreated,
                "u".into(),
                "topic created: 2 partitions, replication 3".into(),
                Severity::Info
            ),
        ]
    );
    let mut s = snap(2);
    s.topics.clear();
    assert_eq!(
        summary(&tl.observe(&s)),
        vec![
            (
                TopicDeleted,
                "t".into(),
                "topic deleted".into(),
                Severity::Warn
            ),
            (
                TopicDeleted,
                "u".into(),
                "topic deleted".into(),
                Severity::Warn
            ),
        ]
    );
}

#[test]
fn the_log_is_bounded_and_keeps_the_newest() {
    let mut tl = Timeline::new(3);
    tl.observe(&snap(0));
    for i in 1..=4 {
        let mut s = snap(i);
        group_mut(&mut s).coordinator = Some(1 + (i as i32 % 3));
        tl.observe(&s);
    }
    let texts: Vec<&str> = tl.events().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "coordinator broker 2 → 3",
            "coordinator broker 3 → 1",
            "coordinator broker 1 → 2"
        ]
    );
    assert_eq!(tl.to_vec().len(), 3);
}

#[test]
fn events_serialize_as_json() {
    let mut s = snap(1);
    s.brokers.retain(|b| b.id != 3);
    let found = after(snap(0), s);
    let json = serde_json::to_string(&found[0]).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"at_ms":{},"kind":"broker_down","severity":"crit","group":null,"topic":null,"partition":null,"broker":3,"text":"broker 3 (127.0.0.1:9093) down"}}"#,
            T0 + 1000
        )
    );
    assert_eq!(found[0].kind.as_str(), "broker_down");
}

#[test]
fn a_broker_down_at_scale_is_not_pushed_out_by_its_partitions_churn() {
    use TimelineKind::*;
    // 40 topics of 50 partitions: broker 2 leaves every ISR, its 680 leaderships
    // move to 3. Unfolded that is 4 681 events in one refresh.
    let big = |at_s: i64| {
        let mut s = snap(at_s);
        s.topics = (0..40).map(|i| topic(&format!("t{i:02}"), 50)).collect();
        s
    };
    let mut down = big(2);
    down.brokers.retain(|b| b.id != 2);
    for t in &mut down.topics {
        for p in &mut t.partitions {
            p.isr = vec![1, 3];
            if p.leader == 2 {
                p.leader = 3;
            }
        }
    }
    // A log smaller than one refresh's folded churn (3 events × 40 topics).
    let mut tl = Timeline::new(50);
    tl.observe(&big(0));
    let found = tl.observe(&down);
    assert_eq!(found.len(), 1 + 3 * 40);
    assert_eq!(found[0].kind, BrokerDown);
    let t00: Vec<_> = found.iter().filter(|e| e.subject() == "t00").collect();
    assert_eq!(
        t00.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
        [
            "ISR shrank on 50 partitions (t00[0]: ISR 1,2,3 → 1,3 (2 out), …)",
            "URP began on 50 partitions (t00[0]: under-replicated: 2 of 3 replicas in sync, …)",
            "leader changed on 17 partitions (t00[1]: leader 2 → 3, …)",
        ]
    );
    assert_eq!((t00[0].broker, t00[0].severity), (Some(2), Severity::Warn));
    assert_eq!(t00[2].broker, Some(3));
    // The log is full of churn, and the broker's own event is still in it.
    assert_eq!(tl.events().len(), 50);
    assert!(tl.events().any(|e| e.kind == BrokerDown));
    // Back: broker 2 up stays too, beside the newest churn.
    let found = tl.observe(&big(4));
    assert_eq!(found[0].kind, BrokerUp);
    let kinds: Vec<_> = tl.events().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&BrokerDown) && kinds.contains(&BrokerUp),
        "{kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&LeaderChanged));

    // Churn on a few partitions of one topic stays per partition.
    let mut few = big(6);
    for p in &mut few.topics[0].partitions[..fold::FOLD_ABOVE] {
        p.isr = vec![1, 2];
    }
    let found = tl.observe(&few);
    let shrank: Vec<_> = found.iter().filter(|e| e.kind == IsrShrank).collect();
    assert_eq!(shrank.len(), fold::FOLD_ABOVE);
    assert!(shrank.iter().all(|e| e.partition.is_some()));
}

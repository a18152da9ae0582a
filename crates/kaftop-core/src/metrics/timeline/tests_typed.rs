//! Share and Streams groups on hand-built snapshots: members named as the
//! group's type, and Streams tasks moving between members.

use super::*;
use crate::kafka::admin::types::{GroupState, GroupType, MemberDescription};
use crate::kafka::group_types::{StreamsDetail, StreamsMember, TaskId, Tasks, TypedDetail};
use crate::kafka::snapshot::GroupInfo;

const T0: i64 = 1_795_515_330_000;

fn snap(at_s: i64, groups: Vec<GroupInfo>) -> ClusterSnapshot {
    ClusterSnapshot {
        taken_at_ms: T0 + at_s * 1000,
        mono_ms: at_s as u64 * 1000,
        connected: true,
        groups,
        ..Default::default()
    }
}

fn group(id: &str, kind: GroupType, state: GroupState) -> GroupInfo {
    GroupInfo {
        group_id: id.into(),
        state: Some(state),
        group_type: Some(kind),
        protocol_type: None,
        members: Some(Vec::new()),
        offsets: Vec::new(),
        coordinator: Some(1),
        error: None,
        detail: None,
    }
}

fn share(members: &[(&str, &str)]) -> GroupInfo {
    let mut g = group("sg", GroupType::Share, GroupState::Stable);
    g.members = Some(
        members
            .iter()
            .map(|(id, client)| MemberDescription {
                member_id: (*id).into(),
                client_id: (*client).into(),
                host: "/10.0.0.1".into(),
                assignment: vec![("t".into(), 0)],
                target_assignment: None,
            })
            .collect(),
    );
    g
}

/// `"0_1"` → the task.
fn tasks(ids: &[&str]) -> Vec<TaskId> {
    ids.iter()
        .map(|s| {
            let (sub, p) = s.split_once('_').unwrap();
            TaskId {
                subtopology: sub.into(),
                partition: p.parse().unwrap(),
            }
        })
        .collect()
}

/// A Streams member: (member id, client id, active tasks owned, target).
type Spec<'a> = (&'a str, &'a str, &'a [&'a str], &'a [&'a str]);

fn streams(state: GroupState, members: &[Spec]) -> GroupInfo {
    let mut g = group("app", GroupType::Streams, state);
    let members: Vec<StreamsMember> = members
        .iter()
        .map(|(id, client, owned, target)| StreamsMember {
            member_id: (*id).into(),
            process_id: format!("p-{id}"),
            client_id: (*client).into(),
            host: "/10.0.0.1".into(),
            member_epoch: 1,
            tasks: Tasks {
                active: tasks(owned),
                ..Default::default()
            },
            target_tasks: Tasks {
                active: tasks(target),
                ..Default::default()
            },
        })
        .collect();
    g.members = Some(
        members
            .iter()
            .map(|m| MemberDescription {
                member_id: m.member_id.clone(),
                client_id: m.client_id.clone(),
                host: m.host.clone(),
                assignment: Vec::new(),
                target_assignment: Some(Vec::new()),
            })
            .collect(),
    );
    g.detail = Some(TypedDetail::Streams(StreamsDetail {
        topology_epoch: Some(0),
        subtopologies: Vec::new(),
        members,
    }));
    g
}

/// (kind, text) of the events about `group`.
fn of(events: &[TimelineEvent], group: &str) -> Vec<(TimelineKind, String)> {
    events
        .iter()
        .filter(|e| e.group.as_deref() == Some(group))
        .map(|e| (e.kind, e.text.clone()))
        .collect()
}

const ALL: &[&str] = &["0_0", "0_1", "1_0", "1_1"];

#[test]
fn share_group_members_joining_and_leaving_name_the_share_group() {
    use TimelineKind::*;
    let mut t = Timeline::default();
    t.observe(&snap(0, vec![share(&[("m-1", "c-1")])]));
    let found = t.observe(&snap(1, vec![share(&[("m-1", "c-1"), ("m-2", "c-2")])]));
    assert_eq!(
        of(&found, "sg")[0],
        (
            MemberJoined,
            "member c-2 (/10.0.0.1) joined the share group".into()
        )
    );
    let found = t.observe(&snap(2, vec![share(&[("m-2", "c-2")])]));
    assert_eq!(
        of(&found, "sg")[0],
        (
            MemberLeft,
            "member c-1 (/10.0.0.1) left the share group".into()
        )
    );
}

#[test]
fn tasks_moving_to_a_joined_member_are_one_event_when_the_group_settles() {
    use GroupState::*;
    use TimelineKind::*;
    let mut t = Timeline::default();
    t.observe(&snap(0, vec![streams(Stable, &[("m-a", "a", ALL, ALL)])]));
    // b joins: a is to give up 0_1 and 1_1; nothing moved yet.
    let joining = [
        ("m-a", "a", ALL, &["0_0", "1_0"][..]),
        ("m-b", "b", &[][..], &["0_1", "1_1"][..]),
    ];
    let found = t.observe(&snap(1, vec![streams(Reconciling, &joining)]));
    assert!(of(&found, "app").iter().all(|(k, _)| *k != TasksMoved));
    assert!(of(&found, "app").contains(&(
        MemberJoined,
        "member b (/10.0.0.1) joined the Streams group".into()
    )));
    // a revoked them; b does not own them yet.
    let revoked = [
        ("m-a", "a", &["0_0", "1_0"][..], &["0_0", "1_0"][..]),
        ("m-b", "b", &[][..], &["0_1", "1_1"][..]),
    ];
    let found = t.observe(&snap(2, vec![streams(Reconciling, &revoked)]));
    assert!(of(&found, "app").iter().all(|(k, _)| *k != TasksMoved));
    let settled = [
        ("m-a", "a", &["0_0", "1_0"][..], &["0_0", "1_0"][..]),
        ("m-b", "b", &["0_1", "1_1"][..], &["0_1", "1_1"][..]),
    ];
    let found = t.observe(&snap(3, vec![streams(Stable, &settled)]));
    let moved: Vec<_> = found.iter().filter(|e| e.kind == TasksMoved).collect();
    assert_eq!(moved.len(), 1, "{found:?}");
    assert_eq!(moved[0].severity, Severity::Info);
    assert_eq!(moved[0].subject(), "app");
    assert_eq!(
        moved[0].text,
        "2 tasks moved: 0_1, 1_1 from a (/10.0.0.1) to b (/10.0.0.1)"
    );
    // Settled and unchanged: nothing more.
    let found = t.observe(&snap(4, vec![streams(Stable, &settled)]));
    assert_eq!(of(&found, "app"), []);
}

#[test]
fn a_first_member_taking_every_task_and_an_unchanged_group_move_nothing() {
    use GroupState::*;
    use TimelineKind::*;
    let mut t = Timeline::default();
    t.observe(&snap(0, vec![]));
    let found = t.observe(&snap(1, vec![streams(Stable, &[("m-a", "a", ALL, ALL)])]));
    let kinds: Vec<_> = of(&found, "app").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, [MemberJoined, Rebalance]);
    for at in 2..5 {
        let found = t.observe(&snap(at, vec![streams(Stable, &[("m-a", "a", ALL, ALL)])]));
        assert_eq!(of(&found, "app"), []);
    }
}

#[test]
fn a_left_members_tasks_moving_to_others_are_listed_by_pair_and_bounded() {
    use GroupState::*;
    // 40 tasks: three members, one of them (c) leaves; its tasks go to a and b.
    let ids: Vec<String> = (0..40).map(|p| format!("0_{p}")).collect();
    let id = |r: std::ops::Range<usize>| ids[r].iter().map(String::as_str).collect::<Vec<_>>();
    let (a, b, c) = (id(0..10), id(10..20), id(20..40));
    let (a2, b2) = (id(0..30), [id(10..20), id(30..40)].concat());
    let mut t = Timeline::default();
    t.observe(&snap(
        0,
        vec![streams(
            Stable,
            &[
                ("m-a", "app-1", &a, &a),
                ("m-b", "app-1", &b, &b),
                ("m-c", "app-2", &c, &c),
            ],
        )],
    ));
    let found = t.observe(&snap(
        1,
        vec![streams(
            Stable,
            &[("m-a", "app-1", &a2, &a2), ("m-b", "app-1", &b2, &b2)],
        )],
    ));
    let moved: Vec<_> = found
        .iter()
        .filter(|e| e.kind == TimelineKind::TasksMoved)
        .collect();
    assert_eq!(moved.len(), 1, "{found:?}");
    // Members sharing a client id are told apart by their member ids; 16 tasks
    // listed, the other 4 counted.
    assert_eq!(
        moved[0].text,
        "20 tasks moved: 0_20, 0_21, 0_22, 0_23, 0_24, 0_25, 0_26, 0_27, 0_28, 0_29 \
         from app-2 (/10.0.0.1) to app-1 (/10.0.0.1) [m-a]; 0_30, 0_31, 0_32, 0_33, \
         0_34, 0_35, … from app-2 (/10.0.0.1) to app-1 (/10.0.0.1) [m-b]; 4 more"
    );
}

#[test]
fn tasks_moved_serializes_by_its_name() {
    let e = TimelineEvent {
        at_ms: T0,
        kind: TimelineKind::TasksMoved,
        severity: Severity::Info,
        group: Some("app".into()),
        topic: None,
        partition: None,
        broker: None,
        text: "1 task moved: 0_1 from a to b".into(),
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["kind"], "tasks_moved");
    assert_eq!(TimelineKind::TasksMoved.as_str(), "tasks_moved");
    assert_eq!(TimelineKind::TasksMoved.label(), "tasks moved");
}

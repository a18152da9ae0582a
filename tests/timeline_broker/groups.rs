//! Members joining and leaving a classic group, each change one rebalance.

use kaftop_core::metrics::{Severity, TimelineEvent, TimelineKind};

use crate::common::cluster::create_topic;
use crate::common::{bootstrap, kafka_tool, unique, wait_for};
use crate::member::{member_text, tool_host, wait_owned, wait_split, Member};
use crate::{Watch, DEADLINE};

use std::time::Duration;

/// (kind, text) of the events about `group`, in order.
fn of_group(events: &[TimelineEvent], group: &str) -> Vec<(TimelineKind, String)> {
    events
        .iter()
        .filter(|e| e.group.as_deref() == Some(group))
        .map(|e| (e.kind, e.text.clone()))
        .collect()
}

#[test]
fn members_joining_and_leaving_are_events_and_each_change_one_rebalance() {
    use TimelineKind::*;
    let b = bootstrap();
    let topic = unique("tl-members");
    let group = unique("tl-group");
    create_topic(&b, &topic, 2);
    let mut w = Watch::new(&b);
    assert_eq!(of_group(&w.refresh(), &group), []);

    let a = Member::join(&b, &group, &unique("tl-a"), &topic);
    wait_owned(&[&a], &[&[0, 1]]);
    let host = tool_host(&b, &group, &a.client_id);
    assert_eq!(
        of_group(&w.refresh(), &group),
        [
            (MemberJoined, member_text(&a, &host, "joined")),
            (
                Rebalance,
                "rebalance, 1 member: 1 rebalance in 10 min".into()
            ),
        ]
    );

    let c = Member::join(&b, &group, &unique("tl-b"), &topic);
    wait_split(&a, &c, 2);
    let found = of_group(&w.refresh(), &group);
    let a_moved = format!(
        "member {} ({host}): {topic}:0,1 → {}",
        a.client_id,
        a.cell(&topic)
    );
    // Member events come in member-id order, which Kafka draws at random.
    let mut changes: Vec<_> = found[..2].to_vec();
    changes.sort_by_key(|(k, t)| (k.as_str(), t.clone()));
    assert_eq!(
        changes,
        [
            (AssignmentChanged, a_moved),
            (MemberJoined, member_text(&c, &host, "joined")),
        ]
    );
    assert_eq!(
        found[2..],
        [(
            Rebalance,
            "rebalance, 2 members: 2 rebalances in 10 min".into()
        )]
    );

    let before = a.cell(&topic);
    let left = member_text(&c, &host, "left");
    c.leave();
    wait_owned(&[&a], &[&[0, 1]]);
    assert_eq!(
        of_group(&w.refresh(), &group),
        [
            (MemberLeft, left),
            (
                AssignmentChanged,
                format!("member {} ({host}): {before} → {topic}:0,1", a.client_id)
            ),
            (
                Rebalance,
                "rebalance, 1 member: 3 rebalances in 10 min".into()
            ),
        ]
    );

    // The last member leaves: the group is Empty (as the tool says).
    let left = member_text(&a, &host, "left");
    a.leave();
    wait_for("the group Empty", DEADLINE, || {
        let d = w
            .refresher
            .admin()
            .describe_groups(&[group.as_str()], Duration::from_secs(5))
            .ok()?;
        (d.first()?.state.as_str() == "Empty").then_some(())
    });
    let found: Vec<TimelineEvent> = w
        .refresh()
        .into_iter()
        .filter(|e| e.group.as_deref() == Some(group.as_str()))
        .collect();
    assert_eq!(
        found
            .iter()
            .map(|e| (e.kind, e.text.as_str(), e.severity))
            .collect::<Vec<_>>(),
        [
            (GroupStateChanged, "state Stable → Empty", Severity::Warn),
            (MemberLeft, left.as_str(), Severity::Info),
            (
                Rebalance,
                "rebalance, 0 members: 4 rebalances in 10 min",
                Severity::Warn
            ),
        ]
    );
    // The oracle: Kafka's own tool (run again only if the tool itself failed, as a
    // JVM on a loaded machine can time out).
    let state = wait_for(
        "kafka-consumer-groups to describe the group",
        Duration::from_secs(60),
        || {
            let tool = kafka_tool(
                "kafka-consumer-groups",
                &[
                    "--bootstrap-server",
                    &b,
                    "--describe",
                    "--group",
                    &group,
                    "--state",
                ],
            );
            tool.status
                .success()
                .then(|| String::from_utf8_lossy(&tool.stdout).into_owned())
        },
    );
    assert!(state.contains("Empty"), "{state}");
}

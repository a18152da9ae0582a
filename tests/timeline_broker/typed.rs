//! Share and Streams groups in the timeline: a share consumer joining is named as
//! a share group member, and a Kafka Streams application scaled from one instance
//! to two is one `tasks_moved` event naming the tasks the second instance took,
//! as `kafka-streams-groups --describe --members` shows them.

use kaftop_core::kafka::admin::types::GroupState;
use kaftop_core::kafka::group_types::TypedDetail;
use kaftop_core::metrics::{TimelineEvent, TimelineKind};

use crate::common::cluster::{create_topic, produce_counts};
use crate::common::peer::Peer;
use crate::common::{bootstrap, kafka_tool, unique, wait_for};
use crate::{Watch, DEADLINE};

fn of_group(events: &[TimelineEvent], group: &str) -> Vec<(TimelineKind, String)> {
    events
        .iter()
        .filter(|e| e.group.as_deref() == Some(group))
        .map(|e| (e.kind, e.text.clone()))
        .collect()
}

/// `kafka-streams-groups --describe --members`: the row of the member whose
/// client id starts with `client`: (client id, its active tasks as `0_1`).
fn tool_member(b: &str, app: &str, client: &str) -> (String, Vec<String>) {
    let out = kafka_tool(
        "kafka-streams-groups",
        &[
            "--bootstrap-server",
            b,
            "--describe",
            "--group",
            app,
            "--members",
        ],
    );
    crate::common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|r| r.first() == Some(&app) && r.iter().any(|c| c.starts_with(client)))
        .unwrap_or_else(|| panic!("no member {client} in {text}"));
    let client_id = row.iter().find(|c| c.starts_with(client)).unwrap();
    // ACTIVE: 0:[0,1]; 1:[1]; (then STANDBY:/WARMUP: or the end).
    let mut tasks = Vec::new();
    let at = row
        .iter()
        .position(|c| *c == "ACTIVE:")
        .unwrap_or(row.len());
    for cell in row.iter().skip(at + 1) {
        let Some((sub, parts)) = cell.strip_suffix("];").and_then(|c| c.split_once(":[")) else {
            break;
        };
        tasks.extend(parts.split(',').map(|p| format!("{sub}_{p}")));
    }
    tasks.sort();
    (client_id.to_string(), tasks)
}

#[test]
fn a_share_member_joining_and_streams_tasks_moving_to_a_second_instance() {
    use TimelineKind::*;
    let b = bootstrap();
    let app = unique("tl-streams");
    let share_group = unique("tl-share");
    let (in1, in2, out, shared) = (
        unique("tl-in1"),
        unique("tl-in2"),
        unique("tl-out"),
        unique("tl-sh"),
    );
    for t in [&in1, &in2, &out] {
        create_topic(&b, t, 2);
    }
    create_topic(&b, &shared, 1);
    produce_counts(&b, &shared, &[3]);
    let mut w = Watch::with_groups(&b, Some(vec![app.clone(), share_group.clone()]));
    assert_eq!(w.refresh(), []);

    let streams = |client: &str| {
        Peer::start(&[
            "streams",
            "--bootstrap",
            &b,
            "--app-id",
            &app,
            "--input",
            &in1,
            "--input2",
            &in2,
            "--output",
            &out,
            "--client-id",
            client,
        ])
    };
    // Both JVMs start at once.
    let first = streams("tl-first");
    let share = Peer::start(&[
        "share-consume",
        "--bootstrap",
        &b,
        "--topic",
        &shared,
        "--group",
        &share_group,
        "--client-id",
        "tl-share-peer",
        "--accept",
        "1",
    ]);
    first.wait_line("RUNNING");
    share.wait_line("\"done\"");

    // Until the first instance owns all four tasks, settled.
    let mut seen = Vec::new();
    wait_for("the first instance to own every task", DEADLINE, || {
        seen.extend(w.refresh());
        settled_on(&w, &app, 1).then_some(())
    });
    seen.extend(w.refresh());
    let joined: Vec<_> = of_group(&seen, &share_group)
        .into_iter()
        .filter(|(k, _)| *k == MemberJoined)
        .collect();
    assert_eq!(joined.len(), 1, "{seen:?}");
    assert!(
        joined[0].1.starts_with("member tl-share-peer (")
            && joined[0].1.ends_with(") joined the share group"),
        "{joined:?}"
    );
    // The first member took tasks nobody had: no move.
    let app_events = of_group(&seen, &app);
    assert!(app_events
        .iter()
        .any(|(k, t)| *k == MemberJoined && t.ends_with("joined the Streams group")));
    assert!(
        !app_events.iter().any(|(k, _)| *k == TasksMoved),
        "{app_events:?}"
    );

    let second = streams("tl-second");
    second.wait_line("RUNNING");
    let moved = wait_for("a tasks_moved event", DEADLINE, || {
        let found = w.refresh();
        let moved = of_group(&found, &app)
            .into_iter()
            .filter(|(k, _)| *k == TasksMoved)
            .collect::<Vec<_>>();
        assert!(moved.len() <= 1, "one event per rebalance: {found:?}");
        moved.into_iter().next().map(|(_, t)| t)
    });
    let (first_id, first_tasks) = tool_member(&b, &app, "tl-first");
    let (second_id, second_tasks) = tool_member(&b, &app, "tl-second");
    assert_eq!(first_tasks.len() + second_tasks.len(), 4);
    assert!(!second_tasks.is_empty());
    let expected = format!(
        "{} tasks moved: {} from {first_id} (",
        second_tasks.len(),
        second_tasks.join(", ")
    );
    assert!(moved.starts_with(&expected), "{moved} vs {expected}");
    assert!(moved.contains(&format!(" to {second_id} (")), "{moved}");
    drop((second, first, share));
}

/// The last refresh found `app` Stable with `members` members that own the four
/// tasks between them, each what its target says.
fn settled_on(w: &Watch, app: &str, members: usize) -> bool {
    let Some(g) = w
        .last
        .as_ref()
        .and_then(|s| s.groups.iter().find(|g| g.group_id == app))
    else {
        return false;
    };
    let Some(TypedDetail::Streams(d)) = &g.detail else {
        return false;
    };
    g.state == Some(GroupState::Stable)
        && d.members.len() == members
        && d.members
            .iter()
            .map(|m| m.tasks.active.len())
            .sum::<usize>()
            == 4
        && d.members
            .iter()
            .all(|m| m.tasks.active == m.target_tasks.active)
}

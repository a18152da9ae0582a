//! A node of the 3-node cluster stopped and started again.

use std::time::Duration;

use kaftop_core::kafka::snapshot::ClusterSnapshot;
use kaftop_core::metrics::{TimelineEvent, TimelineKind};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::metadata::Metadata;
use rdkafka::ClientConfig;

use crate::command::EventsProcess;
use crate::common::cluster::create_topic_with;
use crate::common::kaftop_process;
use crate::common::{kafka_tool, unique, wait_for, Cluster};
use crate::member::{member_text, tool_host, wait_owned, Member};
use crate::{Watch, DEADLINE};

/// Node `n` is stopped while this lives; dropping it starts the node again.
struct NodeDown<'a> {
    cluster: &'a Cluster,
    node: u32,
}

impl Drop for NodeDown<'_> {
    fn drop(&mut self) {
        if self.cluster.stopped_nodes().contains(&self.node) {
            self.cluster.start_node(self.node);
        }
    }
}

/// Per partition: (leader, replicas, ISR) of `topic`, and the live brokers, as an
/// independent client's metadata says.
type Layout = (Vec<(i32, Vec<i32>, Vec<i32>)>, Vec<i32>);

fn layout(client: &BaseConsumer, topic: &str) -> Option<Layout> {
    let md: Metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .ok()?;
    let t = md.topics().iter().find(|t| t.name() == topic)?;
    let mut parts: Vec<_> = t.partitions().iter().collect();
    parts.sort_by_key(|p| p.id());
    let rows = parts
        .iter()
        .map(|p| (p.leader(), p.replicas().to_vec(), p.isr().to_vec()))
        .collect();
    let mut brokers: Vec<i32> = md.brokers().iter().map(|b| b.id()).collect();
    brokers.sort_unstable();
    Some((rows, brokers))
}

fn ids(list: &[i32]) -> String {
    list.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The events of `topic` one layout change makes, in kaftop's order per partition.
fn expected(topic: &str, from: &Layout, to: &Layout) -> Vec<(TimelineKind, String, String)> {
    use TimelineKind::*;
    let mut out = Vec::new();
    for (p, ((l0, r, i0), (l1, _, i1))) in from.0.iter().zip(&to.0).enumerate() {
        let at = format!("{topic}[{p}]");
        if l0 != l1 {
            out.push((LeaderChanged, at.clone(), format!("leader {l0} → {l1}")));
        }
        let change = format!("ISR {} → {}", ids(i0), ids(i1));
        let out_of: Vec<i32> = i0.iter().filter(|x| !i1.contains(x)).copied().collect();
        let back: Vec<i32> = i1.iter().filter(|x| !i0.contains(x)).copied().collect();
        if !out_of.is_empty() {
            out.push((
                IsrShrank,
                at.clone(),
                format!("{change} ({} out)", ids(&out_of)),
            ));
        }
        if !back.is_empty() {
            let text = format!("{change} ({} back in sync)", ids(&back));
            out.push((IsrExpanded, at.clone(), text));
        }
        let in_sync = format!("{} of {} replicas in sync", i1.len(), r.len());
        match (i0.len() < r.len(), i1.len() < r.len()) {
            (false, true) => out.push((UrpBegan, at, format!("under-replicated: {in_sync}"))),
            (true, false) => out.push((UrpEnded, at, format!("fully replicated again: {in_sync}"))),
            _ => {}
        }
    }
    out
}

/// (kind, subject, text) of the events about `topic`.
fn of_topic(events: &[TimelineEvent], topic: &str) -> Vec<(TimelineKind, String, String)> {
    events
        .iter()
        .filter(|e| e.topic.as_deref() == Some(topic))
        .map(|e| (e.kind, e.subject(), e.text.clone()))
        .collect()
}

fn of_broker(events: &[TimelineEvent], kind: TimelineKind) -> Vec<(i32, String)> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| (e.broker.unwrap(), e.text.clone()))
        .collect()
}

/// The layout of `topic` as a snapshot shows it.
fn snapshot_layout(snap: &ClusterSnapshot, topic: &str) -> Option<Layout> {
    let t = snap.topic(topic)?;
    let rows = t
        .partitions
        .iter()
        .map(|p| (p.leader, p.replicas.clone(), p.isr.clone()))
        .collect();
    Some((rows, snap.brokers.iter().map(|b| b.id).collect()))
}

/// Refreshes until a refresh saw what the independent client sees, before and
/// after it (brokers answer metadata from their own copy, which may lag by a
/// moment), and `ready` holds for it: the events of those refreshes, and that
/// layout.
fn refresh_settled(
    w: &mut Watch,
    client: &BaseConsumer,
    topic: &str,
    ready: impl Fn(&ClusterSnapshot) -> bool,
) -> (Vec<TimelineEvent>, Layout) {
    let mut events = Vec::new();
    let settled = wait_for("a refresh that sees the settled layout", DEADLINE, || {
        let before = layout(client, topic)?;
        events.extend(w.refresh());
        let snap = w.last.as_ref()?;
        let seen = snapshot_layout(snap, topic)?;
        (seen == before && ready(snap) && layout(client, topic)? == before).then_some(before)
    });
    (events, settled)
}

/// The coordinator's id in `kafka-consumer-groups --describe --state`
/// (`COORDINATOR (ID)`: `host:port (3)`).
fn tool_coordinator(b: &str, group: &str) -> i32 {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            b,
            "--describe",
            "--group",
            group,
            "--state",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.split_whitespace().next() == Some(group))
        .find_map(|l| {
            let open = l.find('(')?;
            let close = open + l[open..].find(')')?;
            l[open + 1..close].parse().ok()
        })
        .unwrap_or_else(|| panic!("no coordinator for {group} in:\n{text}"))
}

/// Stops node `victim` (started again when the guard drops) and waits until the
/// metadata no longer has it as a broker, leader or ISR member of `topic`.
fn stop<'a>(c: &'a Cluster, client: &BaseConsumer, topic: &str, victim: i32) -> NodeDown<'a> {
    let guard = NodeDown {
        cluster: c,
        node: victim as u32,
    };
    c.stop_node(victim as u32);
    wait_for(
        "the node out of the metadata and of every ISR",
        DEADLINE,
        || {
            let (parts, brokers) = layout(client, topic)?;
            let gone = !brokers.contains(&victim)
                && parts
                    .iter()
                    .all(|(l, _, isr)| *l != victim && !isr.contains(&victim));
            gone.then_some(())
        },
    );
    guard
}

fn metadata_client(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap()
}

#[test]
fn a_node_stopped_and_started_is_seen_in_the_timeline() {
    const VICTIM: i32 = 2;
    let _lock = Cluster::exclusive();
    let c = crate::common::cluster();
    let topic = unique("tl-nodes");
    create_topic_with(&c.bootstrap, &topic, 6, 3, &[]);
    let client = metadata_client(&c.bootstrap);
    let victim_addr = c.node(VICTIM as u32);
    // No group: a group coordinated by the stopped node would abort the process
    // (see the test below).
    let mut w = Watch::with_groups(&c.bootstrap, Some(Vec::new()));
    let (_, healthy) = refresh_settled(&mut w, &client, &topic, |_| true);
    assert_eq!(healthy.1, [1, 2, 3]);
    // A new topic's leaders are spread over the nodes.
    let led_by_victim = healthy.0.iter().filter(|p| p.0 == VICTIM).count();
    assert!(led_by_victim > 0, "node {VICTIM} leads none of {healthy:?}");

    let guard = stop(&c, &client, &topic, VICTIM);
    let (events, down) = refresh_settled(&mut w, &client, &topic, |_| true);
    assert_eq!(
        of_broker(&events, TimelineKind::BrokerDown),
        [(VICTIM, format!("broker {VICTIM} ({victim_addr}) down"))]
    );
    let want = expected(&topic, &healthy, &down);
    let count = |kind| want.iter().filter(|e| e.0 == kind).count();
    assert_eq!(count(TimelineKind::LeaderChanged), led_by_victim);
    assert_eq!(count(TimelineKind::IsrShrank), 6);
    assert_eq!(count(TimelineKind::UrpBegan), 6);
    assert_eq!(of_topic(&events, &topic), want);

    c.start_node(VICTIM as u32);
    drop(guard);
    wait_for("the node back in every ISR", DEADLINE, || {
        let (parts, brokers) = layout(&client, &topic)?;
        let back =
            brokers.contains(&VICTIM) && parts.iter().all(|(_, r, isr)| isr.len() == r.len());
        back.then_some(())
    });
    let (events, up) = refresh_settled(&mut w, &client, &topic, |_| true);
    assert_eq!(
        of_broker(&events, TimelineKind::BrokerUp),
        [(VICTIM, format!("broker {VICTIM} ({victim_addr}) up"))]
    );
    let want = expected(&topic, &down, &up);
    let count = |kind| want.iter().filter(|e| e.0 == kind).count();
    assert_eq!(count(TimelineKind::IsrExpanded), 6);
    assert_eq!(count(TimelineKind::UrpEnded), 6);
    assert_eq!(of_topic(&events, &topic), want);
}

/// The node that coordinates a group stops: `kaftop events` reports the group's
/// coordinator moving to the node `kafka-consumer-groups` names, and keeps
/// describing the group after the node is back (a member joining then is seen).
///
/// Guards kaftop's workaround for a librdkafka 2.12 defect:
/// librdkafka's coordinator lookup keeps the stopped node cached, so a
/// long-running handle stopped getting the group described, then aborted
/// (`rd_kafka_admin_coord_response_parse` → `rd_kafka_enq_once_del_source_return`)
/// on a later refresh, the node's return or its own destruction. kaftop now asks
/// a known group's coordinator directly (`kafka::admin::coordinators`).
#[test]
fn a_stopped_coordinator_is_a_coordinator_moved_event() {
    let _lock = Cluster::exclusive();
    let c = crate::common::cluster();
    let topic = unique("tl-coord");
    create_topic_with(&c.bootstrap, &topic, 2, 3, &[]);
    let client = metadata_client(&c.bootstrap);
    let group = unique("tl-coord-group");
    let member = Member::join(&c.bootstrap, &group, &unique("tl-coord-m"), &topic);
    wait_owned(&[&member], &[&[0, 1]]);
    let victim = tool_coordinator(&c.bootstrap, &group);
    let mut cmd = kaftop_process();
    cmd.args(["-b", &c.bootstrap, "events", "--json", "--follow"])
        .args(["--interval", "500ms", "--group", &group]);
    let mut events = EventsProcess::spawn(&mut cmd);
    let first = events
        .stderr
        .recv_timeout(DEADLINE)
        .expect("a line on stderr");
    assert!(first.starts_with("kaftop: watching "), "{first}");
    let next_event = |events: &EventsProcess, kind: &str, text: Option<&str>| {
        wait_for(&format!("a {kind} event"), DEADLINE, || {
            let line = events
                .stdout
                .recv_timeout(Duration::from_millis(100))
                .ok()?;
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            (v["kind"] == kind && text.is_none_or(|t| v["text"] == t)).then_some(v)
        })
    };

    let guard = stop(&c, &client, &topic, victim);
    let moved = next_event(&events, "coordinator_moved", None);
    let now = tool_coordinator(&c.bootstrap, &group);
    assert_ne!(now, victim);
    assert_eq!(moved["group"], group.as_str());
    assert_eq!(moved["broker"], now);
    assert_eq!(moved["severity"], "warn");
    assert_eq!(
        moved["text"],
        format!("coordinator broker {victim} → {now}")
    );

    // The node comes back; the same process still describes the group.
    drop(guard);
    wait_for("the node back in the metadata", DEADLINE, || {
        layout(&client, &topic)?.1.contains(&victim).then_some(())
    });
    let second = Member::join(&c.bootstrap, &group, &unique("tl-coord-m2"), &topic);
    wait_for("a partition owned by each member", DEADLINE, || {
        (member.owned().len() == 1 && second.owned().len() == 1).then_some(())
    });
    let host = tool_host(&c.bootstrap, &group, &second.client_id);
    let joined = member_text(&second, &host, "joined");
    next_event(&events, "member_joined", Some(&joined));
    assert!(events.is_running(), "kaftop events exited");
    drop(events);
    second.leave();
    member.leave();
}

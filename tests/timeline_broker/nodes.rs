//! A node of the 3-node cluster stopped and started again.

use std::time::Duration;

use kaftop::kafka::snapshot::ClusterSnapshot;
use kaftop::metrics::{TimelineEvent, TimelineKind};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::metadata::Metadata;
use rdkafka::ClientConfig;

use crate::common::cluster::create_topic_with;
use crate::common::{unique, wait_for, Cluster};
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
/// moment): the events of those refreshes, and that layout.
fn refresh_settled(
    w: &mut Watch,
    client: &BaseConsumer,
    topic: &str,
) -> (Vec<TimelineEvent>, Layout) {
    let mut events = Vec::new();
    let settled = wait_for("a refresh that sees the settled layout", DEADLINE, || {
        let before = layout(client, topic)?;
        events.extend(w.refresh());
        let seen = snapshot_layout(w.last.as_ref()?, topic)?;
        (seen == before && layout(client, topic)? == before).then_some(before)
    });
    (events, settled)
}

#[test]
fn a_node_stopped_and_started_is_seen_in_the_timeline() {
    const VICTIM: i32 = 2;
    let _lock = Cluster::exclusive();
    let c = crate::common::cluster();
    let topic = unique("tl-nodes");
    create_topic_with(&c.bootstrap, &topic, 6, 3, &[]);
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &c.bootstrap)
        .create()
        .unwrap();
    let victim_addr = c.node(VICTIM as u32);
    let mut w = Watch::new(&c.bootstrap);
    let (_, healthy) = refresh_settled(&mut w, &client, &topic);
    assert_eq!(healthy.1, [1, 2, 3]);
    let led_by_victim = healthy.0.iter().filter(|p| p.0 == VICTIM).count();
    assert!(led_by_victim > 0, "node {VICTIM} leads none of {healthy:?}");

    let guard = NodeDown {
        cluster: &c,
        node: VICTIM as u32,
    };
    c.stop_node(VICTIM as u32);
    wait_for(
        "the node out of the metadata and of every ISR",
        DEADLINE,
        || {
            let (parts, brokers) = layout(&client, &topic)?;
            let gone = !brokers.contains(&VICTIM)
                && parts
                    .iter()
                    .all(|(l, _, isr)| *l != VICTIM && !isr.contains(&VICTIM));
            gone.then_some(())
        },
    );
    let (events, down) = refresh_settled(&mut w, &client, &topic);
    assert_eq!(
        of_broker(&events, TimelineKind::BrokerDown),
        [(VICTIM, format!("broker {VICTIM} ({victim_addr}) down"))]
    );
    let want = expected(&topic, &healthy, &down);
    assert_eq!(
        want.iter()
            .filter(|e| e.0 == TimelineKind::LeaderChanged)
            .count(),
        led_by_victim
    );
    assert_eq!(
        want.iter()
            .filter(|e| e.0 == TimelineKind::UrpBegan)
            .count(),
        6
    );
    assert_eq!(of_topic(&events, &topic), want);

    c.start_node(VICTIM as u32);
    drop(guard);
    wait_for("the node back in every ISR", DEADLINE, || {
        let (parts, brokers) = layout(&client, &topic)?;
        let back =
            brokers.contains(&VICTIM) && parts.iter().all(|(_, r, isr)| isr.len() == r.len());
        back.then_some(())
    });
    let (events, up) = refresh_settled(&mut w, &client, &topic);
    assert_eq!(
        of_broker(&events, TimelineKind::BrokerUp),
        [(VICTIM, format!("broker {VICTIM} ({victim_addr}) up"))]
    );
    let want = expected(&topic, &down, &up);
    assert_eq!(
        want.iter()
            .filter(|e| e.0 == TimelineKind::UrpEnded)
            .count(),
        6
    );
    assert_eq!(
        want.iter()
            .filter(|e| e.0 == TimelineKind::IsrExpanded)
            .count(),
        6
    );
    assert_eq!(of_topic(&events, &topic), want);
}

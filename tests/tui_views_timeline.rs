//! The Timeline view at 120×32: the fixture cluster of `tui_support` folded
//! through the real metrics engine, then broker 3 stopped (leaders, ISR,
//! under-replication) and a member of `notification-service-group` leaving (its
//! partitions move to the other member, one rebalance).

#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use kaftop::tui::event::Event;
use kaftop::tui::views::ViewId;
use kaftop::tui::App;
use kaftop_core::kafka::snapshot::ClusterSnapshot;
use kaftop_core::metrics::ClusterMetrics;
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

/// Broker 3 is gone: out of every ISR, and no longer a leader.
fn without_broker_3(mut s: ClusterSnapshot) -> ClusterSnapshot {
    s.brokers.retain(|b| b.id != 3);
    for p in s.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
        p.isr.retain(|&b| b != 3);
        if p.leader == 3 {
            p.leader = p.isr[0];
        }
    }
    s
}

fn timeline_cluster() -> ClusterMetrics {
    let mut e = engine();
    for i in 0..STEPS {
        e.ingest(&snapshot(i));
    }
    e.ingest(&without_broker_3(snapshot(STEPS)));
    let mut s = without_broker_3(snapshot(STEPS + 1));
    let g = &mut s.groups[0];
    assert_eq!(g.group_id, "notification-service-group");
    let members = g.members.as_mut().unwrap();
    members.truncate(1);
    members[0].assignment = (0..6).map(|p| ("message.created".to_string(), p)).collect();
    e.ingest(&s)
}

fn timeline_app() -> App {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(timeline_cluster())));
    a.update(Event::Tick {
        now_ms: T0_MS + ((STEPS + 1) * STEP_MS) as i64,
    });
    a.update(key(KeyCode::Char('6')));
    assert_eq!(a.view(), ViewId::Timeline);
    a
}

#[test]
fn timeline_view() {
    insta::assert_snapshot!(render_app(&timeline_app(), W, H));
}

#[test]
fn timeline_filtered_by_a_group_and_by_warnings() {
    let mut a = timeline_app();
    press(&mut a, &[KeyCode::Char('/')]);
    type_str(&mut a, "notification");
    press(&mut a, &[KeyCode::Enter]);
    insta::assert_snapshot!(render_app(&a, W, H));
    // Warnings only: a first rebalance is no warning, so none of the group's is left.
    press(&mut a, &[KeyCode::Char('s')]);
    let screen = render_app(&a, W, H);
    assert!(
        screen.contains("Timeline (0 events, warnings only)"),
        "{screen}"
    );
    // Enter on the group's event opens the group.
    press(&mut a, &[KeyCode::Char('s')]);
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.view(), ViewId::GroupDetail);
    assert_eq!(a.views().group_name(), Some("notification-service-group"));
}

#[test]
fn timeline_filtered_by_a_topic_from_the_command_line() {
    let mut a = timeline_app();
    command(&mut a, "timeline orders");
    let screen = render_app(&a, W, H);
    // 12 partitions of orders: each lost broker 3 from its ISR and is under-replicated
    // (more than 10 alike in one refresh: one event each, folded); the four broker 3
    // led changed leader; the group orders-audit rewound.
    assert!(screen.contains("Timeline (7 events)"), "{screen}");
    assert!(screen.contains("ISR shrank on 12 partitions"), "{screen}");
    press(&mut a, &[KeyCode::Char('s')]);
    let screen = render_app(&a, W, H);
    assert!(
        screen.contains("Timeline (7 events, warnings only)"),
        "{screen}"
    );
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.view(), ViewId::TopicDetail);
    assert_eq!(a.views().topic_name(), Some("orders"));
}

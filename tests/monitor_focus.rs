//! What is on screen, read first, against the real test broker: with a focus
//! on one group of several, the focused read arrives before the next full
//! refresh with the lag `kafka-consumer-groups --describe` prints, in a few
//! requests that do not grow with the (unfocused) groups, and without adding
//! to the full refresh's requests.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{bootstrap, kafka_tool, unique};
use kaftop_core::config::{self, Overrides};
use kaftop_core::monitor::{Focus, Monitor, MonitorOptions};

fn monitor(b: &str) -> Monitor {
    monitor_with(b, |_| {})
}

/// [`monitor`], with `set` changing its options.
fn monitor_with(b: &str, set: impl FnOnce(&mut MonitorOptions)) -> Monitor {
    let cfg = config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(b.to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut opts = MonitorOptions::from_config(&cfg, Vec::new());
    // Long enough that only a refresh asked for runs; the focus read always.
    opts.interval = Duration::from_secs(3600);
    opts.focus_first_after = Duration::ZERO;
    set(&mut opts);
    Monitor::new(&cfg, opts).unwrap()
}

/// The group's total lag as `kafka-consumer-groups --describe` prints it.
fn tool_lag(b: &str, group: &str) -> u64 {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &["--bootstrap-server", b, "--describe", "--group", group],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    text.lines()
        .filter(|l| l.split_whitespace().next() == Some(group))
        .map(|l| l.split_whitespace().nth(5).unwrap().parse::<u64>().unwrap())
        .sum()
}

fn focus_on(group: &str) -> Focus {
    Focus {
        groups: [group.to_string()].into(),
        ..Focus::default()
    }
}

enum Msg {
    /// A full refresh: its number, and whether it read the record at each
    /// committed offset of the focused group (exact time lag).
    Full(u64, Vec<bool>),
    Focus(kaftop_core::monitor::FocusRefresh),
}

fn exact(g: &kaftop_core::metrics::GroupMetrics) -> Vec<bool> {
    g.rows
        .iter()
        .map(|r| r.time_lag.as_ref().is_some_and(|t| t.exact))
        .collect()
}

#[test]
fn the_focused_group_is_read_first_with_the_tools_lag() {
    let b = bootstrap();
    let topic = unique("focus");
    create_topic(&b, &topic, 3);
    produce_counts(&b, &topic, &[10, 10, 10]);
    let focused = unique("focus-on");
    commit_offsets(
        &b,
        &focused,
        &[(&topic, 0, 5), (&topic, 1, 5), (&topic, 2, 5)],
    );
    for i in 0..3 {
        commit_offsets(&b, &unique(&format!("focus-other{i}")), &[(&topic, 0, 1)]);
    }

    let mut m = monitor(&b);
    m.set_focus(focus_on(&focused));
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let group = focused.clone();
    let handle = m.spawn_focused(
        move |r| {
            let g = r.metrics.groups.iter().find(|g| g.group_id == group);
            tx.send(Msg::Full(r.seq, g.map(exact).unwrap_or_default()))
                .is_ok()
        },
        move |f| tx2.send(Msg::Focus(f)).is_ok(),
    );
    let next = || rx.recv_timeout(Duration::from_secs(60)).unwrap();
    // The first tick has no full refresh before it to say where the group is.
    // A refresh reads records at committed offsets within a time budget: ask
    // again until all three were read (each refresh reads more).
    let mut seq = 0;
    for _ in 0..20 {
        match next() {
            Msg::Full(n, read) if read == [true; 3] => {
                seq = n;
                break;
            }
            Msg::Full(..) => handle.refresh_now(),
            Msg::Focus(_) => {}
        }
    }
    assert!(seq > 0, "the records at the committed offsets were read");

    produce_counts(&b, &topic, &[4, 0, 3]);
    let want = tool_lag(&b, &focused);
    assert_eq!(want, 15 + 7);
    handle.refresh_now();
    let Msg::Focus(f) = next() else {
        panic!("the focused read comes before the full refresh");
    };
    assert!(matches!(next(), Msg::Full(n, _) if n == seq + 1));
    handle.stop();

    let groups: Vec<_> = f.metrics.groups.iter().map(|g| &g.group_id).collect();
    assert_eq!(groups, [&focused]);
    assert_eq!(f.metrics.groups[0].total_lag, want);
    // The records the full refresh read at the unmoved committed offsets are
    // passed on: the time lag stays exact, not estimated.
    assert_eq!(exact(&f.metrics.groups[0]), [true; 3]);
    let topics: Vec<_> = f.metrics.topics.iter().map(|t| &t.name).collect();
    assert_eq!(topics, [&topic]);
    let highs: Vec<_> = f.metrics.topics[0]
        .partitions
        .iter()
        .map(|p| p.high)
        .collect();
    assert_eq!(highs, [Some(14), Some(10), Some(13)]);
}

#[test]
fn the_focused_read_takes_a_few_requests_whatever_the_groups() {
    let b = bootstrap();
    let topic = unique("focus-count");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[5, 5]);
    let focused = unique("focus-count-on");
    commit_offsets(&b, &focused, &[(&topic, 0, 1), (&topic, 1, 2)]);

    let mut m = monitor(&b);
    m.set_focus(focus_on(&focused));
    m.once();
    let warm = m.once().snapshot.requests;
    let f = m.focus_first().expect("a focused read");
    // One node: DescribeGroups, OffsetFetch, ListOffsets earliest and latest.
    assert_eq!(f.requests, 4);
    assert_eq!(f.metrics.groups[0].total_lag, tool_lag(&b, &focused));
    // The full refresh after it counts its own requests only.
    let after = m.once();
    assert_eq!(after.snapshot.requests, warm);

    let other = unique("focus-count-topic");
    create_topic(&b, &other, 4);
    for i in 0..6 {
        let g = unique(&format!("focus-count-other{i}"));
        commit_offsets(&b, &g, &[(&other, i % 4, 0), (&topic, 0, 0)]);
    }
    m.once();
    let f = m.focus_first().expect("a focused read");
    assert_eq!(f.requests, 4);
    assert_eq!(f.metrics.groups.len(), 1);
}

#[test]
fn a_dashboards_monitor_keeps_the_rows_of_its_focus_only() {
    let b = bootstrap();
    let (shown, other) = (unique("held-shown"), unique("held-other"));
    for t in [&shown, &other] {
        create_topic(&b, t, 3);
        produce_counts(&b, t, &[10, 10, 10]);
    }
    let (focused, quiet) = (unique("held-focused"), unique("held-quiet"));
    // 5 behind on each partition, under the threshold (1 000): neither alerts,
    // so only the focus decides.
    let behind: Vec<(&str, i32, i64)> = (0..3).map(|p| (shown.as_str(), p, 5)).collect();
    commit_offsets(&b, &focused, &behind);
    commit_offsets(&b, &quiet, &behind);

    let mut all = monitor(&b);
    // Above no rows at all: every refresh keeps only the focus.
    let mut held = monitor_with(&b, |o| o.shown_rows_only_above = Some(0));
    held.set_focus(Focus {
        groups: [focused.clone()].into(),
        topics: [shown.clone()].into(),
        draws_rows: true,
    });
    let m = held.once().metrics;
    let rows = |id: &str| {
        m.groups
            .iter()
            .find(|g| g.group_id == id)
            .map(|g| g.rows.len())
    };
    let parts = |name: &str| {
        let t = m.topics.iter().find(|t| t.name == name).unwrap();
        (t.partitions.len(), t.partition_count)
    };
    assert_eq!(rows(&focused), Some(3));
    assert_eq!(rows(&quiet), Some(0));
    assert_eq!(parts(&shown), (3, 3));
    assert_eq!(parts(&other), (0, 3));
    assert!(m.not_held.groups.contains(&quiet) && !m.not_held.groups.contains(&focused));
    assert!(m.not_held.topics.contains(&other) && !m.not_held.topics.contains(&shown));
    // The quiet group's lag is still summed from its rows before they went.
    let g = m.groups.iter().find(|g| g.group_id == quiet).unwrap();
    assert_eq!((g.total_lag, g.alerting), (15, false));

    // A list's focus (the same groups and topics, their totals drawn only):
    // neither the focused read nor the refresh keeps their rows.
    held.set_focus(Focus {
        groups: [focused.clone()].into(),
        topics: [shown.clone()].into(),
        draws_rows: false,
    });
    let read = held.focus_first().expect("a focused read").metrics;
    let g = read.groups.iter().find(|g| g.group_id == focused).unwrap();
    assert_eq!((g.rows.len(), g.total_lag), (0, 15));
    let t = read.topics.iter().find(|t| t.name == shown).unwrap();
    assert_eq!((t.partitions.len(), t.partition_count), (0, 3));
    let m = held.once().metrics;
    let g = m.groups.iter().find(|g| g.group_id == focused).unwrap();
    assert_eq!((g.rows.len(), g.total_lag), (0, 15));
    assert!(m.not_held.groups.contains(&focused) && m.not_held.topics.contains(&shown));

    // A monitor without the setting keeps every row.
    let m = all.once().metrics;
    let g = m.groups.iter().find(|g| g.group_id == quiet).unwrap();
    assert_eq!(g.rows.len(), 3);
    assert!(m.not_held.groups.is_empty() && m.not_held.topics.is_empty());
}

//! What is on screen: told to the monitor when it changes, and the focused
//! read patched into the metrics held.

use crossterm::event::KeyCode;
use kaftop::tui::command::{Command, Replaced};
use kaftop::tui::event::Event;
use kaftop_core::metrics::{ClusterMetrics, FocusMetrics, GroupMetrics};
use kaftop_core::monitor::Focus;

use crate::tui_support::*;

fn tick(a: &mut kaftop::tui::App) -> Vec<Command> {
    a.update(Event::Tick {
        now_ms: T0_MS + 60_000,
    })
}

fn focus_of(cmds: &[Command]) -> Option<Focus> {
    cmds.iter().find_map(|c| match c {
        Command::Focus(f) => Some(f.clone()),
        _ => None,
    })
}

#[test]
fn the_shown_rows_and_the_open_group_are_the_focus() {
    let mut a = app();
    press(&mut a, &[KeyCode::Char('2')]);
    // Nothing drawn yet: nothing on screen to read first.
    assert!(focus_of(&tick(&mut a)).is_none());
    // A screen 9 lines high shows a few of the groups, from the first.
    render_app(&a, 160, 9);
    let f = focus_of(&tick(&mut a)).expect("the rows on screen");
    let shown: Vec<_> = a
        .cluster()
        .unwrap()
        .groups
        .iter()
        .map(|g| &g.group_id)
        .collect();
    assert!(
        !f.groups.is_empty() && f.groups.len() < shown.len(),
        "{f:?}"
    );
    assert!(f.groups.iter().all(|g| shown.contains(&g)), "{f:?}");
    assert!(f.topics.is_empty());
    // Told once: a tick with the same rows on screen says nothing.
    render_app(&a, 160, 9);
    assert!(focus_of(&tick(&mut a)).is_none());

    // A list draws the groups' totals, not their partition rows.
    assert!(!f.draws_rows);

    command(&mut a, "group archive-service-group");
    let f = focus_of(&tick(&mut a)).expect("the open group");
    assert_eq!(f.groups, ["archive-service-group".to_string()].into());
    assert!(f.draws_rows);

    command(&mut a, "topic orders");
    let f = focus_of(&tick(&mut a)).expect("the open topic");
    assert_eq!(f.topics, ["orders".to_string()].into());
    assert!(f.groups.is_empty());
    assert!(f.draws_rows);
}

#[test]
fn a_focused_read_replaces_only_its_groups_and_topics() {
    let mut a = app();
    let before = a.cluster().unwrap().clone();
    let mut g = before
        .groups
        .iter()
        .find(|g| g.group_id == "archive-service-group")
        .unwrap()
        .clone();
    g.total_lag += 1000;
    g.rows[0].lag = Some(g.rows[0].lag.unwrap_or(0) + 1000);
    let mut newcomer = g.clone();
    newcomer.group_id = "not-held-yet".into();
    let mut t = before
        .topics
        .iter()
        .find(|t| t.name == "orders")
        .unwrap()
        .clone();
    t.messages += 7;
    a.take_dirty();
    a.update(Event::Focus(Box::new(FocusMetrics {
        taken_at_ms: before.taken_at_ms + 1000,
        topics: vec![t.clone()],
        groups: vec![g.clone(), newcomer],
    })));
    assert!(a.take_dirty());
    let after = a.cluster().unwrap();
    assert_eq!(after.groups.len(), before.groups.len());
    for (was, now) in before.groups.iter().zip(&after.groups) {
        let want = if now.group_id == g.group_id { &g } else { was };
        assert_eq!(to_json(now), to_json(want), "{}", now.group_id);
    }
    for (was, now) in before.topics.iter().zip(&after.topics) {
        let want = if now.name == t.name { &t } else { was };
        assert_eq!(to_json(now), to_json(want), "{}", now.name);
    }
    assert_eq!(to_json(&after.throughput), to_json(&before.throughput));
    assert_eq!(after.taken_at_ms, before.taken_at_ms);
}

fn group_of(m: &ClusterMetrics, id: &str) -> GroupMetrics {
    m.groups.iter().find(|g| g.group_id == id).cloned().unwrap()
}

/// A focused read of `group`, at `m`'s time.
fn focused_read(m: &ClusterMetrics, group: GroupMetrics) -> Event {
    Event::Focus(Box::new(FocusMetrics {
        taken_at_ms: m.taken_at_ms,
        groups: vec![group],
        topics: Vec::new(),
    }))
}

fn to_json(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn a_large_cluster_keeps_the_rows_of_what_is_shown_and_of_what_alerts() {
    // Three groups on 4 000 partitions each: 12 000 rows, past what is always held.
    let groups = [("quiet-a", false), ("quiet-b", false), ("lagging", true)];
    let big = || groups_cluster(&groups, 4_000);
    let rows_of = |a: &kaftop::tui::App, id: &str| {
        a.cluster()
            .unwrap()
            .groups
            .iter()
            .find(|g| g.group_id == id)
            .map(|g| g.rows.len())
    };
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(big())));
    // No group on screen: only the alerting group's rows are held.
    assert_eq!(rows_of(&a, "lagging"), Some(4_000));
    assert_eq!(rows_of(&a, "quiet-a"), Some(0));
    assert_eq!(rows_of(&a, "quiet-b"), Some(0));

    // Opening a group without its rows asks for a refresh and says it reads them;
    // the monitor is told the group is shown first, so that the refresh keeps them.
    let cmds = command(&mut a, "group quiet-a");
    let refresh = cmds.iter().position(|c| matches!(c, Command::RefreshNow));
    let shown = Focus {
        groups: ["quiet-a".to_string()].into(),
        draws_rows: true,
        ..Focus::default()
    };
    let told = cmds
        .iter()
        .position(|c| matches!(c, Command::Focus(f) if *f == shown));
    assert!(
        matches!((told, refresh), (Some(t), Some(r)) if t < r),
        "{cmds:?}"
    );
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("Reading the partitions of `quiet-a`"),
        "{screen}"
    );
    // The refresh keeps the open group's rows, and they are drawn.
    a.update(Event::Cluster(Box::new(big())));
    assert_eq!(rows_of(&a, "quiet-a"), Some(4_000));
    assert_eq!(rows_of(&a, "quiet-b"), Some(0));
    let screen = render_app(&a, 160, 30);
    assert!(screen.contains("4000 partitions"), "{screen}");
    assert!(!screen.contains("Reading the partitions"), "{screen}");
    // A group whose rows are held opens without a refresh.
    assert!(!command(&mut a, "group lagging")
        .iter()
        .any(|c| matches!(c, Command::RefreshNow)));

    // A focused read of a group brings its rows.
    let read = groups_cluster(&groups, 4_000);
    a.update(focused_read(&read, group_of(&read, "quiet-b")));
    assert_eq!(rows_of(&a, "quiet-b"), Some(4_000));
    assert!(!command(&mut a, "group quiet-b")
        .iter()
        .any(|c| matches!(c, Command::RefreshNow)));

    // A list's focused read brings totals only: a group whose rows it lacks
    // is not held, and opening it asks for them again.
    let mut totals = group_of(&read, "quiet-a");
    totals.rows = Vec::new();
    a.update(focused_read(&read, totals));
    assert_eq!(rows_of(&a, "quiet-a"), Some(0));
    assert!(command(&mut a, "group quiet-a")
        .iter()
        .any(|c| matches!(c, Command::RefreshNow)));
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("Reading the partitions of `quiet-a`"),
        "{screen}"
    );
}

#[test]
fn going_back_to_a_list_asks_for_no_rows() {
    let groups = [("quiet-a", false), ("quiet-b", false), ("lagging", true)];
    let big = || groups_cluster(&groups, 4_000);
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(big())));
    command(&mut a, "groups");
    render_app(&a, 160, 30);
    command(&mut a, "group quiet-b");
    a.update(Event::Cluster(Box::new(big())));
    // The list on screen again names quiet-a, whose rows went, but draws none.
    let cmds = press(&mut a, &[KeyCode::Esc]);
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::RefreshNow)),
        "{cmds:?}"
    );
    let shown = render_app(&a, 160, 30);
    assert!(shown.contains("quiet-a"), "{shown}");
}

#[test]
fn a_list_on_screen_holds_none_of_its_rows() {
    // A list draws each group's and topic's totals: on a large cluster the
    // partition rows of its rows on screen are not held (the alerting group's are).
    let groups = [("quiet-a", false), ("quiet-b", false), ("lagging", true)];
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(groups_cluster(&groups, 4_000))));
    command(&mut a, "groups");
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("quiet-a") && screen.contains("quiet-b"),
        "{screen}"
    );
    let told = focus_of(&tick(&mut a)).expect("the rows on screen");
    assert!(told.groups.contains("quiet-a"), "{told:?}");
    a.update(Event::Cluster(Box::new(groups_cluster(&groups, 4_000))));
    let rows: std::collections::BTreeMap<&str, usize> = a
        .cluster()
        .unwrap()
        .groups
        .iter()
        .map(|g| (g.group_id.as_str(), g.rows.len()))
        .collect();
    let want = [("lagging", 4_000), ("quiet-a", 0), ("quiet-b", 0)];
    assert_eq!(rows, want.into_iter().collect());

    let mut a = bare_app();
    let topics = || topics_cluster(&["t-a", "t-b", "t-c"], 4_000);
    a.update(Event::Cluster(Box::new(topics())));
    command(&mut a, "topics");
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("t-a") && screen.contains("4000"),
        "{screen}"
    );
    tick(&mut a);
    a.update(Event::Cluster(Box::new(topics())));
    for t in &a.cluster().unwrap().topics {
        assert_eq!(
            (t.partitions.len(), t.partition_count),
            (0, 4_000),
            "{}",
            t.name
        );
    }
}

#[test]
fn the_metrics_a_refresh_replaced_go_back_to_the_monitor() {
    let groups = [("quiet-a", false), ("lagging", true)];
    let mut a = bare_app();
    let first = groups_cluster(&groups, 10);
    let mut second = groups_cluster(&groups, 10);
    second.taken_at_ms = first.taken_at_ms + 2_000;
    let replaced = |cmds: &[Command]| -> Vec<i64> {
        let back = cmds.iter().filter_map(|c| match c {
            Command::Replaced(Replaced(m)) => Some(m.taken_at_ms),
            _ => None,
        });
        back.collect()
    };
    // The first refresh replaces nothing.
    assert!(replaced(&a.update(Event::Cluster(Box::new(first.clone())))).is_empty());
    let cmds = a.update(Event::Cluster(Box::new(second.clone())));
    assert_eq!(replaced(&cmds), [first.taken_at_ms]);
    assert_eq!(a.cluster().unwrap().taken_at_ms, second.taken_at_ms);
    // A refresh that could not reach the cluster replaces nothing: the last
    // metrics stay shown.
    let mut failed = second.clone();
    failed.connected = false;
    assert!(replaced(&a.update(Event::Cluster(Box::new(failed)))).is_empty());
    assert_eq!(a.cluster().unwrap().taken_at_ms, second.taken_at_ms);
}

#[test]
fn a_small_cluster_keeps_every_row() {
    let groups = [("quiet-a", false), ("quiet-b", false), ("lagging", true)];
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(groups_cluster(&groups, 3_000))));
    for g in &a.cluster().unwrap().groups {
        assert_eq!(g.rows.len(), 3_000, "{}", g.group_id);
    }
    assert!(!command(&mut a, "group quiet-a")
        .iter()
        .any(|c| matches!(c, Command::RefreshNow)));
}

#[test]
fn a_large_cluster_keeps_the_partitions_of_the_topic_shown() {
    // Three topics of 4 000 partitions: 12 000, past what is always held.
    let big = || topics_cluster(&["t-a", "t-b", "t-c"], 4_000);
    let held = |a: &kaftop::tui::App| -> Vec<(String, usize, usize)> {
        let topics = &a.cluster().unwrap().topics;
        let row = |t: &kaftop_core::metrics::TopicMetrics| {
            (t.name.clone(), t.partitions.len(), t.partition_count)
        };
        topics.iter().map(row).collect()
    };
    let with = |a: usize, b: usize, c: usize| {
        vec![
            ("t-a".to_string(), a, 4_000),
            ("t-b".to_string(), b, 4_000),
            ("t-c".to_string(), c, 4_000),
        ]
    };
    let refreshes = |cmds: &[Command]| cmds.iter().any(|c| matches!(c, Command::RefreshNow));
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(big())));
    // No topic open: no partition held, each still counted.
    assert_eq!(held(&a), with(0, 0, 0));
    command(&mut a, "topics");
    let screen = render_app(&a, 160, 30);
    assert!(screen.contains("4000"), "{screen}");

    // Opening a topic asks for a refresh and says it reads its partitions.
    assert!(refreshes(&command(&mut a, "topic t-a")));
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("Reading the partitions of `t-a`"),
        "{screen}"
    );
    a.update(Event::Cluster(Box::new(big())));
    assert_eq!(held(&a), with(4_000, 0, 0));
    let screen = render_app(&a, 160, 30);
    assert!(screen.contains("t-a · 4000 partitions"), "{screen}");
    assert!(!screen.contains("Reading the partitions"), "{screen}");

    // Another topic: the first one's partitions go at the next refresh.
    assert!(refreshes(&command(&mut a, "topic t-b")));
    a.update(Event::Cluster(Box::new(big())));
    assert_eq!(held(&a), with(0, 4_000, 0));
    // Going back to a topic whose partitions went meanwhile asks for them again.
    assert!(!refreshes(&command(&mut a, "groups")));
    a.update(Event::Cluster(Box::new(big())));
    assert_eq!(held(&a), with(0, 0, 0));
    assert!(refreshes(&press(&mut a, &[KeyCode::Esc])));
    let screen = render_app(&a, 160, 30);
    assert!(
        screen.contains("Reading the partitions of `t-b`"),
        "{screen}"
    );

    // A focused read of a topic brings its partitions.
    let t_a = big().topics.into_iter().find(|t| t.name == "t-a").unwrap();
    a.update(Event::Focus(Box::new(FocusMetrics {
        taken_at_ms: T0_MS,
        groups: Vec::new(),
        topics: vec![t_a],
    })));
    assert_eq!(held(&a), with(4_000, 0, 0));
    assert!(!refreshes(&command(&mut a, "topic t-a")));
}

#[test]
fn a_small_cluster_keeps_every_partition() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(topics_cluster(
        &["t-a", "t-b"],
        4_000,
    ))));
    for t in &a.cluster().unwrap().topics {
        assert_eq!(t.partitions.len(), 4_000, "{}", t.name);
    }
    assert!(!command(&mut a, "topic t-a")
        .iter()
        .any(|c| matches!(c, Command::RefreshNow)));
}

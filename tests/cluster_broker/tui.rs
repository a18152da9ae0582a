//! The running TUI (in tmux) while a node stops and while the whole cluster
//! restarts.

use std::path::Path;

use crate::common::tmux::Tmux;
use crate::common::{broker_script, cluster, wait_for, Cluster, TestTopics};
use crate::layouts::{id_list, oracle, oracle_when, topics_text, Layout};
use crate::outages::{NodeDown, PrivateBroker};
use crate::{config, ensure_topics, wait_healthy, DEADLINE, PARTITIONS, VICTIM};

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

fn start_tui(tmux: &Tmux, config: &Path) {
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(config)
    );
    tmux.start_program(&cmd, 160, 40);
}

/// The time of the dashboard's last refresh, from its header ("refreshed 10:15:30").
fn refreshed_stamp(screen: &str) -> Option<String> {
    let at = screen.find("refreshed ")? + "refreshed ".len();
    let stamp: String = screen[at..].chars().take(8).collect();
    (stamp.len() == 8 && stamp.as_bytes()[2] == b':').then_some(stamp)
}

/// The partition rows of the topic view: partition → (leader, replicas, ISR).
fn tui_rows(screen: &str) -> Layout {
    screen
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.trim_matches('│').split_whitespace().collect();
            if c.len() < 4 {
                return None;
            }
            let p: i32 = c[0].parse().ok()?;
            let leader = if c[1] == "none" {
                -1
            } else {
                c[1].parse().ok()?
            };
            c[2].contains(',')
                .then(|| (p, (leader, id_list(c[2]), id_list(c[3]))))
        })
        .collect()
}

/// The running TUI loses a node: it stays up, its header says which broker is
/// down, and the topic view shows the under-replicated partitions with the ISR and
/// leaders Kafka reports; the node comes back and so does "all in sync".
#[test]
fn the_tui_shows_a_stopped_node_and_its_return() {
    let _lock = Cluster::exclusive();
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tui-urp");
    let config = config(dir.path(), &c.bootstrap, &topics, PARTITIONS, 3);
    ensure_topics(&config);
    let topic = topics.created.as_str();
    wait_healthy(&c.bootstrap, topic, PARTITIONS);

    let tmux = Tmux::new();
    start_tui(&tmux, &config);
    tmux.wait_for_text("the dashboard", "● connected");
    tmux.keys(&[":"]);
    tmux.text(&format!("topic {topic}"));
    tmux.keys(&["Enter"]);
    let before = oracle(&c.bootstrap, topic);
    tmux.wait("the topic view, all in sync", |s| {
        (s.contains("all in sync") && tui_rows(s) == before).then_some(())
    });

    let down = NodeDown::stop(&c, VICTIM);
    let v = VICTIM as i32;
    let after = oracle_when(&c.bootstrap, topic, "ISR without the stopped node", |l| {
        l.values()
            .all(|(leader, _, isr)| *leader != v && !isr.contains(&v))
    });
    // The ISR shrinks during the node's controlled shutdown, before the cluster
    // drops it from its brokers: wait until the cluster reports both.
    wait_for("the cluster to report the node down", DEADLINE, || {
        topics_text(&c.bootstrap, topic)
            .brokers_down
            .is_some_and(|d| d == VICTIM.to_string())
            .then_some(())
    });
    // From here the dashboard must show it within two refreshes, counted by the
    // "refreshed HH:MM:SS" stamps it shows: the one on screen now, a refresh that
    // may have been under way, and the next.
    let mut stamps = std::collections::BTreeSet::new();
    let screen = tmux.wait("the outage on screen", |s| {
        let shown = tui_rows(s) == after
            && s.contains(&format!("{PARTITIONS} under-replicated"))
            && s.contains(&format!("✗ broker {VICTIM} down"));
        if let Some(stamp) = refreshed_stamp(s) {
            stamps.insert(stamp);
        }
        assert!(
            shown || stamps.len() <= 2,
            "not shown after two refreshes ({stamps:?}):\n{s}"
        );
        shown.then(|| s.to_string())
    });
    assert!(
        screen.contains(&format!("✗ broker {VICTIM} down")),
        "{screen}"
    );
    assert!(screen.contains("● connected"), "{screen}");

    drop(down);
    let healed = oracle_when(&c.bootstrap, topic, "the node back in every ISR", |l| {
        l.values().all(|(_, r, isr)| isr.len() == r.len())
    });
    let screen = tmux.wait("the recovery on screen", |s| {
        (s.contains("all in sync") && tui_rows(s) == healed).then(|| s.to_string())
    });
    assert!(!screen.contains("down"), "{screen}");
    assert!(!screen.contains("kaftop-exit="), "the TUI is still running");
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

/// The whole cluster (a private broker) stops under the TUI: it says unreachable
/// and keeps running; the cluster starts again and the TUI reconnects by itself.
#[test]
fn the_tui_survives_the_whole_cluster_restarting() {
    let _lock = Cluster::exclusive();
    let broker = PrivateBroker::start();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tui-restart");
    let config = config(dir.path(), &broker.bootstrap, &topics, 1, 1);
    ensure_topics(&config);

    let tmux = Tmux::new();
    start_tui(&tmux, &config);
    tmux.wait_for_text("the dashboard", "● connected");
    // From the overview (the start screen) to the Topics tab.
    tmux.keys(&["1", "/"]);
    tmux.text(&topics.created);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the test's topic", &topics.created);

    broker_script(&broker.state(), &["stop"]);
    let screen = tmux.wait_for_text("unreachable", "✗ unreachable");
    // The last data stays on screen while the cluster is away.
    assert!(screen.contains(&topics.created), "{screen}");
    assert!(!screen.contains("kaftop-exit="), "{screen}");

    broker_script(&broker.state(), &["start-node", "1"]);
    let screen = tmux.wait_for_text("connected again", "● connected");
    assert!(screen.contains(&topics.created), "{screen}");
    assert!(!screen.contains("unreachable"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

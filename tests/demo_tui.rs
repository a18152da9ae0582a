//! `kaftop demo` as a new user meets it: in tmux, no broker anywhere. The
//! dashboard shows live throughput and the four service groups (state and members
//! as the demo's consumers report them), and `:group NAME` opens each group's
//! per-partition table.

#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;

const GROUPS: [&str; 4] = [
    "notification-service-group",
    "analytics-service-group",
    "read-receipt-service-group",
    "archive-service-group",
];

/// MSG/S of `topic` on the Topics view, when shown as a number.
fn rate(screen: &str, topic: &str) -> Option<f64> {
    let line = screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == topic))?;
    let cells: Vec<&str> = line.trim_matches('│').split_whitespace().collect();
    // TOPIC PARTS REPL MESSAGES MSG/S ...
    cells.get(4)?.parse().ok()
}

#[test]
fn demo_shows_throughput_and_every_service_group() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::new();
    tmux.start_program(
        &format!(
            "{} --data-dir {} demo --rate 60",
            env!("CARGO_BIN_EXE_kaftop"),
            dir.path().display()
        ),
        150,
        40,
    );
    // From the overview (the start screen) to the Topics tab.
    tmux.wait_for_text("the overview", "Throughput msg/s");
    tmux.keys(&["1"]);
    let created_rate = tmux.wait("message.created throughput above zero", |s| {
        rate(s, "message.created").filter(|r| *r > 0.0)
    });
    assert!(created_rate > 0.0);

    tmux.keys(&["2"]);
    tmux.wait("the four service groups", |s| {
        GROUPS.iter().all(|g| s.contains(g)).then_some(())
    });
    // The mock describes no group: the demo's own consumers report state and
    // members (one consumer each), and the header says so.
    tmux.wait("each group Stable with one member", |s| {
        GROUPS
            .iter()
            .all(|g| {
                s.lines().any(|l| {
                    let cells: Vec<&str> = l.trim_matches('│').split_whitespace().collect();
                    cells.first() == Some(g)
                        && cells.get(1) == Some(&"Stable")
                        && cells.get(3) == Some(&"1")
                })
            })
            .then_some(())
    });
    tmux.wait_for_text("the header's source", "reported by the demo's consumers");

    for group in GROUPS {
        tmux.text(&format!(":group {group}"));
        tmux.keys(&["Enter"]);
        // The per-partition table of this group: the describe header and its rows.
        tmux.wait(&format!("the partition table of {group}"), |s| {
            (s.contains(group)
                && s.contains("CURRENT-OFFSET")
                && s.contains("LOG-END-OFFSET")
                && s.lines().any(|l| l.contains("message.")))
            .then_some(())
        });
        tmux.keys(&["Escape"]);
        // Back on the groups before typing on: an Escape and a `:` sent at once
        // read as Alt-`:`, and the group view takes the letters as keys (`v`).
        tmux.wait_for_text("the groups view again", "Consumer groups (");
    }

    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

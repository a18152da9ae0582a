//! The clusters screen in tmux (`kaftop --all-profiles`): two profiles, the real
//! test broker and an address nothing listens on, each row filled by its own
//! monitor (the one that is down does not hold up the other); `Enter` opens the
//! real one's overview, `Esc` at its top level comes back, `:clusters` too.
//!
//! Cost: the binary in tmux for a few seconds (the refused connection's first
//! refresh is the longest wait).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::bootstrap;
use common::tmux::Tmux;

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The words of the screen's line that starts with `first`.
fn row_of(screen: &str, first: &str) -> Option<Vec<String>> {
    screen.lines().find_map(|l| {
        let cells: Vec<String> = l.split_whitespace().map(str::to_string).collect();
        (cells.first().map(String::as_str) == Some(first)).then_some(cells)
    })
}

/// Both rows answered: the real cluster reachable with its one broker up, the
/// other not.
fn both_rows(s: &str) -> Option<String> {
    let live = row_of(s, "a-live")?;
    let down = row_of(s, "b-down")?;
    (live.get(1)? == "yes" && live.get(2)? == "1/1" && down.get(1)? == "NO").then(|| s.to_string())
}

#[test]
fn the_clusters_screen_shows_each_profile_and_opens_its_dashboard() {
    let b = bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [profiles.a-live]\nbootstrap_servers = \"{b}\"\npoll_interval = \"1s\"\n\
             [profiles.b-down]\nbootstrap_servers = \"127.0.0.1:1\"\npoll_interval = \"1s\"\n\
             properties = {{ \"socket.connection.setup.timeout.ms\" = \"2000\" }}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let tmux = Tmux::new();
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {} --all-profiles",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 140, 24);

    let screen = tmux.wait("a row per profile, one reachable and one not", both_rows);
    assert!(screen.contains("clusters (2)"), "{screen}");
    assert!(screen.contains("REACHABLE"), "{screen}");

    // The first row is selected: Enter opens that profile's dashboard.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("the live cluster's overview", "brokers 1/1");
    assert!(screen.contains(" 0 Overview "), "{screen}");
    assert!(screen.contains("a-live"), "{screen}");
    assert!(!screen.contains("clusters (2)"), "{screen}");

    // Esc at the dashboard's top level comes back, the rows still there.
    tmux.keys(&["Escape"]);
    let screen = tmux.wait("back on the clusters screen", both_rows);
    assert!(!screen.contains(" 0 Overview "), "{screen}");

    // `:clusters` from the dashboard comes back too.
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the overview again", "brokers 1/1");
    tmux.text(":clusters");
    tmux.keys(&["Enter"]);
    tmux.wait("the clusters screen again", both_rows);

    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

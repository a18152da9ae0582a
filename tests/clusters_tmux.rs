//! The clusters screen in tmux (`kaftop --all-profiles`): two profiles, the real
//! test broker and an address nothing listens on, each row filled by its own
//! monitor (the one that is down does not hold up the other); `Enter` opens the
//! real one's overview, `Esc` at its top level comes back, `:clusters` too.
//! Then two real clusters at once, one of them (a private broker) stopped
//! mid-test: its row turns NO and its LAST SEEN time stays, while the other's
//! keeps moving and its dashboard still opens.
//!
//! Cost: the binary in tmux for a few seconds (the refused connection's first
//! refresh is the longest wait); the second test starts and stops a private
//! broker (a JVM: about 11 s of its ~15 s).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::bootstrap;
use common::private_broker::PrivateBroker;
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

/// The LAST SEEN cell of a row (the time its cluster last answered): the ninth
/// word, every cell before it being one word (`-` when empty).
fn last_seen(row: &[String]) -> Option<String> {
    row.get(8)
        .filter(|t| t.len() == 8 && t.as_bytes()[2] == b':')
        .cloned()
}

/// A profile's row: whether it says reachable, its brokers cell and LAST SEEN.
fn state_of(screen: &str, profile: &str) -> Option<(bool, String, String)> {
    let row = row_of(screen, profile)?;
    let reachable = match row.get(1)?.as_str() {
        "yes" => true,
        "NO" => false,
        _ => return None,
    };
    Some((reachable, row.get(2)?.clone(), last_seen(&row)?))
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

/// Two real clusters, the shared test broker and a private one this test starts,
/// the private one stopped mid-test: its row turns NO and keeps the time it last
/// answered, the live row keeps refreshing, and Enter on it opens its overview.
#[test]
fn a_cluster_stopped_mid_test_does_not_hold_up_the_live_one() {
    let stopping = PrivateBroker::start();
    let live = bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [profiles.a-stopping]\nbootstrap_servers = \"{}\"\npoll_interval = \"1s\"\n\
             [profiles.b-live]\nbootstrap_servers = \"{live}\"\npoll_interval = \"1s\"\n",
            dir.path().join("data").display(),
            stopping.bootstrap,
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

    let up = |s: &str, p: &str| state_of(s, p).filter(|(r, b, _)| *r && b == "1/1");
    tmux.wait("both clusters reachable, one broker each", |s| {
        (up(s, "a-stopping").is_some() && up(s, "b-live").is_some()).then_some(())
    });

    stopping.stop();
    let (down_seen, live_seen) = tmux.wait("the stopped cluster's row to say NO", |s| {
        let (reachable, brokers, seen) = state_of(s, "a-stopping")?;
        (!reachable && brokers == "-").then_some((seen, up(s, "b-live")?.2))
    });

    // The live row refreshes on (its LAST SEEN moves, twice) while the stopped
    // one's stays at the time it last answered.
    let mut seen = live_seen;
    for _ in 0..2 {
        let (screen, next) = tmux.wait("the live row to refresh again", |s| {
            let (_, _, t) = up(s, "b-live")?;
            (t != seen).then(|| (s.to_string(), t))
        });
        let down = state_of(&screen, "a-stopping").unwrap();
        assert_eq!(down, (false, "-".into(), down_seen.clone()), "{screen}");
        seen = next;
    }

    // The live cluster's dashboard still opens, and Esc comes back.
    tmux.keys(&["Down", "Enter"]);
    let screen = tmux.wait_for_text("the live cluster's overview", "brokers 1/1");
    assert!(screen.contains(" 0 Overview "), "{screen}");
    assert!(screen.contains("b-live"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait(
        "back on the clusters screen, the stopped one still NO",
        |s| {
            let down = state_of(s, "a-stopping")?;
            (up(s, "b-live").is_some() && !down.0).then_some(())
        },
    );

    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

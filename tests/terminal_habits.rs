//! The dashboard's terminal habits, in tmux as a person meets them: the mouse
//! (a tab, a row, the wheel), `y` copying through OSC 52 (tmux takes it into a
//! buffer), `+` changing the refresh interval, `NO_COLOR`, and a first run without
//! a config file, read-only, on a small terminal.

#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_kaftop");

/// A left click (press) at the 0-based cell, as an SGR mouse report.
fn click(tmux: &Tmux, col: u16, row: u16) {
    mouse(tmux, &format!("\x1b[<0;{};{}M", col + 1, row + 1));
}

/// One turn of the wheel down over the 0-based cell.
fn wheel_down(tmux: &Tmux, col: u16, row: u16) {
    mouse(tmux, &format!("\x1b[<65;{};{}M", col + 1, row + 1));
}

/// Writes the report as raw bytes to the pane, as a terminal writes it.
fn mouse(tmux: &Tmux, report: &str) {
    let hex: Vec<String> = report.bytes().map(|b| format!("{b:02x}")).collect();
    let mut args = vec!["send-keys", "-t", "e2e", "-H"];
    args.extend(hex.iter().map(String::as_str));
    assert!(tmux.run(&args).status.success(), "send-keys -H {report:?}");
}

fn start_demo(tmux: &Tmux, env: &str, data: &std::path::Path) {
    tmux.start_program(
        &format!("{env} {BIN} --data-dir {} demo --rate 40", data.display()),
        100,
        30,
    );
    tmux.wait_for_text("the overview", "● connected");
}

#[test]
fn mouse_copy_and_interval_in_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::new();
    start_demo(&tmux, "", dir.path());
    // Coloured by default (the NO_COLOR test's counterpart).
    let coloured = tmux.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("38;5;"));

    // The tab row is the second line: ` 0 Overview ` then ` 1 Topics `.
    click(&tmux, 14, 1);
    tmux.wait_for_text("the Topics view", "Topics (6)");
    // Line 3 is the table's header, 4 its first row: the third row is on line 6.
    click(&tmux, 10, 6);
    tmux.wait_for_text("the third row selected", " 3/6 ");
    wheel_down(&tmux, 10, 6);
    tmux.wait_for_text("the wheel at the last row", " 6/6 ");

    tmux.keys(&["+"]);
    tmux.wait_for_text("the interval shortened", "refreshing every");

    // `y` on a record: tmux takes the OSC 52 into a buffer.
    let set = tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    assert!(set.status.success(), "{set:?}");
    tmux.keys(&["3"]);
    tmux.wait_for_text("records", "\"messageId\"");
    tmux.keys(&["y"]);
    tmux.wait_for_text("the copy's notice", "copied the value of offset");
    let buffer = tmux.run(&["show-buffer"]);
    let copied = String::from_utf8_lossy(&buffer.stdout);
    assert!(
        copied.contains("\"messageId\"") && copied.contains("\"content\""),
        "{copied}"
    );

    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

#[test]
fn no_color_leaves_every_colour_out() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::new();
    start_demo(&tmux, "NO_COLOR=1", dir.path());
    tmux.keys(&["1"]);
    tmux.wait_for_text("the Topics view", "Topics (6)");
    let out = tmux.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    let screen = String::from_utf8_lossy(&out.stdout);
    for colour in ["38;5;", "48;5;", "38;2;", "48;2;"] {
        assert!(!screen.contains(colour), "{colour} in:\n{screen:?}");
    }
    // The active tab is still marked: reverse video.
    assert!(
        screen.contains("\x1b[1;7m") || screen.contains("\x1b[7m"),
        "{screen:?}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

#[test]
fn a_first_run_offers_config_init_and_shows_read_only_when_small() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::new();
    // No config anywhere: the test broker named on the line.
    tmux.start_program(
        &format!(
            "env -u KAFTOP_CONFIG HOME={h} XDG_CONFIG_HOME={h}/config {BIN} --read-only -b {b}",
            h = home.path().display(),
            b = common::bootstrap(),
        ),
        40,
        12,
    );
    let screen = tmux.wait_for_text("the first-run notice", "kaftop config init");
    let header = screen.lines().next().unwrap();
    assert!(header.starts_with("default read-only"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for_text("a clean exit", "kaftop-exit=0");
}

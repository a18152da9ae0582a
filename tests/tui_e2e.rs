//! End to end, as a person would: the real binary in tmux against the real test
//! broker. Go from the overview to the topics, publish an event through the panel with keystrokes, see it in the
//! Messages view and in the topic's message count, quit, and find the terminal
//! restored. Every wait polls the screen with a deadline.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::tmux::Tmux;
use common::{kaftop, unique, write_config, TestTopics};

/// The MESSAGES column of `topic`'s row in the Topics view.
fn message_count(screen: &str, topic: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == topic))?;
    let cells: Vec<&str> = line.trim_matches('│').split_whitespace().collect();
    // TOPIC PARTS REPL MESSAGES MSG/S URP [sparkline]
    cells.get(3).map(|s| s.to_string())
}

#[test]
fn publish_through_the_panel_then_see_it_in_messages_and_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let topics = TestTopics::new("tui-e2e");
    let config = write_config(dir.path(), &topics, 3);
    kaftop()
        .args([
            "--config",
            &config.display().to_string(),
            "topics",
            "ensure",
        ])
        .assert()
        .success();

    let tmux = Tmux::new();
    let bin = env!("CARGO_BIN_EXE_kaftop");
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(bin)),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 160, 45);

    // The Topics view with the new topic, empty. A shared broker has many
    // topics: filter to this test's, as a person would.
    let created = topics.created.as_str();
    tmux.wait_for_text("the overview, connected", "● connected");
    // From the overview (the start screen) to the Topics tab.
    tmux.keys(&["1", "/"]);
    tmux.text(created);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait("the test's topic in the topics view", |s| {
        (s.contains("● connected") && message_count(s, created).is_some()).then(|| s.to_string())
    });
    assert_eq!(
        message_count(&screen, created).as_deref(),
        Some("0"),
        "{screen}"
    );

    // The publisher panel: the created form, content edited by hand.
    tmux.keys(&[":"]);
    tmux.text("publish");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the created form", &format!("MessageCreated → {created}"));
    let content = unique("hello-from-tmux");
    tmux.keys(&["j", "j", "j", "Enter", "C-u"]);
    tmux.text(&content);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the edited content", &content);
    tmux.keys(&["s"]);
    let delivered = tmux.wait("the delivery report", |s| {
        s.lines()
            .find(|l| l.contains("Delivered MessageCreated"))
            .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_string())
    });
    assert!(
        delivered.contains(&format!("to {created} partition ")) && delivered.contains(" offset 0"),
        "{delivered}"
    );

    // The Messages view shows the record, its JSON value pretty-printed.
    tmux.keys(&[":"]);
    tmux.text(&format!("messages {created}"));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text(
        "the record in the messages view",
        &format!("\"content\": \"{content}\""),
    );
    assert!(screen.contains("\"senderId\": 100"), "{screen}");
    assert!(screen.contains("received 1"), "{screen}");

    // The Topics view counts it.
    tmux.keys(&[":"]);
    tmux.text("topics");
    tmux.keys(&["Enter"]);
    tmux.wait("the topic's count to reach 1", |s| {
        (message_count(s, created).as_deref() == Some("1")).then_some(())
    });

    // q quits with status 0 and leaves the alternate screen.
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
    assert_eq!(tmux.pane("#{alternate_on}"), "0", "terminal restored");
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// Ctrl-C quits from the command line too, restoring the terminal.
#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let topics = TestTopics::new("tui-e2e-quit");
    let config = write_config(dir.path(), &topics, 1);
    let tmux = Tmux::new();
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 100, 30);
    tmux.wait_for_text("the dashboard", "● connected");
    assert_eq!(tmux.pane("#{alternate_on}"), "1");
    tmux.keys(&[":"]);
    tmux.text("grou");
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
    assert_eq!(tmux.pane("#{alternate_on}"), "0", "terminal restored");
}

/// A paste is text for the field being edited, never keys: two pasted lines
/// in the content field are refused with a notice, nothing is sent, the form
/// stays; one pasted line goes in whole.
#[test]
fn a_paste_into_a_publish_field_is_never_run_as_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let topics = TestTopics::new("tui-e2e-paste");
    let config = write_config(dir.path(), &topics, 1);
    let tmux = Tmux::new();
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 120, 30);
    tmux.wait_for_text("the dashboard", "● connected");
    tmux.keys(&[":"]);
    tmux.text("publish");
    tmux.keys(&["Enter"]);
    let form = format!("MessageCreated → {}", topics.created);
    tmux.wait_for_text("the created form", &form);
    tmux.keys(&["j", "j", "j", "Enter", "C-u"]);
    tmux.paste("first line\nsecond line");
    let screen = tmux.wait_for_text("the refusal", "the paste has 2 lines, nothing pasted");
    assert!(screen.contains(&form), "{screen}");
    assert!(!screen.contains("Delivered"), "{screen}");
    let one = unique("pasted");
    tmux.paste(&format!("{one}\n"));
    tmux.wait_for_text("the pasted line in the field", &one);
    // Still editing: a typed key goes into the field, not to the form.
    tmux.text("s");
    tmux.wait_for_text("the typed key in the field", &format!("{one}s"));
    assert!(!tmux.screen().contains("Delivered"));
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}

/// Without a terminal the dashboard refuses to start, saying why.
#[test]
fn without_a_terminal_it_says_so() {
    let out = kaftop()
        .args(["-b", "127.0.0.1:1"])
        .output()
        .expect("kaftop runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the dashboard needs a terminal"), "{err}");
}

/// A bad `[keys]` table is a config error naming the key.
#[test]
fn bad_key_bindings_are_config_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "[keys]\nquit = \"j\"\n").expect("write");
    let out = kaftop()
        .args(["config", "check", &path.display().to_string()])
        .output()
        .expect("kaftop runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("key `keys.quit`") && err.contains("`j` is also bound to `down`"),
        "{err}"
    );
}

//! `kaftop events --json` as a process, read line by line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;

use crate::common::cluster::create_topic;
use crate::common::{bootstrap, kaftop_process, unique};
use crate::member::{member_text, tool_host, wait_owned, Member};
use crate::DEADLINE;

/// `kaftop events --json --group G` prints one JSON line per event of G: a member
/// joining and leaving, two rebalances, the group going Empty.
#[test]
fn the_events_command_prints_json_lines() {
    let b = bootstrap();
    let topic = unique("tl-cmd");
    let group = unique("tl-cmd-group");
    create_topic(&b, &topic, 1);
    let mut cmd = kaftop_process();
    cmd.args([
        "-b",
        &b,
        "events",
        "--json",
        "--for",
        "60s",
        "--interval",
        "300ms",
    ])
    .args(["--group", &group]);
    let events = EventsProcess::spawn(&mut cmd);
    let first = events
        .stderr
        .recv_timeout(DEADLINE)
        .expect("a line on stderr");
    assert!(first.starts_with("kaftop: watching "), "{first}");
    let next = || -> serde_json::Value {
        let l = events.stdout.recv_timeout(DEADLINE).expect("an event line");
        serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}"))
    };

    let a = Member::join(&b, &group, &unique("tl-cmd-a"), &topic);
    wait_owned(&[&a], &[&[0]]);
    let host = tool_host(&b, &group, &a.client_id);
    let (joined, left) = (
        member_text(&a, &host, "joined"),
        member_text(&a, &host, "left"),
    );
    a.leave();
    // The command refreshes on its own clock, so it may also catch the group in
    // its rebalancing states: every state change is printed, each rebalance once.
    let mut seen: Vec<serde_json::Value> = Vec::new();
    while !left_and_empty(&seen) {
        seen.push(next());
    }
    for v in &seen {
        assert_eq!(v["group"], group.as_str(), "{v}");
        assert!(v["at_ms"].as_i64().unwrap() > 0, "{v}");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "at_ms",
                "kind",
                "severity",
                "group",
                "topic",
                "partition",
                "broker",
                "text"
            ]
        );
    }
    let of = |kind: &str| -> Vec<&str> {
        seen.iter()
            .filter(|v| v["kind"] == kind)
            .map(|v| v["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(of("member_joined"), [joined.as_str()]);
    assert_eq!(of("member_left"), [left.as_str()]);
    let rebalances = of("rebalance");
    assert_eq!(rebalances.len(), 2, "{rebalances:?}");
    assert!(
        rebalances[0].ends_with(": 1 rebalance in 10 min"),
        "{rebalances:?}"
    );
    assert_eq!(
        rebalances[1],
        "rebalance, 0 members: 2 rebalances in 10 min"
    );
    let states = of("group_state_changed");
    assert!(states.last().unwrap().ends_with(" → Empty"), "{states:?}");
    drop(events);
}

/// The member has left and the group is Empty, with the leave's rebalance.
fn left_and_empty(seen: &[serde_json::Value]) -> bool {
    let empty = seen.iter().any(|v| {
        v["kind"] == "group_state_changed" && v["text"].as_str().unwrap().ends_with(" → Empty")
    });
    let rebalanced = seen
        .iter()
        .skip_while(|v| v["kind"] != "member_left")
        .any(|v| v["kind"] == "rebalance");
    empty && rebalanced
}

/// `kaftop events` running, its output read line by line; killed on drop.
pub(crate) struct EventsProcess {
    child: Child,
    pub(crate) stdout: Receiver<String>,
    pub(crate) stderr: Receiver<String>,
}

impl EventsProcess {
    pub(crate) fn spawn(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kaftop events");
        EventsProcess {
            stdout: lines(child.stdout.take().unwrap()),
            stderr: lines(child.stderr.take().unwrap()),
            child,
        }
    }

    /// Whether the process has not exited (nor been killed) yet.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for EventsProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    rx
}

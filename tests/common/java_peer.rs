//! A Java test peer (scripts/java-peer.sh: share consumer, Kafka Streams app)
//! kept running while a test looks at its group.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// How long a peer may take to print what a test waits for.
const SETTLE: Duration = Duration::from_secs(90);

/// A Java peer kept running: its stdin held open (closing it stops the peer).
pub(crate) struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Peer {
    pub(crate) fn start(args: &[&str]) -> Peer {
        let mut child = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/java-peer.sh"))
            .arg("run")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run scripts/java-peer.sh");
        let stdin = child.stdin.take();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Peer {
            child,
            stdin,
            lines,
        }
    }

    /// Waits for a stdout line containing `what`; returns the lines before it.
    pub(crate) fn wait_line(&self, what: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let l = self
                .lines
                .recv_timeout(SETTLE)
                .unwrap_or_else(|_| panic!("peer never printed {what}; saw {seen:?}"));
            if l.contains(what) {
                return seen;
            }
            seen.push(l);
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

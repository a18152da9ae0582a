//! A private tmux server that runs the real binary as a person would: keys in,
//! screen out, every wait a poll with a deadline.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::unique;

pub(crate) const DEADLINE: Duration = Duration::from_secs(60);

/// A private tmux server (its own socket), killed on drop.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    pub(crate) fn new() -> Self {
        Tmux {
            socket: unique("kaftop-e2e"),
        }
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub(crate) fn start(&self, command: &str, width: u16, height: u16) {
        let out = self.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
    }

    /// Runs `program` in the pane's shell, which prints its exit status after it
    /// and stays (the shell reaps the program: tmux's own exit status of a
    /// pane is not reliable here).
    pub(crate) fn start_program(&self, program: &str, width: u16, height: u16) {
        self.start(
            &format!("{program}; echo kaftop-exit=$?; exec sleep 600"),
            width,
            height,
        );
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    /// Types text literally (no key-name lookup).
    pub(crate) fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success(),
            "send-keys -l {text:?}"
        );
    }

    /// Pastes `text` as a terminal would: bracketed when the program asked for
    /// it (tmux's `paste-buffer -p`), line feeds sent as carriage returns.
    pub(crate) fn paste(&self, text: &str) {
        let set = self.run(&["set-buffer", "-b", "e2e-paste", "--", text]);
        assert!(set.status.success(), "set-buffer: {set:?}");
        let paste = self.run(&["paste-buffer", "-p", "-d", "-b", "e2e-paste", "-t", "e2e"]);
        assert!(paste.status.success(), "paste-buffer: {paste:?}");
    }

    pub(crate) fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    pub(crate) fn pane(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `f` accepts it; panics with the last screen.
    pub(crate) fn wait<T>(&self, what: &str, mut f: impl FnMut(&str) -> Option<T>) -> T {
        let end = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if let Some(v) = f(&screen) {
                return v;
            }
            if Instant::now() > end {
                panic!("timed out after {DEADLINE:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn wait_for_text(&self, what: &str, needle: &str) -> String {
        self.wait(what, |s| s.contains(needle).then(|| s.to_string()))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

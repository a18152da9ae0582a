//! Long-running kaftop processes that never outlive their test.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a process gets to exit after SIGTERM before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(30);

/// A spawned process whose stdout and stderr are drained as it runs (so it never
/// blocks on a full pipe). Dropping it while the process runs, e.g. when the test
/// panics, sends SIGTERM, waits a bounded time, then kills it: a failed test leaves
/// no process behind.
pub(crate) struct ChildGuard {
    what: String,
    child: Option<Child>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    pipe.map(|mut p| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            buf
        })
    })
}

impl ChildGuard {
    /// Spawns `cmd` with stdout and stderr captured; `what` names it in failures.
    pub(crate) fn spawn(what: &str, cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        ChildGuard {
            what: what.to_string(),
            child: Some(child),
            stdout,
            stderr,
        }
    }

    fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the process was not reaped yet")
    }

    /// Waits until the process exits by itself and returns what it printed; panics
    /// (and kills it) after `deadline`.
    pub(crate) fn wait(mut self, deadline: Duration) -> Output {
        let status = self
            .exit_within(deadline)
            .unwrap_or_else(|| panic!("{} did not exit within {deadline:?}", self.what));
        self.output(status)
    }

    /// Sends SIGTERM and waits until the process exits; returns what it printed.
    /// Panics (and kills it) if it is still running after a grace period.
    pub(crate) fn terminate(mut self) -> Output {
        self.sigterm();
        let status = self.exit_within(TERM_GRACE).unwrap_or_else(|| {
            panic!(
                "{} did not exit within {TERM_GRACE:?} of SIGTERM",
                self.what
            )
        });
        self.output(status)
    }

    /// Kills the process with SIGKILL (a crash: nothing flushed, nothing committed,
    /// no group left) and returns what it printed.
    pub(crate) fn kill(mut self) -> Output {
        let _ = self.child().kill();
        let status = self.child().wait().expect("wait after SIGKILL");
        self.output(status)
    }

    /// SIGTERM through the shell's builtin `kill` (no extra crate needed). Only sent
    /// while the process is not reaped, so its pid cannot have been reused.
    fn sigterm(&mut self) {
        let pid = self.child().id().to_string();
        let status = Command::new("sh")
            .args(["-c", "kill -TERM \"$1\"", "sh", &pid])
            .status()
            .expect("run sh -c kill");
        assert!(
            status.success(),
            "kill -TERM {pid} ({}): {status}",
            self.what
        );
    }

    fn exit_within(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(status) = self.child().try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn output(&mut self, status: ExitStatus) -> Output {
        self.child = None;
        let take = |h: Option<JoinHandle<Vec<u8>>>| {
            h.map(|h| h.join().expect("pipe reader"))
                .unwrap_or_default()
        };
        Output {
            status,
            stdout: take(self.stdout.take()),
            stderr: take(self.stderr.take()),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let pid = child.id().to_string();
            let _ = Command::new("sh")
                .args(["-c", "kill -TERM \"$1\"", "sh", &pid])
                .status();
            if self.exit_within(TERM_GRACE).is_none() {
                eprintln!("{} ignored SIGTERM; killing it", self.what);
                let _ = self.child().kill();
                let _ = self.child().wait();
            }
        }
    }
}

/// The kaftop binary as a plain process (for ones that run until stopped).
pub(crate) fn kaftop_process() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("kaftop"));
    c.env_remove("KAFTOP_CONFIG");
    c
}

/// `kaftop --config CONFIG consumers ARGS` with `env` set, running until
/// [`ChildGuard::terminate`] (or the end of the test) stops it.
pub(crate) fn spawn_consumers(config: &Path, args: &[&str], env: &[(&str, &str)]) -> ChildGuard {
    let mut cmd = kaftop_process();
    cmd.arg("--config")
        .arg(config)
        .arg("consumers")
        .args(args)
        .envs(env.iter().copied());
    ChildGuard::spawn("kaftop consumers", &mut cmd)
}

//! `kaftop serve` as a child process, on a port of its own choosing.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::kaftop_process;

/// A running `kaftop serve`: its address (from its first stdout line) and its
/// stderr, drained as it runs. Dropped while running, it is terminated.
pub(crate) struct Serve {
    child: Option<Child>,
    pub(crate) addr: String,
    stderr: Option<JoinHandle<String>>,
}

impl Serve {
    pub(crate) fn start(config: &Path, env: &[(&str, &str)]) -> Serve {
        Serve::start_command(kaftop_process(), config, env)
    }

    /// [`Serve::start`] with `--all-profiles`: every profile's cluster on /metrics.
    #[allow(dead_code)]
    pub(crate) fn start_all_profiles(config: &Path) -> Serve {
        let mut cmd = kaftop_process();
        cmd.arg("--all-profiles");
        Serve::start_command(cmd, config, &[])
    }

    /// [`Serve::start`] with an open-file limit of `files` (soft and hard).
    #[allow(dead_code)]
    pub(crate) fn start_with_open_files(config: &Path, files: u64) -> Serve {
        let mut cmd = Command::new("prlimit");
        cmd.arg(format!("--nofile={files}:{files}"))
            .arg(kaftop_process().get_program())
            .env_remove("KAFTOP_CONFIG");
        Serve::start_command(cmd, config, &[])
    }

    fn start_command(mut cmd: Command, config: &Path, env: &[(&str, &str)]) -> Serve {
        let mut child = cmd
            .arg("--config")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr_pipe.read_to_string(&mut s);
            s
        });
        // The first line, then the rest drained so the process never blocks.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        let mut serve = Serve {
            child: Some(child),
            addr: String::new(),
            stderr: Some(stderr),
        };
        let first = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(Ok(line))) => line,
            other => {
                let (status, err) = serve.stop();
                panic!("kaftop serve printed no address ({other:?}): {status:?}: {err}");
            }
        };
        serve.addr = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_string();
        serve
    }

    pub(crate) fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGTERM, then the exit status and stderr (killed after 60 s).
    pub(crate) fn stop(&mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let end = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > end {
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let err = self.stderr.take().unwrap().join().unwrap();
        (status, err)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.stop();
        }
    }
}

//! Shared helpers of the integration tests: the test broker's address, unique
//! names, a config file per test and the kaftop binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::Command;

pub(crate) mod cluster;
pub(crate) mod live_dashboard;
pub(crate) mod peer;
pub(crate) mod private_broker;
pub(crate) mod process;
pub(crate) mod registry;
pub(crate) mod serve;
pub(crate) mod tmux;

#[allow(unused_imports)] // each test binary uses its own subset
pub(crate) use process::{kaftop_process, spawn_consumers, ChildGuard};

/// Set by `scripts/test.sh` to the broker `scripts/test-broker.sh start` started.
pub(crate) const BOOTSTRAP_ENV: &str = "KAFTOP_TEST_BOOTSTRAP";

/// The real test broker's address. Fails (never skips) when it is not set.
pub(crate) fn bootstrap() -> String {
    match std::env::var(BOOTSTRAP_ENV) {
        Ok(b) if !b.trim().is_empty() => b,
        _ => panic!(
            "{BOOTSTRAP_ENV} is not set: these tests need the real test broker. \
             Run `scripts/test.sh`, or start one with `scripts/test-broker.sh start` \
             and export {BOOTSTRAP_ENV}=<the BOOTSTRAP=... address it prints>"
        ),
    }
}

/// A name no other test (or earlier run against the same broker) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Topic names of one test's private message service.
pub(crate) struct TestTopics {
    pub created: String,
    pub read: String,
    pub deleted: String,
}

impl TestTopics {
    pub(crate) fn new(prefix: &str) -> Self {
        let base = unique(prefix);
        TestTopics {
            created: format!("{base}.message.created"),
            read: format!("{base}.message.read"),
            deleted: format!("{base}.message.deleted"),
        }
    }

    pub(crate) fn all(&self) -> [&str; 3] {
        [&self.created, &self.read, &self.deleted]
    }
}

/// Writes a config file pointing at the test broker with this test's topics.
pub(crate) fn write_config(dir: &Path, topics: &TestTopics, partitions: i32) -> PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"
default_profile = "test"
data_dir = "{data}"
[topics.created]
name = "{c}"
partitions = {partitions}
[topics.read]
name = "{r}"
partitions = {partitions}
[topics.deleted]
name = "{d}"
partitions = {partitions}
[profiles.test]
bootstrap_servers = "{b}"
"#,
        data = dir.join("data").display(),
        c = topics.created,
        r = topics.read,
        d = topics.deleted,
        b = bootstrap(),
    );
    std::fs::write(&path, text).expect("write test config");
    path
}

/// A test's message service ready to run: its own topics (created, with their
/// `.dlq` topics, by `kaftop topics ensure`) and a config file for them in a
/// temporary directory, which lives as long as the returned guard.
pub(crate) fn ensured_service(
    prefix: &str,
    partitions: i32,
) -> (tempfile::TempDir, TestTopics, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, partitions);
    kaftop()
        .arg("--config")
        .arg(&config)
        .args(["topics", "ensure"])
        .assert()
        .success();
    (dir, topics, config)
}

/// The kaftop binary built for this test run.
pub(crate) fn kaftop() -> Command {
    let mut c = Command::cargo_bin("kaftop").expect("kaftop binary");
    c.env_remove("KAFTOP_CONFIG")
        .timeout(Duration::from_secs(120));
    c
}

/// Asserts that a command succeeded, showing its stderr when it did not.
pub(crate) fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `f` until it returns `Some`, or panics with `what` after `deadline`.
pub(crate) fn wait_for<T>(what: &str, deadline: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > end {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The SASL/SCRAM listener of the test broker (`--security sasl-scram`).
pub(crate) struct Sasl {
    pub bootstrap: String,
    pub mechanism: String,
    pub user: String,
    pub password: String,
}

/// The TLS listener of the test broker (`--security tls`) and the CA that signed it.
pub(crate) struct Tls {
    pub bootstrap: String,
    pub ca: PathBuf,
}

fn required_env(name: &str, what: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "{name} is not set: these tests need {what}. Run `scripts/test.sh`, which \
             starts it with `scripts/test-broker.sh` and exports it"
        ),
    }
}

/// Set by `scripts/test.sh` from `scripts/test-broker.sh start --security sasl-scram,tls,...`.
pub(crate) fn sasl() -> Sasl {
    let what = "the test broker's SASL/SCRAM listener";
    Sasl {
        bootstrap: required_env("KAFTOP_TEST_SASL_BOOTSTRAP", what),
        mechanism: required_env("KAFTOP_TEST_SASL_MECHANISM", what),
        user: required_env("KAFTOP_TEST_SASL_USER", what),
        password: required_env("KAFTOP_TEST_SASL_PASSWORD", what),
    }
}

/// Set by `scripts/test.sh` from `scripts/test-broker.sh start --security sasl-scram,tls,...`.
pub(crate) fn tls() -> Tls {
    let what = "the test broker's TLS listener";
    Tls {
        bootstrap: required_env("KAFTOP_TEST_TLS_BOOTSTRAP", what),
        ca: PathBuf::from(required_env("KAFTOP_TEST_TLS_CA", what)),
    }
}

const BROKER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-broker.sh");

/// Runs `scripts/test-broker.sh ARGS` for the broker in `dir` and returns its stdout.
pub(crate) fn broker_script(dir: &Path, args: &[&str]) -> String {
    broker_script_with(dir, args, &[])
}

/// [`broker_script`] with extra environment (e.g. `KAFTOP_BROKER_PORT`).
pub(crate) fn broker_script_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    try_broker_script_with(dir, args, env).unwrap_or_else(|e| panic!("{e}"))
}

/// [`broker_script`] that returns its failure instead of panicking (for `Drop`).
pub(crate) fn try_broker_script(dir: &Path, args: &[&str]) -> Result<String, String> {
    try_broker_script_with(dir, args, &[])
}

fn try_broker_script_with(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<String, String> {
    let out = broker_script_output(dir, args, env)?;
    if !out.status.success() {
        return Err(format!(
            "test-broker.sh {args:?} ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("test-broker.sh {args:?}: {e}"))
}

fn broker_script_output(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<std::process::Output, String> {
    std::process::Command::new(BROKER_SCRIPT)
        .args(args)
        .env("KAFTOP_BROKER_DIR", dir)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| format!("run {BROKER_SCRIPT}: {e}"))
}

/// The 3-node test cluster (`scripts/test-broker.sh start --nodes 3`, replication
/// factor 3, `min.insync.replicas=2`) that `scripts/test.sh` starts beside the
/// single broker. Tests that stop nodes must hold [`Cluster::exclusive`].
pub(crate) struct Cluster {
    pub dir: PathBuf,
    pub bootstrap: String,
}

/// Set by `scripts/test.sh`; fails (never skips) when missing.
pub(crate) fn cluster() -> Cluster {
    let what = "the 3-node test cluster";
    Cluster {
        dir: PathBuf::from(required_env("KAFTOP_TEST_CLUSTER_DIR", what)),
        bootstrap: required_env("KAFTOP_TEST_CLUSTER_BOOTSTRAP", what),
    }
}

impl Cluster {
    /// Serialises the tests of one binary that stop and start nodes; a test that
    /// panicked while holding it does not poison it for the next.
    ///
    /// Once it holds the lock it makes sure every node of the shared cluster runs
    /// (a test before may have failed to start a node again), starting any stopped
    /// node, and fails at once, saying why, if one cannot be started.
    pub(crate) fn exclusive() -> std::sync::MutexGuard<'static, ()> {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let c = cluster();
        for n in c.stopped_nodes() {
            if let Err(e) = try_broker_script(&c.dir, &["start-node", &n.to_string()]) {
                panic!(
                    "node {n} of the test cluster in {} is stopped and does not start: {e}",
                    c.dir.display()
                );
            }
        }
        let still = c.stopped_nodes();
        assert!(
            still.is_empty(),
            "nodes {still:?} of the test cluster in {} are still stopped after start-node",
            c.dir.display()
        );
        guard
    }

    /// The nodes `scripts/test-broker.sh status` reports stopped ("node N: stopped"
    /// on stderr).
    pub(crate) fn stopped_nodes(&self) -> Vec<u32> {
        let out =
            broker_script_output(&self.dir, &["status"], &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "the test cluster in {} is not running: {}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter_map(|l| {
                let rest = &l[l.find("node ")? + "node ".len()..];
                let (n, state) = rest.split_once(": ")?;
                (state.trim() == "stopped")
                    .then(|| n.parse().ok())
                    .flatten()
            })
            .collect()
    }

    /// Stops node `n` (1-based) gracefully; its data stays.
    pub(crate) fn stop_node(&self, n: u32) {
        broker_script(&self.dir, &["stop-node", &n.to_string()]);
    }

    /// Starts node `n` again and waits until it answers.
    pub(crate) fn start_node(&self, n: u32) {
        broker_script(&self.dir, &["start-node", &n.to_string()]);
    }

    /// The `host:port` of node `n`.
    pub(crate) fn node(&self, n: u32) -> String {
        let status = broker_script(&self.dir, &["status"]);
        let key = format!("NODE_{n}=");
        status
            .lines()
            .find_map(|l| l.strip_prefix(&key))
            .unwrap_or_else(|| panic!("no {key} in the cluster's status"))
            .to_string()
    }
}

/// Runs one of Apache Kafka's own command-line tools (`kafka-consumer-groups`,
/// `kafka-topics`, ...) from the pinned release, as the oracle of a test.
pub(crate) fn kafka_tool(name: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BROKER_SCRIPT)
        .arg("tool")
        .arg(name)
        .args(args)
        .output()
        .expect("run scripts/test-broker.sh tool")
}

/// `kaftop --config CONFIG services report --json` with `env` set; `Null` while the
/// report cannot be read yet (the services have not created their store).
pub(crate) fn report_json(config: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(["services", "report", "--json"])
        .envs(env.iter().copied())
        .output()
        .expect("run kaftop services report");
    if !out.status.success() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&out.stdout).expect("services report --json is JSON")
}

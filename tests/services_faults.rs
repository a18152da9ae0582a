//! Faults that say so, on the real test broker: a store on a disk that fills up
//! mid-run (a small tmpfs as the data dir) stalls the notification service, which
//! says so on stderr within seconds, commits nothing past what it stored, and resumes
//! by itself once space is freed; a consumer thread that panics is counted, reported
//! and restarted, and nothing is lost or done twice.

#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::process::kaftop_process;
use common::{bootstrap, kafka_tool, report_json, wait_for, write_config, TestTopics};
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_services::{self as services, ServiceName, ServicesOptions};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::json;

const PARTITIONS: i32 = 2;

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (the test is skipped, saying why) when mounting is refused.
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs at {} (needs root): {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// `kaftop consumers` with its stderr going to a file outside the full disk, read
/// while it runs; stopped with SIGTERM (and killed if it will not) when dropped.
struct Consumers {
    child: std::process::Child,
    stderr: PathBuf,
}

impl Consumers {
    fn spawn(config: &Path, stderr: PathBuf, args: &[&str]) -> Consumers {
        let child = kaftop_process()
            .arg("--config")
            .arg(config)
            .arg("consumers")
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Consumers { child, stderr }
    }

    fn stderr_so_far(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// SIGTERM; waits for the exit (bounded) and returns whether it succeeded.
    fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for Consumers {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

fn load(config: &Path) -> Resolved {
    config::load(&Overrides {
        config_file: Some(config.to_path_buf()),
        ..Overrides::default()
    })
    .unwrap()
}

/// Produces one `message.created` per id, with `content_bytes` of content.
fn publish(topic: &str, ids: std::ops::Range<i64>, content_bytes: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("message.max.bytes", "1000000")
        .create()
        .unwrap();
    for id in ids {
        let v = json!({"messageId": id, "senderId": 1, "receiverId": 2,
                       "content": "x".repeat(content_bytes),
                       "createdAt": "2026-11-24T10:00:00"});
        let (key, value) = (id.to_string(), v.to_string());
        producer
            .send(BaseRecord::to(topic).key(&key).payload(&value))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

/// The group's committed offsets on `topic`, summed over its partitions, as Kafka's
/// own `kafka-consumer-groups --describe` reports them ("-": none yet, 0).
fn committed(group: &str, topic: &str) -> i64 {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--describe",
            "--group",
            group,
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|c| c.len() > 3 && c[0] == group && c[1] == topic)
        .map(|c| c[3].parse::<i64>().unwrap_or(0))
        .sum()
}

/// Fills the file system under `dir` to the last byte: a file that grows until
/// ENOSPC.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    loop {
        match f.write(&chunk) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // The last bytes, one at a time.
    while let Ok(1) = f.write(&[0]) {}
    path
}

#[test]
fn a_full_disk_stalls_loudly_commits_nothing_unstored_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("faults-disk");
    let config = write_config(dir.path(), &topics, PARTITIONS);
    let data = dir.path().join("data");
    let Some(_tmpfs) = Tmpfs::mount(&data, "16m") else {
        return;
    };
    common::kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = load(&config);
    let group = ServicesOptions::for_config(&cfg).group(ServiceName::Notification);
    let mut consumers = Consumers::spawn(
        &config,
        dir.path().join("consumers.stderr"),
        &["--service", "notification"],
    );

    // Before: a few small messages, stored and committed.
    publish(&topics.created, 0..5, 10);
    wait_for(
        "the first messages committed",
        Duration::from_secs(60),
        || (committed(&group, &topics.created) == 5).then_some(()),
    );

    // The disk fills up; then larger messages arrive (no batch of them fits).
    let filler = fill(&data);
    let published = std::time::Instant::now();
    publish(&topics.created, 5..15, 200_000);
    // Seen on stderr within seconds: the process's stderr is read as it runs.
    let stalled = wait_for(
        "stalled: disk full on stderr",
        Duration::from_secs(20),
        || {
            let text = consumers.stderr_so_far();
            text.contains("notification service: stalled: disk full")
                .then_some(text)
        },
    );
    eprintln!(
        "stderr said `stalled: disk full` {:?} after publishing began",
        published.elapsed()
    );
    assert!(!stalled.contains("resumed"), "{stalled}");
    // While stalled (a few retries later): nothing committed past what was stored.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(committed(&group, &topics.created), 5);

    // Space returns: the service resumes by itself and catches up exactly.
    std::fs::remove_file(&filler).unwrap();
    let freed = std::time::Instant::now();
    wait_for("resumed on stderr", Duration::from_secs(60), || {
        consumers
            .stderr_so_far()
            .contains("notification service: resumed: disk full cleared")
            .then_some(())
    });
    wait_for("everything committed", Duration::from_secs(60), || {
        (committed(&group, &topics.created) == 15).then_some(())
    });
    eprintln!("caught up {:?} after space was freed", freed.elapsed());
    assert!(consumers.terminate(), "{}", consumers.stderr_so_far());
    let report = report_json(&config, &[]);
    assert_eq!(report["notifications"], json!(15), "{report:#}");
    assert_eq!(report["dead_lettered"], json!({}), "{report:#}");
}

#[test]
fn a_panicking_consumer_is_counted_reported_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("faults-panic");
    let config = write_config(dir.path(), &topics, PARTITIONS);
    common::kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = load(&config);
    publish(&topics.created, 0..20, 10);

    let mut opts = ServicesOptions::for_config(&cfg);
    opts.session_timeout = Duration::from_secs(6);
    opts.poll_timeout = Duration::from_millis(100);
    let panicked = Arc::new(AtomicBool::new(false));
    let once = panicked.clone();
    // The first batch panics the thread mid-way: after the poll, before the store.
    opts.before_batch = Some(Arc::new(move |_, batch| {
        if !batch.is_empty() && !once.swap(true, Ordering::SeqCst) {
            panic!("injected by the test");
        }
    }));
    let group = opts.group(ServiceName::Notification);
    let handle = services::start(&cfg, opts, &[ServiceName::Notification]).unwrap();
    wait_for("all 20 committed", Duration::from_secs(90), || {
        (committed(&group, &topics.created) == 20).then_some(())
    });
    let snap = handle.stats();
    let svc = snap.service(ServiceName::Notification).unwrap();
    assert!(panicked.load(Ordering::SeqCst));
    assert_eq!(svc.counters.panics, 1);
    assert_eq!(svc.counters.restarts, 1);
    assert_eq!(svc.consumers, 1);
    assert_eq!(
        svc.last_error.as_deref(),
        Some("consumer 0 panicked: injected by the test; restarting")
    );
    // Nothing lost, nothing twice: every message stored once.
    assert_eq!(svc.counters.processed, 20);
    let report = handle.report().unwrap();
    assert_eq!(report.notifications, 20);
}

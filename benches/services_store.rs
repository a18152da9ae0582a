//! Services throughput by store, end to end on Apache Kafka: N `MessageCreatedEvent`s
//! on a fresh 6-partition topic, consumed by `kaftop consumers` processes (the
//! notification, analytics and read-receipt services) storing into SQLite (one
//! instance), PostgreSQL (one instance) or PostgreSQL (two instances in the same
//! groups). Timed from the processes' start, group join included, until the store
//! says every service has processed all N. Beside each, the one-transaction-per-event
//! baseline: the same processes with `--batch-size 1` (a transaction and an offset
//! commit per event).
//!
//!     scripts/bench-services.sh                 # starts Kafka and PostgreSQL itself
//!
//! or with both already running:
//!
//!     KAFTOP_TEST_BOOTSTRAP=127.0.0.1:PORT KAFTOP_TEST_POSTGRES_URL=postgres://… \
//!     KAFTOP_TEST_POSTGRES_PASSWORD=… cargo bench --bench services_store

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kaftop_core::config::{self, Overrides};
use kaftop_services::store::StoreTarget;
use kaftop_services::{service_id, ServiceName, Store};

const PARTITIONS: i32 = 6;
const PASSWORD_ENV: &str = "KAFTOP_TEST_POSTGRES_PASSWORD";
const SERVICES: [ServiceName; 3] = [
    ServiceName::Notification,
    ServiceName::Analytics,
    ServiceName::ReadReceipt,
];

fn unique(label: &str) -> String {
    format!(
        "{label}{}x{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros() % 1_000_000_000
    )
}

/// A config for fresh topics and, with `postgres`, a fresh schema of the database.
fn config(dir: &Path, bootstrap: &str, postgres: Option<&str>) -> std::path::PathBuf {
    let ns = unique("bench");
    let mut toml = format!(
        "data_dir = \"{}\"\n[topics.created]\nname = \"{ns}.message.created\"\npartitions = {PARTITIONS}\n\
         [topics.read]\nname = \"{ns}.message.read\"\npartitions = {PARTITIONS}\n\
         [topics.deleted]\nname = \"{ns}.message.deleted\"\npartitions = {PARTITIONS}\n\
         [profiles.default]\nbootstrap_servers = \"{bootstrap}\"\n",
        dir.display()
    );
    if let Some(url) = postgres {
        let schema = unique("bench_");
        let out = Command::new("psql")
            .arg(url)
            .args(["-q", "-c", &format!("CREATE SCHEMA {schema}")])
            .envs(std::env::var(PASSWORD_ENV).map(|p| ("PGPASSWORD", p)))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let sep = if url.contains('?') { '&' } else { '?' };
        toml.push_str(&format!(
            "[services]\nstore = \"{url}{sep}options=-csearch_path%3D{schema}\"\n\
             store_password_env = \"{PASSWORD_ENV}\"\n"
        ));
    }
    let path = dir.join("kaftop.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn kaftop(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaftop"));
    c.arg("--config").arg(config).env_remove("KAFTOP_CONFIG");
    c
}

/// Creates the topics and publishes `n` created events with `kaftop bulk`.
fn prepare(config: &Path, n: usize) {
    let ok = |c: &mut Command| {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    ok(kaftop(config).args(["topics", "ensure"]));
    ok(kaftop(config).args(["bulk", "--count", &n.to_string()]));
}

/// Runs `instances` consumer processes with `batch` records per transaction until
/// the store shows all `n` events processed by each service; events/s.
fn run(config: &Path, n: usize, instances: usize, batch: usize) -> f64 {
    let cfg = config::load(&Overrides {
        config_file: Some(config.to_path_buf()),
        ..Overrides::default()
    })
    .unwrap();
    let start = Instant::now();
    let mut children: Vec<Child> = (0..instances)
        .map(|_| {
            let mut c = kaftop(config);
            c.arg("consumers");
            for s in SERVICES {
                c.args(["--service", service_id(s)]);
            }
            c.args(["--batch-size", &batch.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let secs = loop {
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "run took too long"
        );
        std::thread::sleep(Duration::from_millis(50));
        let Ok(store) = Store::connect_existing(&StoreTarget::from(&cfg.store)) else {
            continue;
        };
        let Ok(r) = store.report() else { continue };
        let processed = |s: ServiceName| r.services.get(service_id(s)).map_or(0, |c| c.processed);
        if SERVICES.iter().all(|&s| processed(s) >= n as u64) {
            for s in SERVICES {
                assert_eq!(processed(s), n as u64, "{s:?}: exactly once");
            }
            break start.elapsed().as_secs_f64();
        }
    };
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    n as f64 / secs
}

fn main() {
    let Ok(bootstrap) = std::env::var("KAFTOP_TEST_BOOTSTRAP") else {
        println!("services_store: set KAFTOP_TEST_BOOTSTRAP (scripts/bench-services.sh does)");
        return;
    };
    let postgres = std::env::var("KAFTOP_TEST_POSTGRES_URL").ok();
    // `cargo test --benches` runs bench targets without `--bench`: stay quick then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("KAFTOP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 500 } else { 20_000 });
    let naive_n = (n / 20).max(100);
    println!(
        "{n} created events (batched, 500 per transaction), {naive_n} for one transaction \
         per event; notification + analytics + read-receipt; {PARTITIONS} partitions"
    );
    println!(
        "{:<28} {:>14} {:>14} {:>9}",
        "store", "batched ev/s", "naive ev/s", "speedup"
    );
    let mut rows: Vec<(&str, Option<&str>, usize)> = vec![("SQLite, 1 instance", None, 1)];
    if let Some(url) = postgres.as_deref() {
        rows.push(("PostgreSQL, 1 instance", Some(url), 1));
        rows.push(("PostgreSQL, 2 instances", Some(url), 2));
    }
    for (name, pg, instances) in rows {
        let measure = |events: usize, batch: usize| {
            let dir = tempfile::tempdir().unwrap();
            let config = config(dir.path(), &bootstrap, pg);
            prepare(&config, events);
            run(&config, events, instances, batch)
        };
        let batched = measure(n, 500);
        let naive = measure(naive_n, 1);
        println!(
            "{name:<28} {batched:>14.0} {naive:>14.0} {:>8.1}x",
            batched / naive
        );
    }
}

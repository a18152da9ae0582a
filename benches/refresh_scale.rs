//! One full cluster refresh at scale on Apache Kafka: 1 000, 5 000 and 10 000
//! partitions with 10, 100 and 1 000 consumer groups, kaftop's poller side by side
//! with Apache Kafka's own `kafka-consumer-groups --describe --all-groups` in the
//! same run, plus the requests each kaftop refresh sends.
//!
//!     scripts/bench-refresh-scale.sh    # starts a broker, runs this, measures the TUI's RSS
//!
//! Partitions come as topics of 100 partitions; group `i` has committed offsets on
//! every partition of topic `i mod topics` (so 1 000 groups hold 100 000 offsets).
//! Groups are deleted before each partition size, so each row's refresh sees
//! exactly its number of groups.
//! The tool's time includes its JVM start, which is measured alone (`--version`) and
//! printed, so that both the whole and the request part can be compared.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};

#[path = "support/cluster.rs"]
mod cluster;

const TIMEOUT: Duration = Duration::from_secs(60);
const ROUNDS: usize = 3;
const PER_TOPIC: i32 = 100;
const PARTITIONS: [usize; 3] = [1_000, 5_000, 10_000];
const GROUPS: [usize; 3] = [10, 100, 1_000];

fn main() {
    let Ok(bootstrap) = std::env::var("KAFTOP_TEST_BOOTSTRAP") else {
        eprintln!("set KAFTOP_TEST_BOOTSTRAP (scripts/bench-refresh-scale.sh does)");
        std::process::exit(2);
    };
    let run = std::process::id();
    let jvm = timed_tool(&["--version"]).0;
    println!(
        "kafka-consumer-groups JVM start alone (--version): {:.0} ms",
        ms(jvm)
    );
    println!();
    println!("| partitions | groups | kaftop refresh (median of {ROUNDS}) | kaftop requests | kafka-consumer-groups --describe --all-groups | tool minus JVM start | tool / kaftop |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");

    let mut topics: Vec<String> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for partitions in PARTITIONS {
        let want = partitions / PER_TOPIC as usize;
        let new: Vec<String> = (topics.len()..want)
            .map(|i| format!("bench-scale-{run}-{i}"))
            .collect();
        cluster::create_topics(&bootstrap, &new, PER_TOPIC, TIMEOUT);
        topics.extend(new);
        // Each size starts from no groups: a full refresh sees every group.
        cluster::delete_groups(&bootstrap, &groups, TIMEOUT);
        groups.clear();
        for group_count in GROUPS {
            while groups.len() < group_count {
                let i = groups.len();
                let g = format!("bench-scale-{run}-group-{i}");
                cluster::commit_all(&bootstrap, &g, &topics[i % topics.len()], PER_TOPIC);
                groups.push(g);
            }
            let (kaftop, requests) = refresh(&bootstrap, partitions, group_count);
            let (tool, rows) = timed_tool(&[
                "--bootstrap-server",
                &bootstrap,
                "--describe",
                "--all-groups",
            ]);
            // Every committed partition is a row of the tool's table.
            assert!(
                rows >= group_count * PER_TOPIC as usize,
                "the tool printed {rows} rows for {group_count} groups"
            );
            println!(
                "| {partitions} | {group_count} | {:.0} ms | {requests} | {:.0} ms | {:.0} ms | {:.1}× |",
                ms(kaftop),
                ms(tool),
                ms(tool.saturating_sub(jvm)),
                tool.as_secs_f64() / kaftop.as_secs_f64()
            );
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median wall time and request count of a full refresh (every topic, every
/// group), after one warm-up refresh as a running dashboard has had.
fn refresh(bootstrap: &str, partitions: usize, groups: usize) -> (Duration, u64) {
    let cfg = config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.into()),
            ..Default::default()
        },
    )
    .expect("config");
    let mut opts = PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg));
    opts.timeout = TIMEOUT;
    let mut r = Refresher::new(&cfg, opts).expect("refresher");
    // Warm up as a running dashboard is: new partitions answer NotLeaderForPartition
    // for a moment after their leader shows in metadata.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let snap = r.refresh();
        if snap.connected && snap.errors.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "{:?}", snap.errors);
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let snap = r.refresh();
        times.push(t.elapsed());
        assert!(
            snap.connected && snap.errors.is_empty(),
            "{:?}",
            snap.errors
        );
        let seen: usize = snap
            .topics
            .iter()
            .filter(|t| t.name.starts_with("bench-scale-"))
            .map(|t| t.partitions.len())
            .sum();
        assert!(seen >= partitions, "{seen} partitions seen");
        let ours = snap
            .groups
            .iter()
            .filter(|g| g.group_id.starts_with("bench-scale-"))
            .count();
        assert!(ours >= groups, "{ours} groups seen");
        requests = snap.requests;
    }
    times.sort();
    (times[times.len() / 2], requests)
}

/// Runs `kafka-consumer-groups ARGS` once; wall time and the number of output lines.
fn timed_tool(args: &[&str]) -> (Duration, usize) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-broker.sh");
    let t = Instant::now();
    let out = Command::new(script)
        .arg("tool")
        .arg("kafka-consumer-groups")
        .args(args)
        .output()
        .expect("run kafka-consumer-groups");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "kafka-consumer-groups {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, String::from_utf8_lossy(&out.stdout).lines().count())
}

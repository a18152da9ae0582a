//! What exact time lag adds to a refresh on Apache Kafka: 1 000 lagging partitions
//! (10 topics of 100, one group 10 records behind on each), the poller's refresh
//! without reading records side by side with the refresh that reads the record at
//! every committed offset — cold (empty cache), warm (no offset moved), and with a
//! tenth of the offsets moved — plus the Fetch requests the reader sent, from
//! librdkafka's own statistics.
//!
//!     scripts/bench-exact-time-lag.sh    # starts a broker, runs this, stops it

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use kaftop::config::{self, Overrides, Resolved};
use kaftop::kafka::committed_records::ReadLimits;
use kaftop::kafka::poller::{PollerOptions, Refresher};
use kaftop::kafka::snapshot::{ClusterSnapshot, RecordRead};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

#[path = "support/cluster.rs"]
mod cluster;

const TIMEOUT: Duration = Duration::from_secs(60);
const TOPICS: usize = 10;
const PER_TOPIC: i32 = 100;
const RECORDS: i64 = 20;
const COMMITTED: i64 = 10;
const ROUNDS: usize = 5;

fn main() {
    let Ok(bootstrap) = std::env::var("KAFTOP_TEST_BOOTSTRAP") else {
        eprintln!("set KAFTOP_TEST_BOOTSTRAP (scripts/bench-exact-time-lag.sh does)");
        std::process::exit(2);
    };
    let run = std::process::id();
    let topics: Vec<String> = (0..TOPICS)
        .map(|i| format!("bench-timelag-{run}-{i}"))
        .collect();
    let group = format!("bench-timelag-{run}-group");
    cluster::create_topics(&bootstrap, &topics, PER_TOPIC, TIMEOUT);
    produce(&bootstrap, &topics);
    commit(&bootstrap, &group, &topics, |_| COMMITTED);
    let cfg = resolved(&bootstrap);

    let mut plain = refresher(&cfg, &group, None);
    warm_up(&mut plain);
    let (without, requests) = median(&mut plain, |_| {});
    println!("1 000 lagging partitions, one broker; median of {ROUNDS} refreshes each");
    println!();
    println!("| refresh | time | admin/metadata requests | Fetch requests | records read |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| without exact time lag | {:.0} ms | {requests} | 0 | 0 |",
        ms(without)
    );

    // Cold: a new reader each time, so every offset is read and every topic is
    // new to its consumer.
    let mut cold = Vec::new();
    let mut cold_fetches = Vec::new();
    for _ in 0..ROUNDS {
        let mut r = refresher(&cfg, &group, Some(limits()));
        warm_up_without_reading(&mut r);
        let before = fetches(&r);
        let t = Instant::now();
        let snap = r.refresh();
        cold.push(t.elapsed());
        assert_eq!(exact(&snap), 1_000, "every record read");
        cold_fetches.push(fetches(&r) - before);
    }
    println!(
        "| exact, new reader (cold cache, topics new to it) | {:.0} ms | {requests} | {} | 1 000 |",
        ms(mid(&mut cold)),
        fetch_cell(&cold_fetches)
    );

    let mut r = refresher(&cfg, &group, Some(limits()));
    warm_up(&mut r);
    // Every offset moves before each refresh: nothing in the cache helps.
    let mut all = Vec::new();
    let mut all_fetches = Vec::new();
    for round in 0..ROUNDS as i64 {
        commit(&bootstrap, &group, &topics, |_| COMMITTED - 1 - round % 2);
        let before = fetches(&r);
        let t = Instant::now();
        let snap = r.refresh();
        all.push(t.elapsed());
        assert_eq!(exact(&snap), 1_000);
        all_fetches.push(fetches(&r) - before);
    }
    println!(
        "| exact, all 1 000 offsets moved (cold cache) | {:.0} ms | {requests} | {} | 1 000 |",
        ms(mid(&mut all)),
        fetch_cell(&all_fetches)
    );

    // A tenth of the offsets move before each refresh.
    let mut moved = Vec::new();
    let mut moved_fetches = Vec::new();
    for round in 0..ROUNDS as i64 {
        commit(&bootstrap, &group, &topics[..1], |_| COMMITTED - round % 2);
        let before = fetches(&r);
        let t = Instant::now();
        let snap = r.refresh();
        moved.push(t.elapsed());
        assert_eq!(exact(&snap), 1_000);
        moved_fetches.push(fetches(&r) - before);
    }
    println!(
        "| exact, 100 offsets moved | {:.0} ms | {requests} | {} | 100 |",
        ms(mid(&mut moved)),
        fetch_cell(&moved_fetches)
    );

    let before = fetches(&r);
    let (warm, _) = median(&mut r, |snap| assert_eq!(exact(snap), 1_000));
    let warm_fetches = fetches(&r) - before;
    println!(
        "| exact, warm cache (no offset moved) | {:.0} ms | {requests} | {warm_fetches} in {ROUNDS} refreshes | 0 |",
        ms(warm)
    );
}

/// The poller's limits, with a budget no refresh here reaches, counting fetches.
fn limits() -> ReadLimits {
    ReadLimits {
        budget: Duration::from_secs(10),
        count_fetches: true,
        ..ReadLimits::default()
    }
}

fn resolved(bootstrap: &str) -> Resolved {
    config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.into()),
            ..Default::default()
        },
    )
    .unwrap()
}

fn refresher(cfg: &Resolved, group: &str, exact: Option<ReadLimits>) -> Refresher {
    let mut opts = PollerOptions::from_config(cfg, Vec::new());
    opts.only_groups = Some(vec![group.to_string()]);
    opts.timeout = TIMEOUT;
    opts.exact_time_lag = exact;
    Refresher::new(cfg, opts).unwrap()
}

/// Refreshes until the cluster answers without errors (new partitions answer
/// NotLeaderForPartition for a moment) and, with exact time lag, every record
/// was read once.
fn warm_up(r: &mut Refresher) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let snap = r.refresh();
        let read = r.record_reader().is_none() || exact(&snap) == 1_000;
        if snap.connected && snap.errors.is_empty() && read {
            return;
        }
        assert!(Instant::now() < deadline, "{:?}", snap.errors);
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Warms the client's connections and metadata without filling the reader's
/// cache: the reader's first refresh is the cold one.
fn warm_up_without_reading(r: &mut Refresher) {
    let _ = r.admin().client().fetch_metadata(None, TIMEOUT);
}

/// Median time and the requests of the last of `ROUNDS` refreshes.
fn median(r: &mut Refresher, check: impl Fn(&ClusterSnapshot)) -> (Duration, u64) {
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
        check(&snap);
        requests = snap.requests;
    }
    (mid(&mut times), requests)
}

fn mid(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Records read exactly in a snapshot.
fn exact(snap: &ClusterSnapshot) -> usize {
    snap.committed_records
        .iter()
        .filter(|r| matches!(r.read, RecordRead::Timestamp { .. }))
        .count()
}

/// Fetch requests the reader has sent, once librdkafka's statistics (every
/// 100 ms) have caught up.
fn fetches(r: &Refresher) -> u64 {
    std::thread::sleep(Duration::from_millis(350));
    r.record_reader()
        .and_then(|x| x.fetch_requests())
        .unwrap_or(0)
}

fn fetch_cell(per_refresh: &[u64]) -> String {
    let min = per_refresh.iter().min().unwrap_or(&0);
    let max = per_refresh.iter().max().unwrap_or(&0);
    if min == max {
        format!("{min}")
    } else {
        format!("{min}–{max}")
    }
}

/// `RECORDS` records on every partition, timestamps a second apart an hour ago.
fn produce(bootstrap: &str, topics: &[String]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .create()
        .unwrap();
    let t0 = chrono::Utc::now().timestamp_millis() - 3_600_000;
    for t in topics {
        for p in 0..PER_TOPIC {
            for i in 0..RECORDS {
                loop {
                    let rec = BaseRecord::to(t)
                        .partition(p)
                        .key("k")
                        .payload("{}")
                        .timestamp(t0 + i * 1000);
                    match producer.send(rec) {
                        Ok(()) => break,
                        Err(_) => producer.poll(Duration::from_millis(10)),
                    };
                }
            }
        }
    }
    producer.flush(TIMEOUT).unwrap();
}

/// Commits `offset(partition)` for `group` on every partition of `topics`.
fn commit(bootstrap: &str, group: &str, topics: &[String], offset: impl Fn(i32) -> i64) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for t in topics {
        for p in 0..PER_TOPIC {
            tpl.add_partition_offset(t, p, Offset::Offset(offset(p)))
                .unwrap();
        }
    }
    c.commit(&tpl, CommitMode::Sync).unwrap();
}

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

use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_core::kafka::committed_records::{CommittedRecordReader, ReadLimits, RecordKey};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::kafka::snapshot::{ClusterSnapshot, RecordRead};
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

    // Fetch requests are counted on readers with librdkafka's statistics on, and
    // times taken on readers without them (statistics of 1 000 partitions every
    // 100 ms take CPU of their own).
    let (cold_fetches, _) = cold(&cfg, &group, true);
    let (_, mut cold_times) = cold(&cfg, &group, false);
    println!(
        "| exact, new reader (cold cache, topics new to it) | {:.0} ms | {requests} | {} | 1 000 |",
        ms(mid(&mut cold_times)),
        fetch_cell(&cold_fetches)
    );
    let counted = running(&cfg, &bootstrap, &group, &topics, None);
    let timed = running(&cfg, &bootstrap, &group, &topics, Some(&mut plain));
    let rows = [
        ("exact, all 1 000 offsets moved (cold cache)", "1 000"),
        ("exact, 100 offsets moved", "100"),
        ("exact, warm cache (no offset moved)", "0"),
    ];
    for (i, (what, read)) in rows.iter().enumerate() {
        let (mut times, _) = timed[i].clone();
        println!(
            "| {what} | {:.0} ms | {requests} | {} | {read} |",
            ms(mid(&mut times)),
            fetch_cell(&counted[i].1)
        );
    }
    let (mut again, _) = timed[3].clone();
    println!(
        "| without exact time lag, interleaved with the warm ones | {:.0} ms | {requests} | 0 | 0 |",
        ms(mid(&mut again))
    );
    reader_alone(&cfg, &topics);
}

/// The read alone (`CommittedRecordReader::read`, no admin calls around it), on a
/// reader without statistics: a first read, every offset moved, a tenth moved,
/// none moved.
fn reader_alone(cfg: &Resolved, topics: &[String]) {
    let keys = |moved: usize, offset: i64| -> Vec<RecordKey> {
        topics
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                let o = if i < moved { offset } else { COMMITTED };
                (0..PER_TOPIC).map(move |p| (t.clone(), p, o))
            })
            .collect()
    };
    let mut reader = CommittedRecordReader::new(cfg, limits(false)).unwrap();
    let t = Instant::now();
    let first = reader.read(&keys(0, COMMITTED));
    let first_ms = ms(t.elapsed());
    assert_eq!(first.fetched, 1_000);
    let mut rows: Vec<(&str, Vec<Duration>)> = Vec::new();
    for (what, moved) in [
        ("all 1 000 offsets moved", TOPICS),
        ("100 offsets moved", 1),
        ("no offset moved", 0),
    ] {
        let mut times = Vec::new();
        for round in 0..ROUNDS as i64 {
            let wanted = keys(moved, COMMITTED - 1 - round % 2);
            let t = Instant::now();
            let report = reader.read(&wanted);
            times.push(t.elapsed());
            assert_eq!(report.fetched, moved * PER_TOPIC as usize);
        }
        rows.push((what, times));
        // Back to the committed offsets, as the next case starts from them.
        reader.read(&keys(0, COMMITTED));
    }
    println!();
    println!("The read alone (median of {ROUNDS}):");
    println!();
    println!("| read | time |");
    println!("|---|---:|");
    println!("| first read of a new reader (1 000 offsets) | {first_ms:.0} ms |");
    for (what, mut times) in rows {
        println!("| {what} | {:.1} ms |", ms(mid(&mut times)));
    }
}

/// A new reader per refresh: every offset read, every topic new to its consumer.
/// Fetch requests per refresh (when `count`) and times.
fn cold(cfg: &Resolved, group: &str, count: bool) -> (Vec<u64>, Vec<Duration>) {
    let (mut sent, mut times) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut r = refresher(cfg, group, Some(limits(count)));
        warm_up_without_reading(&mut r);
        let before = fetches(&r, count);
        let t = Instant::now();
        let snap = r.refresh();
        times.push(t.elapsed());
        assert_eq!(exact(&snap), 1_000, "every record read");
        sent.push(fetches(&r, count) - before);
    }
    (sent, times)
}

/// One running reader: refreshes with every offset moved, with a tenth moved, and
/// with none moved — the last interleaved with `plain` when given, whose times come
/// fourth. Per scenario: times and Fetch requests per refresh (counted when `plain`
/// is `None`).
fn running(
    cfg: &Resolved,
    bootstrap: &str,
    group: &str,
    topics: &[String],
    mut plain: Option<&mut Refresher>,
) -> Vec<(Vec<Duration>, Vec<u64>)> {
    let count = plain.is_none();
    let mut r = refresher(cfg, group, Some(limits(count)));
    warm_up(&mut r);
    let mut out = Vec::new();
    for moved in [topics, &topics[..1]] {
        let (mut times, mut sent) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS as i64 {
            commit(bootstrap, group, moved, |_| COMMITTED - 1 - round % 2);
            let before = fetches(&r, count);
            let t = Instant::now();
            let snap = r.refresh();
            times.push(t.elapsed());
            assert_eq!(exact(&snap), 1_000);
            sent.push(fetches(&r, count) - before);
        }
        out.push((times, sent));
    }
    let (mut warm, mut without, mut sent) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let before = fetches(&r, count);
        let t = Instant::now();
        let snap = r.refresh();
        warm.push(t.elapsed());
        assert_eq!(exact(&snap), 1_000);
        sent.push(fetches(&r, count) - before);
        if let Some(p) = plain.as_deref_mut() {
            let t = Instant::now();
            p.refresh();
            without.push(t.elapsed());
        }
    }
    out.push((warm, sent));
    out.push((without, Vec::new()));
    out
}

/// The poller's limits, with a budget no refresh here reaches.
fn limits(count_fetches: bool) -> ReadLimits {
    ReadLimits {
        budget: Duration::from_secs(10),
        count_fetches,
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
/// 100 ms) have caught up; 0 when not counting.
fn fetches(r: &Refresher, count: bool) -> u64 {
    if !count {
        return 0;
    }
    std::thread::sleep(Duration::from_millis(350));
    r.record_reader()
        .and_then(|x| x.fetch_requests())
        .unwrap_or(0)
}

/// Fetch requests per refresh: the total over the refreshes measured, and the
/// range per refresh (statistics come every 100 ms, so a request may be counted
/// with the next refresh).
fn fetch_cell(per_refresh: &[u64]) -> String {
    let total: u64 = per_refresh.iter().sum();
    let min = per_refresh.iter().min().unwrap_or(&0);
    let max = per_refresh.iter().max().unwrap_or(&0);
    format!(
        "{total} in {} refreshes ({min}–{max} each)",
        per_refresh.len()
    )
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

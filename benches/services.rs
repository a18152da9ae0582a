//! Events/s the embedded services store into SQLite: kaftop's batched store (one
//! transaction per poll batch of 500) against the naive one-save-per-event pattern of
//! the seed's Spring repositories (one transaction per event), both through the same
//! `Store::apply_batch` code and the same schema, in the same run, on a file-backed
//! store with the shipped durability (WAL, `synchronous=FULL`). A second naive column
//! uses `synchronous=NORMAL` (no fsync per commit), to show what is due to fsync.
//!
//!     cargo bench --bench services                 # 20 000 events per service
//!     KAFTOP_BENCH_EVENTS=50000 cargo bench --bench services
//!
//! With `KAFTOP_TEST_BOOTSTRAP` set (a broker from `scripts/test-broker.sh start`), it
//! also runs end to end: N `MessageCreatedEvent`s published with a plain producer,
//! then the notification, analytics and read-receipt services consume them in-process
//! (one consumer each), timed from start until each has stored all N; the peer is the
//! same runtime with `batch_size = 1` (one transaction and one synchronous offset
//! commit per event), on its own topic.
//!
//!     KAFTOP_BROKER_DIR=/tmp/bench-broker scripts/test-broker.sh start
//!     KAFTOP_TEST_BOOTSTRAP=127.0.0.1:PORT cargo bench --bench services

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use kaftop_core::events::{
    EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};
use kaftop_services::store::{Item, Store};
use kaftop_services::ServiceName;
use kaftop_services::{is_vip, service_id, RawRecord, ALL_SERVICES};

const BATCH: usize = 500;

/// The events one service consumes: a realistic mix per service.
fn workload(s: ServiceName, n: usize) -> Vec<(MessageEvent, RawRecord)> {
    let t = |i: usize| {
        EventTime::parse(&format!(
            "2026-11-{:02}T{:02}:{:02}:00",
            20 + (i / 5000) % 8,
            (i / 60) % 24,
            i % 60
        ))
        .unwrap()
    };
    let created = |i: usize| {
        MessageEvent::Created(MessageCreatedEvent {
            message_id: i as i64,
            sender_id: (i % 997) as i64,
            receiver_id: (i % 991) as i64 + 1000,
            content: format!("hello number {i}, how are you today?"),
            created_at: t(i),
        })
    };
    let read = |i: usize| {
        MessageEvent::Read(MessageReadEvent {
            message_id: i as i64,
            receiver_id: (i % 991) as i64 + 1000,
            read_at: t(i),
        })
    };
    let events: Vec<MessageEvent> = match s {
        ServiceName::Notification => (0..n).map(created).collect(),
        // Half created, half reads of those messages (each read after its message).
        ServiceName::Analytics | ServiceName::ReadReceipt => (0..n / 2)
            .map(created)
            .chain((0..n - n / 2).map(read))
            .collect(),
        ServiceName::Archive => (0..n)
            .map(|i| {
                MessageEvent::Deleted(MessageDeletedEvent {
                    message_id: i as i64,
                    sender_id: (i % 997) as i64,
                    receiver_id: (i % 991) as i64 + 1000,
                    deleted_at: t(i),
                })
            })
            .collect(),
    };
    events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let value = e.to_json().into_bytes();
            let raw = RawRecord {
                topic: format!("message.{}", e.kind()),
                partition: (i % 3) as i32,
                offset: i as i64,
                key: Some(e.message_id().to_string().into_bytes()),
                value: Some(value),
                headers: Vec::new(),
            };
            (e, raw)
        })
        .collect()
}

/// Applies `events` in chunks of `batch` to a fresh file store; events/s.
fn run(s: ServiceName, events: &[(MessageEvent, RawRecord)], batch: usize, sync: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("services.db")).unwrap();
    store.set_synchronous(sync).unwrap();
    let vips: HashSet<i64> = [7, 42].into();
    let items: Vec<Item<'_>> = events
        .iter()
        .map(|(e, raw)| Item::Event {
            event: e,
            vip: is_vip(e, &vips),
            raw,
        })
        .collect();
    let start = Instant::now();
    let mut processed = 0;
    for chunk in items.chunks(batch) {
        let o = store.apply_batch(s, chunk, &vips, 0, Utc::now()).unwrap();
        processed += o.processed;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(
        processed as usize,
        events.len(),
        "{s:?}: every event stored"
    );
    events.len() as f64 / secs
}

/// Publishes `n` created events and times the services consuming them, with
/// `batch` records per transaction; events/s per service (from start to all stored).
fn end_to_end(bootstrap: &str, n: usize, batch: usize) -> Vec<(ServiceName, f64)> {
    use kaftop_core::config::{self, Overrides};
    use rdkafka::producer::{FutureProducer, FutureRecord};

    let dir = tempfile::tempdir().unwrap();
    let ns = format!(
        "bench{}-{}",
        std::process::id(),
        Utc::now().timestamp_millis() % 1_000_000
    );
    let toml = format!(
        "data_dir = \"{}\"\n[topics.created]\nname = \"{ns}.message.created\"\n\
         [topics.read]\nname = \"{ns}.message.read\"\n\
         [topics.deleted]\nname = \"{ns}.message.deleted\"\n\
         [profiles.default]\nbootstrap_servers = \"{bootstrap}\"\n",
        dir.path().display()
    );
    let file = config::parse_str(&toml, "bench.toml").unwrap();
    let cfg = config::resolve(Some(&file), None, &Overrides::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for r in kaftop_core::kafka::topics::ensure(&cfg).await.unwrap() {
            assert!(
                !matches!(
                    r.outcome,
                    kaftop_core::kafka::topics::Outcome::Failed { .. }
                ),
                "{r:?}"
            );
        }
        let producer: FutureProducer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("linger.ms", "5")
            .create()
            .unwrap();
        let events = workload(ServiceName::Notification, n);
        let mut pending = Vec::with_capacity(n);
        for (_, raw) in &events {
            let key = raw.key.clone().unwrap_or_default();
            let value = raw.value.clone().unwrap_or_default();
            let mut rec = FutureRecord::to(&cfg.topics.created.name)
                .key(&key)
                .payload(&value);
            loop {
                match producer.send_result(rec) {
                    Ok(f) => {
                        pending.push(f);
                        break;
                    }
                    Err((_, back)) => {
                        rec = back;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
        }
        for f in pending {
            f.await.unwrap().unwrap();
        }
    });

    // KAFTOP_BENCH_SERVICES=notification runs one service alone.
    let which: Vec<ServiceName> = match std::env::var("KAFTOP_BENCH_SERVICES") {
        Ok(list) => list
            .split(',')
            .map(|s| kaftop_services::service_from_id(s.trim()).expect("a service name"))
            .collect(),
        Err(_) => vec![
            ServiceName::Notification,
            ServiceName::Analytics,
            ServiceName::ReadReceipt,
        ],
    };
    let mut opts = kaftop_services::ServicesOptions::for_config(&cfg);
    opts.batch_size = batch;
    opts.session_timeout = Duration::from_secs(6);
    let start = Instant::now();
    let handle = kaftop_services::start(&cfg, opts, &which).unwrap();
    let mut done: Vec<(ServiceName, f64)> = Vec::new();
    while done.len() < which.len() {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "end-to-end run took too long"
        );
        let snap = handle.stats();
        for &s in &which {
            let c = snap.service(s).unwrap().counters;
            if c.consumed as usize >= n && !done.iter().any(|(d, _)| *d == s) {
                assert_eq!(c.processed as usize, n, "{s:?}");
                done.push((s, n as f64 / start.elapsed().as_secs_f64()));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.shutdown();
    done.sort_by_key(|(s, _)| *s);
    done
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: stay quick then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("KAFTOP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1000 } else { 20_000 });
    // The naive runs fsync per event: fewer events keep them to a few seconds.
    let naive_n = (n / 10).max(200);

    println!(
        "events per service: {n} batched (batch {BATCH}), {naive_n} naive (1 per transaction)"
    );
    println!(
        "{:<14} {:>18} {:>18} {:>10} {:>22}",
        "service", "batched FULL ev/s", "naive FULL ev/s", "speedup", "naive NORMAL ev/s"
    );
    for s in ALL_SERVICES {
        let events = workload(s, n);
        let naive_events = workload(s, naive_n);
        let batched = run(s, &events, BATCH, "FULL");
        let naive = run(s, &naive_events, 1, "FULL");
        let naive_normal = run(s, &naive_events, 1, "NORMAL");
        println!(
            "{:<14} {:>18.0} {:>18.0} {:>9.1}x {:>22.0}",
            service_id(s),
            batched,
            naive,
            batched / naive,
            naive_normal
        );
    }

    if let Ok(bootstrap) = std::env::var("KAFTOP_TEST_BOOTSTRAP") {
        let e2e_n = if quick { 500 } else { n };
        let naive_e2e_n = (e2e_n / 10).max(100);
        println!();
        println!(
            "end to end on {bootstrap}: {e2e_n} created events batched (batch {BATCH}), \
             {naive_e2e_n} naive (batch 1: a transaction and an offset commit per event)"
        );
        let batched = end_to_end(&bootstrap, e2e_n, BATCH);
        let naive = end_to_end(&bootstrap, naive_e2e_n, 1);
        println!(
            "{:<14} {:>18} {:>18} {:>10}",
            "service", "batched ev/s", "naive ev/s", "speedup"
        );
        for ((s, b), (_, nv)) in batched.iter().zip(&naive) {
            println!(
                "{:<14} {:>18.0} {:>18.0} {:>9.1}x",
                service_id(*s),
                b,
                nv,
                b / nv
            );
        }
    }
}

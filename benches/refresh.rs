//! Cost of one full cluster refresh: kaftop's batched poller against the naive
//! approach (a watermark query per partition, a consumer per group), on the real
//! test broker, for 10/100/1000 partitions and 1/10/50 groups.
//!
//!     scripts/bench-refresh.sh     # starts a broker, runs this, stops it
//!
//! Requests are counted per call with librdkafka's wire behaviour: the batched
//! refresh reports its own count (one ListOffsets request per leader broker per
//! call, one OffsetFetch per group, three metadata-type requests); a naive
//! watermark query sends two ListOffsets requests, and each per-group consumer
//! sends FindCoordinator and OffsetFetch.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, TopicPartitionList};

use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};

#[path = "support/cluster.rs"]
mod cluster;
use cluster::commit_all;

const TIMEOUT: Duration = Duration::from_secs(30);
const ROUNDS: usize = 5;

fn main() {
    let Ok(bootstrap) = std::env::var("KAFTOP_TEST_BOOTSTRAP") else {
        eprintln!("set KAFTOP_TEST_BOOTSTRAP (scripts/bench-refresh.sh does)");
        std::process::exit(2);
    };
    let run_id = std::process::id();
    println!("| partitions | groups | batched wall (median of {ROUNDS}) | batched requests | naive wall | naive requests | speed-up |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for partitions in [10, 100, 1000] {
        let topic = format!("bench-refresh-{run_id}-{partitions}");
        cluster::create_topics(
            &bootstrap,
            std::slice::from_ref(&topic),
            partitions,
            TIMEOUT,
        );
        let mut groups: Vec<String> = Vec::new();
        for group_count in [1usize, 10, 50] {
            while groups.len() < group_count {
                let g = format!("bench-group-{run_id}-{partitions}-{}", groups.len());
                commit_all(&bootstrap, &g, &topic, partitions);
                groups.push(g);
            }
            let (batched, requests) = batched_refresh(&bootstrap, &topic, &groups);
            let (naive, naive_requests) = naive_refresh(&bootstrap, &topic, partitions, &groups);
            println!(
                "| {partitions} | {group_count} | {:.1} ms | {requests} | {:.1} ms | {naive_requests} | {:.1}× |",
                ms(batched),
                ms(naive),
                naive.as_secs_f64() / batched.as_secs_f64()
            );
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn batched_refresh(bootstrap: &str, topic: &str, groups: &[String]) -> (Duration, u64) {
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
    opts.only_groups = Some(groups.to_vec());
    opts.timeout = TIMEOUT;
    let mut r = Refresher::new(&cfg, opts).expect("refresher");
    r.refresh(); // connect and warm metadata, as a running dashboard is
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let snap = r.refresh();
        times.push(t.elapsed());
        assert!(snap.connected, "{:?}", snap.errors);
        assert!(snap.topic(topic).is_some());
        assert_eq!(snap.groups.len(), groups.len());
        requests = snap.requests;
    }
    (median(times), requests)
}

/// Per-partition watermark queries and one consumer per group: what a dashboard
/// built on rdkafka's high-level calls alone would do.
fn naive_refresh(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    groups: &[String],
) -> (Duration, u64) {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("consumer");
    client.fetch_metadata(None, TIMEOUT).expect("metadata");
    let mut times = Vec::new();
    for _ in 0..ROUNDS.min(3) {
        let t = Instant::now();
        client.fetch_metadata(None, TIMEOUT).expect("metadata");
        for p in 0..partitions {
            client
                .fetch_watermarks(topic, p, TIMEOUT)
                .expect("watermarks");
        }
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            tpl.add_partition(topic, p);
        }
        for g in groups {
            let c: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", bootstrap)
                .set("group.id", g)
                .create()
                .expect("consumer");
            let offsets = c
                .committed_offsets(tpl.clone(), TIMEOUT)
                .expect("committed");
            assert_eq!(offsets.count(), partitions as usize);
        }
        times.push(t.elapsed());
    }
    let requests = 1 + 2 * partitions as u64 + 2 * groups.len() as u64;
    (median(times), requests)
}

//! Exact time lag, stuck partitions and the data-loss forecast against the real
//! test broker: records with known timestamps, offsets committed by an independent
//! client, the log start moved by Kafka's own kafka-delete-records. The poller reads
//! the cluster; the engine is fed each snapshot at a chosen monotonic time, so that
//! rates, "stuck for" and forecasts are exact numbers, not races with the clock.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::{commit_offsets, create_topic};
use common::{assert_success, bootstrap, kafka_tool, kaftop, unique};
use kaftop_core::config::{self, LagConfig, Overrides, Resolved};
use kaftop_core::kafka::committed_records::{CommittedRecordReader, ReadLimits};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::kafka::snapshot::{ClusterSnapshot, RecordRead};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, DataLoss, GroupMetrics, MetricsEngine, Stuck, TimeLag};
use rdkafka::consumer::Consumer;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

fn resolved(bootstrap: &str) -> Resolved {
    config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.to_string()),
            ..Default::default()
        },
    )
    .unwrap()
}

/// A poller of `group` whose record reads have the whole request timeout (as `kaftop
/// lag`'s), so that each refresh reads every record on a busy machine.
fn refresher(cfg: &Resolved, group: &str) -> Refresher {
    let mut o = PollerOptions::from_config(cfg, Vec::new());
    o.only_groups = Some(vec![group.to_string()]);
    o.exact_time_lag = Some(ReadLimits {
        budget: o.timeout,
        ..ReadLimits::default()
    });
    Refresher::new(cfg, o).unwrap()
}

fn engine(lag: LagConfig) -> MetricsEngine {
    MetricsEngine::new(EngineConfig::for_interval(Duration::from_secs(10)), lag)
}

/// One refresh, folded in as if taken at `secs` on the engine's monotonic clock.
fn step(r: &mut Refresher, e: &mut MetricsEngine, secs: u64) -> (ClusterSnapshot, ClusterMetrics) {
    let mut snap = r.refresh();
    assert!(snap.connected, "{:?}", snap.errors);
    snap.mono_ms = secs * 1000;
    let m = e.ingest(&snap);
    (snap, m)
}

fn group<'a>(m: &'a ClusterMetrics, id: &str) -> &'a GroupMetrics {
    m.groups.iter().find(|g| g.group_id == id).unwrap()
}

/// Writes records to `partition` with the given timestamps (ms since the epoch).
fn produce_at(b: &str, topic: &str, partition: i32, timestamps: &[i64]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", b)
        .create()
        .unwrap();
    for (i, &ts) in timestamps.iter().enumerate() {
        let key = i.to_string();
        producer
            .send(
                BaseRecord::to(topic)
                    .partition(partition)
                    .key(&key)
                    .payload("{}")
                    .timestamp(ts),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Writes `n` records to `partition` inside one committed transaction: offsets for
/// the records, then one for the commit marker.
fn produce_in_transaction(b: &str, topic: &str, partition: i32, n: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", b)
        .set("transactional.id", unique("insight-tx"))
        .create()
        .unwrap();
    producer.init_transactions(Duration::from_secs(30)).unwrap();
    producer.begin_transaction().unwrap();
    for i in 0..n {
        let key = i.to_string();
        producer
            .send(
                BaseRecord::to(topic)
                    .partition(partition)
                    .key(&key)
                    .payload("{}"),
            )
            .unwrap();
    }
    producer
        .commit_transaction(Duration::from_secs(30))
        .unwrap();
    // The coordinator writes the commit marker after answering: wait for it, so
    // that the next record comes after it.
    let consumer: rdkafka::consumer::BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", b)
        .create()
        .unwrap();
    common::wait_for("the commit marker", Duration::from_secs(30), || {
        let (_, high) = consumer
            .fetch_watermarks(topic, partition, Duration::from_secs(5))
            .ok()?;
        (high == n as i64 + 1).then_some(())
    });
}

/// Moves `topic`'s partition 0 log start to `offset` with kafka-delete-records.
fn delete_records(topic: &str, offset: i64) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("delete.json");
    let json = format!(
        r#"{{"version":1,"partitions":[{{"topic":"{topic}","partition":0,"offset":{offset}}}]}}"#
    );
    std::fs::write(&file, json).unwrap();
    let out = kafka_tool(
        "kafka-delete-records",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--offset-json-file",
            file.to_str().unwrap(),
        ],
    );
    assert_success(&out);
}

/// A whole second an hour ago: timestamps far from "now" make the age unmistakable.
fn an_hour_ago() -> i64 {
    (chrono::Utc::now().timestamp_millis() / 1000 - 3600) * 1000
}

#[test]
fn exact_time_lag_from_records_with_known_timestamps() {
    let b = bootstrap();
    let topic = unique("timelag");
    let g = unique("timelag-group");
    create_topic(&b, &topic, 2);
    let t0 = an_hour_ago();
    produce_at(
        &b,
        &topic,
        0,
        &(0..10).map(|i| t0 + i * 1000).collect::<Vec<_>>(),
    );
    produce_at(&b, &topic, 1, &[t0, t0]);
    commit_offsets(&b, &g, &[(topic.as_str(), 0, 4), (topic.as_str(), 1, 2)]);

    let cfg = resolved(&b);
    let mut r = refresher(&cfg, &g);
    let mut e = engine(cfg.lag.clone());
    let (snap, m) = step(&mut r, &mut e, 0);
    let gm = group(&m, &g);
    // The record at offset 4 was written at t0 + 4 s.
    let exact = TimeLag {
        secs: (snap.taken_at_ms - (t0 + 4000)) as f64 / 1000.0,
        exact: true,
        note: None,
    };
    assert_eq!(gm.rows[0].lag, Some(6));
    assert_eq!(gm.rows[0].time_lag, Some(exact.clone()));
    assert_eq!(gm.rows[0].time_lag_secs, Some(exact.secs));
    assert_eq!(gm.rows[1].lag, Some(0));
    assert_eq!(gm.rows[1].time_lag.as_ref().map(|t| t.secs), Some(0.0));
    assert_eq!(gm.time_lag, Some(exact));

    // `kaftop lag --json` carries it; its refresh happens between these two clocks.
    let before = chrono::Utc::now().timestamp_millis();
    let out = kaftop()
        .args(["-b", &b, "lag", "--group", &g, "--json"])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let after = chrono::Utc::now().timestamp_millis();
    assert_success(&out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row0 = &rows[0];
    assert_eq!(row0["partition"], 0);
    assert_eq!(row0["time_lag"]["exact"], true);
    assert_eq!(row0["time_lag"]["note"], serde_json::Value::Null);
    let secs = row0["time_lag"]["secs"].as_f64().unwrap();
    let age = |now: i64| (now - (t0 + 4000)) as f64 / 1000.0;
    assert!(age(before) <= secs && secs <= age(after), "{secs}");
    assert_eq!(rows[1]["time_lag"]["secs"], 0.0);
    assert_eq!(rows[1]["stuck"], serde_json::Value::Null);
    assert_eq!(rows[1]["data_loss"], serde_json::Value::Null);
}

#[test]
fn a_transaction_marker_at_the_committed_offset_is_an_estimate_that_says_so() {
    let b = bootstrap();
    let topic = unique("timelag-tx");
    let g = unique("timelag-tx-group");
    create_topic(&b, &topic, 1);
    // Offsets 0..=2: records; 3: the commit marker; 4: a record written at t.
    produce_in_transaction(&b, &topic, 0, 3);
    let t = an_hour_ago();
    produce_at(&b, &topic, 0, &[t]);
    commit_offsets(&b, &g, &[(topic.as_str(), 0, 3)]);

    let cfg = resolved(&b);
    let mut r = refresher(&cfg, &g);
    let mut e = engine(cfg.lag.clone());
    let (snap, m) = step(&mut r, &mut e, 0);
    let row = &group(&m, &g).rows[0];
    assert_eq!((row.current_offset, row.lag), (Some(3), Some(2)));
    let tl = row.time_lag.clone().unwrap();
    // No produce rate after one refresh: the record after the marker bounds the age.
    assert_eq!(tl.secs, (snap.taken_at_ms - t) as f64 / 1000.0);
    assert!(!tl.exact);
    assert_eq!(
        tl.note.as_deref(),
        Some("no record at offset 3 (compacted away or a transaction marker); the next is at 4")
    );
}

#[test]
fn the_reader_pays_only_for_offsets_that_moved() {
    let b = bootstrap();
    let topic = unique("timelag-cache");
    create_topic(&b, &topic, 3);
    let t0 = an_hour_ago();
    for p in 0..3 {
        produce_at(&b, &topic, p, &[t0, t0 + 1000, t0 + 2000]);
    }
    let cfg = resolved(&b);
    let limits = ReadLimits {
        budget: Duration::from_secs(10),
        ..ReadLimits::default()
    };
    let mut reader = CommittedRecordReader::new(&cfg, limits).unwrap();
    let key = |p: i32, o: i64| (topic.clone(), p, o);
    let first = reader.read(&[key(0, 0), key(1, 1), key(2, 2)]);
    assert_eq!((first.fetched, first.cached, first.rounds), (3, 0, 1));
    let stamps: Vec<RecordRead> = first.records.iter().map(|r| r.read.clone()).collect();
    assert_eq!(
        stamps,
        [0, 1000, 2000].map(|d| RecordRead::Timestamp { ms: t0 + d })
    );
    // Partition 1 moved on; the others are answered from the cache.
    let second = reader.read(&[key(0, 0), key(1, 2), key(2, 2)]);
    assert_eq!((second.fetched, second.cached, second.rounds), (1, 2, 1));
    assert_eq!(
        second.records[1].read,
        RecordRead::Timestamp { ms: t0 + 2000 }
    );
    // Nothing moved: all from the cache, and the consumer (with what librdkafka
    // holds for every partition it was assigned) is dropped until needed.
    assert!(reader.holds_consumer());
    let idle = reader.read(&[key(0, 0), key(1, 2), key(2, 2)]);
    assert_eq!((idle.fetched, idle.cached, idle.rounds), (0, 3, 0));
    assert_eq!(idle.records, second.records);
    assert!(!reader.holds_consumer());
    // Two groups at two offsets of one partition: two rounds, on a consumer
    // made again.
    let third = reader.read(&[key(0, 0), key(0, 1)]);
    assert_eq!((third.fetched, third.cached, third.rounds), (1, 1, 1));
    assert!(reader.holds_consumer());
    assert_eq!(
        third.records[1].read,
        RecordRead::Timestamp { ms: t0 + 1000 }
    );
    let fourth = reader.read(&[key(1, 0), key(1, 1)]);
    assert_eq!((fourth.fetched, fourth.rounds), (2, 2), "{fourth:?}");
    let stamps: Vec<RecordRead> = fourth.records.iter().map(|r| r.read.clone()).collect();
    assert_eq!(
        stamps,
        [0, 1000].map(|d| RecordRead::Timestamp { ms: t0 + d })
    );
}

#[test]
fn a_partition_whose_commits_stop_while_the_others_advance_is_stuck_at_its_offset() {
    let b = bootstrap();
    let topic = unique("stuck");
    let g = unique("stuck-group");
    create_topic(&b, &topic, 2);
    let t0 = an_hour_ago();
    let batch: Vec<i64> = (0..5).map(|i| t0 + i * 1000).collect();
    produce_at(&b, &topic, 0, &batch);
    produce_at(&b, &topic, 1, &batch);
    commit_offsets(&b, &g, &[(topic.as_str(), 0, 3), (topic.as_str(), 1, 5)]);

    let cfg = resolved(&b);
    let mut r = refresher(&cfg, &g);
    let mut e = engine(LagConfig {
        stuck_after: Duration::from_secs(30),
        ..Default::default()
    });
    let (first, _) = step(&mut r, &mut e, 0);
    let mut last = None;
    // Every 10 s: 5 more records on each partition; the consumer commits
    // partition 1 to its end and leaves partition 0 at offset 3 (a poison pill).
    for k in 1..=3i64 {
        produce_at(&b, &topic, 0, &batch);
        produce_at(&b, &topic, 1, &batch);
        commit_offsets(&b, &g, &[(topic.as_str(), 1, 5 + 5 * k)]);
        let (_, m) = step(&mut r, &mut e, 10 * k as u64);
        let gm = group(&m, &g);
        if k < 3 {
            assert_eq!(gm.stuck, 0, "stuck after {} s", 10 * k);
        }
        last = Some(gm.clone());
    }
    let gm = last.unwrap();
    assert_eq!(
        gm.rows[0].stuck.as_deref().cloned(),
        Some(Stuck {
            offset: 3,
            since_ms: first.taken_at_ms,
            for_secs: 30.0
        })
    );
    assert_eq!(gm.rows[1].stuck, None);
    assert_eq!((gm.stuck, gm.alerting), (1, true));
    // The record it is stuck on was read: the time lag is exact.
    assert_eq!(
        gm.rows[0]
            .time_lag
            .as_ref()
            .map(|t| (t.exact, t.note.clone())),
        Some((true, None))
    );
}

#[test]
fn delete_records_at_a_known_pace_forecasts_then_counts_the_loss() {
    let b = bootstrap();
    let topic = unique("loss");
    let g = unique("loss-group");
    create_topic(&b, &topic, 1);
    let t0 = an_hour_ago();
    produce_at(
        &b,
        &topic,
        0,
        &(0..1000).map(|i| t0 + i).collect::<Vec<_>>(),
    );
    commit_offsets(&b, &g, &[(topic.as_str(), 0, 500)]);

    let cfg = resolved(&b);
    let mut r = refresher(&cfg, &g);
    let mut e = engine(cfg.lag.clone());
    let (_, m) = step(&mut r, &mut e, 0);
    assert_eq!(group(&m, &g).data_loss, None);
    // The log start moves 100 records per 10 s.
    delete_records(&topic, 100);
    step(&mut r, &mut e, 10);
    delete_records(&topic, 200);
    let (snap, m) = step(&mut r, &mut e, 20);
    assert_eq!(snap.partition(&topic, 0).unwrap().low, Some(200));
    // 301 records until the one at offset 500 goes, at 10 records/s.
    let forecast = DataLoss::Forecast { in_secs: 30.1 };
    let gm = group(&m, &g);
    assert_eq!(gm.rows[0].data_loss, Some(forecast.clone()));
    assert_eq!(gm.data_loss, Some(forecast));
    assert!(gm.alerting);

    delete_records(&topic, 620);
    let (_, m) = step(&mut r, &mut e, 30);
    let lost = DataLoss::Lost { records: 120 };
    assert_eq!(group(&m, &g).data_loss, Some(lost));

    // `kaftop lag --json` sees the loss in one refresh.
    let out = kaftop()
        .args(["-b", &b, "lag", "--group", &g, "--json"])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    assert_success(&out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows[0]["data_loss"],
        serde_json::json!({"kind": "lost", "records": 120})
    );
    assert_eq!(rows[0]["alerting"], true);
    let text = kaftop()
        .args(["-b", &b, "lag", "--group", &g])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&format!("  {topic}[0] 120 records lost")),
        "{text}"
    );
}

/// `kaftop serve` end to end, on its own clock: one partition of a group stands at
/// its offset while the other advances; /metrics flags it stuck at that offset.
#[test]
fn kaftop_serve_flags_the_stuck_partition_in_metrics() {
    let b = bootstrap();
    let topic = unique("stuck-serve");
    let g = unique("stuck-serve-group");
    create_topic(&b, &topic, 2);
    let t0 = an_hour_ago();
    let batch: Vec<i64> = (0..5).map(|i| t0 + i * 1000).collect();
    produce_at(&b, &topic, 0, &batch);
    produce_at(&b, &topic, 1, &batch);
    commit_offsets(&b, &g, &[(topic.as_str(), 0, 2), (topic.as_str(), 1, 5)]);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    // Service topics of their own, which do not exist: the services wait for them.
    let absent = unique("absent");
    std::fs::write(
        &config,
        format!(
            r#"
default_profile = "test"
data_dir = "{data}"
[topics.created]
name = "{absent}.created"
[topics.read]
name = "{absent}.read"
[topics.deleted]
name = "{absent}.deleted"
[profiles.test]
bootstrap_servers = "{b}"
poll_interval = "300ms"
[profiles.test.lag]
stuck_after = "2s"
groups = {{ "{g}" = 1000 }}
"#,
            data = dir.path().join("data").display(),
        ),
    )
    .unwrap();
    let serve = common::serve::Serve::start(&config, &[]);
    let metrics = || {
        let out = std::process::Command::new("curl")
            .args(["-sf", &serve.url("/metrics")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let part = |p: i32| format!(r#"group="{g}",topic="{topic}",partition="{p}""#);
    let sample = |text: &str, name: &str, labels: &str| -> Option<String> {
        let head = format!("{name}{{{labels}}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&head).map(str::to_string))
    };
    common::wait_for("serve sees the group", Duration::from_secs(60), || {
        sample(&metrics(), "kaftop_consumergroup_partition_stuck", &part(0))
    });
    // The consumer goes on with partition 1 and leaves partition 0 at offset 2.
    produce_at(&b, &topic, 0, &batch);
    produce_at(&b, &topic, 1, &batch);
    commit_offsets(&b, &g, &[(topic.as_str(), 1, 10)]);
    let text = common::wait_for("partition 0 stuck", Duration::from_secs(60), || {
        let text = metrics();
        (sample(&text, "kaftop_consumergroup_partition_stuck", &part(0)).as_deref() == Some("1"))
            .then_some(text)
    });
    let one = |name: &str, labels: &str| sample(&text, name, labels);
    assert_eq!(
        one("kaftop_consumergroup_partition_stuck_offset", &part(0)).as_deref(),
        Some("2")
    );
    assert_eq!(
        one("kaftop_consumergroup_partition_stuck", &part(1)).as_deref(),
        Some("0")
    );
    let group = format!(r#"group="{g}""#);
    assert_eq!(
        one("kaftop_consumergroup_stuck_partitions", &group).as_deref(),
        Some("1")
    );
    assert_eq!(
        one("kaftop_consumergroup_alerting", &group).as_deref(),
        Some("1")
    );
}

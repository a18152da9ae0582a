//! `/metrics` against the real test broker: the poller and the metrics engine feed
//! the exporter in-process, its router serves on a loopback port, and the body is
//! read over HTTP and parsed by the official Prometheus client's parsers (Python
//! `prometheus_client`, from the venv `scripts/prom-venv.sh` keeps). Its lag values
//! must equal `kaftop lag --json` for the same group: the offsets are quiescent, so
//! "at the same time" holds.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::serve::Serve;
use common::{assert_success, bootstrap, ensured_service, kaftop, unique, wait_for};
use kaftop::serve::metrics::{router, Exporter};
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::MetricsEngine;
use serde_json::Value;

const VENV_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/prom-venv.sh");
const PARSER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/prometheus/parse_metrics.py"
);

/// One parsed sample.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: Option<f64>,
}

/// The python of the venv with `prometheus_client` (created on first use).
fn python() -> String {
    let out = Command::new(VENV_SCRIPT)
        .output()
        .expect("run prom-venv.sh");
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Parses `body` with the official parser of `format` ("prometheus" or
/// "openmetrics"); fails the test with the parser's message if it rejects it.
fn parse(python: &str, format: &str, body: &str) -> Vec<Sample> {
    let mut child = Command::new(python)
        .args([PARSER, format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the parser");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client ({format}) rejects /metrics: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| Sample {
            name: s["name"].as_str().unwrap().to_string(),
            labels: s["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect(),
            value: s["value"].as_f64(),
        })
        .collect()
}

/// `GET path` over a plain HTTP/1.0 connection: (status line, headers, body).
fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> (String, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

/// The value of the sample `name` whose labels include `want`.
fn value(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && want
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .and_then(|s| s.value)
}

#[test]
fn metrics_parse_and_lag_equals_kaftop_lag_json() {
    let python = python();
    let b = bootstrap();
    let topic = unique("metrics");
    let group = unique("metrics-group");
    create_topic(&b, &topic, 3);
    produce_counts(&b, &topic, &[10, 20, 5]);
    commit_offsets(
        &b,
        &group,
        &[
            (topic.as_str(), 0, 4),
            (topic.as_str(), 1, 20),
            (topic.as_str(), 2, 1),
        ],
    );

    // The poller's loop, as `kaftop serve` runs it: refresh, fold, observe.
    let cfg = config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(b.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut opts = PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg));
    opts.known_groups.push(group.clone());
    let mut refresher = Refresher::new(&cfg, opts).unwrap();
    let mut engine = MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_millis(500)),
        cfg.lag.clone(),
    );
    let exporter = Arc::new(Exporter::new());
    for _ in 0..2 {
        let started = Instant::now();
        let snap = refresher.refresh();
        assert!(snap.connected, "{:?}", snap.errors);
        let m = engine.ingest(&snap);
        exporter.observe_cluster(&m, started.elapsed(), snap.connected);
        std::thread::sleep(Duration::from_millis(500));
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(exporter.clone());
    rt.spawn(async move { axum::serve(listener, app).await });

    let (status, headers, body) = get(addr, "/metrics", None);
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        headers.contains("content-type: text/plain; version=0.0.4"),
        "{headers}"
    );
    let samples = parse(&python, "prometheus", &body);

    // The oracle: `kaftop lag --json` for the same group.
    let out = kaftop()
        .args(["-b", &b, "lag", "--group", &group, "--json"])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    assert_success(&out);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let mut total = 0.0;
    for r in rows {
        let partition = r["partition"].as_i64().unwrap().to_string();
        let at = [
            ("group", group.as_str()),
            ("topic", topic.as_str()),
            ("partition", partition.as_str()),
        ];
        let lag = r["lag"].as_f64().unwrap();
        total += lag;
        assert_eq!(
            value(&samples, "kafka_consumergroup_group_lag", &at),
            Some(lag),
            "lag of partition {partition}"
        );
        assert_eq!(
            value(&samples, "kafka_consumergroup_group_offset", &at),
            r["current_offset"].as_f64(),
            "committed offset of partition {partition}"
        );
        assert_eq!(
            value(
                &samples,
                "kafka_partition_latest_offset",
                &[("topic", &topic), ("partition", &partition)]
            ),
            r["log_end_offset"].as_f64(),
            "log end offset of partition {partition}"
        );
        let status = r["status"].as_str().unwrap();
        assert_eq!(
            value(
                &samples,
                "kaftop_consumergroup_partition_status",
                &[at[0], at[1], at[2], ("status", status)]
            ),
            Some(1.0)
        );
    }
    assert_eq!((total, rows.len()), (6.0 + 4.0, 3));
    assert_eq!(
        value(
            &samples,
            "kafka_consumergroup_group_sum_lag",
            &[("group", &group)]
        ),
        Some(total)
    );
    assert_eq!(
        value(
            &samples,
            "kafka_topic_high_water_mark_sum",
            &[("topic", &topic)]
        ),
        Some(35.0)
    );
    assert_eq!(value(&samples, "kafka_cluster_up", &[]), Some(1.0));
    assert_eq!(value(&samples, "kaftop_refreshes_total", &[]), Some(2.0));
    assert_eq!(
        value(&samples, "kafka_broker_up", &[("broker_id", "1")]),
        Some(1.0)
    );

    // OpenMetrics when the scraper asks for it, as Prometheus does.
    let (status, headers, body) = get(
        addr,
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"),
    );
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        headers.contains("content-type: application/openmetrics-text"),
        "{headers}"
    );
    let om = parse(&python, "openmetrics", &body);
    assert_eq!(
        value(
            &om,
            "kafka_consumergroup_group_sum_lag",
            &[("group", &group)]
        ),
        Some(total)
    );
}

/// `kaftop serve` end to end: a record published through its REST API shows up in
/// its own `/metrics` as processed by the notification service, beside the cluster.
#[test]
fn kaftop_serve_exports_its_services_and_its_cluster() {
    let python = python();
    let (_dir, topics, config) = ensured_service("metrics-serve", 3);
    let serve = Serve::start(&config, &[]);
    let addr: SocketAddr = serve.addr.parse().unwrap();
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST"])
        .arg(serve.url(
            "/api/kafka-test/message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka",
        ))
        .output()
        .unwrap();
    assert_success(&out);

    let notification = [("service", "notification")];
    let created = topics.created.as_str();
    let log_end = |samples: &[Sample]| -> f64 {
        (0..3)
            .filter_map(|p| {
                value(
                    samples,
                    "kafka_partition_latest_offset",
                    &[("topic", created), ("partition", &p.to_string())],
                )
            })
            .sum()
    };
    // The services report every second and the poller refreshes on its own
    // interval: wait until one scrape carries both the record's processing and
    // the cluster's log end after it.
    let samples = wait_for(
        "the notification service's record and the topic's log end in /metrics",
        Duration::from_secs(90),
        || {
            let (_, _, body) = get(addr, "/metrics", None);
            let samples = parse(&python, "prometheus", &body);
            (value(&samples, "kaftop_service_processed_total", &notification) == Some(1.0)
                && log_end(&samples) == 1.0)
                .then_some(samples)
        },
    );
    assert_eq!(
        value(&samples, "kaftop_service_consumed_total", &notification),
        Some(1.0)
    );
    assert_eq!(value(&samples, "kafka_cluster_up", &[]), Some(1.0));
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `kaftop serve --all-profiles` with the test broker and a port nothing listens
/// on: each cluster's families carry its `cluster` label, the official parser
/// accepts the merged text, and the unreachable one reports itself down. Costs a
/// few seconds (one refresh of each).
#[test]
fn serve_all_profiles_labels_every_cluster() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{data}"
[profiles.real]
bootstrap_servers = "{real}"
read_only = true
[profiles.down]
bootstrap_servers = "127.0.0.1:{down}"
read_only = true
properties = {{ "socket.connection.setup.timeout.ms" = "2000" }}
"#,
            data = dir.path().join("data").display(),
            real = bootstrap(),
            down = closed_port(),
        ),
    )
    .unwrap();
    let serve = Serve::start_all_profiles(&config);
    let addr: SocketAddr = serve.addr.parse().unwrap();
    let up = |s: &[Sample], c: &str| value(s, "kafka_cluster_up", &[("cluster", c)]);
    let samples = wait_for(
        "both clusters' kafka_cluster_up in /metrics",
        Duration::from_secs(60),
        || {
            let (_, _, body) = get(addr, "/metrics", None);
            let samples = parse(&python, "prometheus", &body);
            (up(&samples, "real") == Some(1.0) && up(&samples, "down").is_some()).then_some(samples)
        },
    );
    assert_eq!(up(&samples, "down"), Some(0.0));
    assert!(value(&samples, "kafka_cluster_brokers", &[("cluster", "real")]).unwrap() >= 1.0);
    let unlabelled: Vec<&str> = samples
        .iter()
        .filter(|s| s.name.starts_with("kafka_") && !s.labels.contains_key("cluster"))
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        unlabelled.is_empty(),
        "without a cluster label: {unlabelled:?}"
    );
    let (_, _, open) = get(addr, "/metrics", Some("application/openmetrics-text"));
    let om = parse(&python, "openmetrics", &open);
    assert_eq!(
        value(&om, "kafka_cluster_up", &[("cluster", "down")]),
        Some(0.0)
    );
}

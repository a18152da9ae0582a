//! `kaftop serve` and the seed's REST test API against the real test broker: the
//! seed's curl lines run literally with curl, the records read back and checked
//! against the seed's schema, the bulk test's sentence, the refusals (400, 401,
//! 403, 503) and the drain on SIGTERM.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::serve::Serve;
use common::{kafka_tool, kaftop, wait_for, write_config, TestTopics};
use kaftop_core::config::{self, Overrides};
use kaftop_services::{ServiceName, ServicesOptions};

const PARTITIONS: i32 = 3;

/// `curl ARGS` as a person types it: its stdout.
fn curl_literal(args: &[&str]) -> String {
    let out = Command::new("curl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `curl -s -X METHOD URL` with extra headers: the status code and the body.
fn curl(method: &str, url: &str, headers: &[&str]) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "-X",
        method,
        "-w",
        "\n%{http_code}",
        "--max-time",
        "60",
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd.arg(url).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

/// One test's message service: config, topics created, parsed config.
struct Env {
    _dir: tempfile::TempDir,
    topics: TestTopics,
    config: PathBuf,
}

fn env(prefix: &str, extra: &str, ensure: bool, vars: &[(&str, &str)]) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, PARTITIONS);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    std::fs::write(&config, text).unwrap();
    if ensure {
        kaftop()
            .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
            .envs(vars.iter().copied())
            .assert()
            .success();
    }
    Env {
        _dir: dir,
        topics,
        config,
    }
}

/// Every record of `topic` as `kaftop tail --json` prints them.
fn records(config: &Path, topic: &str, max: u64) -> Vec<serde_json::Value> {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(["tail", topic, "--from-beginning", "--json", "-n"])
        .arg(max.to_string())
        .output()
        .unwrap();
    common::assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The seed's event: exactly these fields, ids as numbers, times as ISO-8601.
fn assert_seed_event(
    v: &serde_json::Value,
    ids: &[(&str, i64)],
    text: &[(&str, &str)],
    time: &str,
) {
    let obj = v.as_object().unwrap();
    let mut expected: Vec<&str> = ids.iter().map(|(k, _)| *k).collect();
    expected.extend(text.iter().map(|(k, _)| *k));
    expected.push(time);
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    expected.sort();
    assert_eq!(keys, expected, "{v}");
    for (k, id) in ids {
        assert_eq!(v[*k].as_i64(), Some(*id), "{k} in {v}");
    }
    for (k, t) in text {
        assert_eq!(v[*k].as_str(), Some(*t), "{k} in {v}");
    }
    let t = v[time].as_str().unwrap();
    assert!(
        kaftop_core::events::EventTime::parse(t).is_ok(),
        "{time} `{t}` is not ISO-8601"
    );
}

/// `Delivered created event (messageId 1) to TOPIC partition P offset O` → (P, O).
fn delivered_at(body: &str, kind: &str, topic: &str) -> (i64, i64) {
    let prefix = format!("Delivered {kind} event (messageId 1) to {topic} partition ");
    let rest = body
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("answer: {body}"));
    let (p, o) = rest.split_once(" offset ").unwrap();
    (p.parse().unwrap(), o.parse().unwrap())
}

#[test]
fn the_seeds_curl_lines_publish_records_with_the_seeds_schema() {
    let e = env("serve-seed", "", true, &[]);
    let serve = Serve::start(&e.config, &[]);
    let port = serve.port().to_string();
    let line = |path: &str| format!("http://localhost:{port}/api/kafka-test/{path}");

    let created = curl_literal(&[
        "-X",
        "POST",
        &line("message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka"),
    ]);
    let read = curl_literal(&[
        "-X",
        "POST",
        &line("message-read?messageId=1&receiverId=200"),
    ]);
    let deleted = curl_literal(&[
        "-X",
        "POST",
        &line("message-deleted?messageId=1&senderId=100&receiverId=200"),
    ]);

    for (body, kind, topic) in [
        (&created, "created", &e.topics.created),
        (&read, "read", &e.topics.read),
        (&deleted, "deleted", &e.topics.deleted),
    ] {
        let (partition, offset) = delivered_at(body, kind, topic);
        let recs = records(&e.config, topic, 10);
        assert_eq!(recs.len(), 1, "{topic}: {recs:?}");
        let r = &recs[0];
        assert_eq!(r["key"], "1", "the message id is the key");
        assert_eq!(
            (r["partition"].as_i64(), r["offset"].as_i64()),
            (Some(partition), Some(offset))
        );
        let v = &r["value"];
        match kind {
            "created" => assert_seed_event(
                v,
                &[("messageId", 1), ("senderId", 100), ("receiverId", 200)],
                &[("content", "HelloKafka")],
                "createdAt",
            ),
            "read" => assert_seed_event(v, &[("messageId", 1), ("receiverId", 200)], &[], "readAt"),
            _ => assert_seed_event(
                v,
                &[("messageId", 1), ("senderId", 100), ("receiverId", 200)],
                &[],
                "deletedAt",
            ),
        }
    }

    // The same request as JSON, with an explicit time and content that needs encoding.
    let (code, body) = curl(
        "POST",
        &serve.url(
            "/api/kafka-test/message-created?messageId=2&senderId=100&receiverId=200\
             &content=%EC%95%88%EB%85%95%20Kafka&createdAt=2026-11-24T10:15:30",
        ),
        &["Accept: application/json"],
    );
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["topic"], e.topics.created.as_str());
    assert_eq!(v["key"], "2");
    assert_eq!(v["event"]["content"], "안녕 Kafka");
    assert_eq!(v["event"]["createdAt"], "2026-11-24T10:15:30");
    assert!(
        v["partition"].as_i64().is_some() && v["offset"].as_i64().is_some(),
        "{v}"
    );

    let (code, body) = curl("GET", &serve.url("/health"), &[]);
    assert_eq!((code, body.as_str()), (200, "ok"));
    wait_for("/ready", Duration::from_secs(60), || {
        (curl("GET", &serve.url("/ready"), &[]).0 == 200).then_some(())
    });
}

#[test]
fn bulk_test_answers_the_seeds_sentence_with_real_numbers() {
    let e = env("serve-bulk", "", true, &[]);
    let serve = Serve::start(&e.config, &[]);
    let url = format!(
        "http://localhost:{}/api/kafka-test/bulk-test?count=1000",
        serve.port()
    );
    let answer = curl_literal(&["-X", "POST", &url]);
    // Sent 1000 events in 543 ms (1841.62 events/sec)
    let rest = answer
        .strip_prefix("Sent 1000 events in ")
        .unwrap_or_else(|| panic!("answer: {answer:?}"));
    let (ms, rest) = rest.split_once(" ms (").unwrap();
    let rate = rest.strip_suffix(" events/sec)").unwrap();
    let ms: u64 = ms.parse().unwrap();
    let (whole, cents) = rate.split_once('.').unwrap();
    assert_eq!(cents.len(), 2, "two decimals: {answer}");
    let rate: f64 = format!("{whole}.{cents}").parse().unwrap();
    assert!(rate > 0.0, "{answer}");
    // The rate is the count over the elapsed time (rounded to the ms shown).
    let implied = 1000.0 / rate * 1000.0;
    assert!((implied - ms as f64).abs() <= 1.0, "{answer}");

    let recs = records(&e.config, &e.topics.created, 2000);
    assert_eq!(recs.len(), 1000);
    let mut ids: Vec<i64> = recs
        .iter()
        .map(|r| r["value"]["messageId"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "1000 distinct message ids");
    for r in &recs {
        assert_eq!(
            r["key"].as_str().unwrap(),
            r["value"]["messageId"].to_string()
        );
    }
}

#[test]
fn bad_parameters_get_400_with_the_reason() {
    let e = env("serve-400", "", true, &[]);
    let serve = Serve::start(&e.config, &[]);
    let api = |q: &str| serve.url(&format!("/api/kafka-test/{q}"));
    for (q, reason) in [
        (
            "message-created?senderId=100&receiverId=200&content=x",
            "messageId: required",
        ),
        (
            "message-created?messageId=0&senderId=100&receiverId=200&content=x",
            "messageId: must be greater than 0",
        ),
        (
            "message-created?messageId=1&senderId=abc&receiverId=200&content=x",
            "senderId: `abc` is not an integer",
        ),
        (
            "message-created?messageId=1&senderId=100&receiverId=200&content=%20%20",
            "content: must not be blank",
        ),
        (
            "message-created?messageId=1&senderId=100&receiverId=200",
            "content: required",
        ),
        ("message-read?messageId=1", "receiverId: required"),
        (
            "message-read?messageId=1&receiverId=2&readAt=noon",
            "readAt: ",
        ),
        (
            "message-deleted?messageId=1&senderId=100&receiverId=-3",
            "receiverId: must be greater than 0",
        ),
        ("bulk-test?count=0", "count: must be between 1 and 1000000"),
        ("bulk-test", "count: required"),
    ] {
        let (code, body) = curl("POST", &api(q), &[]);
        assert_eq!(code, 400, "{q}: {body}");
        assert!(body.starts_with(reason), "{q}: {body}");
    }
    let too_long = format!(
        "message-created?messageId=1&senderId=100&receiverId=200&content={}",
        "a".repeat(100_001)
    );
    // A URL this long is refused by the HTTP server before the content rule applies.
    let (code, _) = curl("POST", &api(&too_long), &[]);
    assert_eq!(code, 414);
    let (code, body) = curl(
        "POST",
        &api("message-read?receiverId=2"),
        &["Accept: application/json"],
    );
    assert_eq!(code, 400);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "messageId: required");
    // Nothing was published by a refused request.
    assert!(records(&e.config, &e.topics.created, 10).is_empty());
}

/// Spring's `@RequestParam` reads a form body as well as the query string: the
/// seed's 100 000 bytes of content fit in a form, where a URL cannot hold them.
#[test]
fn a_form_body_carries_content_up_to_the_seeds_limit() {
    let e = env("serve-form", "", true, &[]);
    let serve = Serve::start(&e.config, &[]);
    let dir = tempfile::tempdir().unwrap();
    // 33 333 Hangul syllables (three bytes each) and one ASCII byte: 100 000 bytes.
    let content = format!("{}a", "가".repeat(33_333));
    assert_eq!(content.len(), 100_000);
    let file = dir.path().join("content.txt");
    std::fs::write(&file, &content).unwrap();
    let form = |file: &Path| {
        let out = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}", "--max-time", "60"])
            .args([
                "--data-urlencode",
                "senderId=100",
                "--data-urlencode",
                "receiverId=200",
            ])
            .arg("--data-urlencode")
            .arg(format!("content@{}", file.display()))
            .arg(serve.url("/api/kafka-test/message-created?messageId=1"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.parse::<u16>().unwrap(), body.to_string())
    };
    let (code, body) = form(&file);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.starts_with("Delivered created event (messageId 1)"),
        "{body}"
    );
    // Read back whole by Kafka's own consumer (kaftop's tail shortens long values).
    let bootstrap = common::bootstrap();
    let out = kafka_tool(
        "kafka-console-consumer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &e.topics.created,
            "--from-beginning",
            "--max-messages",
            "1",
        ],
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stored = value["content"].as_str().unwrap_or_default();
    assert!(stored == content, "{} bytes stored", stored.len());
    // One byte more is refused by the content rule, with its reason.
    std::fs::write(&file, format!("{content}b")).unwrap();
    let (code, body) = form(&file);
    assert_eq!(code, 400, "{body}");
    assert!(body.starts_with("content: "), "{body}");
    // A body past the server's limit is refused before it is read whole.
    std::fs::write(&file, "가".repeat(40_000)).unwrap();
    assert_eq!(form(&file).0, 413);
}

#[test]
fn a_configured_token_is_required_by_the_publishing_endpoints() {
    let token = [("KAFTOP_TEST_SERVE_TOKEN", "s3cret-t0ken")];
    let e = env(
        "serve-401",
        "[serve]\ntoken_env = \"KAFTOP_TEST_SERVE_TOKEN\"\n",
        true,
        &token,
    );
    let serve = Serve::start(&e.config, &token);
    let url = serve.url("/api/kafka-test/message-read?messageId=1&receiverId=200");
    for headers in [
        &[][..],
        &["Authorization: Bearer wrong-token"],
        &["Authorization: s3cret-t0ken"],
    ] {
        let (code, body) = curl("POST", &url, headers);
        assert_eq!(code, 401, "{headers:?}: {body}");
        assert!(body.contains("bearer token"), "{body}");
    }
    let (code, body) = curl("POST", &url, &["Authorization: Bearer s3cret-t0ken"]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.starts_with("Delivered read event (messageId 1)"),
        "{body}"
    );
    // The probes need no token.
    assert_eq!(curl("GET", &serve.url("/health"), &[]).0, 200);
    let mut serve = serve;
    let (status, stderr) = serve.stop();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(!stderr.contains("s3cret-t0ken"), "{stderr}");
}

#[test]
fn a_read_only_profile_refuses_publishing_with_403() {
    let e = env("serve-403", "read_only = true\n", false, &[]);
    let serve = Serve::start(&e.config, &[]);
    for q in [
        "message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka",
        "bulk-test?count=10",
    ] {
        let (code, body) = curl("POST", &serve.url(&format!("/api/kafka-test/{q}")), &[]);
        assert_eq!(code, 403, "{body}");
        assert_eq!(
            body,
            "read-only mode (profile `test` or --read-only): refusing to publish; nothing was changed"
        );
    }
}

#[test]
fn an_unreachable_cluster_gets_503_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[serve]\nrequest_timeout = \"2s\"\n\
             [profiles.default]\nbootstrap_servers = \"127.0.0.1:1\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let serve = Serve::start(&config, &[]);
    // curl gives up after 60 s: an answer at all is the bound (request_timeout, 2 s).
    let started = Instant::now();
    let (code, body) = curl(
        "POST",
        &serve.url("/api/kafka-test/message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka"),
        &[],
    );
    let took = started.elapsed();
    assert_eq!(code, 503, "{body}");
    assert!(
        body.starts_with("not delivered: ") || body.starts_with("no delivery report"),
        "{body}"
    );
    eprintln!("503 after {took:?}");
    assert_eq!(curl("GET", &serve.url("/health"), &[]).0, 200);
    let (code, body) = curl("GET", &serve.url("/ready"), &[]);
    assert_eq!(code, 503, "{body}");
    assert!(body.starts_with("not ready: "), "{body}");
}

#[test]
fn sigterm_drains_and_the_services_commit() {
    let e = env("serve-term", "", true, &[]);
    let cfg = config::load(&Overrides {
        config_file: Some(e.config.clone()),
        ..Overrides::default()
    })
    .unwrap();
    let mut serve = Serve::start(&e.config, &[]);
    wait_for("/ready", Duration::from_secs(60), || {
        (curl("GET", &serve.url("/ready"), &[]).0 == 200).then_some(())
    });
    for id in 1..=5 {
        let (code, body) = curl(
            "POST",
            &serve.url(&format!(
                "/api/kafka-test/message-created?messageId={id}&senderId=100&receiverId=200&content=m{id}"
            )),
            &[],
        );
        assert_eq!(code, 200, "{body}");
    }
    wait_for("the five notifications", Duration::from_secs(60), || {
        (common::report_json(&e.config, &[])["notifications"] == 5).then_some(())
    });
    let (status, stderr) = serve.stop();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("SIGTERM: draining"), "{stderr}");

    let group = ServicesOptions::for_config(&cfg).group(ServiceName::Notification);
    let bootstrap = common::bootstrap();
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--describe",
            "--group",
            &group,
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
    let mut committed = 0;
    for l in text.lines().filter(|l| l.contains(&e.topics.created)) {
        let cols: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(cols[3], cols[4], "committed up to the end: {l}");
        committed += cols[3].parse::<i64>().unwrap_or(0);
    }
    assert_eq!(committed, 5, "{text}");
}

//! The HTTP push notifier against a local sink on the real test broker: the sink
//! fails the first attempts of every push, so each is retried with its idempotency
//! key and delivered exactly once; one push the sink never accepts is dead-lettered
//! to the notification service's DLQ after `max_attempts`, and one it rejects (400)
//! at once, each with the reason.

#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use common::{bootstrap, unique, wait_for, write_config, TestTopics};
use kaftop_core::config::{self, Overrides};
use kaftop_services::{
    self as services, ServiceName, ServicesOptions, HEADER_ERROR, HEADER_SERVICE,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};

const PARTITIONS: i32 = 2;
/// Failed answers the sink gives each push before it accepts it.
const FAILS_FIRST: u32 = 2;
const MAX_ATTEMPTS: u32 = 4;
/// The message whose push the sink never accepts (503: worth retrying).
const NEVER: i64 = 13;
/// The message whose push the sink rejects as malformed (400: not worth retrying).
const REJECTED: i64 = 17;
const TOKEN: &str = "push-t0ken";

/// What the sink saw, per idempotency key.
#[derive(Default)]
struct Sink {
    attempts: BTreeMap<String, u32>,
    delivered: BTreeMap<String, u32>,
    bodies: BTreeMap<String, Value>,
    bad_auth: u32,
}

async fn send(
    State(sink): State<Arc<Mutex<Sink>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let mut s = sink.lock().unwrap();
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        s.bad_auth += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return StatusCode::BAD_REQUEST;
    };
    let n = {
        let a = s.attempts.entry(key.clone()).or_default();
        *a += 1;
        *a
    };
    if key == format!("kaftop-notification-{REJECTED}") {
        return StatusCode::BAD_REQUEST;
    }
    if key == format!("kaftop-notification-{NEVER}") || n <= FAILS_FIRST {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    *s.delivered.entry(key.clone()).or_default() += 1;
    s.bodies.insert(key, body);
    StatusCode::OK
}

/// Starts the sink on a free loopback port; returns its URL.
fn start_sink(sink: Arc<Mutex<Sink>>) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/projects/kaftop/messages:send", post(send))
        .with_state(sink);
    rt.spawn(async move { axum::serve(listener, app).await });
    (
        rt,
        format!("http://{addr}/v1/projects/kaftop/messages:send"),
    )
}

#[test]
fn each_push_is_delivered_once_with_its_key_and_the_hopeless_one_dead_lettered() {
    let sink = Arc::new(Mutex::new(Sink::default()));
    let (_rt, url) = start_sink(sink.clone());
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("notifier");
    let config = write_config(dir.path(), &topics, PARTITIONS);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[services.notifier]\nendpoint = \"{url}\"\ntoken_env = \"KAFTOP_TEST_PUSH_TOKEN\"\n\
         max_attempts = {MAX_ATTEMPTS}\ntimeout = \"2s\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    std::env::set_var("KAFTOP_TEST_PUSH_TOKEN", TOKEN);
    common::kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = config::load(&Overrides {
        config_file: Some(config.clone()),
        ..Overrides::default()
    })
    .unwrap();

    let ids: Vec<i64> = (10..20).collect();
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    for id in &ids {
        let v = json!({"messageId": id, "senderId": 1, "receiverId": 100 + id,
                       "content": format!("hello {id}"), "createdAt": "2026-11-24T10:00:00"});
        let key = id.to_string();
        let value = v.to_string();
        producer
            .send(BaseRecord::to(&topics.created).key(&key).payload(&value))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();

    let mut opts = ServicesOptions::for_config(&cfg);
    opts.session_timeout = Duration::from_secs(6);
    opts.poll_timeout = Duration::from_millis(100);
    let handle = services::start(&cfg, opts, &[ServiceName::Notification]).unwrap();
    let good = ids.len() as u64 - 2;
    let counters = wait_for("every push sent or dead", Duration::from_secs(90), || {
        let c = handle
            .stats()
            .service(ServiceName::Notification)
            .unwrap()
            .counters;
        (c.pushes_sent == good && c.pushes_dead == 2).then_some(c)
    });
    // Retried pushes are not sent again once delivered (a second pass finds none due).
    std::thread::sleep(Duration::from_secs(2));
    drop(handle);
    assert_eq!(
        counters.push_failures,
        good * u64::from(FAILS_FIRST) + u64::from(MAX_ATTEMPTS)
    );

    let s = sink.lock().unwrap();
    assert_eq!(s.bad_auth, 0);
    let key = |id: i64| format!("kaftop-notification-{id}");
    let deliverable = |id: &&i64| ![NEVER, REJECTED].contains(id);
    let expected: BTreeMap<String, u32> = ids
        .iter()
        .filter(deliverable)
        .map(|&id| (key(id), 1))
        .collect();
    assert_eq!(s.delivered, expected, "each delivered exactly once");
    for &id in ids.iter().filter(deliverable) {
        assert_eq!(s.attempts[&key(id)], FAILS_FIRST + 1, "{id}");
        assert_eq!(
            s.bodies[&key(id)],
            json!({"message": {
                "topic": format!("user-{}", 100 + id),
                "notification": {"title": "새 메시지 도착", "body": format!("hello {id}")},
                "data": {"type": "MESSAGE", "messageId": id.to_string(),
                         "userId": (100 + id).to_string(), "vip": "false"}
            }})
        );
    }
    assert_eq!(s.attempts[&key(NEVER)], MAX_ATTEMPTS);
    // A rejected push is not retried.
    assert_eq!(s.attempts[&key(REJECTED)], 1);
    drop(s);

    // The dead pushes on the notification service's DLQ, with their reasons.
    let mut dead: Vec<[String; 4]> = read_all(&format!("{}.dlq", topics.created), 2)
        .into_iter()
        .map(|(k, value, headers)| {
            let body: Value = serde_json::from_slice(&value).unwrap();
            [
                k,
                body["message"]["topic"].as_str().unwrap().to_string(),
                headers[HEADER_SERVICE].clone(),
                headers[HEADER_ERROR].clone(),
            ]
        })
        .collect();
    dead.sort();
    assert_eq!(
        dead,
        [
            [
                NEVER.to_string(),
                format!("user-{}", 100 + NEVER),
                "notification".to_string(),
                format!("HTTP 503 (after {MAX_ATTEMPTS} attempts)"),
            ],
            [
                REJECTED.to_string(),
                format!("user-{}", 100 + REJECTED),
                "notification".to_string(),
                "HTTP 400: rejected by the endpoint".to_string(),
            ],
        ]
    );
}

type Rec = (String, Vec<u8>, BTreeMap<String, String>);

/// Every record of a topic from the beginning (waits for `expected`, then checks
/// that no more arrive): key, value, headers.
fn read_all(topic: &str, expected: usize) -> Vec<Rec> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", unique("notifier-dlq-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    wait_for(
        &format!("{expected} records on {topic}"),
        Duration::from_secs(30),
        || {
            out.extend(drain(&consumer));
            (out.len() >= expected).then_some(())
        },
    );
    std::thread::sleep(Duration::from_secs(1));
    out.extend(drain(&consumer));
    assert_eq!(out.len(), expected, "{topic}");
    out
}

fn drain(consumer: &BaseConsumer) -> Vec<Rec> {
    let mut out = Vec::new();
    while let Some(m) = consumer.poll(Duration::from_millis(200)) {
        let m = m.unwrap();
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|x| {
                        (
                            x.key.to_string(),
                            String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push((
            String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            m.payload().unwrap_or_default().to_vec(),
            headers,
        ));
    }
    out
}

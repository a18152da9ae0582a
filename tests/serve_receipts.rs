//! Read receipts over WebSocket against the real test broker: the read-receipt
//! service runs in process with a `ReceiptHub` among its sinks, the hub's router is
//! served on loopback, created and read events are published by an independent
//! producer, and a real STOMP client from npm (`@stomp/stompjs` over the `ws`
//! package, tests/stomp-client) receives the sender's receipt. A client that stops
//! reading is dropped and counted while the service keeps its pace.
//!
//! Needs `npm ci` in tests/stomp-client (scripts/test.sh runs it).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::serve::Serve;
use common::{ensured_service, kaftop, wait_for, write_config, TestTopics};
use kaftop::serve::receipts::{self, ReceiptHub};
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_services::{self as services, ServiceName, ServicesHandle, ServicesOptions};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// The services, the hub and its router on a loopback port.
struct Server {
    _dir: tempfile::TempDir,
    topics: TestTopics,
    hub: Arc<ReceiptHub>,
    services: Option<ServicesHandle>,
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.hub.shutdown();
        if let Some(s) = self.services.take() {
            s.shutdown();
        }
    }
}

fn resolved(config: &Path) -> Resolved {
    config::load(&Overrides {
        config_file: Some(config.to_path_buf()),
        ..Overrides::default()
    })
    .unwrap()
}

/// Starts the read-receipt service with a hub of `queue` receipts per client.
/// `send_buffer`: the server sockets' SO_SNDBUF (small makes a stuck client's
/// backlog reach the hub's queue sooner).
fn server(prefix: &str, queue: usize, send_buffer: Option<u32>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, 3);
    kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .assert()
        .success();
    let cfg = resolved(&config);
    let hub = Arc::new(ReceiptHub::new(queue));
    let mut opts = ServicesOptions::for_config(&cfg);
    opts.session_timeout = Duration::from_secs(6);
    opts.max_poll_interval = Duration::from_secs(12);
    opts.poll_timeout = Duration::from_millis(100);
    opts.receipt_sinks.push(hub.clone());
    let services = services::start(&cfg, opts, &[ServiceName::ReadReceipt]).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(n) = send_buffer {
            // Accepted sockets inherit it.
            socket.set_send_buffer_size(n).unwrap();
        }
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(128).unwrap()
    });
    let addr = listener.local_addr().unwrap();
    let router = receipts::router(hub.clone(), Arc::new(receipts::Access::loopback(100)));
    // The endpoints serve loopback peers only: they need to know the peer.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    rt.spawn(async move { axum::serve(listener, service).await });
    Server {
        _dir: dir,
        topics,
        hub,
        services: Some(services),
        rt,
        addr,
    }
}

impl Server {
    fn wait_for_clients(&self, n: usize) {
        wait_for(
            &format!("{n} WebSocket clients"),
            Duration::from_secs(20),
            || (self.hub.connected_clients() == n).then_some(()),
        );
    }

    fn processed(&self) -> u64 {
        let stats = self.services.as_ref().unwrap().stats();
        stats
            .service(ServiceName::ReadReceipt)
            .map_or(0, |s| s.counters.processed)
    }
}

/// Publishes (topic, key, value) records in order and waits for every delivery.
fn publish(records: &[(String, String, String)]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap())
        .set("linger.ms", "5")
        .create()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Enqueued at once (send_result), then every delivery awaited.
    let pending: Vec<_> = records
        .iter()
        .map(|(topic, key, value)| {
            let record = FutureRecord::to(topic).key(key).payload(value);
            producer.send_result(record).map_err(|(e, _)| e).unwrap()
        })
        .collect();
    rt.block_on(async {
        for p in pending {
            p.await.unwrap().map_err(|(e, _)| e).unwrap();
        }
    });
}

fn created(t: &TestTopics, id: i64, sender: i64, receiver: i64) -> (String, String, String) {
    let v = json!({"messageId": id, "senderId": sender, "receiverId": receiver,
                   "content": format!("message {id}"), "createdAt": "2026-11-24T10:00:00"});
    (t.created.clone(), id.to_string(), v.to_string())
}

fn read(t: &TestTopics, id: i64, receiver: i64, at: &str) -> (String, String, String) {
    let v = json!({"messageId": id, "receiverId": receiver, "readAt": at});
    (t.read.clone(), id.to_string(), v.to_string())
}

fn client_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stomp-client");
    assert!(
        dir.join("node_modules/@stomp/stompjs").is_dir(),
        "the STOMP client is not installed: run `npm ci` in {} (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// A Node client (tests/stomp-client/receipts.mjs): its stdout lines arrive on a
/// channel.
struct NodeClient {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl NodeClient {
    fn spawn(args: &[&str]) -> Self {
        let dir = client_dir();
        let mut child = Command::new("node")
            .arg(dir.join("receipts.mjs"))
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("node (Node.js 18+) on PATH");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        NodeClient { child, lines }
    }

    fn line(&self, what: &str) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("no {what} from the Node client: {e}"))
    }

    /// Waits for the client to exit on its own, successfully.
    fn finish(mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "Node client: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the Node client did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for NodeClient {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn a_stomp_client_receives_the_receipts_of_its_messages() {
    let s = server("receipts-stomp", receipts::DEFAULT_CLIENT_QUEUE, None);
    let stomp = format!("ws://{}/ws", s.addr);
    let json_url = format!("ws://{}/ws/read-receipts?userId=100", s.addr);
    // Sender 100 as Spring's clients subscribe; sender 300 with the other header and
    // destination; sender 100 again on the plain JSON stream.
    let alice = NodeClient::spawn(&["--url", &stomp, "--user", "100"]);
    let bob = NodeClient::spawn(&[
        "--url",
        &stomp,
        "--user",
        "300",
        "--id-header",
        "user-id",
        "--destination",
        "/topic/read-receipts",
    ]);
    let tool = NodeClient::spawn(&["--json", "--url", &json_url]);
    for c in [&alice, &bob, &tool] {
        assert_eq!(c.line("subscription"), "subscribed");
    }
    s.wait_for_clients(3);

    let t = &s.topics;
    publish(&[
        created(t, 7001, 100, 200),
        created(t, 7002, 300, 100),
        read(t, 7001, 200, "2026-11-24T10:15:30.120"),
        read(t, 7002, 100, "2026-11-24T10:16:00"),
    ]);

    let want_alice = r#"{"messageId":7001,"senderId":100,"readAt":"2026-11-24T10:15:30.120"}"#;
    let want_bob = r#"{"messageId":7002,"senderId":300,"readAt":"2026-11-24T10:16:00"}"#;
    assert_eq!(alice.line("receipt"), want_alice);
    assert_eq!(tool.line("receipt"), want_alice);
    assert_eq!(bob.line("receipt"), want_bob);
    // Each client disconnects after one receipt (the STOMP ones with a DISCONNECT
    // receipt) and exits 0: none got another user's receipt first.
    alice.finish();
    bob.finish();
    tool.finish();
    assert_eq!(s.hub.dropped_clients(), 0);
}

#[test]
fn a_connect_without_a_user_id_gets_an_error_frame() {
    let s = server("receipts-bad", 16, None);
    let stomp = format!("ws://{}/ws", s.addr);
    let out = Command::new("node")
        .arg(client_dir().join("receipts.mjs"))
        .args(["--url", &stomp, "--user", "alice", "--timeout-ms", "20000"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("ERROR frame: the user id must be an integer, not \"alice\""),
        "{stderr}"
    );
    assert_eq!(s.hub.connected_clients(), 0);
}

#[test]
fn shutdown_closes_every_socket() {
    let s = server("receipts-shutdown", 16, None);
    let stomp = NodeClient::spawn(&["--url", &format!("ws://{}/ws", s.addr), "--user", "1"]);
    let json_url = format!("ws://{}/ws/read-receipts?userId=1", s.addr);
    let json = NodeClient::spawn(&["--json", "--url", &json_url]);
    for c in [&stomp, &json] {
        assert_eq!(c.line("subscription"), "subscribed");
    }
    s.wait_for_clients(2);
    s.hub.shutdown();
    // 1001: going away.
    assert_eq!(stomp.line("close"), "closed 1001");
    assert_eq!(json.line("close"), "closed 1001");
    assert_eq!(s.hub.connected_clients(), 0);
    assert_eq!(s.hub.dropped_clients(), 0);
}

/// A WebSocket client on a raw socket with a small receive buffer: it completes
/// the handshake, then never reads again.
async fn stuck_client(addr: SocketAddr, user: i64) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let request = format!(
        "GET /ws/read-receipts?userId={user} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.readable().await.unwrap();
        match stream.try_read(&mut byte) {
            Ok(0) => panic!("closed during the handshake"),
            Ok(_) => head.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    stream
}

#[test]
fn a_client_that_stops_reading_is_dropped_and_does_not_slow_the_service() {
    const N: i64 = 3000;
    let s = server("receipts-slow", 64, Some(4096));
    let stuck = s.rt.block_on(stuck_client(s.addr, 500));
    s.wait_for_clients(1);

    let t = &s.topics;
    let mut records: Vec<_> = (0..N).map(|i| created(t, 10_000 + i, 500, 600)).collect();
    records.extend((0..N).map(|i| read(t, 10_000 + i, 600, "2026-11-24T11:00:00")));
    let started = Instant::now();
    publish(&records);
    // Every created and read event is processed: the stuck client held nothing up.
    wait_for(
        "the read-receipt service to process every event",
        Duration::from_secs(120),
        || (s.processed() == 2 * N as u64).then_some(()),
    );
    let took = started.elapsed();
    // A consumer blocked by the stuck client would never get there.
    eprintln!("{} events published and processed in {took:?}", 2 * N);
    assert_eq!(s.hub.dropped_clients(), 1);
    assert_eq!(s.hub.connected_clients(), 0);

    // The server closed the connection: reading it now reaches its end (after the
    // receipts that were in flight).
    let mut stuck = stuck.into_std().unwrap();
    stuck.set_nonblocking(false).unwrap();
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    stuck
        .read_to_end(&mut rest)
        .expect("the server closed the socket");
    assert!(rest.len() < 1 << 20, "{} bytes in flight", rest.len());

    // The server still serves: a new client gets its receipt.
    let json_url = format!("ws://{}/ws/read-receipts?userId=500", s.addr);
    let fresh = NodeClient::spawn(&["--json", "--url", &json_url]);
    assert_eq!(fresh.line("open"), "subscribed");
    s.wait_for_clients(1);
    publish(&[
        created(t, 20_000, 500, 600),
        read(t, 20_000, 600, "2026-11-24T12:00:00"),
    ]);
    assert_eq!(
        fresh.line("receipt"),
        r#"{"messageId":20000,"senderId":500,"readAt":"2026-11-24T12:00:00"}"#
    );
    fresh.finish();
    assert_eq!(s.hub.dropped_clients(), 1);
}

/// The whole path through `kaftop serve`: a STOMP client as the sender, the seed's
/// REST calls for its message, and the receipt on the socket.
#[test]
fn kaftop_serve_pushes_the_receipt_of_a_message_read_through_its_rest_api() {
    let (_dir, _topics, config) = ensured_service("receipts-serve", 3);
    let serve = Serve::start(&config, &[]);
    let client = NodeClient::spawn(&["--url", &format!("ws://{}/ws", serve.addr), "--user", "100"]);
    assert_eq!(client.line("subscription"), "subscribed");

    for path in [
        "/api/kafka-test/message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka",
        "/api/kafka-test/message-read?messageId=1&receiverId=200&readAt=2026-11-24T10:15:30.120",
    ] {
        let out = Command::new("curl")
            .args(["-sf", "-X", "POST", &serve.url(path)])
            .output()
            .unwrap();
        assert!(out.status.success(), "curl {path}: {out:?}");
    }
    assert_eq!(
        client.line("receipt"),
        r#"{"messageId":1,"senderId":100,"readAt":"2026-11-24T10:15:30.120"}"#
    );
    client.finish();
}

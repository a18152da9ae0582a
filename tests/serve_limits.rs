//! `kaftop serve` protects itself, tried on the real binary with real sockets: a
//! client that sends half a request header is closed after `header_read_timeout`
//! (and so is a kept-alive connection that sends nothing more), connections over
//! `max_connections` are answered 503 and counted, WebSockets over
//! `max_websocket_clients` are closed with 1013 and counted, SIGTERM does not wait
//! for connections that have no request in flight, and TLS serves HTTPS with the
//! configured PEM files.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::serve::Serve;
use common::{wait_for, write_config, TestTopics};

/// A config for `kaftop serve` with `serve` as its `[serve]` table.
fn config(dir: &Path, prefix: &str, serve: &str) -> PathBuf {
    let path = write_config(dir, &TestTopics::new(prefix), 1);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("[serve]\n");
    text.push_str(serve);
    std::fs::write(&path, text).unwrap();
    path
}

/// A connection that sends half a request header and nothing more.
fn half_sent(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    // A connection over the cap may be answered and closed before this is sent.
    let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: kaftop\r\nUser-Ag");
    s
}

/// Whether the server closes `s` before `deadline` (whatever it answers first).
fn closed_by_server(s: &mut TcpStream, deadline: Duration) -> bool {
    let end = Instant::now() + deadline;
    let mut buf = [0u8; 1024];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// `curl -s URL` (extra args first): the status code and the body.
fn curl(url: &str, extra: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "30", "-w", "\n%{http_code}"])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap_or(0), body.to_string())
}

/// The value of an unlabelled sample in `/metrics`.
fn metric(serve: &Serve, name: &str) -> Option<f64> {
    let (code, body) = curl(&serve.url("/metrics"), &[]);
    assert_eq!(code, 200, "{body}");
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn half_sent_headers_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "serve-hdr", "header_read_timeout = \"1s\"\n");
    let serve = Serve::start(&cfg, &[]);
    let mut half = half_sent(&serve.addr);
    assert!(
        closed_by_server(&mut half, Duration::from_secs(30)),
        "a half-sent header is still open"
    );
    // A whole request answered, then nothing: the kept-alive connection closes too.
    let mut idle = TcpStream::connect(&serve.addr).unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: kaftop\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert!(
        closed_by_server(&mut idle, Duration::from_secs(30)),
        "an idle kept-alive connection is still open"
    );
}

#[test]
fn connections_over_the_cap_get_503_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "serve-cap",
        "max_connections = 3\nheader_read_timeout = \"5m\"\n",
    );
    let serve = Serve::start(&cfg, &[]);
    let mut held: Vec<TcpStream> = (0..3).map(|_| half_sent(&serve.addr)).collect();
    let (code, body) = curl(&serve.url("/health"), &[]);
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("too many connections"), "{body}");
    // One leaves: its slot serves the next client.
    drop(held.pop());
    wait_for("a free slot", Duration::from_secs(30), || {
        (curl(&serve.url("/health"), &[]).0 == 200).then_some(())
    });
    wait_for("the refusal in /metrics", Duration::from_secs(30), || {
        metric(&serve, "kaftop_http_connections_refused_total")
            .filter(|n| *n >= 1.0)
            .map(|_| ())
    });
    drop(held);
}

#[test]
fn under_a_low_open_file_limit_accepting_never_fails() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "serve-nofile", "header_read_timeout = \"5m\"\n");
    // 250 files: the default caps (512 connections, 256 sockets) do not fit.
    let serve = Serve::start_with_open_files(&cfg, 250);
    // More half-sent connections than there are file descriptors.
    let held: Vec<TcpStream> = (0..300).map(|_| half_sent(&serve.addr)).collect();
    let (code, body) = curl(&serve.url("/health"), &[]);
    assert_eq!(code, 503, "{body}");
    drop(held);
    wait_for("/health answering", Duration::from_secs(30), || {
        (curl(&serve.url("/health"), &[]).0 == 200).then_some(())
    });
    let mut serve = serve;
    let (_, stderr) = serve.stop();
    assert!(
        stderr.contains("the open-file limit is 250: max_connections 512 → "),
        "{stderr}"
    );
}

#[test]
fn sigterm_does_not_wait_for_connections_without_a_request() {
    let dir = tempfile::tempdir().unwrap();
    // A drain limit of 5m15s: only connections really in flight may hold it up.
    let cfg = config(
        dir.path(),
        "serve-term-half",
        "request_timeout = \"5m\"\nheader_read_timeout = \"5m\"\n",
    );
    let mut serve = Serve::start(&cfg, &[]);
    let mut held: Vec<TcpStream> = (0..3).map(|_| half_sent(&serve.addr)).collect();
    // The three are accepted once a later request is answered.
    assert_eq!(curl(&serve.url("/health"), &[]).0, 200);
    // `stop` kills the process after 60 s: exit code 0 means it left by itself.
    let (status, stderr) = serve.stop();
    assert_eq!(status.code(), Some(0), "{stderr}");
    for s in &mut held {
        assert!(closed_by_server(s, Duration::from_secs(5)));
    }
}

#[test]
fn websockets_over_the_cap_are_closed_with_1013_and_counted() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "serve-wscap", "max_websocket_clients = 1\n");
    let serve = Serve::start(&cfg, &[]);
    let url = format!("ws://{}/ws/read-receipts?userId=7", serve.addr);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (_first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let (mut second, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let msg = tokio::time::timeout(Duration::from_secs(30), second.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let Message::Close(Some(close)) = msg else {
            panic!("expected a close, got {msg:?}");
        };
        assert_eq!(close.code, CloseCode::Again);
    });
    wait_for("the refusal in /metrics", Duration::from_secs(30), || {
        metric(&serve, "kaftop_receipt_clients_refused_total")
            .filter(|n| *n >= 1.0)
            .map(|_| ())
    });
}

#[test]
fn tls_serves_https_with_the_configured_pem_files() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=kaftop-test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let serve_table = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        cert.display(),
        key.display()
    );
    let cfg = config(dir.path(), "serve-tls", &serve_table);
    let serve = Serve::start(&cfg, &[]);
    let https = format!("https://{}/health", serve.addr);
    let cacert = cert.to_str().unwrap();
    assert_eq!(curl(&https, &["--cacert", cacert]), (200, "ok".to_string()));
    // Plain HTTP on the TLS port is not served.
    assert_ne!(curl(&serve.url("/health"), &[]).0, 200);
}

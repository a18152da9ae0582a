//! `kaftop demo --headless`: the embedded cluster, services and traffic, with every
//! produced event accounted for. Needs no broker.

#![allow(clippy::unwrap_used)]

mod common;

use common::kaftop;

#[test]
fn headless_demo_accounts_for_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaftop()
        .args([
            "demo",
            "--headless",
            "--duration",
            "12s",
            "--rate",
            "40",
            "--json",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(s["drained"], true, "{s}");
    assert_eq!(s["failed_deliveries"], 0);

    let produced = |topic: &str, field: &str| -> u64 {
        s["produced"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["topic"] == topic)
            .unwrap()[field]
            .as_u64()
            .unwrap()
    };
    let created = produced("message.created", "events");
    let read = produced("message.read", "events");
    assert!(created > 100, "{s}");
    assert!(read > 0 && read <= created, "{s}");

    let service = |name: &str| {
        s["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["service"] == name)
            .unwrap()
            .clone()
    };
    for name in ["notification", "analytics", "read-receipt", "archive"] {
        let v = service(name);
        let n = |f: &str| v[f].as_u64().unwrap();
        assert_eq!(n("consumed"), n("expected"), "{name}: {v}");
        assert_eq!(n("expired_unconsumed"), 0, "{name}: {v}");
        assert_eq!(
            n("consumed"),
            n("processed") + n("dead_lettered") + n("dedupe_hits") + n("pending"),
            "{name}: {v}"
        );
        assert_eq!(v["conserved"], true);
    }
    // The notification service sees only message.created: its DLQ holds exactly the
    // poison records sent there.
    assert_eq!(
        service("notification")["dead_lettered"].as_u64(),
        Some(produced("message.created", "poison"))
    );
    assert_eq!(service("notification")["processed"].as_u64(), Some(created));
    for lag in s["lags"].as_array().unwrap() {
        assert_eq!(lag["lag"], 0, "{s}");
    }
    assert_eq!(s["lags"].as_array().unwrap().len(), 4);
}

#[test]
fn a_rate_beyond_the_demo_is_capped_and_every_event_still_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaftop()
        .args([
            "demo",
            "--headless",
            "--duration",
            "3s",
            "--rate",
            "1000000",
            "--json",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("capped at 5,000/s"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let s: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(s["drained"], true, "{s}");
}

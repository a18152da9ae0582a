//! The two-minute churn soak against the suite's 3-node cluster
//! (`scripts/soak.sh --minutes 2 --bootstrap …`, see BENCHMARKS.md "Scale"):
//! `kaftop serve` and the dashboard (tmux) watch it, refreshing every 2 s, while
//! members join and leave, groups and topics are created and deleted every 3 s.
//! Nothing deleted may still be on `/metrics` two refreshes later, and no error
//! may be left once the churn stopped. No node is restarted: the cluster is
//! shared with the other tests (the script restarts nodes only of the benchmark
//! cluster it owns). Cost: about 2.5 minutes.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use serde_json::Value;

#[test]
fn churn_for_two_minutes_leaves_nothing_vanished_on_screen_and_no_error() {
    let c = common::cluster();
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/soak.sh"))
        .args([
            "--minutes",
            "2",
            "--interval",
            "2s",
            "--bootstrap",
            &c.bootstrap,
        ])
        .env("KAFTOP_BIN", env!("CARGO_BIN_EXE_kaftop"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stdout.lines().last().unwrap_or_default();
    let r: Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("no verdict ({e}):\n{stdout}\n{stderr}"));
    eprintln!("{r}");
    assert_eq!(r["vanished_still_shown"], 0, "{r}\n{stderr}");
    assert_eq!(r["errors_left"], 0, "{r}\n{stderr}");
    // The churn did happen, under refreshes.
    assert!(r["deleted_groups"].as_u64().unwrap() >= 5, "{r}");
    assert!(r["deleted_topics"].as_u64().unwrap() >= 5, "{r}");
    assert!(r["refreshes"].as_u64().unwrap() >= 20, "{r}");
    // Each of those was on /metrics before it was deleted: the check that it
    // went is not vacuous.
    assert!(r["deleted_seen_first"].as_u64().unwrap() >= 8, "{r}");
    assert!(out.status.success(), "{r}\n{stderr}");
}

//! The `kaftop consumers` and `kaftop services report` commands.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{self, kaftop, wait_for};
use crate::producer::{created, deleted, rec, Producer, Rec};
use crate::{env, Env, D1};

fn report_json(env: &Env) -> serde_json::Value {
    common::report_json(&env.config, &[])
}

/// `kaftop consumers` rows by service: the numeric columns and the group.
fn summary_rows(stdout: &str) -> BTreeMap<String, (Vec<u64>, String)> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 8).then(|| {
                (
                    cols[0].to_string(),
                    (
                        cols[1..7].iter().map(|c| c.parse().unwrap()).collect(),
                        cols[7].to_string(),
                    ),
                )
            })
        })
        .collect()
}

/// The services' lines of the log file (for failure messages).
fn log_tail(env: &Env) -> String {
    let log = std::fs::read_to_string(env.dir.join("data/logs/kaftop.log")).unwrap_or_default();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("services") || l.contains("WARN") || l.contains("ERROR"))
        .collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

#[test]
fn the_consumers_command_stops_on_sigterm_and_after_its_duration() {
    let env = env("svc-cli", "[services]\nvip_user_ids = [7]\n");
    let t = &env.topics;
    let p = Producer::new();
    let mut recs: Vec<Rec> = (1..=20)
        .map(|id| created(t, id, if id <= 2 { 7 } else { 8 }, 9, "2026-11-24T08:00:00"))
        .collect();
    recs.extend((1..=5).map(|id| deleted(t, id, 8, 9, "2026-11-24T09:00:00")));
    recs.push(rec(&t.deleted, "bad", "[1,2,3]"));
    p.send(&recs);

    let child = common::spawn_consumers(
        &env.config,
        &[
            "--service",
            "analytics",
            "--service",
            "archive",
            // Two members per group, all leaving at once on SIGTERM.
            "--concurrency",
            "2",
        ],
        &[],
    );
    wait_for("the binary's effects", Duration::from_secs(60), || {
        let r = report_json(&env);
        let done = r["daily"][0]["messages"] == 20
            && r["archived"] == 5
            && r["dead_lettered"][&t.deleted] == 1;
        done.then_some(())
    });
    let started = Instant::now();
    let output = child.terminate();
    assert!(output.status.success(), "{output:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows = summary_rows(&stdout);
    let ns = t.created.strip_suffix("message.created").unwrap();
    // consumed, processed, dead-lettered, dedupe hits, retries, pending
    assert_eq!(
        rows["analytics"],
        (
            vec![20, 20, 0, 0, 0, 0],
            format!("{ns}analytics-service-group")
        ),
        "{stdout}"
    );
    assert_eq!(
        rows["archive"],
        (vec![6, 5, 1, 0, 0, 0], format!("{ns}archive-service-group")),
        "{stdout}"
    );
    assert_eq!(rows.len(), 2, "{stdout}");

    // Published while nothing runs; a `--duration` run picks them up. It can only do
    // so within the duration if the SIGTERMed members left the group.
    let mut more: Vec<Rec> = (21..=25)
        .map(|id| created(t, id, 8, 9, "2026-11-24T08:00:00"))
        .collect();
    more.push(created(t, 3, 8, 9, "2026-11-24T08:00:00")); // duplicate
    p.send(&more);
    let started = Instant::now();
    let out = kaftop()
        .args(["--config", env.config.to_str().unwrap()])
        .args(["--data-dir", env.dir.join("data").to_str().unwrap()])
        .args(["consumers", "--service", "analytics", "--duration", "6s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let rows = summary_rows(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        rows["analytics"].0,
        vec![6, 5, 0, 1, 0, 0],
        "log:\n{}",
        log_tail(&env)
    );

    let r = report_json(&env);
    assert_eq!(
        r["daily"],
        json!([{"date": D1, "messages": 25, "distinct_senders": 2, "reads": 0}])
    );
    assert_eq!(r["services"]["analytics"]["consumed"], 26);
    assert_eq!(r["services"]["analytics"]["dedupe_hits"], 1);
    assert_eq!(r["archived"], 5);
    assert_eq!(r["notifications"], 0);
    assert_eq!(r["receipts"], 0);

    // The human report.
    let out = kaftop()
        .args(["--config", env.config.to_str().unwrap()])
        .args(["services", "report"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("archived       5\n"), "{text}");
    assert!(
        text.contains(&format!("dead-lettered  {} 1\n", t.deleted)),
        "{text}"
    );
    assert!(
        text.contains("2026-11-24  25        2                 0"),
        "{text}"
    );
}

#[test]
fn report_without_a_store_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaftop()
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["services", "report", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("services.db: no services store here"), "{err}");
}

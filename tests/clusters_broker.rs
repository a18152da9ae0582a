//! Every cluster at once (`--all-profiles`): the single test node and the 3-node
//! cluster as two profiles, plus a third whose address nothing listens on (the
//! shared brokers are never stopped: a cluster that is down is a closed port).
//! Each real cluster answers with its own group's rows, labelled with its profile;
//! the cluster that is down is named and does not hold the others up.
//!
//! Cost: two `topics create` and two `groups reset-offsets` (a second or two), and
//! one `lag` that waits for the closed port's connection errors.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{kaftop, unique};
use serde_json::Value;

/// A topic and a group with committed offsets on the cluster at `bootstrap`.
fn group_on(bootstrap: &str, group: &str, topic: &str) {
    let run = |args: &[&str]| {
        let out = kaftop()
            .args(["-b", bootstrap])
            .args(args)
            .output()
            .unwrap();
        common::assert_success(&out);
    };
    run(&[
        "topics",
        "create",
        topic,
        "--partitions",
        "2",
        "--replication-factor",
        "1",
    ]);
    run(&[
        "groups",
        "reset-offsets",
        "--group",
        group,
        "--topic",
        topic,
        "--to-earliest",
        "--execute",
    ]);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn write_config(dir: &Path, single: &str, cluster: &str, down: &str) -> std::path::PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"data_dir = "{data}"
[profiles.single]
bootstrap_servers = "{single}"
[profiles.three-nodes]
bootstrap_servers = "{cluster}"
[profiles.down]
bootstrap_servers = "{down}"
properties = {{ "socket.connection.setup.timeout.ms" = "2000" }}
"#,
        data = dir.join("data").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn lag_reads_every_profile_and_names_the_one_that_is_down() {
    let single = common::bootstrap();
    let cluster = common::cluster().bootstrap.clone();
    let (g1, t1) = (unique("clusters-g1"), unique("clusters-t1"));
    let (g3, t3) = (unique("clusters-g3"), unique("clusters-t3"));
    group_on(&single, &g1, &t1);
    group_on(&cluster, &g3, &t3);

    let dir = tempfile::tempdir().unwrap();
    let down = format!("127.0.0.1:{}", closed_port());
    let config = write_config(dir.path(), &single, &cluster, &down);
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args(["lag", "--all-profiles", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cluster `down`"), "{stderr}");
    assert!(
        !stderr.contains("cluster `single`:") && !stderr.contains("cluster `three-nodes`:"),
        "{stderr}"
    );

    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let of = |cluster: &str, group: &str| -> Vec<&Value> {
        rows.iter()
            .filter(|r| r["cluster"] == cluster && r["group"] == group)
            .collect()
    };
    let on_single = of("single", &g1);
    assert_eq!(on_single.len(), 2, "{rows:?}");
    assert!(on_single.iter().all(|r| r["topic"] == t1.as_str()));
    let on_cluster = of("three-nodes", &g3);
    assert_eq!(on_cluster.len(), 2, "{rows:?}");
    assert!(on_cluster.iter().all(|r| r["topic"] == t3.as_str()));
    // Each cluster reports its own groups only, and the one that is down none.
    assert!(of("single", &g3).is_empty() && of("three-nodes", &g1).is_empty());
    assert!(rows.iter().all(|r| r["cluster"] != "down"));
    // The cluster comes first in every row.
    let first = serde_json::to_string(&rows[0]).unwrap();
    assert!(first.starts_with(r#"{"cluster":"#), "{first}");
}

#[test]
fn clusters_shows_each_cluster_at_a_glance_and_the_one_that_is_down() {
    let _all_nodes_up = common::Cluster::exclusive();
    let (single, cluster) = (common::bootstrap(), common::cluster().bootstrap);
    // A topic on each: a cluster without one has no produce rate to measure.
    group_on(&single, &unique("clusters-g"), &unique("clusters-t"));
    group_on(&cluster, &unique("clusters-g"), &unique("clusters-t"));
    let dir = tempfile::tempdir().unwrap();
    let down = format!("127.0.0.1:{}", closed_port());
    let config = write_config(dir.path(), &single, &cluster, &down);
    let out = kaftop()
        .arg("--config")
        .arg(&config)
        .args(["clusters", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cluster `down`"), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["cluster"].as_str().unwrap())
        .collect();
    // Profiles in name order.
    assert_eq!(names, ["down", "single", "three-nodes"]);
    let (down, single, three) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(down["reachable"], false);
    assert!(down["brokers_up"].is_null() && down["error"].is_string());
    assert_eq!(single["reachable"], true);
    assert_eq!(
        (&single["brokers_up"], &single["brokers_total"]),
        (&1.into(), &1.into())
    );
    assert_eq!(three["reachable"], true);
    assert_eq!(
        (&three["brokers_up"], &three["brokers_total"]),
        (&3.into(), &3.into())
    );
    for r in [single, three] {
        assert_eq!(r["offline_partitions"], 0, "{r}");
        // Read twice: the produced rate is measured, not unknown.
        assert!(r["produced_per_sec"].is_number(), "{r}");
    }
}

#[test]
fn all_profiles_conflicts_with_one_profile() {
    let out = kaftop()
        .args(["--profile", "x", "lag", "--all-profiles"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--all-profiles") && err.contains("--profile"),
        "{err}"
    );
}

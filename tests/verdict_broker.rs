//! One verdict for an idle group on the real broker: no members and lag behind
//! the log end. `kaftop lag` (one read), its JSON and `kaftop snapshot` (a few
//! reads) all call it STOP and say why; the one read says it has no history.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{assert_success, bootstrap, kaftop, unique};

fn config(dir: &Path, b: &str) -> std::path::PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"
default_profile = "test"
data_dir = "{data}"
[profiles.test]
bootstrap_servers = "{b}"
poll_interval = "1s"
"#,
        data = dir.join("data").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_idle_group_with_lag_is_stopped_in_lag_and_in_the_snapshot() {
    let b = bootstrap();
    let topic = unique("idle-verdict");
    let group = unique("idle-verdict-group");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[50, 20]);
    // Committed by a client that never joined: the group has no members.
    commit_offsets(
        &b,
        &group,
        &[(topic.as_str(), 0, 10), (topic.as_str(), 1, 20)],
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &b);
    let cfg = cfg.display().to_string();

    let out = kaftop()
        .args(["--config", &cfg, "lag", "-g", &group])
        .output()
        .unwrap();
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let head = text
        .lines()
        .find(|l| l.starts_with(&format!("{group}: ")))
        .expect(&text);
    assert!(
        head.contains(
            "0 members, total lag 40 (threshold 1,000), status STOP (no members, lag behind \
             the log end; no history: one read)"
        ),
        "{head}"
    );

    let out = kaftop()
        .args(["--config", &cfg, "lag", "-g", &group, "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, status) in rows.iter().zip(["STOP", "OK"]) {
        assert_eq!(row["status"], status, "{row}");
        assert_eq!(row["group_status"], "STOP", "{row}");
        assert_eq!(row["group_status_reason"], "no_members", "{row}");
        assert_eq!(row["history"]["reads"], 1, "{row}");
    }

    let md_path = dir.path().join("incident.md");
    let out = kaftop()
        .args(["--config", &cfg, "snapshot", "--for", "2s"])
        .args(["--out", &md_path.display().to_string()])
        .output()
        .unwrap();
    assert_success(&out);
    let md = std::fs::read_to_string(&md_path).unwrap();
    for fact in [
        format!("### {group} (STOP)"),
        format!("- {group}: STOP (no members, lag behind the log end; short history: "),
        "no members, lag behind the log end · state Empty · lag 40".to_string(),
    ] {
        assert!(md.contains(&fact), "missing {fact:?} in:\n{md}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("incident.json")).unwrap())
            .unwrap();
    let g = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == group.as_str())
        .unwrap_or_else(|| panic!("{group} not in {json}"));
    assert_eq!(g["status"], "STOP");
    assert_eq!(g["status_reason"], "no_members");
    assert!(g["history"]["reads"].as_u64().unwrap() >= 2, "{g}");
}

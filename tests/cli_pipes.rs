//! Every output survives its reader leaving: each subcommand that prints, with
//! stdout a pipe whose reader is gone (`kaftop lag | head -1` once `head` has
//! left), exits quietly; a full disk is an error, never a panic.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Output, Stdio};

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{bootstrap, unique};

/// The subcommands that print, on a topic with records and a group behind it.
fn printing_commands(topic: &str, group: &str, dir: &str) -> Vec<Vec<String>> {
    let snapshot = format!("{dir}/incident.md");
    let dlq = format!("{topic}.dlq");
    let cases: Vec<Vec<&str>> = vec![
        vec!["topics", "--interval", "100ms"],
        vec!["topics", "--interval", "100ms", "--partitions"],
        vec!["topics", "--interval", "100ms", "--json"],
        vec!["topics", "config", topic],
        vec!["lag"],
        vec!["lag", "--json"],
        vec!["lag", "--state", "-g", group],
        vec!["lag", "--members", "-g", group],
        vec!["tail", topic, "--from-beginning", "-n", "50"],
        vec!["tail", topic, "--from-beginning", "-n", "50", "--json"],
        vec![
            "groups",
            "reset-offsets",
            "-g",
            group,
            "--topic",
            topic,
            "--to-earliest",
        ],
        vec!["events", "--for", "300ms", "--interval", "100ms"],
        vec![
            "snapshot",
            "-o",
            &snapshot,
            "--for",
            "100ms",
            "--interval",
            "100ms",
        ],
        vec!["config", "check"],
        vec!["services", "report"],
        vec!["dlq", "redrive", &dlq],
        vec!["dlq", "redrive", &dlq, "--json"],
    ];
    cases
        .into_iter()
        .map(|c| c.into_iter().map(String::from).collect())
        .collect()
}

fn run_with_stdout(args: &[String], dir: &str, stdout: Stdio) -> Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("kaftop"));
    cmd.env_remove("KAFTOP_CONFIG")
        .args(["-b", &bootstrap(), "--data-dir", dir])
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped());
    cmd.output().unwrap()
}

#[allow(clippy::incompatible_msrv)] // tests run on the workspace's toolchain
#[test]
fn every_printing_command_exits_quietly_when_its_reader_left() {
    let topic = unique("pipes");
    let group = unique("pipes-group");
    create_topic(&bootstrap(), &topic, 3);
    create_topic(&bootstrap(), &format!("{topic}.dlq"), 1);
    produce_counts(&bootstrap(), &topic, &[40, 40, 40]);
    commit_offsets(
        &bootstrap(),
        &group,
        &[(&topic, 0, 1), (&topic, 1, 2), (&topic, 2, 3)],
    );
    let dir = tempfile::tempdir().unwrap();
    // An empty services store, for `services report`.
    kaftop_services::Store::open(&dir.path().join("services.db")).unwrap();
    let dir = dir.path().to_str().unwrap().to_string();
    for args in printing_commands(&topic, &group, &dir) {
        // The reader is gone before kaftop writes its first byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = run_with_stdout(&args, &dir, writer.into());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let quiet_exit = out.status.code() == Some(0) || out.status.code() == Some(141);
        assert!(quiet_exit, "{args:?}: {:?}: {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_str().unwrap().to_string();
    for args in [
        vec!["lag".to_string()],
        vec!["config".into(), "check".into()],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_with_stdout(&args, &dir, full.into());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("writing to stdout"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

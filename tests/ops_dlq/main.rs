//! `kaftop dlq redrive` on Apache Kafka: the DLQ holds genuine dead letters (poison
//! records the archive service of `kaftop consumers` gave up on), the dry run lists
//! them, `--execute` puts each back once, a second run sends nothing, a run killed
//! between delivery and commit is made good by the next without duplicates, and
//! read-only mode refuses.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use kaftop_services::redrive::HEADER_REDRIVEN_FROM;
use serde_json::Value;

use common::{assert_success, kaftop, kaftop_process};
use support::{read_topic, redrive_json, Env, POISON};

#[test]
fn dry_run_lists_the_dead_letters_then_execute_puts_each_back_once() {
    let env = Env::with_dead_letters("dlq-once");
    let before = read_topic(&env.topics.deleted, true);

    // The dry run: every poison record, exactly; the truncated one and the one
    // without source headers as not redrivable.
    let plan = redrive_json(&env, &[]);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["redriven"], 0);
    let listed: Vec<(String, String, i64, i64, i64, String)> = plan["send"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["source_topic"].as_str().unwrap().to_string(),
                r["source_partition"].as_i64().unwrap(),
                r["source_offset"].as_i64().unwrap(),
                r["dlq_partition"].as_i64().unwrap(),
                r["service"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected: Vec<_> = env
        .poison
        .iter()
        .map(|p| {
            let (key, (partition, offset)) = (p.0.clone(), p.1);
            let dlq_partition = i64::from(partition);
            (
                key,
                env.topics.deleted.clone(),
                i64::from(partition),
                offset,
                dlq_partition,
                "archive".to_string(),
            )
        })
        .collect();
    expected.sort_by_key(|e| (e.4, e.3));
    let mut listed_sorted = listed.clone();
    listed_sorted.sort_by_key(|e| (e.4, e.3));
    assert_eq!(listed_sorted, expected);
    for r in plan["send"].as_array().unwrap() {
        assert!(r["error"].as_str().unwrap().contains("not JSON"), "{r}");
    }
    let not: BTreeMap<String, String> = plan["not_redrivable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["key"].as_str().unwrap().to_string(),
                u["reason"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        not,
        BTreeMap::from([
            ("big".to_string(), "truncated".to_string()),
            ("no-source".to_string(), "no-source".to_string()),
        ])
    );
    assert_eq!(plan["not_redrivable"].as_array().unwrap().len(), 2);
    assert_eq!(read_topic(&env.topics.deleted, true).len(), before.len());

    // The human dry run says the same.
    let out = kaftop()
        .arg("--config")
        .arg(&env.config)
        .args(["dlq", "redrive", &env.dlq])
        .output()
        .unwrap();
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "Dry run: {} records would be redriven from {}; add --execute to send them.\n",
            POISON.len(),
            env.dlq
        )),
        "{text}"
    );
    assert!(text.contains("Not redrivable:\n"), "{text}");
    assert!(
        text.ends_with("0 already redriven, 0 left out by --filter/--service, 0 over --limit.\n"),
        "{text}"
    );

    // Execute: each record back once, where it came from, intact.
    let done = redrive_json(&env, &["--execute"]);
    assert_eq!(done["redriven"], POISON.len());
    let after = read_topic(&env.topics.deleted, true);
    assert_eq!(after.len(), before.len() + POISON.len());
    let redriven: Vec<_> = after
        .iter()
        .filter(|r| r.header(HEADER_REDRIVEN_FROM).is_some())
        .collect();
    assert_eq!(redriven.len(), POISON.len());
    let dlq = read_topic(&env.dlq, true);
    for (key, (partition, offset)) in &env.poison {
        let original = before
            .iter()
            .find(|r| r.partition == *partition && r.offset == *offset)
            .unwrap();
        let back: Vec<_> = redriven.iter().filter(|r| &r.key == key).collect();
        assert_eq!(back.len(), 1, "{key}");
        let back = back[0];
        let dead = dlq.iter().find(|r| &r.key == key).unwrap();
        assert_eq!(back.partition, *partition, "{key}");
        assert_eq!(back.value, original.value, "{key}");
        let mut headers = original.headers.clone();
        headers.push((
            HEADER_REDRIVEN_FROM.to_string(),
            format!("{}/{}/{}", env.dlq, dead.partition, dead.offset),
        ));
        assert_eq!(back.headers, headers, "{key}");
    }

    // A second run sends nothing.
    let again = redrive_json(&env, &["--execute"]);
    assert_eq!(again["redriven"], 0);
    assert_eq!(again["already_redriven"], POISON.len());
    assert_eq!(again["send"].as_array().unwrap().len(), 0);
    assert_eq!(again["not_redrivable"].as_array().unwrap().len(), 2);
    assert_eq!(read_topic(&env.topics.deleted, true).len(), after.len());
}

#[test]
fn an_interrupted_redrive_followed_by_a_full_one_sends_each_record_once() {
    let env = Env::with_dead_letters("dlq-kill");
    let before = read_topic(&env.topics.deleted, true).len();

    // A run cut short by --limit, then one filtered to a single key.
    let first = redrive_json(&env, &["--execute", "--limit", "2"]);
    assert_eq!(first["redriven"], 2);
    assert_eq!(first["over_limit"], POISON.len() - 2);
    let first_keys: Vec<&str> = first["send"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let only = &env
        .poison
        .iter()
        .find(|(k, _)| !first_keys.contains(&k.as_str()))
        .unwrap()
        .0;
    let filtered = redrive_json(&env, &["--execute", "--filter", only]);
    assert_eq!(filtered["redriven"], 1);
    assert_eq!(filtered["send"][0]["key"], only.as_str());

    // A run killed (SIGKILL) after its records were delivered, before its commit.
    let mut child = kaftop_process()
        .arg("--config")
        .arg(&env.config)
        .args(["dlq", "redrive", &env.dlq, "--execute"])
        .env("KAFTOP_TEST_REDRIVE_STALL_BEFORE_COMMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "exited early");
        if line.contains("records delivered, not committed") {
            break;
        }
    }
    assert_eq!(
        line.trim(),
        format!(
            "kaftop: {} records delivered, not committed",
            POISON.len() - 3
        )
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // Its records reached the log (read_uncommitted sees them) …
    let uncommitted = read_topic(&env.topics.deleted, false);
    assert_eq!(uncommitted.len(), before + POISON.len());

    // … and the next full run aborts them and sends them again, once.
    let full = redrive_json(&env, &["--execute"]);
    assert_eq!(full["redriven"], POISON.len() - 3);
    assert_eq!(full["already_redriven"], 3);
    let last = redrive_json(&env, &["--execute"]);
    assert_eq!(last["redriven"], 0);

    let after = read_topic(&env.topics.deleted, true);
    assert_eq!(after.len(), before + POISON.len());
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    for r in after
        .iter()
        .filter(|r| r.header(HEADER_REDRIVEN_FROM).is_some())
    {
        *by_key.entry(r.key.clone()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        env.poison.iter().map(|(k, _)| (k.clone(), 1)).collect();
    assert_eq!(by_key, expected);
}

#[test]
fn read_only_refuses_execute_and_sends_nothing_but_the_dry_run_works() {
    let env = Env::with_dead_letters("dlq-ro");
    let before = read_topic(&env.topics.deleted, true).len();
    let out = kaftop()
        .arg("--config")
        .arg(&env.config)
        .args(["--read-only", "dlq", "redrive", &env.dlq, "--execute"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "kaftop: error: read-only mode (profile `test` or --read-only): refusing to redrive dead-lettered records; nothing was changed"
    );
    assert_eq!(read_topic(&env.topics.deleted, true).len(), before);
    // The dry run works read-only and still sees every record as not redriven.
    let plan: Value = redrive_json(&env, &["--read-only"]);
    assert_eq!(plan["send"].as_array().unwrap().len(), POISON.len());
    assert_eq!(plan["already_redriven"], 0);
}

/// The core API a screen uses: a plan previewed, then executed; a plan made before
/// another run committed is refused and sends nothing.
#[test]
fn a_plan_made_before_another_redrive_is_refused_as_stale() {
    use kaftop_core::config::{self, Overrides};
    use kaftop_services::redrive::{self, RedriveError, Selection};

    let env = Env::with_dead_letters("dlq-stale");
    let cfg = config::load(&Overrides {
        config_file: Some(env.config.clone()),
        ..Overrides::default()
    })
    .unwrap();
    let archive = Selection {
        service: Some("archive".into()),
        ..Selection::default()
    };
    let old = redrive::plan(&cfg, &env.dlq, &archive).unwrap();
    assert_eq!(old.send.len(), POISON.len());
    let one = Selection {
        limit: Some(1),
        ..Selection::default()
    };
    let first = redrive::plan(&cfg, &env.dlq, &one).unwrap();
    assert_eq!(redrive::execute(&cfg, &first, &mut |_| {}).unwrap(), 1);
    let before = read_topic(&env.topics.deleted, true).len();
    match redrive::execute(&cfg, &old, &mut |_| {}) {
        Err(RedriveError::Stale(topic)) => assert_eq!(topic, env.dlq),
        other => panic!("{other:?}"),
    }
    assert_eq!(read_topic(&env.topics.deleted, true).len(), before);
    // Planned again, the rest goes.
    let again = redrive::plan(&cfg, &env.dlq, &archive).unwrap();
    assert_eq!(
        (again.send.len(), again.already_redriven),
        (POISON.len() - 1, 1)
    );
    assert_eq!(
        redrive::execute(&cfg, &again, &mut |_| {}).unwrap(),
        POISON.len() - 1
    );
    assert_eq!(
        read_topic(&env.topics.deleted, true).len(),
        before + POISON.len() - 1
    );
}

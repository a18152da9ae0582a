//! Services that scale out: two `kaftop consumers` processes in the same consumer
//! groups on one PostgreSQL store, one killed with SIGKILL mid-stream and started
//! again, then every group reset to earliest (Apache Kafka's kafka-consumer-groups)
//! and the whole log replayed: every effect exactly the workload's, reads published
//! before their messages still receipted, nothing dead-lettered. The same workload
//! on SQLite with one instance gives the same figures.
//!
//! PostgreSQL comes from scripts/test-postgres.sh (the test command starts it and
//! sets KAFTOP_TEST_POSTGRES_URL and KAFTOP_TEST_POSTGRES_PASSWORD); without it the
//! PostgreSQL test says so and passes.

#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;
#[path = "services_broker/effects.rs"]
#[allow(dead_code)]
mod effects;
#[path = "services_broker/producer.rs"]
#[allow(dead_code)]
mod producer;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{kafka_tool, kaftop, wait_for, write_config, TestTopics};
use effects::{committed_total, read_dlq};
use kaftop_core::config::{self, Overrides};
use kaftop_services::{ServiceName, ServicesOptions, ALL_SERVICES};
use producer::{created, deleted, read, Producer, Rec};

/// Partitions of each topic: two instances share them.
const PARTITIONS: i32 = 6;
const PASSWORD_ENV: &str = "KAFTOP_TEST_POSTGRES_PASSWORD";

/// The workload: messages on two days from 7 senders, reads of the first 400 (the
/// first 100 published before any message), deletions of the first 150.
struct Workload {
    creates: Vec<(i64, i64, String)>,
    reads: Vec<(i64, String)>,
    deletes: Vec<i64>,
}

const MESSAGES: i64 = 600;
const READS: i64 = 400;
const EARLY_READS: i64 = 100;
const DELETES: i64 = 150;

fn workload() -> Workload {
    let day = |id: i64| {
        if id % 3 == 0 {
            "2026-11-25"
        } else {
            "2026-11-24"
        }
    };
    Workload {
        creates: (1..=MESSAGES)
            .map(|id| (id, 100 + id % 7, format!("{}T08:00:00", day(id))))
            .collect(),
        reads: (1..=READS)
            .map(|id| (id, "2026-11-25T20:00:00".to_string()))
            .collect(),
        deletes: (1..=DELETES).collect(),
    }
}

impl Workload {
    /// (day → (messages, distinct senders, reads)), from the workload itself.
    fn daily(&self) -> BTreeMap<String, (u64, u64, u64)> {
        let mut days: BTreeMap<String, (u64, BTreeSet<i64>, u64)> = BTreeMap::new();
        for (_, sender, at) in &self.creates {
            let d = days.entry(at[..10].to_string()).or_default();
            d.0 += 1;
            d.1.insert(*sender);
        }
        for (_, at) in &self.reads {
            days.entry(at[..10].to_string()).or_default().2 += 1;
        }
        days.into_iter()
            .map(|(k, (m, s, r))| (k, (m, s.len() as u64, r)))
            .collect()
    }

    /// The records in publishing order, split in two halves: the early reads and the
    /// first half of the messages, then the rest.
    fn records(&self, t: &TestTopics) -> (Vec<Rec>, Vec<Rec>) {
        let reader = 200;
        let read_rec = |(id, at): &(i64, String)| read(t, *id, reader, at);
        let create_rec =
            |(id, sender, at): &(i64, i64, String)| created(t, *id, *sender, reader, at);
        let half = self.creates.len() / 2;
        let mut first: Vec<Rec> = self.reads[..EARLY_READS as usize]
            .iter()
            .map(read_rec)
            .collect();
        first.extend(self.creates[..half].iter().map(create_rec));
        let mut rest: Vec<Rec> = self.creates[half..].iter().map(create_rec).collect();
        rest.extend(self.reads[EARLY_READS as usize..].iter().map(read_rec));
        rest.extend(
            self.deletes
                .iter()
                .map(|id| deleted(t, *id, 100 + id % 7, reader, "2026-11-25T21:00:00")),
        );
        (first, rest)
    }

    fn records_per_topic(&self) -> [(usize, &'static str); 3] {
        [
            (self.creates.len(), "created"),
            (self.reads.len(), "read"),
            (self.deletes.len(), "deleted"),
        ]
    }
}

/// One test's message service: topics, config (with `extra` appended), data dir.
struct Env {
    _dir: tempfile::TempDir,
    topics: TestTopics,
    config: PathBuf,
    groups: Vec<String>,
}

fn env(prefix: &str, extra: &str) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new(prefix);
    let config = write_config(dir.path(), &topics, PARTITIONS);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    std::fs::write(&config, text).unwrap();
    kaftop()
        .args(["--config", config.to_str().unwrap(), "topics", "ensure"])
        .envs(password_env())
        .assert()
        .success();
    let cfg = config::load(&Overrides {
        config_file: Some(config.clone()),
        ..Overrides::default()
    })
    .unwrap();
    let opts = ServicesOptions::for_config(&cfg);
    Env {
        _dir: dir,
        topics,
        config,
        groups: ALL_SERVICES.iter().map(|s| opts.group(*s)).collect(),
    }
}

fn password_env() -> Vec<(String, String)> {
    std::env::var(PASSWORD_ENV)
        .map(|p| vec![(PASSWORD_ENV.to_string(), p)])
        .unwrap_or_default()
}

/// A fresh schema of the test database, named in the URL's search path.
fn postgres_store(label: &str) -> Option<String> {
    let url = std::env::var("KAFTOP_TEST_POSTGRES_URL").ok()?;
    let schema = common::unique(label).replace('-', "_");
    let out = std::process::Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", &format!("CREATE SCHEMA {schema}")])
        .envs(std::env::var(PASSWORD_ENV).map(|p| ("PGPASSWORD", p)))
        .output()
        .expect("run psql");
    common::assert_success(&out);
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}

fn spawn(env: &Env) -> common::process::ChildGuard {
    let vars = password_env();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    common::spawn_consumers(&env.config, &[], &vars)
}

fn report(config: &Path) -> serde_json::Value {
    let vars = password_env();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    common::report_json(config, &vars)
}

/// The report's effects, in the workload's terms.
#[derive(Debug, PartialEq)]
struct Effects {
    notifications: u64,
    receipts: u64,
    pending_receipts: u64,
    archived: u64,
    indexed_messages: u64,
    daily: BTreeMap<String, (u64, u64, u64)>,
    dead_lettered: u64,
}

fn effects_of(r: &serde_json::Value) -> Option<Effects> {
    let n = |k: &str| r[k].as_u64();
    Some(Effects {
        notifications: n("notifications")?,
        receipts: n("receipts")?,
        pending_receipts: n("pending_receipts")?,
        archived: n("archived")?,
        indexed_messages: n("indexed_messages")?,
        daily: r["daily"]
            .as_array()?
            .iter()
            .map(|d| {
                let f = |k: &str| d[k].as_u64().unwrap();
                (
                    d["date"].as_str().unwrap().to_string(),
                    (f("messages"), f("distinct_senders"), f("reads")),
                )
            })
            .collect(),
        dead_lettered: r["dead_lettered"]
            .as_object()?
            .values()
            .filter_map(|v| v.as_u64())
            .sum(),
    })
}

fn expected(w: &Workload) -> Effects {
    Effects {
        notifications: w.creates.len() as u64,
        receipts: w.reads.len() as u64,
        pending_receipts: 0,
        archived: w.deletes.len() as u64,
        indexed_messages: w.creates.len() as u64,
        daily: w.daily(),
        dead_lettered: 0,
    }
}

/// Waits until every group has committed the whole of each topic it reads, and
/// returns the report then.
fn wait_until_consumed(env: &Env, w: &Workload, what: &str) -> serde_json::Value {
    let t = &env.topics;
    let topic = |kind: &str| match kind {
        "created" => &t.created,
        "read" => &t.read,
        _ => &t.deleted,
    };
    let subscriptions: Vec<(String, Vec<&str>)> = ALL_SERVICES
        .iter()
        .zip(&env.groups)
        .map(|(s, g)| {
            let kinds = match s {
                ServiceName::Notification => vec!["created"],
                ServiceName::Analytics | ServiceName::ReadReceipt => vec!["created", "read"],
                ServiceName::Archive => vec!["deleted"],
            };
            (g.clone(), kinds)
        })
        .collect();
    let per_topic: BTreeMap<&str, usize> = w
        .records_per_topic()
        .iter()
        .map(|(n, k)| (*k, *n))
        .collect();
    wait_for(what, Duration::from_secs(180), || {
        let all = subscriptions.iter().all(|(g, kinds)| {
            kinds
                .iter()
                .all(|k| committed_total(g, topic(k)) == per_topic[k] as i64)
        });
        all.then(|| report(&env.config))
    })
}

/// Every group back to offset 0 (the consumers are stopped: the groups are empty).
fn reset_to_earliest(env: &Env) {
    for g in &env.groups {
        let out = kafka_tool(
            "kafka-consumer-groups",
            &[
                "--bootstrap-server",
                &common::bootstrap(),
                "--group",
                g,
                "--reset-offsets",
                "--to-earliest",
                "--all-topics",
                "--execute",
            ],
        );
        common::assert_success(&out);
    }
}

/// `services report` names two instances in every group, which between them own
/// each partition of each subscribed topic exactly once.
fn assert_two_owners(env: &Env) {
    let groups = wait_for("two stable owners", Duration::from_secs(60), || {
        let r = report(&env.config);
        let groups = r["ownership"].as_array()?.clone();
        let settled = groups.len() == ALL_SERVICES.len()
            && groups.iter().all(|g| {
                g["state"] == "Stable" && g["members"].as_array().is_some_and(|m| m.len() == 2)
            });
        settled.then_some(groups)
    });
    for g in groups {
        let members = g["members"].as_array().unwrap();
        let instances: BTreeSet<&str> = members
            .iter()
            .map(|m| m["instance"].as_str().unwrap())
            .collect();
        assert_eq!(instances.len(), 2, "{g:#}");
        let mut owned: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for m in members {
            for (topic, ps) in m["partitions"].as_object().unwrap() {
                let ps = ps.as_array().unwrap().iter().map(|p| p.as_i64().unwrap());
                owned.entry(topic.clone()).or_default().extend(ps);
            }
        }
        let topics = match g["service"].as_str().unwrap() {
            "notification" => vec![&env.topics.created],
            "archive" => vec![&env.topics.deleted],
            _ => vec![&env.topics.created, &env.topics.read],
        };
        assert_eq!(owned.len(), topics.len(), "{g:#}");
        for t in topics {
            let mut ps = owned[t.as_str()].clone();
            ps.sort_unstable();
            assert_eq!(ps, (0..PARTITIONS as i64).collect::<Vec<_>>(), "{g:#}");
        }
    }
}

fn assert_no_dead_letters(env: &Env) {
    for t in env.topics.all() {
        assert!(read_dlq(&format!("{t}.dlq"), 0).is_empty(), "{t}.dlq");
    }
}

#[test]
fn two_instances_on_postgres_killed_and_replayed_give_exact_effects() {
    let Some(url) = postgres_store("scale") else {
        eprintln!("skipped: KAFTOP_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)");
        return;
    };
    let env = env(
        "svc-scale",
        // Dedupe records kept for no time: each start purges them, so the replay's
        // exactness rests on the effects' natural keys alone.
        &format!(
            "[services]\nstore = \"{url}\"\nstore_password_env = \"{PASSWORD_ENV}\"\n\
             [services.retention]\ndedupe = \"0s\"\n"
        ),
    );
    let w = workload();
    let (first, rest) = w.records(&env.topics);
    let p = Producer::new();

    let a = spawn(&env);
    let b = spawn(&env);
    p.send(&first);
    // Mid-stream: B has stored part of the first half when it is killed.
    wait_for("some effects", Duration::from_secs(120), || {
        let r = report(&env.config);
        (r["notifications"].as_u64().unwrap_or(0) > 50).then_some(())
    });
    let killed = b.kill();
    assert!(!killed.status.success());
    p.send(&rest);
    let b = spawn(&env);
    let r = wait_until_consumed(&env, &w, "the workload, after the kill");
    assert_eq!(effects_of(&r).unwrap(), expected(&w), "{r:#}");
    common::assert_success(&a.terminate());
    common::assert_success(&b.terminate());

    // A full replay on two instances: nothing changes.
    reset_to_earliest(&env);
    for g in &env.groups {
        assert_eq!(committed_total(g, &env.topics.created), 0, "{g}");
    }
    let a = spawn(&env);
    let b = spawn(&env);
    let r = wait_until_consumed(&env, &w, "the replay");
    assert_two_owners(&env);
    common::assert_success(&a.terminate());
    common::assert_success(&b.terminate());
    assert_eq!(effects_of(&r).unwrap(), expected(&w), "{r:#}");
    assert_no_dead_letters(&env);
}

#[test]
fn the_same_workload_on_sqlite_with_one_instance_gives_the_same_effects() {
    let env = env("svc-scale-lite", "");
    let w = workload();
    let (first, rest) = w.records(&env.topics);
    let p = Producer::new();
    let a = spawn(&env);
    p.send(&first);
    p.send(&rest);
    let r = wait_until_consumed(&env, &w, "the workload on SQLite");
    common::assert_success(&a.terminate());
    assert_eq!(effects_of(&r).unwrap(), expected(&w), "{r:#}");
    assert_no_dead_letters(&env);
}

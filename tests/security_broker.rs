//! SASL/SCRAM and TLS against the real test broker (`scripts/test-broker.sh start
//! --security sasl-scram,tls`), configured as a user writes it: a profile's
//! `[security]` table with the password in an environment variable and the CA the
//! broker's certificate was signed with. Every command works through both; a wrong
//! password or an untrusted certificate is a one-line error naming the cause, and
//! no secret reaches stdout, stderr or the log.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{kafka_tool, kaftop, TestTopics};
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use serde_json::Value;

/// The environment variable each test's config names for the SASL password. It is
/// only ever set on the kaftop processes a test runs, never in this process.
fn password_env(test: &str) -> String {
    format!(
        "KAFTOP_TEST_SECURITY_PASSWORD_{}",
        test.to_ascii_uppercase()
    )
}

/// How a test's profile reaches the broker.
enum Listener<'a> {
    /// SASL_PLAINTEXT with SCRAM; the password comes from this environment variable.
    Sasl { password_env: &'a str },
    /// TLS, trusting this CA file.
    Tls { ca: &'a Path },
}

/// A config file as a user writes it: one profile, `secure`, with a `[security]`
/// table, and this test's topics.
fn write_config(dir: &Path, topics: &TestTopics, listener: Listener<'_>) -> PathBuf {
    let (bootstrap, security) = match listener {
        Listener::Sasl { password_env } => {
            let s = common::sasl();
            (
                s.bootstrap,
                format!(
                    "protocol = \"SASL_PLAINTEXT\"\nsasl_mechanism = \"{}\"\n\
                     sasl_username = \"{}\"\nsasl_password_env = \"{password_env}\"\n",
                    s.mechanism, s.user
                ),
            )
        }
        Listener::Tls { ca } => (
            common::tls().bootstrap,
            format!(
                "protocol = \"SSL\"\nssl_ca_location = \"{}\"\n",
                ca.display()
            ),
        ),
    };
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"default_profile = "secure"
data_dir = "{data}"
[topics.created]
name = "{c}"
[topics.read]
name = "{r}"
[topics.deleted]
name = "{d}"
[profiles.secure]
bootstrap_servers = "{bootstrap}"
[profiles.secure.security]
{security}"#,
        data = dir.join("data").display(),
        c = topics.created,
        r = topics.read,
        d = topics.deleted,
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs kaftop with `config`, the SASL password variable set to `password`.
fn run(config: &Path, password: (&str, &str), args: &[&str]) -> std::process::Output {
    kaftop()
        .arg("--config")
        .arg(config)
        .args(args)
        .env(password.0, password.1)
        .output()
        .unwrap()
}

/// `config` as the dashboard resolves it with `password` in the variable its SASL
/// profile names: read from the file as kaftop reads it, the password given inline
/// in place of the variable (this process's environment is shared by tests running
/// in parallel, so it is never changed).
fn resolve_in_process(config: &Path, password: &str) -> config::Resolved {
    let mut file = config::read_file(config).unwrap();
    let profile = file.profiles.get_mut("secure").unwrap();
    if profile.security.sasl_password_env.take().is_some() {
        profile.security.sasl_password = Some(password.to_string());
    }
    config::resolve(Some(&file), Some(config), &Overrides::default()).unwrap()
}

fn json_of(out: &std::process::Output) -> Value {
    common::assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    })
}

/// `kafka-consumer-groups --describe` on the plaintext listener: the committed
/// offset of each partition of `topic`.
fn committed_by_kafka(group: &str, topic: &str) -> BTreeMap<i32, i64> {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            &common::bootstrap(),
            "--describe",
            "--group",
            group,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 5 && cols[1] == topic)
                .then(|| (cols[2].parse().unwrap(), cols[3].parse().unwrap()))
        })
        .collect()
}

/// Every command through one secured profile, checked against what the broker holds.
fn every_command_works(config: &Path, topics: &TestTopics, password: (&str, &str)) {
    // topics ensure: the three topics and their dead-letter topics.
    let ensured = json_of(&run(config, password, &["topics", "ensure", "--json"]));
    let outcomes: Vec<(String, String)> = ensured
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["topic"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected = Vec::new();
    for t in topics.all() {
        expected.push((t.to_string(), "created".to_string()));
        expected.push((format!("{t}.dlq"), "created".to_string()));
    }
    assert_eq!(outcomes, expected);

    // publish, then bulk: 1 + 40 created events.
    let published = json_of(&run(
        config,
        password,
        &[
            "publish",
            "created",
            "--message-id",
            "1",
            "--sender-id",
            "2",
            "--receiver-id",
            "3",
            "--content",
            "over a secured listener",
            "--json",
        ],
    ));
    assert_eq!(published["topic"], topics.created.as_str());
    assert_eq!(published["offset"], 0);
    let bulk = json_of(&run(
        config,
        password,
        &[
            "bulk",
            "--count",
            "40",
            "--type",
            "created",
            "--start-id",
            "100",
            "--json",
        ],
    ));
    assert_eq!(
        (bulk["delivered"].as_u64(), bulk["failed"].as_u64()),
        (Some(40), Some(0))
    );

    // topics: the created topic holds the 41 records.
    let listed = json_of(&run(config, password, &["topics", "--json"]));
    let created = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == topics.created.as_str())
        .unwrap_or_else(|| panic!("{} not in {listed}", topics.created));
    assert_eq!(created["messages"], 41, "{created}");
    assert_eq!(created["partitions"].as_array().unwrap().len(), 3);

    // tail: every record, the published one among them.
    let tail = run(
        config,
        password,
        &[
            "tail",
            &topics.created,
            "--from-beginning",
            "--max-records",
            "41",
            "--json",
        ],
    );
    common::assert_success(&tail);
    let records: Vec<Value> = String::from_utf8(tail.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 41);
    assert_eq!(
        records
            .iter()
            .filter(|r| r["value"]["content"] == "over a secured listener")
            .count(),
        1
    );

    // consumers: the analytics service consumes all 41 (as its report shows while
    // it runs), then stops on SIGTERM; services report shows them.
    let child = common::spawn_consumers(config, &["--service", "analytics"], &[password]);
    common::wait_for("analytics consumed 41", Duration::from_secs(90), || {
        let r = common::report_json(config, &[password]);
        (r["services"]["analytics"]["consumed"] == 41).then_some(())
    });
    let consumers = child.terminate();
    common::assert_success(&consumers);
    let stdout = String::from_utf8(consumers.stdout).unwrap();
    let ns = topics.created.strip_suffix("message.created").unwrap();
    let group = format!("{ns}analytics-service-group");
    let row: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("analytics "))
        .unwrap_or_else(|| panic!("no analytics row: {stdout}"))
        .split_whitespace()
        .collect();
    // consumed, processed, dead-lettered, dedupe hits, retries, pending, group
    assert_eq!(row[1..], ["41", "41", "0", "0", "0", "0", group.as_str()]);
    let report = json_of(&run(config, password, &["services", "report", "--json"]));
    assert_eq!(report["daily"][0]["messages"], 41, "{report}");
    assert_eq!(report["services"]["analytics"]["processed"], 41);

    // lag: what Kafka's own tool reads, and no lag.
    let lag = json_of(&run(
        config,
        password,
        &["lag", "--group", &group, "--json"],
    ));
    let ours: BTreeMap<i32, i64> = lag
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["topic"] == topics.created.as_str())
        .map(|r| {
            assert_eq!(r["lag"], 0, "{r}");
            (
                r["partition"].as_i64().unwrap() as i32,
                r["current_offset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ours.values().sum::<i64>(), 41);
    assert_eq!(ours, committed_by_kafka(&group, &topics.created));

    // The dashboard's first refresh: the same client configuration as the TUI's.
    let cfg = resolve_in_process(config, password.1);
    let mut refresher = Refresher::new(
        &cfg,
        PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg)),
    )
    .unwrap();
    let snap = refresher.refresh();
    assert!(snap.connected, "{:?}", snap.errors);
    let t = snap.topic(&topics.created).unwrap();
    let ends: i64 = t.partitions.iter().filter_map(|p| p.high).sum();
    assert_eq!(ends, 41);
    let g = snap
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .unwrap_or_else(|| panic!("{group} not in the dashboard's groups"));
    let committed: i64 = g
        .offsets
        .iter()
        .filter(|o| o.topic == topics.created)
        .filter_map(|o| o.committed)
        .sum();
    assert_eq!(committed, 41);
}

#[test]
fn every_command_works_through_sasl_scram() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("sasl");
    let var = password_env("works");
    let config = write_config(dir.path(), &topics, Listener::Sasl { password_env: &var });
    let password = common::sasl().password;
    every_command_works(&config, &topics, (&var, &password));
}

#[test]
fn every_command_works_through_tls() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tls");
    let ca = common::tls().ca;
    let config = write_config(dir.path(), &topics, Listener::Tls { ca: &ca });
    every_command_works(&config, &topics, ("KAFTOP_TEST_UNUSED", "-"));
}

/// Each command a user may try first: all must fail with the cause, not hang.
fn first_commands(topics: &TestTopics) -> Vec<Vec<String>> {
    let c = topics.created.as_str();
    [
        &["topics"][..],
        &["topics", "ensure"],
        &["lag"],
        &["tail", c],
        &[
            "publish",
            "created",
            "--message-id",
            "1",
            "--sender-id",
            "2",
            "--receiver-id",
            "3",
            "--content",
            "x",
        ],
        &["bulk", "--count", "10"],
        &["consumers", "--duration", "30s"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.to_string()).collect())
    .collect()
}

/// Runs every first command with a 15 s deadline and checks its one-line error.
fn assert_fails_naming(config: &Path, topics: &TestTopics, env: (&str, &str), cause: &str) {
    for args in first_commands(topics) {
        let out = kaftop()
            .arg("--config")
            .arg(config)
            .args(&args)
            .env(env.0, env.1)
            .timeout(Duration::from_secs(15))
            .output()
            .unwrap_or_else(|e| panic!("{args:?} did not return within 15 s: {e}"));
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("kaftop: error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(cause), "{args:?}: {stderr}");
        assert!(!stderr.contains("cannot reach"), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_wrong_password_is_a_one_line_authentication_error() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("sasl-wrong");
    let var = password_env("wrong");
    let config = write_config(dir.path(), &topics, Listener::Sasl { password_env: &var });
    let wrong = "not-the-password-7f3a";
    assert_fails_naming(&config, &topics, (&var, wrong), "authentication failed");

    // The dashboard's first refresh says the same.
    let cfg = resolve_in_process(&config, wrong);
    let snap = Refresher::new(
        &cfg,
        PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg)),
    )
    .unwrap()
    .refresh();
    assert!(!snap.connected);
    assert_eq!(snap.errors.len(), 1, "{:?}", snap.errors);
    assert!(
        snap.errors[0].starts_with(&format!(
            "authentication failed at {}: ",
            common::sasl().bootstrap
        )),
        "{:?}",
        snap.errors
    );

    // The wrong password is nowhere in the log either.
    let log_path = dir.path().join("data/logs/kaftop.log");
    let log = std::fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
    assert!(!log.is_empty(), "{} is empty", log_path.display());
    assert!(log.contains("Authentication"), "{log}");
    assert!(!log.contains(wrong), "{log}");
}

/// A CA that signed nothing the broker has, made with openssl for this test.
fn untrusted_ca(dir: &Path) -> PathBuf {
    let (key, ca) = (dir.join("other-ca.key"), dir.join("other-ca.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=kaftop untrusted test CA", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&ca)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ca
}

#[test]
fn an_untrusted_certificate_is_a_one_line_tls_error() {
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("tls-untrusted");
    let ca = untrusted_ca(dir.path());
    let config = write_config(dir.path(), &topics, Listener::Tls { ca: &ca });
    assert_fails_naming(
        &config,
        &topics,
        ("KAFTOP_TEST_UNUSED", "-"),
        "certificate verify failed",
    );

    let cfg = config::load(&Overrides {
        config_file: Some(config.clone()),
        ..Default::default()
    })
    .unwrap();
    let snap = Refresher::new(
        &cfg,
        PollerOptions::from_config(&cfg, kaftop_services::service_groups(&cfg)),
    )
    .unwrap()
    .refresh();
    assert!(!snap.connected);
    assert_eq!(snap.errors.len(), 1, "{:?}", snap.errors);
    assert!(
        snap.errors[0].starts_with(&format!(
            "TLS handshake with {} failed: ",
            common::tls().bootstrap
        )) && snap.errors[0].contains("certificate verify failed"),
        "{:?}",
        snap.errors
    );
}

/// What one command of [`no_secret_reaches_stdout_stderr_or_the_log`] must do.
enum Expected {
    /// Fail with exactly this stderr line.
    Line(String),
    /// Fail with one stderr line that starts so.
    LineStarting(String),
    /// Succeed, printing the configuration as JSON with the password masked.
    MaskedPassword,
}

#[test]
fn no_secret_reaches_stdout_stderr_or_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = "s3cret-9d1e";
    let plain = common::bootstrap();
    // Properties librdkafka refuses (a misspelt secret key, an unknown one): every
    // command fails with exactly this line.
    let refused = |key: &str| {
        let error = format!("kaftop: error: -X {key}: unknown librdkafka property `{key}`");
        move |_: &[&str]| Expected::Line(error.clone())
    };
    // Secret-looking properties librdkafka takes, with a cluster that refuses the
    // client (the PLAINTEXT listener does not speak SASL): the commands that connect
    // fail with a one-line authentication error; `config check` (which does not
    // connect) prints the configuration with the password masked.
    let sasl_on_plaintext = |cmd: &[&str]| {
        if cmd[0] == "config" {
            Expected::MaskedPassword
        } else {
            Expected::LineStarting(format!(
                "kaftop: error: authentication failed at {plain}: \
                 SASL SCRAM-SHA-512 mechanism handshake failed: "
            ))
        }
    };
    type ExpectedOf<'a> = Box<dyn Fn(&[&str]) -> Expected + 'a>;
    let cases: Vec<(Vec<String>, ExpectedOf)> = vec![
        (
            vec![format!("sasl.passwordd={secret}")],
            Box::new(refused("sasl.passwordd")),
        ),
        (
            vec![format!("ssl.key.passwd={secret}")],
            Box::new(refused("ssl.key.passwd")),
        ),
        (
            vec![
                "security.protocol=SASL_PLAINTEXT".into(),
                "sasl.mechanism=SCRAM-SHA-512".into(),
                "sasl.username=kaftop".into(),
                format!("sasl.password={secret}"),
            ],
            Box::new(sasl_on_plaintext),
        ),
    ];
    for (props, expected) in &cases {
        for cmd in [
            &["topics", "--json"][..],
            &["lag", "--json"],
            &["config", "check", "--json"],
        ] {
            let mut c = kaftop();
            c.env("KAFTOP_CONFIG", "/dev/null")
                .args(["-b", &plain, "--data-dir"])
                .arg(&data)
                .timeout(Duration::from_secs(60));
            for p in props {
                c.args(["-X", p]);
            }
            let out = c.args(cmd).output().unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(!stdout.contains(secret), "{props:?} {cmd:?}: {stdout}");
            assert!(!stderr.contains(secret), "{props:?} {cmd:?}: {stderr}");
            match expected(cmd) {
                Expected::Line(line) => {
                    assert!(!out.status.success(), "{props:?} {cmd:?}");
                    assert_eq!(stderr.trim_end(), line, "{props:?} {cmd:?}");
                    assert!(stdout.is_empty(), "{props:?} {cmd:?}: {stdout}");
                }
                Expected::LineStarting(start) => {
                    assert!(!out.status.success(), "{props:?} {cmd:?}");
                    assert_eq!(stderr.trim_end().lines().count(), 1, "{cmd:?}: {stderr}");
                    assert!(stderr.starts_with(&start), "{cmd:?}: {stderr}");
                    assert!(stdout.is_empty(), "{props:?} {cmd:?}: {stdout}");
                }
                Expected::MaskedPassword => {
                    assert!(out.status.success(), "{props:?} {cmd:?}: {stderr}");
                    let v: Value = serde_json::from_str(&stdout).unwrap();
                    assert_eq!(v["properties"]["sasl.password"], "********", "{v}");
                    assert_eq!(v["properties"]["sasl.username"], "kaftop", "{v}");
                }
            }
        }
    }
    // The connecting commands logged their failure; the secret is not in the log.
    let log_path = data.join("logs/kaftop.log");
    let log = std::fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
    assert!(!log.is_empty(), "{} is empty", log_path.display());
    assert!(
        log.contains("SASL SCRAM-SHA-512 mechanism handshake failed"),
        "{log}"
    );
    assert!(!log.contains(secret), "{log}");
}

//! Signing in as the clusters companies run ask for it, against Apache Kafka:
//! SASL/OAUTHBEARER on the test broker's OAUTHBEARER listener (Kafka's unsecured
//! JWT validator, `scripts/test-broker.sh start --security oauthbearer`), and a TLS
//! client certificate whose key is protected by a passphrase. Kafka's own
//! `kafka-get-offsets`, on the plaintext listener, says what reached the broker.
//!
//! Cost: one `topics ensure` and one `publish` per listener (a few seconds).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{kafka_tool, kaftop, TestTopics};

/// `KAFTOP_TEST_<name>`, set by `scripts/test.sh`. Outside CI a broker started
/// before these listeners existed lacks them: the test says so and does nothing.
fn listener_env(name: &str) -> Option<String> {
    let var = format!("KAFTOP_TEST_{name}");
    match std::env::var(&var) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: scripts/test.sh exports it from scripts/test-broker.sh")
        }
        _ => {
            eprintln!(
                "SKIPPED: {var} is not set (start the broker with scripts/test.sh, or \
                 scripts/test-broker.sh start --security sasl-scram,tls,oauthbearer)"
            );
            None
        }
    }
}

/// A config file: one profile, `secure`, at `bootstrap` with `security` as its
/// `[security]` table, and this test's topics.
fn write_config(dir: &Path, topics: &TestTopics, bootstrap: &str, security: &str) -> PathBuf {
    let path = dir.join("kaftop.toml");
    let text = format!(
        r#"default_profile = "secure"
data_dir = "{data}"
[topics.created]
name = "{c}"
partitions = 1
[topics.read]
name = "{r}"
partitions = 1
[topics.deleted]
name = "{d}"
partitions = 1
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

fn run(config: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = kaftop();
    cmd.arg("--config").arg(config).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The end offset of partition 0 of `topic`, as Kafka's own tool reads it on the
/// plaintext listener.
fn end_offset_by_kafka(topic: &str) -> i64 {
    let out = kafka_tool(
        "kafka-get-offsets",
        &["--bootstrap-server", &common::bootstrap(), "--topic", topic],
    );
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{topic}:0:"))?.parse().ok())
        .unwrap_or_else(|| panic!("no offset of {topic}:0 in {text}"))
}

/// Creates the topics and publishes one event through the profile, then checks
/// with Kafka's tool that the event is there; no secret is printed.
fn creates_and_publishes(config: &Path, topics: &TestTopics, env: &[(&str, &str)]) {
    let ensure = run(config, env, &["topics", "ensure"]);
    common::assert_success(&ensure);
    let publish = run(
        config,
        env,
        &[
            "publish",
            "created",
            "--message-id",
            "1",
            "--sender-id",
            "100",
            "--receiver-id",
            "200",
            "--content",
            "signed-in",
        ],
    );
    common::assert_success(&publish);
    assert_eq!(end_offset_by_kafka(&topics.created), 1);
    for out in [&ensure, &publish] {
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for (_, secret) in env {
            assert!(!shown.contains(secret), "a secret was printed: {shown}");
        }
    }
}

#[test]
fn oauthbearer_signs_in_to_apache_kafka() {
    let Some(bootstrap) = listener_env("OAUTH_BOOTSTRAP") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("signin-oauth");
    let security = "protocol = \"SASL_PLAINTEXT\"\nsasl_mechanism = \"OAUTHBEARER\"\n\
                    [profiles.secure.security.oauthbearer]\n\
                    method = \"unsecured-jwt-test-only\"\nprincipal = \"kaftop-test\"\n";
    let config = write_config(dir.path(), &topics, &bootstrap, security);
    creates_and_publishes(&config, &topics, &[]);

    // The listener takes OAUTHBEARER only: the same profile signing in with SCRAM
    // is refused, so the success above was OAUTHBEARER's.
    let sasl = common::sasl();
    let scram = format!(
        "protocol = \"SASL_PLAINTEXT\"\nsasl_mechanism = \"{}\"\nsasl_username = \"{}\"\n\
         sasl_password_env = \"KAFTOP_TEST_SIGNIN_SCRAM\"\n",
        sasl.mechanism, sasl.user
    );
    let refused = write_config(dir.path(), &topics, &bootstrap, &scram);
    let out = run(
        &refused,
        &[("KAFTOP_TEST_SIGNIN_SCRAM", &sasl.password)],
        &["topics", "ensure"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SCRAM") || err.contains("mechanism"), "{err}");
    assert!(!err.contains(&sasl.password), "{err}");
}

#[test]
fn a_tls_client_key_with_a_passphrase_signs_in() {
    let (Some(cert), Some(key), Some(pass)) = (
        listener_env("TLS_CLIENT_CERT"),
        listener_env("TLS_CLIENT_KEY"),
        listener_env("TLS_CLIENT_KEY_PASSWORD"),
    ) else {
        return;
    };
    let tls = common::tls();
    let dir = tempfile::tempdir().unwrap();
    let topics = TestTopics::new("signin-tls");
    let security = format!(
        "protocol = \"SSL\"\nssl_ca_location = \"{}\"\nssl_certificate_location = \"{cert}\"\n\
         ssl_key_location = \"{key}\"\nssl_key_password_env = \"KAFTOP_TEST_SIGNIN_KEY\"\n",
        tls.ca.display()
    );
    let config = write_config(dir.path(), &topics, &tls.bootstrap, &security);
    creates_and_publishes(&config, &topics, &[("KAFTOP_TEST_SIGNIN_KEY", &pass)]);

    // A wrong passphrase cannot decrypt the key: one line, before anything connects,
    // naming the key, never echoing the passphrase.
    let wrong = "not-the-passphrase-42";
    let out = run(
        &config,
        &[("KAFTOP_TEST_SIGNIN_KEY", wrong)],
        &["config", "check"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("key"), "{err}");
    assert!(!err.contains(wrong) && !err.contains(&pass), "{err}");
}

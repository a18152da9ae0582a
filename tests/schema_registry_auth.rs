//! A registry that requires HTTP basic auth, for real: Apicurio started by
//! `scripts/test-registry.sh start --basic-auth` (its own user store, no
//! Keycloak). Confluent's AvroSerializer writes two records with the right
//! credentials; a plain JSON record sits beside them. With a wrong password, and
//! with none, `kaftop tail`, `kaftop search` and the Messages view show the Avro
//! records raw with a reason naming the 401 and the plain record as it is; with
//! the password from its environment variable they decode. Neither password
//! appears in stdout, stderr or the log.
//! Cost: a second Apicurio (~15 s to start), one Python process, a few runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::live_dashboard::LiveDashboard;
use common::registry::{python, registry};
use common::{assert_success, bootstrap, kaftop, unique};
use kaftop_core::kafka::record::RecordView;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-registry.sh");
const PRODUCER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/produce.py");
/// The variable the profiles name in `password_env`.
const PASSWORD_ENV: &str = "KAFTOP_TEST_REGISTRY_PASSWORD";

/// The registry behind basic auth, stopped on drop.
struct AuthRegistry {
    dir: tempfile::TempDir,
    url: String,
}

impl AuthRegistry {
    fn start(password: &str) -> AuthRegistry {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(SCRIPT)
            .args(["start", "--basic-auth"])
            .env("KAFTOP_REGISTRY_DIR", dir.path())
            .env("KAFTOP_REGISTRY_PASSWORD", password)
            .output()
            .unwrap();
        assert_success(&out);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let url = stdout
            .lines()
            .find_map(|l| l.strip_prefix("URL="))
            .unwrap()
            .to_string();
        AuthRegistry { dir, url }
    }
}

impl Drop for AuthRegistry {
    fn drop(&mut self) {
        let _ = Command::new(SCRIPT)
            .arg("stop")
            .env("KAFTOP_REGISTRY_DIR", self.dir.path())
            .output();
    }
}

/// A profile on the registry: with `user`, basic auth with the password from
/// [`PASSWORD_ENV`]; without, no credentials at all.
fn config(dir: &Path, name: &str, url: &str, user: Option<&str>) -> PathBuf {
    let auth = user.map_or(String::new(), |u| {
        format!("username = \"{u}\"\npassword_env = \"{PASSWORD_ENV}\"\n")
    });
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "default_profile = \"t\"\ndata_dir = \"{}\"\n[profiles.t]\n\
             bootstrap_servers = \"{}\"\n[profiles.t.registry]\nurl = \"{url}\"\n\
             timeout = \"5s\"\n{auth}",
            dir.join("data").display(),
            bootstrap()
        ),
    )
    .unwrap();
    path
}

fn run(config: &Path, password: &str, args: &[&str]) -> Output {
    let out = kaftop()
        .arg("--config")
        .arg(config)
        .args(args)
        .env(PASSWORD_ENV, password)
        .output()
        .unwrap();
    assert_success(&out);
    out
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Nothing a run wrote holds either password.
fn no_secret(outputs: &[&Output], log: &Path, secrets: &[&str]) {
    let log = std::fs::read_to_string(log).unwrap_or_default();
    for s in secrets {
        for o in outputs {
            assert!(!String::from_utf8_lossy(&o.stdout).contains(s), "stdout");
            assert!(!String::from_utf8_lossy(&o.stderr).contains(s), "stderr");
        }
        assert!(!log.contains(s), "the log holds a password");
    }
}

/// The Messages view on `topic` from its beginning, through the real I/O side,
/// once it has `n` records.
fn messages_view(config_file: &Path, topic: &str, n: usize) -> Vec<RecordView> {
    let mut d = LiveDashboard::from_toml(&std::fs::read_to_string(config_file).unwrap());
    d.keys(&format!(":messages {topic} beginning"));
    d.enter();
    d.until("the records in the Messages view", |a| {
        a.views().messages().len() >= n
    });
    let mut records = d.records();
    records.sort_by_key(|r| r.offset);
    records
}

#[test]
fn a_401_leaves_records_raw_with_the_reason_and_the_password_decodes() {
    let Some(_) = registry() else { return };
    let password = unique("reg-pw");
    let wrong = unique("not-the-pw");
    let reg = AuthRegistry::start(&password);
    let prefix = unique("regauth");
    let topic = format!("{prefix}-avro");

    // Confluent's serializer, with the right credentials, writes the two records.
    let out = Command::new(python())
        .args([PRODUCER, &bootstrap(), &reg.url, &prefix, "avro"])
        .env(
            "KAFTOP_PEER_REGISTRY_USER_INFO",
            format!("kaftop:{password}"),
        )
        .output()
        .unwrap();
    assert_success(&out);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    producer
        .send(BaseRecord::<(), str>::to(&topic).payload(r#"{"plain":true}"#))
        .unwrap();
    producer.flush(Duration::from_secs(10)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let with_user = config(dir.path(), "user", &reg.url, Some("kaftop"));
    let anonymous = config(dir.path(), "anonymous", &reg.url, None);
    let log = dir.path().join("data/logs/kaftop.log");
    let tail = ["tail", &topic, "--from-beginning", "-n", "3", "--json"];
    let mut outputs = Vec::new();

    // A wrong password, and none: raw with the 401, the plain record as it is.
    for (cfg, secret) in [(&with_user, &wrong), (&anonymous, &password)] {
        let out = run(cfg, secret, &tail);
        let records = json_lines(&out);
        assert_eq!(records.len(), 3, "{records:?}");
        for r in &records[..2] {
            let why = r["value_decode_error"].as_str().unwrap_or_default();
            assert!(why.contains("HTTP 401"), "{r}");
            assert!(r.get("value_decoded").is_none(), "{r}");
        }
        assert!(
            records[2].get("value_decode_error").is_none(),
            "{}",
            records[2]
        );
        assert_eq!(records[2]["value"], serde_json::json!({"plain": true}));
        let text = run(cfg, secret, &tail[..5]);
        assert!(
            String::from_utf8_lossy(&text.stdout)
                .contains("value not decoded: schema id 1: schema registry refused the credentials (HTTP 401)"),
            "{}",
            String::from_utf8_lossy(&text.stdout)
        );
        outputs.extend([out, text]);
    }

    // `search`: the records are still there to filter (their raw text), none lost.
    // The filter reads the value: one that does not (`true`) decodes nothing.
    let search = ["search", &topic, ".value != null", "--json"];
    let out = run(&with_user, &wrong, &search);
    assert_eq!(json_lines(&out).len(), 3);
    // And stderr says why they were filtered as bytes.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("not decoded, filtered as bytes: value: schema id 1: schema registry refused the credentials (HTTP 401)"),
        "{said}"
    );
    let busan = [
        "search",
        &topic,
        r#".value.address.city == "Busan""#,
        "--json",
    ];
    let out_wrong = run(&with_user, &wrong, &busan);
    assert!(json_lines(&out_wrong).is_empty());
    outputs.extend([out, out_wrong]);

    // The Messages view: raw with the reason, the plain record unaffected.
    std::env::set_var(PASSWORD_ENV, &wrong);
    let shown = messages_view(&with_user, &topic, 3);
    for r in &shown[..2] {
        let note = r.value.schema.as_ref().unwrap();
        assert!(
            note.error.as_deref().unwrap().contains("HTTP 401"),
            "{note:?}"
        );
        assert!(note.schema.is_none());
    }
    assert!(shown[2].value.schema.is_none());
    assert!(
        shown[2].value.text.contains("\"plain\": true"),
        "{}",
        shown[2].value.text
    );

    // The right password, from its environment variable: decoded everywhere.
    let out = run(&with_user, &password, &tail);
    let records = json_lines(&out);
    assert_eq!(
        records[0]["value_decoded"]["customerId"], 4711,
        "{}",
        records[0]
    );
    assert_eq!(records[1]["value_decoded"]["address"]["city"], "Busan");
    assert_eq!(
        records[1]["value_schema"]["subject"],
        format!("{topic}-value")
    );
    let found = run(&with_user, &password, &busan);
    let found_records = json_lines(&found);
    assert_eq!(found_records.len(), 1, "{found_records:?}");
    assert_eq!(found_records[0]["offset"], 1);
    std::env::set_var(PASSWORD_ENV, &password);
    let shown = messages_view(&with_user, &topic, 3);
    let note = shown[1].value.schema.as_ref().unwrap();
    assert!(note.error.is_none(), "{note:?}");
    assert_eq!(
        note.schema.as_ref().unwrap().subject.as_deref(),
        Some(format!("{topic}-value").as_str())
    );
    outputs.extend([out, found]);

    let all: Vec<&Output> = outputs.iter().collect();
    no_secret(&all, &log, &[&password, &wrong]);
    assert!(log.exists(), "no log at {}", log.display());
}

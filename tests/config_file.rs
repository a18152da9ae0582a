//! The shipped `config.example.toml` and `kaftop config check` as a user runs them.

mod common;

use std::path::Path;

use common::kaftop;
use kaftop::config::{self, Overrides};

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
}

#[test]
fn example_config_parses_and_resolves_every_profile() {
    let file = config::read_file(example()).expect("config.example.toml parses");
    assert_eq!(file.default_profile.as_deref(), Some("local"));
    assert_eq!(file.services.vip_user_ids, vec![100, 4242]);

    let local = config::resolve(Some(&file), Some(example()), &Overrides::default()).unwrap();
    assert_eq!(local.profile, "local");
    assert_eq!(local.bootstrap_servers, "127.0.0.1:9092");
    assert_eq!(local.lag_threshold("notification-service-group"), 100);
    assert_eq!(local.properties["client.id"].value(), "kaftop");
    assert_eq!(local.topics.read.replication_factor, 1);

    std::env::set_var("KAFTOP_PROD_SASL_PASSWORD", "example-secret");
    let prod = config::resolve(
        Some(&file),
        Some(example()),
        &Overrides {
            profile: Some("prod".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(prod.topics.created.replication_factor, 3);
    assert_eq!(prod.properties["sasl.mechanism"].value(), "SCRAM-SHA-512");
    assert_eq!(prod.properties["sasl.password"].value(), "example-secret");
    assert_eq!(prod.data_dir, Path::new("/var/lib/kaftop/prod"));
}

#[test]
fn config_check_prints_resolved_config_with_secrets_masked() {
    let out = kaftop()
        .args(["config", "check", "--profile", "prod", "--json"])
        .arg(example())
        .env("KAFTOP_PROD_SASL_PASSWORD", "do-not-print-me")
        .output()
        .unwrap();
    common::assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("do-not-print-me"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["profile"], "prod");
    assert_eq!(v["properties"]["sasl.password"], "********");
    assert_eq!(v["poll_interval"], "5s");

    let human = kaftop()
        .args(["config", "check"])
        .arg(example())
        .output()
        .unwrap();
    assert!(human.status.success());
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.starts_with("# OK: "), "{text}");
    assert!(
        text.contains("bootstrap_servers = \"127.0.0.1:9092\""),
        "{text}"
    );
}

#[test]
fn invalid_config_names_file_key_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[profiles.a]\nbootstrap_servers = \"h:1\"\npoll_interval = 5\n",
            "key `profiles.a.poll_interval`",
        ),
        (
            "[profiles.a]\nbootstrap_servers = \"h:1\"\n[profiles.a.lag]\ndefault_threshold = -3\n",
            "key `profiles.a.lag.default_threshold`",
        ),
        (
            "default_profile = \"b\"\n[profiles.a]\nbootstrap_servers = \"h:1\"\n",
            "unknown profile `b`",
        ),
        (
            "[topics.created]\nname = \"has space\"\n",
            "key `topics.created.name`",
        ),
        ("this is not toml", "key `(top level)`"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = kaftop()
            .args(["config", "check"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{text} was accepted");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(&*path.display().to_string()), "{stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }
    let missing = kaftop()
        .args(["config", "check", "/nonexistent/kaftop.toml"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/kaftop.toml: cannot read")
    );
}

#[test]
fn config_is_found_through_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.toml");
    std::fs::write(
        &path,
        "[profiles.default]\nbootstrap_servers = \"envhost:1234\"\n",
    )
    .unwrap();
    let out = kaftop()
        .args(["config", "check", "--json"])
        .env("KAFTOP_CONFIG", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bootstrap_servers"], "envhost:1234");
    // The CLI flag wins over the file.
    let out = kaftop()
        .args(["config", "check", "--json", "-b", "cli:1"])
        .env("KAFTOP_CONFIG", &path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bootstrap_servers"], "cli:1");
}

//! The README's sign-in examples (Confluent Cloud, Amazon MSK, Azure Event Hubs,
//! Aiven, Redpanda, OIDC) as a user copies them: each passes `kaftop config check`,
//! with its secrets from the environment and never printed. No broker: `config
//! check` builds the librdkafka client without connecting.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::kaftop;

/// The ```toml blocks of the README's sign-in section.
fn examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("### Signing in to the clusters companies run")
        .expect("the README's sign-in section");
    let section = &readme[start..];
    // Up to the next heading of this level or above.
    let end = ["\n## ", "\n### "]
        .iter()
        .filter_map(|h| section[4..].find(h))
        .min()
        .map_or(section.len(), |i| i + 4);
    let section = &section[..end];
    section
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

/// The profile an example defines: its first `[profiles.NAME]`.
fn profile_of(example: &str) -> &str {
    example
        .lines()
        .find_map(|l| l.strip_prefix("[profiles.")?.strip_suffix(']'))
        .unwrap()
}

/// A self-signed certificate and its key under the names the Aiven example uses.
fn write_tls_files(dir: &Path) {
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=kaftop-example"])
        .args(["-keyout", "service.key", "-out", "service.cert"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    std::fs::copy(dir.join("service.cert"), dir.join("ca.pem")).unwrap();
}

#[test]
fn every_sign_in_example_passes_config_check() {
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|e| profile_of(e)).collect();
    assert_eq!(
        names,
        ["confluent", "msk", "eventhubs", "aiven", "redpanda", "oidc"]
    );
    let dir = tempfile::tempdir().unwrap();
    write_tls_files(dir.path());
    let secrets = [
        ("CONFLUENT_API_SECRET", "confluent-secret-value-1"),
        ("MSK_SCRAM_PASSWORD", "msk-secret-value-2"),
        (
            "EVENTHUBS_CONNECTION_STRING",
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=eh-secret-3",
        ),
        ("REDPANDA_PASSWORD", "redpanda-secret-value-4"),
        ("OIDC_CLIENT_SECRET", "oidc-secret-value-5"),
    ];
    for (example, name) in examples.iter().zip(&names) {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, example).unwrap();
        let mut cmd = kaftop();
        cmd.current_dir(dir.path())
            .args(["--profile", name, "config", "check"])
            .arg(&path)
            .envs(secrets);
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stdout.starts_with("# OK:"), "{name}: {stdout}");
        for (_, secret) in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{name}: {stdout}"
            );
        }
    }
}

#[test]
fn the_oidc_example_needs_its_secret() {
    let oidc = examples()
        .into_iter()
        .find(|e| profile_of(e) == "oidc")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oidc.toml");
    std::fs::write(&path, oidc).unwrap();
    let out = kaftop()
        .args(["--profile", "oidc", "config", "check"])
        .arg(&path)
        .env_remove("OIDC_CLIENT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("profiles.oidc.security.oauthbearer.client_secret_env")
            && err.contains("`OIDC_CLIENT_SECRET` is not set"),
        "{err}"
    );
}

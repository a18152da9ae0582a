//! No secret leaves kaftop, whatever path its text takes: every secret-named
//! librdkafka property, given with `=`, with a space, in the config file or
//! through an environment variable, is looked for in stdout, stderr and the log.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{bootstrap, kaftop};
use kaftop_core::config::is_secret_property;

/// librdkafka 2.12's properties (CONFIGURATION.md) whose names kaftop judges
/// secret, with a value librdkafka accepts as a string.
const SECRET_PROPERTIES: &[&str] = &[
    "sasl.password",
    "ssl.key.password",
    "ssl.keystore.password",
    "ssl.key.pem",
    "sasl.kerberos.keytab",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.client.credentials.client.secret",
    "sasl.oauthbearer.client.credentials.client.id",
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "sasl.oauthbearer.assertion.private.key.pem",
    "sasl.oauthbearer.assertion.private.key.file",
];

/// Runs kaftop (a command that connects, logs and reports) and returns
/// everything it wrote: stdout, stderr and the log file.
fn everything_written(
    data_dir: &Path,
    config: Option<&Path>,
    env: &[(&str, &str)],
    args: &[&str],
) -> String {
    let mut cmd = kaftop();
    cmd.env("KAFTOP_LOG", "debug")
        .arg("--data-dir")
        .arg(data_dir);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    } else {
        cmd.args(["-b", &bootstrap()]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    let log = std::fs::read_to_string(data_dir.join("logs/kaftop.log")).unwrap_or_default();
    format!(
        "{}\n{}\n{log}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_listed_properties_are_the_secret_named_ones() {
    for p in SECRET_PROPERTIES {
        assert!(is_secret_property(p), "{p}");
    }
}

#[test]
fn no_secret_property_leaves_by_any_way_of_giving_it() {
    let dir = tempfile::tempdir().unwrap();
    for (n, prop) in SECRET_PROPERTIES.iter().enumerate() {
        let secret = format!("Zq{n}x7SECRETvalue");
        let run = |way: &str, config: Option<&Path>, env: &[(&str, &str)], args: &[&str]| {
            let data = dir.path().join(format!("{n}-{way}"));
            let text = everything_written(&data, config, env, args);
            assert!(!text.contains(&secret), "{prop} given {way} leaked: {text}");
            text
        };
        let eq = format!("{prop}={secret}");
        run("with =", None, &[], &["-X", &eq, "lag"]);
        run(
            "with = after the subcommand",
            None,
            &[],
            &["lag", "-X", &eq],
        );
        // A parser error, which clap would echo.
        run("with = and a typo", None, &[], &["-X", &eq, "lagg"]);
        let text = run("with a space", None, &[], &["-X", prop, &secret, "lag"]);
        assert!(text.contains(&format!("`-X {prop}=…`")), "{text}");
        run(
            "with a space after the subcommand",
            None,
            &[],
            &["lag", "-X", prop, &secret],
        );

        let config = dir.path().join(format!("{n}.toml"));
        std::fs::write(
            &config,
            format!(
                "[profiles.default]\nbootstrap_servers = \"{}\"\n\
                 [profiles.default.properties]\n\"{prop}\" = \"{secret}\"\n",
                bootstrap()
            ),
        )
        .unwrap();
        run("in the config file", Some(&config), &[], &["lag"]);
        run(
            "in the config file, checked",
            Some(&config),
            &[],
            &["config", "check", "--json"],
        );
    }
}

#[test]
fn secrets_from_the_environment_never_leave() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "Env7SECRETvalue";
    for (field, protocol) in [
        ("sasl_password_env", "SASL_PLAINTEXT"),
        ("ssl_key_password_env", "PLAINTEXT"),
    ] {
        let config = dir.path().join(format!("{field}.toml"));
        std::fs::write(
            &config,
            format!(
                "[profiles.default]\nbootstrap_servers = \"{}\"\n\
                 [profiles.default.security]\nprotocol = \"{protocol}\"\n\
                 sasl_mechanism = \"PLAIN\"\nsasl_username = \"u\"\n\
                 {field} = \"KAFTOP_TEST_SECRET_X\"\n",
                bootstrap()
            ),
        )
        .unwrap();
        for args in [
            &["lag"][..],
            &["config", "check"],
            &["topics", "--interval", "100ms"],
        ] {
            let data = dir.path().join(format!("{field}-{}", args.len()));
            let env = [("KAFTOP_TEST_SECRET_X", secret)];
            let text = everything_written(&data, Some(&config), &env, args);
            assert!(!text.contains(secret), "{field} {args:?} leaked: {text}");
        }
    }
}

#[test]
fn credentials_in_the_bootstrap_address_are_refused_unechoed() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaftop()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["-b", "admin:Pw9SECRET@localhost:9092", "lag"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("holds credentials"), "{stderr}");
    assert!(!stderr.contains("Pw9SECRET"), "{stderr}");
}

//! The shipped `config.example.toml` and `kaftop config check` as a user runs them.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::kaftop;
use kaftop_core::config::{self, Overrides};

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
}

/// Writes `text` to `path` and runs `kaftop config check PATH` with `env` set.
fn check_file(path: &Path, text: &str, env: &[(&str, &str)]) -> std::process::Output {
    std::fs::write(path, text).unwrap();
    let mut cmd = kaftop();
    cmd.args(["config", "check"]).arg(path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
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
    assert_eq!(
        local.lag.max_time_lag_for("notification-service-group"),
        Some(std::time::Duration::from_secs(300))
    );
    assert_eq!(
        local.lag.max_time_lag_for("archive-service-group"),
        Some(std::time::Duration::from_secs(600))
    );
    assert_eq!(local.lag.stuck_after, std::time::Duration::from_secs(60));
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
        let out = check_file(&path, text, &[]);
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

/// What kaftop uses for a key of config.example.toml when the key is left out.
#[derive(Debug, PartialEq)]
enum RealDefault {
    Value(toml::Value),
    /// A default that is not a value (e.g. a platform directory), as documented.
    Described(String),
    Required,
    Unset,
}

/// The default of a librdkafka property in the client configuration kaftop builds
/// for a profile without properties.
fn librdkafka_default(key: &str) -> String {
    let plain = config::resolve(None, None, &Overrides::default()).unwrap();
    kaftop_core::kafka::client::base_config(&plain)
        .create_native_config()
        .unwrap()
        .get(key)
        .unwrap()
}

fn real_default(path: &[&str]) -> RealDefault {
    use toml::Value as V;
    let plain = config::resolve(None, None, &Overrides::default()).unwrap();
    let topics = kaftop_core::config::TopicsConfig::default();
    let topic_field = |table: &str, field: &str| {
        let spec = match table {
            "created" => &topics.created,
            "read" => &topics.read,
            "deleted" => &topics.deleted,
            other => panic!("no topic table `{other}`"),
        };
        match field {
            "name" => RealDefault::Required,
            "partitions" => RealDefault::Value(V::Integer(spec.partitions.into())),
            "replication_factor" => RealDefault::Value(V::Integer(spec.replication_factor.into())),
            other => panic!("unknown topic field `{other}`"),
        }
    };
    match path {
        ["default_profile"] => RealDefault::Value(V::String(config::DEFAULT_PROFILE.into())),
        ["data_dir"] => {
            RealDefault::Described("the platform data dir (~/.local/share/kaftop on Linux)".into())
        }
        ["topics", table, field] => topic_field(table, field),
        ["services", "vip_user_ids"] => RealDefault::Value(V::Array(
            plain
                .services
                .vip_user_ids
                .iter()
                .map(|&id| V::Integer(id))
                .collect(),
        )),
        ["services", "retention", table] => {
            let r = plain.services.retention.resolve();
            let keep = match *table {
                "message_index" => r.message_index,
                "outbox" => r.outbox,
                "receipts" => r.receipts,
                "daily" => r.daily,
                "dedupe" => r.dedupe,
                other => panic!("no retention `{other}`"),
            };
            RealDefault::Value(V::String(humantime::format_duration(keep).to_string()))
        }
        ["services", "concurrency"] => {
            RealDefault::Value(V::Integer(plain.services.concurrency.into()))
        }
        ["services", "zone"] => RealDefault::Value(V::String(plain.zone.to_string())),
        ["services", "notifier", "max_attempts"] => {
            RealDefault::Value(V::Integer(plain.services.notifier.max_attempts.into()))
        }
        ["services", "notifier", "timeout"] => RealDefault::Value(V::String(
            humantime::format_duration(plain.services.notifier.timeout).to_string(),
        )),
        ["keys", action] => {
            use kaftop::tui::action::Scope;
            use kaftop::tui::keymap::Keymap;
            let action = kaftop::tui::action::Action::from_name(action).unwrap();
            let keys = [
                Scope::Global,
                Scope::List,
                Scope::Topics,
                Scope::Messages,
                Scope::Publish,
                Scope::Services,
            ]
            .into_iter()
            .find_map(|s| Keymap::defaults().keys_for(s, action))
            .unwrap();
            let keys: Vec<V> = keys.split(' ').map(|k| V::String(k.into())).collect();
            RealDefault::Value(match <[V; 1]>::try_from(keys.clone()) {
                Ok([one]) => one,
                Err(_) => V::Array(keys),
            })
        }
        ["theme", "name"] => {
            use kaftop::tui::widgets::theme::{self, Palette};
            assert_eq!(theme::from_config(&plain, false).unwrap(), Palette::DARK);
            RealDefault::Value(V::String("dark".into()))
        }
        ["serve", "listen"] => RealDefault::Value(V::String(plain.serve.listen.to_string())),
        ["serve", "request_timeout"] => RealDefault::Value(V::String(
            humantime::format_duration(plain.serve.request_timeout).to_string(),
        )),
        ["serve", "token_env"] => {
            assert!(plain.serve.token.is_none());
            RealDefault::Unset
        }
        ["serve", "header_read_timeout"] => RealDefault::Value(V::String(
            humantime::format_duration(plain.serve.header_read_timeout).to_string(),
        )),
        ["serve", "max_connections"] => {
            RealDefault::Value(V::Integer(plain.serve.max_connections.try_into().unwrap()))
        }
        ["serve", "max_websocket_clients"] => RealDefault::Value(V::Integer(
            plain.serve.max_websocket_clients.try_into().unwrap(),
        )),
        ["profiles", _, "read_only"] => RealDefault::Value(V::Boolean(plain.read_only)),
        ["profiles", _, "bootstrap_servers"] => RealDefault::Required,
        ["profiles", _, "poll_interval"] => RealDefault::Value(V::String(
            humantime::format_duration(plain.poll_interval).to_string(),
        )),
        ["profiles", _, "data_dir"] => RealDefault::Described("the top-level data_dir".into()),
        ["profiles", _, "properties", key] => {
            RealDefault::Value(V::String(librdkafka_default(key.trim_matches('"'))))
        }
        ["profiles", _, "lag", "default_threshold"] => {
            RealDefault::Value(V::Integer(plain.lag.default_threshold.try_into().unwrap()))
        }
        ["profiles", _, "lag", "groups"] => {
            assert!(plain.lag.groups.is_empty());
            RealDefault::Value(V::Table(Default::default()))
        }
        ["profiles", _, "lag", "default_max_time_lag"] => {
            assert!(plain.lag.default_max_time_lag.is_none());
            RealDefault::Unset
        }
        ["profiles", _, "lag", "max_time_lag"] => {
            assert!(plain.lag.max_time_lag.is_empty());
            RealDefault::Value(V::Table(Default::default()))
        }
        ["profiles", _, "lag", "stuck_after"] => RealDefault::Value(V::String(
            humantime::format_duration(plain.lag.stuck_after).to_string(),
        )),
        ["profiles", _, "security", "protocol"] => RealDefault::Value(V::String(
            librdkafka_default("security.protocol").to_ascii_uppercase(),
        )),
        ["profiles", _, "security", "sasl_mechanism"] => {
            RealDefault::Value(V::String(librdkafka_default("sasl.mechanism")))
        }
        ["profiles", _, "security", _] => RealDefault::Unset,
        ["profiles", _, "topics", table, field] => topic_field(table, field),
        other => panic!(
            "config.example.toml: no known default for `{}`",
            other.join(".")
        ),
    }
}

/// A TOML value written after `=` (or after `default:`).
fn toml_value(text: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
}

/// Every setting of config.example.toml says what kaftop uses without it (`#
/// default`, `# default: X`, `# required`), and that is what kaftop really uses.
#[test]
fn example_config_documents_the_real_defaults() {
    let text = std::fs::read_to_string(example()).unwrap();
    let mut table: Vec<String> = Vec::new();
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("config.example.toml:{}: {line}", n + 1);
        if let Some(header) = line.strip_prefix('[') {
            table = header
                .trim_end_matches(']')
                .split('.')
                .map(str::to_string)
                .collect();
            continue;
        }
        let (setting, note) = line
            .rsplit_once("  # ")
            .unwrap_or_else(|| panic!("{at}: no `# default` comment"));
        let (key, shown) = setting.split_once(" = ").unwrap();
        let mut path: Vec<&str> = table.iter().map(String::as_str).collect();
        path.push(key.trim());
        let real = real_default(&path);
        match note {
            "default" => assert_eq!(real, RealDefault::Value(toml_value(shown).unwrap()), "{at}"),
            "required" => assert_eq!(real, RealDefault::Required, "{at}"),
            _ => {
                let documented = note
                    .strip_prefix("default: ")
                    .unwrap_or_else(|| panic!("{at}: unknown note `{note}`"));
                match (documented, toml_value(documented)) {
                    ("none", _) => assert_eq!(real, RealDefault::Unset, "{at}"),
                    (_, Some(v)) => assert_eq!(real, RealDefault::Value(v), "{at}"),
                    (text, None) => assert_eq!(real, RealDefault::Described(text.into()), "{at}"),
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 57, "settings checked");

    // The described defaults and the required keys, as kaftop resolves them.
    let plain = config::resolve(None, None, &Overrides::default()).unwrap();
    assert!(plain.data_dir.ends_with("kaftop"), "{:?}", plain.data_dir);
    if std::env::var_os("XDG_DATA_HOME").is_none() {
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(plain.data_dir, Path::new(&home).join(".local/share/kaftop"));
        }
    }
    let shared = config::parse_str(
        "default_profile = \"p\"\ndata_dir = \"/top\"\n[profiles.p]\nbootstrap_servers = \"h:1\"\n",
        "t.toml",
    )
    .unwrap();
    let r = config::resolve(Some(&shared), None, &Overrides::default()).unwrap();
    assert_eq!(r.data_dir, Path::new("/top"));
    for required in [
        "[profiles.p]\npoll_interval = \"2s\"\n",
        "[topics.created]\npartitions = 3\n",
        "[profiles.p]\nbootstrap_servers = \"h:1\"\n[profiles.p.topics.read]\npartitions = 3\n",
    ] {
        let e = config::parse_str(required, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field"), "{required}: {e}");
    }
}

#[test]
fn unknown_librdkafka_properties_are_named_by_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("props.toml");
    let out = check_file(
        &path,
        "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.properties]\n\"fetch.wait.max.msx\" = \"100\"\n",
        &[],
    );
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "kaftop: error: {}: key `profiles.default.properties.\"fetch.wait.max.msx\"`: \
             unknown librdkafka property `fetch.wait.max.msx`\n",
            path.display()
        )
    );

    // The same before any command connects (nothing listens on port 1), and before
    // the dashboard starts.
    for args in [
        &["config", "check", "-X", "foo=bar"][..],
        &["-b", "127.0.0.1:1", "-X", "foo=bar", "topics"],
        &["-b", "127.0.0.1:1", "-X", "foo=bar", "lag", "--json"],
        &["-b", "127.0.0.1:1", "-X", "foo=bar"],
    ] {
        let out = kaftop()
            .args(args)
            .env("KAFTOP_CONFIG", "/dev/null")
            .timeout(std::time::Duration::from_secs(15))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            "kaftop: error: -X foo: unknown librdkafka property `foo`\n",
            "{args:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }

    // A value librdkafka refuses: the property is named, the value is not echoed.
    let out = kaftop()
        .args(["config", "check", "-X", "acks=banana"])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("kaftop: error: -X acks: librdkafka refuses property `acks`: "),
        "{stderr}"
    );
    assert!(!stderr.contains("banana"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    // Properties librdkafka knows pass.
    let out = kaftop()
        .args([
            "config",
            "check",
            "-X",
            "fetch.wait.max.ms=100",
            "-X",
            "acks=all",
        ])
        .env("KAFTOP_CONFIG", "/dev/null")
        .output()
        .unwrap();
    common::assert_success(&out);
}

#[test]
fn empty_and_doubly_set_secrets_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.toml");
    let out = check_file(
        &path,
        "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password_env = \"KAFTOP_TEST_EMPTY_PASSWORD\"\n",
        &[("KAFTOP_TEST_EMPTY_PASSWORD", "")],
    );
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "kaftop: error: {}: key `profiles.default.security.sasl_password_env`: \
             environment variable `KAFTOP_TEST_EMPTY_PASSWORD` is empty\n",
            path.display()
        )
    );

    let out = check_file(
        &path,
        "[profiles.default]\nbootstrap_servers = \"h:1\"\n[profiles.default.security]\nsasl_password_env = \"KAFTOP_TEST_SET_PASSWORD\"\n[profiles.default.properties]\n\"sasl.password\" = \"inline-secret\"\n",
        &[("KAFTOP_TEST_SET_PASSWORD", "env-secret")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "kaftop: error: {}: key `profiles.default.properties.\"sasl.password\"`: \
             `sasl.password` is also set by key `profiles.default.security.sasl_password_env`; \
             set it in one place\n",
            path.display()
        )
    );
    assert!(!stderr.contains("inline-secret") && !stderr.contains("env-secret"));
}

/// `[serve] token_env`: the token is a secret (masked by `config check`, never in an
/// error), required to be set, and `listen` must be an address.
#[test]
fn serve_token_is_masked_and_required() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("serve.toml");
    let file = "[serve]\ntoken_env = \"KAFTOP_TEST_SERVE_TOKEN\"\nlisten = \"0.0.0.0:9000\"\n";
    let out = check_file(&path, file, &[("KAFTOP_TEST_SERVE_TOKEN", "s3rve-t0ken")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3rve-t0ken"), "{text}");
    assert!(text.contains("token = \"********\""), "{text}");
    assert!(text.contains("listen = \"0.0.0.0:9000\""), "{text}");

    let out = check_file(&path, file, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "key `serve.token_env`: environment variable `KAFTOP_TEST_SERVE_TOKEN` is not set"
        ),
        "{err}"
    );

    let out = check_file(&path, "[serve]\nlisten = \"localhost:8086\"\n", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("key `serve.listen`: `localhost:8086` is not IP:PORT"),
        "{err}"
    );
}

#[test]
fn services_store_url_takes_its_password_from_the_environment_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.toml");
    let file = "[services]\nstore = \"postgres://kaftop@127.0.0.1:5432/kaftop\"\n\
                store_password_env = \"KAFTOP_TEST_STORE_PW\"\n\
                [services.retention]\ndedupe = \"1day\"\n";
    let out = check_file(&path, file, &[("KAFTOP_TEST_STORE_PW", "st0re-pw")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("st0re-pw"), "{text}");
    assert!(
        text.contains("store = \"postgres://kaftop@127.0.0.1:5432/kaftop\""),
        "{text}"
    );
    assert!(text.contains("dedupe = \"1day\""), "{text}");

    let out = check_file(&path, file, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "key `services.store_password_env`: environment variable `KAFTOP_TEST_STORE_PW` is not set"
        ),
        "{err}"
    );
    let inline = "[services]\nstore = \"postgres://kaftop:pw@127.0.0.1:5432/kaftop\"\n";
    let out = check_file(&path, inline, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("key `services.store`: the URL holds a password"),
        "{err}"
    );
    assert!(!err.contains(":pw@"), "{err}");
    let out = check_file(&path, "[services]\nstore = \"mysql://x\"\n", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("key `services.store`: must be a postgres://"),
        "{err}"
    );
}

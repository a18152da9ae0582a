//! Installing and discovering kaftop as a new user does: shell completions (bash
//! runs them, completing profiles from the config and topics from the real test
//! broker), the man page (rendered by `man -l`), `--version` naming librdkafka,
//! and `config init`, which writes the starter once and never overwrites.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command as Process;

use common::{bootstrap, kaftop, unique};

const BIN: &str = env!("CARGO_BIN_EXE_kaftop");

fn stdout(args: &[&str]) -> String {
    let out = kaftop().args(args).output().unwrap();
    assert!(out.status.success(), "kaftop {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// What bash's completion offers for `words` (the last one being typed), with
/// the script of `kaftop completions bash` sourced.
fn bash_completes(words: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.len() - 1;
    let script = format!(
        "source <('{BIN}' completions bash) || exit 9
         COMP_WORDS=({words}); COMP_CWORD={current}; COMP_TYPE=9
         _clap_complete_kaftop kaftop '{last}' '{prev}'
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        last = words[current],
        prev = words[current - 1],
    );
    let out = Process::new("bash")
        .args(["-c", &script])
        .env_remove("KAFTOP_CONFIG")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn completions_parse_in_bash_and_complete_profiles_and_topics() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains("KAFTOP_COMPLETE"), "{shell}: {script}");
    }
    let script = stdout(&["completions", "bash"]);
    let check = Process::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(check.status.success(), "bash -n: {check:?}");
    let registered = Process::new("bash")
        .args([
            "-c",
            &format!("source <('{BIN}' completions bash) && complete -p kaftop"),
        ])
        .output()
        .unwrap();
    let registered = String::from_utf8_lossy(&registered.stdout);
    assert!(
        registered.contains("-F _clap_complete_kaftop kaftop"),
        "{registered}"
    );

    // Profiles: from the config file in effect.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        "[profiles.eu-prod]\nbootstrap_servers = \"eu:9092\"\n\
         [profiles.us-prod]\nbootstrap_servers = \"us:9092\"\n\
         [profiles.staging]\nbootstrap_servers = \"st:9092\"\n",
    )
    .unwrap();
    let path = config.to_str().unwrap();
    let got = bash_completes(&["kaftop", "--profile", ""], &[("KAFTOP_CONFIG", path)]);
    assert_eq!(got, ["eu-prod", "staging", "us-prod"]);
    let got = bash_completes(&["kaftop", "--config", path, "--profile", "us"], &[]);
    assert_eq!(got, ["us-prod"]);

    // Topics: from the cluster the line names.
    let b = bootstrap();
    let topic = unique("completion");
    stdout(&[
        "-b",
        &b,
        "topics",
        "create",
        &topic,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
    ]);
    let prefix = &topic[..topic.len() - 2];
    let got = bash_completes(&["kaftop", "-b", &b, "tail", prefix], &[]);
    stdout(&["-b", &b, "topics", "delete", &topic, "--yes"]);
    assert_eq!(got, vec![topic]);
}

#[test]
fn the_man_page_renders() {
    let page = stdout(&["man"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kaftop.1");
    std::fs::write(&file, &page).unwrap();
    let out = Process::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (man-db) is installed: scripts/setup.sh");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for needed in [
        "kaftop(1)",
        "NAME",
        "SYNOPSIS",
        "--profile",
        "completions",
        "demo",
    ] {
        assert!(text.contains(needed), "no `{needed}` in:\n{text}");
    }
}

#[test]
fn version_names_librdkafka_and_its_features() {
    let text = stdout(&["--version"]);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(concat!("kaftop ", env!("CARGO_PKG_VERSION")))
    );
    let librdkafka = lines.next().unwrap();
    assert!(librdkafka.starts_with("librdkafka 2."), "{text}");
    // The build enables TLS: the feature list says so.
    assert!(
        librdkafka.contains("features: ") && librdkafka.contains("ssl"),
        "{text}"
    );
}

fn check_config(path: &Path) -> serde_json::Value {
    let out = kaftop()
        .args(["config", "check", "--json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn config_init_writes_the_starter_once() {
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("config");
    let init = || {
        kaftop()
            .args(["config", "init"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", &xdg)
            .output()
            .unwrap()
    };
    let out = init();
    assert!(out.status.success(), "{out:?}");
    let path = xdg.join("kaftop").join("config.toml");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&path.display().to_string()));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("# kaftop configuration"), "{written}");
    assert!(written.contains("[profiles.local]"));
    let v = check_config(&path);
    assert_eq!(v["profile"], "local");
    // The example's data_dir needs root: the starter leaves it to the platform.
    assert!(
        !v["data_dir"].as_str().unwrap().starts_with("/var/lib"),
        "{v}"
    );

    // Never overwritten: the second run refuses and the user's edit stays.
    std::fs::write(&path, "# mine\n").unwrap();
    let out = init();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already there"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    // A FILE named on the line: the same, there.
    let file = home.path().join("other.toml");
    assert!(kaftop()
        .args(["config", "init"])
        .arg(&file)
        .output()
        .unwrap()
        .status
        .success());
    assert!(!kaftop()
        .args(["config", "init"])
        .arg(&file)
        .output()
        .unwrap()
        .status
        .success());
}

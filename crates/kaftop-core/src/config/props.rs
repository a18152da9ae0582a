//! Properties of the config loader over generated TOML text: parsing and
//! resolving any text gives a configuration or a `ConfigError` that names the
//! file (with a line inside it) and a key, never a panic; and a secret written in
//! the file, in whatever form and whatever else is wrong, is in no error message
//! and in no printed configuration.
//!
//! Three sources of text: documents built from the file's own tables and keys
//! with values of every TOML type, `config.example.toml` with random edits, and
//! arbitrary strings. `cases` is the CI count; `PROPTEST_CASES` overrides it (the
//! million-case run in BENCHMARKS.md).

use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;

use super::{parse_str, resolve, ConfigError, Overrides};

fn config(ci_cases: u32) -> ProptestConfig {
    match std::env::var("PROPTEST_CASES") {
        Ok(_) => ProptestConfig::default(),
        Err(_) => ProptestConfig::with_cases(ci_cases),
    }
}

const FILE: &str = "props.toml";
const EXAMPLE: &str = include_str!("../../../../config.example.toml");

const TABLES: [&str; 16] = [
    "",
    "[profiles.local]",
    "[profiles.prod]",
    "[profiles.local.security]",
    "[profiles.prod.security]",
    "[profiles.local.properties]",
    "[profiles.local.lag]",
    "[profiles.local.topics.created]",
    "[topics.read]",
    "[services]",
    "[services.retention]",
    "[services.notifier]",
    "[serve]",
    "[keys]",
    "[[profiles]]",
    "[other]",
];

const KEYS: [&str; 30] = [
    "default_profile",
    "data_dir",
    "bootstrap_servers",
    "poll_interval",
    "read_only",
    "protocol",
    "sasl_mechanism",
    "sasl_username",
    "sasl_password_env",
    "ssl_ca_location",
    "default_threshold",
    "groups",
    "max_time_lag",
    "stuck_after",
    "name",
    "partitions",
    "replication_factor",
    "listen",
    "request_timeout",
    "token_env",
    "concurrency",
    "zone",
    "store",
    "vip_user_ids",
    "endpoint",
    "max_attempts",
    "quit",
    "\"client.id\"",
    "security.protocol",
    "unknown_key",
];

/// Keys whose value is a secret, each under the table it belongs to (or as a
/// dotted key from its profile).
const SECRET_KEYS: [(&str, &str); 10] = [
    ("[profiles.local.security]", "sasl_password"),
    ("[profiles.prod.security]", "ssl_key_password"),
    ("[profiles.local]", "security.sasl_password"),
    ("[profiles.local.properties]", "\"sasl.password\""),
    ("[profiles.local.properties]", "\"ssl.key.password\""),
    ("[profiles.local.properties]", "\"ssl.keystore.password\""),
    (
        "[profiles.local.properties]",
        "\"sasl.oauthbearer.client.secret\"",
    ),
    ("[profiles.local.properties]", "\"sasl.jaas.config\""),
    ("[profiles.local.properties]", "\"ssl.key.pem\""),
    ("[profiles.local]", "properties.\"sasl.password\""),
];

fn plain_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"127.0.0.1:9092\"",
            "\"a:9092,b:9093\"",
            "\"2s\"",
            "\"50ms\"",
            "\"SASL_SSL\"",
            "\"SCRAM-SHA-512\"",
            "\"local\"",
            "\"prod\"",
            "\"message.created\"",
            "\"postgres://kaftop@db:5432/kaftop\"",
            "\"0.0.0.0:8086\"",
            "\"+09:00\"",
            "\"q\"",
            "[\"q\", \"ctrl-q\"]",
            "{ \"g\" = 100 }",
            "{ \"g\" = \"5m\" }",
            "true",
            "0",
            "-1",
            "3",
            "1.5",
            "1979-05-27T07:32:00Z",
            "[]",
            "{}",
            "[1, \"a\"]",
        ])
        .prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string()),
        "\"[a-z0-9.:_ /-]{0,16}\"",
        "[a-z0-9\"'=\\[\\]{}., -]{0,12}",
    ]
}

/// A secret: letters no other generated value has, so that finding it in a
/// message can only mean it leaked.
fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "Zq[A-Z]{2}[a-zA-Z0-9]{10}",
        // A secret the file writes as a number (a type error to report).
        "[1-9][0-9]{13}",
    ]
}

/// The secret in the many ways a file may (mis)write it.
fn secret_form(secret: &str, form: usize) -> String {
    match form % 9 {
        0 => format!("\"{secret}\""),
        1 => format!("'{secret}'"),
        2 => format!("\"\"\"{secret}\"\"\""),
        3 => secret.to_string(),
        4 => format!("\"{secret}"),
        5 => format!("[\"{secret}\"]"),
        6 => format!("{{ value = \"{secret}\" }}"),
        7 => format!("\"{secret}\" \"{secret}\""),
        _ => format!("\"{secret}\\x\""),
    }
}

#[derive(Debug, Clone)]
enum Line {
    Table(usize),
    Plain(usize, String),
    Secret(usize, usize),
    Garbage(String),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        2 => (0..TABLES.len()).prop_map(Line::Table),
        6 => (0..KEYS.len(), plain_value()).prop_map(|(k, v)| Line::Plain(k, v)),
        2 => (0..SECRET_KEYS.len(), any::<usize>()).prop_map(|(k, f)| Line::Secret(k, f)),
        1 => any::<String>().prop_map(Line::Garbage),
    ]
}

/// A document of generated lines, with the secrets it holds.
fn document() -> impl Strategy<Value = (String, Vec<String>)> {
    (vec(line(), 0..24), vec(secret(), 1..4)).prop_map(|(lines, secrets)| {
        let mut text = String::new();
        let mut used = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            match l {
                Line::Table(t) => text.push_str(TABLES[*t]),
                Line::Plain(k, v) => text.push_str(&format!("{} = {v}", KEYS[*k])),
                Line::Secret(k, form) => {
                    let (table, key) = SECRET_KEYS[*k];
                    let s = &secrets[i % secrets.len()];
                    text.push_str(&format!("{table}\n{key} = {}", secret_form(s, *form)));
                    used.push(s.clone());
                }
                Line::Garbage(g) => text.push_str(g),
            }
            text.push('\n');
        }
        (text, used)
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(String),
    Secret(usize, usize),
}

/// `config.example.toml` with a few random edits, and the secrets they put in.
fn edited_example() -> impl Strategy<Value = (String, Vec<String>)> {
    let edit = prop_oneof![
        (1usize..12).prop_map(Edit::Delete),
        prop_oneof![
            prop::sample::select(vec![
                "\"",
                "'",
                "=",
                "[",
                "]",
                "{",
                "}",
                ",",
                "#",
                "\n",
                "\\",
                ".",
                "\0",
                "é",
                "가",
                "\r",
                "\t",
                "[[",
                "]]",
                "\"\"\"",
                " = 1\n",
                "\n[profiles.x]\n",
            ])
            .prop_map(String::from),
            any::<char>().prop_map(String::from),
        ]
        .prop_map(Edit::Insert),
        (0..SECRET_KEYS.len(), any::<usize>()).prop_map(|(k, f)| Edit::Secret(k, f)),
    ];
    (vec((any::<prop::sample::Index>(), edit), 1..6), secret()).prop_map(|(edits, s)| {
        let mut text = EXAMPLE.to_string();
        let mut used = Vec::new();
        for (at, edit) in edits {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match edit {
                Edit::Delete(n) => {
                    let mut end = (at + n).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                }
                Edit::Insert(piece) => text.insert_str(at, &piece),
                Edit::Secret(k, form) => {
                    let (table, key) = SECRET_KEYS[k];
                    let line = format!("\n{table}\n{key} = {}\n", secret_form(&s, form));
                    text.insert_str(at, &line);
                    used.push(s.clone());
                }
            }
        }
        (text, used)
    })
}

/// Loads `text` as the file `props.toml` and checks what comes out.
fn check(text: &str, secrets: &[String]) -> Result<(), TestCaseError> {
    let loaded = parse_str(text, FILE)
        .and_then(|f| resolve(Some(&f), Some(Path::new(FILE)), &Overrides::default()));
    let shown = match &loaded {
        Ok(resolved) => {
            let json = serde_json::to_string(resolved).unwrap_or_default();
            format!("{resolved:?}\n{json}")
        }
        Err(ConfigError::Read { .. }) => {
            return Err(TestCaseError::fail("parsing text read a file"));
        }
        Err(e @ ConfigError::Invalid { file, key, reason }) => {
            let line = file.strip_prefix(FILE).map(|rest| rest.strip_prefix(':'));
            match line {
                Some(None) if file == FILE => {}
                Some(Some(n)) => {
                    let n: usize = n.parse().map_err(|_| TestCaseError::fail(file.clone()))?;
                    prop_assert!(n >= 1 && n <= text.lines().count() + 1, "line {n}: {e}");
                }
                _ => return Err(TestCaseError::fail(format!("names no file: {e}"))),
            }
            prop_assert!(!key.trim().is_empty(), "names no key: {e}");
            prop_assert!(!reason.trim().is_empty(), "says no reason: {e}");
            format!("{e}\n{e:?}")
        }
    };
    for s in secrets {
        prop_assert!(
            !shown.contains(s.as_str()),
            "secret {s} shown:\n{shown}\n--- from:\n{text}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn generated_documents_load_or_name_file_and_key((text, secrets) in document()) {
        check(&text, &secrets)?;
    }

    #[test]
    fn the_example_with_edits_loads_or_names_file_and_key((text, secrets) in edited_example()) {
        check(&text, &secrets)?;
    }

    #[test]
    fn any_text_loads_or_names_file_and_key(text in any::<String>()) {
        check(&text, &[])?;
    }
}

#[test]
fn the_example_loads_unedited() {
    assert!(check(EXAMPLE, &[]).is_ok());
    let loaded = parse_str(EXAMPLE, FILE);
    assert!(loaded.is_ok(), "{loaded:?}");
}

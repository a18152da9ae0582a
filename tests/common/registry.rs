//! The schema registry the suite runs against (Apicurio, started by
//! `scripts/test-registry.sh`) and the Python with Confluent's own serializers
//! (`scripts/schema-venv.sh`) that writes and reads records beside kaftop.

use std::process::Command;

use super::assert_success;

pub(crate) const REGISTRY_ENV: &str = "KAFTOP_TEST_REGISTRY_URL";
const VENV_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/schema-venv.sh");

/// The registry's URL; `None` (said loudly) outside CI when it is not set.
pub(crate) fn registry() -> Option<String> {
    match std::env::var(REGISTRY_ENV) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{REGISTRY_ENV} is not set: scripts/test.sh starts the registry")
        }
        _ => {
            eprintln!(
                "SKIPPED: {REGISTRY_ENV} is not set (start one with scripts/test-registry.sh \
                 start and export the URL it prints, or run scripts/test.sh)"
            );
            None
        }
    }
}

/// The venv's Python (created on first use).
pub(crate) fn python() -> String {
    let out = Command::new(VENV_SCRIPT)
        .output()
        .expect("scripts/schema-venv.sh");
    assert_success(&out);
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

//! What the shells complete beyond the clap definitions (profile names from the
//! config, topic names from the cluster), and `--version`'s librdkafka line.
//!
//! `kaftop completions SHELL` prints clap_complete's registration script, which
//! calls kaftop back with [`COMPLETE_ENV`] set on every Tab: the candidates
//! below are computed then, from the config and the cluster in effect.

use std::ffi::OsString;
use std::sync::OnceLock;
use std::time::Duration;

use clap_complete::CompletionCandidate;
use rdkafka::consumer::{BaseConsumer, Consumer};

use kaftop_core::config::{self, Overrides};

/// The variable that turns a run of kaftop into a completion request. Not clap's
/// default `COMPLETE`, which another program's environment may well set.
pub const COMPLETE_ENV: &str = "KAFTOP_COMPLETE";

/// How long a Tab may wait for the cluster's topic list: past it, no candidates.
const TOPICS_TIMEOUT: Duration = Duration::from_secs(3);

/// The overrides on the line being completed (`--config`, `--profile`, `-b`), so
/// that candidates come from the config and cluster that line would use.
fn overrides_of_line() -> Overrides {
    let args: Vec<OsString> = std::env::args_os().collect();
    let value = |long: &str, short: Option<&str>| -> Option<String> {
        let mut it = args.iter().filter_map(|a| a.to_str());
        while let Some(arg) = it.next() {
            if let Some(v) = arg.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
                return Some(v.to_string());
            }
            if arg == long || short == Some(arg) {
                return it.next().map(str::to_string);
            }
        }
        None
    };
    Overrides {
        config_file: value("--config", None).map(Into::into),
        profile: value("--profile", None),
        bootstrap_servers: value("--bootstrap-servers", Some("-b")),
        ..Overrides::default()
    }
}

/// `--profile`: the profiles of the config file in effect.
pub(super) fn profiles() -> Vec<CompletionCandidate> {
    let ov = overrides_of_line();
    let path = ov
        .config_file
        .or_else(|| std::env::var_os(config::CONFIG_ENV).map(Into::into))
        .or_else(|| config::platform_config_file().filter(|p| p.exists()));
    let Some(file) = path.and_then(|p| config::read_file(&p).ok()) else {
        return Vec::new();
    };
    file.profiles
        .into_iter()
        .map(|(name, p)| CompletionCandidate::new(name).help(Some(p.bootstrap_servers.into())))
        .collect()
}

/// A topic argument: the topics of the cluster the line would use, internal ones
/// left out; none when it does not answer within [`TOPICS_TIMEOUT`].
pub(super) fn topics() -> Vec<CompletionCandidate> {
    let Ok(cfg) = config::load(&overrides_of_line()) else {
        return Vec::new();
    };
    let consumer: Result<BaseConsumer, _> = kaftop_core::kafka::client::base_config(&cfg).create();
    let Ok(md) = consumer.and_then(|c| c.fetch_metadata(None, TOPICS_TIMEOUT)) else {
        return Vec::new();
    };
    md.topics()
        .iter()
        .map(|t| t.name())
        .filter(|name| !name.starts_with("__"))
        .map(CompletionCandidate::new)
        .collect()
}

/// `kaftop --version`: kaftop's version, then librdkafka's and the features it
/// was built with (its `builtin.features` property).
pub(super) fn long_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let (_, librdkafka) = rdkafka::util::get_rdkafka_version();
        let features = rdkafka::ClientConfig::new()
            .create_native_config()
            .and_then(|c| c.get("builtin.features"))
            .unwrap_or_else(|_| "unknown".into());
        format!(
            "{}\nlibrdkafka {librdkafka} (features: {features})",
            env!("CARGO_PKG_VERSION")
        )
    })
}

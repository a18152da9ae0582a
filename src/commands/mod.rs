//! The subcommands: each resolves what it needs and prints a human table or JSON.

mod clusters;
mod config_check;
mod demo;
mod dlq;
mod events;
mod export;
mod groups;
mod install;
mod lag;
mod out;
mod produce_file;
mod publish;
mod search;
mod serve;
mod services;
mod snapshot;
#[cfg(test)]
mod surfaces;
mod tail;
mod topic_admin;
mod topics;
#[cfg(test)]
mod verdicts;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, ConfigCommand, DlqCommand, GroupsCommand, TopicsCommand};
use crate::tui::keymap::Keymap;
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_core::present;

/// Runs the parsed command line. No secret value (a secret-looking `-X` property, a
/// password from the profile) appears in the error it returns.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut secrets: Vec<String> = cli
        .properties
        .iter()
        .filter(|(k, _)| config::is_secret_property(k))
        .map(|(_, v)| v.clone())
        .collect();
    match run_command(cli, &mut secrets) {
        // The reader of stdout left (`| head -1`): nothing more to say, as `cat`.
        Err(e) if out::reader_left(&e) => Ok(ExitCode::SUCCESS),
        r => r.map_err(|e| redact(e, &secrets)),
    }
}

/// The error with every secret value masked. Errors without a secret keep their
/// chain of causes.
fn redact(e: anyhow::Error, secrets: &[String]) -> anyhow::Error {
    let text = format!("{e:#}");
    let masked =
        kaftop_core::kafka::client::mask_secrets(&text, secrets.iter().map(String::as_str));
    if masked == text {
        return e;
    }
    anyhow::anyhow!(masked)
}

/// Loads the configuration and checks what the core leaves to this side: the
/// services' store URL (its full syntax), the librdkafka properties (without
/// connecting) and the dashboard's `[keys]` and `[theme]`.
fn load_checked(overrides: &Overrides, secrets: &mut Vec<String>) -> Result<(Resolved, Keymap)> {
    let cfg = config::load(overrides)?;
    secrets.extend(cfg.secret_values().map(str::to_string));
    kaftop_services::store::check_settings(&cfg.store)
        .map_err(|e| cfg.invalid("services.store", e.to_string()))?;
    kaftop_core::kafka::client::validate(&cfg)?;
    let keymap = crate::tui::keymap::from_config(&cfg)?;
    crate::tui::widgets::theme::from_config(&cfg, false)?;
    Ok((cfg, keymap))
}

fn run_command(cli: Cli, secrets: &mut Vec<String>) -> Result<ExitCode> {
    let overrides = Overrides {
        config_file: cli.config.clone(),
        profile: cli.profile.clone(),
        bootstrap_servers: cli.bootstrap_servers.clone(),
        properties: cli.properties.clone(),
        data_dir: cli.data_dir.clone(),
        read_only: cli.read_only,
    };
    let Some(command) = cli.command else {
        // No subcommand: the interactive dashboard.
        if cli.all_profiles {
            return clusters_screen(&overrides, secrets);
        }
        let (cfg, keymap) = load_checked(&overrides, secrets)?;
        let _log = crate::logging::init(&cfg.data_dir);
        tracing::info!(profile = %cfg.profile, bootstrap = %cfg.bootstrap_servers, "dashboard");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        if crate::tui::run(cfg, keymap, runtime.handle().clone())? == crate::tui::Exit::Quit {
            return Ok(ExitCode::SUCCESS);
        }
        // `:clusters`: every profile of the same config file.
        let every = Overrides {
            profile: None,
            bootstrap_servers: None,
            ..overrides
        };
        let profiles = every_profile(&every, secrets)?;
        crate::tui::clusters::run(profiles, runtime.handle().clone())?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        // Only validation or printing: no logging, no runtime.
        Command::Config(ConfigCommand::Init { file }) => return install::config_init(file),
        Command::Config(ConfigCommand::Check { file, json }) => {
            return config_check::run(file, json, overrides, secrets)
        }
        Command::Completions { shell } => return install::completions(&shell),
        Command::Man => return install::man(),
        _ => {}
    }
    if let Command::Demo(d) = command {
        // The demo brings its own cluster: no config file is needed or read.
        return demo::run(d, overrides.data_dir);
    }
    if cli.all_profiles || matches!(command, Command::Clusters(_)) {
        return all_profiles(command, &overrides, secrets);
    }
    let (cfg, _keymap) = load_checked(&overrides, secrets)?;
    let _log = crate::logging::init(&cfg.data_dir);
    tracing::info!(profile = %cfg.profile, bootstrap = %cfg.bootstrap_servers, "starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(action) = change_to_the_cluster(&command) {
        cfg.check_writable(action)?;
    }
    runtime.block_on(dispatch(command, cfg))
}

/// `--all-profiles` with `command`: each profile loaded and checked as `--profile
/// NAME` would be, then every cluster at once.
fn all_profiles(
    command: Command,
    overrides: &Overrides,
    secrets: &mut Vec<String>,
) -> Result<ExitCode> {
    if !matches!(
        command,
        Command::Lag(_) | Command::Clusters(_) | Command::Serve(_)
    ) {
        anyhow::bail!("--all-profiles works with `lag`, `clusters` and `serve`, not this command");
    }
    let cfgs: Vec<Resolved> = every_profile(overrides, secrets)?
        .into_iter()
        .map(|(cfg, _)| cfg)
        .collect();
    if let Some(first) = cfgs.first() {
        let _log = crate::logging::init(&first.data_dir);
        tracing::info!(profiles = cfgs.len(), "starting, every profile");
    }
    match command {
        Command::Lag(args) => clusters::lag(&args, &cfgs),
        Command::Clusters(args) => clusters::summary(&args, &cfgs),
        Command::Serve(args) => {
            // The first profile's cluster is served (API, services); every
            // profile's is monitored on /metrics.
            let mut cfgs = cfgs.into_iter();
            let Some(first) = cfgs.next() else {
                return Ok(ExitCode::FAILURE);
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(serve::run(args, first, cfgs.collect()))
        }
        _ => Ok(ExitCode::FAILURE),
    }
}

/// `kaftop --all-profiles`: the dashboard's clusters screen.
fn clusters_screen(overrides: &Overrides, secrets: &mut Vec<String>) -> Result<ExitCode> {
    let profiles = every_profile(overrides, secrets)?;
    let Some((first, _)) = profiles.first() else {
        anyhow::bail!("no profiles to show");
    };
    let _log = crate::logging::init(&first.data_dir);
    tracing::info!(profiles = profiles.len(), "clusters screen");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    crate::tui::clusters::run(profiles, runtime.handle().clone())?;
    Ok(ExitCode::SUCCESS)
}

/// Every profile, each loaded and checked as `--profile NAME` would be.
fn every_profile(
    overrides: &Overrides,
    secrets: &mut Vec<String>,
) -> Result<Vec<(Resolved, Keymap)>> {
    // Clap does not check a global flag's conflicts across the subcommand.
    if overrides.profile.is_some() || overrides.bootstrap_servers.is_some() {
        anyhow::bail!(
            "--all-profiles (and `clusters`) reads every profile: not with --profile or \
             --bootstrap-servers"
        );
    }
    let mut out = Vec::new();
    for cfg in config::load_all(overrides)? {
        let ov = Overrides {
            profile: Some(cfg.profile.clone()),
            ..overrides.clone()
        };
        out.push(load_checked(&ov, secrets)?);
    }
    Ok(out)
}

/// What `command` would change on the cluster, if anything: the one list that
/// read-only mode checks. `serve` runs read-only as a monitor (no services, no
/// publishing), so it is not here.
fn change_to_the_cluster(command: &Command) -> Option<&'static str> {
    match command {
        Command::Publish(_) => Some("publish"),
        Command::Bulk(_) => Some("run a bulk test (it publishes)"),
        Command::Topics(t) => match &t.command {
            Some(TopicsCommand::Ensure { .. }) => Some("create topics"),
            Some(TopicsCommand::Create { .. }) => Some("create a topic"),
            Some(TopicsCommand::Delete { .. }) => Some("delete a topic"),
            Some(TopicsCommand::AddPartitions { .. }) => Some("add partitions to a topic"),
            // Without --set/--delete it only describes.
            Some(TopicsCommand::Config { set, delete, .. })
                if !set.is_empty() || !delete.is_empty() =>
            {
                Some("change a topic's configs")
            }
            Some(TopicsCommand::Config { .. }) | None => None,
        },
        Command::Consumers(_) => Some("run the services (they commit offsets)"),
        Command::Groups(GroupsCommand::ResetOffsets(r)) if r.execute => {
            Some("reset a group's offsets")
        }
        Command::Groups(GroupsCommand::Delete(d)) if d.execute => Some("delete a group"),
        Command::Dlq(DlqCommand::Redrive(r)) if r.execute => Some("redrive dead-lettered records"),
        Command::ProduceFile(p) if p.execute => Some("write records to a topic"),
        _ => None,
    }
}

async fn dispatch(command: Command, cfg: Resolved) -> Result<ExitCode> {
    match command {
        Command::Config(_) | Command::Demo(_) | Command::Completions { .. } | Command::Man => {
            unreachable!("handled before the runtime starts")
        }
        Command::Publish(p) => publish::publish(p, &cfg).await,
        Command::Bulk(b) => publish::bulk(b, cfg).await,
        Command::Topics(t) => topics::run(t, &cfg).await,
        Command::Lag(l) => lag::run(l, &cfg).await,
        // Every profile: run before one is loaded (`all_profiles`).
        Command::Clusters(_) => Ok(ExitCode::FAILURE),
        Command::Tail(t) => tail::run(t, &cfg).await,
        Command::Search(s) => search::run(s, &cfg).await,
        Command::ProduceFile(p) => produce_file::run(p, &cfg).await,
        Command::Groups(g) => groups::run(g, &cfg).await,
        Command::Consumers(c) => services::consumers(c, cfg).await,
        Command::Services(s) => services::services(s, &cfg).await,
        Command::Serve(s) => serve::run(s, cfg, Vec::new()).await,
        Command::Dlq(DlqCommand::Redrive(r)) => dlq::redrive(r, cfg).await,
        Command::Events(e) => events::run(e, cfg).await,
        Command::Snapshot(s) => snapshot::run(s, cfg).await,
    }
}

/// An error and its causes on one line, each cause once
/// ([`chain_line`](crate::errors::chain_line)).
pub fn error_line(err: &anyhow::Error) -> String {
    crate::errors::chain_line(err.chain())
}

/// Prints a value as one line of JSON.
fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    out::outln(serde_json::to_string(v)?)?;
    Ok(())
}

/// Left-aligned columns separated by two spaces; the first row is the header.
/// Widths are terminal columns, so wide characters (Hangul) keep columns aligned.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    // Cells quote the cluster (names, ids, hosts): shown, never obeyed.
    let rows: Vec<[std::borrow::Cow<str>; N]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| present::text::visible(&r[i])))
        .collect();
    let mut widths = [0usize; N];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(present::text::width(cell.as_ref()));
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| present::text::pad(cell, w))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::kafka::KafkaError;
    use kaftop_services::{ServicesError, Store};
    use rdkafka::error::KafkaError as RdError;
    use rdkafka::types::RDKafkaErrorCode;

    #[test]
    fn table_columns_line_up_with_wide_characters() {
        let rows = [
            ["TOPIC".to_string(), "MESSAGES".to_string()],
            ["주문".to_string(), "12".to_string()],
            ["orders-결제".to_string(), "3".to_string()],
        ];
        assert_eq!(
            table(&rows),
            "TOPIC        MESSAGES\n주문         12\norders-결제  3\n"
        );
    }

    #[test]
    fn table_cells_show_hidden_characters() {
        let rows = [
            ["GROUP".to_string(), "LAG".to_string()],
            ["bill\u{202e}ing\x1b[2J".to_string(), "3".to_string()],
        ];
        assert_eq!(
            table(&rows),
            "GROUP                     LAG\nbill\\u{202e}ing\\u{1b}[2J  3\n"
        );
    }

    #[test]
    fn producer_errors_name_each_cause_once() {
        // rdkafka's message embeds its code, which is also its source.
        let e = anyhow::Error::from(KafkaError::Client {
            context: "delivery failed",
            source: RdError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
        });
        assert_eq!(
            error_line(&e),
            "delivery failed: Message production error: MessageSizeTooLarge (Broker: Message size too large)"
        );
        let e = anyhow::Error::from(KafkaError::Client {
            context: "creating producer",
            source: RdError::ClientCreation("`a` must be greater than `b`".into()),
        })
        .context("bulk run aborted");
        assert_eq!(
            error_line(&e),
            "bulk run aborted: creating producer: Client creation error: `a` must be greater than `b`"
        );
    }

    #[test]
    fn store_errors_name_each_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the database file should be.
        let path = dir.path().join("services.db");
        std::fs::create_dir(&path).unwrap();
        let e = anyhow::Error::from(ServicesError::from(Store::open(&path).err().unwrap()));
        assert_eq!(
            error_line(&e),
            format!(
                "services store: {}: unable to open database file",
                path.display()
            )
        );
        // A file where the data directory should be.
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let e = anyhow::Error::from(ServicesError::from(
            Store::open(&file.join("services.db")).err().unwrap(),
        ));
        assert_eq!(
            error_line(&e),
            format!(
                "services store: {}: cannot create the directory: File exists (os error 17)",
                file.display()
            )
        );
    }

    #[test]
    fn contexts_keep_distinct_causes() {
        let e = anyhow::anyhow!("connection refused")
            .context("reading metadata")
            .context("tail aborted");
        assert_eq!(
            error_line(&e),
            "tail aborted: reading metadata: connection refused"
        );
        // A context that repeats the whole error is replaced by it.
        let e = anyhow::anyhow!("store: disk full").context("store");
        assert_eq!(error_line(&e), "store: disk full");
    }
}

//! Installing and discovering kaftop: `completions`, `man` and `config init`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use super::out::{out, outln};
use crate::cli::{Cli, COMPLETE_ENV};

/// The starter `config init` writes: the shipped example, every key with its default.
const STARTER: &str = include_str!("../../config.example.toml");

/// `kaftop completions SHELL`: clap_complete's registration for `shell`, calling
/// this binary back for the candidates.
pub(super) fn completions(shell: &str) -> Result<ExitCode> {
    let shells = clap_complete::env::Shells::builtins();
    let Some(completer) = shells.completer(shell) else {
        bail!("no completions for the shell `{shell}`");
    };
    let exe = std::env::current_exe().context("finding the kaftop binary")?;
    let mut script = Vec::new();
    completer.write_registration(
        COMPLETE_ENV,
        "kaftop",
        "kaftop",
        &exe.to_string_lossy(),
        &mut script,
    )?;
    write_stdout(&script)
}

/// `kaftop man`: the man page, from the same definitions as the parser.
pub(super) fn man() -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    write_stdout(&page)
}

/// Through `out`: a reader that left (`kaftop man | head`) ends it quietly.
fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    out(String::from_utf8_lossy(bytes))?;
    Ok(ExitCode::SUCCESS)
}

/// The example with its `data_dir` lines commented out: its example paths
/// (`/var/lib/kaftop`) need root, the platform data dir does not.
fn starter() -> String {
    STARTER
        .lines()
        .map(|line| match line.starts_with("data_dir = ") {
            true => format!("# {line}\n"),
            false => format!("{line}\n"),
        })
        .collect()
}

/// `kaftop config init [FILE]`: the starter config, written only where no file is.
pub(super) fn config_init(file: Option<PathBuf>) -> Result<ExitCode> {
    let Some(path) = file.or_else(kaftop_core::config::platform_config_file) else {
        bail!("no platform config dir (no home directory): name a FILE");
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    }
    // create_new: a file already there is never replaced, even one made meanwhile.
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{}: a config file is already there; it was left as it is",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot create", path.display())),
    };
    f.write_all(starter().as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    outln(format_args!(
        "wrote {} (edit its profiles, then `kaftop config check`)",
        path.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

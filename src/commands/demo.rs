//! `kaftop demo [--headless --duration 30s]`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::out::{note, out};

use crate::cli::DemoArgs;
use crate::tui::io::IoOptions;
use kaftop_services::demo::{Demo, DemoOptions};

/// How long the services get to catch up after the traffic stops.
const DRAIN: Duration = Duration::from_secs(30);

pub(super) fn run(args: DemoArgs, data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let log_dir = data_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("kaftop-demo-logs"));
    let _log = crate::logging::init(&log_dir);
    let mut opts = DemoOptions {
        partitions: args.partitions,
        rate: args.rate,
        data_dir,
        ..Default::default()
    };
    if !args.headless {
        return interactive(opts, args.duration);
    }
    let duration = args.duration.unwrap_or(Duration::from_secs(30));
    // One pause of the slow service within the run, so the summary shows it drained.
    opts.slowdown_cycle = duration;
    let demo = Demo::start(opts)?;
    note(format_args!(
        "demo: mock cluster at {} with 3 brokers; traffic for {}",
        demo.cfg.bootstrap_servers,
        humantime::format_duration(duration)
    ));
    std::thread::sleep(duration);
    let summary = demo.finish(DRAIN)?;
    if args.json {
        super::print_json(&summary)?;
    } else {
        out(summary.render())?;
    }
    Ok(if summary.all_accounted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The dashboard on the demo cluster, until the user quits (or `duration` ends).
fn interactive(opts: DemoOptions, duration: Option<Duration>) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let demo = Demo::start(opts)?;
    let io = IoOptions {
        monitor: demo.monitor_options(),
        services: Some(demo.services().clone()),
        // A bounded demo (scripts, recordings) ends as `q` would.
        quit_after: duration,
    };
    let keymap = crate::tui::keymap::Keymap::defaults();
    crate::tui::runtime::run_with(demo.cfg.clone(), keymap, io, runtime.handle().clone())?;
    drop(demo);
    Ok(ExitCode::SUCCESS)
}

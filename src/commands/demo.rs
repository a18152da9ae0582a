//! `kaftop demo [--headless --duration 30s]`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::out::{note, out};

use crate::cli::DemoArgs;
use crate::tui::io::IoOptions;
use kaftop_core::present;
use kaftop_services::demo::{Demo, DemoOptions, MAX_RATE};

/// How long the services get to catch up after the traffic stops.
const DRAIN: Duration = Duration::from_secs(30);
/// The shortest headless run that pauses the slow service: it rejoins its group
/// up to a session timeout (~10 s) after resuming at 60 % of the run, and a
/// shorter run would wait for that after its traffic stopped.
const SLOWDOWN_MIN_RUN: Duration = Duration::from_secs(30);

/// The demo's options from the flags, and what to tell about them: a rate above
/// what the demo sustains is capped.
fn options(args: &DemoArgs, data_dir: Option<PathBuf>) -> (DemoOptions, Option<String>) {
    let rate = args.rate.min(MAX_RATE);
    let capped = (args.rate > MAX_RATE).then(|| {
        format!(
            "demo: --rate {} is more than the demo keeps up with on one machine; capped at {}/s",
            present::count_u(args.rate.round() as u64),
            present::count_u(MAX_RATE as u64)
        )
    });
    let mut opts = DemoOptions {
        partitions: args.partitions,
        rate,
        data_dir,
        ..Default::default()
    };
    if args.headless {
        let duration = args.duration.unwrap_or(Duration::from_secs(30));
        // One pause of the slow service within the run, so the summary shows it
        // drained; a short run has no time to show it.
        opts.slowdown_cycle = if duration >= SLOWDOWN_MIN_RUN {
            duration
        } else {
            Duration::MAX
        };
    }
    (opts, capped)
}

pub(super) fn run(args: DemoArgs, data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let log_dir = data_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("kaftop-demo-logs"));
    let _log = crate::logging::init(&log_dir);
    let (opts, capped) = options(&args, data_dir);
    if let Some(capped) = &capped {
        note(capped);
        tracing::info!("{capped}");
    }
    if !args.headless {
        return interactive(opts, args.duration);
    }
    let duration = args.duration.unwrap_or(Duration::from_secs(30));
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn demo_args(extra: &[&str]) -> DemoArgs {
        let mut argv = vec!["kaftop", "demo"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            Some(crate::cli::Command::Demo(d)) => d,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_rate_beyond_the_demo_is_capped_and_said() {
        let (opts, note) = options(&demo_args(&["--headless", "--rate", "1000000"]), None);
        assert_eq!(opts.rate, MAX_RATE);
        assert_eq!(
            note.as_deref(),
            Some("demo: --rate 1,000,000 is more than the demo keeps up with on one machine; capped at 5,000/s")
        );
        let (opts, note) = options(&demo_args(&["--rate", "200"]), None);
        assert_eq!((opts.rate, note), (200.0, None));
    }

    #[test]
    fn a_short_run_does_not_pause_the_slow_service() {
        let (opts, _) = options(&demo_args(&["--headless", "--duration", "3s"]), None);
        assert_eq!(opts.slowdown_cycle, Duration::MAX);
        let (opts, _) = options(&demo_args(&["--headless", "--duration", "1m"]), None);
        assert_eq!(opts.slowdown_cycle, Duration::from_secs(60));
    }
}

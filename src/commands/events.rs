//! `kaftop events [--follow] [--for 10s] [--json]`: what changes in the cluster,
//! printed as refreshes find it. The first refresh is the baseline; each one after
//! it prints the events of the timeline (`metrics::timeline`) it found. Without
//! `--follow` it stops after `--for` and says on stderr how many refreshes it made
//! and events it printed; stdout carries only the events.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};

use super::out::{note, outln};

use crate::cli::EventsArgs;
use kaftop_core::config::Resolved;
use kaftop_core::metrics::TimelineEvent;
use kaftop_core::monitor::{Monitor, MonitorOptions, Refresh, Window};

pub(super) async fn run(args: EventsArgs, cfg: Resolved) -> Result<ExitCode> {
    tokio::task::spawn_blocking(move || watch(&args, &cfg))
        .await
        .context("events aborted")?
}

fn watch(args: &EventsArgs, cfg: &Resolved) -> Result<ExitCode> {
    let mut opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    if !args.groups.is_empty() && args.topics.is_empty() {
        // Only these groups' events are wanted: describe only them.
        opts.read.only_groups = Some(args.groups.clone());
    }
    if let Some(interval) = args.interval {
        opts.interval = interval;
    }
    let window = if args.follow {
        Window::until_stopped()
    } else {
        Window::span(args.window)
    };
    let every = humantime::format_duration(round_to_ms(opts.interval));
    let mut monitor = Monitor::new(cfg, opts)?;
    let (mut refreshes, mut printed, mut down) = (0u64, 0u64, false);
    monitor.watch(window, |r: &Refresh| -> Result<()> {
        refreshes = r.seq;
        if r.seq == 1 {
            // The baseline, which later refreshes are compared with.
            super::out::warnings(&r.metrics.errors);
            watching(args, cfg, &every);
            return Ok(());
        }
        match (r.metrics.connected, down) {
            (false, false) => note(format_args!(
                "kaftop: warning: {}",
                r.metrics.errors.join("; ")
            )),
            (true, true) => note(format_args!("kaftop: reconnected")),
            _ => {}
        }
        down = !r.metrics.connected;
        for e in r
            .events
            .iter()
            .filter(|e| wanted(e, &args.groups, &args.topics))
        {
            if args.json {
                super::print_json(e)?;
            } else {
                outln(line(e))?;
            }
            printed += 1;
        }
        Ok(())
    })?;
    note(format_args!(
        "kaftop: watched {} ({refreshes} refreshes): {printed} event{}",
        humantime::format_duration(round_to_ms(args.window)),
        if printed == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::SUCCESS)
}

/// Says on stderr what is watched, how often and for how long.
fn watching(args: &EventsArgs, cfg: &Resolved, every: &humantime::FormattedDuration) {
    if args.follow {
        note(format_args!(
            "kaftop: watching {} every {every} (ctrl-c stops)",
            cfg.bootstrap_servers
        ));
    } else {
        note(format_args!(
            "kaftop: watching {} every {every} for {}",
            cfg.bootstrap_servers,
            humantime::format_duration(round_to_ms(args.window))
        ));
    }
}

fn round_to_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// Without filters, every event; with them, the events of those groups or topics.
fn wanted(e: &TimelineEvent, groups: &[String], topics: &[String]) -> bool {
    if groups.is_empty() && topics.is_empty() {
        return true;
    }
    e.group.as_ref().is_some_and(|g| groups.contains(g))
        || e.topic.as_ref().is_some_and(|t| topics.contains(t))
}

/// `2026-11-24T10:15:30Z  warn  ISR shrank      orders[3]  ISR 1,2,3 → 1,3 (2 out)`.
pub(super) fn line(e: &TimelineEvent) -> String {
    let at = kaftop_core::present::rfc3339(Some(e.at_ms), false);
    let subject = e.subject();
    let head = format!("{at}  {:<4}  {:<17}", e.severity.as_str(), e.kind.label());
    if subject.is_empty() {
        format!("{head}  {}", e.text)
    } else {
        format!("{head}  {subject}  {}", e.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::metrics::{Severity, TimelineKind};

    fn event(group: Option<&str>, topic: Option<&str>) -> TimelineEvent {
        TimelineEvent {
            at_ms: 1_795_515_330_000,
            kind: TimelineKind::IsrShrank,
            severity: Severity::Warn,
            group: group.map(str::to_string),
            topic: topic.map(str::to_string),
            partition: topic.map(|_| 3),
            broker: Some(2),
            text: "ISR 1,2,3 → 1,3 (2 out)".into(),
        }
    }

    #[test]
    fn filters_keep_the_named_groups_or_topics() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (g, t, b) = (
            event(Some("g"), None),
            event(None, Some("t")),
            event(None, None),
        );
        assert!([&g, &t, &b].iter().all(|e| wanted(e, &[], &[])));
        assert!(wanted(&g, &s(&["g"]), &[]) && !wanted(&t, &s(&["g"]), &[]));
        assert!(wanted(&t, &[], &s(&["t"])) && !wanted(&g, &[], &s(&["t"])));
        assert!(wanted(&g, &s(&["g"]), &s(&["t"])) && wanted(&t, &s(&["g"]), &s(&["t"])));
        assert!(!wanted(&b, &s(&["g"]), &s(&["t"])));
    }

    #[test]
    fn a_line_for_people() {
        assert_eq!(
            line(&event(None, Some("orders"))),
            "2026-11-24T10:15:30Z  warn  ISR shrank         orders[3]  ISR 1,2,3 → 1,3 (2 out)"
        );
        let mut e = event(None, None);
        e.broker = None;
        e.text = "controller 1 → 3".into();
        e.kind = TimelineKind::ControllerChanged;
        assert_eq!(
            line(&e),
            "2026-11-24T10:15:30Z  warn  controller         controller 1 → 3"
        );
    }
}

//! `kaftop search TOPIC FILTER`: every record from the start position to the end
//! offsets taken when the search starts, the partitions read in parallel (one
//! reader per core, never joining a group; `crate::search::scan`), kept when the
//! jq filter holds.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::export::{self, OutFile};
use super::out::{note, out, outln};
use crate::cli::SearchArgs;
use crate::search::scan::{self, Counts, Found, Range, Scan};
use crate::search::{self as find, DecodedRecord, JqFilter};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::{self, StartAt};
use kaftop_core::present;

/// How often the progress line on a terminal is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn run(args: SearchArgs, cfg: &Resolved) -> Result<ExitCode> {
    // A bad filter fails before anything connects.
    JqFilter::new(&args.filter)?;
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || search(&args, &cfg))
        .await
        .context("search aborted")?
}

fn time_flag(flag: &str, s: &str, now_ms: i64) -> Result<i64> {
    match sampler::parse_since(s, now_ms) {
        Some(ms) => Ok(ms),
        None => {
            bail!("{flag} `{s}` is neither a duration (10m) nor a timestamp (2026-11-24T10:15:30Z)")
        }
    }
}

/// Scanned and matched so far, for the progress line and the summary.
fn tally_line(counts: Counts, started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64();
    let rate = (secs > 0.0).then(|| counts.scanned as f64 / secs);
    format!(
        "scanned {} records in {} ({} records/s), {} matched",
        present::count_u(counts.scanned),
        present::secs(secs),
        present::rate(rate),
        present::count_u(counts.matched)
    )
}

fn search(args: &SearchArgs, cfg: &Resolved) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp_millis();
    let since = args
        .since
        .as_deref()
        .map(|s| time_flag("--since", s, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| time_flag("--until", s, now))
        .transpose()?;
    let start = match (since, args.from_offset) {
        (Some(ms), _) => StartAt::since(ms),
        (None, Some(o)) => StartAt::Offset(o),
        (None, None) => StartAt::Beginning,
    };
    let decoder = crate::registry::decoder(cfg)?;
    // Where each partition starts and (at the end offsets taken now) ends.
    let mut ranges: Vec<Range> = sampler::starts(cfg, &args.topic, args.partition, &start)?
        .into_iter()
        .map(Range::from)
        .collect();
    if let Some(ms) = until {
        // The first offset after `--until` ends each partition (offsets-for-times).
        let after = sampler::starts(cfg, &args.topic, args.partition, &StartAt::since(ms + 1))?;
        for s in after {
            if let Some(r) = ranges.iter_mut().find(|r| r.partition == s.partition) {
                r.end = r.end.min(s.start);
            }
        }
    }

    let mut file = args.out.as_deref().map(OutFile::create).transpose()?;
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let scan = Scan {
        cfg: cfg.clone(),
        topic: args.topic.clone(),
        ranges,
        filter: args.filter.clone(),
        decoder: decoder.clone(),
        limit: args.limit.unwrap_or(u64::MAX),
        keep: !args.count,
        cancel: Arc::default(),
    };
    let mut write = |found: Found| -> Result<()> {
        let msg = match found {
            Found::Warning(w) => {
                note(format_args!("kaftop: warning: {w}"));
                return Ok(());
            }
            Found::Record(m) => m,
        };
        let decoded = DecodedRecord::of(&msg, decoder.as_deref());
        if let Some(f) = file.as_mut() {
            f.write(&export::export_line(&msg, &decoded))?;
        } else if args.json {
            outln(find::scope(&msg, &decoded))?;
        } else {
            out(super::tail::render_record(&RecordView::from_message_with(
                &msg,
                args.max_value_bytes,
                decoder.as_deref(),
            )))?;
        }
        Ok(())
    };
    let mut progress = |counts: Counts| {
        if tty && last_progress.elapsed() >= PROGRESS_EVERY {
            eprint!("\r\x1b[2K{}", tally_line(counts, started));
            last_progress = Instant::now();
        }
    };
    let counts = scan::run(scan, &mut write, &mut progress)?;
    if tty {
        eprint!("\r\x1b[2K");
    }
    note(format_args!("kaftop: {}", tally_line(counts, started)));
    if let Some(f) = file {
        f.finish()?;
    }
    if args.count {
        outln(counts.matched)?;
    }
    Ok(ExitCode::SUCCESS)
}

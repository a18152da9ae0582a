//! `kaftop search TOPIC FILTER`: every record from the start position to the end
//! offsets taken when the search starts, all partitions assigned to one consumer
//! (read in parallel, never joining a group), kept when the jq filter holds.

mod filter;

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rdkafka::Message as _;

use super::export::{self, DecodedRecord, OutFile};
use super::out::{note, out, outln};
use crate::cli::SearchArgs;
use filter::JqFilter;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::{self, StartAt};
use kaftop_core::present;

/// Give up when nothing arrives for this long before the end offsets are reached.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// How often the progress line on a terminal is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn run(args: SearchArgs, cfg: &Resolved) -> Result<ExitCode> {
    // A bad filter fails before anything connects.
    let filter = JqFilter::new(&args.filter)?;
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || search(&args, &filter, &cfg))
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
struct Tally {
    started: Instant,
    scanned: u64,
    matched: u64,
}

impl Tally {
    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = (secs > 0.0).then(|| self.scanned as f64 / secs);
        format!(
            "scanned {} records in {} ({} records/s), {} matched",
            present::count_u(self.scanned),
            present::secs(secs),
            present::rate(rate),
            present::count_u(self.matched)
        )
    }
}

fn search(args: &SearchArgs, filter: &JqFilter, cfg: &Resolved) -> Result<ExitCode> {
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
    let reader = sampler::open(cfg, &args.topic, args.partition, &start)?;
    // Per partition: (next offset, end offset taken now).
    let mut left: HashMap<i32, (i64, i64)> = reader
        .starts
        .iter()
        .map(|s| (s.partition, (s.start, s.end)))
        .collect();
    if let Some(ms) = until {
        // The first offset after `--until` ends each partition (offsets-for-times).
        let after = sampler::open(cfg, &args.topic, args.partition, &StartAt::since(ms + 1))?;
        for s in after.starts {
            if let Some(e) = left.get_mut(&s.partition) {
                e.1 = e.1.min(s.start);
            }
        }
    }
    left.retain(|_, (next, end)| next < end);

    let mut file = args.out.as_deref().map(OutFile::create).transpose()?;
    let tty = std::io::stderr().is_terminal();
    let mut tally = Tally {
        started: Instant::now(),
        scanned: 0,
        matched: 0,
    };
    let (mut last_record, mut last_progress) = (Instant::now(), Instant::now());
    let limit = args.limit.unwrap_or(u64::MAX);
    while !left.is_empty() && tally.matched < limit {
        if tty && last_progress.elapsed() >= PROGRESS_EVERY {
            eprint!("\r\x1b[2K{}", tally.line());
            last_progress = Instant::now();
        }
        let msg = match reader.consumer.poll(Duration::from_millis(200)) {
            None => {
                if last_record.elapsed() > IDLE_LIMIT {
                    bail!(
                        "no records received for {IDLE_LIMIT:?} before reaching the end of {}",
                        args.topic
                    );
                }
                continue;
            }
            Some(Err(e)) => {
                note(format_args!("kaftop: warning: {e}"));
                continue;
            }
            Some(Ok(m)) => m,
        };
        last_record = Instant::now();
        let Some(&(_, end)) = left.get(&msg.partition()) else {
            continue;
        };
        if msg.offset() >= end {
            left.remove(&msg.partition());
            continue;
        }
        if msg.offset() + 1 >= end {
            left.remove(&msg.partition());
        }
        tally.scanned += 1;
        let decoded = DecodedRecord::of(&msg, decoder.as_deref());
        let scope = export::scope(&msg, &decoded);
        if !filter.matches(&scope) {
            continue;
        }
        tally.matched += 1;
        if let Some(f) = file.as_mut() {
            f.write(&export::export_line(&msg, &decoded))?;
        } else if args.json && !args.count {
            outln(&scope)?;
        } else if !args.count {
            out(super::tail::render_record(&RecordView::from_message_with(
                &msg,
                args.max_value_bytes,
                decoder.as_deref(),
            )))?;
        }
    }
    if tty {
        eprint!("\r\x1b[2K");
    }
    note(format_args!("kaftop: {}", tally.line()));
    if let Some(f) = file {
        f.finish()?;
    }
    if args.count {
        outln(tally.matched)?;
    }
    Ok(ExitCode::SUCCESS)
}

//! `kaftop tail TOPIC`: print records. Assigns partitions directly: it never joins
//! a consumer group and never commits offsets, so it cannot disturb consumers.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::out::{note, out, outln};

use crate::cli::TailArgs;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::record::{self, Encoding, RecordView, SchemaNote};
use kaftop_core::kafka::sampler::{self, StartAt};
use kaftop_core::present;
use rdkafka::Message as _;

/// Records shown when neither `-n` nor `--follow` is given.
const DEFAULT_COUNT: u64 = 10;
/// Give up when a bounded tail receives nothing for this long.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

pub(super) async fn run(args: TailArgs, cfg: &Resolved) -> Result<ExitCode> {
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || tail(args, &cfg))
        .await
        .context("tail aborted")?
}

/// Where to start reading, from the flags.
fn start_at(args: &TailArgs, since_ms: Option<i64>, count: u64) -> StartAt {
    if let Some(ms) = since_ms {
        StartAt::since(ms)
    } else if args.from_beginning {
        StartAt::Beginning
    } else if let Some(o) = args.offset {
        StartAt::Offset(o)
    } else if args.follow && args.count.is_none() {
        StartAt::End
    } else {
        StartAt::LastN(count)
    }
}

/// The start offset in a partition with these watermarks (`None`: by timestamp).
#[cfg(test)]
fn start_offset(
    args: &TailArgs,
    low: i64,
    high: i64,
    since_ms: Option<i64>,
    count: u64,
) -> Option<i64> {
    start_at(args, since_ms, count).resolve(low, high)
}

/// `--since`: a duration back from now (`10m`) or a timestamp.
pub(super) fn parse_since(s: &str, now_ms: i64) -> Result<i64> {
    match sampler::parse_since(s, now_ms) {
        Some(ms) => Ok(ms),
        None => bail!(
            "--since `{s}` is neither a duration (10m) nor a timestamp (2026-11-24T10:15:30Z)"
        ),
    }
}

fn tail(args: TailArgs, cfg: &Resolved) -> Result<ExitCode> {
    let count = args
        .count
        .unwrap_or(if args.follow { u64::MAX } else { DEFAULT_COUNT });
    let since_ms = args
        .since
        .as_deref()
        .map(|s| parse_since(s, chrono::Utc::now().timestamp_millis()))
        .transpose()?;
    let decoder = crate::registry::decoder(cfg)?;
    let reader = sampler::open(
        cfg,
        &args.topic,
        args.partition,
        &start_at(&args, since_ms, count),
    )?;
    let consumer = reader.consumer;
    // Per partition: next offset to read and the end captured at start.
    let mut progress: Vec<(i32, i64, i64)> = reader
        .starts
        .iter()
        .map(|s| (s.partition, s.start, s.end))
        .collect();

    let mut file = args
        .out
        .as_deref()
        .map(super::export::OutFile::create)
        .transpose()?;
    let done = |progress: &[(i32, i64, i64)]| progress.iter().all(|&(_, next, end)| next >= end);
    let mut printed = 0u64;
    let mut last_record = Instant::now();
    while printed < count && (args.follow || !done(&progress)) {
        let Some(result) = consumer.poll(Duration::from_millis(200)) else {
            if !args.follow && last_record.elapsed() > IDLE_LIMIT {
                bail!(
                    "no records received for {IDLE_LIMIT:?} before reaching the end of {}",
                    args.topic
                );
            }
            continue;
        };
        let msg = match result {
            Ok(m) => m,
            Err(e) => {
                note(format_args!("kaftop: warning: {e}"));
                continue;
            }
        };
        last_record = Instant::now();
        if let Some(entry) = progress.iter_mut().find(|e| e.0 == msg.partition()) {
            entry.1 = msg.offset() + 1;
        }
        if let Some(f) = file.as_mut() {
            let d = crate::search::DecodedRecord::of(&msg, decoder.as_deref());
            f.write(&super::export::export_line(&msg, &d))?;
        } else if args.json {
            outln(record::json_form_with(
                &msg,
                args.max_value_bytes,
                decoder.as_deref(),
            ))?;
        } else {
            out(render_record(&RecordView::from_message_with(
                &msg,
                args.max_value_bytes,
                decoder.as_deref(),
            )))?;
        }
        printed += 1;
    }
    if let Some(f) = file {
        f.finish()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A record for people: a header line, headers, then the value.
pub(super) fn render_record(v: &RecordView) -> String {
    let mut s = format!(
        "{} [{}] @{}  {}  key: {}\n",
        v.topic,
        v.partition,
        v.offset,
        v.timestamp_text(),
        v.key.text
    );
    if !v.headers.is_empty() {
        let hs: Vec<String> = v
            .headers
            .iter()
            .map(|(k, h)| format!("{k}={}", h.text))
            .collect();
        s.push_str(&format!("headers: {}\n", hs.join(", ")));
    }
    for (what, r) in [("key", &v.key), ("value", &v.value)] {
        match r.schema.as_deref() {
            Some(SchemaNote {
                schema: Some(info), ..
            }) => s.push_str(&format!("{what} schema: {}\n", info.describe())),
            Some(SchemaNote {
                error: Some(reason),
                ..
            }) => s.push_str(&format!(
                "{what} not decoded: {}\n",
                present::text::visible_lines(reason)
            )),
            _ => {}
        }
    }
    if v.value.encoding == Encoding::Binary {
        s.push_str(&format!("(binary, {})\n", present::bytes(v.value.size)));
    }
    s.push_str(&v.value.text);
    s.push('\n');
    if v.value.truncated {
        s.push_str(&format!(
            "… (truncated: {} in all)\n",
            present::bytes(v.value.size)
        ));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> TailArgs {
        let mut argv = vec!["kaftop", "tail", "t"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            Some(crate::cli::Command::Tail(t)) => t,
            _ => unreachable!(),
        }
    }

    #[test]
    fn start_positions() {
        assert_eq!(
            start_offset(&args(&["--from-beginning"]), 5, 100, None, 10),
            Some(5)
        );
        assert_eq!(
            start_offset(&args(&["--offset", "50"]), 5, 100, None, 10),
            Some(50)
        );
        assert_eq!(
            start_offset(&args(&["--offset", "500"]), 5, 100, None, 10),
            Some(100)
        );
        assert_eq!(
            start_offset(&args(&["--offset", "-3"]), 5, 100, None, 10),
            Some(97)
        );
        assert_eq!(
            start_offset(&args(&["--offset", "-300"]), 5, 100, None, 10),
            Some(5)
        );
        assert_eq!(start_offset(&args(&[]), 5, 100, None, 10), Some(90));
        assert_eq!(
            start_offset(&args(&["-f"]), 5, 100, None, u64::MAX),
            Some(100)
        );
        assert_eq!(
            start_offset(&args(&["--since", "1m"]), 5, 100, Some(1), 10),
            None
        );
    }

    #[test]
    fn since_forms() {
        let now = 1_000_000_000;
        assert_eq!(parse_since("10m", now).unwrap(), now - 600_000);
        assert_eq!(parse_since("1970-01-01T00:00:01Z", now).unwrap(), 1000);
        assert!(parse_since("yesterday", now).is_err());
    }

    #[test]
    fn conflicting_start_flags_are_rejected() {
        let r = crate::cli::Cli::try_parse_from([
            "kaftop",
            "tail",
            "t",
            "--from-beginning",
            "--offset",
            "3",
        ]);
        assert!(r.is_err());
    }
}

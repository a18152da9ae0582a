//! `kaftop tail TOPIC`: print records. Assigns partitions directly: it never joins
//! a consumer group and never commits offsets, so it cannot disturb consumers.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::cli::TailArgs;
use crate::config::Resolved;
use crate::events::EventTime;
use crate::kafka::client::{base_config, require_topics, METADATA_TIMEOUT};
use crate::kafka::record::{Encoding, RecordView};

/// Records shown when neither `-n` nor `--follow` is given.
const DEFAULT_COUNT: u64 = 10;
/// Give up when a bounded tail receives nothing for this long.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

pub async fn run(args: TailArgs, cfg: &Resolved) -> Result<ExitCode> {
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || tail(args, &cfg))
        .await
        .context("tail aborted")?
}

/// Where to start reading, resolved per partition.
fn start_offset(
    args: &TailArgs,
    low: i64,
    high: i64,
    since_ms: Option<i64>,
    count: u64,
) -> Option<i64> {
    if since_ms.is_some() {
        return None; // looked up by timestamp
    }
    Some(if args.from_beginning {
        low
    } else if let Some(o) = args.offset {
        if o >= 0 {
            o.clamp(low, high)
        } else {
            (high + o).max(low)
        }
    } else if args.follow && args.count.is_none() {
        high
    } else {
        (high - count as i64).max(low)
    })
}

/// `--since`: a duration back from now (`10m`) or a timestamp.
pub fn parse_since(s: &str, now_ms: i64) -> Result<i64> {
    if let Ok(d) = humantime::parse_duration(s) {
        return Ok(now_ms - d.as_millis() as i64);
    }
    match EventTime::parse(s) {
        Ok(t) => Ok(t.0.and_utc().timestamp_millis()),
        Err(_) => bail!(
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
    let mut config = base_config(cfg);
    // librdkafka needs a group id even to assign partitions; with assign() the
    // consumer never joins that group, and with auto-commit off it never commits.
    config
        .set("group.id", format!("kaftop-tail-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("fetch.message.max.bytes", "10485760");
    let consumer: BaseConsumer = config.create().context("creating consumer")?;
    require_topics(consumer.client(), &cfg.bootstrap_servers, &[&args.topic])?;
    let md = consumer.fetch_metadata(Some(&args.topic), METADATA_TIMEOUT)?;
    let mut partitions: Vec<i32> = md
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    partitions.sort_unstable();
    if let Some(p) = args.partition {
        if !partitions.contains(&p) {
            bail!(
                "topic `{}` has no partition {p} (it has {} partitions: 0..{})",
                args.topic,
                partitions.len(),
                partitions.len().saturating_sub(1)
            );
        }
        partitions = vec![p];
    }

    // Per partition: next offset to read and the end captured at start.
    let mut progress: Vec<(i32, i64, i64)> = Vec::new();
    let mut tpl = TopicPartitionList::new();
    for &p in &partitions {
        let (low, high) = consumer.fetch_watermarks(&args.topic, p, METADATA_TIMEOUT)?;
        let start = match start_offset(&args, low, high, since_ms, count) {
            Some(s) => s,
            None => {
                let mut q = TopicPartitionList::new();
                q.add_partition_offset(&args.topic, p, Offset::Offset(since_ms.unwrap_or(0)))?;
                let found = consumer.offsets_for_times(q, METADATA_TIMEOUT)?;
                match found.find_partition(&args.topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) if o >= 0 => o,
                    _ => high, // nothing that new
                }
            }
        };
        tpl.add_partition_offset(&args.topic, p, Offset::Offset(start))?;
        progress.push((p, start, high));
    }
    consumer.assign(&tpl)?;

    let done = |progress: &[(i32, i64, i64)]| progress.iter().all(|&(_, next, end)| next >= end);
    let mut printed = 0u64;
    let mut last_record = Instant::now();
    let stdout = std::io::stdout();
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
                eprintln!("kaftop: warning: {e}");
                continue;
            }
        };
        last_record = Instant::now();
        let view = RecordView::from_message(&msg, args.max_value_bytes);
        if let Some(entry) = progress.iter_mut().find(|e| e.0 == view.partition) {
            entry.1 = view.offset + 1;
        }
        let mut out = stdout.lock();
        if args.json {
            writeln!(out, "{}", view.to_json())?;
        } else {
            write!(out, "{}", render_record(&view))?;
        }
        out.flush()?;
        printed += 1;
    }
    Ok(ExitCode::SUCCESS)
}

/// A record for people: a header line, headers, then the value.
pub fn render_record(v: &RecordView) -> String {
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
    if v.value.encoding == Encoding::Binary {
        s.push_str(&format!("(binary, {} bytes)\n", v.value.size));
    }
    s.push_str(&v.value.text);
    s.push('\n');
    if v.value.truncated {
        s.push_str(&format!("… (truncated: {} bytes in all)\n", v.value.size));
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

//! `kaftop produce-file FILE.jsonl --topic T`: writes records exported with
//! `--out` back, byte for byte (key, value and header bytes from their base64,
//! the timestamp, and with `--keep-partition` the partition). A dry run unless
//! `--execute`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;
use serde::Deserialize;

use super::out::{note, outln};
use crate::cli::ProduceFileArgs;
use kaftop_core::config::Resolved;
use kaftop_core::present;

const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct HeaderLine {
    name: String,
    base64: Option<String>,
}

/// The fields of an exported line that are written back.
#[derive(Deserialize)]
struct Line {
    partition: Option<i32>,
    timestamp: Option<i64>,
    key_base64: Option<String>,
    value_base64: Option<String>,
    #[serde(default)]
    headers: Vec<HeaderLine>,
}

/// One record to write, its bytes decoded.
struct Record {
    partition: Option<i32>,
    timestamp: Option<i64>,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

fn bytes(b64: Option<&str>, what: &str, line: usize) -> Result<Option<Vec<u8>>> {
    b64.map(|s| STANDARD.decode(s))
        .transpose()
        .with_context(|| format!("line {line}: {what} is not base64"))
}

/// Every line of `text`, or the first that is not an exported record.
fn parse(text: &str) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(raw).with_context(|| format!("line {n}"))?;
        let headers = l
            .headers
            .iter()
            .map(|h| Ok((h.name.clone(), bytes(h.base64.as_deref(), "a header", n)?)))
            .collect::<Result<_>>()?;
        records.push(Record {
            partition: l.partition,
            timestamp: l.timestamp,
            key: bytes(l.key_base64.as_deref(), "key_base64", n)?,
            value: bytes(l.value_base64.as_deref(), "value_base64", n)?,
            headers,
        });
    }
    Ok(records)
}

/// Counts deliveries that failed, keeping the first reason.
#[derive(Default)]
struct Deliveries {
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

pub(super) async fn run(args: ProduceFileArgs, cfg: &Resolved) -> Result<ExitCode> {
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || produce(&args, &cfg))
        .await
        .context("produce-file aborted")?
}

fn produce(args: &ProduceFileArgs, cfg: &Resolved) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let records = parse(&text).with_context(|| format!("reading {}", args.file.display()))?;
    let size: usize = records
        .iter()
        .map(|r| r.key.as_ref().map_or(0, Vec::len) + r.value.as_ref().map_or(0, Vec::len))
        .sum();
    let mut config = kaftop_core::kafka::client::base_config(cfg);
    // Order within a partition kept across retries; keys placed as a Java producer
    // places them; never create the target topic.
    config
        .set("enable.idempotence", "true")
        .set("partitioner", "murmur2_random")
        .set("allow.auto.create.topics", "false");
    let producer: BaseProducer<Deliveries> = config
        .create_with_context(Deliveries::default())
        .context("creating the producer")?;
    let md = producer
        .client()
        .fetch_metadata(Some(&args.topic), Duration::from_secs(10))
        .context("reading metadata")?;
    let partitions = md
        .topics()
        .first()
        .filter(|t| t.error().is_none())
        .map_or(0, |t| t.partitions().len());
    if partitions == 0 {
        bail!("topic `{}` does not exist", args.topic);
    }
    if args.keep_partition {
        if let Some(p) = records
            .iter()
            .filter_map(|r| r.partition)
            .find(|&p| usize::try_from(p).map_or(true, |p| p >= partitions))
        {
            bail!(
                "--keep-partition: `{}` has {partitions} partitions, the file has records of partition {p}",
                args.topic
            );
        }
    }
    let placement = if args.keep_partition {
        "in the partitions they came from"
    } else {
        "partitioned by key"
    };
    if !args.execute {
        outln(format_args!(
            "Dry run: {} records ({}) from {} would be written to {} {placement}; add --execute to write them.",
            present::count_u(records.len() as u64),
            present::bytes(size),
            args.file.display(),
            args.topic
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    for (i, r) in records.iter().enumerate() {
        if let Some(rate) = args.rate {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        send(&producer, &args.topic, r, args.keep_partition)?;
    }
    producer
        .flush(FLUSH_TIMEOUT)
        .context("waiting for deliveries")?;
    let failed = producer.context().failed.load(Ordering::Relaxed);
    if failed > 0 {
        let first = producer
            .context()
            .first_error
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_default();
        bail!(
            "{failed} of {} records were not delivered: {first}",
            records.len()
        );
    }
    outln(format_args!(
        "Wrote {} records ({}) to {} {placement} in {}.",
        present::count_u(records.len() as u64),
        present::bytes(size),
        args.topic,
        present::secs(started.elapsed().as_secs_f64())
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Enqueues one record, waiting for room while the queue is full.
fn send(producer: &BaseProducer<Deliveries>, topic: &str, r: &Record, keep: bool) -> Result<()> {
    let mut headers = OwnedHeaders::new_with_capacity(r.headers.len());
    for (name, value) in &r.headers {
        headers = headers.insert(Header {
            key: name,
            value: value.as_deref(),
        });
    }
    let mut rec: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic).headers(headers);
    if let Some(k) = &r.key {
        rec = rec.key(k.as_slice());
    }
    if let Some(v) = &r.value {
        rec = rec.payload(v.as_slice());
    }
    if let Some(ts) = r.timestamp {
        rec = rec.timestamp(ts);
    }
    if let (true, Some(p)) = (keep, r.partition) {
        rec = rec.partition(p);
    }
    loop {
        match producer.send(rec) {
            Ok(()) => return Ok(()),
            Err((
                rdkafka::error::KafkaError::MessageProduction(
                    rdkafka::types::RDKafkaErrorCode::QueueFull,
                ),
                back,
            )) => {
                rec = back;
                producer.poll(Duration::from_millis(100));
            }
            Err((e, _)) => {
                note(format_args!("kaftop: cannot send a record: {e}"));
                return Err(e).context("sending a record");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_lines_give_their_bytes() {
        let text = concat!(
            r#"{"partition":2,"timestamp":5,"key":"k","key_base64":"aw==","value":{"a":1},"value_base64":"AAEC","headers":[{"name":"h","value":"x","base64":"eA=="},{"name":"n","value":null,"base64":null}]}"#,
            "\n\n",
            r#"{"partition":0,"timestamp":null,"key_base64":null,"value_base64":null}"#,
            "\n"
        );
        let rs = parse(text).unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].key.as_deref(), Some(&b"k"[..]));
        assert_eq!(rs[0].value.as_deref(), Some(&[0u8, 1, 2][..]));
        assert_eq!(
            rs[0].headers,
            vec![("h".into(), Some(b"x".to_vec())), ("n".into(), None)]
        );
        assert_eq!((rs[0].partition, rs[0].timestamp), (Some(2), Some(5)));
        assert!(rs[1].key.is_none() && rs[1].value.is_none());
        let e = parse("{\"value_base64\":\"!!\"}").err().unwrap();
        assert!(
            format!("{e:#}").contains("line 1: value_base64 is not base64"),
            "{e:#}"
        );
    }
}

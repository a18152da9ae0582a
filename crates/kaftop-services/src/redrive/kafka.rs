//! The Kafka side of a redrive: reading the DLQ and its group's state, and the
//! transaction that sends a plan and commits the new state.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use super::state::{PartitionState, RedriveState};
use super::{build_plan, redrive_group, DlqRecord, Plan, Selection};
use kaftop_core::config::Resolved;
use kaftop_core::events::DLQ_SUFFIX;
use kaftop_core::kafka::admin::serve_events;
use kaftop_core::kafka::client::{
    base_config, fetch_metadata, partition_ids, require_topics, KafkaError, KaftopContext,
    METADATA_TIMEOUT,
};
use kaftop_core::kafka::publisher::producer_config;
use kaftop_core::kafka::record::header_pairs;

/// How long a transaction step (init, offsets, commit) may take.
const TXN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long reading the DLQ up to its end may take.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("{context}: {source}")]
    Client {
        context: &'static str,
        #[source]
        source: RdError,
    },
    #[error("group {group}, partition {partition}: {reason}")]
    State {
        group: String,
        partition: i32,
        reason: String,
    },
    #[error(
        "reading {topic}: stopped at offset {at} of partition {partition} before its end {end}"
    )]
    ShortRead {
        topic: String,
        partition: i32,
        at: i64,
        end: i64,
    },
    /// Redriving reads the whole topic and sends each record to the topic its
    /// headers name: only a dead-letter topic has such records.
    #[error(
        "`{0}` is not a dead-letter topic (a DLQ's name ends in `{DLQ_SUFFIX}`); \
         its dead letters are in `{0}{DLQ_SUFFIX}`"
    )]
    NotDeadLetter(String),
    #[error("the consumer has no group metadata for {0}")]
    NoGroupMetadata(String),
    #[error("another redrive of {0} committed since this plan was made: plan again")]
    Stale(String),
}

fn client(context: &'static str) -> impl FnOnce(RdError) -> RedriveError {
    move |source| RedriveError::Client { context, source }
}

/// A consumer in the DLQ's redrive group. It never joins the group (partitions
/// are assigned) and never commits by itself; it reads only committed records, and
/// with `read_committed` librdkafka asks for stable offsets (waiting out a pending
/// transactional commit of the group).
fn group_consumer(
    cfg: &Resolved,
    group: &str,
) -> Result<BaseConsumer<KaftopContext>, RedriveError> {
    let mut c = base_config(cfg);
    c.set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.message.max.bytes", "10485760");
    c.create_with_context(KaftopContext::default())
        .map_err(client("creating the DLQ consumer"))
}

/// Each partition's `(low, high)` watermarks.
fn watermarks(
    consumer: &BaseConsumer<KaftopContext>,
    topic: &str,
) -> Result<Vec<(i32, i64, i64)>, RedriveError> {
    let md = consumer
        .fetch_metadata(Some(topic), METADATA_TIMEOUT)
        .map_err(client("reading metadata"))?;
    partition_ids(&md)
        .into_iter()
        .map(|p| {
            let (low, high) = consumer
                .fetch_watermarks(topic, p, METADATA_TIMEOUT)
                .map_err(client("reading watermarks"))?;
            Ok((p, low, high))
        })
        .collect()
}

/// The group's state on every partition of `topic`; a partition without a commit
/// starts at its log start, as does one whose commit fell out of retention.
fn read_state(
    consumer: &BaseConsumer<KaftopContext>,
    group: &str,
    topic: &str,
    marks: &[(i32, i64, i64)],
) -> Result<RedriveState, RedriveError> {
    let mut tpl = TopicPartitionList::new();
    for &(p, _, _) in marks {
        tpl.add_partition(topic, p);
    }
    let committed = consumer
        .committed_offsets(tpl, TXN_TIMEOUT)
        .map_err(client("reading the redrive group's offsets"))?;
    let mut state = RedriveState::new();
    for &(p, low, _) in marks {
        let e = committed.find_partition(topic, p);
        let (offset, metadata) = match &e {
            Some(e) => match e.offset() {
                Offset::Offset(o) => (o, e.metadata().to_string()),
                _ => (low, String::new()),
            },
            None => (low, String::new()),
        };
        let s = PartitionState::parse(offset.max(low), &metadata).map_err(|reason| {
            RedriveError::State {
                group: group.to_string(),
                partition: p,
                reason,
            }
        })?;
        state.insert(p, s);
    }
    Ok(state)
}

/// Every record of each partition up to its high watermark.
fn read_records(
    consumer: &BaseConsumer<KaftopContext>,
    topic: &str,
    marks: &[(i32, i64, i64)],
) -> Result<Vec<DlqRecord>, RedriveError> {
    let mut tpl = TopicPartitionList::new();
    let mut next: HashMap<i32, (i64, i64)> = HashMap::new();
    for &(p, low, high) in marks {
        // The whole log, so that records behind the cursor are still counted (as
        // redriven) or listed (as never redrivable).
        let from = low;
        if from < high {
            tpl.add_partition_offset(topic, p, Offset::Offset(from))
                .map_err(client("assigning partitions"))?;
            next.insert(p, (from, high));
        }
    }
    if next.is_empty() {
        return Ok(Vec::new());
    }
    consumer
        .assign(&tpl)
        .map_err(client("assigning partitions"))?;
    let deadline = Instant::now() + READ_TIMEOUT;
    let mut out = Vec::new();
    while !next.is_empty() {
        let Some(m) = consumer.poll(Duration::from_millis(200)) else {
            // Offsets past the last record (control records, compaction) end a
            // partition too: the position says where the consumer stands.
            if let Ok(pos) = consumer.position() {
                for e in pos.elements_for_topic(topic) {
                    if let (Offset::Offset(o), Some((_, high))) =
                        (e.offset(), next.get(&e.partition()))
                    {
                        if o >= *high {
                            next.remove(&e.partition());
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                if let Some((&partition, &(at, end))) = next.iter().next() {
                    return Err(RedriveError::ShortRead {
                        topic: topic.to_string(),
                        partition,
                        at,
                        end,
                    });
                }
            }
            continue;
        };
        let m = m.map_err(client("reading the DLQ"))?;
        let Some(&(_, high)) = next.get(&m.partition()) else {
            continue;
        };
        if m.offset() >= high {
            next.remove(&m.partition());
            continue;
        }
        let headers = header_pairs(&m);
        out.push(DlqRecord {
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(<[u8]>::to_vec),
            value: m.payload().map(<[u8]>::to_vec),
            headers,
        });
        if m.offset() + 1 >= high {
            next.remove(&m.partition());
        } else {
            next.insert(m.partition(), (m.offset() + 1, high));
        }
    }
    out.sort_by_key(|r| (r.partition, r.offset));
    Ok(out)
}

/// Reads `dlq_topic` from its redrive group's cursors and says what a redrive with
/// `sel` would send and what it cannot. Changes nothing. Blocking.
pub fn plan(cfg: &Resolved, dlq_topic: &str, sel: &Selection) -> Result<Plan, RedriveError> {
    if !dlq_topic.ends_with(DLQ_SUFFIX) {
        return Err(RedriveError::NotDeadLetter(dlq_topic.to_string()));
    }
    let group = redrive_group(dlq_topic);
    let consumer = group_consumer(cfg, &group)?;
    let diagnosis = consumer.context().diagnosis.clone();
    require_topics(consumer.client(), &diagnosis, cfg, &[dlq_topic], &|| {
        serve_events(&consumer)
    })?;
    let marks = watermarks(&consumer, dlq_topic)?;
    let before = read_state(&consumer, &group, dlq_topic, &marks)?;
    let records = read_records(&consumer, dlq_topic, &marks)?;
    let md = fetch_metadata(
        consumer.client(),
        &diagnosis,
        &cfg.bootstrap_servers,
        None,
        &|| serve_events(&consumer),
    )?;
    let counts: HashMap<String, i32> = md
        .topics()
        .iter()
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
        .map(|t| (t.name().to_string(), t.partitions().len() as i32))
        .collect();
    let ends: Vec<(i32, i64)> = marks.iter().map(|&(p, _, h)| (p, h)).collect();
    Ok(build_plan(dlq_topic, before, &ends, &records, sel, &|t| {
        counts.get(t).copied()
    }))
}

/// How far [`execute`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Every record of the plan is acknowledged by the cluster, inside the
    /// transaction that is about to commit.
    Delivered { records: usize },
}

/// Sends `plan`'s records and commits the redrive group's new state in one
/// transaction. Refuses (sending nothing) when another run committed since the plan
/// was made. `progress` hears where the run stands. Blocking.
pub fn execute(
    cfg: &Resolved,
    plan: &Plan,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, RedriveError> {
    if plan.send.is_empty() {
        return Ok(0);
    }
    let mut c = producer_config(cfg);
    c.set("transactional.id", &plan.group);
    let producer: BaseProducer = c
        .create()
        .map_err(client("creating the redrive producer"))?;
    // Fences an earlier producer with this id and aborts its open transaction (a
    // run killed before its commit), so the state read next is settled.
    producer
        .init_transactions(TXN_TIMEOUT)
        .map_err(client("starting the redrive transaction"))?;
    let consumer = group_consumer(cfg, &plan.group)?;
    let marks = watermarks(&consumer, &plan.dlq_topic)?;
    let now = read_state(&consumer, &plan.group, &plan.dlq_topic, &marks)?;
    if now != plan.before {
        return Err(RedriveError::Stale(plan.dlq_topic.clone()));
    }
    producer
        .begin_transaction()
        .map_err(client("starting the redrive transaction"))?;
    let sent = send_all(&producer, plan, &consumer).and_then(|()| {
        progress(Progress::Delivered {
            records: plan.send.len(),
        });
        commit(&producer, &consumer, plan)
    });
    if let Err(e) = sent {
        let _ = producer.abort_transaction(TXN_TIMEOUT);
        return Err(e);
    }
    Ok(plan.send.len())
}

fn send_all(
    producer: &BaseProducer,
    plan: &Plan,
    consumer: &BaseConsumer<KaftopContext>,
) -> Result<(), RedriveError> {
    for r in &plan.send {
        let mut h = OwnedHeaders::new_with_capacity(r.headers.len());
        for (k, v) in &r.headers {
            h = h.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut rec = BaseRecord::<[u8], [u8]>::to(&r.target_topic).headers(h);
        if let Some(p) = r.target_partition {
            rec = rec.partition(p);
        }
        if let Some(k) = &r.key {
            rec = rec.key(k.as_slice());
        }
        if let Some(v) = &r.value {
            rec = rec.payload(v.as_slice());
        }
        loop {
            match producer.send(rec) {
                Ok(()) => break,
                Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    rec = back;
                    producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(client("queueing a redriven record")(e)),
            }
        }
    }
    // Waits for every acknowledgement; a failed delivery fails the commit below.
    producer
        .flush(TXN_TIMEOUT)
        .map_err(client("delivering the redriven records"))?;
    serve_events(consumer);
    Ok(())
}

fn commit(
    producer: &BaseProducer,
    consumer: &BaseConsumer<KaftopContext>,
    plan: &Plan,
) -> Result<(), RedriveError> {
    let mut tpl = TopicPartitionList::new();
    for (&p, s) in &plan.after {
        if plan.before.get(&p) == Some(s) {
            continue;
        }
        let mut e = tpl.add_partition(&plan.dlq_topic, p);
        e.set_offset(Offset::Offset(s.cursor))
            .map_err(client("recording what was redriven"))?;
        e.set_metadata(s.metadata());
    }
    let meta = consumer
        .group_metadata()
        .ok_or_else(|| RedriveError::NoGroupMetadata(plan.group.clone()))?;
    producer
        .send_offsets_to_transaction(&tpl, &meta, TXN_TIMEOUT)
        .map_err(client("recording what was redriven"))?;
    producer
        .commit_transaction(TXN_TIMEOUT)
        .map_err(client("committing the redrive transaction"))
}

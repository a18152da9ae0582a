//! Redriving a dead-letter topic: sending its records back to the topic (and
//! partition) they came from, as the services' DLQ headers say, with their key,
//! value and original headers, plus [`HEADER_REDRIVEN_FROM`].
//!
//! Two steps, so a screen can preview before anything changes: [`plan`] reads the
//! DLQ and says what would go and what cannot (a truncated value, missing source
//! headers, a source topic that is gone); [`execute`] sends a plan.
//!
//! # Exactly once
//!
//! What was redriven is remembered by the consumer group
//! `kaftop-redrive.<dlq topic>` ([`redrive_group`]; see [`state`]). A run sends its
//! records with a transactional producer (`transactional.id` = the group's name)
//! and commits the group's new state inside the same transaction
//! (`send_offsets_to_transaction`), so the records and the memory that they were
//! sent become visible together or not at all. A run killed before its commit
//! leaves an open transaction that the next run's `init_transactions` aborts (or
//! the broker's transaction timeout does): its records are never seen by
//! `read_committed` consumers (librdkafka's default, and kaftop's services), and the
//! next run sends them again. Consumers reading `read_uncommitted` (the Java
//! client's default) may see the aborted copies too.

mod kafka;
pub mod state;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

pub use kafka::{execute, plan, Progress, RedriveError};
use kaftop_core::kafka::record::{render, render_decoded, Rendered};
use kaftop_core::schema::{Decoded, Decoder};
use state::{PartitionState, RedriveState};

use crate::{
    HEADER_ERROR, HEADER_SERVICE, HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC, HEADER_TRUNCATED_FROM,
};

/// Header on a redriven record: `<dlq topic>/<partition>/<offset>` it came from.
/// A record redriven more than once carries one per trip.
pub const HEADER_REDRIVEN_FROM: &str = "kaftop.redriven-from";

/// The headers the DLQ producer adds, which a redriven record does not carry back.
const DLQ_HEADERS: [&str; 6] = [
    HEADER_ERROR,
    HEADER_SERVICE,
    HEADER_SOURCE_TOPIC,
    HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_OFFSET,
    HEADER_TRUNCATED_FROM,
];

/// Bytes of a value a preview shows (a decoded value: characters of its JSON).
const SHOWN_VALUE: usize = 4096;

/// The consumer group that remembers what was redriven from `dlq_topic`.
pub fn redrive_group(dlq_topic: &str) -> String {
    format!("kaftop-redrive.{dlq_topic}")
}

/// Which records to redrive.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only records whose key, value or error contains this (ignoring case). With
    /// a [`Selection::decoder`], a schema-encoded key or value also matches by its
    /// decoded JSON's compact text (`"customerId":4711`).
    pub filter: Option<String>,
    /// Decodes keys and values with their source topic's schema for `filter`.
    pub decoder: Option<Arc<Decoder>>,
    /// Only records a service with this id dead-lettered (`kaftop.service`).
    pub service: Option<String>,
    /// At most this many records are sent.
    pub limit: Option<usize>,
    /// Only the DLQ record at this (partition, offset).
    pub record: Option<(i32, i64)>,
}

/// A record read from the DLQ.
#[derive(Debug, Clone)]
pub(crate) struct DlqRecord {
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) headers: Vec<(String, Option<Vec<u8>>)>,
}

impl DlqRecord {
    fn header(&self, name: &str) -> Option<String> {
        // The DLQ producer appends its headers after the original ones: the last wins.
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| String::from_utf8_lossy(v.as_deref().unwrap_or_default()).into_owned())
    }

    fn text(bytes: &Option<Vec<u8>>) -> Option<String> {
        bytes
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// Where a dead-lettered record came from, and who gave up on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub dlq_partition: i32,
    pub dlq_offset: i64,
    pub source_topic: Option<String>,
    pub source_partition: Option<i32>,
    pub source_offset: Option<i64>,
    pub service: Option<String>,
    pub error: Option<String>,
    /// The key as text (lossy UTF-8).
    pub key: Option<String>,
}

/// Why a record cannot be redriven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NotRedrivable {
    /// Its value was cut on the way into the DLQ: only the head is there.
    Truncated { original_bytes: String },
    /// A `kaftop.source.*` header is missing or not a number.
    NoSource { header: &'static str },
    /// The source topic does not exist (any more).
    SourceTopicMissing,
}

impl std::fmt::Display for NotRedrivable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRedrivable::Truncated { original_bytes } => {
                write!(f, "value truncated (originally {original_bytes} bytes)")
            }
            NotRedrivable::NoSource { header } => write!(f, "no valid {header} header"),
            NotRedrivable::SourceTopicMissing => write!(f, "source topic does not exist"),
        }
    }
}

impl NotRedrivable {
    /// Truncation and missing headers never change; a topic can come back.
    fn is_permanent(&self) -> bool {
        !matches!(self, NotRedrivable::SourceTopicMissing)
    }
}

/// A record the plan sends.
#[derive(Debug, Clone, Serialize)]
pub struct Redrive {
    #[serde(flatten)]
    pub origin: Origin,
    pub target_topic: String,
    /// The source partition when the topic still has it; else the key decides.
    pub target_partition: Option<i32>,
    #[serde(skip)]
    pub(crate) key: Option<Vec<u8>>,
    #[serde(skip)]
    pub(crate) value: Option<Vec<u8>>,
    /// The original headers followed by [`HEADER_REDRIVEN_FROM`].
    #[serde(skip)]
    pub(crate) headers: Vec<(String, Option<Vec<u8>>)>,
    /// The value as a preview shows it, decoded after [`Plan::decode_values`].
    /// For display only: what is sent is the bytes as they were.
    #[serde(rename = "value")]
    pub shown_value: Rendered,
}

/// A record left in the DLQ, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unredrivable {
    #[serde(flatten)]
    pub origin: Origin,
    pub reason: NotRedrivable,
}

/// What a redrive would do.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub dlq_topic: String,
    pub group: String,
    pub send: Vec<Redrive>,
    pub not_redrivable: Vec<Unredrivable>,
    /// Records redriven by an earlier run.
    pub already_redriven: usize,
    /// Redrivable records `--filter` / `--service` leave out.
    pub filtered_out: usize,
    /// Redrivable selected records beyond `--limit`.
    pub over_limit: usize,
    /// The group's state the plan was made from, and the one it commits.
    #[serde(skip)]
    pub(crate) before: RedriveState,
    #[serde(skip)]
    pub(crate) after: RedriveState,
}

impl Plan {
    /// Shows the values to send decoded with `decoder`, each with its source
    /// topic's schema (the DLQ has none of its own); the bytes sent are untouched.
    pub fn decode_values(&mut self, decoder: &Decoder) {
        for r in &mut self.send {
            let decoded = decoder.decode(&r.target_topic, r.value.as_deref(), false);
            r.shown_value = render_decoded(r.value.as_deref(), SHOWN_VALUE, decoded);
        }
    }
}

/// A record's origin, or why it cannot go back.
fn classify(r: &DlqRecord) -> (Origin, Result<(String, i32), NotRedrivable>) {
    let topic = r.header(HEADER_SOURCE_TOPIC).filter(|t| !t.is_empty());
    let partition = r
        .header(HEADER_SOURCE_PARTITION)
        .and_then(|p| p.parse::<i32>().ok());
    let offset = r
        .header(HEADER_SOURCE_OFFSET)
        .and_then(|o| o.parse::<i64>().ok());
    let origin = Origin {
        dlq_partition: r.partition,
        dlq_offset: r.offset,
        source_topic: topic.clone(),
        source_partition: partition,
        source_offset: offset,
        service: r.header(HEADER_SERVICE),
        error: r.header(HEADER_ERROR),
        key: DlqRecord::text(&r.key),
    };
    let verdict = if let Some(original_bytes) = r.header(HEADER_TRUNCATED_FROM) {
        Err(NotRedrivable::Truncated { original_bytes })
    } else {
        match (topic, partition, offset) {
            (None, _, _) => Err(NotRedrivable::NoSource {
                header: HEADER_SOURCE_TOPIC,
            }),
            (_, None, _) => Err(NotRedrivable::NoSource {
                header: HEADER_SOURCE_PARTITION,
            }),
            (_, _, None) => Err(NotRedrivable::NoSource {
                header: HEADER_SOURCE_OFFSET,
            }),
            (Some(t), Some(p), Some(_)) => Ok((t, p)),
        }
    };
    (origin, verdict)
}

fn selected(sel: &Selection, r: &DlqRecord, origin: &Origin) -> bool {
    if sel.record.is_some_and(|at| at != (r.partition, r.offset)) {
        return false;
    }
    if let Some(s) = &sel.service {
        if origin.service.as_deref() != Some(s.as_str()) {
            return false;
        }
    }
    let Some(needle) = &sel.filter else {
        return true;
    };
    let needle = needle.to_lowercase();
    let matches = |t: &str| t.to_lowercase().contains(&needle);
    if [&origin.key, &DlqRecord::text(&r.value), &origin.error]
        .into_iter()
        .flatten()
        .any(|t| matches(t))
    {
        return true;
    }
    // The bytes did not match: their decoded JSON may (the source topic's schema).
    let (Some(decoder), Some(topic)) = (&sel.decoder, &origin.source_topic) else {
        return false;
    };
    [(&r.value, false), (&r.key, true)]
        .into_iter()
        .any(
            |(bytes, is_key)| match decoder.decode(topic, bytes.as_deref(), is_key) {
                Decoded::Value { json, .. } => matches(&json.to_string()),
                Decoded::Plain | Decoded::Failed(_) => false,
            },
        )
}

/// The plan over the records read from each partition's start to `ends` (high
/// watermarks), in offset order per partition. `partitions_of` gives a source
/// topic's partition count, `None` when it does not exist.
pub(crate) fn build_plan(
    dlq_topic: &str,
    before: RedriveState,
    ends: &[(i32, i64)],
    records: &[DlqRecord],
    sel: &Selection,
    partitions_of: &dyn Fn(&str) -> Option<i32>,
) -> Plan {
    let mut plan = Plan {
        dlq_topic: dlq_topic.to_string(),
        group: redrive_group(dlq_topic),
        send: Vec::new(),
        not_redrivable: Vec::new(),
        already_redriven: 0,
        filtered_out: 0,
        over_limit: 0,
        before: before.clone(),
        after: RedriveState::new(),
    };
    let mut scanned: std::collections::BTreeMap<i32, Vec<(i64, bool)>> = Default::default();
    let mut sent: std::collections::BTreeMap<i32, BTreeSet<i64>> = Default::default();
    let empty = PartitionState::default();
    for r in records {
        let state = before.get(&r.partition).unwrap_or(&empty);
        let done = |scanned: &mut std::collections::BTreeMap<i32, Vec<(i64, bool)>>, d| {
            if r.offset >= state.cursor {
                scanned.entry(r.partition).or_default().push((r.offset, d));
            }
        };
        let (origin, verdict) = classify(r);
        // Below the cursor a record is either redriven or never redrivable: which,
        // its headers say again.
        let never = verdict.as_ref().is_err_and(NotRedrivable::is_permanent);
        if state.is_redriven(r.offset) && !(r.offset < state.cursor && never) {
            plan.already_redriven += 1;
            done(&mut scanned, true);
            continue;
        }
        let verdict = verdict.and_then(|(t, p)| match partitions_of(&t) {
            Some(n) => Ok((t, (p < n).then_some(p))),
            None => Err(NotRedrivable::SourceTopicMissing),
        });
        if !selected(sel, r, &origin) {
            // A permanent verdict frees the cursor whatever the selection.
            let permanent = verdict.as_ref().is_err_and(NotRedrivable::is_permanent);
            if verdict.is_ok() {
                plan.filtered_out += 1;
            }
            done(&mut scanned, permanent);
            continue;
        }
        match verdict {
            Err(reason) => {
                done(&mut scanned, reason.is_permanent());
                plan.not_redrivable.push(Unredrivable { origin, reason });
            }
            Ok(_) if sel.limit.is_some_and(|l| plan.send.len() >= l) => {
                plan.over_limit += 1;
                done(&mut scanned, false);
            }
            Ok((target_topic, target_partition)) => {
                done(&mut scanned, true);
                sent.entry(r.partition).or_default().insert(r.offset);
                plan.send.push(redrive(
                    dlq_topic,
                    r,
                    origin,
                    target_topic,
                    target_partition,
                ));
            }
        }
    }
    for &(p, end) in ends {
        let b = before.get(&p).cloned().unwrap_or_default();
        let s = sent.remove(&p).unwrap_or_default();
        let list = scanned.remove(&p).unwrap_or_default();
        plan.after.insert(p, state::advance(&b, &list, &s, end));
    }
    plan
}

fn redrive(
    dlq_topic: &str,
    r: &DlqRecord,
    origin: Origin,
    target_topic: String,
    target_partition: Option<i32>,
) -> Redrive {
    let mut headers: Vec<(String, Option<Vec<u8>>)> = r
        .headers
        .iter()
        .filter(|(k, _)| !DLQ_HEADERS.contains(&k.as_str()))
        .cloned()
        .collect();
    let from = format!("{dlq_topic}/{}/{}", r.partition, r.offset);
    headers.push((HEADER_REDRIVEN_FROM.to_string(), Some(from.into_bytes())));
    Redrive {
        origin,
        target_topic,
        target_partition,
        key: r.key.clone(),
        shown_value: render(r.value.as_deref(), SHOWN_VALUE),
        value: r.value.clone(),
        headers,
    }
}

#[cfg(test)]
mod tests;

//! Reading single records by position, without a group: the record at a
//! partition's committed offset, the likely culprit when the partition is stuck.
//! The tail's reader ([`super::sampler::open`]) does the assigning.

use std::time::{Duration, Instant};

use super::record::RecordView;
use super::sampler::{self, SamplerError, StartAt};
use crate::config::Resolved;
use crate::schema::Decoder;

/// How long one record may take to arrive.
pub const PEEK_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes of a value kept (the report cuts it shorter still).
const MAX_VALUE: usize = 4096;

/// The record at `offset` of `topic`-`partition`; `None` when there is none
/// there (deleted, compacted away, a transaction marker) or it did not arrive
/// within [`PEEK_TIMEOUT`]. Its key and value are decoded with `decoder` where
/// it knows their schema. Blocking.
pub fn record_at(
    cfg: &Resolved,
    topic: &str,
    partition: i32,
    offset: i64,
    decoder: Option<&Decoder>,
) -> Result<Option<RecordView>, SamplerError> {
    let reader = sampler::open(cfg, topic, Some(partition), &StartAt::Offset(offset))?;
    // Started elsewhere (clamped to the log): the record is not there.
    if reader
        .starts
        .iter()
        .any(|s| s.start != offset || s.end <= offset)
    {
        return Ok(None);
    }
    let deadline = Instant::now() + PEEK_TIMEOUT;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match reader.consumer.poll(left.min(Duration::from_millis(250))) {
            Some(Ok(m)) => {
                let r = RecordView::from_message_with(&m, MAX_VALUE, decoder);
                return Ok((r.offset == offset).then_some(r));
            }
            Some(Err(_)) | None => continue,
        }
    }
    Ok(None)
}

/// The records at these (topic, partition, offset) positions that could be read.
/// Failures are skipped: the report says the record was not read.
pub fn records_at(
    cfg: &Resolved,
    wanted: &[(String, i32, i64)],
    decoder: Option<&Decoder>,
) -> Vec<RecordView> {
    wanted
        .iter()
        .filter_map(|(t, p, o)| record_at(cfg, t, *p, *o, decoder).ok().flatten())
        .collect()
}

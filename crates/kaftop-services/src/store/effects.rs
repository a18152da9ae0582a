//! Each service's rows, on either database. Every write is keyed by the effect's
//! natural key and inserted with `ON CONFLICT DO NOTHING`, and a counter moves only
//! when its row is new: applying an event twice, from any instance, in any order,
//! leaves the store as applying it once.

use std::collections::HashSet;

use super::db::{DbError, Row, Tx, Val};
use crate::analytics::DailyStats;
use crate::archive::ArchivedMessage;
use crate::notification::PushNotification;
use crate::read_receipt::{PendingReceipt, ReadReceipt};
use crate::RawRecord;
use kaftop_core::events::{EventTime, MessageCreatedEvent, MessageReadEvent};

fn time(v: &Val) -> Result<EventTime, DbError> {
    let s = v.text()?;
    EventTime::parse(&s).map_err(|e| DbError::Decode(format!("{s:?}: {e}")))
}

// --- notification -------------------------------------------------------------------

/// Writes a push to the outbox; false when this message has one already.
pub(super) fn insert_outbox(tx: &mut Tx<'_>, n: &PushNotification) -> Result<bool, DbError> {
    let data = serde_json::to_string(&n.data).unwrap_or_default();
    let added = tx.exec(
        "INSERT INTO notification_outbox
             (user_id, title, body, type, data, message_id, vip, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (message_id) DO NOTHING",
        &[
            n.user_id.into(),
            n.title.as_str().into(),
            n.body.as_str().into(),
            n.kind.as_str().into(),
            data.into(),
            n.data.message_id.into(),
            n.vip.into(),
            n.created_at.timestamp_millis().into(),
        ],
    )?;
    Ok(added == 1)
}

// --- analytics ----------------------------------------------------------------------

/// Adds `column` of a day's stats by one.
fn bump_day(tx: &mut Tx<'_>, column: &str, date: &str) -> Result<(), DbError> {
    tx.exec(
        &format!(
            "INSERT INTO daily_stats (date, {column}) VALUES ($1, 1)
             ON CONFLICT (date) DO UPDATE SET {column} = daily_stats.{column} + 1"
        ),
        &[date.into()],
    )?;
    Ok(())
}

/// Counts a created message on its day, once per messageId, and its sender once
/// per day.
pub(super) fn apply_created(
    tx: &mut Tx<'_>,
    e: &MessageCreatedEvent,
    now_ms: i64,
) -> Result<(), DbError> {
    let date = e.created_at.date().to_string();
    let new = tx.exec(
        "INSERT INTO daily_created (date, message_id, stored_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (date, message_id) DO NOTHING",
        &[date.as_str().into(), e.message_id.into(), now_ms.into()],
    )?;
    if new == 0 {
        return Ok(());
    }
    bump_day(tx, "messages_created", &date)?;
    let new_sender = tx.exec(
        "INSERT INTO daily_senders (date, sender_id, stored_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (date, sender_id) DO NOTHING",
        &[date.as_str().into(), e.sender_id.into(), now_ms.into()],
    )?;
    if new_sender == 1 {
        bump_day(tx, "distinct_senders", &date)?;
    }
    Ok(())
}

/// Counts a read on its day, once per messageId.
pub(super) fn apply_read(
    tx: &mut Tx<'_>,
    e: &MessageReadEvent,
    now_ms: i64,
) -> Result<(), DbError> {
    let date = e.read_at.date().to_string();
    let new = tx.exec(
        "INSERT INTO daily_reads (date, message_id, stored_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (date, message_id) DO NOTHING",
        &[date.as_str().into(), e.message_id.into(), now_ms.into()],
    )?;
    if new == 1 {
        bump_day(tx, "messages_read", &date)?;
    }
    Ok(())
}

fn day_row(r: &Row) -> Result<DailyStats, DbError> {
    Ok(DailyStats {
        date: r[0].text()?,
        messages: r[1].int()? as u64,
        distinct_senders: r[2].int()? as u64,
        reads: r[3].int()? as u64,
    })
}

pub(super) fn all_days(tx: &mut Tx<'_>) -> Result<Vec<DailyStats>, DbError> {
    tx.rows(
        "SELECT date, messages_created, distinct_senders, messages_read
         FROM daily_stats ORDER BY date",
        &[],
    )?
    .iter()
    .map(day_row)
    .collect()
}

/// One day (zeros when nothing happened that day).
pub(super) fn day(tx: &mut Tx<'_>, date: &str) -> Result<DailyStats, DbError> {
    match tx.row(
        "SELECT date, messages_created, distinct_senders, messages_read
         FROM daily_stats WHERE date = $1",
        &[date.into()],
    )? {
        Some(r) => day_row(&r),
        None => Ok(DailyStats {
            date: date.to_string(),
            ..DailyStats::default()
        }),
    }
}

// --- read receipts ------------------------------------------------------------------

pub(super) fn index(tx: &mut Tx<'_>, e: &MessageCreatedEvent, now_ms: i64) -> Result<(), DbError> {
    tx.exec(
        "INSERT INTO message_index
             (message_id, sender_id, receiver_id, content, created_at, indexed_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (message_id) DO NOTHING",
        &[
            e.message_id.into(),
            e.sender_id.into(),
            e.receiver_id.into(),
            e.content.as_str().into(),
            e.created_at.to_string().into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
}

/// The sender of an indexed message.
pub(super) fn sender_of(tx: &mut Tx<'_>, message_id: i64) -> Result<Option<i64>, DbError> {
    tx.row(
        "SELECT sender_id FROM message_index WHERE message_id = $1",
        &[message_id.into()],
    )?
    .map(|r| r[0].int())
    .transpose()
}

/// Whether a receipt for this message was delivered already.
pub(super) fn has_receipt(tx: &mut Tx<'_>, message_id: i64) -> Result<bool, DbError> {
    Ok(tx
        .row(
            "SELECT 1 FROM read_receipts WHERE message_id = $1",
            &[message_id.into()],
        )?
        .is_some())
}

/// Logs a delivered receipt. Returns false when one for this message was already logged.
pub(super) fn insert_receipt(
    tx: &mut Tx<'_>,
    r: &ReadReceipt,
    now_ms: i64,
) -> Result<bool, DbError> {
    let n = tx.exec(
        "INSERT INTO read_receipts
             (message_id, sender_id, receiver_id, read_at, vip, delivered_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (message_id) DO NOTHING",
        &[
            r.message_id.into(),
            r.sender_id.into(),
            r.receiver_id.into(),
            r.read_at.to_string().into(),
            r.vip.into(),
            now_ms.into(),
        ],
    )?;
    Ok(n == 1)
}

pub(super) fn park(
    tx: &mut Tx<'_>,
    e: &MessageReadEvent,
    vip: bool,
    raw: &RawRecord,
    now_ms: i64,
) -> Result<(), DbError> {
    let headers = serde_json::to_string(&raw.headers).unwrap_or_else(|_| "[]".into());
    tx.exec(
        "INSERT INTO pending_receipts
             (source_topic, source_partition, source_offset, message_id, receiver_id, read_at,
              vip, record_key, record_value, record_headers, first_seen_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING",
        &[
            raw.topic.as_str().into(),
            raw.partition.into(),
            raw.offset.into(),
            e.message_id.into(),
            e.receiver_id.into(),
            e.read_at.to_string().into(),
            vip.into(),
            Val::Bytes(raw.key.clone()),
            Val::Bytes(raw.value.clone()),
            headers.into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
}

const PENDING_COLUMNS: &str = "source_topic, source_partition, source_offset, message_id,
    receiver_id, read_at, vip, record_key, record_value, record_headers, first_seen_ms";

fn pending_row(r: &Row) -> Result<PendingReceipt, DbError> {
    Ok(PendingReceipt {
        source: RawRecord {
            topic: r[0].text()?,
            partition: r[1].int()? as i32,
            offset: r[2].int()?,
            key: r[7].bytes()?,
            value: r[8].bytes()?,
            headers: serde_json::from_str(&r[9].text()?).unwrap_or_default(),
        },
        message_id: r[3].int()?,
        receiver_id: r[4].int()?,
        read_at: time(&r[5])?,
        vip: r[6].bool()?,
        first_seen_ms: r[10].int()?,
    })
}

/// Removes a parked read; false when another transaction removed it first (only
/// the one that removes it counts it).
pub(super) fn delete_pending(tx: &mut Tx<'_>, p: &PendingReceipt) -> Result<bool, DbError> {
    let n = tx.exec(
        "DELETE FROM pending_receipts
         WHERE source_topic = $1 AND source_partition = $2 AND source_offset = $3",
        &[
            p.source.topic.as_str().into(),
            p.source.partition.into(),
            p.source.offset.into(),
        ],
    )?;
    Ok(n == 1)
}

/// Resolves every parked read of `message_id` (now indexed with `sender_id`).
pub(super) fn resolve_pending_for(
    tx: &mut Tx<'_>,
    message_id: i64,
    sender_id: i64,
    vips: &HashSet<i64>,
    now_ms: i64,
) -> Result<Vec<ReadReceipt>, DbError> {
    let parked: Vec<PendingReceipt> = tx
        .rows(
            &format!(
                "SELECT {PENDING_COLUMNS} FROM pending_receipts WHERE message_id = $1
                 ORDER BY first_seen_ms"
            ),
            &[message_id.into()],
        )?
        .iter()
        .map(pending_row)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for p in parked {
        if !delete_pending(tx, &p)? {
            continue;
        }
        let r = ReadReceipt {
            message_id,
            sender_id,
            receiver_id: p.receiver_id,
            read_at: p.read_at,
            vip: p.vip || vips.contains(&sender_id),
        };
        if insert_receipt(tx, &r, now_ms)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Parked reads whose message has been indexed since (the sweep's safety net for a
/// created event stored by another process).
pub(super) fn resolvable(tx: &mut Tx<'_>) -> Result<Vec<(i64, i64)>, DbError> {
    tx.rows(
        "SELECT DISTINCT p.message_id, m.sender_id FROM pending_receipts p
         JOIN message_index m ON m.message_id = p.message_id",
        &[],
    )?
    .iter()
    .map(|r| Ok((r[0].int()?, r[1].int()?)))
    .collect()
}

/// Parked reads first seen before `cutoff_ms`, claimed for `lease_ms` by whoever
/// asks: to be dead-lettered by this instance alone (another instance's sweep skips
/// them until the claim lapses, e.g. when the DLQ could not be written).
pub(super) fn claim_expired(
    tx: &mut Tx<'_>,
    cutoff_ms: i64,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Vec<PendingReceipt>, DbError> {
    let candidates: Vec<PendingReceipt> = tx
        .rows(
            &format!(
                "SELECT {PENDING_COLUMNS} FROM pending_receipts
                 WHERE first_seen_ms < $1 AND (claimed_until_ms IS NULL OR claimed_until_ms <= $2)
                 ORDER BY first_seen_ms LIMIT 1000"
            ),
            &[cutoff_ms.into(), now_ms.into()],
        )?
        .iter()
        .map(pending_row)
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for p in candidates {
        let n = tx.exec(
            "UPDATE pending_receipts SET claimed_until_ms = $4
             WHERE source_topic = $1 AND source_partition = $2 AND source_offset = $3
               AND (claimed_until_ms IS NULL OR claimed_until_ms <= $5)",
            &[
                p.source.topic.as_str().into(),
                p.source.partition.into(),
                p.source.offset.into(),
                now_ms.saturating_add(lease_ms).into(),
                now_ms.into(),
            ],
        )?;
        if n == 1 {
            claimed.push(p);
        }
    }
    Ok(claimed)
}

/// The receipt of one message, if delivered.
pub(super) fn receipt_for(
    tx: &mut Tx<'_>,
    message_id: i64,
) -> Result<Option<ReadReceipt>, DbError> {
    tx.row(
        "SELECT message_id, sender_id, receiver_id, read_at, vip FROM read_receipts
         WHERE message_id = $1",
        &[message_id.into()],
    )?
    .map(|r| {
        Ok(ReadReceipt {
            message_id: r[0].int()?,
            sender_id: r[1].int()?,
            receiver_id: r[2].int()?,
            read_at: time(&r[3])?,
            vip: r[4].bool()?,
        })
    })
    .transpose()
}

// --- archive ------------------------------------------------------------------------

/// Stores an archive row. Returns false when the message was archived already.
pub(super) fn insert_archive(
    tx: &mut Tx<'_>,
    a: &ArchivedMessage,
    now_ms: i64,
) -> Result<bool, DbError> {
    let until_ms = a.retention_until.0.and_utc().timestamp_millis();
    let n = tx.exec(
        "INSERT INTO archive
             (original_message_id, sender_id, receiver_id, deleted_at, retention_until,
              retention_until_ms, vip, archived_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (original_message_id) DO NOTHING",
        &[
            a.original_message_id.into(),
            a.sender_id.into(),
            a.receiver_id.into(),
            a.deleted_at.to_string().into(),
            a.retention_until.to_string().into(),
            until_ms.into(),
            a.vip.into(),
            now_ms.into(),
        ],
    )?;
    Ok(n == 1)
}

pub(super) fn archived(
    tx: &mut Tx<'_>,
    message_id: i64,
) -> Result<Option<ArchivedMessage>, DbError> {
    tx.row(
        "SELECT original_message_id, sender_id, receiver_id, deleted_at, retention_until, vip
         FROM archive WHERE original_message_id = $1",
        &[message_id.into()],
    )?
    .map(|r| {
        Ok(ArchivedMessage {
            original_message_id: r[0].int()?,
            sender_id: r[1].int()?,
            receiver_id: r[2].int()?,
            deleted_at: time(&r[3])?,
            retention_until: time(&r[4])?,
            vip: r[5].bool()?,
        })
    })
    .transpose()
}

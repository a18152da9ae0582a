//! The read-receipt service: on `message.read`, find the original message's sender in
//! the message index and deliver `{messageId, senderId, readAt}` to the sender (the
//! receipt log, the live feed the TUI shows, and the [`ReceiptSink`]s: `kaftop serve`
//! pushes receipts to the senders over WebSocket, as the seed does).
//!
//! The index is built by the same service from `message.created` (its group subscribes
//! to both topics). A read can arrive before its message is indexed: the created event
//! sits on another partition, or another consumer has not stored it yet. Such a read
//! is *parked* durably in `pending_receipts` (with the original record) and its offset
//! committed, so it never blocks its partition. It is retried when its message is
//! indexed (in the same transaction) and by a periodic sweep; after the retry window it
//! is dead-lettered with the original key, value and headers.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use super::RawRecord;
use crate::events::{EventTime, MessageCreatedEvent, MessageReadEvent};

/// A receipt delivered to the sender of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceipt {
    pub message_id: i64,
    /// The original message's sender: who receives this receipt.
    pub sender_id: i64,
    /// Who read the message.
    pub receiver_id: i64,
    pub read_at: EventTime,
    pub vip: bool,
}

/// Where delivered receipts go besides the receipt log and the TUI feed (e.g. the
/// WebSocket hub of `kaftop serve`). Called from the service's threads once the
/// receipt is stored: by a consumer thread after its batch's transaction commits
/// (before the offsets are committed, so a crash may repeat a call: at least once),
/// and by the maintenance thread when it resolves a parked read late.
///
/// `deliver` runs on the consumer's thread: it must never block. A sink that cannot
/// keep up drops (and counts) on its own side.
pub trait ReceiptSink: Send + Sync {
    fn deliver(&self, r: &ReadReceipt);
}

/// A parked read, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReceipt {
    pub source: RawRecord,
    pub message_id: i64,
    pub receiver_id: i64,
    pub read_at: EventTime,
    pub vip: bool,
    pub first_seen_ms: i64,
}

pub(crate) fn index(
    tx: &Transaction<'_>,
    e: &MessageCreatedEvent,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO message_index
             (message_id, sender_id, receiver_id, content, created_at, indexed_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        e.message_id,
        e.sender_id,
        e.receiver_id,
        e.content,
        e.created_at.to_string(),
        now_ms
    ])?;
    Ok(())
}

/// The sender of an indexed message.
pub(crate) fn sender_of(conn: &Connection, message_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT sender_id FROM message_index WHERE message_id = ?1")?
        .query_row(params![message_id], |r| r.get(0))
        .optional()
}

/// Logs a delivered receipt. Returns false when one for this message was already logged.
pub(crate) fn insert_receipt(
    tx: &Transaction<'_>,
    r: &ReadReceipt,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO read_receipts
                 (message_id, sender_id, receiver_id, read_at, vip, delivered_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            r.message_id,
            r.sender_id,
            r.receiver_id,
            r.read_at.to_string(),
            r.vip,
            now_ms
        ])?;
    Ok(n == 1)
}

pub(crate) fn park(
    tx: &Transaction<'_>,
    e: &MessageReadEvent,
    vip: bool,
    raw: &RawRecord,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let headers = serde_json::to_string(&raw.headers).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT OR IGNORE INTO pending_receipts
             (source_topic, source_partition, source_offset, message_id, receiver_id, read_at,
              vip, record_key, record_value, record_headers, first_seen_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        raw.topic,
        raw.partition,
        raw.offset,
        e.message_id,
        e.receiver_id,
        e.read_at.to_string(),
        vip,
        raw.key,
        raw.value,
        headers,
        now_ms
    ])?;
    Ok(())
}

fn pending_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PendingReceipt> {
    let headers: String = r.get(9)?;
    let read_at: String = r.get(5)?;
    Ok(PendingReceipt {
        source: RawRecord {
            topic: r.get(0)?,
            partition: r.get(1)?,
            offset: r.get(2)?,
            key: r.get(7)?,
            value: r.get(8)?,
            headers: serde_json::from_str(&headers).unwrap_or_default(),
        },
        message_id: r.get(3)?,
        receiver_id: r.get(4)?,
        read_at: EventTime::parse(&read_at).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into())
        })?,
        vip: r.get(6)?,
        first_seen_ms: r.get(10)?,
    })
}

const PENDING_COLUMNS: &str = "source_topic, source_partition, source_offset, message_id,
    receiver_id, read_at, vip, record_key, record_value, record_headers, first_seen_ms";

fn delete_pending(tx: &Transaction<'_>, p: &PendingReceipt) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "DELETE FROM pending_receipts
         WHERE source_topic = ?1 AND source_partition = ?2 AND source_offset = ?3",
    )?
    .execute(params![p.source.topic, p.source.partition, p.source.offset])
}

/// Resolves every parked read of `message_id` (now indexed with `sender_id`).
pub(crate) fn resolve_pending_for(
    tx: &Transaction<'_>,
    message_id: i64,
    sender_id: i64,
    vips: &std::collections::HashSet<i64>,
    now_ms: i64,
) -> rusqlite::Result<Vec<ReadReceipt>> {
    let parked: Vec<PendingReceipt> = {
        let mut st = tx.prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM pending_receipts WHERE message_id = ?1
             ORDER BY first_seen_ms"
        ))?;
        let rows = st.query_map(params![message_id], pending_row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for p in parked {
        delete_pending(tx, &p)?;
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
pub(crate) fn resolvable(conn: &Connection) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT p.message_id, m.sender_id FROM pending_receipts p
         JOIN message_index m ON m.message_id = p.message_id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Parked reads first seen before `cutoff_ms`: to be dead-lettered.
pub(crate) fn expired(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<Vec<PendingReceipt>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {PENDING_COLUMNS} FROM pending_receipts WHERE first_seen_ms < ?1
         ORDER BY first_seen_ms LIMIT 1000"
    ))?;
    let rows = st.query_map(params![cutoff_ms], pending_row)?;
    rows.collect()
}

/// Removes an expired parked read after its DLQ produce was acknowledged. Returns false
/// when it was resolved (or removed) in the meantime.
pub(crate) fn remove_expired(tx: &Transaction<'_>, p: &PendingReceipt) -> rusqlite::Result<bool> {
    Ok(delete_pending(tx, p)? == 1)
}

pub(crate) fn pending_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM pending_receipts")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// The receipt of one message, if delivered.
pub(crate) fn receipt_for(
    conn: &Connection,
    message_id: i64,
) -> rusqlite::Result<Option<ReadReceipt>> {
    conn.prepare_cached(
        "SELECT message_id, sender_id, receiver_id, read_at, vip FROM read_receipts
         WHERE message_id = ?1",
    )?
    .query_row(params![message_id], receipt_row)
    .optional()
}

fn receipt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReadReceipt> {
    let read_at: String = r.get(3)?;
    Ok(ReadReceipt {
        message_id: r.get(0)?,
        sender_id: r.get(1)?,
        receiver_id: r.get(2)?,
        read_at: EventTime::parse(&read_at).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
        vip: r.get(4)?,
    })
}

//! The analytics service: per day, messages created, distinct senders and messages read.
//!
//! A day is the date of the event's own timestamp (`createdAt`, `readAt`), not the
//! time kaftop processed it: a backlog consumed after midnight, or a replay from the
//! beginning a week later, still lands on the day the user sent or read the message,
//! and reprocessing gives the same table. Timestamps are the service's `LocalDateTime`
//! values taken as they are (RFC 3339 input was converted to UTC on decoding).
//!
//! Distinct senders are exact: a `(date, sender)` table, and the per-day counter only
//! moves when a pair is new.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::events::{MessageCreatedEvent, MessageReadEvent};

/// One day of analytics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DailyStats {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub messages: u64,
    pub distinct_senders: u64,
    pub reads: u64,
}

pub(crate) fn apply_created(tx: &Transaction<'_>, e: &MessageCreatedEvent) -> rusqlite::Result<()> {
    let date = e.created_at.date().to_string();
    tx.prepare_cached(
        "INSERT INTO daily_stats (date, messages_created) VALUES (?1, 1)
         ON CONFLICT (date) DO UPDATE SET messages_created = messages_created + 1",
    )?
    .execute(params![date])?;
    let new_sender = tx
        .prepare_cached("INSERT OR IGNORE INTO daily_senders (date, sender_id) VALUES (?1, ?2)")?
        .execute(params![date, e.sender_id])?;
    if new_sender == 1 {
        tx.prepare_cached(
            "UPDATE daily_stats SET distinct_senders = distinct_senders + 1 WHERE date = ?1",
        )?
        .execute(params![date])?;
    }
    Ok(())
}

pub(crate) fn apply_read(tx: &Transaction<'_>, e: &MessageReadEvent) -> rusqlite::Result<()> {
    let date = e.read_at.date().to_string();
    tx.prepare_cached(
        "INSERT INTO daily_stats (date, messages_read) VALUES (?1, 1)
         ON CONFLICT (date) DO UPDATE SET messages_read = messages_read + 1",
    )?
    .execute(params![date])?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DailyStats> {
    Ok(DailyStats {
        date: r.get(0)?,
        messages: r.get::<_, i64>(1)? as u64,
        distinct_senders: r.get::<_, i64>(2)? as u64,
        reads: r.get::<_, i64>(3)? as u64,
    })
}

/// Every day, oldest first.
pub(crate) fn all_days(conn: &Connection) -> rusqlite::Result<Vec<DailyStats>> {
    let mut st = conn.prepare_cached(
        "SELECT date, messages_created, distinct_senders, messages_read
         FROM daily_stats ORDER BY date",
    )?;
    let rows = st.query_map([], row)?;
    rows.collect()
}

/// One day (zeros when nothing happened that day).
pub(crate) fn day(conn: &Connection, date: &str) -> rusqlite::Result<DailyStats> {
    let found = conn
        .prepare_cached(
            "SELECT date, messages_created, distinct_senders, messages_read
             FROM daily_stats WHERE date = ?1",
        )?
        .query_row(params![date], row)
        .optional()?;
    Ok(found.unwrap_or_else(|| DailyStats {
        date: date.to_string(),
        ..DailyStats::default()
    }))
}

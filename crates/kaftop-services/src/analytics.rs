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

use serde::Serialize;

/// One day of analytics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DailyStats {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub messages: u64,
    pub distinct_senders: u64,
    pub reads: u64,
}

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

use serde::Serialize;

use super::RawRecord;
use kaftop_core::events::EventTime;

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

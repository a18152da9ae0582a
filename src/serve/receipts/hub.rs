//! The hub between the read-receipt service and the open sockets: each socket
//! registers for one user; each delivered receipt goes to the sockets of its
//! message's sender. The service's thread only ever `try_send`s into a bounded
//! queue per socket: a socket whose queue is full (its client stopped reading, or
//! reads slower than receipts arrive) is dropped, counted, and its connection ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use kaftop_core::events::EventTime;
use kaftop_services::{ReadReceipt, ReceiptSink};

/// A receipt as the seed's clients receive it: its `ReadReceipt` DTO, serialized
/// by Jackson (camelCase; `readAt` a `LocalDateTime`, as the read event carried it).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptBody<'a> {
    message_id: i64,
    sender_id: i64,
    read_at: &'a EventTime,
}

/// The JSON body sent for a receipt.
pub(crate) fn receipt_json(r: &ReadReceipt) -> String {
    let body = ReceiptBody {
        message_id: r.message_id,
        sender_id: r.sender_id,
        read_at: &r.read_at,
    };
    // Two integers and a string: serializing cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// Why the hub ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kick {
    /// Its queue was full.
    TooSlow,
    /// [`ReceiptHub::shutdown`].
    Shutdown,
}

struct Slot {
    id: u64,
    queue: mpsc::Sender<Arc<str>>,
    kick: oneshot::Sender<Kick>,
}

impl Slot {
    fn kick(self, why: Kick) {
        // The connection may be gone already: nothing to tell it then.
        let _ = self.kick.send(why);
    }
}

/// Live read receipts for the connected users. Shared (in an `Arc`) by the
/// services, which deliver into it, and the router's connections.
pub struct ReceiptHub {
    per_client_queue: usize,
    clients: Mutex<HashMap<i64, Vec<Slot>>>,
    next_id: AtomicU64,
    dropped: AtomicU64,
    closed: AtomicBool,
}

impl std::fmt::Debug for ReceiptHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptHub")
            .field("per_client_queue", &self.per_client_queue)
            .field("connected", &self.connected_clients())
            .field("dropped", &self.dropped_clients())
            .finish_non_exhaustive()
    }
}

/// One connection's registration: its queue of receipt bodies and the hub's
/// signal to end it. Unregisters when dropped.
pub(crate) struct Registration {
    hub: Arc<ReceiptHub>,
    user: i64,
    id: u64,
    pub(crate) receipts: mpsc::Receiver<Arc<str>>,
    pub(crate) kicked: oneshot::Receiver<Kick>,
}

impl Registration {
    /// The connection's number, unique in this hub (for STOMP message ids).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut clients = self.hub.lock();
        if let Some(slots) = clients.get_mut(&self.user) {
            slots.retain(|s| s.id != self.id);
            if slots.is_empty() {
                clients.remove(&self.user);
            }
        }
    }
}

impl ReceiptHub {
    /// A hub whose connections each queue up to `per_client_queue` receipts (at
    /// least one) before they count as too slow.
    pub fn new(per_client_queue: usize) -> Self {
        ReceiptHub {
            per_client_queue: per_client_queue.max(1),
            clients: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Vec<Slot>>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a connection for `user`'s receipts; `None` once shut down.
    pub(crate) fn register(self: &Arc<Self>, user: i64) -> Option<Registration> {
        let mut clients = self.lock();
        // Checked under the lock, so shutdown cannot miss a registration.
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, receipts) = mpsc::channel(self.per_client_queue);
        let (kick, kicked) = oneshot::channel();
        clients
            .entry(user)
            .or_default()
            .push(Slot { id, queue, kick });
        Some(Registration {
            hub: self.clone(),
            user,
            id,
            receipts,
            kicked,
        })
    }

    /// Ends every connection and refuses new ones (the server is draining).
    pub fn shutdown(&self) {
        let mut clients = self.lock();
        self.closed.store(true, Ordering::SeqCst);
        for slot in clients.drain().flat_map(|(_, slots)| slots) {
            slot.kick(Kick::Shutdown);
        }
    }

    /// Connections dropped because their queue was full, since the start.
    pub fn dropped_clients(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Connections registered now.
    pub fn connected_clients(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }
}

impl ReceiptSink for ReceiptHub {
    /// Never blocks: a full queue drops its connection.
    fn deliver(&self, r: &ReadReceipt) {
        let mut clients = self.lock();
        let Some(slots) = clients.get_mut(&r.sender_id) else {
            return;
        };
        let body: Arc<str> = receipt_json(r).into();
        let mut kept = Vec::with_capacity(slots.len());
        for slot in slots.drain(..) {
            match slot.queue.try_send(body.clone()) {
                Ok(()) => kept.push(slot),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        user = r.sender_id,
                        queue = self.per_client_queue,
                        "read-receipt client too slow: dropped"
                    );
                    slot.kick(Kick::TooSlow);
                }
                // The connection ended; its registration is on its way out.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        if kept.is_empty() {
            clients.remove(&r.sender_id);
        } else {
            *slots = kept;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(message_id: i64, sender_id: i64) -> ReadReceipt {
        ReadReceipt {
            message_id,
            sender_id,
            receiver_id: 200,
            read_at: EventTime::parse("2026-11-24T10:15:30.120").unwrap(),
            vip: false,
        }
    }

    #[test]
    fn the_seeds_read_receipt_fields() {
        let json = receipt_json(&receipt(1, 100));
        assert_eq!(
            json,
            r#"{"messageId":1,"senderId":100,"readAt":"2026-11-24T10:15:30.120"}"#
        );
        let mut whole = receipt(2, 100);
        whole.read_at = EventTime::parse("2026-11-24T10:15:30").unwrap();
        assert_eq!(
            receipt_json(&whole),
            r#"{"messageId":2,"senderId":100,"readAt":"2026-11-24T10:15:30"}"#
        );
    }

    #[test]
    fn receipts_go_only_to_their_senders_connections() {
        let hub = Arc::new(ReceiptHub::new(8));
        let mut a1 = hub.register(100).unwrap();
        let mut a2 = hub.register(100).unwrap();
        let mut b = hub.register(300).unwrap();
        assert_eq!(hub.connected_clients(), 3);
        hub.deliver(&receipt(1, 100));
        hub.deliver(&receipt(2, 999)); // nobody connected
        for r in [&mut a1, &mut a2] {
            assert!(r.receipts.try_recv().unwrap().contains(r#""messageId":1"#));
            assert!(r.receipts.try_recv().is_err());
        }
        assert!(b.receipts.try_recv().is_err());
        drop(a1);
        assert_eq!(hub.connected_clients(), 2);
        assert_eq!(hub.dropped_clients(), 0);
    }

    #[test]
    fn a_full_queue_drops_its_client_and_never_blocks() {
        let hub = Arc::new(ReceiptHub::new(2));
        let mut slow = hub.register(100).unwrap();
        let mut fast = hub.register(100).unwrap();
        for id in 0..1000 {
            hub.deliver(&receipt(id, 100));
            // The fast one reads everything.
            assert!(fast.receipts.try_recv().is_ok());
        }
        assert_eq!(hub.dropped_clients(), 1);
        assert_eq!(hub.connected_clients(), 1);
        assert_eq!(slow.kicked.try_recv(), Ok(Kick::TooSlow));
        // What was queued before the drop is still there to be discarded.
        assert!(slow.receipts.try_recv().is_ok());
        assert!(fast.kicked.try_recv().is_err());
    }

    #[test]
    fn shutdown_ends_every_connection_and_refuses_new_ones() {
        let hub = Arc::new(ReceiptHub::new(2));
        let mut a = hub.register(100).unwrap();
        let mut b = hub.register(300).unwrap();
        hub.shutdown();
        assert_eq!(a.kicked.try_recv(), Ok(Kick::Shutdown));
        assert_eq!(b.kicked.try_recv(), Ok(Kick::Shutdown));
        assert!(hub.register(100).is_none());
        assert_eq!(hub.connected_clients(), 0);
        assert_eq!(hub.dropped_clients(), 0);
    }
}

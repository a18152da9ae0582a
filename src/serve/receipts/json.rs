//! The plain JSON stream for tools that do not speak STOMP: one receipt per text
//! message. Whatever the client sends is ignored; its close ends the stream. The
//! server pings every [`PING_EVERY`]; a client that answers nothing (no pong, no
//! message) for [`SILENCE_LIMIT`] is gone and dropped.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use tokio::time::Instant;

use super::hub::{Kick, ReceiptHub};

/// How long the close frame may take to go out.
const FAREWELL_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long a client may stay silent (browsers and WebSocket libraries answer
/// pings on their own).
const SILENCE_LIMIT: Duration = Duration::from_secs(75);

pub(super) async fn connection(mut socket: WebSocket, hub: Arc<ReceiptHub>, user: i64) {
    let Some(mut reg) = hub.register(user) else {
        close(socket, Kick::Shutdown).await;
        return;
    };
    // Runs until the client leaves (true) or the hub lets go of it (false).
    let stream = async {
        let mut pings = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let mut heard = Instant::now();
        loop {
            tokio::select! {
                _ = pings.tick() => {
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        return true;
                    }
                }
                () = tokio::time::sleep_until(heard + SILENCE_LIMIT) => {
                    tracing::debug!(user, "JSON stream client silent: closing");
                    return true;
                }
                body = reg.receipts.recv() => {
                    let Some(body) = body else { return false };
                    if socket.send(Message::Text(body.as_ref().into())).await.is_err() {
                        return true;
                    }
                }
                msg = socket.recv() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                    Some(Ok(_)) => heard = Instant::now(),
                },
            }
        }
    };
    let kick = tokio::select! {
        client_left = stream => {
            if client_left {
                return;
            }
            reg.kicked.try_recv().unwrap_or(Kick::Shutdown)
        }
        kick = &mut reg.kicked => kick.unwrap_or(Kick::Shutdown),
    };
    drop(reg);
    close(socket, kick).await;
}

async fn close(mut socket: WebSocket, why: Kick) {
    let (code, reason) = match why {
        Kick::TooSlow => (close_code::POLICY, "too slow: receipts were dropped"),
        Kick::Shutdown => (close_code::AWAY, "server shutting down"),
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(FAREWELL_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

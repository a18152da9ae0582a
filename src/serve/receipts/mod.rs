//! Read receipts over WebSocket, as the seed's clients receive them: the seed's
//! read-receipt consumer calls `sendToUser(senderId, "/topic/read-receipts",
//! receipt)` on Spring's STOMP broker, so a sender's browser gets
//! `{messageId, senderId, readAt}` for each of its messages that is read.
//!
//! - `GET /ws`: STOMP 1.2 over WebSocket (subprotocol `v12.stomp`). CONNECT names
//!   the user in its `login` header (or a `user-id` header); SUBSCRIBE to
//!   `/user/topic/read-receipts` (Spring's user destination, as a client writes
//!   it) or `/topic/read-receipts` delivers that user's receipts as MESSAGE frames
//!   with a JSON body. Heart-beats as agreed on CONNECT (the server offers
//!   `10000,10000`); a client silent for twice its period is dropped.
//! - `GET /ws/read-receipts?userId=N`: the same receipts as plain JSON, one per
//!   text message, for tools that do not speak STOMP.
//!
//! The files: `hub` (which sockets want which user's receipts; the services'
//! [`ReceiptSink`](kaftop_services::ReceiptSink)), `codec` (STOMP frames),
//! `stomp` and `json` (one connection of each kind).

mod codec;
#[cfg(test)]
mod codec_props;
mod heartbeat;
mod hub;
mod json;
mod stomp;

use std::sync::Arc;

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub use hub::ReceiptHub;

/// The STOMP endpoint's path.
pub const STOMP_PATH: &str = "/ws";
/// The plain JSON stream's path.
pub const JSON_PATH: &str = "/ws/read-receipts";
/// The destinations a STOMP client may subscribe to; both deliver the connected
/// user's receipts.
pub const DESTINATIONS: [&str; 2] = ["/user/topic/read-receipts", "/topic/read-receipts"];

/// A sensible [`ReceiptHub::new`] queue: a consumer hands over a whole batch's
/// receipts at once (up to `batch_size`, 500 by default), so a client that reads
/// promptly must be able to take a burst of that size.
pub const DEFAULT_CLIENT_QUEUE: usize = 1024;

/// The WebSocket subprotocols of STOMP; clients offer them, the server picks one.
const STOMP_PROTOCOLS: [&str; 3] = ["v12.stomp", "v11.stomp", "v10.stomp"];

/// The routes: `GET /ws` (STOMP) and `GET /ws/read-receipts?userId=N` (JSON).
pub fn router(hub: Arc<ReceiptHub>) -> Router {
    Router::new()
        .route(STOMP_PATH, get(stomp_upgrade))
        .route(JSON_PATH, get(json_upgrade))
        .with_state(hub)
}

async fn stomp_upgrade(State(hub): State<Arc<ReceiptHub>>, ws: WebSocketUpgrade) -> Response {
    ws.protocols(STOMP_PROTOCOLS)
        .max_message_size(codec::MAX_FRAME)
        .on_upgrade(move |socket| stomp::connection(socket, hub))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonParams {
    user_id: i64,
}

async fn json_upgrade(
    State(hub): State<Arc<ReceiptHub>>,
    Query(params): Query<JsonParams>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.max_message_size(codec::MAX_FRAME)
        .on_upgrade(move |socket| json::connection(socket, hub, params.user_id))
}

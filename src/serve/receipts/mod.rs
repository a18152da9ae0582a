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

mod access;
mod codec;
#[cfg(test)]
mod codec_props;
mod heartbeat;
mod hub;
mod json;
mod stomp;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, Query, State, WebSocketUpgrade};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;

pub use access::{Access, AccessError};
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

/// What the routes share.
#[derive(Clone)]
struct Endpoints {
    hub: Arc<ReceiptHub>,
    access: Arc<Access>,
}

/// The routes: `GET /ws` (STOMP) and `GET /ws/read-receipts?userId=N` (JSON),
/// behind `access`.
pub fn router(hub: Arc<ReceiptHub>, access: Arc<Access>) -> Router {
    Router::new()
        .route(STOMP_PATH, get(stomp_upgrade))
        .route(JSON_PATH, get(json_upgrade))
        .with_state(Endpoints { hub, access })
}

fn peer(ext: &Extensions) -> Option<SocketAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// 403 for a peer the endpoints do not serve; 401 (with the reason) for a bad token.
fn refusal(status: StatusCode, why: &str) -> Response {
    let mut r = (status, format!("{why}\n")).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    r
}

/// Closes a socket over the cap: 1013, try again later.
async fn close_full(mut socket: WebSocket) {
    let close = CloseFrame {
        code: close_code::AGAIN,
        reason: "too many read-receipt clients: try later".into(),
    };
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        socket.send(Message::Close(Some(close))),
    )
    .await;
}

async fn stomp_upgrade(
    State(e): State<Endpoints>,
    ext: Extensions,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(why) = e.access.admits(peer(&ext)) {
        return refusal(StatusCode::FORBIDDEN, why);
    }
    // A token on the upgrade request counts as one on CONNECT.
    let upgrade_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let slot = e.access.slot();
    ws.protocols(STOMP_PROTOCOLS)
        .max_message_size(codec::MAX_FRAME)
        .on_upgrade(move |socket| async move {
            let Some(_slot) = slot else {
                return close_full(socket).await;
            };
            stomp::connection(socket, e.hub, e.access, upgrade_token).await;
        })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonParams {
    user_id: Option<i64>,
    /// A JWT, for clients (browsers) that cannot set headers on a WebSocket.
    #[serde(rename = "access_token")]
    access_token: Option<String>,
}

/// The user of a JSON stream: the JWT's subject (a `userId` given too must match),
/// or without JWTs the `userId` parameter.
fn json_user(
    access: &Access,
    headers: &HeaderMap,
    p: &JsonParams,
) -> Result<i64, (StatusCode, String)> {
    if !access.requires_jwt() {
        return p.user_id.filter(|u| *u > 0).ok_or((
            StatusCode::BAD_REQUEST,
            "userId: a positive integer is required".into(),
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .or(p.access_token.as_deref())
        .ok_or((
            StatusCode::UNAUTHORIZED,
            "a bearer JWT is required (Authorization: Bearer <jwt>, or access_token=<jwt>)".into(),
        ))?;
    let user = access
        .user_of(token)
        .map_err(|why| (StatusCode::UNAUTHORIZED, why))?;
    match p.user_id {
        Some(u) if u != user => Err((
            StatusCode::FORBIDDEN,
            "userId is not the token's subject: a client receives only its own receipts".into(),
        )),
        _ => Ok(user),
    }
}

async fn json_upgrade(
    State(e): State<Endpoints>,
    ext: Extensions,
    headers: HeaderMap,
    Query(params): Query<JsonParams>,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(why) = e.access.admits(peer(&ext)) {
        return refusal(StatusCode::FORBIDDEN, why);
    }
    let user = match json_user(&e.access, &headers, &params) {
        Ok(u) => u,
        Err((status, why)) => return refusal(status, &why),
    };
    let slot: Option<OwnedSemaphorePermit> = e.access.slot();
    ws.max_message_size(codec::MAX_FRAME)
        .on_upgrade(move |socket| async move {
            let Some(_slot) = slot else {
                return close_full(socket).await;
            };
            json::connection(socket, e.hub, user).await;
        })
}
